import Foundation
import Synchronization

/// A wake-up call for a sleeping service: a reload, a screenshot request or a power change
/// wakes a display loop that would otherwise sleep until its next scheduled change.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public init() {}

    /// Wakes the current or next `wait`.
    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Sleeps until `deadline` on `clock`, or until `signal()`, whichever comes first. A signal
    /// sent while nobody waited ends the next wait at once. One waiter at a time.
    public func wait(until deadline: Date, on clock: some WallClock) async {
        if state.withLock({ s in
            let was = s.pending
            s.pending = false
            return was
        }) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await self.signalled() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Returns on a signal, or when the task is cancelled (the loser of the race in `wait`).
    private func signalled() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.pending {
                        s.pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
    }
}
