import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseCore
import OshiraseImaging
import OshiraseRender

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Print what each zone of a display shows between two instants.")

    @Argument(help: "Playlist files; several merge per zone in file-name order.")
    var playlists: [String]

    @Option(help: "Start, ISO 8601 with offset.")
    var from: String

    @Option(help: "End, ISO 8601 with offset.")
    var to: String

    @Option(help: "Display profile: lcd-1080p, dsign-clean or led-vision.")
    var display = "lcd-1080p"

    @Option(help: "text: one line per slot \"START END ZONE ITEM_ID\"; json: [{start,end,zone,item}].")
    var format: OutputFormat = .text

    @Option(help: "Also draw the timeline as a PNG picture.")
    var output: String?

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func validate() throws {
        if playlists.isEmpty { throw ValidationError("give at least one playlist file") }
        if let output, (output as NSString).pathExtension.lowercased() != "png" {
            throw ValidationError("--output '\(output)' must end in .png")
        }
    }

    func run() throws {
        let start = try parseInstant(from, option: "--from")
        let end = try parseInstant(to, option: "--to")
        guard end > start else { throw ValidationError("--to must be later than --from") }
        guard end.timeIntervalSince(start) <= 31 * 86_400 else {
            throw ValidationError("the span from --from to --to is longer than 31 days")
        }
        let profile = try profile(named: display)
        let engine = ScheduleEngine(playlists: try loadPlaylists(playlists), profile: profile.name)
        warnIfNothingServes(engine, profile: profile)
        let zones: [Zone] = engine.layout == .mainTicker ? [.main, .ticker] : [.main]

        // Slots stream out in time order (main before ticker at the same instant), so a month of
        // short items prints without being held in memory.
        var streams = zones.map { engine.slots(in: $0, from: start, to: end) }
        var heads = streams.indices.map { streams[$0].next() }
        let out = BufferedOutput()
        let zone = engine.timeZone
        out.write(format == .json ? "[" : "")
        var first = true
        while let head = heads.enumerated().compactMap({ i, h in h.map { (i, $0) } })
            .min(by: { ($0.1.start, $0.1.zone) < ($1.1.start, $1.1.zone) }) {
            let (pick, s) = head
            let start = formatInstant(s.start, in: zone), end = formatInstant(s.end, in: zone)
            switch format {
            case .text:
                out.write("\(start) \(end) \(s.zone.rawValue) \(s.label)\n")
            case .json:
                out.write((first ? "\n" : ",\n")
                          + "  {\"start\":\"\(start)\",\"end\":\"\(end)\",\"zone\":\"\(s.zone.rawValue)\",\"item\":\(jsonString(s.label))}")
            }
            first = false
            heads[pick] = streams[pick].next()
        }
        out.write(format == .json ? (first ? "]\n" : "\n]\n") : "")
        out.flush()

        if let output {
            // Rotations are few; slots are drawn one by one only where they are wide enough to see.
            let rotations = zones.flatMap { engine.rotations(in: $0, from: start, to: end) }
            let pixelsPerSecond = TimelinePainter.plotWidth / end.timeIntervalSince(start)
            let visible = rotations.flatMap { r -> [Slot] in
                let cycle = r.entries.reduce(0) { $0 + $1.item.duration }
                let averageSlot = r.entries.isEmpty ? .infinity : Double(cycle) / Double(r.entries.count)
                guard averageSlot * pixelsPerSecond >= TimelinePainter.minimumSlotWidth else { return [] }
                return engine.timeline(in: r.zone, from: r.start, to: r.end)
            }
            let picture = try TimelinePainter(phraseModel: loadPhraseModel())
                .paint(slots: visible, rotations: rotations, zones: zones, from: start, to: end, timeZone: engine.timeZone,
                       title: "\(engine.siteName) — \(profile.name)")
            do {
                try ImageEncoder.write(picture, toPath: output)
            } catch {
                printError("oshirase: error: cannot write \(output): \(error)")
                throw ExitCode(1)
            }
        }
    }
}
