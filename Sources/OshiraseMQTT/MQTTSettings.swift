/// How one client connects: who it is, where, how it proves it, and what it asks for.
package struct MQTTSettings: Sendable {
    /// The client id; a durable session is kept under it, so it must be stable and unique.
    package var clientID: String
    /// The brokers, tried in turn: a failed attempt moves on to the next one.
    package var endpoints: [MQTTEndpoint]
    /// The certificate files for `mqtts://` endpoints.
    package var tls: MQTTTLSFiles?
    /// A user name and password, for brokers that ask for one instead of a client certificate.
    package var username: String?
    package var password: String?
    /// Seconds between keepalive pings; the broker drops a client silent for 1.5 times this.
    package var keepalive: Int = 30
    /// Keeps the broker's session (subscriptions and queued messages) for this many seconds
    /// after a disconnect, and does not start clean; nil starts clean and keeps nothing.
    package var sessionExpiry: UInt32?
    /// Published by the broker when the client vanishes without a DISCONNECT (or stops with
    /// ``MQTTClient/stop(publishingWill:)``).
    package var will: MQTTOutgoing?
    /// Subscribed on every connect, before ``MQTTEvent/connected(_:)`` is reported.
    package var subscriptions: [MQTTSubscription] = []
    /// The wait before reconnecting: random (for a thousand boxes do not return in the same
    /// second) up to `reconnectBase` doubled for each failed attempt, at most `reconnectCap`.
    package var reconnectBase: Duration = .seconds(2)
    package var reconnectCap: Duration = .seconds(60)
    /// The longest a connection attempt (TCP, TLS, CONNECT, CONNACK, SUBACK) may take.
    package var connectTimeout: Duration = .seconds(10)
    /// The largest packet the broker may send this client (MQTT 5): 2 MiB holds a 1 MiB alert.
    package var maximumPacketSize: UInt32 = 2 << 20

    package init(clientID: String, endpoints: [MQTTEndpoint]) {
        self.clientID = clientID
        self.endpoints = endpoints
    }
}

/// PEM files for TLS: the authority that signed the brokers' certificates, and the client's
/// own certificate and key (its identity; a broker may map the certificate to a user name).
package struct MQTTTLSFiles: Sendable, Equatable {
    package var certificateAuthority: String
    package var certificate: String?
    package var key: String?

    package init(certificateAuthority: String, certificate: String? = nil, key: String? = nil) {
        self.certificateAuthority = certificateAuthority
        self.certificate = certificate
        self.key = key
    }
}

/// A topic filter to subscribe to.
package struct MQTTSubscription: Sendable, Equatable {
    package var filter: String
    package var qos: Int32 = 1

    package init(_ filter: String, qos: Int32 = 1) {
        self.filter = filter
        self.qos = qos
    }
}

/// A message to publish.
package struct MQTTOutgoing: Sendable, Equatable {
    package var topic: String
    package var payload: [UInt8]
    package var qos: Int32
    package var retain: Bool
    /// The MQTT 5 message expiry: the broker drops the message (retained or queued) after this
    /// many seconds.
    package var expiry: UInt32?
    /// The caller's number for this message, reported back in ``MQTTEvent/delivered(token:refusal:)``.
    package var token: UInt64

    package init(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false, expiry: UInt32? = nil,
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
package struct MQTTMessage: Sendable, Equatable {
    package var topic: String
    package var payload: [UInt8]
    /// True when the broker sent it from its retained store (a subscription's first look).
    package var retained: Bool
    package var qos: Int32
}

/// What a client reports, in order, on the loop's thread: keep the handler short.
package enum MQTTEvent: Sendable, Equatable {
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
package struct MQTTConnection: Sendable, Equatable {
    package var endpoint: MQTTEndpoint
    /// True when the broker still had this client's session (its subscriptions and what was
    /// queued while it was away).
    package var sessionPresent: Bool
    /// Filters the broker refused (an ACL), with its reason code.
    package var refusedSubscriptions: [String]
}
