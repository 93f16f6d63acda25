import Foundation
import OshiraseCore
import OshiraseDaemon
import OshiraseDevices
import Synchronization
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
        let signalledAt = Mutex<Double?>(nil)
        // The signal comes from a thread of its own, and the waiter notes the time on its own
        // thread as soon as the wait returns: neither waits for Swift's shared pool, which
        // other tests can keep busy for seconds (seen in a flake hunt when the signal was sent
        // from the test's task).
        let returnedAt = Mutex<Double?>(nil)
        await onOwnThread {
            // Started by the waiter just before it blocks, so the signal comes while it waits.
            Thread {
                usleep(300_000)
                signalledAt.withLock { $0 = monotonicSeconds() }
                wakeup.signal()
            }.start()
            await wakeup.wait(until: Date().addingTimeInterval(50), on: SystemWallClock())
            returnedAt.withLock { $0 = monotonicSeconds() }
        }
        let signalled = try #require(signalledAt.withLock { $0 }, "the wait ended before the signal")
        let returned = try #require(returnedAt.withLock { $0 })
        // Without the wake, the blocked wait would end at its next look, 10 s after it began.
        #expect(returned - signalled < 3, "the signal did not wake the blocked thread: \(returned - signalled) s")
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
