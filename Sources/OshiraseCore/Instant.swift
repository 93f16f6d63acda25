public import Foundation

/// ISO 8601 instants with an offset, as the command line and timelines use them
/// (`2026-11-27T09:00:00+09:00`, `2026-11-27T00:00:00Z`, fractional seconds allowed).
///
/// A small dedicated parser: Foundation's `ISO8601DateFormatter` starts ICU, which took about
/// 2 ms of a 40 ms `render` run.
public enum Instant {
    /// The instant, or nil when the text is not `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at >= 0, at + count <= b.count else { return nil }
            var n = 0
            for i in at..<(at + count) {
                guard (48...57).contains(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - 48)
            }
            return n
        }
        func byte(_ at: Int, _ c: Character) -> Bool { at < b.count && b[at] == c.asciiValue }
        guard b.count >= 20, let year = digits(0, 4), byte(4, "-"), let month = digits(5, 2), byte(7, "-"),
              let day = digits(8, 2), byte(10, "T") || byte(10, "t"), let hour = digits(11, 2), byte(13, ":"),
              let minute = digits(14, 2), byte(16, ":"), let second = digits(17, 2),
              LocalDate(year: year, month: month, day: day) != nil, hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var fraction = 0.0
        if byte(i, ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, (48...57).contains(b[i]) {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset = 0
        if byte(i, "Z") || byte(i, "z") {
            i += 1
        } else if byte(i, "+") || byte(i, "-") {
            guard let oh = digits(i + 1, 2), byte(i + 3, ":"), let om = digits(i + 4, 2), oh <= 23, om <= 59 else { return nil }
            offset = (oh * 3600 + om * 60) * (byte(i, "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                    offsetSeconds: offset).addingTimeInterval(fraction)
    }

    /// The instant of a civil date and time at a UTC offset: the one conversion every reader of
    /// dates and times uses (this one, CAP's date-times). The fields must be valid already.
    public static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                            offsetSeconds: Int) -> Date {
        let days = CivilDate.days(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds))
    }

    /// `2026-11-27T09:00:00+09:00`: whole seconds, with the offset `zone` has at that instant;
    /// with `milliseconds`, `2026-11-27T09:00:10.500+09:00` when the instant has some (rounded
    /// to the millisecond; whole seconds stay as they are).
    public static func format(_ date: Date, in zone: TimeZone, milliseconds: Bool) -> String {
        guard milliseconds else { return format(date, in: zone) }
        let milliseconds = date.timeIntervalSince1970 * 1000
        guard milliseconds.isFinite, abs(milliseconds) < 9.2e15 else { return format(date, in: zone) }
        let ms = Int64(milliseconds.rounded())
        let fraction = ((ms % 1000) + 1000) % 1000
        // The whole seconds of the rounded instant: 09:00:00.9996 is 09:00:01.
        let rounded = format(Date(timeIntervalSince1970: Double(ms - fraction) / 1000), in: zone)
        guard fraction != 0, let t = rounded.firstIndex(of: "T") else { return rounded }
        // After "Thh:mm:ss", before the offset.
        let cut = rounded.index(t, offsetBy: 9)
        let digits = String(fraction)
        return String(rounded[..<cut]) + "." + String(repeating: "0", count: 3 - digits.count) + digits + String(rounded[cut...])
    }

    /// `09:00:10.500`: the time of day in `zone`, always with three digits of milliseconds (rounded),
    /// for columns that line up.
    package static func clock(_ date: Date, in zone: TimeZone) -> String {
        let milliseconds = date.timeIntervalSince1970 * 1000
        guard milliseconds.isFinite, abs(milliseconds) < 9.2e15 else { return "--:--:--.---" }
        let ms = Int64(milliseconds.rounded())
        let fraction = ((ms % 1000) + 1000) % 1000
        let seconds = (ms - fraction) / 1000
        let local = seconds + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
        let ofDay = ((local % 86_400) + 86_400) % 86_400
        func digits(_ n: Int64, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(ofDay / 3600, 2)):\(digits(ofDay % 3600 / 60, 2)):\(digits(ofDay % 60, 2)).\(digits(fraction, 3))"
    }

    /// `2026-11-27T00:00:00Z`: UTC, written with `Z` (milliseconds as in ``format(_:in:milliseconds:)``).
    public static func formatUTC(_ date: Date, milliseconds: Bool = false) -> String {
        let zero = TimeZone(secondsFromGMT: 0) ?? .current
        let text = format(date, in: zero, milliseconds: milliseconds)
        return text.hasSuffix("+00:00") ? String(text.dropLast(6)) + "Z" : text
    }

    /// `2026-11-27T09:00:00+09:00`: whole seconds, with the offset `zone` has at that instant.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let local = Int((date.timeIntervalSince1970).rounded(.down)) + offset
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondsOfDay = local - days * 86_400
        let (y, m, d) = CivilDate.date(fromDays: days)
        let sign = offset < 0 ? "-" : "+"
        let off = abs(offset)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y)
        return "\(year)-\(two(m))-\(two(d))T\(two(secondsOfDay / 3600)):\(two(secondsOfDay % 3600 / 60)):\(two(secondsOfDay % 60))"
            + (offset == 0 && zone.identifier == "UTC" ? "Z" : "\(sign)\(two(off / 3600)):\(two(off % 3600 / 60))")
    }
}
