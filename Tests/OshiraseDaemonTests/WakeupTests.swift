import Foundation
import OshiraseDaemon
import OshiraseDevices
import Testing

/// The frame loops' wait: on the system clock it blocks the loop's own thread (no hop through
/// Swift's shared pool), and a signal still ends it at once.
@Suite(.timeLimit(.minutes(1)))
struct WakeupTests {
    /// Runs `body` on a thread of its own, as a display's loop runs.
    private func onOwnThread(_ body: @escaping @Sendable () async -> Void) async {
        let executor = ThreadExecutor(name: "wakeup-test")
        defer { executor.shutdown() }
        await withTaskExecutorPreference(executor) { await body() }
    }

    @Test("A blocking wait lasts until its deadline")
    func waitsUntilTheDeadline() async {
        let wakeup = Wakeup(blocksTheWaitingThread: true)
        let started = monotonicSeconds()
        await onOwnThread { await wakeup.wait(until: Date().addingTimeInterval(0.2), on: SystemWallClock()) }
        // Only the lower bound: a loaded machine may wake it late, never early.
        #expect(monotonicSeconds() - started >= 0.19)
    }

    @Test("A signal ends a blocking wait long before its deadline")
    func aSignalEndsTheWait() async {
        let wakeup = Wakeup(blocksTheWaitingThread: true)
        let started = monotonicSeconds()
        async let waited: Void = onOwnThread {
            await wakeup.wait(until: Date().addingTimeInterval(50), on: SystemWallClock())
        }
        // Signals until the wait is over: one sent before the wait began is kept for it, so a
        // single signal would do, but it must not matter when this task gets to run.
        let signaller = Task {
            while !Task.isCancelled {
                wakeup.signal()
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        await waited
        signaller.cancel()
        #expect(monotonicSeconds() - started < 40, "the wait ran to its 50 s deadline")
    }

    @Test("A signal sent while nobody waits ends the next wait at once")
    func aSignalBeforeTheWaitIsKept() async {
        let wakeup = Wakeup(blocksTheWaitingThread: true)
        wakeup.signal()
        let started = monotonicSeconds()
        await onOwnThread { await wakeup.wait(until: Date().addingTimeInterval(50), on: SystemWallClock()) }
        #expect(monotonicSeconds() - started < 40)
        // Used once: the next wait runs to its deadline.
        let again = monotonicSeconds()
        await onOwnThread { await wakeup.wait(until: Date().addingTimeInterval(0.1), on: SystemWallClock()) }
        #expect(monotonicSeconds() - again >= 0.09)
    }
}
