package import Foundation

/// How many visitors one sensor classed one way during one hour: the only trace a temperature
/// check leaves (docs/sensors.md). It has no field for a reading, a time finer than the hour, or
/// anything else about a person, so nothing individual can be kept through it.
package struct ScreeningCount: Sendable, Equatable, Codable {
    /// The sensor's name in the config.
    package var sensor: String
    /// The start of the hour, on a whole hour of UTC (and so of Japan time).
    package var hourStart: Date
    /// `normal`, `fever` or `retry`.
    package var className: String
    /// Visitors of that class in that hour.
    package var count: Int

    /// `count` visitors classed `className` by `sensor` in the hour starting at `hourStart`.
    package init(sensor: String, hourStart: Date, className: String, count: Int) {
        self.sensor = sensor
        self.hourStart = hourStart
        self.className = className
        self.count = count
    }

    /// The class names the store accepts, as `ScreeningResult.className` spells them.
    ///
    /// Anything else is refused, so no free text (a reading written into a class name by
    /// mistake) can reach the database.
    package static let classNames: Set<String> = ["normal", "fever", "retry"]

    /// Length of the counting period, in milliseconds.
    static let hourMilliseconds: Int64 = 3_600_000

    /// The start of the UTC hour containing `date`, in milliseconds since 1970 (nil when `date`
    /// is not a real instant). Floors, so 09:59:59.9999 counts in the 09:00 hour and an instant
    /// before 1970 in the hour before it.
    static func hourMilliseconds(containing date: Date) -> Int64? {
        let hours = (date.timeIntervalSince1970 / 3600).rounded(.down)
        // The same ±292 million years the play table accepts.
        guard hours.isFinite, abs(hours) < 2.5e9 else { return nil }
        return Int64(hours) * hourMilliseconds
    }
}
