import CMosquitto
import Foundation

/// One MQTT 5 client on libmosquitto, driven by an ``MQTTLoop``: connects to the first broker
/// that answers, subscribes, reports messages, reconnects after random, growing waits, and
/// moves to the next broker after each failure.
///
/// Only the loop's thread touches the client's state and its libmosquitto handle once
/// ``start()`` is called; `publish` and `stop` may be called from any thread.
public final class MQTTClient: @unchecked Sendable {
    public let settings: MQTTSettings
    private let loop: MQTTLoop
    private let onEvent: @Sendable (MQTTEvent) -> Void

    private var handle: OpaquePointer?
    private enum Phase {
        case waiting(until: ContinuousClock.Instant)
        case connecting(MQTTEndpoint, deadline: ContinuousClock.Instant)
        case connected(MQTTEndpoint)
        case stopped
    }
    private var phase: Phase = .stopped
    private var nextEndpoint = 0
    private var failures = 0
    /// Whether the socket of the attempt under way has been writable once (TCP is up).
    private var transportUp = false
    /// The broker accepted the connection (CONNACK) of the attempt under way: messages may be
    /// published while the subscriptions are still being acknowledged (a durable session's
    /// queued messages arrive in that moment, and their receipts must not be lost).
    private var accepted = false
    private var pendingSubscriptions: [Int32: String] = [:]
    private var refusedSubscriptions: [String] = []
    private var sessionPresent = false
    private var inflight: [Int32: UInt64] = [:]
    private var lastRefusal: String?
    /// When the connection now up was made: the failure count starts again only after it has
    /// held for a keepalive, so two boxes configured with one id do not push each other off
    /// the broker every second for ever.
    private var connectedAt: ContinuousClock.Instant?
    private var random = SystemRandomNumberGenerator()

    /// Makes the client and checks its settings and files; nothing connects before ``start()``.
    public init(settings: MQTTSettings, loop: MQTTLoop,
                onEvent: @escaping @Sendable (MQTTEvent) -> Void) throws(MQTTError) {
        self.settings = settings
        self.loop = loop
        self.onEvent = onEvent
        guard let first = settings.endpoints.first else { throw MQTTError("no broker to connect to") }
        guard settings.endpoints.allSatisfy({ $0.usesTLS == first.usesTLS }) else {
            throw MQTTError("the brokers mix mqtts:// and mqtt://; list them all with the same scheme")
        }
        guard !settings.clientID.isEmpty || settings.sessionExpiry == nil else {
            throw MQTTError("a durable session needs a client id")
        }
        guard settings.keepalive >= 5, settings.keepalive <= 65535 else {
            throw MQTTError("the keepalive must be from 5 to 65535 seconds (it is \(settings.keepalive))")
        }
        _ = MQTTLibrary.initialised
        guard let handle = mosquitto_new(settings.clientID.isEmpty ? nil : settings.clientID,
                                         settings.sessionExpiry == nil, nil) else {
            throw MQTTError("libmosquitto could not make a client (\(String(cString: strerror(errno))))")
        }
        self.handle = handle
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        try configure(handle, first: first)
    }

    deinit {
        if let handle { mosquitto_destroy(handle) }
    }

    /// Begins connecting, on the loop's thread.
    public func start() { loop.start(self) }

    /// Publishes `message` if connected; the outcome comes back as ``MQTTEvent/delivered(token:refusal:)``
    /// or ``MQTTEvent/notSent(token:reason:)``.
    public func publish(_ message: MQTTOutgoing) { loop.publish(message, by: self) }

    /// Disconnects and frees the client. With `publishingWill`, the broker publishes the will as
    /// if the client had vanished (MQTT 5 reason 4): a box that stops says it is offline.
    public func stop(publishingWill: Bool = false) { loop.stop(self, publishingWill: publishingWill) }

    private func configure(_ handle: OpaquePointer, first: MQTTEndpoint) throws(MQTTError) {
        func check(_ rc: Int32, _ what: String) throws(MQTTError) {
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError("\(what): \(Self.describe(rc))") }
        }
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5), "MQTT 5")
        _ = mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1)
        if first.usesTLS {
            guard let tls = settings.tls else {
                throw MQTTError("mqtts:// needs the certificate authority's file (ca)")
            }
            for path in [tls.certificateAuthority, tls.certificate, tls.key].compactMap({ $0 }) {
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw MQTTError("\(path): cannot be read (\(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))")
                }
            }
            // A key file protected by a pass phrase is refused rather than asked for on a
            // terminal the daemon does not have.
            try check(mosquitto_tls_set(handle, tls.certificateAuthority, nil, tls.certificate, tls.key) { _, _, _, _ in 0 },
                      "the TLS files")
        }
        if let username = settings.username {
            try check(mosquitto_username_pw_set(handle, username, settings.password), "the user name")
        }
        if let will = settings.will {
            var properties: OpaquePointer? = nil
            defer { mosquitto_property_free_all(&properties) }
            if let expiry = will.expiry {
                try check(mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry), "the will's expiry")
            }
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set_v5(handle, will.topic, Int32(bytes.count), bytes.baseAddress, will.qos, will.retain, properties)
            }
            // On success the library owns the properties.
            if rc == MOSQ_ERR_SUCCESS.rawValue { properties = nil }
            try check(rc, "the will on \(will.topic)")
        }
        // libmosquitto 2.0 keeps CONNECT properties only through mosquitto_connect_bind_v5, which
        // connects blocking. Given no host, it stores the properties and stops before connecting
        // (MOSQ_ERR_INVAL); every later non-blocking connect sends them. The durable-session
        // tests fail if a library version stops doing so.
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        if let expiry = settings.sessionExpiry {
            try check(mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), expiry), "the session expiry")
        }
        // The broker sends nothing larger: one huge message cannot exhaust a small box's memory.
        try check(mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MAXIMUM_PACKET_SIZE.rawValue), settings.maximumPacketSize),
                  "the maximum packet size")
        let stored = mosquitto_connect_bind_v5(handle, nil, 0, Int32(settings.keepalive), nil, properties)
        guard stored == MOSQ_ERR_INVAL.rawValue else { throw MQTTError("cannot set the CONNECT properties: \(Self.describe(stored))") }
        mosquitto_connect_v5_callback_set(handle) { _, user, rc, flags, _ in
            MQTTClient.from(user)?.connected(rc: rc, flags: flags)
        }
        mosquitto_subscribe_v5_callback_set(handle) { _, user, mid, count, granted, _ in
            let codes = (0..<Int(count)).map { granted?[$0] ?? 0x80 }
            MQTTClient.from(user)?.subscribed(mid: mid, codes: codes)
        }
        mosquitto_message_v5_callback_set(handle) { _, user, message, _ in
            guard let message, let client = MQTTClient.from(user) else { return }
            let raw = message.pointee
            let payload: [UInt8] = if let bytes = raw.payload, raw.payloadlen > 0 {
                Array(UnsafeRawBufferPointer(start: bytes, count: Int(raw.payloadlen)))
            } else { [] }
            let topic = raw.topic.map { String(cString: $0) } ?? ""
            client.onEvent(.message(MQTTMessage(topic: topic, payload: payload, retained: raw.retain, qos: raw.qos)))
        }
        mosquitto_publish_v5_callback_set(handle) { _, user, mid, reason, _ in
            MQTTClient.from(user)?.acknowledged(mid: mid, reason: reason)
        }
        mosquitto_disconnect_v5_callback_set(handle) { _, user, rc, _ in
            guard let client = MQTTClient.from(user), rc != 0 else { return }
            // A DISCONNECT from the broker carries an MQTT 5 reason code (0x80 and up), a local
            // failure one of libmosquitto's error numbers.
            client.lastRefusal = client.lastRefusal ?? (rc >= 0x80
                ? "the broker ended the connection: \(String(cString: mosquitto_reason_string(rc)))" : MQTTClient.describe(rc))
        }
    }

    private static func from(_ user: UnsafeMutableRawPointer?) -> MQTTClient? {
        user.map { Unmanaged<MQTTClient>.fromOpaque($0).takeUnretainedValue() }
    }

    /// libmosquitto's words for its return code; the C library's for an errno.
    static func describe(_ rc: Int32) -> String {
        if rc == MOSQ_ERR_ERRNO.rawValue { return String(cString: strerror(errno)) }
        return String(cString: mosquitto_strerror(rc))
    }

    // MARK: On the loop's thread

    func begin() {
        guard case .stopped = phase, handle != nil else { return }
        attempt(now: .now)
    }

    private func attempt(now: ContinuousClock.Instant) {
        guard let handle else { return }
        let endpoint = settings.endpoints[nextEndpoint % settings.endpoints.count]
        transportUp = false
        accepted = false
        pendingSubscriptions = [:]
        refusedSubscriptions = []
        lastRefusal = nil
        let rc = mosquitto_connect_bind_async(handle, endpoint.host, Int32(endpoint.port), Int32(settings.keepalive), nil)
        phase = .connecting(endpoint, deadline: now + settings.connectTimeout)
        if rc != MOSQ_ERR_SUCCESS.rawValue { lost(Self.describe(rc)) }
    }

    /// The socket to watch and for what, or nil when none is open.
    func pollEvents() -> (fd: Int32, events: Int16)? {
        guard let handle else { return nil }
        switch phase {
        case .connecting, .connected: break
        case .waiting, .stopped: return nil
        }
        let fd = mosquitto_socket(handle)
        guard fd >= 0 else { return nil }
        var events = Int16(POLLIN)
        if !transportUp {
            // TCP is still connecting: writable means connected (or failed).
            events |= Int16(POLLOUT)
        } else if case let ssl = mosquitto_ssl_get(handle), oshirase_tls_handshaking(ssl) != 0 {
            if oshirase_tls_wants_write(ssl) != 0 { events |= Int16(POLLOUT) }
        } else if mosquitto_want_write(handle) {
            events |= Int16(POLLOUT)
        }
        return (fd, events)
    }

    /// Packets read from one client before the loop turns to the others.
    static let readsPerWake = 256

    func handle(revents: Int16) {
        guard let handle else { return }
        let connecting = if case .connecting = phase { true } else { false }
        if connecting, revents & Int16(POLLERR | POLLHUP) != 0 {
            // A refused or reset connection; during a TLS handshake libmosquitto would take it
            // for "try again" and wait for the timeout.
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            let fd = mosquitto_socket(handle)
            if fd >= 0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error != 0 {
                return lost(String(cString: strerror(error)))
            }
            if revents & Int16(POLLHUP) != 0 { return lost(lastRefusal ?? "the broker closed the connection") }
        }
        if revents & Int16(POLLOUT) != 0 { transportUp = true }
        // While TLS shakes hands, libmosquitto advances the handshake in loop_read only.
        if revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 || (connecting && revents & Int16(POLLOUT) != 0) {
            var rc = mosquitto_loop_read(handle, 1)
            // libmosquitto reads one packet a call: read on while the socket holds more, so a
            // burst (a subscription's retained messages, 2,000 receipts at once) is taken as fast
            // as it comes. Mosquitto drops QoS 0 messages for a client it already has
            // max_queued_messages packets waiting for. Bounded, so other clients get their turn.
            var reads = 1
            while rc == MOSQ_ERR_SUCCESS.rawValue, reads < Self.readsPerWake, mosquitto_socket(handle) >= 0,
                  oshirase_socket_pending(mosquitto_socket(handle)) > 0 {
                rc = mosquitto_loop_read(handle, 1)
                reads += 1
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue { return lost(lastRefusal ?? Self.describe(rc)) }
        }
        if revents & Int16(POLLOUT) != 0, mosquitto_socket(handle) >= 0 {
            let rc = mosquitto_loop_write(handle, 1)
            if rc != MOSQ_ERR_SUCCESS.rawValue { return lost(lastRefusal ?? Self.describe(rc)) }
        }
        if mosquitto_socket(handle) < 0 { lost(lastRefusal ?? "the broker closed the connection") }
    }

    /// Timeouts, retries and keepalive pings; returns when it next has something to do.
    func housekeeping(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let handle else { return nil }
        switch phase {
        case .waiting(let until):
            if now >= until { attempt(now: now) }
            if case .waiting(let next) = phase { return next }
            if case .connecting(_, let deadline) = phase { return deadline }
            return nil
        case .connecting(_, let deadline):
            if now >= deadline {
                lost(transportUp ? "no answer from the broker within \(settings.connectTimeout)"
                                 : "cannot reach the broker within \(settings.connectTimeout)")
            }
            return deadline
        case .connected:
            let rc = mosquitto_loop_misc(handle)
            if rc != MOSQ_ERR_SUCCESS.rawValue || mosquitto_socket(handle) < 0 {
                lost(rc == MOSQ_ERR_KEEPALIVE.rawValue || rc == MOSQ_ERR_SUCCESS.rawValue
                     ? "no answer to a keepalive ping within \(settings.keepalive) s" : Self.describe(rc))
            }
            return nil
        case .stopped:
            return nil
        }
    }

    fileprivate func connected(rc: Int32, flags: Int32) {
        guard let handle, case .connecting(let endpoint, _) = phase else { return }
        guard rc == 0 else {
            lastRefusal = "the broker refused the connection: \(String(cString: mosquitto_reason_string(rc)))"
            return
        }
        sessionPresent = flags & 1 != 0
        accepted = true
        // Every subscription asks for the retained messages again, even with the session kept:
        // a broker restarted without its database, or one that let the session expire, holds
        // only the retained copies of what the client missed. The client dedupes.
        let options = Int32(MQTT_SUB_OPT_SEND_RETAIN_ALWAYS.rawValue)
        for subscription in settings.subscriptions {
            var mid: Int32 = 0
            let result = mosquitto_subscribe_v5(handle, &mid, subscription.filter, subscription.qos, options, nil)
            if result == MOSQ_ERR_SUCCESS.rawValue {
                pendingSubscriptions[mid] = subscription.filter
            } else {
                refusedSubscriptions.append(subscription.filter)
            }
        }
        if pendingSubscriptions.isEmpty { ready(endpoint) }
    }

    fileprivate func subscribed(mid: Int32, codes: [Int32]) {
        guard case .connecting(let endpoint, _) = phase, let filter = pendingSubscriptions.removeValue(forKey: mid) else { return }
        if codes.contains(where: { $0 >= 0x80 }) { refusedSubscriptions.append(filter) }
        if pendingSubscriptions.isEmpty { ready(endpoint) }
    }

    private func ready(_ endpoint: MQTTEndpoint) {
        phase = .connected(endpoint)
        connectedAt = .now
        onEvent(.connected(MQTTConnection(endpoint: endpoint, sessionPresent: sessionPresent,
                                          refusedSubscriptions: refusedSubscriptions)))
    }

    fileprivate func acknowledged(mid: Int32, reason: Int32) {
        guard let token = inflight.removeValue(forKey: mid) else { return }
        onEvent(.delivered(token: token, refusal: reason >= 0x80 ? String(cString: mosquitto_reason_string(reason)) : nil))
    }

    private func lost(_ reason: String) {
        let endpoint: MQTTEndpoint
        switch phase {
        case .connecting(let attempted, _): endpoint = attempted
        case .connected(let was): endpoint = was
        case .waiting, .stopped: return
        }
        // Ends the connection now (libmosquitto closes the descriptor at the next attempt).
        if let handle, case let fd = mosquitto_socket(handle), fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        if let connectedAt, ContinuousClock.now - connectedAt >= .seconds(settings.keepalive) { failures = 0 }
        connectedAt = nil
        failures += 1
        nextEndpoint += 1
        let delay = Self.backoff(failures: failures, base: settings.reconnectBase, cap: settings.reconnectCap,
                                 unit: Double.random(in: 0...1, using: &random))
        phase = .waiting(until: .now + delay)
        onEvent(.disconnected(endpoint: endpoint, reason: reason, retryIn: delay))
    }

    /// The wait after the `failures`-th failure in a row: uniform between 100 ms and `base`
    /// doubled `failures - 1` times (at most `cap`), `unit` being the uniform draw in 0...1.
    public static func backoff(failures: Int, base: Duration, cap: Duration, unit: Double) -> Duration {
        let doublings = min(max(failures - 1, 0), 30)
        let ceiling = min(cap, base * (1 << doublings))
        let floor = Duration.milliseconds(100)
        guard ceiling > floor else { return floor }
        return floor + (ceiling - floor) * min(max(unit, 0), 1)
    }

    func send(_ message: MQTTOutgoing) {
        let canPublish = switch phase {
        case .connected: true
        case .connecting: accepted
        case .waiting, .stopped: false
        }
        guard let handle, canPublish else {
            return onEvent(.notSent(token: message.token, reason: "not connected to a broker"))
        }
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        if let expiry = message.expiry {
            _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry)
        }
        var mid: Int32 = 0
        let rc = message.payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(handle, &mid, message.topic, Int32(bytes.count), bytes.baseAddress, message.qos,
                                 message.retain, properties)
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            return onEvent(.notSent(token: message.token, reason: Self.describe(rc)))
        }
        if message.qos > 0 {
            inflight[mid] = message.token
        } else {
            onEvent(.delivered(token: message.token, refusal: nil))
        }
    }

    func finish(publishingWill: Bool) {
        guard let handle else { return }
        if case .connected = phase {
            _ = mosquitto_disconnect_v5(handle, publishingWill ? Int32(MQTT_RC_DISCONNECT_WITH_WILL_MSG.rawValue) : 0, nil)
        }
        phase = .stopped
        mosquitto_destroy(handle)
        self.handle = nil
        onEvent(.stopped)
    }
}
