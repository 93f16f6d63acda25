package import Foundation
import GRDB

/// Proof of play: the `play` table, one row per item shown (docs/proof-of-play.md).
extension StateStore {
    /// Stores one record in its own transaction; when this returns, the record survives a kill -9.
    ///
    /// Takes a few milliseconds (an fsync-free WAL append): call it through ``ProofOfPlayWriter``
    /// from a frame loop, never on it.
    package func record(_ record: PlayRecord) throws(StateStoreError) {
        guard !isReadOnly else {
            throw StateStoreError(code: .readOnly, path: databasePath,
                                        message: "cannot record play in \(databasePath): the store was opened for reading only")
        }
        let start = try Self.milliseconds(record.start, field: "start", of: record)
        let end = try Self.milliseconds(record.end, field: "end", of: record)
        guard end >= start else {
            throw StateStoreError(
                code: .invalidRecord, path: databasePath,
                message: "cannot record play of '\(record.item)' on \(record.display): it ends before it starts")
        }
        do {
            try database.writeWithoutTransaction { db in
                // IMMEDIATE takes the write lock first, so a lock held elsewhere makes us wait in the
                // busy handler rather than fail after a read.
                try db.inTransaction(.immediate) {
                    try db.execute(
                        sql: "INSERT INTO play (display, zone, playlist, item, start_ms, end_ms) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [record.display, record.zone, record.playlist, record.item, start, end])
                    return .commit
                }
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "write")
        }
    }

    /// The records overlapping `[from, to)`: those with `start < to` and `end > from`, so an item
    /// that began before `from` or ends after `to` is included whole. Ordered by start, display,
    /// zone, then the order they were written. `display` limits the result to one display.
    package func records(from: Date, to: Date, display: String? = nil) throws(StateStoreError) -> [PlayRecord] {
        var result: [PlayRecord] = []
        try forEachRecord(from: from, to: to, display: display) { result.append($0) }
        return result
    }

    /// Like ``records(from:to:display:)``, one record at a time, for reports too long to hold in memory.
    ///
    /// The whole walk reads one snapshot; the daemon keeps writing meanwhile.
    package func forEachRecord(from: Date, to: Date, display: String? = nil,
                              _ body: (PlayRecord) throws -> Void) throws(StateStoreError) {
        let lower = Self.clampedMilliseconds(from), upper = Self.clampedMilliseconds(to)
        var sql = "SELECT display, zone, playlist, item, start_ms, end_ms FROM play WHERE end_ms > ? AND start_ms < ?"
        var arguments: StatementArguments = [lower, upper]
        if let display {
            sql += " AND display = ?"
            arguments += [display]
        }
        sql += " ORDER BY start_ms, display, zone, id"
        do {
            try database.read { db in
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    try body(PlayRecord(
                        display: row[0], zone: row[1], playlist: row[2], item: row[3],
                        start: Self.date(milliseconds: row[4]), end: Self.date(milliseconds: row[5])))
                }
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    /// Retention: deletes the play records that ended at or before `cutoff`, and the hourly
    /// screening counts of hours that ended at or before it; returns how many rows went (play
    /// records plus hourly counts). Both go in one transaction, so the daemon's one retention
    /// setting bounds the whole database.
    /// Freed pages are reused by later records, so the file stops growing rather than shrinking.
    @discardableResult
    package func deleteRecords(before cutoff: Date) throws(StateStoreError) -> Int {
        guard !isReadOnly else {
            throw StateStoreError(code: .readOnly, path: databasePath,
                                        message: "cannot delete old records from \(databasePath): the store was opened for reading only")
        }
        let limit = Self.clampedMilliseconds(cutoff)
        do {
            return try database.write { db in
                try db.execute(sql: "DELETE FROM play WHERE end_ms <= ?", arguments: [limit])
                let plays = db.changesCount
                // An hour ends an hour after it starts: it has ended by the cutoff when it started
                // an hour or more before it.
                try db.execute(sql: "DELETE FROM screening WHERE hour_ms <= ?",
                               arguments: [limit - ScreeningCount.hourMilliseconds])
                return plays + db.changesCount
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "delete old records from")
        }
    }
}
