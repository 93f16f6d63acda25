import Foundation
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import ServiceLifecycle
import Synchronization
import Testing

/// The whole sensor path under a bad line: the simulator writes GY-MCU90614 frames with 10 % of
/// their bytes damaged into a pseudo-terminal, unplugs it now and then, and the daemon's serial
/// reader, screening and kiosk loop must never show a value no visitor had, and must come back
/// after every unplug.
@Suite("Sensor faults end to end", .timeLimit(.minutes(5)))
struct SensorFaultTests {
    @Test func tenThousandFramesWithATenthOfTheirBytesDamagedShowNoWrongValueAndSurviveEveryUnplug() async throws {
        let temperatures = [36.1, 36.4, 36.8, 37.2, 37.6, 38.3, 35.9, 36.6]
        var steps: [SensorScenario.Step] = [.empty(seconds: 0.05)]
        var visitors = 0
        for block in 0..<5 {
            for i in 0..<36 {
                steps.append(.visitor(celsius: temperatures[(block * 36 + i) % temperatures.count], stand: 0.03))
                steps.append(.empty(seconds: 0.02))
                visitors += 1
            }
            if block < 4 { steps.append(.disconnect(seconds: 0.3)) }
        }
        let scenario = SensorScenario(name: "悪い回線 / a bad line", rate: 1000, corruption: 0.1, seed: 7, steps: steps)
        let frames = ScenarioPerformer(scenario).reduce(0) { count, action in
            if case .frame = action.action { return count + 1 } else { return count }
        }
        #expect(frames >= 10_000)
        // The one-byte checksum lets some damaged frames through (about 1 in 256 of those with
        // two or more bad bytes): decoding the very bytes written finds readings no visitor had.
        // They reach the screening, so what is tested below is that none of them reaches the screen.
        var decoder = GYMCU90614Decoder()
        var wrongReadings = 0
        for action in ScenarioPerformer(scenario) {
            switch action.action {
            case .frame(let object, _, let bytes, let corrupted):
                for frame in decoder.feed(bytes) where corrupted && frame.object != object { wrongReadings += 1 }
            case .bytes(let bytes):
                _ = decoder.feed(bytes)
            case .unplug, .replug:
                decoder = GYMCU90614Decoder()
            }
        }
        // Seed 7 is chosen for this: 3 wrong readings, 2 of them within 0.3 ℃ of the truth.
        #expect(wrongReadings >= 2, "the stream should carry readings the checksum cannot catch")

        let folder = try PlaylistFolder()
        try folder.write("entrance.yaml", announcementPlaylist([("welcome", "ようこそ札幌市役所へ", 600)]))
        let sensor = SensorConfig(name: "entrance-thermometer", source: .simulated(scenario: nil, seed: 1), displays: ["entrance"])
        let config = SiteConfig(site: "札幌市役所 本庁舎", playlistsDirectory: folder.path, stateDirectory: folder.path,
                                displays: [DisplayConfig(name: "entrance", profile: smallKiosk, output: .memory)], sensors: [sensor])

        struct Log {
            var written: [(object: Double, corrupted: Bool)] = []
            var plugs: [(unplugged: Bool, at: Double)] = []
            /// Each result with the unplugs the daemon had seen when it came: which stretch of
            /// line it belongs to, whatever the machine's load did to the timing.
            var results: [(result: ScreeningResult, unplugsSeen: Int)] = []
            var done = false
        }
        let log = Mutex(Log())
        let sensorState = Mutex<SensorState?>(nil)
        let total = frames
        let output = MemoryOutput(width: smallKiosk.width, height: smallKiosk.height)
        let daemon = Daemon(
            config: config, logger: quietLogger, phraseModel: nil,
            openOutput: { _ in { () throws(OutputError) -> FrameOutput in output } },
            openThermometer: { _ in
                SimulatedThermometer(scenario: scenario, observer: { event in
                    log.withLock { log in
                        switch event {
                        case .frame(let object, _, let corrupted, _):
                            log.written.append((object, corrupted))
                            if log.written.count == total { log.done = true }
                        case .unplugged: log.plugs.append((true, monotonicSeconds()))
                        case .replugged: log.plugs.append((false, monotonicSeconds()))
                        case .garbage: break
                        }
                    }
                })
            },
            onScreeningResult: { _, result in
                let seen = sensorState.withLock { $0 }?.status(at: Date()).disconnects ?? 0
                log.withLock { $0.results.append((result, seen)) }
            })
        sensorState.withLock { $0 = daemon.sensors.first?.state }
        daemon.loadPlaylists()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: quietLogger))
        let running = Task { try await group.run() }
        #expect(await eventually { log.withLock { $0.done } })
        // Once the line has been quiet for 3 s the panel is offline: by then the reader has
        // delivered every frame written, and the last visitor's result is in.
        #expect(await eventually { await daemon.status().sensors.first?.panel == "offline" })
        let status = await daemon.status().sensors.first
        await group.triggerGracefulShutdown()
        try await running.value

        let final = log.withLock { $0 }
        let damaged = final.written.filter(\.corrupted).count
        #expect(Double(damaged) / Double(final.written.count) > 0.5, "about 1 - 0.9^9 = 61 % of frames have a damaged byte")

        // Zero wrong values: every number shown is a temperature a visitor had, sent in an intact frame.
        let intact = Set(final.written.filter { !$0.corrupted }.map(\.object))
        var shown = 0
        for (result, _) in final.results {
            switch result {
            case .normal(let c), .fever(let c):
                shown += 1
                #expect(temperatures.contains(c) && intact.contains(c), "\(c) ℃ was shown but no visitor had it")
            case .retry:
                break
            }
        }
        #expect(shown >= visitors / 2, "\(shown) of \(visitors) visitors got a result through the noise")

        // Every unplug is noticed and followed by readings and results again.
        let unplugs = final.plugs.filter(\.unplugged).map(\.at)
        let replugs = final.plugs.filter { !$0.unplugged }.map(\.at)
        #expect(unplugs.count == 4 && replugs.count == 4)
        // Results after each of them: counted by the unplugs the daemon had handled when each
        // result came, not by the clock (under load a result read before an unplug can be
        // screened after the simulator has moved on).
        for replug in 1...4 {
            #expect(final.results.contains { $0.unplugsSeen == replug }, "no result after replug \(replug)")
        }
        #expect(status?.disconnects == 4 && status?.connected == true)
        #expect((status?.checksumErrors ?? 0) > 1000)
    }
}
