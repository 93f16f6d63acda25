public import Foundation
import OshiraseCore

/// `oshirase/v1/box/<id>/status`, retained: `online` when the box connects, `offline` as its
/// will (published by the broker when the box vanishes, or when it stops).
public struct BoxStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case online, offline }
    public var box: String
    public var state: State
    /// A new random id at each start of the daemon: a changed boot id means it restarted.
    public var boot: String
    public var version: String
    /// The site name of the box's config.
    public var site: String?
    /// When it connected (online only), UTC ISO 8601.
    public var since: String?

    public init(box: String, state: State, boot: String, version: String, site: String?, since: String?) {
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
public struct AlertReceipt: Codable, Sendable, Equatable {
    public var box: String
    public var sender: String
    public var identifier: String
    public var sent: String
    /// When the box's intake took the message, UTC ISO 8601 with milliseconds.
    public var received: String?
    /// What the box made of it: active, scheduled, not-shown (with `reason`), cancelled, expired.
    public var state: String?
    public var reason: String?
    /// True when the box had the message already (published again, or sent to it by push too).
    public var duplicate: Bool?
    /// The display, and when the first frame with the alert was presented on it.
    public var display: String?
    public var shown: String?

    public init(box: String, sender: String, identifier: String, sent: String, received: Date?) {
        self.box = box
        self.sender = sender
        self.identifier = identifier
        self.sent = sent
        self.received = received.map { Instant.formatUTC($0, milliseconds: true) }
    }
}

/// `oshirase/v1/box/<id>/state`, retained: what each display shows and the alerts the box holds,
/// published on a change (at most every 2 s) and every 5 minutes.
public struct BoxState: Codable, Sendable, Equatable {
    public var box: String
    public var boot: String
    /// When it was published, UTC ISO 8601: the box was alive then.
    public var at: String
    public var displays: [Display]
    public var alerts: [Alert]
    /// The last receipt the box sent, so a view started later still sees it.
    public var lastReceipt: AlertReceipt?

    public struct Display: Codable, Sendable, Equatable {
        public var name: String
        public var profile: String
        /// False while the power schedule has the screen off.
        public var powered: Bool
        /// Item id per zone (`main`, `ticker`); `idle` when nothing is scheduled.
        public var items: [String: String]
        /// LED walls: the brightness applied, 0…100.
        public var brightness: Double?
        /// The alert on screen now (its identifier), if any.
        public var alert: String?
        /// The output's error while presenting fails.
        public var error: String?

        public init(name: String, profile: String, powered: Bool, items: [String: String], brightness: Double?,
                    alert: String?, error: String?) {
            self.name = name
            self.profile = profile
            self.powered = powered
            self.items = items
            self.brightness = brightness
            self.alert = alert
            self.error = error
        }
    }

    public struct Alert: Codable, Sendable, Equatable {
        public var sender: String
        public var identifier: String
        public var sent: String
        public var headline: String
        public var severity: String
        /// `active` or `scheduled`.
        public var state: String

        public init(sender: String, identifier: String, sent: String, headline: String, severity: String, state: String) {
            self.sender = sender
            self.identifier = identifier
            self.sent = sent
            self.headline = headline
            self.severity = severity
            self.state = state
        }
    }

    public init(box: String, boot: String, at: String, displays: [Display], alerts: [Alert]) {
        self.box = box
        self.boot = boot
        self.at = at
        self.displays = displays
        self.alerts = alerts
    }
}

/// The JSON of the fleet's documents: keys sorted, so equal documents are equal bytes and a
/// retained message is republished only when it changed.
public enum FleetJSON {
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structures cannot fail.
        return (try? Array(encoder.encode(value))) ?? []
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
