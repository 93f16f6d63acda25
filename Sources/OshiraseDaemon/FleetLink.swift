import Foundation
package import Logging
package import OshiraseConfig
package import OshiraseCore
import OshiraseFleet
import OshiraseMQTT
import Prometheus
import ServiceLifecycle
import Synchronization

/// The box's one outgoing connection to the fleet broker (docs/fleet.md): it says the box is
/// online (and leaves `offline` as its will), takes signed alerts from
/// `oshirase/v1/alerts/#` into the same alert book as pushes and feeds, and sends a receipt when
/// an alert's first frame reaches a display.
package final class FleetLink: Service, Sendable {
    package let config: FleetConfig
    private let site: String
    private let alerts: AlertCenter
    private let clock: any WallClock
    private let logger: Logger
    private let metrics: FleetMetrics
    /// A new random id per start of the daemon: city hall sees a restart as a changed boot id.
    package let bootID = UUID().uuidString.lowercased()
    private let state = Mutex<LinkState>(LinkState())

    private struct LinkState {
        var client: MQTTClient?
        var connected = false
        /// When each alert taken from the broker was received, for its receipts.
        var received: [AlertIdentity: Date] = [:]
        /// Receipts not yet acknowledged by a broker, by token, sent again on each connect.
        var pendingReceipts: [UInt64: MQTTOutgoing] = [:]
        var nextToken: UInt64 = 1
    }

    /// The most receipts kept while no broker can be reached; the oldest go first.
    static let maximumPendingReceipts = 1000

    package init(config: FleetConfig, site: String, alerts: AlertCenter, clock: any WallClock, logger: Logger,
                 metrics: FleetMetrics) {
        self.config = config
        self.site = site
        self.alerts = alerts
        self.clock = clock
        var logger = logger
        logger[metadataKey: "component"] = "fleet"
        self.logger = logger
        self.metrics = metrics
        alerts.setOnFirstFrame { [weak self] alert, display, time in self?.firstFrame(of: alert, on: display, at: time) }
    }

    /// The client's settings: a durable session under the box's id, the will, the alerts.
    var settings: MQTTSettings {
        var settings = MQTTSettings(clientID: config.id, endpoints: config.brokers)
        settings.tls = config.tls
        settings.keepalive = config.keepalive
        // A week: a box away for a long weekend still gets what it missed; longer, and the
        // retained alerts (current ones only) are what it needs.
        settings.sessionExpiry = 7 * 86400
        settings.subscriptions = [MQTTSubscription(FleetTopic.allAlerts)]
        settings.will = MQTTOutgoing(topic: FleetTopic.status(box: config.id),
                                     payload: FleetJSON.encode(status(.offline, since: nil)), qos: 1, retain: true)
        return settings
    }

    private func status(_ state: BoxStatus.State, since: Date?) -> BoxStatus {
        BoxStatus(box: config.id, state: state, boot: bootID, version: OshiraseVersion.current, site: site,
                  since: since.map { Instant.formatUTC($0) })
    }

    package func run() async throws {
        let (events, sink) = AsyncStream.makeStream(of: MQTTEvent.self)
        let loop: MQTTLoop
        let client: MQTTClient
        do {
            loop = try MQTTLoop(name: "fleet")
            client = try MQTTClient(settings: settings, loop: loop) { sink.yield($0) }
        } catch {
            // The config was checked; what is left (a file removed since) is said, and the
            // screens go on without the fleet.
            logger.error("cannot start the fleet link: \(error)")
            return try await gracefulShutdown()
        }
        state.withLock { $0.client = client }
        logger.notice("connecting to \(config.brokers.map(\.description).joined(separator: ", ")) as \(config.id)")
        client.start()
        await withGracefulShutdownHandler {
            for await event in events {
                await handle(event, client: client)
                if case .stopped = event { break }
            }
        } onGracefulShutdown: {
            // Stopping says so: the broker publishes the will (offline) at once.
            client.stop(publishingWill: true)
        }
        sink.finish()
        loop.shutdown()
        state.withLock { $0.client = nil }
    }

    private func handle(_ event: MQTTEvent, client: MQTTClient) async {
        switch event {
        case .connected(let connection):
            metrics.connected.set(Int64(1))
            metrics.connects.increment()
            logger.notice("connected to \(connection.endpoint)\(connection.sessionPresent ? " (the broker kept this box's session)" : "")")
            for refused in connection.refusedSubscriptions {
                logger.error("the broker refused the subscription to \(refused): check its ACL for this box")
            }
            client.publish(MQTTOutgoing(topic: FleetTopic.status(box: config.id),
                                        payload: FleetJSON.encode(status(.online, since: clock.now())), qos: 1, retain: true))
            let pending = state.withLock { state in
                state.connected = true
                return state.pendingReceipts.keys.sorted().compactMap { state.pendingReceipts[$0] }
            }
            pending.forEach(client.publish)
        case .disconnected(let endpoint, let reason, let retryIn):
            let wasConnected = state.withLock { state in defer { state.connected = false }; return state.connected }
            metrics.connected.set(Int64(0))
            if wasConnected { metrics.disconnects.increment() }
            let retry = String(format: "%.1f", Double(retryIn.components.seconds) + Double(retryIn.components.attoseconds) / 1e18)
            logger.warning("\(wasConnected ? "lost the connection to" : "cannot connect to") \(endpoint): \(reason); trying again in \(retry) s")
        case .message(let message):
            // An empty retained message clears a topic: nothing to take.
            guard !message.payload.isEmpty, message.topic.hasPrefix("\(FleetTopic.root)/alerts/") else { return }
            let outcome = await alerts.ingestBrokerMessage(payload: message.payload, source: "broker \(message.topic)")
            switch outcome {
            case .kept(let kept):
                metrics.messages(kept.isDuplicate ? "duplicate" : "accepted").increment()
                if !kept.isDuplicate, let identity = kept.identity {
                    let now = clock.now()
                    state.withLock { state in
                        if state.received.count > 10_000 { state.received = [:] }
                        state.received[identity] = state.received[identity] ?? now
                    }
                    var receipt = AlertReceipt(box: config.id, sender: identity.sender, identifier: identity.identifier,
                                               sent: identity.sent, received: now)
                    receipt.state = kept.state
                    receipt.reason = kept.reason
                    send(receipt)
                }
            case .refused:
                metrics.messages("refused").increment()
            }
        case .delivered(let token, let refusal):
            state.withLock { _ = $0.pendingReceipts.removeValue(forKey: token) }
            if let refusal { logger.error("the broker refused a message of this box: \(refusal); check its ACL") }
        case .notSent:
            // Kept in the pending receipts (if one) and sent again on the next connect.
            break
        case .stopped:
            metrics.connected.set(Int64(0))
            logger.notice("disconnected; the broker now shows this box offline")
        }
    }

    /// The first frame with `alert` reached `display`: a receipt, now or on the next connect.
    private func firstFrame(of alert: AlertIdentity, on display: String, at time: Date) {
        var receipt = AlertReceipt(box: config.id, sender: alert.sender, identifier: alert.identifier, sent: alert.sent,
                                   received: state.withLock { $0.received[alert] })
        receipt.display = display
        receipt.shown = Instant.formatUTC(time, milliseconds: true)
        send(receipt)
    }

    /// Publishes a receipt now when connected, and keeps it until a broker acknowledges it.
    private func send(_ receipt: AlertReceipt) {
        let (message, client) = state.withLock { state -> (MQTTOutgoing, MQTTClient?) in
            let token = state.nextToken
            state.nextToken += 1
            let message = MQTTOutgoing(topic: FleetTopic.receipt(box: config.id), payload: FleetJSON.encode(receipt),
                                       qos: 1, token: token)
            state.pendingReceipts[token] = message
            if state.pendingReceipts.count > Self.maximumPendingReceipts, let oldest = state.pendingReceipts.keys.min() {
                state.pendingReceipts[oldest] = nil
            }
            return (message, state.connected ? state.client : nil)
        }
        client?.publish(message)
    }
}

/// The fleet link's metrics.
package struct FleetMetrics: Sendable {
    let connected: Gauge
    let connects: Counter
    let disconnects: Counter
    let messages: @Sendable (String) -> Counter
}
