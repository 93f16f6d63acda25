package import Foundation
import OshiraseMQTT
import Synchronization

/// A Mosquitto broker of the test's own on a free loopback port, with a config the test writes:
/// started tied to the test process (it dies with it), stopped by `stop()` or `kill()`.
package final class MosquittoBroker: @unchecked Sendable {
    package static let executable = "/usr/sbin/mosquitto"

    /// The folder holding the config, the log and the persistence file.
    package let directory: URL
    /// The listener's address (127.0.0.1 unless given) and port.
    package let host: String
    package private(set) var port: Int
    /// Config lines for the listener: its TLS files, ACL (``FleetCertificates/brokerConfig(boxGroups:)``).
    private let tls: String?
    private let persistence: Bool
    private let maxQueuedMessages: Int?
    private var process: Process?

    /// `mqtt://127.0.0.1:PORT`, or `mqtts://127.0.0.1:PORT` with TLS.
    package var url: String { "\(tls == nil ? "mqtt" : "mqtts")://\(host):\(port)" }

    /// Writes the config; `start()` runs the broker. With `persistence`, retained messages and
    /// sessions are saved after every change, so they survive `kill -9`. With `tls` (the lines
    /// `FleetCertificates.brokerConfig` writes), the listener takes only TLS clients with a
    /// certificate, and its ACL applies. `maxQueuedMessages` as docs/fleet.md sizes it for a
    /// fleet (Mosquitto's default, 1000, when nil).
    package init(persistence: Bool = false, tls: String? = nil, host: String = "127.0.0.1", port: Int? = nil,
                 maxQueuedMessages: Int? = nil) throws {
        self.host = host
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.port = try port ?? freeLoopbackPort()
        self.tls = tls
        self.persistence = persistence
        self.maxQueuedMessages = maxQueuedMessages
        try config.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    deinit {
        if let process, process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    private var config: String {
        var lines = [
            "listener \(port) \(host)",
            tls ?? "",
            "allow_anonymous \(tls == nil)",
            "log_dest file \(directory.path)/mosquitto.log",
            "log_type error", "log_type warning", "log_type notice", "log_type information",
            "connection_messages true",
        ]
        // Run as root, Mosquitto would switch to the user mosquitto, which cannot write here.
        if getuid() == 0 { lines.append("user root") }
        if let maxQueuedMessages { lines.append("max_queued_messages \(maxQueuedMessages)") }
        if persistence {
            lines += ["persistence true", "persistence_location \(directory.path)/",
                      "autosave_on_changes true", "autosave_interval 1"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Listens on `port` from the next `start()` on (the broker must be stopped): its clients,
    /// which know the old port, cannot reach it meanwhile.
    package func move(to port: Int) throws {
        self.port = port
        try config.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    /// Starts the broker and waits (at most 10 s) until its listener answers.
    package func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.runTiedToTestProcess()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while !tcpPortAnswers(host, port) {
            guard process.isRunning else { throw LoopbackPortError("mosquitto exited at start:\n\(log)") }
            guard Date() < deadline else { throw LoopbackPortError("mosquitto did not listen on \(port) within 10 s:\n\(log)") }
            usleep(20_000)
        }
    }

    /// Ends the broker with SIGKILL, as a crash or a power cut would, and waits for it.
    package func kill() { signal(SIGKILL) }

    /// Waits until the broker's persistence file holds `text` (a topic, a payload): the broker
    /// acknowledges a message before it saves it, so a kill right after the acknowledgement may
    /// come first.
    package func waitUntilSaved(_ text: String, timeout: Duration = .seconds(10)) async throws {
        let needle = Data(text.utf8)
        let file = directory.appendingPathComponent("mosquitto.db")
        let deadline = ContinuousClock.now + timeout
        while (try? Data(contentsOf: file))?.range(of: needle) == nil {
            guard ContinuousClock.now < deadline else { throw LoopbackPortError("the broker did not save '\(text)' within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Ends the broker with SIGTERM, as systemd does (it saves its database), and waits for it;
    /// SIGKILL after 5 s (a child of the test process may have inherited SIGTERM blocked).
    package func stop() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        signal(SIGKILL)
    }

    private func signal(_ number: Int32) {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, number)
        process.waitUntilExit()
    }

    /// The broker's log so far, for failure messages.
    package var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? "(no log)"
    }
}

extension MosquittoBroker {
    /// The retained messages under `filter`, by topic: what a client subscribing now gets first.
    /// (Not `mosquitto_sub -W`: its timeout is a signal the test process's children may have
    /// blocked.)
    package func retained(_ filter: String, timeout: Duration = .seconds(5)) async throws -> [String: [UInt8]] {
        let loop = try MQTTLoop(name: "test-retained")
        defer { loop.shutdown() }
        let found = Mutex<(connected: Bool, messages: [String: [UInt8]], last: ContinuousClock.Instant)>((false, [:], .now))
        let client = try MQTTClient(settings: {
            var settings = MQTTSettings(clientID: "test-\(UUID().uuidString.prefix(8))", endpoints: [try MQTTEndpoint.parse(url)])
            settings.subscriptions = [MQTTSubscription(filter, qos: 0)]
            return settings
        }(), loop: loop) { event in
            switch event {
            case .connected: found.withLock { $0.connected = true; $0.last = .now }
            case .message(let message) where message.retained:
                found.withLock { $0.messages[message.topic] = message.payload; $0.last = .now }
            default: break
            }
        }
        client.start()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let state = found.withLock { $0 }
            if state.connected && ContinuousClock.now - state.last > .milliseconds(300) { return state.messages }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LoopbackPortError("no answer from the broker on \(port) within \(timeout)")
    }
}
