import Foundation
import GRDB
import OshiraseCore
import Synchronization

/// The box's state database, `<state directory>/oshirase.sqlite`: proof of play (what each display
/// showed and when), the kiosks' hourly screening counts, and the emergency messages received with
/// their audit and the signatures seen. One extension per table family: StateStore+Plays,
/// +Screening and +Alerts; StateStoreSchema holds the migrations.
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
/// `docs/proof-of-play.md` describes the play table.
public final class StateStore: Sendable {
    /// The database file's name inside the state directory.
    package static let fileName = "oshirase.sqlite"

    /// The state directory.
    package let directory: String
    /// `<directory>/oshirase.sqlite`.
    package let databasePath: String
    /// True when opened with ``init(readingFrom:)``.
    package let isReadOnly: Bool

    /// The open database; replaced by ``reopen()``.
    var database: any DatabaseWriter { connection.withLock { $0 } }
    private let connection: Mutex<any DatabaseWriter>
    /// How the writing pool was configured, for ``reopen()``.
    private let busyTimeout: Double
    /// When ``reopenIfDue(after:)`` last tried (or first saw a failure it could help with).
    private let lastReopen = Mutex<ContinuousClock.Instant?>(nil)
    /// How often ``reopenIfDue(after:)`` tries.
    package static let reopenInterval: Duration = .seconds(10)

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
    public init(directory: String, busyTimeout: Double = 5) throws(StateStoreError) {
        self.directory = directory
        self.databasePath = (directory as NSString).appendingPathComponent(Self.fileName)
        self.isReadOnly = false
        self.busyTimeout = busyTimeout
        try StateDirectory.prepare(directory)
        connection = Mutex(try Self.openForWriting(databasePath: databasePath, busyTimeout: busyTimeout))
    }

    private static func openForWriting(databasePath: String, busyTimeout: Double) throws(StateStoreError) -> DatabasePool {
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
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "open")
        }
    }

    /// Opens the database file again, for a store whose file system the kernel turned read-only
    /// after an error: once an operator has checked it and mounted it again at the same place, the
    /// old descriptors still point at the old mount, and only a new open reaches the new one.
    ///
    /// Only an existing database is opened: while the disk is away (unmounted for its check), the
    /// bare mount point has no database, and a new empty one there would take the records and
    /// alerts that belong on the disk. On failure the store keeps the connection it had.
    package func reopen() throws(StateStoreError) {
        guard !isReadOnly else { return }
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw StateStoreError(code: .missing, path: databasePath,
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
    package func reopenIfDue(after error: any Error) -> Bool {
        guard let error = error as? StateStoreError, error.code == .ioError || error.code == .permissionDenied else {
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
    package init(readingFrom directory: String) throws(StateStoreError) {
        self.directory = directory
        self.databasePath = (directory as NSString).appendingPathComponent(Self.fileName)
        self.isReadOnly = true
        guard try StateDirectory.isDirectory(directory), FileManager.default.fileExists(atPath: databasePath) else {
            throw StateStoreError(
                code: .missing, path: databasePath,
                message: "no proof-of-play database in the state directory \(directory) (no \(Self.fileName)): "
                    + "the daemon has not run with this state directory yet")
        }
        try Self.checkAccess(databasePath, mode: R_OK, doing: "read")
        busyTimeout = 5
        connection = Mutex(try Self.openForReading(directory: directory, databasePath: databasePath))
    }

    private static func openForReading(directory: String, databasePath: String) throws(StateStoreError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "oshirase.proof-of-play.report"
        // Only while the daemon's first connection after a crash recovers the WAL does a reader wait.
        configuration.busyMode = .timeout(5)
        do {
            let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
            let hasTable = try queue.read { db in try db.tableExists("play") }
            guard hasTable else {
                throw StateStoreError(
                    code: .notADatabase, path: databasePath,
                    message: "\(databasePath) has no proof-of-play table: it is not Oshirase's, "
                        + "or the daemon stopped before it finished creating it; start the daemon once to create it")
            }
            return queue
        } catch {
            let wrapped = StateStoreError.wrapping(error, databasePath: databasePath, doing: "read")
            guard wrapped.code == .permissionDenied else { throw wrapped }
            // Reading needs the -shm file beside the database; while the daemon is stopped it is
            // missing, and creating it needs write access to the folder.
            let owner = ProcessUser.owner(of: databasePath).map { "the daemon's user ('\($0)', the file's owner)" } ?? "the daemon's user"
            throw StateStoreError(
                code: .permissionDenied, path: databasePath,
                message: "cannot read \(databasePath) as \(ProcessUser.current): SQLite needs its -shm file, which only "
                    + "exists while the daemon runs or can be created in \(directory); run this as \(owner) or as root")
        }
    }

    package func integrityCheck() throws(StateStoreError) -> String {
        do {
            let lines = try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            return lines.joined(separator: "\n")
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "check")
        }
    }

    /// The journal mode SQLite reports for the file: `wal` once the daemon has opened it.
    package func journalMode() throws(StateStoreError) -> String {
        do {
            return try database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } ?? ""
        } catch {
            throw StateStoreError.wrapping(error, databasePath: databasePath, doing: "read")
        }
    }

    // MARK: - Instants

    /// About ±292 million years; a Date outside is a bug upstream, not a time to store.
    private static let representable = -9.2e15...9.2e15

    static func milliseconds(_ date: Date, field: String, of record: PlayRecord) throws(StateStoreError) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        guard representable.contains(ms) else {
            throw StateStoreError(code: .invalidRecord, path: "",
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

    private static func checkAccess(_ path: String, mode: Int32, doing action: String) throws(StateStoreError) {
        guard FileManager.default.fileExists(atPath: path), access(path, mode) != 0 else { return }
        let reason = systemErrorText(errno)
        throw StateStoreError(
            code: .permissionDenied, path: path,
            message: "cannot \(action) \(path): \(reason); \(ProcessUser.current) needs \(mode & W_OK != 0 ? "read and write" : "read") access to it")
    }
}
