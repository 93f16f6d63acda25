import Foundation
import Testing

/// One bad playlist and the exact problem lines it must give: `(line, column, words in the message)`.
struct BadPlaylist: CustomTestStringConvertible, Sendable {
    let name: String
    let yaml: String
    let problems: [(line: Int, column: Int, mentions: String)]
    var testDescription: String { name }
}

@Suite("oshirase validate")
struct ValidateCommandTests {
    @Test("The sample playlists are valid: exit 0 and no output")
    func samplePlaylistsAreValid() throws {
        try #require(!samplePlaylists.isEmpty)
        let run = try Workspace().run(["validate"] + samplePlaylists)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.isEmpty && run.stderr.isEmpty, "\(run)")
    }

    @Test("CAP alerts are checked with the boxes' parser: good ones pass, each problem is FILE:LINE:COL")
    func capAlertsAreValidatedToo() throws {
        let ws = try Workspace()
        let good = ["sapporo-evacuation.xml", "sapporo-evacuation-update.xml", "sapporo-evacuation-cancel.xml", "exercise.xml"]
            .map { repoPath("fixtures/cap/\($0)") }
        let ok = try ws.run(["validate"] + good + samplePlaylists)
        #expect(ok.status == 0 && ok.stderr.isEmpty, "\(ok)")

        // Named .txt, but an XML document all the same; next to a good playlist.
        try ws.write("hostile.txt", """
            <?xml version="1.0"?>
            <!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>
            """)
        let bad = try ws.run(["validate", repoPath("fixtures/cap/bad-severity.xml"), "hostile.txt", repoPath("fixtures/cap/missing-required.xml")]
                             + samplePlaylists.prefix(1))
        #expect(bad.status == 1, "\(bad)")
        #expect(!bad.looksLikeCrash)
        #expect(bad.stderrLines == [
            repoPath("fixtures/cap/bad-severity.xml") + ":13:5: error: alert/info/severity: 'Catastrophic' is not a CAP 1.2 severity; use one of Extreme, Severe, Moderate, Minor, Unknown (spelled exactly so)",
            "hostile.txt:2:1: error: a <!DOCTYPE> is not accepted (it can declare entities); remove it",
            repoPath("fixtures/cap/missing-required.xml") + ":2:1: error: alert: <alert> lacks the required <sent>",
            repoPath("fixtures/cap/missing-required.xml") + ":2:1: error: alert: <alert> lacks the required <scope>",
            repoPath("fixtures/cap/missing-required.xml") + ":7:3: error: alert/info: <info> lacks the required <certainty>",
        ], "\(bad)")
    }

    static let cases: [BadPlaylist] = [
        BadPlaylist(name: "typo-in-category-key", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                announcement:
                  categry: info
                  title: マイナンバーカードの申請
            """, problems: [(5, 7, "'categry'")]),
        BadPlaylist(name: "unknown-timezone", yaml: """
            name: 本庁舎1階ロビー
            timezone: Asia/Tokio
            items:
              - id: clock
                clock: "HH:mm"
            """, problems: [(2, 11, "Asia/Tokio")]),
        BadPlaylist(name: "bad-duration", yaml: """
            name: 本庁舎1階ロビー
            defaults:
              duration: 10x
            items:
              - id: clock
                clock: "HH:mm"
            """, problems: [(3, 13, "10x")]),
        BadPlaylist(name: "unknown-weekday-in-flow-list", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: counter-hours
                clock: "HH:mm"
                schedule:
                  days: [mon, tuesday]
            """, problems: [(6, 19, "tuesday")]),
        BadPlaylist(name: "hour-out-of-range", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: night
                clock: "HH:mm"
                schedule:
                  time: "25:00-26:00"
            """, problems: [(6, 13, "25:00")]),
        BadPlaylist(name: "no-such-date", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: winter
                clock: "HH:mm"
                schedule:
                  dates: "2026-02-30..2026-12-28"
            """, problems: [(6, 14, "2026-02-30")]),
        BadPlaylist(name: "ticker-zone-without-ticker-layout", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: bus-delay
                ticker: 本日は大雪のため市バスに遅れが出ています。
                zone: ticker
            """, problems: [(5, 11, "main+ticker")]),
        BadPlaylist(name: "missing-image", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: snow-festival
                image: no-such-photo.jpg
            """, problems: [(4, 12, "no-such-photo.jpg")]),
        BadPlaylist(name: "unknown-profile", yaml: """
            name: 大通駅 LEDビジョン
            displays: [led-vision, lcd-1080]
            items:
              - id: clock
                clock: "HH:mm"
            """, problems: [(2, 24, "lcd-1080")]),
        BadPlaylist(name: "duplicate-id", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: clock
                clock: "HH:mm"
              - id: clock
                clock: "HH:mm:ss"
            """, problems: [(5, 9, "clock")]),
        BadPlaylist(name: "emoji-the-font-lacks", yaml: """
            name: 本庁舎1階ロビー
            items:
              - id: bus
                ticker: 🚌 大雪のため市バスに遅れが出ています
            """, problems: [(4, 13, "U+1F68C")]),
        BadPlaylist(name: "missing-name-and-title", yaml: """
            items:
              - id: notice
                announcement:
                  category: notice
                  body: 本文だけのお知らせ
            """, problems: [(1, 1, "name"), (3, 5, "title")]),
        BadPlaylist(name: "empty-items", yaml: """
            name: 本庁舎1階ロビー
            items: []
            """, problems: [(2, 8, "items")]),
        BadPlaylist(name: "yaml-syntax", yaml: """
            name: 本庁舎1階ロビー
            items: [
              - id: a
            """, problems: [(3, 3, "YAML")]),
        BadPlaylist(name: "tab-indentation", yaml: "name: 本庁舎1階ロビー\nitems:\n  - id: a\n\tclock: \"HH:mm\"\n",
                    problems: [(4, 1, "tab")]),
        BadPlaylist(name: "empty-file", yaml: "", problems: [(1, 1, "empty")]),
        BadPlaylist(name: "zero-duration-and-speed", yaml: """
            name: 本庁舎1階ロビー
            layout: main+ticker
            items:
              - id: welcome
                ticker: 札幌市役所へようこそ。
                zone: ticker
                duration: 0s
                speed: 0
            """, problems: [(7, 15, "0s"), (8, 12, "speed")]),
    ]

    @Test("A bad playlist gives exit 1 and FILE:LINE:COL: error: lines at the exact positions", arguments: cases)
    func badPlaylistIsReportedAtItsPosition(c: BadPlaylist) throws {
        let ws = try Workspace()
        let file = "\(c.name).yaml"
        try ws.write(file, c.yaml)
        let run = try ws.run("validate", file)
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.isEmpty)
        let lines = run.stderrLines
        #expect(lines.count == c.problems.count, "\(run)")
        for (line, problem) in zip(lines, c.problems) {
            let prefix = "\(file):\(problem.line):\(problem.column): error: "
            #expect(line.hasPrefix(prefix), "expected \(prefix)…, got \(line)")
            #expect(line.contains(problem.mentions), "\(line) should mention \(problem.mentions)")
        }
        for line in lines {
            #expect(matches(line, #"^[^:]+\.yaml:\d+:\d+: error: \S"#), "not FILE:LINE:COL: error: MESSAGE: \(line)")
        }
    }

    @Test("Every problem in a file is reported, in line order")
    func everyProblemInAFileIsReported() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", """
            name: 本庁舎1階ロビー
            timezone: Asia/Tokio
            layout: fullscreen
            defaults:
              duration: 10x
            items:
              - id: mynumber
                announcement:
                  categry: info
                  title: マイナンバーカードの申請
                schedule:
                  days: [mon, tuesday]
                  time: "25:00-26:00"
              - id: photo
                image: missing.jpg
                fit: stretch
            """)
        let run = try ws.run("validate", "lobby.yaml")
        #expect(run.status == 1)
        let positions = run.stderrLines.map { line in
            line.split(separator: ":").prefix(3).joined(separator: ":")
        }
        #expect(positions == ["lobby.yaml:2:11", "lobby.yaml:3:9", "lobby.yaml:5:13", "lobby.yaml:9:7",
                              "lobby.yaml:12:19", "lobby.yaml:13:13", "lobby.yaml:15:12", "lobby.yaml:16:10"], "\(run)")
        #expect(run.stderrLines.allSatisfy { $0.contains(": error: ") })
    }

    @Test("Several files: each bad file's problems are reported, valid files stay silent, exit 1")
    func severalFilesAreAllChecked() throws {
        let ws = try Workspace()
        try ws.write("a-good.yaml", """
            name: 本庁舎1階ロビー
            items:
              - id: clock
                clock: "HH:mm"
            """)
        try ws.write("b-bad.yaml", """
            name: 本庁舎1階ロビー
            items:
              - id: clock
                clok: "HH:mm"
            """)
        try ws.write("sub/c-bad.yaml", """
            name: 正面玄関
            items:
              - id: welcome
                announcement:
                  category: urgent
                  title: ようこそ
            """)
        let run = try ws.run("validate", "a-good.yaml", "b-bad.yaml", "missing.yaml", "sub/c-bad.yaml")
        #expect(run.status == 1)
        let lines = run.stderrLines
        #expect(!lines.contains { $0.hasPrefix("a-good.yaml") })
        #expect(lines.contains { $0.hasPrefix("b-bad.yaml:4:5: error: ") && $0.contains("clok") }, "\(run)")
        #expect(lines.contains { $0.hasPrefix("missing.yaml:1:1: error: ") }, "\(run)")
        #expect(lines.contains { $0.hasPrefix("sub/c-bad.yaml:5:17: error: ") && $0.contains("urgent") }, "\(run)")
        // Files are reported in the order given.
        let files = lines.map { String($0.prefix { $0 != ":" }) }
        var seen: [String] = []
        for f in files where seen.last != f { seen.append(f) }
        #expect(seen == ["b-bad.yaml", "missing.yaml", "sub/c-bad.yaml"])
    }

    @Test("A file that is not UTF-8 text is one clear error, not a crash")
    func binaryFileIsAClearError() throws {
        let ws = try Workspace()
        try Data([0xFF, 0xFE, 0x00, 0x41, 0xC3]).write(to: URL(fileURLWithPath: ws.path("binary.yaml")))
        let run = try ws.run("validate", "binary.yaml")
        #expect(run.status == 1 && !run.looksLikeCrash)
        #expect(run.stderrLines.count == 1 && run.stderrLines.first?.hasPrefix("binary.yaml:1:1: error: ") == true, "\(run)")
    }

    @Test("Validation changes nothing: the checked file is left as it was")
    func validationChangesNothing() throws {
        let ws = try Workspace()
        let text = "name: 本庁舎1階ロビー\nitems:\n  - id: clock\n    clok: \"HH:mm\"\n"
        try ws.write("lobby.yaml", text)
        let before = try FileManager.default.contentsOfDirectory(atPath: ws.url.path).sorted()
        _ = try ws.run("validate", "lobby.yaml")
        #expect(try String(contentsOfFile: ws.path("lobby.yaml"), encoding: .utf8) == text)
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.url.path).sorted() == before)
    }

    @Test("A duplicated key is reported at the second occurrence")
    func duplicateKeyIsReportedWhereItIs() throws {
        let ws = try Workspace()
        try ws.write("dup.yaml", "name: 本庁舎1階ロビー\nname: 正面玄関\nitems:\n  - id: clock\n    clock: \"HH:mm\"\n")
        let run = try ws.run("validate", "dup.yaml")
        #expect(run.status == 1)
        #expect(run.stderrLines.count == 1 && run.stderrLines.first?.contains("'name'") == true, "\(run)")
        #expect(run.stderrLines.first?.hasPrefix("dup.yaml:2:1: error: ") == true, "\(run)")
    }

    @Test("With --config, playlists may name the config's own profiles, and the config is checked too")
    func configProfilesAreKnown() throws {
        let ws = try Workspace()
        let config = try ws.write("config.yaml", """
            site: 札幌市役所 本庁舎
            playlists: playlists
            state: state
            profiles:
              - { name: led-wall-east, base: led-vision, width: 480, height: 270 }
            displays:
              - { name: wall, profile: led-wall-east, output: { kind: memory } }

            """)
        let playlist = try ws.write("playlists/wall.yaml", """
            name: 東口LEDビジョン
            displays: [led-wall-east]
            items:
              - id: snow
                ticker: 大雪のため市バスに遅れが出ています。

            """)
        let without = try ws.run("validate", playlist)
        #expect(without.status == 1)
        #expect(without.stderrLines == ["\(playlist):2:12: error: unknown profile 'led-wall-east' (known: lcd-1080p, dsign-clean, led-vision)"])
        let with = try ws.run("validate", "--config", config, playlist)
        #expect(with.status == 0 && with.stderr.isEmpty, "\(with)")
        let broken = try ws.write("broken.yaml", "site: 本庁舎\nplaylists: p\nstate: s\ndisplays: []\n")
        let bad = try ws.run("validate", "--config", broken, playlist)
        #expect(bad.status == 1)
        #expect(bad.stderrLines.first?.hasPrefix("\(broken):4:11: error:") == true, "\(bad)")
    }
}
