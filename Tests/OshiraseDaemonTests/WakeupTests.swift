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

    @Test("A signal sent while the thread is blocked ends the wait at once, not at the next 10 s look")
    func aSignalEndsTheWait() async throws {
        let wakeup = Wakeup(blocksTheWaitingThread: true)
        let started = monotonicSeconds()
        async let waited: Void = onOwnThread {
            await wakeup.wait(until: Date().addingTimeInterval(50), on: SystemWallClock())
        }
        // Long enough for the waiter to be blocked on a loaded machine, most of the time; should
        // the signal come first, it is kept for the wait, which then ends at once too.
        try await Task.sleep(for: .milliseconds(300))
        wakeup.signal()
        await waited
        // The blocked wait looks at the clock every 10 s: ending before 5 s means the signal woke it.
        #expect(monotonicSeconds() - started < 5, "the signal did not wake the blocked thread")
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
