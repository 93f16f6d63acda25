import Dispatch
package import Foundation
package import OshiraseCore
import OshiraseDevices
import Synchronization

/// A wake-up call for a sleeping service: a reload, a screenshot request or a power change
/// wakes a display loop that would otherwise sleep until its next scheduled change.
package final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    /// Wakes a thread blocked in `wait` (see `init(blocksTheWaitingThread:)`). Its timed waits
    /// run on the monotonic clock: a wall clock set back during a wait does not lengthen it.
    private let wake = DispatchSemaphore(value: 0)
    private let blocksTheWaitingThread: Bool

    /// - Parameter blocksTheWaitingThread: true for a waiter that runs alone on a thread of its
    ///   own (a display's frame loop on its `ThreadExecutor`): a wait on the system clock then
    ///   blocks that thread until the deadline. An async sleep would be woken through Swift's
    ///   shared pool (two threads on a signage box), which answers HTTP requests too: with
    ///   the pool busy, a 60 fps loop can wake late and drop frames. Waits on another clock (a
    ///   test's manual one) stay async.
    package init(blocksTheWaitingThread: Bool = false) {
        self.blocksTheWaitingThread = blocksTheWaitingThread
    }

    /// Wakes the current or next `wait`.
    package func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
        if blocksTheWaitingThread {
            // `pending` is set first and the waiter checks it after every wake, so the signal
            // is never lost. A count left over from a signal nobody waited for only makes a
            // later wait look once more and wait again.
            wake.signal()
        }
    }

    /// Sleeps until `deadline` on `clock`, or until `signal()`, whichever comes first. A signal
    /// sent while nobody waited ends the next wait at once. One waiter at a time.
    package func wait(until deadline: Date, on clock: some WallClock) async {
        if takePending() { return }
        if blocksTheWaitingThread, clock is SystemWallClock {
            waitOnThisThread(until: deadline)
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await self.signalled() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func takePending() -> Bool {
        state.withLock { s in
            let was = s.pending
            s.pending = false
            return was
        }
    }

    /// Blocks the calling thread until the wall clock reads `deadline` or a signal comes, waiting
    /// as `SystemWallClock.sleep` does (`WallClockWait`).
    private func waitOnThisThread(until deadline: Date) {
        let wait = WallClockWait(until: deadline)
        while !takePending(), let seconds = wait.next() {
            _ = self.wake.wait(timeout: .now() + seconds)
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
