import Foundation
import OshiraseCore
import Testing

/// The one rule for waiting towards a wall-clock deadline (SystemWallClock.sleep, the frame loops'
/// blocking wait), on clocks the test moves by hand.
@Suite("Waiting for a wall-clock deadline")
struct WallClockWaitTests {
    /// A wall clock and a monotonic clock that move only when told.
    final class Clocks: @unchecked Sendable {
        var wall = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18, a Wednesday morning in Sapporo
        var monotonic = 5_000.0
        /// Both clocks move together, as time passes.
        func pass(_ seconds: Double) {
            wall += seconds
            monotonic += seconds
        }
        func wait(for seconds: Double) -> WallClockWait {
            WallClockWait(until: wall + seconds, wall: { self.wall }, monotonic: { self.monotonic })
        }
    }

    @Test("It waits on the monotonic clock, at most 10 s at a time, and is over at the deadline")
    func looksEveryTenSecondsUntilTheDeadline() {
        let clocks = Clocks()
        let wait = clocks.wait(for: 25)
        #expect(wait.next() == 10)
        clocks.pass(10)
        #expect(wait.next() == 10)
        clocks.pass(10)
        #expect(wait.next() == 5)
        clocks.pass(5)
        #expect(wait.next() == nil)
        #expect(clocks.wait(for: -1).next() == nil, "a deadline already passed is no wait")
    }

    @Test("A wall clock set by more than a second ends the wait at the next look, either way",
          arguments: [1.5, -1.5, 3_600, -3_600])
    func aStepEndsTheWait(step: Double) {
        let clocks = Clocks()
        let wait = clocks.wait(for: 7_200)
        clocks.pass(2)
        clocks.wall += step
        #expect(wait.next() == nil)
    }

    @Test("Drift under a second is not a step: the wait goes on")
    func smallDriftIsNotAStep() throws {
        let clocks = Clocks()
        let wait = clocks.wait(for: 30)
        clocks.pass(3)
        clocks.wall += 0.5  // NTP slewing, or a read a little late
        let next = try #require(wait.next())
        #expect(abs(next - 10) < 1e-9)
    }
}
