import Foundation
import OshiraseImaging
import Testing
import OshiraseTestSupport

/// Office hours card, an after-hours card, a clock; a ticker all day.
let lobbyPlaylist = """
    name: 本庁舎1階ロビー
    timezone: Asia/Tokyo
    layout: main+ticker
    defaults:
      duration: 15s
    items:
      - id: mynumber
        announcement:
          category: info
          title: マイナンバーカードの申請
          body: オンライン申請を受け付けています。
        schedule:
          days: [mon, tue, wed, thu, fri]
          time: "08:45-17:15"
      - id: after-hours
        announcement:
          category: notice
          title: 本日の窓口業務は終了しました
          body: 夜間・休日の届出は東側の夜間受付で受け付けています。
        schedule:
          time: "17:15-08:45"
      - id: clock
        clock: "HH:mm"
        duration: 5s
      - id: welcome
        ticker: 札幌市役所へようこそ。
        zone: ticker
        duration: 60s
    """

struct ScheduleRow: Equatable {
    let start: String, end: String, zone: String, item: String
}

@Suite("oshirase schedule")
struct ScheduleCommandTests {
    static let from = "2026-11-27T17:13:00+09:00"
    static let to = "2026-11-27T17:18:00+09:00"

    static func textRows(_ run: Run) -> [ScheduleRow] {
        run.stdoutLines.compactMap { line in
            let f = line.split(separator: " ").map(String.init)
            return f.count == 4 ? ScheduleRow(start: f[0], end: f[1], zone: f[2], item: f[3]) : nil
        }
    }

    @Test("Text output: one START END ZONE ITEM_ID line per slot, contiguous per zone from --from to --to")
    func textOutputIsContiguousSlots() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", lobbyPlaylist)
        let run = try ws.run("schedule", "lobby.yaml", "--from", Self.from, "--to", Self.to)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        let pattern = "^\(isoInstant) \(isoInstant) (main|ticker) [A-Za-z0-9_.-]+$"
        for line in run.stdoutLines {
            #expect(matches(line, pattern), "bad line: \(line)")
            #expect(line.contains("+09:00"), "times should carry the playlist's offset: \(line)")
        }
        let rows = Self.textRows(run)
        #expect(rows.count == run.stdoutLines.count && !rows.isEmpty)
        let ids: Set<String> = ["mynumber", "after-hours", "clock", "welcome", "idle"]
        #expect(rows.allSatisfy { ids.contains($0.item) }, "\(rows.map(\.item))")
        let start = try #require(parseInstant(Self.from)), end = try #require(parseInstant(Self.to))
        for zone in ["main", "ticker"] {
            let slots = rows.filter { $0.zone == zone }
            try #require(!slots.isEmpty, "no \(zone) slots")
            #expect(parseInstant(slots.first!.start) == start)
            #expect(parseInstant(slots.last!.end) == end)
            for (a, b) in zip(slots, slots.dropFirst()) {
                #expect(a.end == b.start, "\(zone): gap or overlap between \(a) and \(b)")
            }
            for s in slots {
                let (s0, s1) = (try #require(parseInstant(s.start)), try #require(parseInstant(s.end)))
                #expect(s0 < s1, "empty slot \(s)")
            }
        }
        // The office-hours card stops at 17:15 and the after-hours card takes over.
        let main = rows.filter { $0.zone == "main" }
        let switchover = try #require(parseInstant("2026-11-27T17:15:00+09:00"))
        #expect(main.filter { parseInstant($0.start)! >= switchover }.allSatisfy { $0.item != "mynumber" })
        #expect(main.filter { parseInstant($0.end)! <= switchover }.allSatisfy { $0.item != "after-hours" })
        #expect(main.contains { $0.start == "2026-11-27T17:15:00+09:00" && $0.item == "after-hours" }, "\(main)")
        #expect(rows.filter { $0.zone == "ticker" }.allSatisfy { $0.item == "welcome" })
        // Lines are sorted by start time.
        let starts = rows.map { parseInstant($0.start)! }
        #expect(starts == starts.sorted())
    }

    @Test("JSON output is an array of {start, end, zone, item} with the same slots as the text output")
    func jsonOutputMatchesText() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", lobbyPlaylist)
        let text = try ws.run("schedule", "lobby.yaml", "--from", Self.from, "--to", Self.to, "--format", "text")
        let json = try ws.run("schedule", "lobby.yaml", "--from", Self.from, "--to", Self.to, "--format", "json")
        #expect(json.status == 0 && json.stderr.isEmpty, "\(json)")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8))
        let array = try #require(parsed as? [[String: Any]], "not an array of objects: \(json.stdout.prefix(200))")
        var rows: [ScheduleRow] = []
        for object in array {
            #expect(Set(object.keys) == ["start", "end", "zone", "item"], "\(object.keys)")
            let start = try #require(object["start"] as? String), end = try #require(object["end"] as? String)
            let zone = try #require(object["zone"] as? String), item = try #require(object["item"] as? String)
            #expect(matches(start, "^\(isoInstant)$") && matches(end, "^\(isoInstant)$"))
            rows.append(ScheduleRow(start: start, end: end, zone: zone, item: item))
        }
        #expect(rows == Self.textRows(text))
        // One object per line, keys in the order of docs/cli.md.
        let objectLines = json.stdoutLines.filter { $0.contains("{") }
        #expect(objectLines.count == array.count)
        for line in objectLines {
            let order = ["\"start\":", "\"end\":", "\"zone\":", "\"item\":"].compactMap { line.range(of: $0)?.lowerBound }
            #expect(order.count == 4 && order == order.sorted(), "\(line)")
        }
    }

    @Test("The same playlist given twice is used once, with a warning")
    func samePlaylistTwiceIsUsedOnce() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", lobbyPlaylist)
        let once = try ws.run("schedule", "lobby.yaml", "--from", Self.from, "--to", Self.to)
        let twice = try ws.run("schedule", "lobby.yaml", "./lobby.yaml", "--from", Self.from, "--to", Self.to)
        #expect(twice.status == 0 && twice.stdout == once.stdout, "\(twice)")
        #expect(twice.stderrLines.count == 1 && twice.stderr.contains("given more than once"), "\(twice)")
    }

    @Test("A display no playlist serves gets a warning and an idle timeline, for schedule and render")
    func displayNobodyServesIsWarned() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", "name: 本庁舎\ndisplays: [lcd-1080p]\nitems:\n  - id: c\n    clock: \"HH:mm\"\n")
        let schedule = try ws.run("schedule", "lobby.yaml", "--display", "led-vision", "--from", Self.from, "--to", Self.to)
        #expect(schedule.status == 0 && schedule.stdoutLines.allSatisfy { $0.hasSuffix(" main idle") }, "\(schedule)")
        #expect(schedule.stderrLines.count == 1 && schedule.stderr.contains("none of the playlists serves led-vision"), "\(schedule)")
        let render = try ws.run("render", "lobby.yaml", "--display", "led-vision", "--at", Self.from, "--output", "f.png")
        #expect(render.status == 0 && render.stderr.contains("none of the playlists serves led-vision"), "\(render)")
    }

    @Test("--output t.png also draws the timeline as a PNG")
    func outputWritesTimelinePNG() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", lobbyPlaylist)
        let run = try ws.run("schedule", "lobby.yaml", "--from", "2026-11-27T08:00:00+09:00", "--to", "2026-11-27T20:00:00+09:00",
                             "--output", "t.png")
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        #expect(!run.stdoutLines.isEmpty)
        let image = try decodeOutput(ws.path("t.png"))
        #expect(image.format == .png)
        #expect(image.bitmap.width == 1800 && image.bitmap.height > 200)
        #expect(image.bitmap.isVisibleFrame(colours: 5))
    }

    @Test("--to not after --from is an error", arguments: ["2026-11-27T17:00:00+09:00", "2026-11-27T17:13:00+09:00"])
    func toBeforeFromIsAnError(to: String) throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", lobbyPlaylist)
        let run = try ws.run("schedule", "lobby.yaml", "--from", Self.from, "--to", to)
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderrLines.first?.contains("--to") == true, "\(run)")
    }

    @Test("Bad times, an unknown format and a non-PNG picture are errors", arguments: [
        ["--from", "yesterday", "--to", to],
        ["--from", from, "--to", "2026-11-27 17:18"],
        ["--from", from, "--to", to, "--format", "xml"],
        ["--from", from, "--to", to, "--output", "t.gif"],
        ["--from", from, "--to", to, "--display", "lcd-4k"],
        ["--from", from, "--to", "2027-11-27T17:18:00+09:00"],
    ])
    func badArgumentsAreErrors(extra: [String]) throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", lobbyPlaylist)
        let run = try ws.run(["schedule", "lobby.yaml"] + extra)
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(run.stdout.isEmpty)
        #expect(!run.stderrLines.isEmpty)
        #expect(!ws.exists("t.gif"))
    }

    @Test("Over a whole day each sample playlist's slots tile every zone without gaps or overlaps",
          arguments: [("01-city-hall-lobby.yaml", "lcd-1080p"), ("02-subway-led-wall.yaml", "led-vision"),
                      ("03-entrance-kiosk.yaml", "dsign-clean")])
    func sampleDayIsContiguous(file: String, profile: String) throws {
        let ws = try Workspace()
        let from = "2026-11-27T00:00:00+09:00", to = "2026-11-28T00:00:00+09:00"
        let run = try ws.run("schedule", repoPath("playlists/\(file)"), "--from", from, "--to", to, "--display", profile)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let rows = Self.textRows(run)
        #expect(rows.count == run.stdoutLines.count && rows.count > 100)
        for zone in Set(rows.map(\.zone)) {
            let slots = rows.filter { $0.zone == zone }
            #expect(slots.first?.start == from && slots.last?.end == to, "\(zone)")
            var gaps = 0
            for (a, b) in zip(slots, slots.dropFirst()) where a.end != b.start { gaps += 1 }
            #expect(gaps == 0, "\(file) \(zone): \(gaps) gaps or overlaps")
        }
    }

    @Test("Several playlists merge per zone in file-name order")
    func playlistsMergeInFileNameOrder() throws {
        let ws = try Workspace()
        try ws.write("b.yaml", "name: B\nitems:\n  - id: b-clock\n    clock: \"HH:mm\"\n    duration: 10s\n")
        try ws.write("a.yaml", "name: A\nitems:\n  - id: a-clock\n    clock: \"HH:mm\"\n    duration: 10s\n")
        let run = try ws.run("schedule", "b.yaml", "a.yaml", "--from", "2026-11-27T00:00:00+09:00", "--to", "2026-11-27T00:00:40+09:00")
        #expect(run.status == 0, "\(run)")
        #expect(Self.textRows(run).map(\.item) == ["a-clock", "b-clock", "a-clock", "b-clock"])
    }
}

@Suite("oshirase demo")
struct DemoCommandTests {
    @Test("demo --out DIR --at TIME writes, per sample playlist and profile, the frame at the instant and one per item of its loop")
    func demoWritesOnePNGPerPlaylistAndProfile() throws {
        let ws = try Workspace()
        let run = try ws.run("demo", "--playlists", repoPath("playlists"), "--out", "frames", "--at", "2026-11-27T09:00:00+09:00")
        #expect(run.status == 0, "\(run)")
        var expected: [String: (Int, Int)] = [:]
        for playlist in samplePlaylists {
            let base = ((playlist as NSString).lastPathComponent as NSString).deletingPathExtension
            let text = try String(contentsOfFile: playlist, encoding: .utf8)
            // The `displays:` line, if any, names the profiles the playlist serves.
            let line = text.split(separator: "\n").first { $0.hasPrefix("displays:") }
            for p in profileSizes where line.map({ $0.contains(p.name) }) ?? true {
                expected["\(base)-\(p.name).png"] = (p.width, p.height)
            }
        }
        try #require(!expected.isEmpty)
        let written = try FileManager.default.contentsOfDirectory(atPath: ws.path("frames")).filter { $0.hasSuffix(".png") }
        #expect(Set(expected.keys).isSubset(of: Set(written)), "\(written)")
        // Item frames are NAME-PROFILE-ITEM.png, several per playlist and profile.
        for key in expected.keys {
            let stem = (key as NSString).deletingPathExtension
            let items = written.filter { $0.hasPrefix(stem + "-") }
            #expect(items.count >= 2, "\(stem): \(items)")
            for name in items { expected[name] = expected[key] }
        }
        #expect(Set(written) == Set(expected.keys))
        for (name, size) in expected {
            let image = try decodeOutput(ws.path("frames/\(name)"))
            #expect(image.bitmap.width == size.0 && image.bitmap.height == size.1, "\(name)")
            #expect(image.bitmap.isVisibleFrame(), "\(name) is black or blank")
        }
        #expect(run.stdoutLines.last?.contains("\(expected.count) frames") == true, "\(run)")
    }

    @Test("demo with a bad --at or an empty playlist folder is an error")
    func demoErrors() throws {
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.path("empty"), withIntermediateDirectories: true)
        let badAt = try ws.run("demo", "--playlists", repoPath("playlists"), "--out", "frames", "--at", "soon")
        #expect(badAt.status != 0 && !badAt.looksLikeCrash, "\(badAt)")
        let empty = try ws.run("demo", "--playlists", "empty", "--out", "frames", "--at", "2026-11-27T09:00:00+09:00")
        #expect(empty.status != 0 && !empty.looksLikeCrash, "\(empty)")
        #expect(empty.stderrLines.first?.contains("empty") == true)
    }
}

@Suite("Output that cannot be written")
struct UnwritableOutputTests {
    /// Regression: Foundation's FileHandle.write trapped with a stack trace (exit 132) when stdout
    /// was full, closed or a broken pipe.
    @Test("A full, closed or broken standard output gives one error line and exit 1", arguments: [
        "> /dev/full", ">&-", "| head -c 10 > /dev/null",
    ])
    func unwritableStdoutIsOneErrorLine(redirect: String) throws {
        let ws = try Workspace()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let command = "\(tiedCommandPrefix) '\(oshiraseBinary)' schedule '\(repoPath("playlists/01-city-hall-lobby.yaml"))' "
            + "--from 2026-11-27T00:00:00+09:00 --to 2026-11-28T00:00:00+09:00 2> err.txt \(redirect); "
            + "echo ${PIPESTATUS[0]} > status.txt"
        process.arguments = ["-c", command]
        process.currentDirectoryURL = ws.url
        try process.runTiedToTestProcess()
        process.waitUntilExit()
        let status = try String(contentsOfFile: ws.path("status.txt"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let stderr = try String(contentsOfFile: ws.path("err.txt"), encoding: .utf8)
        #expect(status == "1", "exit status \(status); stderr: \(stderr)")
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("oshirase: error: cannot write to standard output") == true, "\(stderr)")
    }
}
