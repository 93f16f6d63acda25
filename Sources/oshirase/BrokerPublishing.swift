import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseCommandLine
import OshiraseCore
import OshiraseFleet
import OshiraseMQTT
import OshiraseSigning
import Synchronization

// `push --broker` and `cancel --broker` (docs/fleet.md): the signed message is published once
// on every broker listed, retained until the CAP expires, and the boxes' receipts say, box by
// box, when each took it and when it reached a screen.

/// How long a message without `expires` stays retained on the brokers.
let defaultRetention: Double = 7 * 86_400

/// What one box reported about the message.
struct BoxReport {
    var received: Date?
    var state: String?
    var reason: String?
    /// The box had it already.
    var duplicate = false
    /// Each display's first frame with the alert.
    var shown: [String: Date] = [:]
}

/// Publishes `document` (already checked) to every broker, calls `published` once a broker has
/// it (or may have it), and collects receipts for `wait`; returns the number of failures
/// (brokers that did not take it, expected boxes that did not answer).
func publishToBrokers(_ document: [UInt8], alert: CAPAlert, key: SigningKey, sending: SendingOptions,
                      what: String, published: () -> Void) throws -> Int {
    let endpoints = try sending.brokerEndpoints()
    let wait = try parseDuration(sending.wait, option: "--wait", range: 0...3600)
    let connectTimeout = try parseDuration(sending.connectTimeout, option: "--connect-timeout", range: 0.1...300)
    let expected = sending.expectedBoxes()

    let now = Date()
    let until = alert.infos.compactMap { $0.expires?.date }.max()
    let retention = until.map { $0.timeIntervalSince(now) } ?? defaultRetention
    if retention <= 0 {
        throw PushError("the \(what) expired at \(until.map { Instant.formatUTC($0) } ?? "?"): a box would refuse it, so nothing was published")
    }
    let signed = try PushEnvelope.sign(body: document, key: key, timestamp: Int64(now.timeIntervalSince1970))
    let topic = FleetTopic.alert(sender: alert.sender, identifier: alert.identifier)
    let message = MQTTOutgoing(topic: topic, payload: PushEnvelope.payload(body: document, headers: signed), qos: 1,
                               retain: true, expiry: UInt32(min(retention.rounded(.up), Double(UInt32.max))))

    let watch = FleetWatch(identity: AlertIdentity(sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text))
    // A loop per broker: one whose host name takes long to look up does not hold up the others.
    let loops = try endpoints.map { _ in try MQTTLoop(name: "push") }
    defer { loops.forEach { $0.shutdown() } }
    let clients = try endpoints.enumerated().map { index, endpoint in
        var settings = MQTTSettings(clientID: "oshirase-push-\(UInt64.random(in: 0...UInt64.max))", endpoints: [endpoint])
        settings.tls = try sending.brokerTLS(for: endpoint)
        // QoS 0: thousands of receipts arrive at once, and QoS 1 would hold all but a few in the
        // broker's queue for this client (1000 by default, the rest dropped).
        settings.subscriptions = [MQTTSubscription(FleetTopic.allReceipts, qos: 0), MQTTSubscription(FleetTopic.allStatuses, qos: 0)]
        settings.connectTimeout = connectTimeout
        return try MQTTClient(settings: settings, loop: loops[index]) { watch.take($0, broker: index) }
    }
    printError("connecting to \(endpoints.count) \(endpoints.count == 1 ? "broker" : "brokers")…")
    clients.forEach { $0.start() }
    watch.waitForBrokers(count: clients.count, timeout: connectTimeout + .seconds(1))

    print("\(what) \(alert.identifier) (sender \(alert.sender), sent \(alert.sent.text)) on \(topic)")
    let publishedAt = Date()
    // An Update or a Cancel also clears the retained copies of what it references: a box that
    // comes new (or after its session expired) must not get the original alone. Boxes take an
    // empty message as nothing.
    let referenced = alert.msgType == .update || alert.msgType == .cancel
        ? alert.references.map { FleetTopic.alert(sender: $0.sender, identifier: $0.identifier) }.filter { $0 != topic } : []
    for (index, client) in clients.enumerated() where watch.isConnected(index) {
        var copy = message
        copy.token = UInt64(index)
        watch.issued(index)
        client.publish(copy)
    }
    watch.waitForAcknowledgements(count: clients.count, timeout: .seconds(10))
    // Only where the broker took the Update or Cancel: one it refused must not leave boxes with
    // neither message.
    for (index, client) in clients.enumerated() where !referenced.isEmpty && watch.brokerOutcome(index) == "published" {
        for cleared in referenced {
            client.publish(MQTTOutgoing(topic: cleared, payload: [], qos: 1, retain: true, token: FleetWatch.clearingToken))
        }
    }
    if !referenced.isEmpty { watch.waitForClearing(count: referenced.count * clients.count, timeout: .seconds(5)) }
    var brokerRows: [[String]] = []
    var taken = 0
    for (index, endpoint) in endpoints.enumerated() {
        let outcome = watch.brokerOutcome(index)
        if outcome == "published" { taken += 1 }
        brokerRows.append([endpoint.description, outcome])
    }
    print(resultTable(header: ["BROKER", "RESULT"], rows: brokerRows), terminator: "")
    // Journalled once a broker has it, or may have it (it was sent and no acknowledgement came):
    // a later cancel finds it. One that no broker took was not sent, and is not recorded as sent.
    let unknown = endpoints.indices.contains { watch.mayHave($0) }
    if taken > 0 || unknown { published() }
    guard taken > 0 else {
        printError(unknown
            ? "oshirase: error: no broker acknowledged the \(what); it may have been published, and the journal records it so a cancel can withdraw it"
            : "oshirase: error: no broker took the \(what); nothing was published")
        return endpoints.count
    }
    // A broker down is a warning while another took it: the boxes' answers decide.
    if taken < endpoints.count {
        printError("oshirase: warning: \(endpoints.count - taken) of \(endpoints.count) brokers did not take the \(what); see the table above")
    }
    var failures = 0

    // The boxes expected to answer: those listed, else those online when it was published.
    let boxes = expected ?? watch.onlineBoxes()
    let showsOnScreen = alert.msgType == .alert || alert.msgType == .update
    watch.waitForReceipts(from: boxes, onScreen: showsOnScreen, timeout: wait)
    let reports = watch.reports()
    let zone = TimeZone.current
    func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return "\(Instant.clock(date, in: zone)) (+\(String(format: "%.3f", date.timeIntervalSince(publishedAt))) s)"
    }
    let names = (Set(boxes).union(reports.keys)).sorted()
    let rows = names.map { box -> [String] in
        let report = reports[box]
        let shown = (report?.shown ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \(time($0.value))" }
        let state = [report?.state, report?.reason.map { "(\($0))" }, report?.duplicate == true ? "(had it already)" : nil]
            .compactMap { $0 }.joined(separator: " ")
        return [box, time(report?.received)] + (showsOnScreen ? [shown.isEmpty ? "-" : shown.joined(separator: ", ")] : [])
            + [state.isEmpty ? "-" : state]
    }
    let header = ["BOX", "RECEIVED"] + (showsOnScreen ? ["ON SCREEN"] : []) + ["STATE"]
    print(resultTable(header: header, rows: rows), terminator: "")
    let missing = boxes.filter { reports[$0]?.received == nil }.sorted()
    if !missing.isEmpty {
        printError("oshirase: error: \(missing.count) of \(boxes.count) \(boxes.count == 1 ? "box" : "boxes") did not answer within \(sending.wait): \(missing.joined(separator: ", "))")
        failures += missing.count
    } else if boxes.isEmpty {
        printError("oshirase: warning: no box was online on \(endpoints.count == 1 ? "the broker" : "the brokers") and none was given with --boxes; the \(what) stays retained until it expires")
    }
    for client in clients { client.stop() }
    return failures
}

/// The publisher's view of the brokers: connections, acknowledgements, box statuses and receipts.
final class FleetWatch: Sendable {
    let identity: AlertIdentity
    private let state = Mutex<State>(State())
    private let changed = DispatchSemaphore(value: 0)

    private struct State {
        var connected: Set<Int> = []
        var failed: [Int: String] = [:]
        var acknowledged: [Int: String?] = [:]
        /// The brokers the message was handed to.
        var issued: Set<Int> = []
        var cleared = 0
        /// The box statuses each broker holds, merged as `fleet status` merges them.
        var directories: [Int: FleetDirectory] = [:]
        var reports: [String: BoxReport] = [:]
    }

    init(identity: AlertIdentity) { self.identity = identity }

    /// The token of the messages that clear referenced topics, which nobody waits for.
    static let clearingToken: UInt64 = 1 << 40

    func take(_ event: MQTTEvent, broker: Int) {
        state.withLock { state in
            switch event {
            case .connected:
                state.connected.insert(broker)
            case .disconnected(_, let reason, _):
                if !state.connected.contains(broker) { state.failed[broker] = reason }
            case .delivered(let token, let refusal):
                if token < Self.clearingToken { state.acknowledged[Int(token)] = refusal } else { state.cleared += 1 }
            case .notSent(let token, let reason):
                if token < Self.clearingToken { state.acknowledged[Int(token)] = .some(reason) } else { state.cleared += 1 }
            case .message(let message):
                take(message, from: broker, into: &state)
            case .stopped:
                break
            }
        }
        changed.signal()
    }

    private func take(_ message: MQTTMessage, from broker: Int, into state: inout State) {
        guard let topic = FleetTopic.boxTopic(message.topic) else { return }
        switch topic.kind {
        case .status:
            state.directories[broker, default: FleetDirectory()].take(topic: message.topic, payload: message.payload, at: Date())
        case .receipt:
            guard let receipt = FleetJSON.decode(AlertReceipt.self, from: message.payload), receipt.box == topic.box,
                  AlertIdentity(sender: receipt.sender, identifier: receipt.identifier, sent: receipt.sent) == identity
            else { return }
            var report = state.reports[topic.box] ?? BoxReport()
            if let received = receipt.received.flatMap(Instant.parse) { report.received = report.received ?? received }
            if receipt.display == nil {
                report.state = receipt.state ?? report.state
                report.reason = receipt.reason ?? report.reason
                report.duplicate = report.duplicate || receipt.duplicate == true
            }
            if let display = receipt.display, let shown = receipt.shown.flatMap(Instant.parse) {
                report.shown[display] = min(report.shown[display] ?? shown, shown)
                report.received = report.received ?? shown
            }
            state.reports[topic.box] = report
        case .state, .thumbnail:
            break
        }
    }

    func isConnected(_ broker: Int) -> Bool { state.withLock { $0.connected.contains(broker) } }
    func onlineBoxes() -> [String] {
        state.withLock { FleetDirectory.merged(Array($0.directories.values)).sorted.filter(\.isOnline).map(\.id).sorted() }
    }
    func reports() -> [String: BoxReport] { state.withLock { $0.reports } }

    /// `published`, or why not.
    func brokerOutcome(_ broker: Int) -> String {
        state.withLock { state in
            if let reason = state.failed[broker], !state.connected.contains(broker) { return "not reached: \(reason)" }
            guard state.issued.contains(broker) else { return "not connected in time: nothing sent" }
            guard let acknowledgement = state.acknowledged[broker] else { return "no acknowledgement within 10 s: it may have it" }
            return acknowledgement.map { "refused: \($0)" } ?? "published"
        }
    }

    /// The message was handed to this broker's client.
    func issued(_ broker: Int) { state.withLock { _ = $0.issued.insert(broker) } }

    /// Sent to this broker with no answer: the broker may hold it.
    func mayHave(_ broker: Int) -> Bool {
        state.withLock { $0.issued.contains(broker) && $0.acknowledged[broker] == nil }
    }

    func waitForBrokers(count: Int, timeout: Duration) {
        waitUntil(timeout) { state in (0..<count).allSatisfy { state.connected.contains($0) || state.failed[$0] != nil } }
        // Retained statuses arrive right after the subscription: a moment for them.
        waitUntil(.milliseconds(300)) { _ in false }
    }

    func waitForAcknowledgements(count: Int, timeout: Duration) {
        waitUntil(timeout) { state in
            (0..<count).allSatisfy { state.acknowledged[$0] != nil || !state.connected.contains($0) }
        }
    }

    /// Until the brokers have answered `count` clearing messages, or `timeout`.
    func waitForClearing(count: Int, timeout: Duration) {
        waitUntil(timeout) { $0.cleared >= count }
    }

    /// Until every box in `boxes` has taken the message (and, for what shows, put it on a
    /// screen or said why not), then half a second for further displays; or `timeout`.
    func waitForReceipts(from boxes: [String], onScreen: Bool, timeout: Duration) {
        guard !boxes.isEmpty else { waitUntil(timeout) { _ in false }; return }
        let complete = waitUntil(timeout) { state in
            boxes.allSatisfy { box in
                guard let report = state.reports[box], report.received != nil else { return false }
                return !onScreen || !report.shown.isEmpty || report.duplicate || (report.state != nil && report.state != "active")
            }
        }
        if complete { waitUntil(.milliseconds(500)) { _ in false } }
    }

    @discardableResult
    private func waitUntil(_ timeout: Duration, _ done: (State) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if state.withLock({ done($0) }) { return true }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            _ = changed.wait(timeout: .now() + .milliseconds(Int(min(left, .milliseconds(100)).timeInterval * 1000)))
        }
    }
}
