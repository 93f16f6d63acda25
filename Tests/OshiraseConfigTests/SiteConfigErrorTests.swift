import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

/// One test per config error, each with its exact line and column.
@Suite("Each config error names its line and column")
struct SiteConfigErrorTests {
    /// A valid display, for tests about other keys (lines 5–7 after `configHead`).
    static let lobby = """
          - name: lobby
            profile: lcd-1080p
            output: { kind: memory }
        """

    // MARK: The file

    @Test func missingFileIsNoSuchFileAtTheFirstLine() {
        let path = Fixtures.path("config/no-such-config.yaml")
        #expect {
            _ = try SiteConfigLoader().load(path: path)
        } throws: { error in
            (error as? SourceErrors)?.errors.map(\.description) == ["\(path):1:1: error: no such file"]
        }
    }

    @Test func folderIsRefused() {
        #expect {
            _ = try SiteConfigLoader().load(path: Fixtures.path("config"))
        } throws: { error in
            (error as? SourceErrors)?.errors.map(\.message) == ["is a folder, not a config file"]
        }
    }

    @Test("A config above 1 MiB is refused before it is read")
    func hugeFileIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-huge-config-\(UUID()).yaml").path
        let yaml = configHead + Self.lobby + "\n" + String(repeating: "# 札幌市役所\n", count: 80_000)
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(yaml.utf8.count > SiteConfigLoader.maxFileBytes)
        #expect {
            _ = try SiteConfigLoader().load(path: path)
        } throws: { error in
            let e = (error as? SourceErrors)?.errors.first
            return e?.line == 1 && e?.column == 1 && e?.message.contains("more than the 1 MiB a config may be") == true
        }
    }

    @Test func emptyFileSaysWhatAConfigNeeds() {
        #expect(configProblems("").map(\.message) == ["the file is empty: a config needs site, playlists, state and displays"])
    }

    @Test func everyMissingRequiredKeyIsReported() {
        let found = configProblems("timezone: Asia/Tokyo\n")
        #expect(found.map { "\($0.line):\($0.column)" } == ["1:1", "1:1", "1:1", "1:1"])
        for key in ["site", "playlists", "state", "displays"] {
            #expect(found.contains { $0.message.hasPrefix("missing required key '\(key)'") }, "\(key): \(found.map(\.message))")
        }
    }

    @Test func configThatIsNotAMappingIsAnError() throws {
        let e = try configProblem("- site: 札幌\n")
        expect(e, at: 1, 1, "the config must be a mapping of keys (site, timezone, playlists")
    }

    @Test func yamlSyntaxErrorPointsWhereTheQuoteOpened() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: "lcd-1080p
                output: { kind: memory }
            """)
        expect(e, at: 6, 14, "YAML syntax error", "quoted scalar")
    }

    @Test func fullWidthColonIsNamed() {
        let found = configProblems("site： 札幌市役所\n")
        #expect(found.contains { $0.message.contains("full-width colon") }, "\(found.map(\.description))")
    }

    @Test func repeatedKeyIsReportedWithTheOtherProblems() {
        let found = configProblems(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
                fps: 30
                fps: 500
            """)
        #expect(found.map { "\($0.line):\($0.column)" } == ["9:5"], "\(found.map(\.description))")
        #expect(found.first?.message == "duplicate key 'fps' in the same mapping (first at line 8)")
    }

    // MARK: Top-level keys

    @Test func unknownTopLevelKeySuggestsTheNearestKey() throws {
        let e = try configProblem("timezon: Asia/Tokyo\n" + configHead + Self.lobby)
        expect(e, at: 1, 1, "unknown key 'timezon' in the config; did you mean 'timezone'?",
               "(allowed: site, timezone, playlists, state, clock-not-before, proof-of-play-days, api, profiles, displays, sensors, alerts, fleet)")
    }

    @Test func emptySiteIsAnError() throws {
        let e = try configProblem("site: \"  \"\nplaylists: p\nstate: s\ndisplays:\n" + Self.lobby)
        expect(e, at: 1, 7, "site is empty")
    }

    @Test func siteTheFontCannotDrawIsAnError() throws {
        var loader = SiteConfigLoader()
        loader.checkText = { $0.contains("🏛") ? "contains 🏛 (U+1F3DB), which the display font cannot draw" : nil }
        let found = configProblems("site: 🏛 札幌市役所\nplaylists: p\nstate: s\ndisplays:\n" + Self.lobby, loader: loader)
        #expect(found.map(\.description) == [
            "\(Fixtures.path("config/site.yaml")):1:7: error: site contains 🏛 (U+1F3DB), which the display font cannot draw",
        ])
    }

    @Test func unknownTimeZone() throws {
        let e = try configProblem("timezone: Asia/Sapporo\n" + configHead + Self.lobby)
        expect(e, at: 1, 11, "unknown timezone 'Asia/Sapporo'", "IANA")
    }

    @Test func tildeInAPathIsNotExpanded() throws {
        let e = try configProblem("site: 札幌\nplaylists: ~/playlists\nstate: s\ndisplays:\n" + Self.lobby)
        expect(e, at: 2, 12, "'~' is not expanded")
    }

    @Test func playlistsMustBeText() throws {
        let e = try configProblem("site: 札幌\nplaylists: [a, b]\nstate: s\ndisplays:\n" + Self.lobby)
        expect(e, at: 2, 12, "playlists must be text, not a list")
    }

    @Test func badClockNotBefore() throws {
        let e = try configProblem("clock-not-before: 2026-02-30\n" + configHead + Self.lobby)
        expect(e, at: 1, 19, "bad date '2026-02-30': there is no such day")
    }

    // MARK: api

    @Test func listenWithoutAPort() throws {
        let e = try configProblem("api:\n  listen: 127.0.0.1\n" + configHead + Self.lobby)
        expect(e, at: 2, 11, "listen address '127.0.0.1' has no port", "e.g. 127.0.0.1:8080")
    }

    @Test func unbracketedIPv6IsExplained() throws {
        let e = try configProblem("api:\n  listen: \"::1:8080\"\n" + configHead + Self.lobby)
        expect(e, at: 2, 11, "put an IPv6 address in brackets and quotes")
    }

    @Test func portOutOfRange() throws {
        let e = try configProblem("api:\n  listen: 127.0.0.1:80800\n" + configHead + Self.lobby)
        expect(e, at: 2, 11, "port 80800 in listen address '127.0.0.1:80800' is out of range")
    }

    @Test func nonLoopbackListenWithoutTokensIsAnError() throws {
        let e = try configProblem("api:\n  listen: 0.0.0.0:8080\n" + configHead + Self.lobby)
        expect(e, at: 2, 11, "the API listens on 0.0.0.0, which other machines can reach",
               "add at least one bearer token under api.tokens", "openssl rand -hex 32")
    }

    @Test func nonLoopbackListenWithAnEmptyTokenListIsAnErrorAtTheList() throws {
        let e = try configProblem("api:\n  listen: 192.168.10.5:8080\n  tokens: []\n" + configHead + Self.lobby)
        expect(e, at: 3, 11, "the API listens on 192.168.10.5")
    }

    @Test func tokensAreLongAndHeaderSafe() {
        let found = configProblems("""
            api:
              listen: 0.0.0.0:8080
              tokens:
                - short
                - "has a space in it, so no"
                - 0123456789abcdef0123
                - 0123456789abcdef0123
                - [a, b]
            """ + "\n" + configHead + Self.lobby)
        #expect(found.map { "\($0.line):\($0.column)" } == ["4:7", "5:7", "7:7", "8:7"], "\(found.map(\.description))")
        #expect(found[0].message.hasPrefix("a token must be 16 to 512 of the characters"))
        #expect(found[1].message.hasPrefix("a token must be 16 to 512 of the characters"))
        #expect(found[2].message == "the same token is listed twice (first at line 6)")
        #expect(found[3].message == "token must be text, not a list")
    }

    @Test func unknownAPIKeySuggestsTheNearestKey() throws {
        let e = try configProblem("api:\n  token: [0123456789abcdef0123]\n" + configHead + Self.lobby)
        expect(e, at: 2, 3, "unknown key 'token' in api; did you mean 'tokens'?")
    }

    // MARK: profiles

    @Test func profileProblemsAreReportedAtTheirValues() {
        let found = configProblems("""
            profiles:
              - name: led-vision
                base: led-vison
                width: 4
                height: 270
              - name: Wall
                base: led-vision
                width: 480
              - name: east
                base: led-vision
                width: 480
                height: 270
              - name: east
                base: led-vision
                width: 480
                height: 270
            """ + "\n" + configHead + Self.lobby)
        let lines = found.map { "\($0.line):\($0.column) \($0.message)" }
        #expect(lines.count == 6, "\(lines)")
        let expected = [
            "2:11 profile 'led-vision' is built in: give yours another name",
            "3:11 unknown base profile 'led-vison'; did you mean 'led-vision'?",
            "4:12 width 4 is out of range: use 8 to 8192",
            "6:5 profile is missing its 'height' in pixels",
            "6:11 profile name 'Wall' must be at most 64 of the characters a–z, 0–9 and '-'",
            "13:11 duplicate profile name 'east' (first at line 9)",
        ]
        for (line, prefix) in zip(lines, expected) { #expect(line.hasPrefix(prefix), "\(line)") }
    }

    // MARK: displays

    @Test func emptyDisplaysIsAnError() throws {
        let e = try configProblem("site: 札幌\nplaylists: p\nstate: s\ndisplays: []\n")
        expect(e, at: 4, 11, "displays is empty: the box needs at least one display")
    }

    @Test func duplicateDisplayNameIsReportedAtTheSecondName() throws {
        let e = try configProblem(configHead + Self.lobby + "\n" + Self.lobby)
        expect(e, at: 8, 11, "duplicate display name 'lobby' (first at line 5)")
    }

    @Test func displayNamesAreLowerCaseWords() throws {
        let e = try configProblem(configHead + """
              - name: Lobby 1
                profile: lcd-1080p
                output: { kind: memory }
            """)
        expect(e, at: 5, 11, "display name 'Lobby 1' must be at most 64 of the characters a–z, 0–9 and '-'")
    }

    @Test func unknownDisplayKeySuggestsTheNearestKey() throws {
        let e = try configProblem(configHead + Self.lobby + "\n    transiton: fade")
        expect(e, at: 8, 5, "unknown key 'transiton' in a display; did you mean 'transition'?")
    }

    @Test func unknownProfileSuggestsTheNearestProfile() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080
                output: { kind: memory }
            """)
        expect(e, at: 6, 14, "unknown profile 'lcd-1080'; did you mean 'lcd-1080p'?",
               "(known: lcd-1080p, dsign-clean, led-vision; define more under profiles:)")
    }

    @Test func missingProfileAndOutputAreReportedAtTheDisplay() {
        let found = configProblems(configHead + "  - name: lobby\n")
        #expect(found.map { "\($0.line):\($0.column)" } == ["5:5", "5:5"], "\(found.map(\.description))")
        #expect(found.map(\.message).contains { $0.hasPrefix("display 'lobby' is missing its 'profile'") })
        #expect(found.map(\.message).contains { $0.hasPrefix("display 'lobby' is missing its 'output'") })
    }

    @Test(arguments: [("0", "fps 0 is out of range: use 1 to 120"), ("121", "fps 121 is out of range: use 1 to 120"),
                      ("sixty", "fps must be a whole number from 1 to 120"), ("\"60\"", "fps must be a whole number from 1 to 120")])
    func fpsOutOfRange(value: String, message: String) throws {
        let e = try configProblem(configHead + Self.lobby + "\n    fps: \(value)")
        expect(e, at: 8, 10, message)
    }

    // MARK: output

    @Test func unknownOutputKindSuggestsTheNearestKind() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: pngdir, directory: out }
            """)
        expect(e, at: 7, 21, "unknown output kind 'pngdir'; did you mean 'png-dir'?", "drm, fbdev, png-dir, memory")
    }

    @Test func outputWithoutKind() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { device: /dev/fb0 }
            """)
        expect(e, at: 7, 13, "output is missing its 'kind' (drm, fbdev, png-dir, memory)")
    }

    @Test func outputThatIsNotAMapping() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: memory
            """)
        expect(e, at: 7, 13, "output must be a mapping with a kind", "{ kind: drm, device: /dev/dri/card0 }")
    }

    @Test func keyOfAnotherOutputKindIsNamed() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: drm, directory: out/frames }
            """)
        expect(e, at: 7, 26, "'directory' applies only to png-dir outputs, not drm")
    }

    @Test func unknownOutputKeySuggestsTheNearestKey() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: drm, conector: HDMI-A-1 }
            """)
        expect(e, at: 7, 26, "unknown key 'conector' in output; did you mean 'connector'?")
    }

    @Test func connectorMustBeAKernelName() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: drm, connector: HDMI1 }
            """)
        expect(e, at: 7, 37, "connector 'HDMI1' is not a DRM connector name", "HDMI-A-1")
    }

    @Test func pngDirNeedsADirectory() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: png-dir }
            """)
        expect(e, at: 7, 13, "a png-dir output needs a 'directory'")
    }

    @Test(arguments: [("10ms", "interval 10ms is out of range"), ("2h", "interval 2h is out of range"),
                      ("1", "bad duration '1'")])
    func pngDirInterval(value: String, message: String) throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: png-dir, directory: out, interval: \(value) }
            """)
        expect(e, at: 7, 56, message)
    }

    // MARK: transition, region, power

    @Test(arguments: [
        ("wipe", 17, "unknown transition 'wipe' (expected one of: cut, fade)"),
        ("fdae", 17, "unknown transition 'fdae'; did you mean 'fade'?"),
        ("{ fade: 0s }", 25, "a fade of zero is a cut: write transition: cut"),
        ("{ fade: 6s }", 25, "fade 6s is longer than 5s"),
        ("{ fade: 5 }", 25, "bad duration '5'"),
        ("{ fad: 1s }", 19, "unknown key 'fad' in transition; did you mean 'fade'?"),
        ("[cut]", 17, "transition must be cut, fade, or { fade: 500ms }, not a list"),
        ("{}", 17, "transition must be cut, fade, or { fade: 500ms }"),
    ])
    func badTransitions(value: String, column: Int, message: String) throws {
        let e = try configProblem(configHead + Self.lobby + "\n    transition: \(value)")
        expect(e, at: 8, column, message)
    }

    @Test func fadeOfExactlyFiveSecondsIsAllowed() throws {
        let config = try siteConfig(configHead + Self.lobby + "\n    transition: { fade: 5s }")
        #expect(config.displays.first?.transition == .fade(seconds: 5))
    }

    @Test func regionOnAMemoryOutputIsAnError() throws {
        let e = try configProblem(configHead + Self.lobby + "\n    region: { x: 0, y: 0 }")
        expect(e, at: 8, 5, "'region' applies only to drm and fbdev outputs")
    }

    @Test func regionNeedsBothCoordinatesInRange() {
        let found = configProblems(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: fbdev }
                region: { x: -1 }
            """)
        #expect(found.map { "\($0.line):\($0.column) \($0.message)" } == [
            "8:13 region is missing 'y' (pixels from the output's top edge)",
            "8:18 x -1 is out of range: use 0 to 16383",
        ])
    }

    @Test func powerProblems() {
        let found = configProblems(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
                power: { on: "7:00", off: "22:00", days: [mon, tues] }
              - name: hall
                profile: lcd-1080p
                output: { kind: memory }
                power: { on: "07:00", off: "07:00" }
              - name: stairs
                profile: lcd-1080p
                output: { kind: memory }
                power: { on: "07:00" }
            """)
        #expect(found.map { "\($0.line):\($0.column) \($0.message)" } == [
            "8:18 bad time '7:00': write HH:MM, e.g. 08:45",
            "8:52 unknown weekday 'tues'; did you mean 'tue'? (use mon, tue, wed, thu, fri, sat, sun)",
            "12:32 power on and off are both 07:00: leave power out to keep the screen on all day",
            "16:12 power is missing 'off' (HH:MM, e.g. on: \"07:00\", off: \"22:00\"); leave power out to keep the screen on",
        ])
    }

    // MARK: LED walls

    @Test func ledKeysOnAnLCDAreErrors() {
        let found = configProblems(configHead + Self.lobby + """

                brightness: [{ time: "19:00-06:00", percent: 30 }]
                gamma: cie1931
                static-tickers: "19:00-06:00"
            """)
        #expect(found.map { "\($0.line):\($0.column)" } == ["8:5", "9:5", "10:5"], "\(found.map(\.description))")
        #expect(found.first?.message == "'brightness' applies only to LED walls (profile led-vision or one based on it); display 'lobby' has profile lcd-1080p")
        #expect(found.dropFirst().allSatisfy { $0.message.contains("applies only to LED walls") })
    }

    @Test func ledValuesAreChecked() {
        let found = configProblems(configHead + """
              - name: led-wall
                profile: led-vision
                output: { kind: memory }
                brightness:
                  - { time: "19:00-06:00", percent: 0 }
                  - { time: "25:00-06:00", percent: 30 }
                  - { percent: 150 }
                  - []
                gamma: srgb
                static-tickers: "19:00"
            """)
        #expect(found.map { "\($0.line):\($0.column) \($0.message)" } == [
            "9:41 percent must be from 1 to 100 (to switch the wall off, use power)",
            "10:17 in time window '25:00-06:00': bad time '25:00': hours go from 00 to 23 and minutes from 00 to 59",
            "11:9 brightness window is missing its 'time' (HH:MM-HH:MM)",
            "11:20 percent must be from 1 to 100 (to switch the wall off, use power)",
            "12:9 a brightness window must be a mapping of keys (time, percent)",
            "13:12 unknown gamma 'srgb' (expected one of: cie1931, none)",
            "14:21 bad time window '19:00': write HH:MM-HH:MM, e.g. \"08:45-17:15\" or \"22:00-06:00\"",
        ])
    }

    @Test func emptyBrightnessListIsAnError() throws {
        let e = try configProblem(configHead + """
              - name: led-wall
                profile: led-vision
                output: { kind: memory }
                brightness: []
            """)
        expect(e, at: 8, 17, "brightness is empty: leave it out for 100 % all day")
    }

    // MARK: Displays sharing a device

    @Test func twoDisplaysOnOneFramebufferAreAnError() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: fbdev, device: /dev/fb0 }
              - name: led-wall
                profile: led-vision
                output: { kind: fbdev, device: /dev/fb0 }
                region: { x: 0, y: 1080 }
            """)
        expect(e, at: 10, 36, "display 'led-wall' uses /dev/fb0, as display 'lobby' (line 5) does: one display per device")
    }

    @Test func twoDisplaysOnOneDRMCardAreAnError() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: drm }
              - name: hall
                profile: lcd-1080p
                output: { kind: drm, connector: HDMI-A-1 }
            """)
        expect(e, at: 10, 13, "display 'hall' uses /dev/dri/card0, as display 'lobby' (line 5) does: one display per device")
    }

    @Test func displaysWithRegionsOnOneOutputAreStillAnError() throws {
        let e = try configProblem(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: fbdev }
                region: { x: 0, y: 0 }
              - name: led-wall
                profile: led-vision
                output: { kind: fbdev }
                region: { x: 1800, y: 1000 }
            """)
        expect(e, at: 11, 13, "display 'led-wall' uses /dev/fb0, as display 'lobby' (line 5) does")
    }

    // MARK: All at once

    @Test func everyProblemOfAFileIsReportedSortedByPosition() {
        let path = Fixtures.path("config/several-problems.yaml")
        do {
            _ = try SiteConfigLoader().load(path: path)
            Issue.record("expected errors")
        } catch {
            let found = error.errors.map { "\($0.line):\($0.column) \($0.message)" }
            let expected: [(String, String)] = [
                ("2:11", "unknown timezone 'Asia/Sapporo'"),
                ("5:1", "unknown key 'clock-not-befor' in the config; did you mean 'clock-not-before'?"),
                ("7:11", "the API listens on 0.0.0.0, which other machines can reach"),
                ("13:10", "fps 240 is out of range"),
                ("14:17", "unknown transition 'wipe'"),
                ("15:5", "'brightness' applies only to LED walls"),
                ("16:5", "unknown key 'profile-note' in a display"),
                ("17:11", "duplicate display name 'lobby' (first at line 10)"),
                ("18:14", "unknown profile 'dsign-clen'; did you mean 'dsign-clean'?"),
                ("19:61", "connector 'HDMI' is not a DRM connector name"),
                ("20:18", "bad time '25:00'"),
            ]
            #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
            for ((position, message), line) in zip(expected, found) {
                #expect(line.hasPrefix(position + " ") && line.contains(message), "expected \(position) \(message), got \(line)")
            }
            #expect(error.errors.allSatisfy { $0.file == path })
            #expect(error.description.split(separator: "\n").count == expected.count)
        }
    }
}
