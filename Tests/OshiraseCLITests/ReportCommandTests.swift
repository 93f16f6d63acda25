import Foundation
import Testing

/// Writes a proof-of-play database the way the daemon's store lays it out (docs/proof-of-play.md),
/// through the system's libsqlite3 loaded at run time: this test target runs the built executable
/// and does not link the store, and the report must read any file that follows the documented schema.
final class SeedDatabase {
    private typealias Open = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<OpaquePointer?>) -> Int32
    private typealias Exec = @convention(c) (OpaquePointer?, UnsafePointer<CChar>, OpaquePointer?, OpaquePointer?,
                                              UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    private typealias Close = @convention(c) (OpaquePointer?) -> Int32

    private let library: UnsafeMutableRawPointer
    private let exec: Exec
    private let close: Close
    private var connection: OpaquePointer?

    init(path: String) throws {
        guard let library = dlopen("libsqlite3.so.0", RTLD_NOW),
              let open = dlsym(library, "sqlite3_open"), let exec = dlsym(library, "sqlite3_exec"),
              let close = dlsym(library, "sqlite3_close")
        else { throw SeedError("libsqlite3.so.0 not found (scripts/bootstrap installs libsqlite3-dev)") }
        self.library = library
        self.exec = unsafeBitCast(exec, to: Exec.self)
        self.close = unsafeBitCast(close, to: Close.self)
        guard unsafeBitCast(open, to: Open.self)(path, &connection) == 0 else { throw SeedError("cannot open \(path)") }
        try run("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE play (
                id INTEGER PRIMARY KEY, display TEXT NOT NULL, zone TEXT NOT NULL, playlist TEXT NOT NULL,
                item TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL);
            """)
    }

    deinit {
        _ = close(connection)
        dlclose(library)
    }

    /// Adds a row; texts are quoted as SQL literals.
    func add(_ display: String, _ zone: String, _ playlist: String, _ item: String, startMs: Int64, endMs: Int64) throws {
        func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        try run("INSERT INTO play (display, zone, playlist, item, start_ms, end_ms) VALUES ("
                + [display, zone, playlist, item].map(literal).joined(separator: ", ") + ", \(startMs), \(endMs));")
    }

    private func run(_ sql: String) throws {
        guard exec(connection, sql, nil, nil, nil) == 0 else { throw SeedError("SQL failed: \(sql)") }
    }
}

struct SeedError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Milliseconds since 1970 of 2026-11-27 hh:mm:ss.fff in Japan (+09:00).
func tokyoMs(_ hour: Int, _ minute: Int, _ second: Int = 0, ms: Int = 0) -> Int64 {
    1_795_705_200_000 + Int64(((hour * 60 + minute) * 60 + second) * 1000 + ms)
}

@Suite("oshirase report")
struct ReportCommandTests {
    /// Three displays' worth of a morning: a state directory `state/` in the workspace.
    static func seeded() throws -> Workspace {
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.path("state"), withIntermediateDirectories: true)
        let db = try SeedDatabase(path: ws.path("state/oshirase.sqlite"))
        try db.add("lobby", "main", "01-本庁舎1階ロビー.yaml", "マイナンバー申請", startMs: tokyoMs(9, 0), endMs: tokyoMs(9, 0, 15))
        try db.add("lobby", "ticker", "01-本庁舎1階ロビー.yaml", "ようこそ", startMs: tokyoMs(8, 59), endMs: tokyoMs(9, 1))
        try db.add("kiosk", "main", "02-検温.yaml", "手指消毒のお願い", startMs: tokyoMs(9, 0), endMs: tokyoMs(9, 0, 10, ms: 500))
        try db.add("lobby", "main", "01-本庁舎1階ロビー.yaml", "clock", startMs: tokyoMs(9, 0, 15), endMs: tokyoMs(9, 0, 20))
        try db.add("lobby", "main", "01-本庁舎1階ロビー.yaml", "昼休み", startMs: tokyoMs(12, 0), endMs: tokyoMs(12, 0, 15))
        return ws
    }

    static let morning = ["--from", "2026-11-27T09:00:00+09:00", "--to", "2026-11-27T10:00:00+09:00"]

    @Test("CSV: a header, then one row per record overlapping the interval, ordered by start and display, in +09:00")
    func csvOutput() throws {
        let ws = try Self.seeded()
        let run = try ws.run(["report", "--state", "state"] + Self.morning)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        #expect(run.stdoutLines == [
            "display,zone,playlist,item,start,end,seconds",
            "lobby,ticker,01-本庁舎1階ロビー.yaml,ようこそ,2026-11-27T08:59:00+09:00,2026-11-27T09:01:00+09:00,120",
            "kiosk,main,02-検温.yaml,手指消毒のお願い,2026-11-27T09:00:00+09:00,2026-11-27T09:00:10.500+09:00,10.5",
            "lobby,main,01-本庁舎1階ロビー.yaml,マイナンバー申請,2026-11-27T09:00:00+09:00,2026-11-27T09:00:15+09:00,15",
            "lobby,main,01-本庁舎1階ロビー.yaml,clock,2026-11-27T09:00:15+09:00,2026-11-27T09:00:20+09:00,5",
        ], "\(run)")
    }

    @Test("JSON: one array of objects with the CSV's fields; seconds is a number")
    func jsonOutput() throws {
        let ws = try Self.seeded()
        let run = try ws.run(["report", "--state", "state", "--format", "json", "--display", "kiosk"] + Self.morning)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        let parsed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        let rows = try #require(parsed, "\(run)")
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["display"] as? String == "kiosk")
        #expect(row["zone"] as? String == "main")
        #expect(row["playlist"] as? String == "02-検温.yaml")
        #expect(row["item"] as? String == "手指消毒のお願い")
        #expect(row["start"] as? String == "2026-11-27T09:00:00+09:00")
        #expect(row["end"] as? String == "2026-11-27T09:00:10.500+09:00")
        #expect((row["seconds"] as? NSNumber)?.doubleValue == 10.5)
        #expect(Set(row.keys) == ["display", "zone", "playlist", "item", "start", "end", "seconds"])
    }

    @Test("An interval with no records gives the CSV header alone, or an empty JSON array")
    func emptyInterval() throws {
        let ws = try Self.seeded()
        let range = ["--from", "2026-11-28T09:00:00+09:00", "--to", "2026-11-28T10:00:00+09:00"]
        let csv = try ws.run(["report", "--state", "state"] + range)
        #expect(csv.status == 0 && csv.stdoutLines == ["display,zone,playlist,item,start,end,seconds"], "\(csv)")
        let json = try ws.run(["report", "--state", "state", "--format", "json"] + range)
        #expect(json.status == 0 && json.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(json)")
    }

    @Test("Fields with commas, quotes or line breaks are quoted as RFC 4180 says, and JSON escapes them")
    func quoting() throws {
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.path("state"), withIntermediateDirectories: true)
        let db = try SeedDatabase(path: ws.path("state/oshirase.sqlite"))
        try db.add("lobby, 1F", "main", "お知らせ\"特別\".yaml", "二行\nの項目", startMs: tokyoMs(9, 0), endMs: tokyoMs(9, 0, 15))
        let csv = try ws.run(["report", "--state", "state"] + Self.morning)
        #expect(csv.status == 0, "\(csv)")
        #expect(csv.stdout == """
            display,zone,playlist,item,start,end,seconds
            "lobby, 1F",main,"お知らせ""特別"".yaml","二行
            の項目",2026-11-27T09:00:00+09:00,2026-11-27T09:00:15+09:00,15

            """, "\(csv)")
        let json = try ws.run(["report", "--state", "state", "--format", "json"] + Self.morning)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json)")
        #expect(rows.first?["display"] as? String == "lobby, 1F")
        #expect(rows.first?["playlist"] as? String == "お知らせ\"特別\".yaml")
        #expect(rows.first?["item"] as? String == "二行\nの項目")
    }

    @Test("A state directory without a database: one line naming it, saying the daemon has not run there")
    func missingDatabase() throws {
        let ws = try Workspace()
        for state in ["empty", "does-not-exist"] {
            try FileManager.default.createDirectory(atPath: ws.path("empty"), withIntermediateDirectories: true)
            let run = try ws.run(["report", "--state", state] + Self.morning)
            #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
            #expect(run.stderrLines.count == 1, "\(run)")
            #expect(run.stderr.contains(state) && run.stderr.contains("has not run"), "\(run)")
            #expect(run.stdout.isEmpty)
        }
        #expect(!ws.exists("does-not-exist"), "a report must not create the state directory")
    }

    @Test("A file that is not a database: one clear line, no crash, the file untouched")
    func corruptDatabase() throws {
        let ws = try Workspace()
        let text = String(repeating: "壊れたファイル", count: 300)
        try ws.write("state/oshirase.sqlite", text)
        let run = try ws.run(["report", "--state", "state"] + Self.morning)
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(run.stderrLines.count == 1 && run.stderr.contains("oshirase.sqlite"), "\(run)")
        #expect(String(decoding: FileManager.default.contents(atPath: ws.path("state/oshirase.sqlite")) ?? Data(), as: UTF8.self) == text)
    }

    @Test("Times that are not ISO 8601 with an offset are refused, naming the option")
    func badTimes() throws {
        let ws = try Self.seeded()
        for (option, value) in [("--from", "2026-11-27 09:00"), ("--to", "明日"), ("--from", "2026-11-27T09:00:00")] {
            var arguments = ["report", "--state", "state"] + Self.morning
            if let i = arguments.firstIndex(of: option) { arguments[i + 1] = value }
            let run = try ws.run(arguments)
            #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
            #expect(run.stderrLines.count == 1 && run.stderr.contains(option) && run.stderr.contains(value), "\(run)")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test("--from later than --to, or equal, is refused")
    func fromAfterTo() throws {
        let ws = try Self.seeded()
        for to in ["2026-11-27T08:00:00+09:00", "2026-11-27T09:00:00+09:00"] {
            let run = try ws.run("report", "--state", "state", "--from", "2026-11-27T09:00:00+09:00", "--to", to)
            #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
            #expect(run.stderrLines.count == 1 && run.stderr.contains("--to must be later than --from"), "\(run)")
        }
    }

    @Test("An unknown format, or --config with --state, is one clear line")
    func badOptions() throws {
        let ws = try Self.seeded()
        let format = try ws.run(["report", "--state", "state", "--format", "xlsx"] + Self.morning)
        #expect(format.status != 0 && format.stderrLines.count == 1 && format.stderr.contains("xlsx"), "\(format)")
        let both = try ws.run(["report", "--state", "state", "--config", "config.yaml"] + Self.morning)
        #expect(both.status != 0 && both.stderrLines.count == 1 && both.stderr.contains("--state"), "\(both)")
    }

    @Test("--config: the database is found in the config's state folder and times are in the config's time zone")
    func configGivesStateAndTimeZone() throws {
        let ws = try Self.seeded()
        try ws.write("site/config.yaml", """
            site: ニューヨーク出張所
            timezone: America/New_York
            playlists: ../playlists
            state: ../state
            displays:
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
            """)
        let run = try ws.run(["report", "--config", "site/config.yaml", "--display", "lobby"] + Self.morning)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        // 09:00 in Japan is 19:00 the day before in New York (-05:00 in November).
        #expect(run.stdoutLines.dropFirst().first
                == "lobby,ticker,01-本庁舎1階ロビー.yaml,ようこそ,2026-11-26T18:59:00-05:00,2026-11-26T19:01:00-05:00,120",
                "\(run)")
        #expect(run.stdoutLines.count == 4, "\(run)")

        let other = try ws.run(["report", "--config", "site/config.yaml", "--display", "kiosk"] + Self.morning)
        #expect(other.status == 0 && other.stdoutLines.count == 2, "\(other)")
        #expect(other.stderrLines.count == 1 && other.stderr.contains("no display named 'kiosk'"), "\(other)")
    }

    @Test("--config with errors prints them as FILE:LINE:COL lines and reports nothing")
    func badConfig() throws {
        let ws = try Self.seeded()
        try ws.write("config.yaml", "site: 本庁舎\nstate: state\n")
        let run = try ws.run(["report", "--config", "config.yaml"] + Self.morning)
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(!run.stderrLines.isEmpty && run.stderrLines.allSatisfy { $0.hasPrefix("config.yaml:") }, "\(run)")
        #expect(run.stdout.isEmpty)
    }

    @Test("Without --state or --config, a missing default config is named with what to give instead",
          .enabled(if: ProcessInfo.processInfo.environment["OSHIRASE_CONFIG"] == nil
                       && !FileManager.default.fileExists(atPath: "/etc/oshirase/config.yaml"),
                   "this machine has a default config, so its absence cannot be tested"))
    func missingDefaultConfig() throws {
        let ws = try Self.seeded()
        let run = try ws.run(["report"] + Self.morning)
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(run.stderrLines.count == 1, "\(run)")
        #expect(run.stderr.contains("/etc/oshirase/config.yaml") && run.stderr.contains("--state"), "\(run)")
    }
}
