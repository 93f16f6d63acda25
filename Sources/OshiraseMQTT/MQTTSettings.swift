/// How one client connects: who it is, where, how it proves it, and what it asks for.
public struct MQTTSettings: Sendable {
    /// The client id; a durable session is kept under it, so it must be stable and unique.
    public var clientID: String
    /// The brokers, tried in turn: a failed attempt moves on to the next one.
    public var endpoints: [MQTTEndpoint]
    /// The certificate files for `mqtts://` endpoints.
    public var tls: MQTTTLSFiles?
    /// A user name and password, for brokers that ask for one instead of a client certificate.
    public var username: String?
    public var password: String?
    /// Seconds between keepalive pings; the broker drops a client silent for 1.5 times this.
    public var keepalive: Int = 30
    /// Keeps the broker's session (subscriptions and queued messages) for this many seconds
    /// after a disconnect, and does not start clean; nil starts clean and keeps nothing.
    public var sessionExpiry: UInt32?
    /// Published by the broker when the client vanishes without a DISCONNECT (or stops with
    /// ``MQTTClient/stop(publishingWill:)``).
    public var will: MQTTOutgoing?
    /// Subscribed on every connect, before ``MQTTEvent/connected(_:)`` is reported.
    public var subscriptions: [MQTTSubscription] = []
    /// The wait before reconnecting: random (for a thousand boxes do not return in the same
    /// second) up to `reconnectBase` doubled for each failed attempt, at most `reconnectCap`.
    public var reconnectBase: Duration = .seconds(2)
    public var reconnectCap: Duration = .seconds(60)
    /// The longest a connection attempt (TCP, TLS, CONNECT, CONNACK, SUBACK) may take.
    public var connectTimeout: Duration = .seconds(10)
    /// The largest packet the broker may send this client (MQTT 5): 2 MiB holds a 1 MiB alert.
    public var maximumPacketSize: UInt32 = 2 << 20

    public init(clientID: String, endpoints: [MQTTEndpoint]) {
        self.clientID = clientID
        self.endpoints = endpoints
    }
}

/// PEM files for TLS: the authority that signed the brokers' certificates, and the client's
/// own certificate and key (its identity; a broker may map the certificate to a user name).
public struct MQTTTLSFiles: Sendable, Equatable {
    public var certificateAuthority: String
    public var certificate: String?
    public var key: String?

    public init(certificateAuthority: String, certificate: String? = nil, key: String? = nil) {
        self.certificateAuthority = certificateAuthority
        self.certificate = certificate
        self.key = key
    }
}

/// A topic filter to subscribe to.
public struct MQTTSubscription: Sendable, Equatable {
    public var filter: String
    public var qos: Int32 = 1

    public init(_ filter: String, qos: Int32 = 1) {
        self.filter = filter
        self.qos = qos
    }
}

/// A message to publish.
public struct MQTTOutgoing: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool
    /// The MQTT 5 message expiry: the broker drops the message (retained or queued) after this
    /// many seconds.
    public var expiry: UInt32?
    /// The caller's number for this message, reported back in ``MQTTEvent/delivered(token:refusal:)``.
    public var token: UInt64

    public init(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false, expiry: UInt32? = nil,
                token: UInt64 = 0) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.expiry = expiry
        self.token = token
    }
}

/// A message received.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    /// True when the broker sent it from its retained store (a subscription's first look).
    public var retained: Bool
    public var qos: Int32
}

/// What a client reports, in order, on the loop's thread: keep the handler short.
public enum MQTTEvent: Sendable, Equatable {
    /// Connected and subscribed.
    case connected(MQTTConnection)
    /// An attempt failed or a connection ended; the client tries again after `retryIn`.
    case disconnected(endpoint: MQTTEndpoint, reason: String, retryIn: Duration)
    case message(MQTTMessage)
    /// The broker acknowledged a QoS 1 message (or refused it, with the reason).
    case delivered(token: UInt64, refusal: String?)
    /// The message could not be handed to the broker (not connected, or refused by the library).
    case notSent(token: UInt64, reason: String)
    /// ``MQTTClient/stop(publishingWill:)`` has finished: no further event follows.
    case stopped
}

/// One established connection.
public struct MQTTConnection: Sendable, Equatable {
    public var endpoint: MQTTEndpoint
    /// True when the broker still had this client's session (its subscriptions and what was
    /// queued while it was away).
    public var sessionPresent: Bool
    /// Filters the broker refused (an ACL), with its reason code.
    public var refusedSubscriptions: [String]
}
