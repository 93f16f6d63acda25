import Foundation
package import Logging
package import OshiraseConfig
package import OshiraseCore
import OshiraseFleet
package import OshiraseImaging
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
    private let displays: [DisplayService]
    /// A new random id per start of the daemon: city hall sees a restart as a changed boot id.
    package let bootID = UUID().uuidString.lowercased()
    private let state = Mutex<LinkState>(LinkState())

    private struct LinkState {
        var client: MQTTClient?
        var connected = false
        /// When each alert taken from the broker was received, for its receipts.
        var received: [AlertIdentity: Date] = [:]
        /// Receipts not yet acknowledged by a broker, by token. Those handed to the client are
        /// sent again by libmosquitto after a reconnect; the others on the next connect.
        var pendingReceipts: [UInt64: (message: MQTTOutgoing, handedOver: Bool)] = [:]
        var nextToken: UInt64 = 1
        /// Set on each connect: the state and thumbnails are published again (a broker that
        /// restarted without persistence has lost them).
        var republish = false
        /// The last receipt made, carried in the state.
        var lastReceipt: AlertReceipt?
    }

    /// The state is published at most this often, and at least this often while connected.
    static let stateInterval: (least: Double, most: Double) = (2, 300)
    /// A display's thumbnail is published at most this often, and only when its frame changed.
    static let thumbnailInterval: Double = 10
    /// The largest thumbnail, in pixels, and its JPEG quality: a few KiB.
    static let thumbnailSize = (width: 320, height: 320, quality: 60)

    /// The most receipts kept while no broker can be reached; the oldest go first.
    static let maximumPendingReceipts = 1000
    /// The most messages from the broker waiting to be handled.
    static let maximumQueuedEvents = 10_000

    /// How many messages wait to be handled.
    private final class WaitingMessages: Sendable {
        let count = Atomic<Int>(0)
    }

    package init(config: FleetConfig, site: String, alerts: AlertCenter, displays: [DisplayService], clock: any WallClock,
                 logger: Logger, metrics: FleetMetrics) {
        self.config = config
        self.displays = displays
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
        // Messages are bounded: a flood on the broker cannot grow the box's memory without end.
        // What does not fit is dropped and counted (a dropped alert still comes as its retained
        // copy on the next connect); connections, acknowledgements and the end always pass.
        let (events, sink) = AsyncStream.makeStream(of: MQTTEvent.self)
        let waiting = WaitingMessages()
        let loop: MQTTLoop
        let client: MQTTClient
        let metrics = self.metrics
        do {
            loop = try MQTTLoop(name: "fleet")
            do {
                client = try MQTTClient(settings: settings, loop: loop) { event in
                    if case .message = event {
                        guard waiting.count.add(1, ordering: .relaxed).newValue <= Self.maximumQueuedEvents else {
                            waiting.count.subtract(1, ordering: .relaxed)
                            metrics.messages("dropped").increment()
                            return
                        }
                    }
                    sink.yield(event)
                }
            } catch {
                loop.shutdown()
                throw error
            }
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
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.report(on: client) }
                for await event in events {
                    await handle(event, client: client)
                    if case .message = event { waiting.count.subtract(1, ordering: .relaxed) }
                    if case .stopped = event { break }
                }
                group.cancelAll()
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
                state.republish = true
                let waiting = state.pendingReceipts.filter { !$0.value.handedOver }.keys.sorted()
                for token in waiting { state.pendingReceipts[token]?.handedOver = true }
                return waiting.compactMap { state.pendingReceipts[$0]?.message }
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
            let outcome = await alerts.ingestBrokerMessage(payload: message.payload, topic: message.topic)
            switch outcome {
            case .kept(let kept):
                metrics.messages(kept.isDuplicate ? "duplicate" : "accepted").increment()
                // A receipt for what is new, and for a message published again (city hall asks
                // who has it), but not for the retained copies every start brings again.
                guard let identity = kept.identity, !kept.isDuplicate || !message.retained else { break }
                let now = clock.now()
                let received = state.withLock { state in
                    if state.received.count > 10_000 { state.received = [:] }
                    if state.received[identity] == nil { state.received[identity] = now }
                    return state.received[identity] ?? now
                }
                var receipt = AlertReceipt(box: config.id, sender: identity.sender, identifier: identity.identifier,
                                           sent: identity.sent, received: received)
                receipt.state = kept.state
                receipt.reason = kept.reason
                if kept.isDuplicate { receipt.duplicate = true }
                send(receipt)
            case .refused:
                metrics.messages("refused").increment()
            }
        case .delivered(let token, let refusal):
            state.withLock { _ = $0.pendingReceipts.removeValue(forKey: token) }
            if let refusal { logger.error("the broker refused a message of this box: \(refusal); check its ACL") }
        case .notSent(let token, _):
            // A receipt (if it is one) goes again on the next connect.
            state.withLock { $0.pendingReceipts[token]?.handedOver = false }
        case .stopped:
            metrics.connected.set(Int64(0))
            logger.notice("disconnected; the broker now shows this box offline")
        }
    }

    // MARK: State and thumbnails

    /// Publishes the box's state on a change and the displays' thumbnails, once a second at most,
    /// until cancelled.
    private func report(on client: MQTTClient) async {
        var lastState: BoxState?
        var lastStateAt = -Double.infinity
        var thumbnails: [String: (frames: Int, at: Double, bytes: [UInt8])] = [:]
        while !Task.isCancelled {
            let (connected, republish) = state.withLock { state in
                defer { state.republish = false }
                return (state.connected, state.republish)
            }
            if connected {
                let now = monotonicSeconds()
                var current = boxState()
                let changed = current.displays != lastState?.displays || current.alerts != lastState?.alerts
                    || current.lastReceipt != lastState?.lastReceipt
                if republish || (changed && now - lastStateAt >= Self.stateInterval.least) || now - lastStateAt >= Self.stateInterval.most {
                    current.at = Instant.formatUTC(clock.now())
                    client.publish(MQTTOutgoing(topic: FleetTopic.state(box: config.id), payload: FleetJSON.encode(current),
                                                qos: 1, retain: true))
                    lastState = current
                    lastStateAt = now
                }
                for display in displays {
                    let name = display.config.name
                    let frames = display.state.status.framesPresented
                    let last = thumbnails[name]
                    guard republish || last == nil || (last?.frames != frames && now - (last?.at ?? 0) >= Self.thumbnailInterval),
                          frames > 0 else { continue }
                    var bytes = last?.bytes ?? []
                    if last?.frames != frames, let frame = await display.state.requestFrame(wake: { display.wake() }) {
                        bytes = Self.thumbnail(of: frame, profile: display.config.profile) ?? bytes
                    }
                    thumbnails[name] = (frames, now, bytes)
                    guard !bytes.isEmpty, republish || bytes != last?.bytes else { continue }
                    client.publish(MQTTOutgoing(topic: FleetTopic.thumbnail(box: config.id, display: name), payload: bytes,
                                                qos: 0, retain: true))
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// The JPEG thumbnail of `frame`. A kiosk's temperature panel is painted over with its empty
    /// background first: a visitor's result never leaves the box.
    package static func thumbnail(of frame: Bitmap, profile: DisplayProfile) -> [UInt8]? {
        var frame = frame
        if let panel = profile.temperaturePanel {
            // A frame of another size cannot be masked where the panel is: nothing is sent.
            guard frame.width == profile.width, frame.height == profile.height else { return nil }
            let background = Theme.temperaturePanel.background
            let top = max(0, min(frame.height, Int(panel.y))), bottom = max(top, min(frame.height, Int(panel.y + panel.height)))
            // Cairo's layout in memory: blue, green, red, alpha; one row made once, copied per row.
            let row = [UInt8]((0..<frame.width).flatMap { _ in [background.b, background.g, background.r, 0xff] })
            for y in top..<bottom {
                frame.pixels.replaceSubrange((y * frame.stride)..<(y * frame.stride + row.count), with: row)
            }
        }
        let small = frame.scaledDown(toFit: thumbnailSize.width, thumbnailSize.height)
        return try? ImageEncoder.jpeg(small, quality: thumbnailSize.quality)
    }

    /// What each display shows now and the alerts the box holds (`at` left empty).
    private func boxState() -> BoxState {
        let shown = displays.map { display in
            let status = display.state.status
            return BoxState.Display(name: status.name, profile: status.profile, powered: status.powered, items: status.items,
                                    brightness: status.brightnessPercent, alert: status.alert, error: status.error)
        }
        let alerts = alerts.listing().map { listing in
            BoxState.Alert(sender: listing.sender, identifier: listing.identifier, sent: listing.sent, headline: listing.headline,
                           severity: listing.severity, state: listing.state)
        }
        var document = BoxState(box: config.id, boot: bootID, at: "", displays: shown, alerts: alerts)
        document.lastReceipt = state.withLock { $0.lastReceipt }
        return document
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
            state.lastReceipt = receipt
            let token = state.nextToken
            state.nextToken += 1
            let message = MQTTOutgoing(topic: FleetTopic.receipt(box: config.id), payload: FleetJSON.encode(receipt),
                                       qos: 1, token: token)
            state.pendingReceipts[token] = (message, state.connected)
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
