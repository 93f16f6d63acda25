import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseCore
import OshiraseFleet
import OshiraseMQTT
import OshiraseSigning
import Synchronization

/// `fleet-simulator`, the load of `scripts/bench-fleet`: thousands of light boxes on one
/// machine, each a real fleet client (the MQTT wrapper with a durable session, its will and the
/// alerts' subscription) that checks every alert with the box's own verifier and CAP reader and
/// answers with a receipt, as a box does, and publishes a box's telemetry: its retained state on
/// connect, on a change and as a heartbeat, and a thumbnail of its one display. No renderer: what
/// a box draws is measured with real daemons.
@main
struct FleetSimulator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-simulator",
        abstract: "Run many light fleet boxes against a broker (for scripts/bench-fleet).",
        discussion: """
            Each box connects with the id PREFIX0001, PREFIX0002…, keeps a durable session, says \
            online (and offline as its will), answers each alert it can verify with a receipt on \
            its receipt topic, and publishes its state and a thumbnail as a box does (retained). \
            Prints a line each time the number of connected boxes changes by a tenth, and a line \
            of telemetry counts every 10 s; runs until it is stopped (SIGTERM or SIGINT).
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

    @Option(help: "Seconds between a box's state heartbeats (a box: 300); 0 for no state at all.")
    var stateEvery = 300

    @Option(help: "Seconds between a box's thumbnails (a box whose screen changes all the time: 10); 0 for none.")
    var thumbsEvery = 10

    @Option(help: "Bytes of each thumbnail (a 320 px JPEG of a 1080p takeover measured 3302).")
    var thumbBytes = 3302

    func validate() throws {
        guard (1...100_000).contains(boxes) else { throw ValidationError("--boxes must be from 1 to 100000") }
        guard (1...64).contains(loops) else { throw ValidationError("--loops must be from 1 to 64") }
        guard !brokers.isEmpty, !keys.isEmpty else { throw ValidationError("give --broker and --key") }
        guard stateEvery == 0 || stateEvery >= 2 else { throw ValidationError("--state-every must be 0 or at least 2") }
        guard thumbsEvery == 0 || thumbsEvery >= 1 else { throw ValidationError("--thumbs-every must be 0 or at least 1") }
        guard (16...262_144).contains(thumbBytes) else { throw ValidationError("--thumb-bytes must be from 16 to 262144") }
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
        let counts = SimulatorCounts()
        let telemetry = Telemetry(stateEvery: Double(stateEvery), thumbsEvery: Double(thumbsEvery), thumbBytes: thumbBytes)
        var all: [LightBox] = []
        for index in 1...boxes {
            let id = prefix + String(format: "%04d", index)
            let box = LightBox(id: id, verifier: verifier, counts: counts, telemetry: telemetry)
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
        var lastCounts = ContinuousClock.now
        while true {
            let now = ContinuousClock.now
            for box in all { box.tick(now: now) }
            let connected = counts.connected.load(ordering: .relaxed)
            if connected != reported && (abs(connected - reported) * 10 >= boxes || connected == boxes || connected == 0) {
                progress("fleet-simulator: \(connected) of \(boxes) boxes connected")
                reported = connected
            }
            if now - lastCounts >= .seconds(10) {
                progress("fleet-simulator: published \(counts.states.load(ordering: .relaxed)) states, "
                    + "\(counts.thumbnails.load(ordering: .relaxed)) thumbnails (\(counts.thumbnailBytes.load(ordering: .relaxed)) bytes), "
                    + "\(counts.receipts.load(ordering: .relaxed)) receipts")
                lastCounts = now
            }
            usleep(100_000)
        }
    }
}

/// A line on standard error.
func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// What the boxes did, for the progress lines.
final class SimulatorCounts: Sendable {
    let connected = Atomic<Int>(0)
    let states = Atomic<Int>(0)
    let thumbnails = Atomic<Int>(0)
    let thumbnailBytes = Atomic<Int>(0)
    let receipts = Atomic<Int>(0)
}

/// How often a box publishes its state and thumbnails.
struct Telemetry: Sendable {
    /// Seconds between state heartbeats; 0: none.
    var stateEvery: Double
    /// Seconds between thumbnails; 0: none.
    var thumbsEvery: Double
    var thumbBytes: Int
    /// A box publishes a changed state at most this often, as the daemon does.
    static let stateAtMost: Duration = .seconds(2)
}

/// One light box: the fleet client's part of a box, without screens.
final class LightBox: @unchecked Sendable {
    let id: String
    let verifier: PushVerifier
    let counts: SimulatorCounts
    let telemetry: Telemetry
    let boot = UUID().uuidString.lowercased()
    // Set before start, read-only afterwards.
    var client: MQTTClient?
    private let memory: Mutex<Memory>

    /// What the client's loop thread and the ticking thread share.
    struct Memory {
        var isConnected = false
        var seen: Set<AlertIdentity> = []
        var alerts: [BoxState.Alert] = []
        var lastReceipt: AlertReceipt?
        var stateDue: ContinuousClock.Instant?
        var lastStateAt: ContinuousClock.Instant?
        var thumbDue: ContinuousClock.Instant?
        var frame: UInt32 = 0
    }

    init(id: String, verifier: PushVerifier, counts: SimulatorCounts, telemetry: Telemetry) {
        self.id = id
        self.verifier = verifier
        self.counts = counts
        self.telemetry = telemetry
        self.memory = Mutex(Memory())
    }

    func statusDocument(_ state: BoxStatus.State) -> [UInt8] {
        FleetJSON.encode(BoxStatus(box: id, state: state, boot: boot, version: OshiraseVersion.current, site: "simulated",
                                   since: state == .online ? Instant.formatUTC(Date()) : nil))
    }

    func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            let now = ContinuousClock.now
            let first = memory.withLock { memory in
                let first = !memory.isConnected
                memory.isConnected = true
                // As the daemon does: state and thumbnail again on every connection, the
                // thumbnails' phases spread over their interval so the boxes do not move in step.
                memory.stateDue = telemetry.stateEvery > 0 ? now : nil
                memory.thumbDue = telemetry.thumbsEvery > 0 ? now + .seconds(Double.random(in: 0..<telemetry.thumbsEvery)) : nil
                return first
            }
            if first { counts.connected.add(1, ordering: .relaxed) }
            client?.publish(MQTTOutgoing(topic: FleetTopic.status(box: id), payload: statusDocument(.online), qos: 1, retain: true))
        case .disconnected:
            let was = memory.withLock { memory in
                defer { memory.isConnected = false }
                return memory.isConnected
            }
            if was { counts.connected.subtract(1, ordering: .relaxed) }
        case .message(let message):
            take(message)
        case .delivered, .notSent, .stopped:
            break
        }
    }

    /// The box's checks, in its order: the envelope line, the signature by the feed rule, the
    /// CAP document, the topic; then a receipt for what is new, and a changed state.
    private func take(_ message: MQTTMessage) {
        guard !message.payload.isEmpty, case .success(let unwrapped) = PushEnvelope.unwrap(payload: message.payload),
              case .success = verifier.verify(headers: unwrapped.headers, body: Array(unwrapped.body), now: Date()),
              let alert = try? CAPParser.parse(Array(unwrapped.body)),
              message.topic == FleetTopic.alert(sender: alert.sender, identifier: alert.identifier) else { return }
        let identity = AlertIdentity(sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text)
        var receipt = AlertReceipt(box: id, sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text, received: Date())
        receipt.state = "active"
        let now = ContinuousClock.now
        let isNew = memory.withLock { memory in
            guard memory.seen.insert(identity).inserted else { return false }
            memory.alerts.append(BoxState.Alert(sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text,
                                                headline: "避難指示（試験）", severity: "Extreme", state: "active"))
            memory.lastReceipt = receipt
            if telemetry.stateEvery > 0 {
                let earliest = memory.lastStateAt.map { $0 + Telemetry.stateAtMost } ?? now
                memory.stateDue = min(memory.stateDue ?? earliest, max(now, earliest))
            }
            return true
        }
        guard isNew || !message.retained else { return }
        client?.publish(MQTTOutgoing(topic: FleetTopic.receipt(box: id), payload: FleetJSON.encode(receipt), qos: 1))
        counts.receipts.add(1, ordering: .relaxed)
    }

    /// Publishes the state and the thumbnail that are due (called every 100 ms by one thread).
    func tick(now: ContinuousClock.Instant) {
        var outgoing: [MQTTOutgoing] = []
        memory.withLock { memory in
            guard memory.isConnected else { return }
            if let due = memory.stateDue, due <= now {
                let state = BoxState(box: id, boot: boot, at: Instant.formatUTC(Date()), displays: [
                    BoxState.Display(name: "lobby", profile: "lcd-1080p", powered: true, items: ["main": "garbage-day", "ticker": "news"],
                                     brightness: nil, alert: memory.alerts.last?.identifier, error: nil),
                ], alerts: memory.alerts)
                var document = state
                document.lastReceipt = memory.lastReceipt
                outgoing.append(MQTTOutgoing(topic: FleetTopic.state(box: id), payload: FleetJSON.encode(document), qos: 1, retain: true))
                memory.lastStateAt = now
                memory.stateDue = now + .seconds(telemetry.stateEvery)
                counts.states.add(1, ordering: .relaxed)
            }
            if let due = memory.thumbDue, due <= now {
                memory.frame &+= 1
                outgoing.append(MQTTOutgoing(topic: FleetTopic.thumbnail(box: id, display: "lobby"),
                                             payload: thumbnail(frame: memory.frame), qos: 0, retain: true))
                memory.thumbDue = now + .seconds(telemetry.thumbsEvery)
                counts.thumbnails.add(1, ordering: .relaxed)
                counts.thumbnailBytes.add(telemetry.thumbBytes, ordering: .relaxed)
            }
        }
        for message in outgoing { client?.publish(message) }
    }

    /// A thumbnail's bytes: a JPEG's first marker, then bytes that differ from frame to frame
    /// (a changed screen), as many as a real thumbnail has.
    private func thumbnail(frame: UInt32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: telemetry.thumbBytes)
        bytes[0] = 0xFF
        bytes[1] = 0xD8
        bytes[2] = 0xFF
        var seed = frame &* 2_654_435_761 &+ UInt32(truncatingIfNeeded: id.hashValue)
        for index in 3..<bytes.count {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            bytes[index] = UInt8(truncatingIfNeeded: seed >> 24)
        }
        return bytes
    }
}
