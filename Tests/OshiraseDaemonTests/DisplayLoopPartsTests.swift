import Foundation
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseStore
import OshiraseTestSupport
import Testing
import OshiraseSigning

/// The display loop's parts, each on its own (the loop as a whole: DisplayLoopTests).
@Suite("Display loop parts")
struct DisplayLoopPartsTests {
    // MARK: ClockStepWatch

    @Test func aWallClockSetForwardOrBackIsAStepAndDriftIsNot() {
        var watch = ClockStepWatch()
        let t0 = jst(9, 0)
        #expect(watch.read(wall: t0, elapsed: 100) == nil, "the first reading has nothing to compare with")
        #expect(watch.read(wall: t0.addingTimeInterval(10.5), elapsed: 109) == nil, "1.5 s of drift in 9 s is not a setting")
        let forward = watch.read(wall: t0.addingTimeInterval(3610.5), elapsed: 110)
        #expect(forward?.seconds == 3599 && forward?.lastReading == t0.addingTimeInterval(10.5), "NTP set it an hour forward")
        let back = watch.read(wall: t0.addingTimeInterval(3600), elapsed: 111)
        #expect(back.map { abs($0.seconds + 11.5) < 1e-9 } == true, "set 11.5 s back: \(String(describing: back))")
    }

    // MARK: FramePacer

    @Test func framesAreDueOneIntervalApartAndAnOverrunDropsTheFramesWhoseTimeHasPassed() {
        var pacer = FramePacer()
        let t0 = jst(9, 0)
        let first = pacer.next(after: t0, finished: t0.addingTimeInterval(0.01), fps: 10)
        #expect(first.due == t0.addingTimeInterval(0.1) && first.dropped == 0)
        let early = pacer.next(after: t0.addingTimeInterval(0.05), finished: t0.addingTimeInterval(0.06), fps: 10)
        #expect(early.due == t0.addingTimeInterval(0.1) && early.dropped == 0, "woken early (a reload): the deadline stands")
        // The frame due at 0.1 took until 0.35: the frames due at 0.2 and 0.3 are dropped.
        let late = pacer.next(after: t0.addingTimeInterval(0.1), finished: t0.addingTimeInterval(0.35), fps: 10)
        #expect(late.dropped == 2 && abs(late.due.timeIntervalSince(t0) - 0.4) < 1e-6, "\(late)")
        pacer.reset()
        #expect(pacer.deadline == nil)
        let again = pacer.next(after: t0.addingTimeInterval(5), finished: t0.addingTimeInterval(5), fps: 10)
        #expect(abs(again.due.timeIntervalSince(t0) - 5.1) < 1e-6, "after a reset the timeline starts at now")
    }

    // MARK: ShowingTracker

    static func engine(_ folder: PlaylistFolder) throws -> ScheduleEngine {
        let library = PlaylistLibrary(directory: folder.path, profiles: builtInProfileNames, clock: ManualClock(jst(9, 0)),
                                      logger: quietLogger, deletionGrace: 0)
        library.rescan()
        return ScheduleEngine(playlists: library.snapshot().playlists, profile: "lcd-1080p")
    }

    @Test func proofOfPlayStartsAtTheFirstFrameShownEndsAtEachChangeAndCountsNothingCovered() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10), ("tax", "市民税の納付", 10)]))
        let engine = try Self.engine(folder)
        let sink = RecordSink()
        let tracker = ShowingTracker(display: "lobby", record: { sink.add($0) })
        func visible(_ t: Date) -> [(Zone, Slot)] { [(.main, engine.slot(in: .main, at: t))] }

        tracker.track(engine: engine, visible: visible(jst(9, 0, 1)), now: jst(9, 0, 1))
        #expect(sink.all.isEmpty, "nothing was shown yet")
        tracker.frameShown(at: jst(9, 0, 2))
        tracker.frameShown(at: jst(9, 0, 3))
        tracker.track(engine: engine, visible: visible(jst(9, 0, 3)), now: jst(9, 0, 3))
        tracker.track(engine: engine, visible: visible(jst(9, 0, 12)), now: jst(9, 0, 12))
        #expect(sink.all.map { "\($0.item) \($0.start.timeIntervalSince(jst(9, 0))) \($0.end.timeIntervalSince(jst(9, 0)))" }
                == ["mynumber 2.0 10.0"], "from the first frame shown to the slot's end: \(sink.all)")
        // A takeover covers the main zone from 15 s to 18 s: tax ends at 15 s, and starts again at 18 s.
        tracker.track(engine: engine, visible: [], now: jst(9, 0, 15))
        tracker.track(engine: engine, visible: visible(jst(9, 0, 18)), now: jst(9, 0, 18))
        tracker.close(at: jst(9, 0, 19))
        #expect(sink.all.map { "\($0.item) \($0.start.timeIntervalSince(jst(9, 0))) \($0.end.timeIntervalSince(jst(9, 0)))" }
                == ["mynumber 2.0 10.0", "tax 10.0 15.0", "tax 18.0 19.0"], "\(sink.all)")
        tracker.track(engine: engine, visible: visible(jst(9, 0, 25)), now: jst(9, 0, 25))
        #expect(sink.all.count == 3, "after close, nothing counts until a frame is shown again")
    }

    @Test func aShowingShorterThanAMillisecondIsNotARecord() throws {
        // A first frame 0.3 ms before an item change (seen under load after a restart) used to
        // give a record whose start and end the store keeps as the same millisecond.
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10), ("tax", "市民税の納付", 10)]))
        let engine = try Self.engine(folder)
        let sink = RecordSink()
        let tracker = ShowingTracker(display: "lobby", record: { sink.add($0) })
        let shown = jst(9, 0, 10).addingTimeInterval(-0.0003)
        tracker.frameShown(at: shown)
        tracker.track(engine: engine, visible: [(.main, engine.slot(in: .main, at: shown))], now: shown)
        tracker.track(engine: engine, visible: [(.main, engine.slot(in: .main, at: jst(9, 0, 10)))], now: jst(9, 0, 10))
        tracker.close(at: jst(9, 0, 12))
        #expect(sink.all.map(\.item) == ["tax"], "\(sink.all)")
    }

    // MARK: StoredReplayMemory

    @Test func theStoredReplayMemoryRemembersInTheDatabaseAndIsBounded() throws {
        let folder = try PlaylistFolder()
        let store = try StateStore(directory: folder.path + "/state")
        let memory = StoredReplayMemory(store: store, logger: quietLogger, capacity: 2)
        let t0 = jst(9, 0)
        let (a, b, c) = ([UInt8](repeating: 1, count: 32), [UInt8](repeating: 2, count: 32), [UInt8](repeating: 3, count: 32))
        #expect(memory.remember(digest: a, until: t0.addingTimeInterval(600), now: t0) == .fresh)
        #expect(memory.remember(digest: a, until: t0.addingTimeInterval(601), now: t0.addingTimeInterval(1)) == .replayed)
        #expect(memory.remember(digest: b, until: t0.addingTimeInterval(602), now: t0.addingTimeInterval(2)) == .fresh)
        #expect(memory.remember(digest: c, until: t0.addingTimeInterval(603), now: t0.addingTimeInterval(3))
                == .full(retryAfter: t0.addingTimeInterval(600)), "two live signatures fill a memory of two")
        #expect(memory.remember(digest: a, until: t0.addingTimeInterval(603), now: t0.addingTimeInterval(3)) == .replayed,
                "a full memory still calls a replay a replay (409), not full (503)")
        memory.forget(digest: b)
        #expect(memory.remember(digest: c, until: t0.addingTimeInterval(604), now: t0.addingTimeInterval(4)) == .fresh)
        // A new process (a restart) reads the same database: the replay is still one.
        let again = StoredReplayMemory(store: store, logger: quietLogger)
        #expect(again.remember(digest: c, until: t0.addingTimeInterval(605), now: t0.addingTimeInterval(5)) == .replayed)
        #expect(memory.remember(digest: a, until: t0.addingTimeInterval(1300), now: t0.addingTimeInterval(700)) == .fresh,
                "an expired signature is forgotten")
    }

    // MARK: ScheduleFollower

    @Test func beforeTheClockIsTrustedOnlyFallbackItemsPlayAndSlotsAreKeptWhileTheyLast() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", """
            name: 本庁舎1階ロビー
            layout: full
            items:
              - id: welcome
                fallback: true
                announcement: { category: info, title: ようこそ, body: 札幌市役所へようこそ。 }
                duration: 10s
              - id: tax
                schedule: { time: "09:00-10:00" }
                priority: 5
                announcement: { category: notice, title: 市民税の納付, body: 納期限は12月28日です。 }
                duration: 10s
            """)
        let clock = ManualClock(jst(9, 0))
        let library = PlaylistLibrary(directory: folder.path, profiles: builtInProfileNames, clock: clock, logger: quietLogger,
                                      deletionGrace: 0)
        library.rescan()
        var follower = ScheduleFollower(profile: "lcd-1080p", timeZone: .tokyo)
        follower.refresh(from: library)

        let untrusted = follower.engine(at: jst(9, 0), notBefore: jst(9, 0, day: 28))
        #expect(untrusted.trustChange?.before == nil && untrusted.trustChange?.now == false)
        #expect(follower.slots(of: untrusted.engine, at: jst(9, 0)).main.entry?.item.id == "welcome")
        let trusted = follower.engine(at: jst(9, 0, 1), notBefore: jst(0, 0))
        #expect(trusted.trustChange?.before == false && trusted.trustChange?.now == true)
        let slot = follower.slots(of: trusted.engine, at: jst(9, 0, 1)).main
        #expect(slot.entry?.item.id == "tax")
        #expect(follower.engine(at: jst(9, 0, 2), notBefore: jst(0, 0)).trustChange == nil, "no change, no news")
        #expect(follower.slots(of: trusted.engine, at: jst(9, 0, 5)).main == slot, "kept while it lasts")
        #expect(follower.slots(of: trusted.engine, at: slot.end).main.start == slot.end, "a new slot at its end")
    }

    // MARK: OutputSupervisor

    @Test func anOutputThatFailsIsOpenedAgainFiveSecondsLaterAndEachErrorIsReportedOnce() {
        let attempts = Counter()
        let state = DisplayState(status: DisplayStatus(name: "lobby", profile: "lcd-1080p", output: "", width: 480, height: 270,
                                                       powered: true, items: [:], framesPresented: 0, frameRate: 0,
                                                       configuredFrameRate: 10))
        let supervisor = OutputSupervisor(profile: smallLCD, state: state, metrics: DaemonMetrics().display("lobby"),
                                          logger: quietLogger) { () throws(OutputError) -> FrameOutput in
            attempts.value += 1
            if attempts.value < 3 { throw OutputError("/dev/dri/card0: No such file or directory") }
            return RecordingOutput(width: 480, height: 270)
        }
        let t0 = jst(9, 0)
        #expect(supervisor.current(at: t0) == nil && attempts.value == 1)
        #expect(state.status.error == "/dev/dri/card0: No such file or directory")
        #expect(supervisor.current(at: t0.addingTimeInterval(4.9)) == nil && attempts.value == 1, "not before 5 s")
        #expect(supervisor.current(at: t0.addingTimeInterval(5)) == nil && attempts.value == 2)
        let opened = supervisor.current(at: t0.addingTimeInterval(10))
        #expect(opened?.opened == true && attempts.value == 3 && state.status.error == nil)
        #expect(supervisor.current(at: t0.addingTimeInterval(11))?.opened == false, "open stays open")
        supervisor.failed(OutputError("page flip failed: Device or resource busy"), at: t0.addingTimeInterval(12))
        #expect(supervisor.output == nil && supervisor.retryAt == t0.addingTimeInterval(17))
    }
}

/// A mutable count for a closure.
private final class Counter: @unchecked Sendable {
    var value = 0
}
