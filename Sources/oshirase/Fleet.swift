import ArgumentParser
import Foundation
import Logging
import OshiraseAPI
import OshiraseConfig
import OshiraseCommandLine
import OshiraseCore
import OshiraseFleet
import OshiraseMQTT
import ServiceLifecycle
import Synchronization
import UnixSignals

// `oshirase fleet status` and `oshirase fleet serve` (docs/fleet.md): city hall's view of every
// box, read from the retained box topics on the brokers.

/// `oshirase fleet`: the boxes the brokers know.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "See every box on the fleet brokers: online or offline, what each display shows, alerts, receipts.",
        subcommands: [FleetStatus.self, FleetServe.self])
}

/// Where the brokers are and how city hall proves itself to them.
struct BrokerConnectionOptions: ParsableArguments {
    @Option(name: .customLong("broker"), parsing: .upToNextOption,
            help: ArgumentHelp("Fleet brokers: mqtts://HOST:8883 (mqtt:// on this machine only); each is read and the views merged.",
                               valueName: "URL"))
    var brokers: [String] = []

    @Option(help: ArgumentHelp("For mqtts:// brokers: the CA certificate (PEM) that signed theirs.", valueName: "FILE"))
    var cacert: String?

    @Option(help: ArgumentHelp("For mqtts:// brokers: city hall's client certificate (PEM).", valueName: "FILE"))
    var cert: String?

    @Option(name: .customLong("cert-key"), help: ArgumentHelp("The private key of --cert (PEM, without a pass phrase).", valueName: "FILE"))
    var certKey: String?

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Longest wait for a broker to answer.", valueName: "DURATION"))
    var connectTimeout = "10s"

    func validate() throws {
        _ = try settings()
    }

    /// For the commands that need a broker (`publish` takes none).
    func requireBroker() throws {
        if brokers.isEmpty { throw ValidationError("give at least one broker with --broker mqtts://HOST:8883") }
    }

    /// A watcher's client settings: every broker (one client each), city hall's TLS files, a clean session.
    func settings() throws -> MQTTSettings {
        let endpoints = try parseBrokerURLs(brokers)
        var settings = MQTTSettings(clientID: "oshirase-fleet-\(UInt64.random(in: 0...UInt64.max))", endpoints: endpoints)
        if let first = endpoints.first {
            settings.tls = try brokerTLSFiles(for: first, cacert: cacert, cert: cert, certKey: certKey)
        }
        settings.connectTimeout = try parseDuration(connectTimeout, option: "--connect-timeout", range: 0.1...300)
        settings.reconnectBase = .seconds(1)
        settings.reconnectCap = .seconds(10)
        settings.subscriptions = [MQTTSubscription(FleetTopic.allBoxes, qos: 0)]
        return settings
    }
}

/// A client on `oshirase/v1/box/#` on every broker (each on its poll thread of its own), keeping
/// each broker's directory; the fleet is their merge (`FleetDirectory.merged`).
final class FleetWatcher: Sendable {
    private final class Shared: Sendable {
        /// One directory per broker.
        let directories: Mutex<[FleetDirectory]>
        let progress = Mutex<(connected: Set<Int>, failed: [Int: String], lastRetained: ContinuousClock.Instant?)>(([], [:], nil))
        /// Each broker not connected now: since when and why.
        let down: Mutex<[Int: (since: Date, reason: String)]>
        init(brokers: Int) {
            directories = Mutex(Array(repeating: FleetDirectory(), count: brokers))
            let started = Date()
            down = Mutex(Dictionary(uniqueKeysWithValues: (0..<brokers).map { ($0, (since: started, reason: "not connected yet")) }))
        }
    }
    private let shared: Shared
    private let endpoints: [MQTTEndpoint]
    private let loops: [MQTTLoop]
    private let clients: [MQTTClient]

    init(settings: MQTTSettings) throws {
        let shared = Shared(brokers: settings.endpoints.count)
        self.shared = shared
        endpoints = settings.endpoints
        let loops = try settings.endpoints.map { _ in try MQTTLoop(name: "fleet-watch") }
        self.loops = loops
        clients = try settings.endpoints.enumerated().map { index, endpoint in
            var one = settings
            one.endpoints = [endpoint]
            one.clientID += "-\(index)"
            return try MQTTClient(settings: one, loop: loops[index]) { event in
                switch event {
                case .connected(let connection):
                    shared.progress.withLock { _ = $0.connected.insert(index); $0.lastRetained = .now }
                    // Connected but refused the subscription (its ACL): nothing of it is read.
                    let refused = connection.refusedSubscriptions
                    shared.down.withLock {
                        $0[index] = refused.isEmpty ? nil
                            : (Date(), "the broker refused the subscription to \(refused.joined(separator: ", ")) (check its ACL)")
                    }
                case .disconnected(let endpoint, let reason, _):
                    shared.progress.withLock { $0.failed[index] = "\(endpoint): \(reason)" }
                    shared.down.withLock { down in
                        // The first failure's time stays: since when it has been unread.
                        let since = down[index].map(\.since) ?? Date()
                        down[index] = (since, reason)
                    }
                case .message(let message):
                    shared.directories.withLock { _ = $0[index].take(topic: message.topic, payload: message.payload, at: Date()) }
                    // Live messages (thumbnails every few seconds from a large fleet) never pause:
                    // only the retained ones say whether the broker's copy is still coming.
                    if message.retained { shared.progress.withLock { $0.lastRetained = .now } }
                case .delivered, .notSent, .stopped:
                    break
                }
            }
        }
        clients.forEach { $0.start() }
    }

    var snapshot: FleetDirectory { FleetDirectory.merged(shared.directories.withLock { $0 }) }

    /// Each broker not connected now: `mqtts://b2:8883: connection refused (since 2026-12-07T09:00:00Z)`.
    var brokerProblems: [String] {
        shared.down.withLock { $0 }.sorted { $0.key < $1.key }.map { index, down in
            "\(endpoints[index]): \(down.reason) (since \(Instant.formatUTC(down.since)))"
        }
    }

    /// Waits until every broker has answered or failed and the retained messages have stopped
    /// coming (300 ms without a retained one), at most `timeout`; throws when no broker answered.
    func waitForRetained(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        let brokers = clients.count
        while ContinuousClock.now < deadline {
            let state = shared.progress.withLock { $0 }
            let settled = (0..<brokers).allSatisfy { state.connected.contains($0) || state.failed[$0] != nil }
            if settled, !state.connected.isEmpty, let last = state.lastRetained, ContinuousClock.now - last > .milliseconds(300) { return }
            usleep(20_000)
        }
        let state = shared.progress.withLock { $0 }
        guard !state.connected.isEmpty else {
            throw PushError("no broker answered within \(timeout)\(state.failed.values.sorted().first.map { " (\($0))" } ?? "")")
        }
    }

    func stop() {
        clients.forEach { $0.stop() }
        loops.forEach { $0.shutdown() }
    }
}

/// `oshirase fleet status`: one line (or one JSON object) per box.
struct FleetStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List every box: online or offline and since when, version, what each display shows, alerts, last receipt.")

    @OptionGroup var connection: BrokerConnectionOptions

    @Option(help: ArgumentHelp("text (default) or json.", valueName: "FORMAT"))
    var format = "text"

    func validate() throws {
        try connection.requireBroker()
        guard ["text", "json"].contains(format) else { throw ValidationError("--format '\(format)': use text or json") }
    }

    func run() throws {
        let settings = try connection.settings()
        let watcher = try FleetWatcher(settings: settings)
        defer { watcher.stop() }
        try watcher.waitForRetained(timeout: settings.connectTimeout + .seconds(5))
        for problem in watcher.brokerProblems { printError("oshirase: warning: not read: \(problem)") }
        let boxes = watcher.snapshot.sorted
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(boxes.map(\.summary))
            print(String(decoding: data, as: UTF8.self))
            return
        }
        guard !boxes.isEmpty else {
            print("no box has reported to the brokers yet")
            return
        }
        let zone = TimeZone.current
        let rows = boxes.map { box -> [String] in
            let summary = box.summary
            let since = box.since.map { Instant.format($0, in: zone) } ?? "-"
            let displays = summary.displays.map { display -> String in
                var text = "\(display.name): " + (display.powered ? display.items.sorted { $0.key < $1.key }.map(\.value).joined(separator: " / ") : "off")
                if let alert = display.alert { text += " [alert \(alert)]" }
                if let error = display.error { text += " [error: \(error)]" }
                return text
            }.joined(separator: "; ")
            let receipt = summary.lastReceipt.map { r in "\(r.identifier)\(r.display.map { " on \($0)" } ?? "") \(r.shown ?? r.received ?? "")" }
            return [box.id, summary.status, since, summary.version ?? "-", displays.isEmpty ? "-" : displays,
                    String(summary.alerts.count), receipt ?? "-"]
        }
        print(resultTable(header: ["BOX", "STATUS", "SINCE", "VERSION", "DISPLAYS", "ALERTS", "LAST RECEIPT"], rows: rows), terminator: "")
    }
}

/// `oshirase fleet serve`: the fleet page.
struct FleetServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the fleet page: every box with its displays' thumbnails, offline boxes first.")

    @OptionGroup var connection: BrokerConnectionOptions

    @Option(help: ArgumentHelp("Where the page listens, host:port (e.g. 127.0.0.1:8090).", valueName: "ADDR"))
    var listen: String

    func validate() throws {
        try connection.requireBroker()
        guard case .success = ValueParsers.listenAddress(listen) else {
            throw ValidationError("--listen '\(listen)' is not host:port, e.g. 127.0.0.1:8090")
        }
    }

    func run() async throws {
        guard case .success(let address) = ValueParsers.listenAddress(listen) else { throw ExitCode(64) }
        let logger = daemonLogger()
        let watcher = try FleetWatcher(settings: try connection.settings())
        defer { watcher.stop() }
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        let page = makeFleetPage(host: address.host, port: address.port, logger: logger, title: "お知らせ fleet",
                                 directory: { watcher.snapshot }, brokerProblems: { watcher.brokerProblems },
                                 onListening: { port in logger.notice("fleet page on http://\(host):\(port)/") })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [ServiceGroupConfiguration.ServiceConfiguration(service: page)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw PushError("the fleet page stopped: \(error)")
        }
    }
}
