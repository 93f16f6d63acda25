import Foundation
import Testing
@testable import OshiraseCore

@Suite("ISO 8601 instants")
struct InstantTests {
    @Test("Offsets, Z and fractions give the same instants as Foundation's parser", arguments: [
        "2026-11-27T09:00:00+09:00", "2026-11-27T00:00:00Z", "2026-03-29T01:30:00+01:00",
        "1999-12-31T23:59:59-05:00", "2028-02-29T12:00:00+00:00", "2026-11-27T09:00:00.250+09:00",
        "1969-07-20T20:17:40Z",
    ])
    func agreesWithFoundation(text: String) throws {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        let expected = try #require(reference.date(from: text))
        let parsed = try #require(Instant.parse(text))
        #expect(abs(parsed.timeIntervalSince(expected)) < 0.0005, "\(text): \(parsed) vs \(expected)")
    }

    @Test("Text that is not an instant with an offset is refused", arguments: [
        "", "nope", "2026-11-27", "2026-11-27T09:00:00", "2026-11-27 09:00:00+09:00", "2026-02-30T09:00:00+09:00",
        "2026-11-27T25:00:00+09:00", "2026-11-27T09:60:00+09:00", "2026-11-27T09:00:00+0900",
        "2026-11-27T09:00:00+09:00x", "2026-11-27T09:00:00.+09:00", "２０２６-11-27T09:00:00+09:00",
    ])
    func malformedTextIsRefused(text: String) {
        #expect(Instant.parse(text) == nil)
    }

    @Test("Formatting uses the zone's offset at that instant, also across DST")
    func formatsWithTheZonesOffset() throws {
        let tokyo = try #require(Instant.parse("2026-11-27T09:00:00+09:00"))
        #expect(Instant.format(tokyo, in: .tokyo) == "2026-11-27T09:00:00+09:00")
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let beforeSpring = try #require(Instant.parse("2026-03-29T00:59:59Z"))
        #expect(Instant.format(beforeSpring, in: berlin) == "2026-03-29T01:59:59+01:00")
        #expect(Instant.format(beforeSpring.addingTimeInterval(1), in: berlin) == "2026-03-29T03:00:00+02:00")
        #expect(Instant.format(Date(timeIntervalSince1970: -1), in: TimeZone(secondsFromGMT: 0)!) == "1969-12-31T23:59:59+00:00")
    }

    @Test("Every day of four centuries round-trips through the calendar arithmetic")
    func civilDaysRoundTrip() {
        for days in stride(from: -150_000, through: 150_000, by: 7) {
            let (y, m, d) = CivilDate.date(fromDays: days)
            #expect(CivilDate.days(year: y, month: m, day: d) == days)
        }
    }

    @Test("Milliseconds are written when an instant has some, rounded, and UTC with Z")
    func millisecondsAndUTC() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let nine = 1_795_737_600.0  // 2026-11-27T09:00:00+09:00
        #expect(Instant.format(Date(timeIntervalSince1970: nine + 10.5), in: tokyo, milliseconds: true) == "2026-11-27T09:00:10.500+09:00")
        #expect(Instant.format(Date(timeIntervalSince1970: nine), in: tokyo, milliseconds: true) == "2026-11-27T09:00:00+09:00")
        #expect(Instant.format(Date(timeIntervalSince1970: nine + 0.9996), in: tokyo, milliseconds: true) == "2026-11-27T09:00:01+09:00",
                "rounding up to a whole second carries into the seconds")
        #expect(Instant.format(Date(timeIntervalSince1970: nine + 59.9996), in: tokyo, milliseconds: true) == "2026-11-27T09:01:00+09:00")
        #expect(Instant.formatUTC(Date(timeIntervalSince1970: -0.0004), milliseconds: true) == "1970-01-01T00:00:00Z")
        #expect(Instant.formatUTC(Date(timeIntervalSince1970: -0.25), milliseconds: true) == "1969-12-31T23:59:59.750Z")
        #expect(Instant.formatUTC(Date(timeIntervalSince1970: nine)) == "2026-11-27T00:00:00Z")
    }

    @Test("A clock column always has three digits of milliseconds, also on a whole second")
    func clockColumn() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let nine = 1_795_737_600.0  // 2026-11-27T09:00:00+09:00
        #expect(Instant.clock(Date(timeIntervalSince1970: nine), in: tokyo) == "09:00:00.000")
        #expect(Instant.clock(Date(timeIntervalSince1970: nine + 10.5), in: tokyo) == "09:00:10.500")
        #expect(Instant.clock(Date(timeIntervalSince1970: nine + 59.9996), in: tokyo) == "09:01:00.000")
        #expect(Instant.clock(Date(timeIntervalSince1970: -0.25), in: TimeZone(secondsFromGMT: 0) ?? .current) == "23:59:59.750")
        // A box's clock far off: still a time of day, never a cut of a longer year.
        #expect(Instant.clock(Date(timeIntervalSince1970: 253_402_300_799), in: tokyo) == "08:59:59.000")  // 9999-12-31T23:59:59Z
        #expect(Instant.clock(Date(timeIntervalSince1970: .nan), in: tokyo) == "--:--:--.---")
    }
}
