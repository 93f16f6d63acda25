package import Foundation
import OshiraseCore
import OshiraseDaemon
import Synchronization

/// A wall clock that moves only when a test says so.
///
/// Sleepers wake when `advance` or `set` reaches their deadline; no test waits for real time.
package final class ManualClock: WallClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Date
        var elapsed = 0.0
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }
    private let state: Mutex<State>

    package init(_ start: Date) {
        state = Mutex(State(now: start))
    }

    package func now() -> Date { state.withLock { $0.now } }

    package func elapsed() -> Double { state.withLock { $0.elapsed } }

    /// How many tasks are sleeping on this clock now.
    package var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline anyone sleeps until, if any.
    package var nextDeadline: Date? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    package func sleep(until deadline: Date) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { s in
                    if Task.isCancelled || s.now >= deadline { return true }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { c.resume(throwing: CancellationError()) } else { c.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `seconds`, waking every sleeper whose deadline is reached.
    package func advance(by seconds: Double) {
        set(now().addingTimeInterval(seconds))
    }

    /// Moves the clock to `time` (forward, as time passes), waking every sleeper whose deadline is reached.
    package func set(_ time: Date) {
        move(to: time, passing: true)
    }

    /// Sets the wall clock to `time` without time passing, as NTP or an administrator does.
    package func step(to time: Date) {
        move(to: time, passing: false)
    }

    private func move(to time: Date, passing: Bool) {
        let due = state.withLock { s -> [Sleeper] in
            if passing { s.elapsed += max(0, time.timeIntervalSince(s.now)) }
            s.now = time
            let due = s.sleepers.filter { $0.deadline <= time }
            s.sleepers.removeAll { $0.deadline <= time }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
