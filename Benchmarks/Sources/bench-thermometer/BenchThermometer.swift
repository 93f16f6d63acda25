import ArgumentParser
import BenchSupport
import Foundation
import Logging
import OshiraseCore
import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import ServiceLifecycle
import Synchronization

/// `scripts/bench-thermometer`: the time from the frame that completes a visitor's reading being
/// written into the simulator's pseudo-terminal to the frame with that visitor's result being
/// presented, through the whole daemon path: serial reader, screening, display loop, renderer,
/// output. One `dsign-clean` kiosk on a memory output plays the sample playlists meanwhile.
@main
struct BenchThermometer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-thermometer", abstract: "Measure thermometer-to-screen latency (for scripts/bench-thermometer).")

    @Option(help: "Simulated visitors.") var visitors = 500
    @Option(help: "Frames per second the simulated module sends.") var rate = 100.0
    @Option(help: "The playlists folder the kiosk plays meanwhile.") var playlists = "playlists"
    @Option(help: "Write the figures as JSON here too.") var json: String?

    func run() async throws {
        guard visitors >= 1, visitors <= 100_000 else { throw ValidationError("--visitors must be from 1 to 100000") }
        guard (14...1000).contains(rate) else { throw ValidationError("--rate must be from 14 to 1000 frames per second") }
        // Visitors alternate green and red results, with the panel back to idle in between, so
        // each result is a colour change the probe output can see.
        var steps: [SensorScenario.Step] = [.empty(seconds: 1)]
        for i in 0..<visitors {
            let celsius = i % 2 == 0 ? 36.2 + Double(i % 7) * 0.1 : 37.6 + Double(i % 5) * 0.2
            steps.append(.visitor(celsius: celsius, stand: 14 / rate + 0.03, ambient: nil, unstable: false))
            steps.append(.empty(seconds: 0.3))
        }
        let scenario = SensorScenario(name: "bench", rate: rate, steps: steps)
        let policy = ScreeningPolicy(resultHold: 0.2)

        let state = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let kiosk = DisplayProfile.dsignClean
        let sensor = SensorConfig(name: "bench", source: .simulated(scenario: nil, seed: 1), displays: ["entrance"], policy: policy)
        let config = SiteConfig(site: "札幌市役所 本庁舎", playlistsDirectory: URL(fileURLWithPath: playlists).standardized.path,
                                stateDirectory: state,
                                displays: [DisplayConfig(name: "entrance", profile: kiosk, output: .memory)], sensors: [sensor])

        let written = Mutex<[(object: Double, ambient: Double, at: Double)]>([])
        // The panel's result area, just below its label band: green for normal, red for fever.
        let panel = kiosk.temperaturePanel ?? kiosk.bounds
        let probe = ColourProbe(width: kiosk.width, height: kiosk.height, x: 3,
                                y: Int(panel.y + (panel.height * 0.16).rounded()) + 3,
                                wanted: { $0 == 0x1B7F3B || $0 == 0xB00020 })
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let daemon = Daemon(config: config, logger: logger, phraseModel: benchPhraseModel(),
                            openOutput: { _ in { () throws(OutputError) -> FrameOutput in probe } },
                            openThermometer: { _ in
                                SimulatedThermometer(scenario: scenario, observer: { event in
                                    if case .frame(let object, let ambient, let corrupted, let at) = event, !corrupted {
                                        written.withLock { $0.append((object, ambient, at)) }
                                    }
                                })
                            })
        daemon.loadPlaylists()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: logger))
        let started = Date()
        let running = Task { try await group.run() }
        var lastProgress = Date()
        // Each visitor takes about a second of simulated time; give up well after that.
        let giveUp = Date().addingTimeInterval(30 + Double(visitors) * 3)
        while probe.appearances.count < visitors && Date() < giveUp {
            try await Task.sleep(for: .milliseconds(100))
            if Date().timeIntervalSince(lastProgress) >= 10 {
                lastProgress = Date()
                progress(String(format: "bench-thermometer: %d of %d results presented after %.0f s", probe.appearances.count, visitors,
                                  Date().timeIntervalSince(started)))
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        await group.triggerGracefulShutdown()
        try await running.value

        // Which written frame completed each visitor's result: the same state machine, replayed
        // over the valid frames in the order they were written.
        var replay = Screening(policy: policy)
        var decisive: [Double] = []
        for frame in written.withLock({ $0 }) {
            let reading = ThermometerReading(object: frame.object, ambient: frame.ambient, time: Date(timeIntervalSince1970: frame.at))
            if replay.take(reading) != nil { decisive.append(frame.at) }
        }
        let shown = probe.appearances
        guard decisive.count == visitors, shown.count == visitors else {
            throw ValidationError("expected \(visitors) results; the replay found \(decisive.count), the screen showed \(shown.count)")
        }
        var latencies = zip(decisive, shown).map { ($1 - $0) * 1000 }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)] }
        let p50 = percentile(0.5), p99 = percentile(0.99), worst = latencies.last ?? 0
        print(String(format: "thermometer_to_screen_ms p50=%.2f p99=%.2f max=%.2f visitors=%d frames_presented=%d (target p99 <= 100)",
                     p50, p99, worst, visitors, probe.presented))
        if let json {
            let text = String(format: #"{"visitors":%d,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"frames_presented":%d}"#,
                              visitors, p50, p99, worst, probe.presented) + "\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: json))
        }
    }
}
