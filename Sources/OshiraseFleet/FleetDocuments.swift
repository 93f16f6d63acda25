package import Foundation
import OshiraseCore

/// `oshirase/v1/box/<id>/status`, retained: `online` when the box connects, `offline` as its
/// will (published by the broker when the box vanishes, or when it stops).
package struct BoxStatus: Codable, Sendable, Equatable {
    package enum State: String, Codable, Sendable { case online, offline }
    package var box: String
    package var state: State
    /// A new random id at each start of the daemon: a changed boot id means it restarted.
    package var boot: String
    package var version: String
    /// The site name of the box's config.
    package var site: String?
    /// When it connected (online only), UTC ISO 8601.
    package var since: String?

    package init(box: String, state: State, boot: String, version: String, site: String?, since: String?) {
        self.box = box
        self.state = state
        self.boot = boot
        self.version = version
        self.site = site
        self.since = since
    }
}

/// `oshirase/v1/box/<id>/receipt`, QoS 1: the box took an alert from the broker (no `display`),
/// or an alert's first frame reached a display's screen (`display` and `shown`).
package struct AlertReceipt: Codable, Sendable, Equatable {
    package var box: String
    package var sender: String
    package var identifier: String
    package var sent: String
    /// When the box's intake took the message, UTC ISO 8601 with milliseconds.
    package var received: String?
    /// What the box made of it: active, scheduled, not-shown (with `reason`), cancelled, expired.
    package var state: String?
    package var reason: String?
    /// The display, and when the first frame with the alert was presented on it.
    package var display: String?
    package var shown: String?

    package init(box: String, sender: String, identifier: String, sent: String, received: Date?) {
        self.box = box
        self.sender = sender
        self.identifier = identifier
        self.sent = sent
        self.received = received.map { Instant.formatUTC($0, milliseconds: true) }
    }
}

/// The JSON of the fleet's documents: keys sorted, so equal documents are equal bytes and a
/// retained message is republished only when it changed.
package enum FleetJSON {
    package static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structures cannot fail.
        return (try? Array(encoder.encode(value))) ?? []
    }

    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
