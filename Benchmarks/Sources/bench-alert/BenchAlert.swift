import ArgumentParser
import BenchSupport
import Foundation
import Logging
import OshiraseAPI
import OshiraseCore
import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseSigning
import OshiraseStore
import ServiceLifecycle
import Synchronization

/// `scripts/bench-alert`: how fast a signed push reaches the screen, and whether a flood of
/// forged pushes disturbs the frame rate or a valid push.
///
/// One 1920×1080 display at 60 fps on a memory output scrolls a full-screen ticker all the time
/// (so every frame is due); the API listens on 127.0.0.1. Each measured push is a Minor alert
/// (a yellow band at the foot of the screen) followed by its Cancel: the latency is from
/// sending the POST to presenting the first frame with the band. During the flood, the frame
/// rate is measured over its first half (no valid pushes), valid pushes over its second half.
@main
struct BenchAlert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-alert", abstract: "Measure push-to-screen latency and flood resistance (for scripts/bench-alert).")

    @Option(help: "Pushes measured without load.") var pushes = 1000
    @Option(help: "Seconds of forged pushes.") var flood = 10.0
    @Option(name: .customLong("flood-clients"), help: "Clients sending forged pushes at once (the issue's figure: 1).")
    var floodClients = 1
    @Option(help: "Write the figures as JSON here too.") var json: String?

    func run() async throws {
        guard (1...100_000).contains(pushes), (1...600).contains(flood), (1...64).contains(floodClients) else {
            throw ValidationError("--pushes must be 1…100000, --flood 1…600 seconds and --flood-clients 1…64")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-bench-alert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/playlists", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("""
            name: 札幌市役所 本庁舎1階ロビー
            layout: full
            items:
              - id: snow
                duration: 1h
                ticker: 本日は大雪のため市バスに遅れが出ています。お出かけの際は最新の運行情報をご確認ください。
            """.utf8).write(to: URL(fileURLWithPath: folder + "/playlists/lobby.yaml"))

        let key = try SigningKey.generate(keyID: "bench")
        let port = try LoopbackHTTP.freePort()
        // The foot of the screen: the alert's yellow band (level 2) while it shows.
        let probe = ColourProbe(width: 1920, height: 1080, x: 3, y: 1080 - 4, wanted: { $0 == 0xF2E700 })
        let config = SiteConfig(
            site: "札幌市役所 本庁舎", playlistsDirectory: folder + "/playlists", stateDirectory: folder + "/state",
            displays: [DisplayConfig(name: "lobby", profile: .lcd1080p, output: .memory, fps: 60)],
            api: APIConfig(host: "127.0.0.1", port: port),
            alerts: AlertsConfig(keys: [PublicKeyLine(id: "bench", publicKey: key.trustedKey.publicKeyBytes)]))
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let store = try StateStore(directory: folder + "/state")
        let daemon = Daemon(config: config, logger: logger, phraseModel: benchPhraseModel(),
                            openOutput: { _ in { () throws(OutputError) -> FrameOutput in probe } }, store: store)
        daemon.loadPlaylists()
        let api = makeAPI(inspecting: daemon, config: config.api, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + [ServiceGroupConfiguration.ServiceConfiguration(service: api)],
            logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        // Wait for the API and the first frames.
        for _ in 0..<200 where (try? LoopbackHTTP.request(port: port, "GET", "/v1/status").status) != 200 {
            try await Task.sleep(for: .milliseconds(25))
        }
        try await Task.sleep(for: .milliseconds(300))

        var counter = 0
        /// One alert and its cancel; the latency of the alert, in ms.
        func measuredPush() throws -> Double {
            counter += 1
            let alert = BenchCAP.minor(identifier: "bench-\(counter)", sent: Date())
            let shownBefore = probe.appearances.count
            let started = monotonicSeconds()
            let answer = try LoopbackHTTP.request(port: port, "POST", "/v1/alerts", headers: try sign(alert), body: alert)
            guard answer.status == 202 else { throw ValidationError("push answered \(answer.status): \(answer.text)") }
            let presented = try probe.waitForAppearance(after: shownBefore, timeout: 5)
            let cancel = BenchCAP.cancel(identifier: "bench-\(counter)-cancel", of: alert, sent: Date())
            let cancelled = try LoopbackHTTP.request(port: port, "POST", "/v1/alerts", headers: try sign(cancel), body: cancel)
            guard cancelled.status == 202 else { throw ValidationError("cancel answered \(cancelled.status): \(cancelled.text)") }
            try probe.waitUntilGone(timeout: 5)
            return (presented - started) * 1000
        }
        func sign(_ body: [UInt8]) throws -> [String: String] {
            try PushEnvelope.sign(body: body, key: key, timestamp: Int64(Date().timeIntervalSince1970)).httpHeaders
        }

        // (a) Latency without load.
        var quiet: [Double] = []
        for i in 0..<pushes {
            quiet.append(try measuredPush())
            if (i + 1) % 200 == 0 { progress("bench-alert: \(i + 1) of \(pushes) pushes") }
        }

        // (b) A flood of forged pushes from one client, as fast as it goes.
        let stop = Atomic<Bool>(false)
        let forged = Atomic<Int>(0)
        let forgedBody = BenchCAP.minor(identifier: "forged", sent: Date())
        var forgedHeaders = try sign(forgedBody)
        forgedHeaders["Oshirase-Signature"] = Data(repeating: 7, count: 64).base64EncodedString()
        let headers = forgedHeaders
        for _ in 0..<floodClients {
            let flooder = Thread {
                while !stop.load(ordering: .relaxed) {
                    if (try? LoopbackHTTP.request(port: port, "POST", "/v1/alerts", headers: headers, body: forgedBody))?.status == 401 {
                        forged.add(1, ordering: .relaxed)
                    }
                }
            }
            flooder.start()
        }
        // First half: the frame rate alone (a valid push wakes the display for an extra frame,
        // which would flatter the count). Second half: valid pushes through the flood.
        let t0 = monotonicSeconds(), frames0 = probe.presented
        try await Task.sleep(for: .seconds(flood / 2))
        let frames1 = probe.presented, t1 = monotonicSeconds()
        var flooded: [Double] = []
        while monotonicSeconds() - t0 < flood {
            flooded.append(try measuredPush())
            try await Task.sleep(for: .milliseconds(50))
        }
        let t2 = monotonicSeconds()
        stop.store(true, ordering: .relaxed)
        let rate = Double(frames1 - frames0) / (t1 - t0)
        let forgedRate = Double(forged.load(ordering: .relaxed)) / (t2 - t0)

        await group.triggerGracefulShutdown()
        _ = try? await running.value

        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
        }
        let line1 = String(format: "push_to_screen_ms p50=%.2f p99=%.2f max=%.2f pushes=%d (target p50 <= 20, p99 <= 50)",
                           percentile(quiet, 0.5), percentile(quiet, 0.99), quiet.max() ?? 0, quiet.count)
        let line2 = String(format: "flood clients=\(floodClients) forged_per_s=%.0f frame_rate=%.1f of 60 (%.1f %%, target >= 95) valid_push_ms p50=%.2f p99=%.2f pushes=%d (target p99 <= 50)",
                           forgedRate, rate, rate / 60 * 100, percentile(flooded, 0.5), percentile(flooded, 0.99), flooded.count)
        print(line1)
        print(line2)
        if let json {
            let text = String(format: #"{"p50_ms":%.3f,"p99_ms":%.3f,"forged_per_s":%.1f,"frame_rate":%.2f,"flood_p50_ms":%.3f,"flood_p99_ms":%.3f}"#,
                              percentile(quiet, 0.5), percentile(quiet, 0.99), forgedRate, rate,
                              percentile(flooded, 0.5), percentile(flooded, 0.99)) + "\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: json))
        }
    }
}

/// The CAP documents the benchmark sends.
enum BenchCAP {
    /// CAP's date-time (an offset, never `Z`), in the city's zone.
    static func time(_ date: Date) -> String { Instant.format(date, in: .tokyo) }

    static func minor(identifier: String, sent: Date) -> [UInt8] {
        Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>\(identifier)</identifier><sender>bousai@city.sapporo.jp</sender><sent>\(time(sent))</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><language>ja-JP</language><category>Met</category><event>大雪</event><urgency>Expected</urgency><severity>Minor</severity><certainty>Likely</certainty><expires>\(time(sent.addingTimeInterval(3600)))</expires><headline>大雪注意報</headline></info></alert>
            """.utf8)
    }

    static func cancel(identifier: String, of original: [UInt8], sent: Date) -> [UInt8] {
        let text = String(decoding: original, as: UTF8.self)
        func value(_ tag: String) -> String {
            guard let open = text.range(of: "<\(tag)>"), let close = text.range(of: "</\(tag)>", range: open.upperBound..<text.endIndex) else { return "" }
            return String(text[open.upperBound..<close.lowerBound])
        }
        return Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>\(identifier)</identifier><sender>bousai@city.sapporo.jp</sender><sent>\(time(sent))</sent><status>Actual</status><msgType>Cancel</msgType><scope>Public</scope><references>\(value("sender")),\(value("identifier")),\(value("sent"))</references></alert>
            """.utf8)
    }
}
