import Foundation
import Testing
@testable import OshiraseCore

@Suite("timeline() is contiguous, clipped and merges idle spans")
struct TimelineTests {
    /// Checks the properties every timeline has: starts at `from`, ends at `to`, no gaps, no empty
    /// slots, no two idle slots side by side.
    func expectWellFormed(_ slots: [Slot], from: Date, to: Date, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(slots.first?.start == from, sourceLocation: sourceLocation)
        #expect(slots.last?.end == to, sourceLocation: sourceLocation)
        for (a, b) in zip(slots, slots.dropFirst()) {
            #expect(a.end == b.start, "gap or overlap at \(a.end) / \(b.start)", sourceLocation: sourceLocation)
            #expect(!(a.entry == nil && b.entry == nil), "two idle slots side by side at \(a.end)",
                    sourceLocation: sourceLocation)
        }
        for s in slots {
            #expect(s.start < s.end, "empty slot \(s.label) at \(s.start)", sourceLocation: sourceLocation)
        }
    }

    func spans(_ slots: [Slot]) -> [String] {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tokyoZone
        f.dateFormat = "HH:mm:ss"
        return slots.map { "\(f.string(from: $0.start))-\(f.string(from: $0.end)) \($0.label)" }
    }

    @Test func timelineIsClippedAndFollowsTheLoop() {
        let e = engine([notice("a", 11), notice("b", 12), notice("c", 10, time: "09:00-10:00")])
        let from = local("2026-11-27 08:59:50"), to = local("2026-11-27 09:00:40")
        let slots = e.timeline(in: .main, from: from, to: to)
        #expect(spans(slots) == [
            "08:59:50-08:59:55 a",
            "08:59:55-09:00:00 b",
            "09:00:00-09:00:11 a",
            "09:00:11-09:00:23 b",
            "09:00:23-09:00:33 c",
            "09:00:33-09:00:40 a",
        ])
        expectWellFormed(slots, from: from, to: to)
    }

    @Test func idleSpansAroundAWindowAreSingleSlots() {
        let e = engine([notice("mynumber", 10, time: "12:00-12:01")])
        let from = local("2026-11-27 11:00"), to = local("2026-11-27 13:00")
        let slots = e.timeline(in: .main, from: from, to: to)
        #expect(spans(slots) == [
            "11:00:00-12:00:00 idle",
            "12:00:00-12:00:10 mynumber",
            "12:00:10-12:00:20 mynumber",
            "12:00:20-12:00:30 mynumber",
            "12:00:30-12:00:40 mynumber",
            "12:00:40-12:00:50 mynumber",
            "12:00:50-12:01:00 mynumber",
            "12:01:00-13:00:00 idle",
        ])
        expectWellFormed(slots, from: from, to: to)
    }

    @Test func idleAcrossMidnightIsOneSlot() {
        let e = engine([notice("mynumber", time: "12:00-12:01")])
        let from = local("2026-11-27 20:00"), to = local("2026-11-28 02:00")
        let slots = e.timeline(in: .main, from: from, to: to)
        #expect(slots.count == 1)
        #expect(slots.first?.entry == nil)
        expectWellFormed(slots, from: from, to: to)
    }

    @Test func emptyEngineGivesOneIdleSlotOverSeveralDays() {
        let from = local("2026-11-27 00:00"), to = local("2026-11-30 00:00")
        let slots = ScheduleEngine(playlists: []).timeline(in: .main, from: from, to: to)
        #expect(slots.count == 1)
        expectWellFormed(slots, from: from, to: to)
    }

    /// Long durations keep the number of slots (and the test's run time) small.
    @Test func twoDaysOfTheLobbyAreWellFormed() {
        let lobby = playlist([
            notice("mynumber", 150, title: "マイナンバーカードの申請", days: [.mon, .tue, .wed, .thu, .fri], time: "08:45-17:15"),
            notice("counter", 150, title: "窓口の受付時間", days: [.mon, .tue, .wed, .thu, .fri], time: "08:45-17:15"),
            notice("snow", 100, title: "大雪のため市バスに遅れ", category: .warning,
                   dates: DateRange(first: day("2026-11-01"), last: day("2027-02-11"))),
            notice("after-hours", 150, title: "本日の窓口業務は終了しました", time: "17:15-08:45"),
            notice("quiet", 70, priority: 1, time: "23:00-00:30"),
            tickerItem("welcome", 600),
        ], layout: .mainTicker)
        let e = ScheduleEngine(playlists: [lobby])
        let from = local("2026-11-27 00:00"), to = local("2026-11-29 00:00")
        for zone in Zone.allCases {
            let slots = e.timeline(in: zone, from: from, to: to)
            expectWellFormed(slots, from: from, to: to)
            for s in slots {
                // Every slot shows what the engine says plays at its start.
                #expect(e.slot(in: zone, at: s.start).entry == s.entry, "\(zone) at \(s.start)")
            }
        }
        let main = e.timeline(in: .main, from: from, to: to)
        #expect(!main.contains { $0.entry == nil }, "something always plays in the lobby")
        let at0845 = main.first { $0.start == local("2026-11-27 08:45") }
        #expect(at0845?.label == "mynumber")
        let at2300 = main.first { $0.start == local("2026-11-27 23:00") }
        #expect(at2300?.label == "quiet")
        let at0030 = main.first { $0.start == local("2026-11-28 00:30") }
        #expect(at0030?.label == "snow", "the loop restarts with the first eligible item after 00:30")
    }

    @Test func timelineOfAZeroSpanIsEmpty() {
        let e = engine([notice("a")])
        let t = local("2026-11-27 09:00")
        #expect(e.timeline(in: .main, from: t, to: t).isEmpty)
    }
}
