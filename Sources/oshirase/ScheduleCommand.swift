import ArgumentParser
import Foundation
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
        let zones: [Zone] = engine.layout == .mainTicker ? [.main, .ticker] : [.main]
        let slots = zones.flatMap { engine.timeline(in: $0, from: start, to: end) }
            .sorted { ($0.start, $0.zone) < ($1.start, $1.zone) }

        switch format {
        case .text:
            var out = ""
            for s in slots {
                out += "\(formatInstant(s.start, in: engine.timeZone)) \(formatInstant(s.end, in: engine.timeZone)) \(s.zone.rawValue) \(s.label)\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        case .json:
            struct Row: Encodable { let start, end, zone, item: String }
            let rows = slots.map {
                Row(start: formatInstant($0.start, in: engine.timeZone), end: formatInstant($0.end, in: engine.timeZone),
                    zone: $0.zone.rawValue, item: $0.label)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(rows) + Data("\n".utf8))
        }

        if let output {
            let picture = try TimelinePainter(phraseModel: loadPhraseModel())
                .paint(slots: slots, rotations: zones.flatMap { engine.rotations(in: $0, from: start, to: end) }, zones: zones, from: start, to: end, timeZone: engine.timeZone,
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
