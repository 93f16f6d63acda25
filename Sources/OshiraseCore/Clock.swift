public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the daemon's services get the time of day and wait for it.
///
/// Scenes are a function of wall-clock time (docs/playlists.md), so the clock the services are given
/// is a wall clock: tests pass a manual one and step it; the box passes `SystemWallClock`.
public protocol WallClock: Sendable {
    /// The current wall-clock instant.
    func now() -> Date
    /// Seconds on a clock that never jumps (monotonic): comparing it with `now()` between two
    /// readings shows when the wall clock was set (NTP, an RTC read in the wrong zone).
    func elapsed() -> Double
    /// Returns once the clock reads `deadline` or later; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's real-time clock. Sleeps are measured on the monotonic clock, and re-checked
/// against the wall clock, so an NTP step during a sleep moves the wake-up with it.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func elapsed() -> Double { monotonicSeconds() }

    /// Returns at `deadline`, or early when the wall clock is set meanwhile (the caller then
    /// works out what to do at the new time rather than sleeping towards a stale deadline).
    public func sleep(until deadline: Date) async throws {
        let wait = WallClockWait(until: deadline)
        while let seconds = wait.next() {
            try await ContinuousClock().sleep(for: .seconds(seconds))
        }
    }
}

/// How a wait for a wall-clock deadline goes, for every waiter on the system clock (an async
/// sleep, a thread blocked on a semaphore): on the monotonic clock, so a clock set back does not
/// lengthen it, at most 10 s at a time, looking at the wall clock in between; over at the
/// deadline, or at the next look after the wall clock was set by more than a second.
package struct WallClockWait {
    package let deadline: Date
    private let wall: () -> Date
    private let monotonic: () -> Double
    private let startWall: Date
    private let startMonotonic: Double

    /// `wall` and `monotonic` are the clocks it reads (the system's; a test's own).
    package init(until deadline: Date, wall: @escaping () -> Date = { Date() }, monotonic: @escaping () -> Double = monotonicSeconds) {
        self.deadline = deadline
        self.wall = wall
        self.monotonic = monotonic
        startWall = wall()
        startMonotonic = monotonic()
    }

    /// Seconds to wait on the monotonic clock before asking again, or nil when the wait is over.
    package func next() -> Double? {
        let wall = self.wall()
        let step = wall.timeIntervalSince(startWall) - (monotonic() - startMonotonic)
        let remaining = deadline.timeIntervalSince(wall)
        if abs(step) > 1 || remaining <= 0 { return nil }
        return min(remaining, 10)
    }
}

/// Seconds on the monotonic clock, which no clock setting moves: for intervals, rate limits and
/// noticing when the wall clock was set.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
