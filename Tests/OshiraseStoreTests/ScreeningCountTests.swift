import Foundation
import GRDB
@testable import OshiraseStore
import Testing

@Suite("Hourly screening counts")
struct ScreeningCountTests {
    static let kiosk = "正面玄関キオスク"
    static let annex = "別館入口"

    /// The hour of Japan time starting at `hour`:00 on 2026-11-27.
    static func hour(_ hour: Int) -> Date { tokyo(hour, 0) }

    @Test("Visitors add up per sensor, hour and class; an hour runs from :00 to just before the next :00")
    func countsAddUpPerHourAndClass() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(9, 0))
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(9, 30, 12.5))
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(9, 59, 59.999))
        try store.countScreening(sensor: Self.kiosk, className: "fever", at: tokyo(9, 41))
        try store.countScreening(sensor: Self.kiosk, className: "retry", at: tokyo(9, 42), by: 2)
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(10, 0))

        #expect(try store.screeningCounts(from: allTime.from, to: allTime.to) == [
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(9), className: "fever", count: 1),
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(9), className: "normal", count: 3),
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(9), className: "retry", count: 2),
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(10), className: "normal", count: 1),
        ])
    }

    @Test("hour_ms is the start of the hour in UTC milliseconds, which is a whole hour of Japan time too")
    func hourIsFlooredToUTCHour() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(9, 59, 59.9999))
        // 1969-12-31T23:30Z counts in the hour before 1970, not the one after it.
        try store.countScreening(sensor: "古い時計", className: "retry", at: Date(timeIntervalSince1970: -1800))
        let queue = try DatabaseQueue(path: store.databasePath)
        let hours = try queue.read { db in
            try Int64.fetchAll(db, sql: "SELECT hour_ms FROM screening ORDER BY hour_ms")
        }
        #expect(hours == [-3_600_000, 1_795_737_600_000])  // 2026-11-27T00:00:00Z = 09:00 in Tokyo
    }

    @Test("A range returns the hours starting in [from, to), and one sensor's when asked")
    func rangeAndSensorFilter() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        for h in 8...11 {
            try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(h, 15))
            try store.countScreening(sensor: Self.annex, className: "fever", at: tokyo(h, 45))
        }
        // From 09:30: the 09:00 hour started before it; to 11:00: the 11:00 hour starts at it.
        let found = try store.screeningCounts(from: tokyo(9, 30), to: tokyo(11, 0))
        #expect(found == [
            ScreeningCount(sensor: Self.annex, hourStart: Self.hour(10), className: "fever", count: 1),
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(10), className: "normal", count: 1),
        ])
        let kioskOnly = try store.screeningCounts(from: Self.hour(8), to: Self.hour(12), sensor: Self.kiosk)
        #expect(kioskOnly.map(\.hourStart) == (8...11).map(Self.hour))
        #expect(kioskOnly.allSatisfy { $0.sensor == Self.kiosk && $0.className == "normal" })
        #expect(try store.screeningCounts(from: Self.hour(8), to: Self.hour(12), sensor: "ない").isEmpty)
    }

    @Test("Counts come ordered by hour, then sensor, then class, whatever order they were counted in")
    func orderedByHourSensorClass() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        try store.countScreening(sensor: "b", className: "normal", at: tokyo(10, 1))
        try store.countScreening(sensor: "b", className: "retry", at: tokyo(9, 1))
        try store.countScreening(sensor: "a", className: "retry", at: tokyo(9, 2))
        try store.countScreening(sensor: "a", className: "fever", at: tokyo(9, 3))
        let order = try store.screeningCounts(from: allTime.from, to: allTime.to).map { "\($0.sensor)/\($0.className)" }
        #expect(order == ["a/fever", "a/retry", "b/retry", "b/normal"])
    }

    @Test("Totals sum each class over every hour, for all sensors or one")
    func totalsPerClass() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        #expect(try store.screeningTotals().isEmpty)
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(9, 0), by: 40)
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(13, 0), by: 25)
        try store.countScreening(sensor: Self.kiosk, className: "fever", at: tokyo(13, 5))
        try store.countScreening(sensor: Self.annex, className: "normal", at: tokyo(9, 0), by: 7)
        try store.countScreening(sensor: Self.annex, className: "retry", at: tokyo(10, 0), by: 3)
        #expect(try store.screeningTotals() == ["normal": 72, "fever": 1, "retry": 3])
        #expect(try store.screeningTotals(sensor: Self.kiosk) == ["normal": 65, "fever": 1])
        #expect(try store.screeningTotals(sensor: "ない").isEmpty)
        #expect(try StateStore(readingFrom: folder.path).screeningTotals() == ["normal": 72, "fever": 1, "retry": 3])
    }

    @Test("A class other than normal, fever or retry, an empty sensor or a count below 1 is refused and nothing is stored")
    func invalidCountsAreRefused() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let attempts: [(sensor: String, className: String, by: Int, mentions: String)] = [
            (Self.kiosk, "37.8", 1, "37.8"),  // a reading must never get in through the class
            (Self.kiosk, "発熱", 1, "normal, fever or retry"),
            ("", "normal", 1, "sensor"),
            (Self.kiosk, "normal", 0, "at least 1"),
            (Self.kiosk, "fever", -3, "at least 1"),
        ]
        for attempt in attempts {
            let error = #expect(throws: StateStoreError.self) {
                try store.countScreening(sensor: attempt.sensor, className: attempt.className, at: tokyo(9, 0), by: attempt.by)
            }
            #expect(error?.code == .invalidRecord)
            #expect(error?.message.contains(attempt.mentions) == true, "\(String(describing: error))")
        }
        #expect(try store.screeningCounts(from: allTime.from, to: allTime.to).isEmpty)

        let reader = try StateStore(readingFrom: folder.path)
        let readOnly = #expect(throws: StateStoreError.self) {
            try reader.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(9, 0))
        }
        #expect(readOnly?.code == .readOnly)
    }

    @Test("The screening table has exactly sensor, hour_ms, class and count: there is no column for a reading")
    func schemaHasNoRoomForReadings() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let queue = try DatabaseQueue(path: store.databasePath)
        let (columns, tables) = try queue.read { db in
            (try Row.fetchAll(db, sql: "PRAGMA table_info(screening)"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
        }
        // docs/proof-of-play.md describes these; a new column here is a privacy decision, not a refactor.
        #expect(columns.map { $0["name"] as String } == ["sensor", "hour_ms", "class", "count"])
        #expect(columns.map { $0["type"] as String } == ["TEXT", "INTEGER", "TEXT", "INTEGER"])
        #expect(columns.map { $0["pk"] as Int } == [1, 2, 3, 0])
        // Nor is there any other table a reading could be put in (the alert tables hold emergency
        // messages, their audit and signature digests).
        #expect(tables == ["alert_audit", "alert_message", "alert_signature", "grdb_migrations", "play", "screening"])
    }

    @Test("Retention deletes the hours that ended at or before the cutoff, with the play records, and keeps the rest")
    func retentionDeletesOldHours() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        for h in 7...9 { try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(h, 20)) }
        try store.countScreening(sensor: Self.annex, className: "fever", at: tokyo(8, 59))
        try store.record(play("手指消毒", tokyo(8, 0), tokyo(8, 0, 15)))

        // The 09:00 hour has not ended at 09:59:59, so it stays.
        #expect(try store.deleteRecords(before: tokyo(8, 59, 59)) == 2)  // the 07:00 hour and the play record
        #expect(try store.screeningCounts(from: allTime.from, to: allTime.to).map(\.hourStart)
                == [Self.hour(8), Self.hour(8), Self.hour(9)])

        // The 08:00 hours ended at 09:00 exactly: at or before the cutoff.
        #expect(try store.deleteRecords(before: tokyo(9, 59, 59)) == 2)
        #expect(try store.screeningCounts(from: allTime.from, to: allTime.to)
                == [ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(9), className: "normal", count: 1)])
        #expect(try store.records(from: allTime.from, to: allTime.to).isEmpty)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("Screening counts go through the writer's queue with play records, in order, and are counted in its statistics")
    func writerStoresScreenings() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let writer = ProofOfPlayWriter(store: store)
        let records = sequence(3)
        #expect(writer.enqueue(records[0]))
        for minute in [1, 2, 3] { #expect(writer.enqueue(screening: Self.kiosk, className: "normal", at: tokyo(9, minute))) }
        #expect(writer.enqueue(screening: Self.kiosk, className: "fever", at: tokyo(9, 4)))
        writer.enqueue(records[1])
        writer.enqueue(screening: Self.kiosk, className: "retry", at: tokyo(10, 0))
        writer.enqueue(records[2])
        writer.flush()

        #expect(writer.statistics == .init(accepted: 8, written: 8, dropped: 0, failed: 0, pending: 0))
        #expect(try store.records(from: allTime.from, to: allTime.to) == records)
        #expect(try store.screeningCounts(from: allTime.from, to: allTime.to) == [
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(9), className: "fever", count: 1),
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(9), className: "normal", count: 3),
            ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(10), className: "retry", count: 1),
        ])
        writer.close()
    }

    @Test("A screening enqueued while another process holds the write lock returns at once; past the bound it is dropped and counted")
    func writerNeverBlocksOnScreenings() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let lock = try WriteLockHolder(databasePath: store.databasePath, uncommitted: "未確定")
        let writer = ProofOfPlayWriter(store: store, capacity: 3)

        var accepted: [Bool] = []
        let took = ContinuousClock().measure {
            for second in 0..<5 {
                accepted.append(writer.enqueue(screening: Self.kiosk, className: "normal", at: tokyo(9, 0, Double(second))))
            }
        }
        #expect(took < .milliseconds(500))
        #expect(accepted == [true, true, true, false, false])
        #expect(writer.statistics.dropped == 2 && writer.statistics.pending == 3)

        try lock.release()
        writer.flush()
        #expect(writer.statistics == .init(accepted: 3, written: 3, dropped: 2, failed: 0, pending: 0))
        #expect(try store.screeningTotals() == ["normal": 3])
        writer.close()
    }

    @Test("A screening the store refuses is counted as failed and reported; the rest are written")
    func writerReportsRefusedScreening() throws {
        let folder = try TemporaryFolder()
        let store = try StateStore(directory: folder.path)
        let reported = ErrorLog()
        let writer = ProofOfPlayWriter(store: store) { reported.append($0) }
        writer.enqueue(screening: Self.kiosk, className: "normal", at: tokyo(9, 0))
        writer.enqueue(screening: Self.kiosk, className: "36.4", at: tokyo(9, 1))
        writer.enqueue(screening: Self.kiosk, className: "fever", at: tokyo(9, 2))
        writer.flush()
        #expect(writer.statistics == .init(accepted: 3, written: 2, dropped: 0, failed: 1, pending: 0))
        #expect(reported.codes == [.invalidRecord])
        #expect(try store.screeningTotals() == ["normal": 1, "fever": 1])
        writer.close()
    }

    /// What the store before screening counts left on disk: the v1 play table and its indexes,
    /// and GRDB's record that v1 ran.
    static func makeVersion1Database(in directory: String, with record: PlayRecord) throws {
        let queue = try DatabaseQueue(path: (directory as NSString).appendingPathComponent(StateStore.fileName))
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations (identifier) VALUES ('v1: play');
                """)
            try db.execute(sql: StateStore.version1Schema)
            try db.execute(
                sql: "INSERT INTO play (display, zone, playlist, item, start_ms, end_ms) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [record.display, record.zone, record.playlist, record.item,
                            Int64(record.start.timeIntervalSince1970 * 1000), Int64(record.end.timeIntervalSince1970 * 1000)])
        }
    }

    @Test("A database from before screening counts gains the table when the daemon opens it, with its play records intact")
    func version1DatabaseMigrates() throws {
        let folder = try TemporaryFolder()
        let old = play("マイナンバーカードの申請", tokyo(8, 30), tokyo(8, 30, 15))
        try Self.makeVersion1Database(in: folder.path, with: old)

        // A report on the old file, before the new daemon first runs: no counts, no error, nothing changed.
        do {
            let report = try StateStore(readingFrom: folder.path)
            #expect(try report.records(from: allTime.from, to: allTime.to) == [old])
            #expect(try report.screeningCounts(from: allTime.from, to: allTime.to).isEmpty)
            #expect(try report.screeningTotals().isEmpty)
        }

        let store = try StateStore(directory: folder.path)
        #expect(try store.records(from: allTime.from, to: allTime.to) == [old])
        try store.countScreening(sensor: Self.kiosk, className: "normal", at: tokyo(9, 0))
        try store.record(play("手指消毒", tokyo(9, 0), tokyo(9, 0, 10)))
        #expect(try store.screeningTotals() == ["normal": 1])
        #expect(try store.records(from: allTime.from, to: allTime.to).map(\.item) == ["マイナンバーカードの申請", "手指消毒"])
        #expect(try store.integrityCheck() == "ok")

        let queue = try DatabaseQueue(path: store.databasePath)
        let migrations = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        #expect(migrations == ["v1: play", "v2: screening", "v3: alerts"])

        // Opening again runs nothing twice.
        let again = try StateStore(directory: folder.path)
        #expect(try again.screeningTotals() == ["normal": 1])
    }

    @Test("A count round-trips through JSON with its hour as a date")
    func countIsCodable() throws {
        let count = ScreeningCount(sensor: Self.kiosk, hourStart: Self.hour(9), className: "fever", count: 2)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let json = try encoder.encode(count)
        #expect(String(decoding: json, as: UTF8.self).contains("\"hourStart\":\"2026-11-27T00:00:00Z\""))
        #expect(try decoder.decode(ScreeningCount.self, from: json) == count)
    }
}
