import OshiraseAPI
import Foundation
import OshiraseCAP
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseSigning
import OshiraseStore
import OshiraseTestSupport
import ServiceLifecycle
import Testing

/// A fixture's bytes.
func capFixture(_ name: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return [UInt8](try Data(contentsOf: root.appendingPathComponent("fixtures/cap/\(name)")))
}

/// The colour of a frame's left margin, halfway down, as 0xRRGGBB.
func marginColour(_ frame: Bitmap) -> UInt32 {
    colour(of: frame, x: 3, y: frame.height / 2)
}

@Suite("Pushed alerts in the daemon")
struct AlertCenterTests {
    let key: SigningKey
    let folder: PlaylistFolder
    let clock = ManualClock(jst(10, 0))

    init() throws {
        key = try SigningKey.generate(keyID: "cityhall-2026")
        folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 600)]))
    }

    func config() -> SiteConfig {
        let line = PublicKeyLine(id: key.keyID, publicKey: key.trustedKey.publicKeyBytes)
        var alerts = AlertsConfig(keys: [line])
        alerts.policy.location = CAPPoint(latitude: 43.0556, longitude: 141.3406)  // 札幌市中央区役所
        return SiteConfig(site: "札幌市役所 本庁舎", playlistsDirectory: folder.path, stateDirectory: folder.path + "/state",
                          displays: [DisplayConfig(name: "lobby", profile: smallLCD, output: .memory)], alerts: alerts)
    }

    func signed(_ body: [UInt8], at time: Date? = nil) throws -> [String: String] {
        try PushEnvelope.sign(body: body, key: key, timestamp: Int64((time ?? clock.now()).timeIntervalSince1970)).httpHeaders
    }

    func start(_ store: StateStore) -> (Daemon, ServiceGroup, Task<Void, any Error>) {
        let output = MemoryOutput(width: smallLCD.width, height: smallLCD.height)
        let daemon = Daemon(config: config(), clock: clock, logger: quietLogger, phraseModel: nil, clockNotBefore: jst(0, 0),
                            openOutput: { _ in { () throws(OutputError) -> FrameOutput in output } }, store: store)
        daemon.loadPlaylists()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: quietLogger))
        return (daemon, group, Task { try await group.run() })
    }

    @Test func aDaemonLetGoTakesItsDisplaysAlertCentreAndIntakeThreadWithIt() throws {
        // The displays hold the library and the alert centre; the wake-ups those call must not
        // hold the displays back, or every daemon made keeps a thread for good.
        weak var center: AlertCenter?
        do {
            let output = MemoryOutput(width: smallLCD.width, height: smallLCD.height)
            let daemon = Daemon(config: config(), clock: clock, logger: quietLogger, phraseModel: nil, clockNotBefore: jst(0, 0),
                                openOutput: { _ in { () throws(OutputError) -> FrameOutput in output } }, store: nil)
            daemon.loadPlaylists()
            center = daemon.alerts
            #expect(center != nil)
        }
        #expect(center == nil, "the alert centre outlived its daemon")
    }

    @Test func aSignedEvacuationOrderTakesOverSurvivesARestartAndEndsWhenCancelled() async throws {
        let store = try StateStore(directory: folder.path + "/state")
        var (daemon, group, running) = start(store)
        #expect(await eventually { await daemon.screenshot(display: "lobby") != nil })
        let playlistColour = try #require(await daemon.screenshot(display: "lobby")).pixels.count

        let order = try capFixture("sapporo-evacuation.xml")
        let answer = await daemon.pushAlert(body: order, headers: try signed(order), source: "127.0.0.1")
        #expect(PushAnswer(answer) == PushAnswer(status: 202, fields: ["identifier": "JP-SAPPORO-20261127-001", "state": "active"]))
        let takeover = AlertLevelColours.colours(level: 5).background
        let expected = UInt32(takeover.r) << 16 | UInt32(takeover.g) << 8 | UInt32(takeover.b)
        #expect(await eventually { await daemon.screenshot(display: "lobby").map(marginColour) == expected })
        #expect(playlistColour > 0)

        // The same request again is a replay; the same message signed anew is idempotent.
        #expect(await daemon.pushAlert(body: order, headers: try signed(order), source: "127.0.0.1").status == 409)
        clock.advance(by: 1)
        let again = await daemon.pushAlert(body: order, headers: try signed(order), source: "127.0.0.1")
        #expect(again.status == 202 && again.fields["state"] == "active")

        // kill -9 and start again: the order is read back from the store and shown.
        await group.triggerGracefulShutdown()
        try await running.value
        (daemon, group, running) = start(try StateStore(directory: folder.path + "/state"))
        #expect(await eventually { await daemon.screenshot(display: "lobby").map(marginColour) == expected })
        #expect(await daemon.alertListing().map(\.identifier) == ["JP-SAPPORO-20261127-001"])

        let cancel = try capFixture("sapporo-evacuation-cancel.xml")
        clock.advance(by: 1)
        let cancelled = await daemon.pushAlert(body: cancel, headers: try signed(cancel), source: "127.0.0.1")
        #expect(cancelled.status == 202 && cancelled.fields["state"] == "cancelled", "\(cancelled)")
        #expect(await eventually { await daemon.screenshot(display: "lobby").map(marginColour) != expected })
        #expect(await daemon.alertListing().isEmpty)

        let audit = try store.auditEntries(from: jst(0, 0), to: jst(23, 0))
        #expect(audit.map(\.status) == [202, 409, 202, 202])
        #expect(audit.allSatisfy { $0.source == "127.0.0.1" && $0.keyID == "cityhall-2026" })
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func everyRejectionIsA4xxNamingTheReasonAndIsAudited() async throws {
        let store = try StateStore(directory: folder.path + "/state")
        let center = AlertCenter(config: config().alerts, store: store, clock: clock, logger: quietLogger)
        let order = try capFixture("sapporo-evacuation.xml")
        func push(_ body: [UInt8], _ headers: [String: String]) async -> AlertIntakeOutcome {
            await center.push(body: body, headers: headers, source: "10.0.0.9")
        }
        var tampered = try signed(order)
        tampered["Oshirase-Signature"] = try signed(Array("<alert/>".utf8))["Oshirase-Signature"]
        #expect(await push(order, tampered).fields["error"] == "bad-signature")
        var stranger = try signed(order)
        stranger["Oshirase-Key"] = "someone-else"
        #expect(await push(order, stranger).status == 401)
        #expect(await push(order, try signed(order, at: clock.now().addingTimeInterval(-301))).fields["error"] == "stale-timestamp")
        let huge = [UInt8](repeating: 0x20, count: 1_048_577)
        #expect(await push(huge, try signed(huge)).status == 413)
        let hostile = try capFixture("hostile-billion-laughs.xml")
        let invalid = await push(hostile, try signed(hostile))
        #expect(invalid.status == 422 && invalid.fields["error"] == "invalid-cap")
        let draft = try capFixture("draft.xml")
        #expect(await push(draft, try signed(draft)).status == 422)
        #expect(await push(order, try signed(order)).status == 202)
        // Same sender, identifier and sent, other bytes.
        var changed = order
        if let i = changed.firstIndex(of: UInt8(ascii: "\n")) { changed.insert(UInt8(ascii: " "), at: i) }
        clock.advance(by: 1)
        let conflict = await push(changed, try signed(changed))
        #expect(conflict.status == 409 && conflict.fields["error"] == "conflicting-identity", "\(conflict)")
        let audit = try store.auditEntries(from: jst(0, 0), to: jst(23, 0))
        #expect(audit.map(\.status) == [401, 401, 401, 413, 422, 422, 202, 409])
        #expect(audit.allSatisfy { $0.source == "10.0.0.9" })
    }
}

@Suite("Rate-limited logging")
struct RateLimitedLogTests {
    @Test func aLineGoesThroughOncePerIntervalAndCountsTheRest() {
        var log = RateLimitedLog(interval: 10)
        #expect(log.shouldLog(at: 100) == 0)
        #expect(log.shouldLog(at: 101) == nil)
        #expect(log.shouldLog(at: 105) == nil)
        #expect(log.shouldLog(at: 110) == 2)
        #expect(log.shouldLog(at: 111) == nil)
    }
}

/// Alerts in one display's frame loop, injected without a push.
@Suite("Alerts in the frame loop")
struct AlertLoopTests {
    static func center(_ clock: ManualClock) -> AlertCenter {
        AlertCenter(config: AlertsConfig(), store: nil, clock: clock, logger: quietLogger)
    }

    static func alert(_ id: String, severity: CAPSeverity, sent: Date) -> CAPAlert {
        let text = Instant.format(sent, in: .tokyo)
        return CAPAlert(identifier: id, sender: "bousai@city.sapporo.jp", sent: CAPDateTime(date: sent, text: text), status: .actual,
                        msgType: .alert, scope: .public,
                        infos: [CAPInfo(language: "ja-JP", categories: [.geo], event: "土砂災害", urgency: .immediate, severity: severity,
                                        certainty: .observed, headline: "緊急安全確保")])
    }

    @Test func aTakeoverSwitchesOnAScreenThePowerScheduleHasOffAndCutsInWithoutAFade() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("welcome", "ようこそ", 2), ("tax", "市民税の納付", 2)]))
        var centre: AlertCenter?
        let display = DisplayConfig(name: "lobby", profile: smallLCD, output: .memory, fps: 10, transition: .fade(seconds: 1),
                                    power: PowerSchedule(window: TimeWindow(start: try #require(TimeOfDay(hour: 7, minute: 0)), end: try #require(TimeOfDay(hour: 22, minute: 0)))))
        let h = LoopHarness(folder: folder, display: display, at: jst(3, 0), alerts: { clock in
            let c = AlertLoopTests.center(clock)
            centre = c
            return c
        })
        h.step()
        #expect(h.output.powerCalls == [false], "off at 03:00")
        let c = try #require(centre)
        _ = c.preview(Self.alert("a", severity: .extreme, sent: jst(3, 0, 30)), at: jst(3, 0, 30))
        h.clock.set(jst(3, 0, 30))
        h.step()
        #expect(h.output.powerCalls == [false, true], "an evacuation order switches the screen on")
        let black = AlertLevelColours.colours(level: 5).background
        #expect(marginColour(h.output.frames.last!) == UInt32(black.r) << 16 | UInt32(black.g) << 8 | UInt32(black.b),
                "the first frame is the takeover itself, not a blend")
    }

    @Test func theTickerUnderABannerIsNotCountedAsPlayed() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("welcome", "ようこそ", 600)], layout: "main+ticker", extra: """
              - id: snow
                zone: ticker
                duration: 600s
                ticker: 本日は大雪のため市バスに遅れが出ています。
            """))
        var centre: AlertCenter?
        let h = LoopHarness(folder: folder, display: DisplayConfig(name: "lobby", profile: smallLCD, output: .memory, fps: 10),
                            at: jst(9, 0), alerts: { clock in
                                let c = AlertLoopTests.center(clock)
                                centre = c
                                return c
                            })
        h.run(until: jst(9, 0, 10))
        let c = try #require(centre)
        _ = c.preview(Self.alert("minor", severity: .minor, sent: jst(9, 0, 10)), at: jst(9, 0, 10))
        h.run(until: jst(9, 0, 20))
        let tickerRecords = h.sink.all.filter { $0.zone == "ticker" }
        #expect(tickerRecords.count == 1 && tickerRecords.first?.end == jst(9, 0, 10), "the ticker's showing ends when the band covers it")
        #expect(!h.sink.all.contains { $0.zone == "main" }, "the announcement above the band keeps playing")
    }
}

@Suite("Alert overlays over time")
struct AlertOverlayTimingTests {
    @Test func languagesRotateAtTheirBoundaryAndANewAlertIsSeenAtOnce() throws {
        let clock = ManualClock(jst(9, 0))
        var config = AlertsConfig()
        config.policy.rotateSeconds = 8
        let center = AlertCenter(config: config, store: nil, clock: clock, logger: quietLogger)
        let display = DisplayConfig(name: "lobby", profile: smallLCD, output: .memory)
        #expect(center.overlay(for: display, at: jst(9, 0)).overlay == nil)
        var alert = AlertLoopTests.alert("rotating", severity: .severe, sent: jst(9, 0))
        var english = alert.infos[0]
        english.language = "en-US"
        english.headline = "Emergency: secure your safety"
        alert.infos.append(english)
        _ = center.preview(alert, at: jst(9, 0))
        let first = center.overlay(for: display, at: jst(9, 0, 1))
        #expect(first.overlay?.language == "ja-JP", "a new alert is seen at once, though nothing was due")
        #expect(first.nextChange == jst(9, 0, 8))
        #expect(center.overlay(for: display, at: jst(9, 0, 7.9)).overlay?.language == "ja-JP")
        #expect(center.overlay(for: display, at: jst(9, 0, 8)).overlay?.language == "en-US")
        #expect(center.overlay(for: display, at: jst(9, 0, 16)).overlay?.language == "ja-JP")
        #expect(center.overlay(for: display, at: jst(9, 0, 5)).overlay?.language == "ja-JP", "a clock set back is worked out again")
    }
}

@Suite("Keys limited to senders")
struct KeySendersTests {
    @Test func aKeyLimitedToCitySendersCannotSpeakForThePrefecture() async throws {
        let key = try SigningKey.generate(keyID: "cityhall-2026")
        let clock = ManualClock(jst(10, 0))
        let line = PublicKeyLine(id: key.keyID, publicKey: key.trustedKey.publicKeyBytes,
                                 senders: ["kikikanri@pref.hokkaido.lg.jp"])
        let center = AlertCenter(config: AlertsConfig(keys: [line]), store: nil, clock: clock, logger: quietLogger)
        let order = try capFixture("sapporo-evacuation.xml")  // sender bousai@city.sapporo.jp
        let headers = try PushEnvelope.sign(body: order, key: key, timestamp: Int64(clock.now().timeIntervalSince1970)).httpHeaders
        let answer = await center.push(body: order, headers: headers, source: "10.0.0.9")
        #expect(answer.status == 403 && answer.fields["error"] == "sender-not-allowed", "\(answer)")
        #expect(center.listing().isEmpty)
    }
}
