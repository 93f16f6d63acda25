import Testing
@testable import OshiraseConfig
import OshiraseCore

@Suite("Value parsers")
struct ValueParsersTests {
    func value<T>(_ r: Result<T, ValueParsers.Message>) -> T? { try? r.get() }
    func message<T>(_ r: Result<T, ValueParsers.Message>) -> String? {
        if case .failure(let m) = r { return m.text }
        return nil
    }

    @Test(arguments: [("15s", 15), ("2m", 120), ("1h", 3600), ("1h30m", 5400), ("1m30s", 90),
                      ("1h0m1s", 3601), (" 15s ", 15), ("24h", 86_400)])
    func goodDurations(text: String, seconds: Int) {
        #expect(value(ValueParsers.duration(text)) == seconds)
    }

    @Test(arguments: ["", "15", "s", "10x", "1.5m", "30s1m", "1m1m", "15 s", "-5s", "0s", "0h0m", "25h", "１５s"])
    func badDurations(text: String) {
        #expect(value(ValueParsers.duration(text)) == nil)
    }

    @Test func durationMessagesSayWhatIsWrong() {
        #expect(message(ValueParsers.duration("-5s"))?.contains("negative") == true)
        #expect(message(ValueParsers.duration("0s"))?.contains("zero") == true)
        #expect(message(ValueParsers.duration("30s1m"))?.contains("order h, m, s") == true)
        #expect(message(ValueParsers.duration("25h"))?.contains("longer than a day") == true)
        #expect(message(ValueParsers.duration("10x"))?.contains("e.g. 15s, 2m, 1h30m") == true)
    }

    @Test("One grammar for every span of time: units from d down to ms, largest first, each once")
    func oneDurationGrammar() {
        let example = "e.g. 1h"
        #expect(value(ValueParsers.span("1d", example: example)) == 86_400)
        #expect(value(ValueParsers.span("1h30m", example: example)) == 5400)
        #expect(value(ValueParsers.span("1m0.5s", example: example)) == 60.5)
        #expect(value(ValueParsers.span("500ms", example: example)) == 0.5)
        #expect(value(ValueParsers.span("0s", example: example)) == 0)
        for bad in ["", "2", "1x", "1.5.1s", ".5s", "5.s", "1234567890s", "1m1m", "30s1m", "1ms1s", "-1s", "１s"] {
            #expect(value(ValueParsers.span(bad, example: example)) == nil, "\(bad)")
        }
        #expect(message(ValueParsers.span("30s1m", example: example)) == "bad duration '30s1m': units must come in the order d, h, m, s, ms")
        #expect(message(ValueParsers.span("1x", example: example)) == "bad duration '1x': e.g. 1h")
        // A setting that takes fewer units names them; whole numbers refuse a decimal point.
        #expect(value(ValueParsers.span("1d", units: [.h, .m, .s], example: example)) == nil)
        #expect(value(ValueParsers.span("1.5m", units: [.h, .m, .s], wholeNumbers: true, example: example)) == nil)
        // The config's times and the playlist's durations are the same grammar (without days).
        #expect(value(ValueParsers.interval("1m30s")) == 90.0)
        #expect(value(ValueParsers.interval("1d")) == nil)
        #expect(value(ValueParsers.duration("1m30s")) == 90)
    }

    @Test func timesOfDay() {
        #expect(value(ValueParsers.timeOfDay("08:45")) == TimeOfDay(hour: 8, minute: 45))
        #expect(value(ValueParsers.timeOfDay("00:00")) == TimeOfDay(hour: 0, minute: 0))
        #expect(value(ValueParsers.timeOfDay("23:59")) == TimeOfDay(hour: 23, minute: 59))
        for bad in ["8:45", "24:00", "23:60", "0845", "08:45:00", "ab:cd", ""] {
            #expect(value(ValueParsers.timeOfDay(bad)) == nil, "\(bad)")
        }
    }

    @Test func timeWindows() throws {
        let office = try #require(value(ValueParsers.timeWindow("08:45-17:15")))
        #expect(office.description == "08:45-17:15")
        #expect(!office.wrapsMidnight)
        let night = try #require(value(ValueParsers.timeWindow(" 22:00 - 06:00 ")))
        #expect(night.wrapsMidnight)
        #expect(night.start == TimeOfDay(hour: 22, minute: 0))
        for bad in ["9-17", "25:00-26:00", "08:00-08:00", "08:00", "08:00-12:00-13:00"] {
            #expect(value(ValueParsers.timeWindow(bad)) == nil, "\(bad)")
        }
    }

    @Test func dates() {
        #expect(value(ValueParsers.date("2026-11-01")) == LocalDate(year: 2026, month: 11, day: 1))
        #expect(value(ValueParsers.date("2028-02-29")) == LocalDate(year: 2028, month: 2, day: 29))
        #expect(message(ValueParsers.date("2026-02-30"))?.contains("no such day") == true)
        for bad in ["2026-2-1", "26-11-01", "2026/11/01", "2026-13-01", "2026-11-00", ""] {
            #expect(value(ValueParsers.date(bad)) == nil, "\(bad)")
        }
    }

    @Test func dateRanges() {
        let nov1 = LocalDate(year: 2026, month: 11, day: 1), dec28 = LocalDate(year: 2026, month: 12, day: 28)
        #expect(value(ValueParsers.dateRange("2026-11-01..2026-12-28")) == DateRange(first: nov1, last: dec28))
        #expect(value(ValueParsers.dateRange("..2026-12-28")) == DateRange(first: nil, last: dec28))
        #expect(value(ValueParsers.dateRange("2026-11-01..")) == DateRange(first: nov1, last: nil))
        #expect(value(ValueParsers.dateRange("2026-11-01")) == DateRange(first: nov1, last: nov1))
        #expect(value(ValueParsers.dateRange("2026-11-01 .. 2026-12-28")) == DateRange(first: nov1, last: dec28))
        #expect(value(ValueParsers.dateRange("2026-11-01..2026-11-01")) == DateRange(first: nov1, last: nov1))
        #expect(message(ValueParsers.dateRange(".."))?.contains("neither start nor end") == true)
        #expect(message(ValueParsers.dateRange("2026-12-28..2026-11-01"))?.contains("before it starts") == true)
        #expect(value(ValueParsers.dateRange("2026-11-01...2026-12-28")) == nil)
        #expect(value(ValueParsers.dateRange("2026-02-30..")) == nil)
    }

    @Test func suggestionsOnlyForNearMisses() {
        #expect(closest("timezon", in: ["name", "timezone"]) == "timezone")
        #expect(closest("Titel", in: ["title", "body"]) == "title")
        #expect(closest("background", in: ["name", "timezone"]) == nil)
        #expect(closest("name", in: ["name"]) == nil, "an exact match is not a typo")
        #expect(closest("", in: ["name"]) == nil)
    }

    @Test("Clock patterns must show a time outside quoted text and close their quotes", arguments: [
        ("HH:mm", true), ("HH:mm:ss", true), ("HH時mm分", true), ("'現在' HH:mm", true), ("h:mm a", true),
        ("'It''s' HH:mm", true), ("yyyy/MM/dd", false), ("'HH:mm'", false), ("'unterminated", false), ("'x' HH:mm '", false),
    ])
    func clockPatterns(pattern: String, valid: Bool) {
        switch ValueParsers.clockPattern(pattern) {
        case .success: #expect(valid, "\(pattern) was accepted")
        case .failure(let m): #expect(!valid, "\(pattern): \(m.text)")
        }
    }

    @Test func clockLiteralsAreTheTextDrawnAsIs() {
        #expect(ValueParsers.clockLiterals("'現在' HH:mm") == "現在 :")
        #expect(ValueParsers.clockLiterals("HH時mm分") == "時分")
    }

    /// Regression: `qr: www.city.sapporo.jp` passed validate, and phones do not open it as a link.
    @Test("QR texts must be full addresses", arguments: [
        ("https://www.city.sapporo.jp/mynumber/", true), ("tel:011-211-2111", true), ("mailto:info@city.sapporo.jp", true),
        ("www.city.sapporo.jp", false), ("not a url", false), ("https:", false), ("://x", false), ("1http://x", false),
    ])
    func qrAddresses(text: String, valid: Bool) {
        #expect(ValueParsers.isAddress(text) == valid, "\(text)")
    }
}
