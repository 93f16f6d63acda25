import Foundation
import Testing
@testable import OshiraseCore

@Suite("Weekdays, windows and dates match in the playlist's time zone")
struct EligibilityTests {
    // 2026-11-26T20:00Z is Thursday 20:00 in UTC but Friday 05:00 in Tokyo.
    let thursdayInUTCFridayInTokyo = instant("2026-11-26T20:00:00Z")

    @Test func weekdayIsTheTokyoWeekdayForATokyoPlaylist() {
        let e = engine([notice("friday-only", days: [.fri])], zone: tokyoZone)
        #expect(e.ids(at: thursdayInUTCFridayInTokyo) == ["friday-only"])
    }

    @Test func thursdayItemDoesNotPlayWhenItIsAlreadyFridayInTokyo() {
        let e = engine([notice("thursday-only", days: [.thu])], zone: tokyoZone)
        #expect(e.ids(at: thursdayInUTCFridayInTokyo).isEmpty)
    }

    @Test func sameInstantIsStillThursdayForAUTCPlaylist() {
        let e = engine([notice("friday-only", days: [.fri]), notice("thursday-only", days: [.thu])], zone: utcZone)
        #expect(e.ids(at: thursdayInUTCFridayInTokyo) == ["thursday-only"])
    }

    @Test func eachPlaylistUsesItsOwnZoneWhenMerged() {
        let tokyo = playlist([notice("tokyo-friday", days: [.fri])], file: "01-tokyo.yaml", zone: tokyoZone)
        let utc = playlist([notice("utc-friday", days: [.fri])], file: "02-utc.yaml", zone: utcZone)
        let e = ScheduleEngine(playlists: [tokyo, utc])
        #expect(e.ids(at: thursdayInUTCFridayInTokyo) == ["tokyo-friday"])
    }

    @Test func windowStartIsInclusiveAndEndExclusive() {
        let e = engine([notice("mynumber", title: "マイナンバーカードの申請", time: "08:45-17:15")])
        #expect(e.ids(at: local("2026-11-27 08:44:59")).isEmpty)
        #expect(e.ids(at: local("2026-11-27 08:45:00")) == ["mynumber"])
        #expect(e.ids(at: local("2026-11-27 17:14:59")) == ["mynumber"])
        #expect(e.ids(at: local("2026-11-27 17:15:00")).isEmpty)
    }

    @Test func windowIsReadOnThePlaylistsWallClock() {
        // 08:45 in Tokyo is 23:45 the day before in UTC.
        let e = engine([notice("mynumber", time: "08:45-17:15")], zone: tokyoZone)
        #expect(e.ids(at: instant("2026-11-26T23:45:00Z")) == ["mynumber"])
        #expect(e.ids(at: instant("2026-11-26T23:44:59Z")).isEmpty)
    }

    // 2026-11-27 is a Friday.
    @Test func wrappingWindowAfterMidnightBelongsToTheDayItStarted() {
        let e = engine([notice("night-desk", title: "夜間受付のご案内", days: [.fri], time: "22:00-06:00")])
        #expect(e.ids(at: local("2026-11-27 02:00")).isEmpty, "Friday 02:00 is Thursday night's window")
        #expect(e.ids(at: local("2026-11-28 02:00")) == ["night-desk"], "Saturday 02:00 is Friday night's window")
    }

    @Test func wrappingWindowEdges() {
        let e = engine([notice("night-desk", days: [.fri], time: "22:00-06:00")])
        #expect(e.ids(at: local("2026-11-27 21:59:59")).isEmpty)
        #expect(e.ids(at: local("2026-11-27 22:00")) == ["night-desk"])
        #expect(e.ids(at: local("2026-11-27 23:59:59")) == ["night-desk"])
        #expect(e.ids(at: local("2026-11-28 00:00")) == ["night-desk"])
        #expect(e.ids(at: local("2026-11-28 05:59:59")) == ["night-desk"])
        #expect(e.ids(at: local("2026-11-28 06:00")).isEmpty)
        #expect(e.ids(at: local("2026-11-28 22:00")).isEmpty, "Saturday evening is not Friday")
        #expect(e.ids(at: local("2026-11-26 23:00")).isEmpty, "Thursday evening is not Friday")
    }

    @Test func wrappingWindowAfterMidnightBelongsToTheDateItStarted() {
        let e = engine([notice("snow-night", title: "大雪のため市バスに遅れ", time: "22:00-06:00",
                              dates: DateRange(first: day("2026-11-27"), last: day("2026-11-27")))])
        #expect(e.ids(at: local("2026-11-27 01:00")).isEmpty, "the night of the 26th")
        #expect(e.ids(at: local("2026-11-27 23:00")) == ["snow-night"])
        #expect(e.ids(at: local("2026-11-28 01:00")) == ["snow-night"], "still the night of the 27th")
        #expect(e.ids(at: local("2026-11-28 23:00")).isEmpty)
    }

    @Test func windowEndingAtMidnightPlaysUntilMidnight() {
        let e = engine([notice("evening", time: "22:00-00:00")])
        #expect(e.ids(at: local("2026-11-27 23:59:59")) == ["evening"])
        #expect(e.ids(at: local("2026-11-28 00:00")).isEmpty)
    }

    @Test func dateRangeIncludesBothEdgeDays() {
        let e = engine([notice("mynumber", dates: DateRange(first: day("2026-11-01"), last: day("2026-12-28")))])
        #expect(e.ids(at: local("2026-10-31 23:59:59")).isEmpty)
        #expect(e.ids(at: local("2026-11-01 00:00")) == ["mynumber"], "first day included")
        #expect(e.ids(at: local("2026-12-28 23:59:59")) == ["mynumber"], "last day included")
        #expect(e.ids(at: local("2026-12-29 00:00")).isEmpty, "the day after excluded")
    }

    @Test func dateRangeIsReadInThePlaylistsZone() {
        // 2026-10-31T15:00Z is already 2026-11-01 00:00 in Tokyo.
        let e = engine([notice("mynumber", dates: DateRange(first: day("2026-11-01"), last: nil))])
        #expect(e.ids(at: instant("2026-10-31T15:00:00Z")) == ["mynumber"])
        #expect(e.ids(at: instant("2026-10-31T14:59:59Z")).isEmpty)
    }

    @Test func rangeOpenAtTheStartPlaysUntilItsLastDay() {
        let e = engine([notice("until", dates: DateRange(first: nil, last: day("2026-12-28")))])
        #expect(e.ids(at: local("2000-01-01 12:00")) == ["until"])
        #expect(e.ids(at: local("2026-12-28 23:59")) == ["until"])
        #expect(e.ids(at: local("2026-12-29 00:00")).isEmpty)
    }

    @Test func rangeOpenAtTheEndPlaysFromItsFirstDayOn() {
        let e = engine([notice("from", dates: DateRange(first: day("2026-11-01"), last: nil))])
        #expect(e.ids(at: local("2026-10-31 23:59")).isEmpty)
        #expect(e.ids(at: local("2026-11-01 00:00")) == ["from"])
        #expect(e.ids(at: local("2099-12-31 23:59")) == ["from"])
    }

    @Test func everyPartOfAScheduleMustMatch() {
        let e = engine([notice("weekday-office", days: [.mon, .tue, .wed, .thu, .fri], time: "08:45-17:15",
                               dates: DateRange(first: day("2026-11-01"), last: day("2026-12-28")))])
        #expect(e.ids(at: local("2026-11-27 09:00")) == ["weekday-office"])
        #expect(e.ids(at: local("2026-11-28 09:00")).isEmpty, "Saturday")
        #expect(e.ids(at: local("2026-11-27 18:00")).isEmpty, "after hours")
        #expect(e.ids(at: local("2027-01-08 09:00")).isEmpty, "after the range (a Friday)")
    }

    @Test func dateRangeContainsItsEdges() {
        let range = DateRange(first: day("2026-11-01"), last: day("2026-12-28"))
        #expect(range.contains(day("2026-11-01")))
        #expect(range.contains(day("2026-12-28")))
        #expect(!range.contains(day("2026-10-31")))
        #expect(!range.contains(day("2026-12-29")))
        #expect(DateRange(first: nil, last: nil).contains(day("1970-01-01")))
    }

    @Test func impossibleDatesAreRejected() {
        #expect(LocalDate(year: 2026, month: 2, day: 30) == nil)
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2028, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2100, month: 2, day: 29) == nil)
        #expect(LocalDate(year: 2000, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2026, month: 4, day: 31) == nil)
        #expect(TimeOfDay(hour: 24, minute: 0) == nil)
        #expect(TimeOfDay(hour: 23, minute: 60) == nil)
    }
}
