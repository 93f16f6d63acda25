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
    /// True when the box had the message already (published again, or sent to it by push too).
    package var duplicate: Bool?
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

/// `oshirase/v1/box/<id>/state`, retained: what each display shows and the alerts the box holds,
/// published on a change (at most every 2 s) and every 5 minutes.
package struct BoxState: Codable, Sendable, Equatable {
    package var box: String
    package var boot: String
    /// When it was published, UTC ISO 8601: the box was alive then.
    package var at: String
    package var displays: [Display]
    package var alerts: [Alert]
    /// The last receipt the box sent, so a view started later still sees it.
    package var lastReceipt: AlertReceipt?

    package struct Display: Codable, Sendable, Equatable {
        package var name: String
        package var profile: String
        /// False while the power schedule has the screen off.
        package var powered: Bool
        /// Item id per zone (`main`, `ticker`); `idle` when nothing is scheduled.
        package var items: [String: String]
        /// LED walls: the brightness applied, 0…100.
        package var brightness: Double?
        /// The alert on screen now (its identifier), if any.
        package var alert: String?
        /// The output's error while presenting fails.
        package var error: String?

        package init(name: String, profile: String, powered: Bool, items: [String: String], brightness: Double?,
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

    package struct Alert: Codable, Sendable, Equatable {
        package var sender: String
        package var identifier: String
        package var sent: String
        package var headline: String
        package var severity: String
        /// `active` or `scheduled`.
        package var state: String

        package init(sender: String, identifier: String, sent: String, headline: String, severity: String, state: String) {
            self.sender = sender
            self.identifier = identifier
            self.sent = sent
            self.headline = headline
            self.severity = severity
            self.state = state
        }
    }

    package init(box: String, boot: String, at: String, displays: [Display], alerts: [Alert]) {
        self.box = box
        self.boot = boot
        self.at = at
        self.displays = displays
        self.alerts = alerts
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
