package import Foundation
import GRDB

/// Emergency messages as received, their audit and the signatures seen: the `alert_message`,
/// `alert_audit` and `alert_signature` tables (docs/alerts.md).
extension StateStore {
    /// Stores a message durably: when this returns `.stored`, it survives a power cut (the
    /// transaction is synced: the store's writer runs with `synchronous=FULL`), not only a kill -9. Same identity and bytes is
    /// `.duplicate`, other bytes `.conflict`; neither changes anything.
    package func storeAlertMessage(_ message: StoredAlertMessage) throws(StateStoreError) -> AlertStoreOutcome {
        try checkWritable("store an alert")
        do {
            return try database.writeWithoutTransaction { db in
                // The store's writer is synchronous=FULL: the commit below is synced before the 202.
                var outcome = AlertStoreOutcome.stored
                try db.inTransaction {
                    let existing = try Row.fetchOne(
                        db, sql: "SELECT body FROM alert_message WHERE sender = ? AND identifier = ? AND sent = ?",
                        arguments: [message.sender, message.identifier, message.sent])
                    if let existing {
                        let body: Data = existing[0]
                        outcome = [UInt8](body) == message.body ? .duplicate : .conflict
                        return .rollback
                    }
                    try db.execute(
                        sql: "INSERT INTO alert_message (sender, identifier, sent, received_ms, key_id, body) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [message.sender, message.identifier, message.sent, Self.clampedMilliseconds(message.receivedAt),
                                    message.keyID, Data(message.body)])
                    return .commit
                }
                return outcome
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "store an alert in")
        }
    }

    /// Every stored message received at or after `since`, oldest first: what a restart replays.
    package func alertMessages(receivedSince since: Date = .distantPast) throws(StateStoreError) -> [StoredAlertMessage] {
        do {
            return try database.read { db in
                guard try db.tableExists("alert_message") else { return [] }
                return try Row.fetchAll(
                    db, sql: "SELECT sender, identifier, sent, received_ms, key_id, body FROM alert_message WHERE received_ms >= ? ORDER BY received_ms, rowid",
                    arguments: [Self.clampedMilliseconds(since)]).map { row in
                        let body: Data = row[5]
                        return StoredAlertMessage(sender: row[0], identifier: row[1], sent: row[2],
                                                  receivedAt: Self.date(milliseconds: row[3]), keyID: row[4], body: [UInt8](body))
                    }
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "read alerts from")
        }
    }

    /// Deletes messages received before `cutoff`; returns how many went.
    @discardableResult
    package func deleteAlertMessages(receivedBefore cutoff: Date) throws(StateStoreError) -> Int {
        try checkWritable("delete alerts")
        do {
            return try database.write { db in
                try db.execute(sql: "DELETE FROM alert_message WHERE received_ms < ?", arguments: [Self.clampedMilliseconds(cutoff)])
                return db.changesCount
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "delete alerts from")
        }
    }

    /// Appends one line to the push audit.
    package func audit(_ entry: AlertAuditEntry) throws(StateStoreError) {
        try checkWritable("audit a push")
        do {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO alert_audit (time_ms, key_id, source, outcome, status, identifier, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [Self.clampedMilliseconds(entry.time), entry.keyID, entry.source, entry.outcome, entry.status,
                                entry.identifier, entry.reason])
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "audit a push in")
        }
    }

    /// Deletes audit lines before `cutoff`; returns how many went.
    @discardableResult
    package func deleteAuditEntries(before cutoff: Date) throws(StateStoreError) -> Int {
        try checkWritable("delete audit lines")
        do {
            return try database.write { db in
                try db.execute(sql: "DELETE FROM alert_audit WHERE time_ms < ?", arguments: [Self.clampedMilliseconds(cutoff)])
                return db.changesCount
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "delete audit lines from")
        }
    }

    /// The audit lines in `[from, to)`, oldest first.
    package func auditEntries(from: Date, to: Date) throws(StateStoreError) -> [AlertAuditEntry] {
        var entries: [AlertAuditEntry] = []
        try forEachAuditEntry(from: from, to: to) { entries.append($0) }
        return entries
    }

    /// Calls `body` with each audit line from `from` (inclusive) to `to` (exclusive), in order,
    /// one at a time: a flood of forged pushes can leave millions, and a report streams them.
    package func forEachAuditEntry(from: Date, to: Date, _ body: (AlertAuditEntry) throws -> Void) throws(StateStoreError) {
        do {
            try database.read { db in
                guard try db.tableExists("alert_audit") else { return }
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT time_ms, key_id, source, outcome, status, identifier, reason FROM alert_audit WHERE time_ms >= ? AND time_ms < ? ORDER BY time_ms, id",
                    arguments: [Self.clampedMilliseconds(from), Self.clampedMilliseconds(to)])
                while let row = try rows.next() {
                    try body(AlertAuditEntry(time: Self.date(milliseconds: row[0]), keyID: row[1], source: row[2], outcome: row[3],
                                             status: row[4], identifier: row[5], reason: row[6]))
                }
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "read the push audit from")
        }
    }

    /// Remembers a signature's digest until `expires`; false when it is already remembered
    /// (a replay). Expired digests are dropped on the way.
    package func rememberSignature(digest: [UInt8], expires: Date, now: Date) throws(StateStoreError) -> Bool {
        try checkWritable("remember a signature")
        do {
            return try database.write { db in
                try db.execute(sql: "DELETE FROM alert_signature WHERE expires_ms <= ?", arguments: [Self.clampedMilliseconds(now)])
                try db.execute(sql: "INSERT OR IGNORE INTO alert_signature (digest, expires_ms) VALUES (?, ?)",
                               arguments: [Data(digest), Self.clampedMilliseconds(expires)])
                return db.changesCount == 1
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "remember a signature in")
        }
    }

    /// Whether a signature's digest is remembered and unexpired at `now`, without remembering it.
    package func remembersSignature(digest: [UInt8], now: Date) throws(StateStoreError) -> Bool {
        do {
            return try database.read { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM alert_signature WHERE digest = ? AND expires_ms > ?)",
                                  arguments: [Data(digest), Self.clampedMilliseconds(now)]) ?? false
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "read a signature from")
        }
    }

    /// Forgets a signature remembered by `rememberSignature`: the push it came with could not be
    /// stored, and the same request may come again.
    package func forgetSignature(digest: [UInt8]) throws(StateStoreError) {
        try checkWritable("forget a signature")
        do {
            try database.write { db in
                try db.execute(sql: "DELETE FROM alert_signature WHERE digest = ?", arguments: [Data(digest)])
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "forget a signature in")
        }
    }

    private func checkWritable(_ action: String) throws(StateStoreError) {
        guard !isReadOnly else {
            throw StateStoreError(code: .readOnly, path: databasePath,
                                        message: "cannot \(action) in \(databasePath): the store was opened for reading only")
        }
    }
}
