import Foundation
import OshiraseSigning
import OshiraseTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fleet end to end: a real Mosquitto on loopback, real `oshirase run` daemons that dial out
/// to it, and `oshirase push --broker` / `cancel --broker` publishing signed alerts and reading
/// the boxes' receipts (docs/fleet.md).
///
/// Serialized: each test runs a broker and daemons, and their timeouts should not compete.
@Suite("the fleet broker", .serialized)
struct FleetCommandTests {
    // MARK: Helpers

    /// Starts `oshirase run` as fleet box `id` on `broker`, trusting `keys`, and waits until it
    /// is connected; the daemon and its API port.
    static func startBox(_ id: String, broker: MosquittoBroker, trusting keys: [String], in ws: Workspace) async throws
        -> (OshiraseProcess, Int) {
        let (daemon, port) = try await PushCommandTests.startDaemon(in: ws, trusting: keys, config: "\(id)/config.yaml", label: id, more: """
            fleet:
              brokers: [\(broker.url)]
              id: \(id)
              groups: [honcho]
              keepalive: 5s
            """)
        _ = try await poll("\(id) connected to the broker", timeout: .seconds(10), context: { daemon.stdout + daemon.stderr }) {
            (daemon.stdout + daemon.stderr).contains("connected to \(broker.url)") ? true : nil
        }
        return (daemon, port)
    }

    /// The value of one metric line of a box, e.g. `oshirase_fleet_alert_messages_total{outcome="refused"}`.
    static func metric(_ name: String, port: Int) throws -> Double {
        let text = try httpGet(port: port, "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Runs a Mosquitto command-line client (`mosquitto_pub`, `mosquitto_sub`); its stdout.
    @discardableResult
    static func mosquittoClient(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.runTiedToTestProcess()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Tests

    @Test func aPushThroughTheBrokerReachesEveryBoxAndEachSaysWhenItWasOnScreen() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let (box1, port1) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        let (box2, port2) = try await Self.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        defer { box1.stop(); box2.stop() }

        let push = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
             "--title", "避難指示", "--body", "豊平川の水位が上がっています。", "--severity", "Extreme", "--expires", "1h",
             "--sender", "bousai@city.sapporo.jp", "--boxes", "box-1,box-2", "--wait", "10s"], in: ws)
        #expect(push.status == 0, "\(push)")
        let rows = push.stdoutLines.filter { $0.hasPrefix("box-") }
        #expect(rows.count == 2, "\(push.stdout)")
        for row in rows {
            #expect(row.contains("lobby ") && row.hasSuffix("active"), "a box did not say it showed the alert: \(row)")
        }
        let identifier = try #require(push.stdoutLines.first?.split(separator: " ").dropFirst().first.map(String.init))
        for port in [port1, port2] {
            #expect(try PushCommandTests.listedAlerts(port: port).contains { $0.identifier == identifier && $0.state == "active" })
        }

        // The broker lets anyone publish here; without city hall's key nothing changes on screen.
        _ = try PushCommandTests.keygen("stranger", in: ws)
        try ws.write("forged.xml", String(decoding: capMessage(identifier: "forged-1"), as: UTF8.self))
        let forged = try #require(FileManager.default.contents(atPath: ws.path("forged.xml")))
        let strangerKey = try KeyFiles.loadSigningKey(path: ws.path("stranger.key"))
        let signedByStranger = PushEnvelope.payload(
            body: Array(forged), headers: try PushEnvelope.sign(body: Array(forged), key: strangerKey, timestamp: Int64(Date().timeIntervalSince1970)))
        try Data(signedByStranger).write(to: URL(fileURLWithPath: ws.path("stranger.payload")))
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-t", "oshirase/v1/alerts/bousai@city.sapporo.jp/forged-1",
                                                   "-f", ws.path("stranger.payload")])
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-t", "oshirase/v1/alerts/bousai@city.sapporo.jp/forged-2",
                                                   "-f", ws.path("forged.xml")])
        for port in [port1, port2] {
            _ = try await poll("both forgeries refused", timeout: .seconds(10)) {
                try Self.metric("oshirase_fleet_alert_messages_total{outcome=\"refused\"}", port: port) == 2 ? true : nil
            }
            #expect(try PushCommandTests.listedAlerts(port: port).map(\.identifier) == [identifier])
        }
        #expect(box1.stdout.contains("broker message 401 unknown-key") || box1.stdout.contains("broker message 401"), "\(box1.stdout)")
    }

    @Test func aBoxAwayWhileAnAlertItsUpdateAndACancelArePublishedEndsInTheRightState() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let (box1, port1) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        var (box2, _) = try await Self.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        defer { box1.stop(); box2.stop() }
        box2.stop()
        let offline = try Self.mosquittoClient("mosquitto_sub", ["-p", "\(broker.port)", "-t", "oshirase/v1/box/box-2/status", "-C", "1", "-W", "5"])
        #expect(offline.contains("\"state\":\"offline\""), "the stopped box's will: \(offline)")

        let sent = Date().addingTimeInterval(-5)
        let sentText = capDateTime(sent)
        func write(_ name: String, _ message: [UInt8]) throws { try ws.write(name, String(decoding: message, as: UTF8.self)) }
        try write("alert.xml", capMessage(identifier: "JP-2026-001", sent: sent))
        try write("update.xml", capMessage(identifier: "JP-2026-002", msgType: "Update", references: "bousai@city.sapporo.jp,JP-2026-001,\(sentText)",
                                           headline: "緊急安全確保（範囲拡大）南区・清田区", sent: sent))
        try write("other.xml", capMessage(identifier: "JP-2026-003", headline: "大雪警報", sent: sent))
        for file in ["alert.xml", "update.xml", "other.xml"] {
            let push = try PushCommandTests.oshirase(["push", file, "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
                                                      "--boxes", "box-1", "--wait", "5s"], in: ws)
            #expect(push.status == 0, "\(push)")
        }
        let cancel = try PushCommandTests.oshirase(["cancel", "--id", "JP-2026-002", "--sender", "bousai@city.sapporo.jp", "--sent", sentText,
                                                    "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
                                                    "--boxes", "box-1", "--wait", "5s"], in: ws)
        #expect(cancel.status == 0, "\(cancel)")
        #expect(cancel.stdoutLines.contains { $0.hasPrefix("box-1") && $0.hasSuffix("cancelled") }, "\(cancel.stdout)")
        let onBox1 = try PushCommandTests.listedAlerts(port: port1).map(\.identifier)
        #expect(onBox1 == ["JP-2026-003"], "box-1 lists \(onBox1)")

        // Back: its durable session holds what was published while it was away.
        let port2: Int
        (box2, port2) = try await Self.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        _ = try await poll("box-2 caught up", timeout: .seconds(10)) {
            try PushCommandTests.listedAlerts(port: port2).map(\.identifier) == ["JP-2026-003"] ? true : nil
        }
        #expect(box2.stdout.contains("the broker kept this box's session"), "\(box2.stdout)")
    }

    @Test func aReplayOfAnExpiredSignedAlertShowsNothing() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let (box, port) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        defer { box.stop() }
        // Signed by city hall yesterday, expired an hour later: a recording replayed today.
        let yesterday = Date().addingTimeInterval(-86_400)
        let body = capMessage(identifier: "JP-2026-OLD", sent: yesterday, expiresAfter: 3600)
        let key = try KeyFiles.loadSigningKey(path: ws.path("cityhall.key"))
        let payload = PushEnvelope.payload(body: body, headers: try PushEnvelope.sign(body: body, key: key,
                                                                                    timestamp: Int64(yesterday.timeIntervalSince1970)))
        try Data(payload).write(to: URL(fileURLWithPath: ws.path("old.payload")))
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "oshirase/v1/alerts/bousai@city.sapporo.jp/JP-2026-OLD",
                                                   "-f", ws.path("old.payload")])
        _ = try await poll("the replay refused", timeout: .seconds(10)) {
            try Self.metric("oshirase_fleet_alert_messages_total{outcome=\"refused\"}", port: port) == 1 ? true : nil
        }
        #expect(try PushCommandTests.listedAlerts(port: port).isEmpty)
        #expect(box.stdout.contains("expired"), "\(box.stdout)")
    }
}
