import Foundation
import Logging
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseRender
import OshiraseTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// A kiosk small enough to render quickly in a debug build: the panel is its lower 29 %.
let smallKiosk = DisplayProfile(name: "dsign-clean", width: 270, height: 480, kind: .kiosk, minimumTextSize: 10, tickerSpeed: 40)

/// The colour of the pixel at (`x`, `y`) of a frame, as 0xRRGGBB.
func colour(of frame: Bitmap, x: Int, y: Int) -> UInt32 {
    let i = y * frame.stride + x * 4
    return UInt32(frame.pixels[i + 2]) << 16 | UInt32(frame.pixels[i + 1]) << 8 | UInt32(frame.pixels[i])
}

/// The colour of the panel's result area (just below its label band) in a frame, as 0xRRGGBB.
func panelColour(_ frame: Bitmap, profile: DisplayProfile = smallKiosk) -> UInt32 {
    let panel = profile.temperaturePanel!
    return colour(of: frame, x: 3, y: Int(panel.y + (panel.height * 0.16).rounded()) + 3)
}

/// The panel's colours (PanelLook): green normal, red fever, amber retry, grey offline.
enum PanelColour {
    static let normal: UInt32 = 0x1B7F3B
    static let fever: UInt32 = 0xB00020
    static let retry: UInt32 = 0xFFC107
    static let offline: UInt32 = 0x5F6368
}

func reading(_ object: Double, at time: Date, ambient: Double = 22.0) -> ThermometerEvent {
    .reading(ThermometerReading(object: object, ambient: ambient, time: time))
}

/// The kiosk's frame loop with its sensor's state, on a manual clock.
@Suite("Kiosk panel in the frame loop")
struct KioskPanelLoopTests {
    let sensorConfig = SensorConfig(name: "entrance-thermometer", source: .simulated(scenario: nil, seed: 1),
                                    displays: ["entrance"], notice: SensorConfig.defaultNotice)

    @Test func resultsReachTheScreenWithOnlyThePanelRedrawnAndNeverOutstayTheSensor() throws {
        let folder = try PlaylistFolder()
        try folder.write("entrance.yaml", announcementPlaylist([("welcome", "ようこそ札幌市役所へ", 600)]))
        let sensor = SensorState(config: sensorConfig)
        let display = DisplayConfig(name: "entrance", profile: smallKiosk, output: .memory)
        let h = LoopHarness(folder: folder, display: display, at: jst(9, 0), sensor: sensor)
        let panelRows = Int(smallKiosk.temperaturePanel!.y)..<smallKiosk.height

        // Never heard from: offline, and a frame that says so.
        h.step()
        #expect(h.output.frames.count == 1)
        #expect(panelColour(h.output.frames[0]) == PanelColour.offline)

        // Connected, nobody there: the idle prompt; only the panel's rows are sent.
        _ = sensor.handle(.connected("/dev/ttyUSB0"))
        #expect(sensor.handle(reading(22.5, at: jst(9, 0, 0.1))).panelChanged)
        h.clock.set(jst(9, 0, 0.1))
        h.step()
        #expect(h.output.frames.count == 2)
        #expect(h.output.changedRows.last == panelRows)
        let idleColour = panelColour(h.output.frames[1])
        #expect(![PanelColour.offline, PanelColour.normal, PanelColour.fever].contains(idleColour))

        // A visitor: seven stable readings make a result, drawn at once in green.
        var t = 0.2
        var result: ScreeningResult?
        for _ in 0..<7 {
            result = sensor.handle(reading(36.4, at: jst(9, 0, t))).result ?? result
            t += 0.07
        }
        #expect(result == .normal(celsius: 36.4))
        h.clock.set(jst(9, 0, t))
        let next = h.step()
        #expect(panelColour(h.output.frames.last!) == PanelColour.normal)
        #expect(h.output.changedRows.last == panelRows, "the announcement above is not redrawn")

        // The frame is the renderer's picture of that scene, pixel for pixel.
        var scene = ScheduleEngine(playlists: h.library.snapshot().playlists, profile: smallKiosk.name)
            .scene(for: smallKiosk, at: jst(9, 0, t), siteName: "札幌市役所 本庁舎")
        scene.panel = sensor.panel(at: jst(9, 0, t)).panel
        scene.panelNotice = SensorConfig.defaultNotice
        let reference = try Renderer(phraseModel: nil).render(scene)
        #expect(h.output.frames.last!.rows(panelRows).differingFraction(from: reference.rows(panelRows), tolerance: 0) == 0)

        // The sensor falls silent: 3 s after its last frame the panel goes offline, number gone.
        let lastFrame = jst(9, 0, t - 0.07)
        #expect(next == lastFrame.addingTimeInterval(3), "the loop wakes for the offline deadline, not the next minute")
        h.clock.set(next)
        h.step()
        #expect(panelColour(h.output.frames.last!) == PanelColour.offline)
        #expect(sensor.status(at: next).panel == "offline")
    }

    @Test func aFeverIsRedAndARetryAmberAndTheResultHoldsForItsTime() throws {
        let folder = try PlaylistFolder()
        try folder.write("entrance.yaml", announcementPlaylist([("welcome", "ようこそ札幌市役所へ", 600)]))
        var config = sensorConfig
        config.policy.resultHold = 2
        let sensor = SensorState(config: config)
        let h = LoopHarness(folder: folder, display: DisplayConfig(name: "entrance", profile: smallKiosk, output: .memory),
                            at: jst(9, 0), sensor: sensor)
        _ = sensor.handle(.connected("/dev/ttyUSB0"))
        var t = 0.0
        func feed(_ object: Double, count: Int, ambient: Double = 22.0) {
            for _ in 0..<count {
                _ = sensor.handle(reading(object, at: jst(9, 0, t), ambient: ambient))
                t += 0.07
            }
            h.clock.set(jst(9, 0, t))
            h.step()
        }
        feed(37.9, count: 7)
        #expect(panelColour(h.output.frames.last!) == PanelColour.fever)
        feed(37.9, count: 10)
        #expect(panelColour(h.output.frames.last!) == PanelColour.fever, "one visitor standing still gets one result")
        feed(22.0, count: 30)  // gone, and the 2 s hold is over
        #expect(panelColour(h.output.frames.last!) != PanelColour.fever)
        feed(36.5, count: 7, ambient: 4.0)  // straight in from the snow
        #expect(panelColour(h.output.frames.last!) == PanelColour.retry)
        #expect(sensor.status(at: jst(9, 0, t)).counts == ["normal": 0, "fever": 1, "retry": 1])
    }

    @Test func aKioskNoSensorFeedsShowsItsThermometerOffline() throws {
        let folder = try PlaylistFolder()
        try folder.write("entrance.yaml", announcementPlaylist([("welcome", "ようこそ札幌市役所へ", 600)]))
        let h = LoopHarness(folder: folder, display: DisplayConfig(name: "entrance", profile: smallKiosk, output: .memory), at: jst(9, 0))
        h.step()
        #expect(panelColour(h.output.frames[0]) == PanelColour.offline)
    }

    @Test func aFadeBetweenItemsNeverBlendsThePanel() throws {
        let folder = try PlaylistFolder()
        try folder.write("entrance.yaml", announcementPlaylist([("welcome", "ようこそ札幌市役所へ", 2), ("tax", "市民税の納付", 2)]))
        let sensor = SensorState(config: sensorConfig)
        let h = LoopHarness(folder: folder, display: DisplayConfig(name: "entrance", profile: smallKiosk, output: .memory, fps: 10,
                                                                   transition: .fade(seconds: 1)),
                            at: jst(9, 0), sensor: sensor)
        _ = sensor.handle(.connected("/dev/ttyUSB0"))
        var t = 0.0
        for _ in 0..<7 {
            _ = sensor.handle(reading(36.6, at: jst(9, 0, t)))
            t += 0.07
        }
        h.run(until: jst(9, 0, 2.5))
        let panelRows = Int(smallKiosk.temperaturePanel!.y)..<smallKiosk.height
        let fading = h.output.frames.suffix(4)
        #expect(fading.count == 4)
        for frame in fading {
            #expect(panelColour(frame) == PanelColour.normal)
            #expect(frame.rows(panelRows).differingFraction(from: fading.last!.rows(panelRows), tolerance: 0) == 0)
        }
    }
}

/// A thermometer the test speaks for.
final class ScriptedThermometer: Thermometer, Sendable {
    let stream: AsyncStream<ThermometerEvent>
    let continuation: AsyncStream<ThermometerEvent>.Continuation
    init() { (stream, continuation) = AsyncStream.makeStream() }
    func events() -> AsyncStream<ThermometerEvent> { stream }
    func send(_ event: ThermometerEvent) { continuation.yield(event) }
}

@Suite("Sensor service in the daemon")
struct SensorServiceTests {
    @Test func resultsAreCountedPerClassShownInStatusAndMetricsAndNoReadingLeavesThePanel() async throws {
        let folder = try PlaylistFolder()
        try folder.write("entrance.yaml", announcementPlaylist([("welcome", "ようこそ札幌市役所へ", 600)]))
        let clock = ManualClock(jst(9, 0))
        let entrance = DisplayConfig(name: "entrance", profile: smallKiosk, output: .memory)
        let sensor = SensorConfig(name: "entrance-thermometer", source: .gyMCU90614(device: "/dev/ttyUSB9", baud: 9600),
                                  displays: ["entrance"])
        let config = SiteConfig(site: "札幌市役所 本庁舎", playlistsDirectory: folder.path, stateDirectory: folder.path,
                                displays: [entrance], sensors: [sensor])
        let thermometer = ScriptedThermometer()
        let counted = Mutex<[String]>([])
        let capture = LogCapture()
        let logger = capture.logger
        let output = MemoryOutput(width: smallKiosk.width, height: smallKiosk.height)
        let daemon = Daemon(config: config, clock: clock, logger: logger, phraseModel: nil, clockNotBefore: jst(0, 0),
                            openOutput: { _ in { () throws(OutputError) -> FrameOutput in output } },
                            openThermometer: { _ in thermometer },
                            countScreening: { name, result, _ in counted.withLock { $0.append("\(name) \(result.className)") } })
        daemon.loadPlaylists()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: quietLogger))
        let running = Task { try await group.run() }

        #expect(await eventually { await daemon.status().sensors.first?.panel == "offline" })
        thermometer.send(.connected("/dev/ttyUSB9"))
        // The readings carry the daemon clock's time, as the real reader stamps them.
        for i in 0..<7 { thermometer.send(reading(36.4, at: jst(9, 0, 0.1 * Double(i)))) }
        clock.set(jst(9, 0, 0.7))
        #expect(await eventually { counted.withLock { $0 } == ["entrance-thermometer normal"] })
        #expect(await eventually { await daemon.screenshot(display: "entrance").map { panelColour($0) } == PanelColour.normal })
        for i in 0..<40 { thermometer.send(reading(22.0, at: jst(9, 0, 1 + 0.1 * Double(i)))) }
        for i in 0..<7 { thermometer.send(reading(38.2, at: jst(9, 0, 6 + 0.1 * Double(i)))) }
        thermometer.send(.errors(checksum: 3, skipped: 12))
        clock.set(jst(9, 0, 6.7))
        #expect(await eventually { counted.withLock { $0.count } == 2 })
        #expect(await eventually { await daemon.status().sensors.first?.checksumErrors == 3 })

        let status = try #require(await daemon.status().sensors.first)
        #expect(status.name == "entrance-thermometer" && status.kind == "gy-mcu90614" && status.connected)
        #expect(status.counts == ["normal": 1, "fever": 1, "retry": 0])
        #expect(status.checksumErrors == 3 && status.skippedBytes == 12 && status.panel == "result")
        let metrics = await daemon.metricsText()
        #expect(metrics.contains(#"oshirase_screenings_total{sensor="entrance-thermometer",class="normal"} 1"#))
        #expect(metrics.contains(#"oshirase_screenings_total{sensor="entrance-thermometer",class="fever"} 1"#))
        #expect(metrics.contains(#"oshirase_screenings_total{sensor="entrance-thermometer",class="retry"} 0"#))
        #expect(metrics.contains(#"oshirase_sensor_connected{sensor="entrance-thermometer"} 1"#))
        #expect(metrics.contains(#"oshirase_sensor_checksum_errors_total{sensor="entrance-thermometer"} 3"#))

        // Unplugged: offline at once, counted, logged without any value.
        thermometer.send(.disconnected("/dev/ttyUSB9: input/output error (EIO)"))
        #expect(await eventually { await daemon.status().sensors.first?.panel == "offline" })
        #expect(await eventually { await daemon.screenshot(display: "entrance").map { panelColour($0) } == PanelColour.offline })
        #expect(await eventually {
            await daemon.metricsText().contains(#"oshirase_sensor_disconnects_total{sensor="entrance-thermometer"} 1"#)
        })

        // Privacy: no reading in the sensors' status, their metrics or the log. (Not the displays'
        // status or render metrics: on a loaded machine a frame rate of 36.4 is no leak.)
        let json = String(decoding: try JSONEncoder().encode(await daemon.status().sensors), as: UTF8.self)
        let sensorMetrics = (await daemon.metricsText()).split(separator: "\n")
            .filter { $0.contains("sensor") || $0.contains("screening") }.joined(separator: "\n")
        let said = capture.lines.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n") + json + sensorMetrics
        for value in ["36.4", "38.2", "36,4", "38,2"] { #expect(!said.contains(value), "\(value) leaked") }
        #expect(said.contains("thermometer offline"))

        await group.triggerGracefulShutdown()
        try await running.value
    }
}
