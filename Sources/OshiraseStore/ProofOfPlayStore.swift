import Foundation
import GRDB
import OshiraseCore
import Synchronization

/// Proof of play: what each display showed and when, kept in SQLite (`<state directory>/oshirase.sqlite`),
/// with the hourly screening counts of the temperature-check kiosks beside it.
///
/// The database is in WAL mode behind a GRDB `DatabasePool`: one writer connection (the daemon's
/// frame loops, through ``ProofOfPlayWriter``) and reader connections that see the last committed
/// state without waiting for the writer or making it wait. The API, a `report` started while the
/// daemon runs, and the daemon's own writes therefore never block one another. A `DatabaseQueue`
/// would serialise reads behind writes inside the process.
///
/// Instants are stored as integer milliseconds since 1970-01-01T00:00:00Z (UTC), rounded to the
/// nearest millisecond: they sort and compare as numbers, need no time-zone parsing, and any
/// SQL tool can turn them back into dates (`datetime(start_ms / 1000, 'unixepoch')`).
/// `docs/proof-of-play.md` describes the table.
public final class ProofOfPlayStore: Sendable {
    /// The database file's name inside the state directory.
    public static let fileName = "oshirase.sqlite"

    /// The state directory.
    public let directory: String
    /// `<directory>/oshirase.sqlite`.
    public let databasePath: String
    /// True when opened with ``init(readingFrom:)``.
    public let isReadOnly: Bool

    /// The open database; replaced by ``reopen()``.
    var database: any DatabaseWriter { connection.withLock { $0 } }
    private let connection: Mutex<any DatabaseWriter>
    /// How the writing pool was configured, for ``reopen()``.
    private let busyTimeout: Double
    /// When ``reopenIfDue(after:)`` last tried (or first saw a failure it could help with).
    private let lastReopen = Mutex<ContinuousClock.Instant?>(nil)
    /// How often ``reopenIfDue(after:)`` tries.
    public static let reopenInterval: Duration = .seconds(10)

    /// Opens the store for writing, creating the state directory and the database when missing and
    /// bringing the schema up to date.
    ///
    /// Durability: WAL with `synchronous=FULL`. Every committed transaction is synced to disk, so
    /// what was committed survives a power cut or a kernel crash too, not only the process being
    /// killed: proof of play is an invoice's evidence, and its records come one per item change
    /// (a sync every few seconds at most), on the writer's own thread.
    ///
    /// `busyTimeout` is how long a write waits for another process holding the write lock (an
    /// operator's sqlite3 shell, a second daemon by mistake) before giving up with a `.busy` error;
    /// ``ProofOfPlayWriter`` then tries again, keeping the record.
    public init(directory: String, busyTimeout: Double = 5) throws(ProofOfPlayStoreError) {
        self.directory = directory
        self.databasePath = (directory as NSString).appendingPathComponent(Self.fileName)
        self.isReadOnly = false
        self.busyTimeout = busyTimeout
        try StateDirectory.prepare(directory)
        connection = Mutex(try Self.openForWriting(databasePath: databasePath, busyTimeout: busyTimeout))
    }

    private static func openForWriting(databasePath: String, busyTimeout: Double) throws(ProofOfPlayStoreError) -> DatabasePool {
        try Self.checkAccess(databasePath, mode: R_OK | W_OK, doing: "write")
        var configuration = Configuration()
        configuration.label = "oshirase.proof-of-play"
        configuration.busyMode = .timeout(max(0, busyTimeout))
        configuration.maximumReaderCount = 4
        do {
            // GRDB's pool switches the file to WAL.
            let pool = try DatabasePool(path: databasePath, configuration: configuration)
            // The pool has one writing connection; GRDB set it to NORMAL, which may lose the last
            // commits in a power cut.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
            return pool
        } catch {
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "open")
        }
    }

    /// Opens the database file again, for a store whose file system the kernel turned read-only
    /// after an error: once an operator has checked it and mounted it again at the same place, the
    /// old descriptors still point at the old mount, and only a new open reaches the new one.
    ///
    /// Only an existing database is opened: while the disk is away (unmounted for its check), the
    /// bare mount point has no database, and a new empty one there would take the records and
    /// alerts that belong on the disk. On failure the store keeps the connection it had.
    public func reopen() throws(ProofOfPlayStoreError) {
        guard !isReadOnly else { return }
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw ProofOfPlayStoreError(code: .missing, path: databasePath,
                                        message: "cannot open \(databasePath) again: it is not there (is the disk mounted?)")
        }
        let fresh = try Self.openForWriting(databasePath: databasePath, busyTimeout: busyTimeout)
        // The old pool is released after the lock, so closing it on a failing disk blocks no one.
        let old = connection.withLock { current -> any DatabaseWriter in
            let old = current
            current = fresh
            return old
        }
        _ = old
    }

    /// After `error`, opens the database again when that may help (an I/O error, a read-only or
    /// unwritable file) and ``reopenInterval`` has passed since the last try; the first such
    /// failure only starts the clock. True when it reopened.
    @discardableResult
    public func reopenIfDue(after error: any Error) -> Bool {
        guard let error = error as? ProofOfPlayStoreError, error.code == .ioError || error.code == .permissionDenied else {
            return false
        }
        let now = ContinuousClock.now
        let due = lastReopen.withLock { last -> Bool in
            guard let previous = last else {
                last = now
                return false
            }
            guard now - previous >= Self.reopenInterval else { return false }
            last = now
            return true
        }
        guard due else { return false }
        do {
            try reopen()
            return true
        } catch {
            return false
        }
    }

    /// Opens an existing store for reading only, as `oshirase report` does while the daemon may be
    /// writing: nothing is created, migrated or changed, and the daemon is never blocked.
    ///
    /// Throws `.missing` when there is no database in `directory` (the daemon has not run with it yet).
    public init(readingFrom directory: String) throws(ProofOfPlayStoreError) {
        self.directory = directory
        self.databasePath = (directory as NSString).appendingPathComponent(Self.fileName)
        self.isReadOnly = true
        guard try StateDirectory.isDirectory(directory), FileManager.default.fileExists(atPath: databasePath) else {
            throw ProofOfPlayStoreError(
                code: .missing, path: databasePath,
                message: "no proof-of-play database in the state directory \(directory) (no \(Self.fileName)): "
                    + "the daemon has not run with this state directory yet")
        }
        try Self.checkAccess(databasePath, mode: R_OK, doing: "read")
        busyTimeout = 5
        connection = Mutex(try Self.openForReading(directory: directory, databasePath: databasePath))
    }

    private static func openForReading(directory: String, databasePath: String) throws(ProofOfPlayStoreError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "oshirase.proof-of-play.report"
        // Only while the daemon's first connection after a crash recovers the WAL does a reader wait.
        configuration.busyMode = .timeout(5)
        do {
            let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
            let hasTable = try queue.read { db in try db.tableExists("play") }
            guard hasTable else {
                throw ProofOfPlayStoreError(
                    code: .notADatabase, path: databasePath,
                    message: "\(databasePath) has no proof-of-play table: it is not Oshirase's, "
                        + "or the daemon stopped before it finished creating it; start the daemon once to create it")
            }
            return queue
        } catch {
            let wrapped = ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "read")
            guard wrapped.code == .permissionDenied else { throw wrapped }
            // Reading needs the -shm file beside the database; while the daemon is stopped it is
            // missing, and creating it needs write access to the folder.
            let owner = ProcessUser.owner(of: databasePath).map { "the daemon's user ('\($0)', the file's owner)" } ?? "the daemon's user"
            throw ProofOfPlayStoreError(
                code: .permissionDenied, path: databasePath,
                message: "cannot read \(databasePath) as \(ProcessUser.current): SQLite needs its -shm file, which only "
                    + "exists while the daemon runs or can be created in \(directory); run this as \(owner) or as root")
        }
    }

    /// Stores one record in its own transaction; when this returns, the record survives a kill -9.
    ///
    /// Takes a few milliseconds (an fsync-free WAL append): call it through ``ProofOfPlayWriter``
    /// from a frame loop, never on it.
    public func record(_ record: PlayRecord) throws(ProofOfPlayStoreError) {
        guard !isReadOnly else {
            throw ProofOfPlayStoreError(code: .readOnly, path: databasePath,
                                        message: "cannot record play in \(databasePath): the store was opened for reading only")
        }
        let start = try Self.milliseconds(record.start, field: "start", of: record)
        let end = try Self.milliseconds(record.end, field: "end", of: record)
        guard end >= start else {
            throw ProofOfPlayStoreError(
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
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "write")
        }
    }

    /// The records overlapping `[from, to)`: those with `start < to` and `end > from`, so an item
    /// that began before `from` or ends after `to` is included whole. Ordered by start, display,
    /// zone, then the order they were written. `display` limits the result to one display.
    public func records(from: Date, to: Date, display: String? = nil) throws(ProofOfPlayStoreError) -> [PlayRecord] {
        var result: [PlayRecord] = []
        try forEachRecord(from: from, to: to, display: display) { result.append($0) }
        return result
    }

    /// Like ``records(from:to:display:)``, one record at a time, for reports too long to hold in memory.
    ///
    /// The whole walk reads one snapshot; the daemon keeps writing meanwhile.
    public func forEachRecord(from: Date, to: Date, display: String? = nil,
                              _ body: (PlayRecord) throws -> Void) throws(ProofOfPlayStoreError) {
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
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    /// Retention: deletes the play records that ended at or before `cutoff`, and the hourly
    /// screening counts of hours that ended at or before it; returns how many rows went (play
    /// records plus hourly counts). Both go in one transaction, so the daemon's one retention
    /// setting bounds the whole database.
    /// Freed pages are reused by later records, so the file stops growing rather than shrinking.
    @discardableResult
    public func deleteRecords(before cutoff: Date) throws(ProofOfPlayStoreError) -> Int {
        guard !isReadOnly else {
            throw ProofOfPlayStoreError(code: .readOnly, path: databasePath,
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
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "delete old records from")
        }
    }

    // MARK: - Screening counts

    /// Adds `count` visitors classed `className` (`normal`, `fever`, `retry`) by `sensor` to the
    /// hour containing `at`, in its own transaction.
    ///
    /// Only the class and the hour are kept: the reading itself has nowhere to go (PRODUCT.md §7).
    /// Like ``record(_:)`` it takes a few milliseconds; call it through ``ProofOfPlayWriter``
    /// from the screening loop, never on it. A class name other than the three, an empty sensor
    /// name or a count below 1 is refused with `.invalidRecord` and nothing changes.
    public func countScreening(sensor: String, className: String, at: Date, by count: Int = 1) throws(ProofOfPlayStoreError) {
        guard !isReadOnly else {
            throw ProofOfPlayStoreError(code: .readOnly, path: databasePath,
                                        message: "cannot count a screening in \(databasePath): the store was opened for reading only")
        }
        guard !sensor.isEmpty else {
            throw ProofOfPlayStoreError(code: .invalidRecord, path: databasePath,
                                        message: "cannot count a screening without a sensor name: give the sensor's name from the config")
        }
        guard ScreeningCount.classNames.contains(className) else {
            throw ProofOfPlayStoreError(
                code: .invalidRecord, path: databasePath,
                message: "cannot count a screening of class '\(className)' on sensor \(sensor): the class must be normal, fever or retry")
        }
        guard count >= 1 else {
            throw ProofOfPlayStoreError(code: .invalidRecord, path: databasePath,
                                        message: "cannot add \(count) screenings on sensor \(sensor): the count must be at least 1")
        }
        guard let hour = ScreeningCount.hourMilliseconds(containing: at) else {
            throw ProofOfPlayStoreError(code: .invalidRecord, path: databasePath,
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
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "write")
        }
    }

    /// The hourly counts of the hours starting in `[from, to)`, ordered by hour, sensor, then
    /// class; `sensor` limits them to one sensor. Hours with no visitor of a class have no entry.
    public func screeningCounts(from: Date, to: Date, sensor: String? = nil) throws(ProofOfPlayStoreError) -> [ScreeningCount] {
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
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    /// Visitors per class (`normal`, `fever`, `retry`) over every hour kept, for status pages;
    /// `sensor` limits them to one sensor. A class nobody was counted in has no entry.
    public func screeningTotals(sensor: String? = nil) throws(ProofOfPlayStoreError) -> [String: Int] {
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
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    /// A store opened read-only on the file of a daemon that predates the screening table (a
    /// copied database, a report run before the upgraded daemon first starts) has no such table:
    /// it then has no counts, rather than an error.
    private static func hasScreeningTable(_ db: Database) throws -> Bool {
        try db.tableExists("screening")
    }

    /// SQLite's `PRAGMA integrity_check`: `ok` for a sound database, else SQLite's list of problems.
    public func integrityCheck() throws(ProofOfPlayStoreError) -> String {
        do {
            let lines = try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            return lines.joined(separator: "\n")
        } catch {
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "check")
        }
    }

    /// The journal mode SQLite reports for the file: `wal` once the daemon has opened it.
    public func journalMode() throws(ProofOfPlayStoreError) -> String {
        do {
            return try database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } ?? ""
        } catch {
            throw ProofOfPlayStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    // MARK: - Schema

    /// The schema of migration "v1: play", as shipped: never edit it (a test also builds an old
    /// database from it).
    static let version1Schema = """
                CREATE TABLE play (
                    id INTEGER PRIMARY KEY,
                    display TEXT NOT NULL,
                    zone TEXT NOT NULL,
                    playlist TEXT NOT NULL,
                    item TEXT NOT NULL,
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER NOT NULL,
                    CHECK (end_ms >= start_ms)
                );
                -- Overlap queries bound end_ms from below (end_ms > from): recent reports and
                -- retention deletes scan only the rows they need.
                CREATE INDEX play_end ON play (end_ms);
                CREATE INDEX play_display_end ON play (display, end_ms);
                """

    /// Each migration runs once per database, in order; never edit one that has shipped, add the next.
    private static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: play") { db in
            try db.execute(sql: version1Schema)
        }
        // Temperature-check kiosks keep only how many visitors of each class an hour saw: no
        // column for a reading, a finer time or anything about a person (PRODUCT.md §7, the
        // privacy point of issue 4); a test checks the columns. Some thousands of rows a year
        // per sensor, so the primary key is the only index needed.
        migrator.registerMigration("v2: screening") { db in
            try db.execute(sql: """
                CREATE TABLE screening (
                    sensor TEXT NOT NULL,
                    hour_ms INTEGER NOT NULL,
                    class TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (sensor, hour_ms, class)
                ) WITHOUT ROWID;
                """)
        }
        // Emergency messages exactly as received (the signed bytes), so a restart replays them;
        // the audit of every push, accepted or not; and signatures seen, against replays.
        migrator.registerMigration("v3: alerts") { db in
            try db.execute(sql: """
                CREATE TABLE alert_message (
                    sender TEXT NOT NULL,
                    identifier TEXT NOT NULL,
                    sent TEXT NOT NULL,
                    received_ms INTEGER NOT NULL,
                    key_id TEXT,
                    body BLOB NOT NULL,
                    PRIMARY KEY (sender, identifier, sent)
                );
                CREATE INDEX alert_message_received ON alert_message (received_ms);
                CREATE TABLE alert_audit (
                    id INTEGER PRIMARY KEY,
                    time_ms INTEGER NOT NULL,
                    key_id TEXT,
                    source TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    identifier TEXT,
                    reason TEXT
                );
                CREATE INDEX alert_audit_time ON alert_audit (time_ms);
                CREATE TABLE alert_signature (
                    digest BLOB PRIMARY KEY,
                    expires_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }()

    // MARK: - Instants

    /// About ±292 million years; a Date outside is a bug upstream, not a time to store.
    private static let representable = -9.2e15...9.2e15

    private static func milliseconds(_ date: Date, field: String, of record: PlayRecord) throws(ProofOfPlayStoreError) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        guard representable.contains(ms) else {
            throw ProofOfPlayStoreError(code: .invalidRecord, path: "",
                                        message: "cannot record play of '\(record.item)' on \(record.display): its \(field) is not a real instant")
        }
        return Int64(ms)
    }

    /// For query bounds: `.distantPast`/`.distantFuture` and beyond become the extremes.
    static func clampedMilliseconds(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        guard !ms.isNaN else { return 0 }
        return Int64(min(max(ms, representable.lowerBound), representable.upperBound))
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    private static func checkAccess(_ path: String, mode: Int32, doing action: String) throws(ProofOfPlayStoreError) {
        guard FileManager.default.fileExists(atPath: path), access(path, mode) != 0 else { return }
        let reason = systemErrorText(errno)
        throw ProofOfPlayStoreError(
            code: .permissionDenied, path: path,
            message: "cannot \(action) \(path): \(reason); \(ProcessUser.current) needs \(mode & W_OK != 0 ? "read and write" : "read") access to it")
    }
}
