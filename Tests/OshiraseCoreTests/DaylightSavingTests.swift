import Foundation
import Testing
@testable import OshiraseCore

/// Europe/Berlin springs forward on 2026-03-29 (02:00 CET → 03:00 CEST, at 01:00Z) and falls back on
/// 2026-10-25 (03:00 CEST → 02:00 CET, at 01:00Z). America/New_York springs forward on 2026-03-08
/// (02:00 EST → 03:00 EDT, at 07:00Z).
@Suite("Daylight-saving days")
struct DaylightSavingTests {
    @Test func windowOnTheSpringForwardDayLastsOneRealHour() {
        let e = engine([notice("hygiene", 60, title: "検温にご協力ください", time: "01:30-03:30")], zone: berlinZone)
        #expect(e.ids(at: instant("2026-03-29T00:29:59Z")).isEmpty)
        #expect(e.ids(at: instant("2026-03-29T00:30:00Z")) == ["hygiene"], "01:30 CET")
        #expect(e.ids(at: instant("2026-03-29T01:00:00Z")) == ["hygiene"], "03:00 CEST, right after the jump")
        #expect(e.ids(at: instant("2026-03-29T01:29:59Z")) == ["hygiene"], "03:29:59 CEST")
        #expect(e.ids(at: instant("2026-03-29T01:30:00Z")).isEmpty, "03:30 CEST")

        let from = instant("2026-03-29T00:00:00Z"), to = instant("2026-03-29T02:00:00Z")
        let slots = e.timeline(in: .main, from: from, to: to)
        #expect(slots.first?.entry == nil)
        #expect(slots.first?.end == instant("2026-03-29T00:30:00Z"))
        #expect(slots.last?.entry == nil)
        #expect(slots.last?.start == instant("2026-03-29T01:30:00Z"))
        let playing = slots.filter { $0.entry != nil }
        #expect(playing.count == 60)
        #expect(playing.reduce(0) { $0 + $1.end.timeIntervalSince($1.start) } == 3600)
    }

    @Test func windowOnTheSpringForwardDayInNewYork() {
        let e = engine([notice("mynumber", 60, time: "01:30-03:30")], zone: newYorkZone)
        #expect(e.ids(at: instant("2026-03-08T06:29:59Z")).isEmpty)
        #expect(e.ids(at: instant("2026-03-08T06:30:00Z")) == ["mynumber"], "01:30 EST")
        #expect(e.ids(at: instant("2026-03-08T07:29:59Z")) == ["mynumber"], "03:29:59 EDT")
        #expect(e.ids(at: instant("2026-03-08T07:30:00Z")).isEmpty, "03:30 EDT")
        let s = e.slot(in: .main, at: instant("2026-03-08T07:29:59Z"))
        #expect(s.end == instant("2026-03-08T07:30:00Z"))
    }

    @Test func windowOpeningInsideTheSkippedHourOpensAtTheJump() {
        // 02:30 does not exist on the day; the window is open from 03:00 CEST.
        let e = engine([notice("a", 11), notice("b", 12), notice("snow", 10, time: "02:30-04:00")], zone: berlinZone)
        #expect(e.ids(at: instant("2026-03-29T00:59:59Z")) == ["a", "b"])
        #expect(e.ids(at: instant("2026-03-29T01:00:00Z")) == ["a", "b", "snow"])
        let before = e.slot(in: .main, at: instant("2026-03-29T00:59:59Z"))
        #expect(before.end == instant("2026-03-29T01:00:00Z"), "the slot is cut where the set changes")
        let after = e.slot(in: .main, at: instant("2026-03-29T01:00:00Z"))
        #expect(after.label == "a")
        #expect(after.start == instant("2026-03-29T01:00:00Z"), "the loop restarts at the jump")
    }

    @Test func loopRestartsAtLocalMidnightsAroundA23HourDay() {
        let e = engine([notice("a", 11), notice("b", 12)], zone: berlinZone)
        let midnight = instant("2026-03-29T00:00:00+01:00")
        let nextMidnight = instant("2026-03-30T00:00:00+02:00")
        #expect(nextMidnight.timeIntervalSince(midnight) == 23 * 3600)

        let first = e.slot(in: .main, at: midnight)
        #expect(first.label == "a")
        #expect(first.start == midnight)

        // 11 real hours after midnight (12:00 CEST): 39 600 s, 17 s into a 23 s round, so b since 6 s.
        let noon = e.slot(in: .main, at: instant("2026-03-29T12:00:00+02:00"))
        #expect(noon.label == "b")
        #expect(noon.start == instant("2026-03-29T11:59:54+02:00"))

        let last = e.slot(in: .main, at: nextMidnight.addingTimeInterval(-1))
        #expect(last.end == nextMidnight)
        let restarted = e.slot(in: .main, at: nextMidnight)
        #expect(restarted.label == "a")
        #expect(restarted.start == nextMidnight)
    }

    @Test func idleSpringForwardDayIs23HoursLong() {
        let e = engine([notice("mynumber", dates: DateRange(first: day("2026-01-01"), last: day("2026-01-31")))],
                       zone: berlinZone)
        let s = e.slot(in: .main, at: instant("2026-03-29T12:00:00+02:00"))
        #expect(s.entry == nil)
        #expect(s.start == instant("2026-03-29T00:00:00+01:00"))
        #expect(s.end == instant("2026-03-30T00:00:00+02:00"))
        #expect(s.end.timeIntervalSince(s.start) == 23 * 3600)
    }

    @Test func fallBackDayIs25HoursLong() {
        let e = engine([notice("a", 11), notice("b", 12)], zone: berlinZone)
        let midnight = instant("2026-10-25T00:00:00+02:00")
        let nextMidnight = instant("2026-10-26T00:00:00+01:00")
        #expect(nextMidnight.timeIntervalSince(midnight) == 25 * 3600)
        #expect(e.slot(in: .main, at: midnight).start == midnight)
        #expect(e.slot(in: .main, at: nextMidnight.addingTimeInterval(-1)).end == nextMidnight)
        #expect(e.slot(in: .main, at: nextMidnight).start == nextMidnight)
    }

    @Test func windowInterruptedByTheFallBackCutsTheSlotAtTheTransition() {
        // "02:30-04:00" on 2026-10-25 in Berlin: open 02:30 CEST (00:30Z); at 03:00 CEST the clock
        // goes back to 02:00 CET (01:00Z), outside the window; it opens again at 02:30 CET (01:30Z).
        let e = engine([notice("a", 11), notice("b", 12), notice("night", 10, time: "02:30-04:00")], zone: berlinZone)
        #expect(e.ids(at: instant("2026-10-25T00:59:59Z")) == ["a", "b", "night"])
        #expect(e.ids(at: instant("2026-10-25T01:00:00Z")) == ["a", "b"])
        #expect(e.ids(at: instant("2026-10-25T01:30:00Z")) == ["a", "b", "night"])
        #expect(e.slot(in: .main, at: instant("2026-10-25T00:59:59Z")).end == instant("2026-10-25T01:00:00Z"))
        #expect(e.slot(in: .main, at: instant("2026-10-25T01:00:00Z")).start == instant("2026-10-25T01:00:00Z"))
        let from = instant("2026-10-25T00:00:00Z"), to = instant("2026-10-25T03:00:00Z")
        for s in e.timeline(in: .main, from: from, to: to) {
            let ids = e.ids(at: s.start)
            #expect(s.entry.map { ids.contains($0.item.id) } ?? ids.isEmpty, "\(s.label) at \(s.start) while \(ids) play")
        }
    }

    @Test func repeatedHourOnTheFallBackDayPlaysTwice() {
        // 02:00-03:00 happens twice on 2026-10-25 in Berlin: 00:00Z-01:00Z (CEST) and 01:00Z-02:00Z (CET).
        let e = engine([notice("night", 60, time: "02:00-03:00")], zone: berlinZone)
        #expect(e.ids(at: instant("2026-10-25T00:30:00Z")) == ["night"])
        #expect(e.ids(at: instant("2026-10-25T01:30:00Z")) == ["night"])
        #expect(e.ids(at: instant("2026-10-25T02:00:00Z")).isEmpty)
    }

    struct Day: CustomTestStringConvertible, Sendable {
        let zone: TimeZone
        let from: String
        let items: [Item]
        var testDescription: String { "\(zone.identifier) from \(from)" }
    }

    /// Regression: on a fall-back day the second occurrence of a window edge was no change point,
    /// so `schedule` kept showing the base item while `render --at` showed the window's item.
    @Test("The timeline agrees with slot(at:) at every sampled instant of DST days", arguments: [
        Day(zone: berlinZone, from: "2026-10-24T22:00:00Z",
            items: [notice("base", 3600), notice("win", 600, priority: 1, time: "02:30-03:30")]),
        Day(zone: newYorkZone, from: "2026-11-01T04:00:00Z",
            items: [notice("a", 900), notice("b", 600, days: [.sun], time: "01:30-03:10")]),
        Day(zone: berlinZone, from: "2026-03-28T23:00:00Z",
            items: [notice("base", 3600), notice("win", 600, priority: 1, time: "02:30-03:30")]),
        Day(zone: newYorkZone, from: "2026-03-08T05:00:00Z",
            items: [notice("a", 900), notice("b", 600, days: [.sun], time: "01:30-03:10")]),
    ])
    func timelineMatchesSlotsOnDaylightSavingDays(day: Day) {
        let e = engine(day.items, zone: day.zone)
        let from = instant(day.from), to = from.addingTimeInterval(26 * 3600)
        let timeline = e.timeline(in: .main, from: from, to: to)
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for _ in 0..<2000 {
            let t = from.addingTimeInterval(Double.random(in: 0..<(26 * 3600), using: &generator).rounded(.down))
            guard let fromTimeline = timeline.first(where: { $0.start <= t && t < $0.end }) else {
                mismatches.append("no slot at \(t)")
                continue
            }
            let direct = e.slot(in: .main, at: t)
            if fromTimeline.label != direct.label { mismatches.append("\(t): timeline \(fromTimeline.label), slot \(direct.label)") }
        }
        let count = mismatches.count
        #expect(count == 0, "\(count) mismatches, e.g. \(mismatches.prefix(3))")
    }
}
