import Foundation
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseStore
import OshiraseTestSupport
import Testing

@Suite("Proof-of-play retention")
struct RetentionTests {
    func record(_ item: String, endingOn day: Int) -> PlayRecord {
        PlayRecord(display: "lobby", zone: "main", playlist: "01-city-hall-lobby.yaml", item: item,
                   start: jst(9, 0, day: day), end: jst(9, 0, 15, day: day))
    }

    @Test func recordsOlderThanTheConfiguredDaysGoAtStartAndThenDaily() async throws {
        let folder = try PlaylistFolder()
        let store = try StateStore(directory: folder.path)
        try store.record(record("除雪のお知らせ", endingOn: 1))
        try store.record(record("マイナンバー", endingOn: 22))
        try store.record(record("市民税", endingOn: 26))
        let clock = ManualClock(jst(9, 0, day: 27))
        let retention = ProofOfPlayRetention(store: store, days: 7, clock: clock, logger: quietLogger)
        let task = Task { try await retention.run() }
        defer { task.cancel() }
        func items() throws -> [String] {
            try store.records(from: .distantPast, to: .distantFuture).map(\.item)
        }
        #expect(await eventually { clock.sleeperCount == 1 })
        #expect(try items() == ["マイナンバー", "市民税"], "the record of the 1st is 26 days old")
        clock.set(jst(9, 0, day: 30))  // three days later: the daily trim runs
        #expect(try await eventually { try items().count == 1 })
        #expect(try items() == ["市民税"])
    }
}
