import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseCommandLine
import OshiraseCore
import OshiraseFleet
import OshiraseMQTT
import OshiraseSigning
import Synchronization

/// `fleet-simulator`, a tool for `scripts/bench-fleet` built beside the product: thousands of
/// light boxes on one machine, each a real fleet client (the MQTT wrapper with a durable
/// session, its will and the alerts' subscription) that checks every alert with the box's own
/// verifier and CAP reader and answers with a receipt, as a box does. No renderer: what a box
/// draws is measured with real daemons.
@main
struct FleetSimulator: ParsableCommand {
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exitWithOneLine(for: error, program: "fleet-simulator")
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "fleet-simulator",
        abstract: "Run many light fleet boxes against a broker (for scripts/bench-fleet).",
        discussion: """
            Each box connects with the id PREFIX0001, PREFIX0002…, keeps a durable session, says \
            online (and offline as its will), and answers each alert it can verify with a \
            receipt on its receipt topic. Prints a line each time the number of connected boxes \
            changes by a tenth, and runs until it is stopped (SIGTERM or SIGINT).
            """)

    @Option(name: .customLong("broker"), parsing: .upToNextOption, help: ArgumentHelp("mqtt://127.0.0.1:PORT …", valueName: "URL"))
    var brokers: [String] = []

    @Option(help: "How many boxes.")
    var boxes = 2000

    @Option(help: "The first part of every box id.")
    var prefix = "light-"

    @Option(name: .customLong("key"), help: ArgumentHelp("A trusted public key file (NAME.pub); repeatable.", valueName: "FILE"))
    var keys: [String] = []

    @Option(help: "Poll threads the boxes share.")
    var loops = 4

    @Option(help: "Seconds between keepalive pings.")
    var keepalive = 30

    func validate() throws {
        guard (1...100_000).contains(boxes) else { throw ValidationError("--boxes must be from 1 to 100000") }
        guard (1...64).contains(loops) else { throw ValidationError("--loops must be from 1 to 64") }
        guard !brokers.isEmpty, !keys.isEmpty else { throw ValidationError("give --broker and --key") }
    }

    func run() throws {
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        let endpoints = try brokers.map { text in
            do { return try MQTTEndpoint.parse(text) } catch { throw ValidationError("--broker \(error)") }
        }
        let trusted = try keys.map { try KeyFiles.loadTrustedKey(path: $0) }
        // The box's feed rule: any age (the CAP times decide), no replay memory.
        let verifier = PushVerifier(keys: trusted, maxSkew: 30 * 86_400, replayMemory: nil)
        let pool = try (0..<loops).map { try MQTTLoop(name: "light-\($0)") }
        let connected = ConnectedCount()
        var all: [LightBox] = []
        for index in 1...boxes {
            let id = prefix + String(format: "%04d", index)
            let box = LightBox(id: id, verifier: verifier, connected: connected)
            var settings = MQTTSettings(clientID: id, endpoints: endpoints)
            settings.keepalive = keepalive
            settings.sessionExpiry = 7 * 86_400
            settings.subscriptions = [MQTTSubscription(FleetTopic.allAlerts)]
            settings.will = MQTTOutgoing(topic: FleetTopic.status(box: id), payload: box.statusDocument(.offline), qos: 1, retain: true)
            box.client = try MQTTClient(settings: settings, loop: pool[index % loops]) { [box] event in box.handle(event) }
            all.append(box)
        }
        for box in all { box.client?.start() }
        var reported = -1
        while true {
            let now = connected.value.load(ordering: .relaxed)
            if now != reported && (abs(now - reported) * 10 >= boxes || now == boxes || now == 0) {
                printError("fleet-simulator: \(now) of \(boxes) boxes connected")
                reported = now
            }
            usleep(200_000)
        }
    }
}

/// How many boxes are connected now.
final class ConnectedCount: Sendable {
    let value = Atomic<Int>(0)
}

/// One light box: the fleet client's part of a box, without screens.
final class LightBox: @unchecked Sendable {
    let id: String
    let verifier: PushVerifier
    let connected: ConnectedCount
    let boot = UUID().uuidString.lowercased()
    // Set before start; afterwards only the client's loop thread touches the rest.
    var client: MQTTClient?
    private var isConnected = false
    private var seen: Set<AlertIdentity> = []

    init(id: String, verifier: PushVerifier, connected: ConnectedCount) {
        self.id = id
        self.verifier = verifier
        self.connected = connected
    }

    func statusDocument(_ state: BoxStatus.State) -> [UInt8] {
        FleetJSON.encode(BoxStatus(box: id, state: state, boot: boot, version: OshiraseVersion.current, site: "simulated",
                                   since: state == .online ? Instant.formatUTC(Date()) : nil))
    }

    func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            if !isConnected {
                isConnected = true
                connected.value.add(1, ordering: .relaxed)
            }
            client?.publish(MQTTOutgoing(topic: FleetTopic.status(box: id), payload: statusDocument(.online), qos: 1, retain: true))
        case .disconnected:
            if isConnected {
                isConnected = false
                connected.value.subtract(1, ordering: .relaxed)
            }
        case .message(let message):
            take(message)
        case .delivered, .notSent, .stopped:
            break
        }
    }

    /// The box's checks, in its order: the envelope line, the signature by the feed rule, the
    /// CAP document, the topic; then a receipt for what is new.
    private func take(_ message: MQTTMessage) {
        guard !message.payload.isEmpty, case .success(let unwrapped) = PushEnvelope.unwrap(payload: message.payload),
              case .success = verifier.verify(headers: unwrapped.headers, body: Array(unwrapped.body), now: Date()),
              let alert = try? CAPParser.parse(Array(unwrapped.body)),
              message.topic == FleetTopic.alert(sender: alert.sender, identifier: alert.identifier) else { return }
        let identity = AlertIdentity(sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text)
        guard seen.insert(identity).inserted || !message.retained else { return }
        var receipt = AlertReceipt(box: id, sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text, received: Date())
        receipt.state = "active"
        client?.publish(MQTTOutgoing(topic: FleetTopic.receipt(box: id), payload: FleetJSON.encode(receipt), qos: 1))
    }
}
