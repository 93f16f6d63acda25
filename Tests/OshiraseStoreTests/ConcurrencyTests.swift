import Foundation
import GRDB
import OshiraseStore
import Testing

/// A second connection to the store's file that holds SQLite's write lock until `release()`:
/// what another process in the middle of a write transaction looks like.
final class WriteLockHolder {
    private let queue: DatabaseQueue
    init(databasePath: String, uncommitted item: String) throws {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the transaction stays open between calls
        queue = try DatabaseQueue(path: databasePath, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: """
                INSERT INTO play (display, zone, playlist, item, start_ms, end_ms)
                VALUES ('本庁舎ロビー', 'main', 'x.yaml', ?, 0, 1)
                """, arguments: [item])
        }
    }
    func release() throws {
        try queue.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
    }
}

@Suite("Proof of play while the daemon writes")
struct ConcurrencyTests {
    @Test("Readers are not blocked by an open write transaction and see only committed records")
    func readersDoNotWaitForWriters() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        for r in sequence(2) { try store.record(r) }
        let lock = try WriteLockHolder(databasePath: store.databasePath, uncommitted: "未確定")

        let started = ContinuousClock.now
        let seenByDaemon = try store.records(from: allTime.from, to: allTime.to)
        let seenByReport = try StateStore(readingFrom: folder.path).records(from: allTime.from, to: allTime.to)
        // Well under the 5 s busy timeout: the reads did not wait for the lock.
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(seenByDaemon == sequence(2))
        #expect(seenByReport == sequence(2))
        try lock.release()
    }

    @Test("A reader walking the table while the writer thread records sees a growing prefix, never a torn state")
    func readerDuringWritesSeesConsistentPrefixes() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let report = try StateStore(readingFrom: folder.path)
        let records = sequence(300)
        let writer = ProofOfPlayWriter(store: store)
        for r in records { writer.enqueue(r) }
        var lastCount = 0
        while writer.statistics.pending > 0 {
            let seen = try report.records(from: allTime.from, to: allTime.to)
            #expect(seen == Array(records.prefix(seen.count)))
            #expect(seen.count >= lastCount)
            lastCount = seen.count
        }
        writer.close()
        #expect(try report.records(from: allTime.from, to: allTime.to) == records)
        #expect(writer.statistics == .init(accepted: 300, written: 300, dropped: 0, failed: 0, pending: 0))
    }

    @Test("enqueue returns at once while another connection holds the write lock; past the bound, records are dropped and counted")
    func enqueueNeverBlocksAndCountsDrops() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let lock = try WriteLockHolder(databasePath: store.databasePath, uncommitted: "未確定")
        let writer = ProofOfPlayWriter(store: store, capacity: 8)
        let records = sequence(13)

        let clock = ContinuousClock()
        var accepted: [Bool] = []
        let took = clock.measure {
            for r in records { accepted.append(writer.enqueue(r)) }
        }
        // The writer thread is waiting for the lock (up to 5 s per try); the caller never is.
        #expect(took < .milliseconds(500))
        #expect(accepted == Array(repeating: true, count: 8) + Array(repeating: false, count: 5))
        #expect(writer.statistics.dropped == 5)
        #expect(writer.statistics.pending == 8)
        #expect(writer.statistics.written == 0)

        try lock.release()
        writer.flush()
        #expect(writer.statistics == .init(accepted: 8, written: 8, dropped: 5, failed: 0, pending: 0))
        #expect(try store.records(from: allTime.from, to: allTime.to) == Array(records.prefix(8)))
        writer.close()
    }

    @Test("A write lock held past the busy timeout is reported once, and the record is written when it is released")
    func lockHeldPastTimeoutLosesNothing() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path, busyTimeout: 0.05)
        let lock = try WriteLockHolder(databasePath: store.databasePath, uncommitted: "未確定")
        let stalled = DispatchSemaphore(value: 0)
        let reported = ErrorLog()
        let writer = ProofOfPlayWriter(store: store) { error in
            reported.append(error)
            stalled.signal()
        }
        let record = sequence(1)[0]
        writer.enqueue(record)
        stalled.wait()  // the writer gave up waiting for the lock once and reported it
        #expect(writer.statistics.pending == 1 && writer.statistics.failed == 0)
        try lock.release()
        writer.flush()
        #expect(reported.codes == [.busy])
        #expect(writer.statistics.written == 1 && writer.statistics.failed == 0)
        #expect(try store.records(from: allTime.from, to: allTime.to) == [record])
        writer.close()
    }

    @Test("Records enqueued from many threads at once are all written")
    func enqueueFromManyThreads() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let writer = ProofOfPlayWriter(store: store)
        let displays = ["本庁舎ロビー", "正面玄関キオスク", "LEDビジョン", "区役所"]
        DispatchQueue.concurrentPerform(iterations: displays.count) { i in
            for r in sequence(100, display: displays[i]) { writer.enqueue(r) }
        }
        writer.flush()
        #expect(writer.statistics.written == 400)
        for d in displays {
            #expect(try store.records(from: allTime.from, to: allTime.to, display: d) == sequence(100, display: d))
        }
        writer.close()
    }

    @Test("A record the database refuses is counted as failed and reported; the rest are written")
    func refusedRecordIsCountedAndReported() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let reported = ErrorLog()
        let writer = ProofOfPlayWriter(store: store) { reported.append($0) }
        let good = sequence(2)
        writer.enqueue(good[0])
        writer.enqueue(play("逆さま", tokyo(10, 0), tokyo(9, 0)))
        writer.enqueue(good[1])
        writer.flush()
        #expect(writer.statistics == .init(accepted: 3, written: 2, dropped: 0, failed: 1, pending: 0))
        #expect(reported.codes == [.invalidRecord])
        #expect(try store.records(from: allTime.from, to: allTime.to) == good)
        writer.close()
    }

    @Test("close writes what is queued, then later records are dropped")
    func closeDrainsThenDrops() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let writer = ProofOfPlayWriter(store: store)
        for r in sequence(20) { writer.enqueue(r) }
        writer.close()
        #expect(try store.records(from: allTime.from, to: allTime.to).count == 20)
        #expect(!writer.enqueue(sequence(1)[0]))
        #expect(writer.statistics.dropped == 1)
        writer.close()  // a second close does nothing
        writer.flush()  // nor does a flush after it
    }
}

/// Errors the writer reported, collected across threads.
final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [StateStoreError] = []
    func append(_ error: StateStoreError) { lock.withLock { errors.append(error) } }
    var codes: [StateStoreError.Code] { lock.withLock { errors.map(\.code) } }
}
