import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

@Suite("Whole files: all problems at once, and the sample playlists")
struct MultipleProblemTests {
    @Test func everyProblemIsReportedSortedByPosition() {
        let path = Fixtures.path("several-problems.yaml")
        do {
            _ = try PlaylistLoader().load(path: path)
            Issue.record("expected errors")
        } catch {
            let found = error.errors.map { "\($0.line):\($0.column) \($0.message)" }
            let expected: [(String, String)] = [
                ("8:5", "announcement is missing its 'title'"),
                ("10:7", "unknown key 'titel' in announcement; did you mean 'title'?"),
                ("12:15", "bad duration '10x'"),
                ("18:19", "unknown weekday 'tues'; did you mean 'tue'?"),
                ("19:13", "bad time '25:00'"),
                ("22:11", "zone 'ticker' needs 'layout: main+ticker'"),
                ("23:9", "duplicate id 'snow' (first used at line 13)"),
                ("24:12", "image images/bomb.png cannot be shown"),
            ]
            #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
            for ((position, message), line) in zip(expected, found) {
                #expect(line.hasPrefix(position + " ") && line.contains(message), "expected \(position) \(message), got \(line)")
            }
            #expect(error.errors.allSatisfy { $0.file == path })
            #expect(error.description.split(separator: "\n").count == expected.count)
        }
    }

    @Test func duplicateIdOfABrokenItemIsStillReported() {
        let found = problems("""
            name: 本庁舎1階ロビー
            items:
              - id: hygiene
                clock: "HH:mm"
              - id: hygiene
                duration: 0s
                clock: "HH:mm"
            """)
        #expect(found.map { "\($0.line):\($0.column)" } == ["5:9", "6:15"], "\(found.map(\.description))")
    }

    static let samplePlaylists: [String] = {
        let dir = repositoryRoot.appendingPathComponent("playlists")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir.appendingPathComponent($0).path }
    }()

    @Test func theRepositoryHasSamplePlaylists() {
        #expect(Self.samplePlaylists.count >= 3)
    }

    @Test(arguments: samplePlaylists)
    func samplePlaylistLoadsWithoutErrors(path: String) throws {
        do {
            let p = try PlaylistLoader().load(path: path)
            #expect(!p.items.isEmpty)
            #expect(p.path == path)
        } catch {
            Issue.record("\(error.description)")
        }
    }

    @Test func lobbyPlaylistIsReadCompletely() throws {
        let path = repositoryRoot.appendingPathComponent("playlists/01-city-hall-lobby.yaml").path
        let p = try PlaylistLoader().load(path: path)
        #expect(p.name == "札幌市役所 本庁舎1階ロビー")
        #expect(p.timeZone.identifier == "Asia/Tokyo")
        #expect(p.displays == ["lcd-1080p"])
        #expect(p.layout == .mainTicker)
        let mynumber = try #require(p.items.first)
        #expect(mynumber.id == "mynumber")
        #expect(mynumber.duration == 15, "defaults.duration applies")
        #expect(mynumber.schedule.days == [.mon, .tue, .wed, .thu, .fri])
        #expect(mynumber.schedule.time == TimeWindow(start: TimeOfDay(hour: 8, minute: 45)!,
                                                     end: TimeOfDay(hour: 17, minute: 15)!))
        guard case .announcement(let a) = mynumber.content else {
            Issue.record("mynumber is not an announcement")
            return
        }
        #expect(a.title == "マイナンバーカードの申請")
        #expect(a.category == .info)
        #expect(a.qr == "https://www.city.sapporo.jp/mynumber/")
        let tickers = p.items.filter { $0.zone == .ticker }.map(\.id)
        #expect(tickers == ["bus-delay", "welcome"])
        let afterHours = try #require(p.items.first { $0.id == "after-hours" })
        #expect(afterHours.schedule.time?.wrapsMidnight == true)
    }

    @Test func fullItemIsParsed() throws {
        let p = try playlist("""
            name: 本庁舎1階ロビー
            timezone: Europe/Berlin
            displays: [dsign-clean]
            layout: main+ticker
            items:
              - id: snow
                announcement:
                  category: emergency
                  title: 大雪のため市バスに遅れ
                  body: 最新の運行情報をご確認ください。
                  footer: 札幌市交通局
                  qr: https://example.jp/bus
                duration: 1m30s
                priority: 5
                schedule:
                  days: [Sat, sun]
                  time: "22:00-06:00"
                  dates: "2026-11-01.."
              - id: bus
                ticker: 本日は大雪のため市バスに遅れが出ています。
                zone: ticker
                speed: 120
            """)
        #expect(p.timeZone.identifier == "Europe/Berlin")
        #expect(p.displays == ["dsign-clean"])
        let snow = p.items[0]
        #expect(snow.content == .announcement(Announcement(category: .emergency, title: "大雪のため市バスに遅れ",
                                                            body: "最新の運行情報をご確認ください。",
                                                            footer: "札幌市交通局", qr: "https://example.jp/bus")))
        #expect(snow.duration == 90)
        #expect(snow.priority == 5)
        #expect(snow.schedule.days == [.sat, .sun])
        #expect(snow.schedule.dates == DateRange(first: LocalDate(year: 2026, month: 11, day: 1), last: nil))
        #expect(p.items[1].content == .ticker(text: "本日は大雪のため市バスに遅れが出ています。", speed: 120))
        #expect(p.items[1].zone == .ticker)
        #expect(p.items[1].duration == 10, "the default duration is 10s")
    }

    @Test func missingFileIsAnErrorAtTheFirstLine() {
        do {
            _ = try PlaylistLoader().load(path: Fixtures.path("no-such-playlist.yaml"))
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.map(\.description) == ["\(Fixtures.path("no-such-playlist.yaml")):1:1: error: no such file"])
        }
    }

    @Test func fileThatIsNotUTF8IsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-latin1-\(UUID()).yaml").path
        try Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try PlaylistLoader().load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.map(\.message) == ["the file is not UTF-8 text"])
        }
    }
}

@Suite("Files that are not playlists")
struct HostileFileTests {
    func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("A playlist above 4 MiB is refused before it is read")
    func hugeFileIsRefused() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("huge.yaml").path
        var yaml = "name: 本庁舎1階ロビー\nitems:\n"
        let item = "  - id: c%d\n    clock: \"HH:mm\"\n"
        var n = 0
        while yaml.utf8.count <= PlaylistLoader.maxFileBytes {
            yaml += String(format: item, n)
            n += 1
        }
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try PlaylistLoader().load(path: path)
        } throws: { error in
            let e = (error as? SourceErrors)?.errors.first
            return e?.line == 1 && e?.column == 1 && e?.message.contains("more than the 4 MiB") == true
        }
    }

    @Test("A folder given as a playlist is a clear error")
    func folderIsRefused() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect {
            _ = try PlaylistLoader().load(path: dir.path)
        } throws: { error in
            (error as? SourceErrors)?.errors.first?.message == "is a folder, not a playlist file"
        }
    }

    @Test("Nested YAML aliases (billion laughs) are reported at once, not expanded")
    func billionLaughsIsRefusedQuickly() throws {
        var yaml = "name: 札幌\nitems:\n  - id: a\n    clock: \"HH:mm\"\n    schedule:\n      days: &l0 [mon, mon, mon, mon, mon, mon, mon, mon, mon]\n"
        for level in 1...8 {
            let refs = Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ")
            yaml += "  - id: x\(level)\n    clock: \"HH:mm\"\n    schedule: { days: &l\(level) [\(refs)] }\n"
        }
        let errors = problems(yaml)
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0.message.contains("weekday must be text") || $0.message.contains("duplicate id") })
    }

    @Test("Text the loader's checkText refuses is an error at that text, in every text field")
    func checkTextRefusesAtItsPosition() throws {
        var loader = PlaylistLoader()
        loader.checkText = { $0.contains("🚌") ? "contains 🚌" : nil }
        let errors = problems("""
            name: 🚌 営業所
            items:
              - id: bus
                announcement:
                  title: 🚌 市バスのお知らせ
                  body: 🚌
                  footer: 🚌
              - id: t
                ticker: 🚌 大雪のため遅れています
            """, loader: loader)
        let positions = errors.map { "\($0.line):\($0.column)" }
        #expect(positions == ["1:7", "5:14", "6:13", "7:15", "9:13"], "\(errors.map(\.description))")
        #expect(errors.allSatisfy { $0.message.contains("contains 🚌") })
    }

    @Test("YAML null as a body is an empty body, not the text '~'")
    func nullBodyIsEmpty() throws {
        let playlist = try PlaylistLoader().parse(yaml: """
            name: 本庁舎
            items:
              - id: a
                announcement:
                  title: 窓口のご案内
                  body: ~
            """, path: Fixtures.path("null.yaml"))
        guard case .announcement(let a) = playlist.items.first?.content else {
            Issue.record("not an announcement")
            return
        }
        #expect(a.body.isEmpty)
    }

    /// Regression: Yams stops at a repeated key, and that one error hid every other problem.
    @Test("Repeated keys are reported together with the file's other problems")
    func repeatedKeysDoNotHideOtherProblems() {
        let errors = problems("""
            name: 重複のあるプレイリスト
            items:
              - id: a
                duration: 10x
                clock: "HH:mm"
              - id: b
                clock: "HH:mm"
                clock: "HH:mm:ss"
              - id: c
                ticker: 大雪のため市バスに遅れが出ています
                ticker: 遅延
                zone: tikcer
            """)
        let found = errors.map { "\($0.line):\($0.column) \($0.message)" }
        #expect(errors.count == 4, "\(found)")
        #expect(found.count == 4 && found[0].hasPrefix("4:15 bad duration") && found[1].hasPrefix("8:5 duplicate key 'clock'")
                && found[2].hasPrefix("11:5 duplicate key 'ticker'") && found[3].hasPrefix("12:11 unknown zone"), "\(found)")
    }

    @Test("Texts longer than a screen can show are errors naming their length")
    func overlongTextsAreRefused() {
        let errors = problems("""
            name: 本庁舎
            items:
              - id: t
                ticker: \(String(repeating: "大雪のため市バスに遅れが出ています。", count: 60))
              - id: a
                announcement:
                  title: \(String(repeating: "お知らせ", count: 51))
                  body: 本文
            """)
        let found = errors.map { "\($0.line):\($0.column) \($0.message)" }
        #expect(found.count == 2, "\(found)")
        #expect(found.first?.hasPrefix("4:13 ticker is 1080 characters, more than the 1000") == true, "\(found)")
        #expect(found.last?.hasPrefix("7:14 title is 204 characters, more than the 200") == true, "\(found)")
    }

    /// Regression: an id with a slash broke `demo` (it names files) and one with a space made the
    /// text timeline ambiguous.
    @Test("Ids are one word: letters of any script, digits, '-', '_' and '.'")
    func idsAreOneWord() {
        let errors = problems("""
            name: 本庁舎
            items:
              - id: "a/b"
                clock: "HH:mm"
              - id: "a b"
                clock: "HH:mm"
              - id: ../../evil
                clock: "HH:mm"
              - id: マイナンバー_2026.v1
                clock: "HH:mm"
            """)
        #expect(errors.map { "\($0.line):\($0.column)" } == ["3:9", "5:9", "7:9"], "\(errors.map(\.description))")
        #expect(errors.allSatisfy { $0.message.contains("must be one word") })
    }
}
