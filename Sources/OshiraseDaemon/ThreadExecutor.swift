import Foundation

/// A task executor that runs every job on one dedicated thread.
///
/// A display's frame loop runs with this executor as its preference, so a 40 ms render or a
/// blocking page-flip wait occupies that display's own thread, never one of the two cooperative
/// threads the HTTP server, the playlist watcher and the other displays share.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// Starts the thread; `name` shows in `top -H` and debuggers.
    public init(name: String) {
        let thread = Thread { [self] in self.work() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once its queue is empty. Jobs enqueued later still run (on the
    /// thread, if it is still there; a stopped executor must not be given new work).
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func work() {
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
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
