import Foundation
import GRDB
import Testing
@testable import OshiraseStore

/// A state directory that fills up or turns read-only under a running box: proof of play keeps
/// what fits in memory, counts what it drops, says so once, and resumes by itself.
///
/// SQLite's `max_page_count` stands in for a full disk (it fails writes with SQLITE_FULL, the
/// code a full file system gives) and `query_only` for a read-only one (SQLITE_READONLY): the
/// same errors through the same paths, without mounting anything. `scripts/abuse storage` does
/// it for real on a small ext4 image (docs/reliability.md).
@Suite("Proof of play on a full or read-only disk", .timeLimit(.minutes(1)))
struct StorageFaultTests {
    /// Callbacks the writer made, with a semaphore per kind so a test waits for events, not time.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var stalls: [StateStoreError] = []
        private var resumes: [Int] = []
        private var errors: [StateStoreError] = []
        let stalled = DispatchSemaphore(value: 0)
        let resumed = DispatchSemaphore(value: 0)

        func stall(_ error: StateStoreError) {
            lock.withLock { stalls.append(error) }
            stalled.signal()
        }
        func resume(lost: Int) {
            lock.withLock { resumes.append(lost) }
            resumed.signal()
        }
        func error(_ error: StateStoreError) { lock.withLock { errors.append(error) } }

        var stallCodes: [StateStoreError.Code] { lock.withLock { stalls.map(\.code) } }
        var lostAtResume: [Int] { lock.withLock { resumes } }
        var givenUp: Int { lock.withLock { errors.count } }
    }

    func writer(_ store: StateStore, capacity: Int, events: Events) -> ProofOfPlayWriter {
        ProofOfPlayWriter(store: store, capacity: capacity, retryInterval: 0.02,
                          onError: { events.error($0) }, onStall: { events.stall($0) },
                          onResume: { _, lost in events.resume(lost: lost) })
    }

    @Test("A full disk stalls the writer once; what does not fit is counted; all resumes when space returns")
    func aFullDiskStallsThenResumes() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        // The file may not grow by a single page: the disk is full.
        try store.database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let records = (0..<1000).map { i in
            play("大雪のお知らせ-\(i)-" + String(repeating: "札幌市役所本庁舎", count: 20), tokyo(9, 0, Double(i * 15)), tokyo(9, 0, Double(i * 15 + 15)))
        }
        // Fill what room is left in the file's last pages, until the disk is full.
        var filled = 0
        while filled < 600 {
            do {
                try store.record(records[filled])
                filled += 1
            } catch {
                #expect(error.code == .diskFull, "\(error)")
                break
            }
        }
        try #require(filled < 600, "the file never filled up")
        let events = Events()
        let writer = writer(store, capacity: 50, events: events)
        for record in records[600..<800] { writer.enqueue(record) }
        events.stalled.wait()
        #expect(events.stallCodes == [.diskFull], "one report for the whole stall, naming a full disk")
        #expect(writer.isStalled)
        let during = writer.statistics
        #expect(during.written == 0 && during.dropped == 150 && during.pending == 50 && during.failed == 0, "\(during)")
        let storedBefore = try store.records(from: allTime.from, to: allTime.to).count

        // Space returns.
        try store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        events.resumed.wait()
        writer.flush()
        #expect(!writer.isStalled)
        let after = writer.statistics
        #expect(after.pending == 0 && after.failed == 0 && after.written == after.accepted, "\(after)")
        #expect(events.lostAtResume == [after.dropped], "the resume names what was lost: \(events.lostAtResume) vs \(after)")
        #expect(try store.records(from: allTime.from, to: allTime.to).count == storedBefore + (after.written - during.written))

        // And it keeps writing.
        for record in records[800..<840] { writer.enqueue(record) }
        writer.flush()
        #expect(writer.statistics.written == after.written + 40)
        #expect(events.stallCodes.count == 1 && events.givenUp == 0)
        writer.close()
    }

    @Test("A read-only database stalls the writer the same way and resumes when writable again")
    func aReadOnlyDatabaseStallsThenResumes() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = ON") }
        let events = Events()
        let writer = writer(store, capacity: 8, events: events)
        for record in sequence(20) { writer.enqueue(record) }
        events.stalled.wait()
        #expect(events.stallCodes == [.permissionDenied])
        #expect(writer.statistics.written == 0 && writer.statistics.dropped == 12, "\(writer.statistics)")

        try store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = OFF") }
        events.resumed.wait()
        writer.flush()
        #expect(writer.statistics == .init(accepted: 8, written: 8, dropped: 12, failed: 0, pending: 0))
        #expect(events.lostAtResume == [12])
        #expect(try store.records(from: allTime.from, to: allTime.to) == Array(sequence(20).prefix(8)))
        writer.close()
    }

    @Test("Closing during a stall gives up what waits, counted as failed, and does not hang")
    func closingDuringAStallEnds() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = ON") }
        let events = Events()
        let writer = writer(store, capacity: 8, events: events)
        for record in sequence(5) { writer.enqueue(record) }
        events.stalled.wait()
        writer.close()
        #expect(writer.statistics.failed == 5 && writer.statistics.written == 0, "\(writer.statistics)")
        #expect(events.givenUp == 1, "one report for all five, not one per record")
    }

    @Test("reopen gives the store a new connection: what the old one could not write, the new one can")
    func reopenReplacesTheConnection() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = ON") }
        let record = sequence(1)[0]
        #expect(throws: StateStoreError.self) { try store.record(record) }
        try store.reopen()
        try store.record(record)
        #expect(try store.records(from: allTime.from, to: allTime.to) == [record])
    }

    @Test("reopen never creates a database where the disk's one is missing (a mount point while the disk is away)")
    func reopenOpensOnlyAnExistingDatabase() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.record(sequence(1)[0])
        let aside = folder.path + "/aside"
        try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: store.databasePath + suffix) {
            try FileManager.default.moveItem(atPath: store.databasePath + suffix, toPath: aside + "/db" + suffix)
        }
        #expect(throws: StateStoreError.self) { try store.reopen() }
        #expect(!FileManager.default.fileExists(atPath: store.databasePath), "no new, empty database was made")
    }

    @Test("reopenIfDue: only for I/O and write-access errors, and the first failure only starts the clock")
    func reopenIfDueWaitsItsInterval() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let full = StateStoreError(code: .diskFull, path: store.databasePath, message: "full")
        let io = StateStoreError(code: .ioError, path: store.databasePath, message: "disk I/O error")
        #expect(!store.reopenIfDue(after: full), "space comes back without reopening")
        #expect(!store.reopenIfDue(after: io), "the first failure starts the clock")
        #expect(!store.reopenIfDue(after: io), "not again within the interval")
    }
}
