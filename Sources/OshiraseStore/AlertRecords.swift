package import Foundation
import GRDB

/// One emergency message as received: its CAP identity, the exact bytes, and who signed it.
package struct StoredAlertMessage: Sendable, Equatable {
    package var sender: String
    package var identifier: String
    /// The message's `sent`, as written in it.
    package var sent: String
    package var receivedAt: Date
    /// The key that signed it (nil for a feed trusted by its https sender).
    package var keyID: String?
    package var body: [UInt8]

    package init(sender: String, identifier: String, sent: String, receivedAt: Date, keyID: String?, body: [UInt8]) {
        self.sender = sender
        self.identifier = identifier
        self.sent = sent
        self.receivedAt = receivedAt
        self.keyID = keyID
        self.body = body
    }
}

/// What storing a message did.
package enum AlertStoreOutcome: Sendable, Equatable {
    case stored
    /// The same identity with the same bytes: nothing changed.
    case duplicate
    /// The same identity with other bytes: refused.
    case conflict
}

/// One line of the push audit: every request, accepted or not.
package struct AlertAuditEntry: Sendable, Equatable, Codable {
    package var time: Date
    package var keyID: String?
    /// The client's address.
    package var source: String
    /// `accepted`, `duplicate`, or why it was refused (`bad-signature`, `replayed`, …).
    package var outcome: String
    /// The HTTP status answered.
    package var status: Int
    package var identifier: String?
    package var reason: String?

    /// As `report --alerts --format json` writes it: `key` for the key id, and `null` for a key,
    /// identifier or reason there was none of.
    private enum CodingKeys: String, CodingKey {
        case time
        case keyID = "key"
        case source, outcome, status, identifier, reason
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(time, forKey: .time)
        try c.encode(keyID, forKey: .keyID)
        try c.encode(source, forKey: .source)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(status, forKey: .status)
        try c.encode(identifier, forKey: .identifier)
        try c.encode(reason, forKey: .reason)
    }

    package init(time: Date, keyID: String?, source: String, outcome: String, status: Int, identifier: String?, reason: String?) {
        self.time = time
        self.keyID = keyID
        self.source = source
        self.outcome = outcome
        self.status = status
        self.identifier = identifier
        self.reason = reason
    }
}
