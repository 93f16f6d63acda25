package import Foundation
import GRDB

/// The kiosks' hourly screening counts: the `screening` table (docs/sensors.md).
extension StateStore {
    /// Adds `count` visitors classed `className` (`normal`, `fever`, `retry`) by `sensor` to the
    /// hour containing `at`, in its own transaction.
    ///
    /// Only the class and the hour are kept: the reading itself has nowhere to go (docs/sensors.md).
    /// Like ``record(_:)`` it takes a few milliseconds; call it through ``ProofOfPlayWriter``
    /// from the screening loop, never on it. A class name other than the three, an empty sensor
    /// name or a count below 1 is refused with `.invalidRecord` and nothing changes.
    package func countScreening(sensor: String, className: String, at: Date, by count: Int = 1) throws(StateStoreError) {
        guard !isReadOnly else {
            throw StateStoreError(code: .readOnly, path: databasePath,
                                        message: "cannot count a screening in \(databasePath): the store was opened for reading only")
        }
        guard !sensor.isEmpty else {
            throw StateStoreError(code: .invalidRecord, path: databasePath,
                                        message: "cannot count a screening without a sensor name: give the sensor's name from the config")
        }
        guard ScreeningCount.classNames.contains(className) else {
            throw StateStoreError(
                code: .invalidRecord, path: databasePath,
                message: "cannot count a screening of class '\(className)' on sensor \(sensor): the class must be normal, fever or retry")
        }
        guard count >= 1 else {
            throw StateStoreError(code: .invalidRecord, path: databasePath,
                                        message: "cannot add \(count) screenings on sensor \(sensor): the count must be at least 1")
        }
        guard let hour = ScreeningCount.hourMilliseconds(containing: at) else {
            throw StateStoreError(code: .invalidRecord, path: databasePath,
                                        message: "cannot count a screening on sensor \(sensor): its time is not a real instant")
        }
        do {
            try database.writeWithoutTransaction { db in
                // IMMEDIATE, as in record(_:): wait for a lock held elsewhere in the busy handler.
                try db.inTransaction(.immediate) {
                    try db.execute(
                        sql: """
                            INSERT INTO screening (sensor, hour_ms, class, count) VALUES (?, ?, ?, ?)
                            ON CONFLICT (sensor, hour_ms, class) DO UPDATE SET count = count + excluded.count
                            """,
                        arguments: [sensor, hour, className, count])
                    return .commit
                }
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "write")
        }
    }

    /// The hourly counts of the hours starting in `[from, to)`, ordered by hour, sensor, then
    /// class; `sensor` limits them to one sensor. Hours with no visitor of a class have no entry.
    package func screeningCounts(from: Date, to: Date, sensor: String? = nil) throws(StateStoreError) -> [ScreeningCount] {
        var sql = "SELECT sensor, hour_ms, class, count FROM screening WHERE hour_ms >= ? AND hour_ms < ?"
        var arguments: StatementArguments = [Self.clampedMilliseconds(from), Self.clampedMilliseconds(to)]
        if let sensor {
            sql += " AND sensor = ?"
            arguments += [sensor]
        }
        sql += " ORDER BY hour_ms, sensor, class"
        do {
            return try database.read { db in
                guard try Self.hasScreeningTable(db) else { return [] }
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    ScreeningCount(sensor: row[0], hourStart: Self.date(milliseconds: row[1]), className: row[2], count: row[3])
                }
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    /// Visitors per class (`normal`, `fever`, `retry`) over every hour kept, for status pages;
    /// `sensor` limits them to one sensor. A class nobody was counted in has no entry.
    package func screeningTotals(sensor: String? = nil) throws(StateStoreError) -> [String: Int] {
        var sql = "SELECT class, SUM(count) FROM screening"
        var arguments: StatementArguments = []
        if let sensor {
            sql += " WHERE sensor = ?"
            arguments += [sensor]
        }
        sql += " GROUP BY class"
        do {
            return try database.read { db in
                guard try Self.hasScreeningTable(db) else { return [:] }
                var totals: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) { totals[row[0]] = row[1] }
                return totals
            }
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    /// A store opened read-only on the file of a daemon that predates the screening table (a
    /// copied database, a report run before the upgraded daemon first starts) has no such table:
    /// it then has no counts, rather than an error.
    static func hasScreeningTable(_ db: Database) throws -> Bool {
        try db.tableExists("screening")
    }

    /// SQLite's `PRAGMA integrity_check`: `ok` for a sound database, else SQLite's list of problems.
}
