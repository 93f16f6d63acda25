import Foundation
import GRDB
@testable import OshiraseStore
import Testing

@Suite("Proof-of-play store")
struct ProofOfPlayStoreTests {
    @Test("A record with Japanese names comes back exactly, to the millisecond")
    func japaneseRecordRoundTrips() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let record = PlayRecord(display: "正面玄関キオスク", zone: "ticker", playlist: "02-大雪のお知らせ.yaml",
                                item: "市バス遅延のお知らせ", start: tokyo(9, 0, 0.25), end: tokyo(9, 1, 0.5))
        try store.record(record)
        #expect(try store.records(from: allTime.from, to: allTime.to) == [record])
    }

    @Test("Creates a missing state directory, parents included, and the database file in it")
    func createsStateDirectory() throws {
        let folder = try TemporaryFolder()
        let state = folder.sub("var/lib/oshirase")
        let store = try StateStore(directory: state)
        #expect(store.databasePath == state + "/oshirase.sqlite")
        #expect(FileManager.default.fileExists(atPath: store.databasePath))
    }

    @Test("Records persist across closing and opening again")
    func recordsPersistAcrossReopen() throws {
        let folder = try TemporaryFolder()
        do {
            let store = try StateStore(directory: folder.path)
            for r in sequence(3) { try store.record(r) }
        }
        let again = try StateStore(directory: folder.path)
        #expect(try again.records(from: allTime.from, to: allTime.to) == sequence(3))
    }

    @Test("An interval returns the records overlapping it, whole; touching ends do not overlap")
    func intervalOverlapSemantics() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let endsAtFrom = play("終わった", tokyo(8, 55), tokyo(9, 5))
        let startsBefore = play("またがる前", tokyo(9, 0), tokyo(9, 10))
        let inside = play("中", tokyo(9, 10), tokyo(9, 20))
        let spansAll = play("終日", tokyo(8, 0), tokyo(10, 0), zone: "ticker")
        let endsAfter = play("またがる後", tokyo(9, 20), tokyo(9, 30))
        let startsAtTo = play("まだ", tokyo(9, 25), tokyo(9, 30), display: "別館")
        for r in [endsAtFrom, startsBefore, inside, spansAll, endsAfter, startsAtTo] { try store.record(r) }

        let found = try store.records(from: tokyo(9, 5), to: tokyo(9, 25))
        #expect(found.map(\.item) == ["終日", "またがる前", "中", "またがる後"])
        // The records keep their own start and end, not the interval's.
        #expect(found.first == spansAll)
    }

    @Test("Records come ordered by start, then display, then zone, whatever order they were written in")
    func orderedByStartThenDisplay() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let written = [
            play("c", tokyo(9, 1), tokyo(9, 2), display: "a-lobby"),
            play("b", tokyo(9, 0), tokyo(9, 1), display: "b-kiosk"),
            play("a2", tokyo(9, 0), tokyo(9, 1), display: "a-lobby", zone: "ticker"),
            play("a1", tokyo(9, 0), tokyo(9, 1), display: "a-lobby", zone: "main"),
        ]
        for r in written { try store.record(r) }
        #expect(try store.records(from: allTime.from, to: allTime.to).map(\.item) == ["a1", "a2", "b", "c"])
    }

    @Test("--display keeps one display's records")
    func filtersByDisplay() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        for r in sequence(3, display: "本庁舎ロビー") + sequence(2, display: "LEDビジョン") { try store.record(r) }
        let led = try store.records(from: allTime.from, to: allTime.to, display: "LEDビジョン")
        #expect(led == sequence(2, display: "LEDビジョン"))
        #expect(try store.records(from: allTime.from, to: allTime.to, display: "ない").isEmpty)
    }

    @Test("The database is in WAL mode, and the table has the documented columns")
    func walModeAndSchema() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        #expect(try store.journalMode() == "wal")
        #expect(try StateStore(readingFrom: folder.path).journalMode() == "wal")
        // Checked from outside too: the mode is a property of the file, not of our connection.
        let queue = try DatabaseQueue(path: store.databasePath)
        let (mode, columns) = try queue.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try db.columns(in: "play").map(\.name))
        }
        #expect(mode == "wal")
        // docs/proof-of-play.md describes these; change both together.
        #expect(columns == ["id", "display", "zone", "playlist", "item", "start_ms", "end_ms"])
    }

    @Test("Commits are synced (synchronous=FULL), also after an alert is stored: a power cut keeps what was committed")
    func commitsAreSynced() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        func level() throws -> Int? {
            try (store.database as? DatabasePool)?.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        }
        #expect(try level() == 2, "2 is FULL")
        _ = try store.storeAlertMessage(StoredAlertMessage(sender: "bousai@city.sapporo.jp", identifier: "x", sent: "2026-11-27T09:00:00+09:00",
                                                           receivedAt: tokyo(9, 0, 0), keyID: "k", body: Array("<alert/>".utf8)))
        #expect(try level() == 2, "storing an alert leaves it FULL")
    }

    @Test("Instants are stored as UTC milliseconds since 1970")
    func instantsAreUTCMilliseconds() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.record(play("時報", tokyo(9, 0, 0.125), tokyo(9, 0, 10)))
        let queue = try DatabaseQueue(path: store.databasePath)
        let row = try #require(try queue.read { db in try Row.fetchOne(db, sql: "SELECT start_ms, end_ms FROM play") })
        #expect(row["start_ms"] as Int64 == 1_795_737_600_125)  // 2026-11-27T00:00:00.125Z
        #expect(row["end_ms"] as Int64 == 1_795_737_610_000)
    }

    @Test("Retention deletes records that ended at or before the cutoff and keeps the rest")
    func retentionDeletesOldRecords() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let records = sequence(4)  // 09:00:00–09:01:00 in 15 s steps
        for r in records { try store.record(r) }
        let deleted = try store.deleteRecords(before: tokyo(9, 0, 30))
        #expect(deleted == 2)
        #expect(try store.records(from: allTime.from, to: allTime.to) == Array(records.dropFirst(2)))
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("A record that ends before it starts is refused with a message naming it, and nothing is stored")
    func refusesBackwardRecord() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let error = #expect(throws: StateStoreError.self) {
            try store.record(play("逆さま", tokyo(9, 1), tokyo(9, 0)))
        }
        #expect(error?.code == .invalidRecord)
        #expect(error?.message.contains("逆さま") == true)
        #expect(try store.records(from: allTime.from, to: allTime.to).isEmpty)
    }

    @Test("A store opened for reading refuses writes and deletes")
    func readOnlyStoreRefusesWrites() throws {
        let folder = try TemporaryFolder()
        _ = try StateStore(directory: folder.path)
        let reader = try StateStore(readingFrom: folder.path)
        #expect(reader.isReadOnly)
        #expect(throws: StateStoreError.self) { try reader.record(sequence(1)[0]) }
        #expect(throws: StateStoreError.self) { try reader.deleteRecords(before: allTime.to) }
    }
}
