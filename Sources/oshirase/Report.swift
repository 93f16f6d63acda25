import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseCore
import OshiraseConfig
import OshiraseStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Proof of play: what each display showed, and when (or temperature checks per hour, or the push audit).",
        discussion: """
            Lists every item shown between --from and --to (items that started before --from or \
            ended after --to are listed whole). With --screening, lists instead the hourly counts \
            of temperature-check results per sensor and class for the hours starting in that \
            window (no individual reading is ever stored). With --alerts, lists every alert push \
            and feed document the box received in the window, accepted or not. The database is read without locking \
            it: the daemon keeps running and writing. Times are printed in the config's time zone \
            (Asia/Tokyo with --state).
            """)

    @Option(help: "Start, ISO 8601 with offset, e.g. 2026-11-27T00:00:00+09:00.")
    var from: String

    @Option(help: "End, ISO 8601 with offset.")
    var to: String

    @Option(help: "csv (header display,zone,playlist,item,start,end,seconds) or json (an array of objects with those fields).")
    var format: OutputFormat = .csv

    @Option(help: "Only this display (its name in the config).")
    var display: String?

    @Flag(help: "Hourly temperature-check counts (sensor,hour,class,count) instead of proof of play.")
    var screening = false

    @Flag(help: "The push audit (time,key,source,outcome,status,identifier,reason): every alert received, accepted or refused.")
    var alerts = false

    @Option(help: "With --screening: only this sensor (its name in the config).")
    var sensor: String?

    @Option(help: "The daemon's config, for its state directory and time zone (default: $OSHIRASE_CONFIG, else /etc/oshirase/config.yaml).")
    var config: String?

    @Option(help: "The state directory holding oshirase.sqlite; the config is then not read.")
    var state: String?

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case csv, json }

    static let defaultConfigPath = "/etc/oshirase/config.yaml"

    func validate() throws {
        if config != nil && state != nil {
            throw ValidationError("give either --config or --state, not both")
        }
        if let state, state.isEmpty { throw ValidationError("--state needs a folder") }
        if screening && alerts { throw ValidationError("give either --screening or --alerts, not both") }
        if alerts && (display != nil || sensor != nil) { throw ValidationError("--alerts lists the whole box's audit: leave out --display and --sensor") }
        if screening && display != nil { throw ValidationError("--display is for proof of play; with --screening use --sensor") }
        if !screening && sensor != nil { throw ValidationError("--sensor goes with --screening") }
    }

    func run() throws {
        let start = try parseInstant(from, option: "--from")
        let end = try parseInstant(to, option: "--to")
        guard end > start else { throw ValidationError("--to must be later than --from") }

        let (directory, zone) = try stateDirectoryAndTimeZone()
        let store = try StateStore(readingFrom: directory)
        let out = BufferedOutput()
        if screening {
            try writeScreening(store: store, from: start, to: end, zone: zone, to: out)
            out.flush()
            return
        }
        if alerts {
            try writeAudit(store: store, from: start, to: end, zone: zone, to: out)
            out.flush()
            return
        }
        switch format {
        case .csv:
            out.write("display,zone,playlist,item,start,end,seconds\n")
            try store.forEachRecord(from: start, to: end, display: display) { r in
                let fields = [r.display, r.zone, r.playlist, r.item,
                              Self.instant(r.start, in: zone), Self.instant(r.end, in: zone), Self.seconds(from: r.start, to: r.end)]
                out.write(fields.map(Self.csvField).joined(separator: ",") + "\n")
            }
        case .json:
            var rows = JSONRows(out, encoder: RecordJSON.encoder(timeZone: zone))
            try store.forEachRecord(from: start, to: end, display: display) { try rows.write($0) }
            rows.finish()
        }
        out.flush()
    }

    /// The hourly counts: CSV `sensor,hour,class,count` or a JSON array of those fields.
    private func writeScreening(store: StateStore, from start: Date, to end: Date, zone: TimeZone,
                                to out: BufferedOutput) throws {
        let counts = try store.screeningCounts(from: start, to: end, sensor: sensor)
        switch format {
        case .csv:
            out.write("sensor,hour,class,count\n")
            for c in counts {
                out.write([c.sensor, Self.instant(c.hourStart, in: zone), c.className, String(c.count)]
                    .map(Self.csvField).joined(separator: ",") + "\n")
            }
        case .json:
            var rows = JSONRows(out, encoder: RecordJSON.encoder(timeZone: zone))
            for c in counts { try rows.write(ScreeningRow(sensor: c.sensor, hour: c.hourStart, class: c.className, count: c.count)) }
            rows.finish()
        }
    }

    /// The push audit: CSV `time,key,source,outcome,status,identifier,reason` or a JSON array of
    /// those fields (`key`, `identifier` and `reason` null when there were none).
    private func writeAudit(store: StateStore, from start: Date, to end: Date, zone: TimeZone,
                            to out: BufferedOutput) throws {
        switch format {
        case .csv:
            out.write("time,key,source,outcome,status,identifier,reason\n")
            try store.forEachAuditEntry(from: start, to: end) { a in
                let fields = [Self.instant(a.time, in: zone), a.keyID ?? "", a.source, a.outcome, String(a.status),
                              a.identifier ?? "", a.reason ?? ""]
                out.write(fields.map { Self.csvField(Self.inert($0)) }.joined(separator: ",") + "\n")
            }
        case .json:
            var rows = JSONRows(out, encoder: RecordJSON.encoder(timeZone: zone))
            try store.forEachAuditEntry(from: start, to: end) { try rows.write($0) }
            rows.finish()
        }
    }

    /// `--state`, else the config's state directory and zone; a config with errors stops the report.
    private func stateDirectoryAndTimeZone() throws -> (String, TimeZone) {
        if let state { return (state, .tokyo) }
        let environment = ProcessInfo.processInfo.environment["OSHIRASE_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = config ?? environment ?? Self.defaultConfigPath
        if config == nil, !FileManager.default.fileExists(atPath: path) {
            let source = environment != nil ? " (from $OSHIRASE_CONFIG)" : ""
            throw ValidationError("no config at \(path)\(source): give --config FILE, or --state DIR for the folder holding oshirase.sqlite")
        }
        let site = try loadSiteConfig(path)
        if let display, !site.displays.contains(where: { $0.name == display }) {
            printError("oshirase: warning: \(path) has no display named '\(display)'; "
                       + "records of a display since removed from the config are still listed")
        }
        return (site.stateDirectory, site.timeZone)
    }

    /// ISO 8601 with the zone's offset; milliseconds appear only when the instant has some.
    static func instant(_ date: Date, in zone: TimeZone) -> String {
        Instant.format(date, in: zone, milliseconds: true)
    }

    /// The length in seconds, exact to the millisecond: `15`, `14.5`, `0.125` (as in the JSON).
    static func seconds(from start: Date, to end: Date) -> String {
        "\(RecordJSON.seconds(from: start, to: end))"
    }

    /// A field a spreadsheet will not run as a formula: one starting with `=`, `+`, `-`, `@`, a
    /// tab or a carriage return gets a leading `'`. For the audit, whose reasons can quote what a
    /// stranger sent.
    static func inert(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    /// RFC 4180: a field with a comma, a double quote or a line break is quoted, its quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A JSON array written a record at a time, each encoded with `Codable` on a line of its own, so
/// a report of millions of records never holds them all.
struct JSONRows {
    private let out: BufferedOutput
    private let encoder: JSONEncoder
    private var count = 0

    init(_ out: BufferedOutput, encoder: JSONEncoder) {
        self.out = out
        self.encoder = encoder
        out.write("[")
    }

    mutating func write(_ record: some Encodable) throws {
        out.write((count == 0 ? "\n  " : ",\n  ") + String(decoding: try encoder.encode(record), as: UTF8.self))
        count += 1
    }

    func finish() { out.write(count == 0 ? "]\n" : "\n]\n") }
}

/// One hour's count as `report --screening --format json` writes it.
struct ScreeningRow: Encodable {
    var sensor: String
    var hour: Date
    var `class`: String
    var count: Int
}
