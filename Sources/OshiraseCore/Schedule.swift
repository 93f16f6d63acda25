import Foundation

/// A day of the week, named as in playlist files.
public enum Weekday: String, Sendable, CaseIterable {
    case sun, mon, tue, wed, thu, fri, sat

    /// Foundation's numbering: 1 = Sunday … 7 = Saturday.
    package init?(calendarWeekday: Int) {
        guard (1...7).contains(calendarWeekday) else { return nil }
        self = Weekday.allCases[calendarWeekday - 1]
    }
}

/// A wall-clock time of day, to the minute.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Minutes since midnight, 0 ..< 1440.
    package let minutes: Int

    package init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        minutes = hour * 60 + minute
    }

    package var hour: Int { minutes / 60 }
    package var minute: Int { minutes % 60 }
    public var description: String { String(format: "%02d:%02d", hour, minute) }
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }
}

/// A daily window `start-end`, start inclusive, end exclusive; it wraps midnight when end < start.
public struct TimeWindow: Sendable, Hashable, CustomStringConvertible {
    public let start: TimeOfDay
    public let end: TimeOfDay

    package init(start: TimeOfDay, end: TimeOfDay) {
        self.start = start
        self.end = end
    }

    package var wrapsMidnight: Bool { end < start }
    public var description: String { "\(start)-\(end)" }
}

/// A calendar date without a time zone.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int

    /// A valid Gregorian date, or nil (2026-02-30 is nil).
    package init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}

/// An inclusive range of dates; either end may be open.
public struct DateRange: Sendable, Hashable {
    public let first: LocalDate?
    public let last: LocalDate?

    package init(first: LocalDate?, last: LocalDate?) {
        self.first = first
        self.last = last
    }

    public func contains(_ date: LocalDate) -> Bool {
        if let first, date < first { return false }
        if let last, last < date { return false }
        return true
    }
}

/// When an item is eligible to play. Every part that is present must match.
///
/// The part of a window that wraps past midnight belongs to the day it started on:
/// `days: [fri]`, `time: "22:00-06:00"` plays from Friday 22:00 to Saturday 06:00.
public struct Schedule: Sendable, Hashable {
    package var days: Set<Weekday>?
    public var time: TimeWindow?
    package var dates: DateRange?

    package init(days: Set<Weekday>? = nil, time: TimeWindow? = nil, dates: DateRange? = nil) {
        self.days = days
        self.time = time
        self.dates = dates
    }

    /// No restriction: the item always plays.
    package static let always = Schedule()

    package var isAlways: Bool { days == nil && time == nil && dates == nil }

    /// Whether the schedule matches a local wall-clock moment.
    /// - Parameters:
    ///   - date: the local date at the moment.
    ///   - weekday: the local weekday of `date`.
    ///   - minute: minutes since local midnight.
    ///   - previous: the date and weekday of the day before, for the after-midnight part of a wrapping window.
    package func matches(date: LocalDate, weekday: Weekday, minute: Int,
                        previous: (date: LocalDate, weekday: Weekday)) -> Bool {
        var owningDate = date
        var owningWeekday = weekday
        if let time {
            if time.wrapsMidnight {
                if minute >= time.start.minutes {
                    // evening part: today owns it
                } else if minute < time.end.minutes {
                    owningDate = previous.date
                    owningWeekday = previous.weekday
                } else {
                    return false
                }
            } else if !(minute >= time.start.minutes && minute < time.end.minutes) {
                return false
            }
        }
        if let days, !days.contains(owningWeekday) { return false }
        if let dates, !dates.contains(owningDate) { return false }
        return true
    }
}
