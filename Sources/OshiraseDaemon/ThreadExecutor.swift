import CLinuxDevices
import Foundation
import Synchronization

/// A task executor that runs every job on one dedicated thread.
///
/// A display's frame loop runs with this executor as its preference, so a 40 ms render or a
/// blocking page-flip wait occupies that display's own thread, never one of the two cooperative
/// threads the HTTP server, the playlist watcher and the other displays share.
package final class ThreadExecutor: TaskExecutor, SerialExecutor, @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// True when an actor runs on this thread (its serial executor): jobs then run isolated to it.
    private let runsActor: Bool

    /// Starts the thread; `name` shows in `top -H` and debuggers. A `niceness` above 0 adds that
    /// much to the thread's nice value (and only this thread's; at most 19), for work that must
    /// give way to the frame loops when the cores are busy: a thread 10 nice steps lower gets
    /// about a tenth of the CPU time of one at the process's level. It needs no privilege. With
    /// `runsActor`, it is the serial executor of one actor (the alert intake), not a task
    /// executor only.
    package init(name: String, niceness: Int32 = 0, runsActor: Bool = false) {
        self.runsActor = runsActor
        let thread = Thread { [self] in
            // Thread.name does not reach the kernel on Linux (the thread kept the name of the
            // one that started it): name it from inside.
            _ = oshirase_set_thread_name(name)
            // Cannot fail for a higher value (setpriority(2) checks only lowering it); should a
            // sandbox refuse, the thread runs at the process's priority.
            if niceness > 0 { Self.lowerCurrentThreadPriority(by: niceness) }
            self.work()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Adds `steps` to the calling thread's nice value (at most 19); false if the kernel refused.
    @discardableResult
    package static func lowerCurrentThreadPriority(by steps: Int32) -> Bool {
        oshirase_lower_thread_priority(steps) == 0
    }

    /// The nice value of the thread that reads it, as the kernel reports it (99 if it would not).
    package static var currentThreadNiceness: Int32 { oshirase_thread_nice() }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once its queue is empty. Jobs enqueued later still run (on the
    /// thread, if it is still there; a stopped executor must not be given new work).
    package func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Whether the calling thread is this executor's.
    package var isCurrentThread: Bool { threadID.withLock { $0 } == pthread_self() }
    private let threadID = Mutex<pthread_t?>(nil)

    private func work() {
        threadID.withLock { $0 = pthread_self() }
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch {
                if runsActor {
                    job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                } else {
                    job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
