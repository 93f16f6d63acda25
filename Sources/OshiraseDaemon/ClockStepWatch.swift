import Foundation

/// Notices the wall clock being set (NTP after a boot without RTC, an RTC read in the wrong zone)
/// by comparing how far it moved with how far the monotonic clock did between two readings.
struct ClockStepWatch {
    /// A step smaller than this is drift, not a setting.
    static let threshold = 2.0
    private var last: (wall: Date, elapsed: Double)?

    /// Takes a reading; returns the step in seconds (positive: forward) and the wall time of the
    /// reading before it, when the clock was set since that reading.
    mutating func read(wall now: Date, elapsed: Double) -> (seconds: Double, lastReading: Date)? {
        defer { last = (now, elapsed) }
        guard let last else { return nil }
        let step = now.timeIntervalSince(last.wall) - (elapsed - last.elapsed)
        guard abs(step) > Self.threshold else { return nil }
        return (step, last.wall)
    }
}
