import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

/// Every problem the config loader reports for `yaml`, read as if it were a file in
/// `Fixtures/config/` (so relative paths resolve there); empty when the text is valid.
func configProblems(_ yaml: String, file: String = "config/site.yaml",
                    loader: SiteConfigLoader = SiteConfigLoader()) -> [SourceError] {
    do {
        _ = try loader.parse(yaml: yaml, path: Fixtures.path(file))
        return []
    } catch {
        return error.errors
    }
}

/// The one problem the config loader reports for `yaml`; records an issue when there is not exactly one.
func configProblem(_ yaml: String, file: String = "config/site.yaml",
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceError {
    let found = configProblems(yaml, file: file)
    #expect(found.count == 1, "expected one problem, got: \(found.map(\.description))", sourceLocation: sourceLocation)
    return try #require(found.first, sourceLocation: sourceLocation)
}

/// Parses a valid config; records an issue with every problem otherwise.
func siteConfig(_ yaml: String, file: String = "config/site.yaml",
                sourceLocation: SourceLocation = #_sourceLocation) throws -> SiteConfig {
    do {
        return try SiteConfigLoader().parse(yaml: yaml, path: Fixtures.path(file))
    } catch {
        Issue.record("unexpected problems:\n\(error.description)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The top of a valid config; tests append their `displays:` entries after it (line 5 on).
let configHead = """
    site: 札幌市役所 本庁舎
    playlists: playlists
    state: state
    displays:

    """

@Suite("The daemon's config: good values")
struct SiteConfigTests {
    @Test func minimalConfigTakesEveryDefault() throws {
        let config = try siteConfig(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
            """)
        #expect(config.site == "札幌市役所 本庁舎")
        #expect(config.timeZone.identifier == "Asia/Tokyo")
        #expect(config.clockNotBefore == nil, "nil: the daemon uses its build date")
        #expect(config.api == APIConfig(host: "127.0.0.1", port: 8080, tokens: []))
        #expect(config.profiles.isEmpty)
        let lobby = try #require(config.displays.first)
        #expect(config.displays.count == 1)
        #expect(lobby.name == "lobby")
        #expect(lobby.profile == .lcd1080p)
        #expect(lobby.output == .memory)
        #expect(lobby.fps == 60)
        #expect(lobby.transition == .cut)
        #expect(lobby.region == .origin)
        #expect(lobby.brightness.isEmpty && lobby.cieGamma && lobby.staticTickers == nil && lobby.power == nil)
    }

    @Test func relativePathsResolveAgainstTheConfigFolder() throws {
        let config = try siteConfig("""
            site: 札幌市役所 本庁舎
            playlists: ../playlists
            state: /var/lib/oshirase/../oshirase
            displays:
              - name: lobby
                profile: lcd-1080p
                output: { kind: png-dir, directory: out/frames }
            """)
        #expect(config.playlistsDirectory == Fixtures.directory.appendingPathComponent("playlists").standardized.path)
        #expect(config.stateDirectory == "/var/lib/oshirase")
        #expect(config.displays.first?.output
            == .pngDirectory(directory: Fixtures.path("config/out/frames"), minimumInterval: 1))
    }

    @Test func everyTopLevelKeyIsRead() throws {
        let config = try siteConfig("""
            site: 大通駅 コンコース
            timezone: Europe/Berlin
            playlists: /srv/playlists
            state: /srv/state
            clock-not-before: 2026-11-01
            api:
              listen: 0.0.0.0:9090
              tokens: [0123456789abcdef0123, "A-Za-z0-9._~+/=abc"]
            displays:
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
            """)
        #expect(config.site == "大通駅 コンコース")
        #expect(config.timeZone.identifier == "Europe/Berlin")
        #expect(config.playlistsDirectory == "/srv/playlists" && config.stateDirectory == "/srv/state")
        // Midnight on the config's wall clock: 2026-11-01 00:00 CET is 2026-10-31 23:00 UTC.
        #expect(config.clockNotBefore == Date(timeIntervalSince1970: 1_793_487_600))
        #expect(config.api == APIConfig(host: "0.0.0.0", port: 9090, tokens: ["0123456789abcdef0123", "A-Za-z0-9._~+/=abc"]))
        #expect(!config.api.isLoopback)
    }

    @Test func clockNotBeforeIsMidnightInTokyoByDefault() throws {
        let config = try siteConfig("clock-not-before: \"2026-11-01\"\n" + configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
            """)
        #expect(config.clockNotBefore == Date(timeIntervalSince1970: 1_793_458_800))  // 2026-10-31T15:00:00Z
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080, true),
        ("localhost:9000", "localhost", 9000, true),
        ("\"[::1]:8080\"", "::1", 8080, true),
        ("\"[0:0:0:0:0:0:0:1]:80\"", "::1", 80, true),
    ])
    func loopbackAddressesNeedNoToken(listen: String, host: String, port: Int, loopback: Bool) throws {
        let config = try siteConfig("api:\n  listen: \(listen)\n" + configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
            """)
        #expect(config.api.host == host && config.api.port == port)
        #expect(config.api.isLoopback == loopback)
    }

    @Test func fullDisplaysAreRead() throws {
        let config = try siteConfig(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: drm, device: /dev/dri/card1, connector: HDMI-A-2 }
                fps: 50
                transition: { fade: 500ms }
                region: { x: 0, y: 0 }
                power: { on: "07:00", off: "22:00", days: [mon, tue, wed, thu, fri] }
              - name: led-wall
                profile: led-vision
                output: { kind: drm, device: /dev/dri/card2, connector: HDMI-A-2 }
                region: { x: 1920, y: 0 }
                transition: fade
                brightness:
                  - { time: "19:00-06:00", percent: 30 }
                  - { time: "06:00-08:00", percent: 72.5 }
                gamma: none
                static-tickers: "19:00-06:00"
                power: { on: "22:00", off: "06:00" }
            """)
        let lobby = config.displays[0], led = config.displays[1]
        #expect(lobby.output == .drm(device: "/dev/dri/card1", connector: "HDMI-A-2"))
        #expect(lobby.fps == 50)
        #expect(lobby.transition == .fade(seconds: 0.5))
        let weekdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri]
        #expect(lobby.power == PowerSchedule(window: window("07:00-22:00"), days: weekdays))
        #expect(led.fps == 30, "LED profiles default to 30 fps")
        #expect(led.region == PixelRegion(x: 1920, y: 0))
        #expect(led.transition == .fade(seconds: 0.4), "a plain fade lasts 0.4s")
        #expect(led.brightness == [BrightnessWindow(window: window("19:00-06:00"), percent: 30),
                                   BrightnessWindow(window: window("06:00-08:00"), percent: 72.5)])
        #expect(!led.cieGamma)
        #expect(led.staticTickers == window("19:00-06:00"))
        #expect(led.power?.window.wrapsMidnight == true && led.power?.days == nil)
    }

    @Test func outputsTakeTheirDefaults() throws {
        let config = try siteConfig(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: drm }
              - name: entrance
                profile: dsign-clean
                output: { kind: fbdev }
              - name: led-wall
                profile: led-vision
                output: { kind: png-dir, directory: /tmp/frames, interval: 250ms }
            """)
        #expect(config.displays.map(\.output) == [
            .drm(device: "/dev/dri/card0", connector: nil),
            .fbdev(device: "/dev/fb0"),
            .pngDirectory(directory: "/tmp/frames", minimumInterval: 0.25),
        ])
    }

    @Test func anFBDevOutputPansOnlyWhenAsked() throws {
        let config = try siteConfig(configHead + """
              - name: entrance
                profile: dsign-clean
                output: { kind: fbdev, device: /dev/fb1, pan: true }
            """)
        #expect(config.displays.map(\.output) == [.fbdev(device: "/dev/fb1", pan: true)])
        let wrongKind = try configProblem(configHead + "  - name: lobby\n    profile: lcd-1080p\n    output: { kind: drm, pan: true }\n")
        #expect(wrongKind.message.contains("'pan' applies only to fbdev outputs"), "\(wrongKind)")
    }

    @Test func configProfilesTakeKindAndTextSizesFromTheirBase() throws {
        let config = try siteConfig("""
            site: 札幌市役所 本庁舎
            playlists: playlists
            state: state
            profiles:
              - name: led-wall-east
                base: led-vision
                width: 480
                height: 270
            displays:
              - name: east
                profile: led-wall-east
                output: { kind: memory }
                brightness: [{ time: "19:00-06:00", percent: 30 }]
            """)
        let profile = DisplayProfile(name: "led-wall-east", width: 480, height: 270, kind: .led,
                                     minimumTextSize: DisplayProfile.ledVision.minimumTextSize,
                                     tickerSpeed: DisplayProfile.ledVision.tickerSpeed)
        #expect(config.profiles == [profile])
        #expect(config.displays.first?.profile == profile)
        #expect(config.displays.first?.fps == 30)
    }

    @Test func displaysOnSeparateDevicesAreAllowed() throws {
        let config = try siteConfig(configHead + """
              - name: lobby
                profile: lcd-1080p
                output: { kind: fbdev, device: /dev/fb0 }
                region: { x: 0, y: 0 }
              - name: led-wall
                profile: led-vision
                output: { kind: fbdev, device: /dev/fb1 }
                region: { x: 0, y: 1080 }
              - name: hall
                profile: lcd-1080p
                output: { kind: drm, connector: HDMI-A-1 }
              - name: hall-2
                profile: lcd-1080p
                output: { kind: drm, device: /dev/dri/card1, connector: DP-1 }
            """)
        #expect(config.displays.map(\.name) == ["lobby", "led-wall", "hall", "hall-2"])
    }

    // MARK: The shipped examples

    static let exampleConfigs = ["docs/config/example.yaml", "docs/config/demo.yaml"]

    @Test(arguments: exampleConfigs)
    func exampleConfigLoadsWithoutErrors(path: String) throws {
        do {
            let config = try SiteConfigLoader().load(path: repositoryRoot.appendingPathComponent(path).path)
            #expect(config.site == "札幌市役所 本庁舎")
        } catch {
            Issue.record("\(error.description)")
        }
    }

    @Test func exampleConfigDrivesAnLCDAndAnLEDWallAtARegion() throws {
        let config = try SiteConfigLoader().load(path: repositoryRoot.appendingPathComponent("docs/config/example.yaml").path)
        #expect(!config.api.isLoopback && !config.api.tokens.isEmpty)
        let lobby = try #require(config.displays.first { $0.name == "lobby" })
        let led = try #require(config.displays.first { $0.name == "led-wall" })
        #expect(lobby.output.kind == "drm" && lobby.power != nil)
        #expect(led.output.kind == "fbdev" && led.profile.kind == .led && led.region != .origin)
        #expect(!led.brightness.isEmpty && led.staticTickers != nil)
    }

    @Test func demoConfigRunsTheSamplePlaylistsOnSimulatedOutputs() throws {
        let config = try SiteConfigLoader().load(path: repositoryRoot.appendingPathComponent("docs/config/demo.yaml").path)
        let root = repositoryRoot.standardized.path
        #expect(config.playlistsDirectory == root + "/playlists")
        #expect(config.stateDirectory == root + "/.data/demo-state")
        #expect(config.api == APIConfig(host: "127.0.0.1", port: 8080, tokens: []))
        #expect(config.displays.map(\.name) == ["lobby", "entrance", "led-wall"])
        #expect(config.displays.map(\.profile.name) == ["lcd-1080p", "dsign-clean", "led-vision"])
        #expect(config.displays.map(\.output) == [
            .pngDirectory(directory: root + "/out/demo-frames", minimumInterval: 1), .memory, .memory,
        ])
    }
}

/// A time window from its text, for expectations.
func window(_ text: String) -> TimeWindow {
    switch ValueParsers.timeWindow(text) {
    case .success(let w): return w
    case .failure(let m): preconditionFailure(m.text)
    }
}

@Suite("Value parsers for the config: short durations and listen addresses")
struct SiteConfigValueTests {
    @Test(arguments: [("500ms", 0.5), ("0.4s", 0.4), ("1s", 1.0), ("1m30s", 90.0), ("1s250ms", 1.25),
                      ("2h", 7200.0), (" 1s ", 1.0), ("0s", 0.0)])
    func goodIntervals(text: String, seconds: Double) throws {
        let value = try ValueParsers.interval(text).get()
        #expect(abs(value - seconds) < 1e-9)
    }

    @Test(arguments: ["", "1", "s", "500", "1.s", ".5s", "1..5s", "500ms1s", "1s1s", "-1s", "1 s", "1x", "5µs"])
    func badIntervals(text: String) {
        #expect((try? ValueParsers.interval(text).get()) == nil, "\(text)")
    }

    @Test func intervalMessagesSayWhatIsWrong() {
        func message(_ text: String) -> String? {
            if case .failure(let m) = ValueParsers.interval(text) { return m.text }
            return nil
        }
        #expect(message("500ms1s")?.contains("order h, m, s, ms") == true)
        #expect(message("-1s")?.contains("negative") == true)
        #expect(message("5")?.contains("e.g. 500ms, 0.4s, 1s") == true)
    }

    @Test func playlistDurationsStayWholeSeconds() {
        #expect((try? ValueParsers.duration("500ms").get()) == nil)
        #expect((try? ValueParsers.duration("0.5s").get()) == nil)
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080), ("0.0.0.0:1", "0.0.0.0", 1), ("[::]:65535", "::", 65535),
        ("[fe80::1]:80", "fe80::1", 80), ("signage-01.city.local:8443", "signage-01.city.local", 8443),
    ])
    func goodListenAddresses(text: String, host: String, port: Int) throws {
        let address = try ValueParsers.listenAddress(text).get()
        #expect(address.host == host && address.port == port)
    }

    @Test(arguments: [
        ("127.0.0.1", "has no port"), ("8080", "is only a port"), ("::1:8080", "in brackets"), ("[::1]8080", "no port after ']'"),
        ("[::1:8080", "never closes"), ("[zz::1]:80", "is not an IPv6 address"), (":8080", "has no host"),
        ("256.0.0.1:80", "is not an IPv4 address"), ("127.0.0.1:0", "out of range"), ("127.0.0.1:70000", "out of range"),
        ("127.0.0.1:http", "no valid port"), ("-bad-.local:80", "neither an IP address nor a host name"),
    ])
    func badListenAddresses(text: String, fragment: String) {
        guard case .failure(let m) = ValueParsers.listenAddress(text) else {
            Issue.record("'\(text)' was accepted")
            return
        }
        #expect(m.text.contains(fragment), "\(m.text)")
    }

    @Test(arguments: [("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true),
                      ("127.example.lan", false), ("127.0.0.256", false), ("0.0.0.0", false), ("192.168.1.10", false),
                      ("127.0.0", false)])
    func onlyLoopbackAddressesCountAsLoopback(host: String, loopback: Bool) {
        #expect(APIConfig(host: host).isLoopback == loopback)
    }

    @Test func proofOfPlayIsKeptFor400DaysUnlessTheConfigSaysOtherwise() throws {
        let lobby = """
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
            """
        #expect(try siteConfig(configHead + lobby).proofOfPlayDays == 400)
        #expect(try siteConfig("proof-of-play-days: 30\n" + configHead + lobby).proofOfPlayDays == 30)
        let e = try configProblem("proof-of-play-days: 0\n" + configHead + lobby)
        #expect(e.line == 1 && e.column == 21)
        #expect(e.message == "proof-of-play-days 0 is out of range: use 1 to 3650")
    }
}
