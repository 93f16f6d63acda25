import Foundation
import OshiraseStore
import Testing

@Suite("Proof of play after a crash")
struct CrashSafetyTests {
    /// Copies the database and its -wal and -shm files as they are on disk while the store is open:
    /// what `kill -9` leaves behind (the process dies, its files stay exactly as written).
    static func copyFilesAsLeftOnDisk(of store: StateStore, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] {
            let source = store.databasePath + suffix
            guard FileManager.default.fileExists(atPath: source) else { continue }
            try FileManager.default.copyItem(atPath: source,
                                             toPath: (directory as NSString).appendingPathComponent(StateStore.fileName + suffix))
        }
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("Files left by a kill -9 open cleanly, pass integrity_check and hold every committed record")
    func killedProcessLeavesEveryCommittedRecord() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.sub("live"))
        let writer = ProofOfPlayWriter(store: store)
        let records = sequence(200)
        for r in records { writer.enqueue(r) }
        writer.flush()  // all 200 committed; the store stays open, nothing is checkpointed or closed
        #expect(Self.fileSize(store.databasePath + "-wal") > 0, "the committed records should still be in the WAL")

        try Self.copyFilesAsLeftOnDisk(of: store, to: folder.sub("after-crash"))
        try Self.copyFilesAsLeftOnDisk(of: store, to: folder.sub("report-after-crash"))

        // A report run before the daemon restarts: read-only, on the unrecovered files.
        let report = try StateStore(readingFrom: folder.sub("report-after-crash"))
        #expect(try report.integrityCheck() == "ok")
        #expect(try report.records(from: allTime.from, to: allTime.to) == records)

        // The daemon restarting on them: recovers the WAL, sees everything, keeps writing.
        let restarted = try StateStore(directory: folder.sub("after-crash"))
        #expect(try restarted.integrityCheck() == "ok")
        #expect(try restarted.journalMode() == "wal")
        #expect(try restarted.records(from: allTime.from, to: allTime.to) == records)
        let next = play("再起動後", tokyo(12, 0), tokyo(12, 0, 15))
        try restarted.record(next)
        #expect(try restarted.records(from: allTime.from, to: allTime.to) == records + [next])

        withExtendedLifetime(writer) {}
    }
}
