import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

/// One test per validation error, each with its exact line and column.
@Suite("Each playlist error names its line and column")
struct SourceErrorTests {
    // MARK: Syntax and keys

    @Test func yamlSyntaxErrorPointsAtTheOffendingColon() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                 duration: 10s
            """)
        expect(e, at: 4, 14, "YAML syntax error", "mapping values are not allowed")
    }

    /// Regression: libyaml notices an unclosed quote or bracket, or a key without its colon, only
    /// lines later; the error now points where the construct began.
    @Test(arguments: [
        ("name: 本庁舎\nitems:\n  - id: clock\n    clock: \"HH:mm\n", 4, 12, "quoted scalar"),
        ("name: 本庁舎\nitems:\n  - id: clock\n    clock HH:mm\n  - id: b\n    clock: \"HH:mm\"\n", 4, 5, "could not find expected ':'"),
        ("name: 本庁舎\nitems:\n  - id: t\n    ticker: [閉じていない\n  - id: b\n    clock: \"HH:mm\"\n", 4, 13, "flow sequence"),
    ])
    func unfinishedConstructsPointWhereTheyBegan(yaml: String, line: Int, column: Int, fragment: String) throws {
        let e = try problem(yaml)
        expect(e, at: line, column, "YAML syntax error", fragment)
    }

    /// Regression: a full-width space or colon from a Japanese keyboard, or a tab, gave messages
    /// that did not say what was wrong.
    @Test(arguments: [
        ("name: 全角\nitems:\n  - id: a\n    announcement:\n      title:\u{3000}お知らせ\n", "full-width space"),
        ("name: 全角\nitems:\n  - id: a\n    announcement:\n      title： お知らせ\n", "full-width colon"),
        ("name: タブ\nitems:\n  - id: a\n\tclock: \"HH:mm\"\n", "indent with spaces"),
    ])
    func japaneseKeyboardSlipsAreNamed(yaml: String, hint: String) {
        let errors = problems(yaml)
        #expect(errors.contains { $0.message.contains(hint) }, "\(errors.map(\.description))")
    }

    @Test func colonInsideTextSuggestsQuotes() throws {
        let e = try problem("""
            name: 本庁舎
            items:
              - id: a
                announcement:
                  title: 注意: 工事中です
            """)
        expect(e, at: 5, 16, "mapping values are not allowed", "put it in quotes")
    }

    @Test func descriptionIsFileLineColumnErrorMessage() throws {
        let loader = PlaylistLoader()
        do {
            _ = try loader.parse(yaml: "name: ロビー\nitems:\n  - id: a\n    clock: \"HH:mm\"\n    colour: red\n",
                                 path: "playlists/01-lobby.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.map(\.description)
                == ["playlists/01-lobby.yaml:5:5: error: unknown key 'colour' in an item (allowed: id, duration, priority, schedule, zone, fit, speed, fallback, announcement, image, ticker, clock)"])
            #expect(error.description == error.errors[0].description)
        }
    }

    @Test func unknownTopLevelKeySuggestsTheNearestKey() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            timezon: Asia/Tokyo
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 2, 1, "unknown key 'timezon' in the playlist", "did you mean 'timezone'?")
    }

    @Test func unknownItemKeySuggestsTheNearestKey() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                duraton: 15s
                announcement:
                  title: マイナンバーカードの申請
            """)
        expect(e, at: 4, 5, "unknown key 'duraton' in an item", "did you mean 'duration'?")
    }

    @Test func unknownAnnouncementKeySuggestsTheNearestKey() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                announcement:
                  title: マイナンバーカードの申請
                  boddy: オンライン申請を受け付けています。
            """)
        expect(e, at: 6, 7, "unknown key 'boddy' in announcement", "did you mean 'body'?")
    }

    @Test func misspelledTitleIsReportedWithItsSuggestion() {
        let found = problems("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                announcement:
                  titel: マイナンバーカードの申請
            """)
        #expect(found.contains { $0.line == 5 && $0.column == 7 && $0.message.contains("did you mean 'title'?") },
                "\(found.map(\.description))")
    }

    @Test func unknownScheduleKeySuggestsTheNearestKey() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                clock: "HH:mm"
                schedule:
                  day: [mon, tue]
            """)
        expect(e, at: 6, 7, "unknown key 'day' in schedule", "did you mean 'days'?")
    }

    @Test func unrelatedUnknownKeyGetsNoSuggestion() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            background: red
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 2, 1, "unknown key 'background' in the playlist", "allowed: name, timezone")
        #expect(!e.message.contains("did you mean"))
    }

    @Test func missingNameAndItems() {
        let found = problems("timezone: Asia/Tokyo\n")
        #expect(found.map(\.message) == ["missing required key 'name'", "missing required key 'items'"])
        #expect(found.allSatisfy { $0.line == 1 && $0.column == 1 })
    }

    // MARK: Types

    @Test func nameAsAListIsAnError() throws {
        let e = try problem("""
            name: [本庁舎, ロビー]
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 1, 7, "name must be text, not a list")
    }

    @Test func priorityAsAWordIsAnError() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: snow
                priority: high
                ticker: 大雪のため市バスに遅れが出ています。
            """)
        expect(e, at: 4, 15, "priority must be a whole number")
    }

    @Test func itemsAsAMappingIsAnError() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              id: mynumber
              clock: "HH:mm"
            """)
        expect(e, at: 3, 3, "items must be a list")
        #expect(!e.message.contains("mon"), "the example should show items, not weekdays: \(e.message)")
    }

    @Test func announcementAsTextIsAnError() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                announcement: マイナンバーカードの申請
            """)
        expect(e, at: 4, 19, "announcement must be a mapping")
    }

    // MARK: Durations

    @Test(arguments: [
        ("10x", "bad duration '10x'"),
        ("-5s", "duration '-5s' is negative"),
        ("0s", "duration '0s' is zero"),
    ])
    func badDurationIsAnErrorAtItsValue(value: String, message: String) throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: hygiene
                duration: \(value)
                announcement:
                  title: 検温にご協力ください
            """)
        expect(e, at: 4, 15, message)
    }

    @Test func badDefaultDurationIsAnError() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            defaults:
              duration: 10x
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 3, 13, "bad duration '10x'")
    }

    // MARK: Schedules

    func scheduleProblem(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceError {
        try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                announcement:
                  title: マイナンバーカードの申請
                schedule:
                  \(line)
            """, sourceLocation: sourceLocation)
    }

    @Test func hourOutOfRangeInATimeWindow() throws {
        let e = try scheduleProblem(#"time: "25:00-26:00""#)
        expect(e, at: 7, 13, "bad time '25:00'", "hours go from 00 to 23")
    }

    @Test func timeWindowWithoutMinutes() throws {
        let e = try scheduleProblem(#"time: "9-17""#)
        expect(e, at: 7, 13, "in time window '9-17'", "write HH:MM")
    }

    @Test func emptyTimeWindowIsAnError() throws {
        let e = try scheduleProblem(#"time: "09:00-09:00""#)
        expect(e, at: 7, 13, "is empty")
    }

    @Test func dateRangeEndingBeforeItStarts() throws {
        let e = try scheduleProblem(#"dates: "2026-12-28..2026-11-01""#)
        expect(e, at: 7, 14, "ends (2026-11-01) before it starts (2026-12-28)")
    }

    @Test func impossibleDate() throws {
        let e = try scheduleProblem(#"dates: "2026-02-30..2026-03-31""#)
        expect(e, at: 7, 14, "bad date '2026-02-30'", "no such day")
    }

    @Test func impossibleSingleUnquotedDate() throws {
        let e = try scheduleProblem("dates: 2026-02-30")
        expect(e, at: 7, 14, "bad date '2026-02-30'")
    }

    @Test func unknownWeekdaySuggestsTheDay() throws {
        let e = try scheduleProblem("days: [mon, tues, wed]")
        expect(e, at: 7, 19, "unknown weekday 'tues'", "did you mean 'tue'?")
    }

    @Test func fullWeekdayNameSuggestsTheShortName() throws {
        let e = try scheduleProblem("days: [friday]")
        expect(e, at: 7, 14, "unknown weekday 'friday'", "did you mean 'fri'?")
    }

    @Test func emptyDaysIsAnError() throws {
        let e = try scheduleProblem("days: []")
        expect(e, at: 7, 13, "days is empty")
    }

    // MARK: Items

    @Test func duplicateIdIsReportedAtTheSecondIdNamingTheFirstLine() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: mynumber
                announcement:
                  title: マイナンバーカードの申請
              - id: clock
                clock: "HH:mm"
              - id: mynumber
                announcement:
                  title: マイナンバーカードの申請はオンラインで
            """)
        expect(e, at: 8, 9, "duplicate id 'mynumber'", "first used at line 3")
    }

    @Test func emptyItemsIsAnError() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items: []
            """)
        expect(e, at: 2, 8, "items is empty")
    }

    @Test func itemWithoutIdIsAnError() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - clock: "HH:mm"
            """)
        expect(e, at: 3, 5, "item is missing its 'id'")
    }

    @Test func itemWithNothingToShowIsAnError() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: empty
                duration: 10s
            """)
        expect(e, at: 3, 5, "item 'empty' needs one of: announcement, image, ticker, clock")
    }

    @Test func itemWithTwoContentKeysIsReportedAtTheSecond() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: bus
                announcement:
                  title: 大雪のため市バスに遅れ
                ticker: 本日は大雪のため市バスに遅れが出ています。
            """)
        expect(e, at: 6, 5, "an item shows one thing", "both 'announcement' and 'ticker'")
    }

    @Test func twoContentKeysAreNamedInFileOrder() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: clock
                clock: "HH:mm"
                announcement:
                  title: 検温にご協力ください
            """)
        expect(e, at: 5, 5, "both 'clock' and 'announcement'")
    }

    @Test func unknownCategory() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: snow
                announcement:
                  category: urgent
                  title: 大雪のため市バスに遅れ
            """)
        expect(e, at: 5, 17, "unknown category 'urgent'", "info, notice, warning, emergency")
    }

    @Test func misspelledCategorySuggestsIt() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: snow
                announcement:
                  category: warnig
                  title: 大雪のため市バスに遅れ
            """)
        expect(e, at: 5, 17, "unknown category 'warnig'", "did you mean 'warning'?")
    }

    @Test func unknownProfileInDisplays() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            displays: [lcd-1080p, lcd-4k]
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 2, 23, "unknown profile 'lcd-4k'", "known: lcd-1080p, dsign-clean, led-vision")
    }

    @Test func unknownLayout() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            layout: split
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 2, 9, "unknown layout 'split'", "full, main+ticker")
    }

    @Test func tickerZoneNeedsTheTickerLayout() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: bus
                ticker: 本日は大雪のため市バスに遅れが出ています。
                zone: ticker
            """)
        expect(e, at: 5, 11, "zone 'ticker' needs 'layout: main+ticker'")
    }

    @Test func unknownTimeZone() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            timezone: Asia/Sapporo
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 2, 11, "unknown timezone 'Asia/Sapporo'")
    }

    @Test func fitOnANonImageItem() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: clock
                clock: "HH:mm"
                fit: cover
            """)
        expect(e, at: 5, 5, "'fit' applies only to image items")
    }

    @Test func clockWithoutTimeLetters() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: clock
                clock: "yyyy"
            """)
        expect(e, at: 4, 12, "shows no time")
    }

    @Test func duplicateKeyIsReportedWhereItIsRepeated() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            name: 大通駅
            items:
              - id: clock
                clock: "HH:mm"
            """)
        expect(e, at: 2, 1, "duplicate key 'name'", "first at line 1")
    }

    @Test func duplicateKeyInAnItemIsReportedWhereItIsRepeated() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: clock
                clock: "HH:mm"
                # 表示時間 (how long)
                duration: 5s

                duration: 10s
            """)
        expect(e, at: 8, 5, "duplicate key 'duration'", "first at line 6")
    }

    @Test func emptyTextIsAnError() {
        let found = problems("")
        #expect(found.map(\.message) == ["the file is empty: a playlist needs name and items"])
    }
}
