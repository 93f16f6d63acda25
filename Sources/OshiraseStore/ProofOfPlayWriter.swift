package import Foundation

/// Writes play records and screening counts on a thread of its own, so a frame loop or a
/// screening loop hands an item over and moves on.
///
/// ``enqueue(_:)`` and ``enqueue(screening:className:at:)`` never wait for the disk or for
/// SQLite's lock: they take a short in-memory lock, append to one bounded queue and return. When
/// the queue is full (the disk stalls, another process holds the database's write lock) new items
/// are dropped and counted in ``Statistics/dropped`` rather than growing memory or slowing the
/// caller; the daemon can export that count as a metric.
///
/// The writer thread stores items one transaction each, in the order they were enqueued. An
/// item stays at the head of the queue, counted against the bound, until its write is done. The
/// counters count items of both kinds together.
package final class ProofOfPlayWriter: Sendable {
    /// Counters since the writer started, of play records and screening counts together.
    package struct Statistics: Sendable, Equatable {
        /// Items taken into the queue.
        package var accepted: Int
        /// Items committed to the database.
        package var written: Int
        /// Items refused because the queue was full or the writer closed.
        package var dropped: Int
        /// Items given up because the database refused them (disk full, damaged file…).
        package var failed: Int
        /// Items waiting or being written now.
        package var pending: Int

        package init(accepted: Int, written: Int, dropped: Int, failed: Int, pending: Int) {
            self.accepted = accepted
            self.written = written
            self.dropped = dropped
            self.failed = failed
            self.pending = pending
        }
    }

    private let state: WriterState

    /// Starts the writer thread.
    ///
    /// A database that cannot be written for a while (disk full, a state directory turned
    /// read-only, another process holding the write lock) *stalls* the writer: it keeps the item
    /// and tries again, the queue holds what comes meanwhile and counts what does not fit as
    /// dropped, and everything resumes by itself when the database can be written again. An item
    /// the database refuses for what it is (an invalid record) is given up and counted as failed.
    /// - Parameters:
    ///   - capacity: how many items may wait; at the daemon's rate (a record per item change
    ///     per zone, a count per visitor) the default holds many minutes of a stalled disk.
    ///   - retryInterval: seconds between tries while stalled.
    ///   - onError: called on the writer thread for each item given up; for logging. Also once when
    ///     a stall begins, unless `onStall` is given.
    ///   - onStall: called on the writer thread once when a stall begins, with the error.
    ///   - onResume: called on the writer thread when the first item is written after a stall,
    ///     with the seconds it lasted and the items dropped or given up meanwhile.
    package init(store: StateStore, capacity: Int = 4096, retryInterval: Double = 1,
                onError: @escaping @Sendable (StateStoreError) -> Void = { _ in },
                onStall: (@Sendable (StateStoreError) -> Void)? = nil,
                onResume: @escaping @Sendable (_ seconds: Double, _ lost: Int) -> Void = { _, _ in }) {
        state = WriterState(capacity: max(1, capacity), retryInterval: retryInterval)
        let thread = Thread { [state] in
            state.run(store: store, onError: onError, onStall: onStall ?? onError, onResume: onResume)
        }
        thread.name = "oshirase.proof-of-play"
        thread.start()
    }

    deinit {
        // Lets the thread drain what is queued and end; nobody waits for it here.
        state.requestClose()
    }

    /// Queues a record for writing and returns at once; false when it was dropped (queue full or closed).
    @discardableResult
    package func enqueue(_ record: PlayRecord) -> Bool {
        state.enqueue(.play(record))
    }

    /// Queues one visitor classed `className` (`normal`, `fever`, `retry`) by `sensor` at `at`,
    /// to be added to that hour's count, and returns at once; false when it was dropped (queue
    /// full or closed). Takes no reading: only the class reaches the database.
    @discardableResult
    package func enqueue(screening sensor: String, className: String, at: Date) -> Bool {
        state.enqueue(.screening(sensor: sensor, className: className, at: at))
    }

    /// Waits until every item enqueued before this call has been written or has failed.
    /// Blocks the calling thread: call it at shutdown or in tests, not from a frame loop.
    package func flush() {
        state.flush()
    }

    /// Writes what is queued, then stops the writer thread; later items are dropped.
    /// Blocks until the thread has ended. Calling it again does nothing.
    package func close() {
        state.requestClose()
        state.waitUntilFinished()
    }

    /// A consistent snapshot of the counters.
    package var statistics: Statistics { state.statistics }

    /// True while the database cannot be written and the writer is holding items to try again.
    package var isStalled: Bool { state.isStalled }
}

/// One piece of work for the writer thread.
enum WriterItem: Sendable {
    case play(PlayRecord)
    case screening(sensor: String, className: String, at: Date)

    /// Writes the item in its own transaction.
    func write(to store: StateStore) throws(StateStoreError) {
        switch self {
        case .play(let record):
            try store.record(record)
        case .screening(let sensor, let className, let at):
            try store.countScreening(sensor: sensor, className: className, at: at)
        }
    }
}

/// The queue and counters shared by callers and the writer thread. Every mutable field is read and
/// written only while holding `condition`, hence `@unchecked Sendable`.
private final class WriterState: @unchecked Sendable {
    private let condition = NSCondition()
    private var ring: [WriterItem?]
    private var head = 0
    private var count = 0
    private var accepted = 0
    private var done = 0  // written + failed: how far flush() has got
    private var written = 0
    private var dropped = 0
    private var failed = 0
    private var closing = false
    private var finished = false
    private var stalled = false
    private let retryInterval: Double

    init(capacity: Int, retryInterval: Double) {
        ring = Array(repeating: nil, count: capacity)
        self.retryInterval = retryInterval
    }

    var isStalled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stalled
    }

    /// Items dropped or given up so far.
    private var lost: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped + failed
    }

    private func setStalled(_ value: Bool) {
        condition.lock()
        stalled = value
        condition.unlock()
    }

    func enqueue(_ item: WriterItem) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closing, count < ring.count else {
            dropped += 1
            return false
        }
        ring[(head + count) % ring.count] = item
        count += 1
        accepted += 1
        condition.broadcast()
        return true
    }

    func flush() {
        condition.lock()
        defer { condition.unlock() }
        let target = accepted
        while done < target && !finished { condition.wait() }
    }

    func requestClose() {
        condition.lock()
        closing = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilFinished() {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
    }

    var statistics: ProofOfPlayWriter.Statistics {
        condition.lock()
        defer { condition.unlock() }
        return .init(accepted: accepted, written: written, dropped: dropped, failed: failed, pending: count)
    }

    /// The writer thread's loop: take the head, write it outside the lock, then remove it.
    func run(store: StateStore, onError: @Sendable (StateStoreError) -> Void,
             onStall: @Sendable (StateStoreError) -> Void, onResume: @Sendable (Double, Int) -> Void) {
        var stallBegan: ContinuousClock.Instant?
        // What was lost before the last item written: a stall's losses start there (the queue may
        // overflow before the first failing item has even been tried).
        var lostBeforeStall = 0
        while let item = next() {
            var succeeded = false
            while true {
                do {
                    try item.write(to: store)
                    succeeded = true
                    break
                } catch {
                    // The database cannot be written now (full, read-only, locked elsewhere): keep
                    // the item and try again, the queue filling and counting drops meanwhile, unless
                    // we are shutting down. Reported once per stall, not once per item.
                    if Self.isPassing(error) {
                        if isClosing {
                            // Shutting down with the database still unwritable: what waits is
                            // given up at once, in one report (trying each would take the busy
                            // timeout per item, and a log line per item).
                            abandonAll(after: error, onError: onError)
                            break
                        }
                        if stallBegan == nil {
                            stallBegan = .now
                            setStalled(true)
                            onStall(error)
                        }
                        pauseBeforeRetry(error.code == .busy ? 0.2 : retryInterval)
                        // A file system the kernel turned read-only (or that fails I/O) is mounted
                        // anew once repaired; only a new open reaches it. Tried now and then.
                        store.reopenIfDue(after: error)
                        continue
                    }
                    onError(error)
                    break
                }
            }
            finish(succeeded: succeeded)
            guard succeeded else { continue }
            if let began = stallBegan {
                stallBegan = nil
                setStalled(false)
                let elapsed = ContinuousClock.now - began
                onResume(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, lost - lostBeforeStall)
            }
            lostBeforeStall = lost
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether a failure is the storage's state rather than the item's: it passes when space or
    /// write access returns, the disk is repaired, or the other process lets go of the lock.
    private static func isPassing(_ error: StateStoreError) -> Bool {
        switch error.code {
        case .busy, .diskFull, .permissionDenied, .ioError: return true
        case .directoryUnusable, .missing, .notADatabase, .readOnly, .invalidRecord, .database: return false
        }
    }

    /// Gives up the item being written and every item waiting, counted as failed, with one report.
    private func abandonAll(after error: StateStoreError, onError: @Sendable (StateStoreError) -> Void) {
        condition.lock()
        let abandoned = count
        for index in 0..<count { ring[(head + index) % ring.count] = nil }
        // The item being written is still counted in `count`; `finish` removes it.
        let waiting = max(0, count - 1)
        count = min(count, 1)
        failed += waiting
        done += waiting
        condition.broadcast()
        condition.unlock()
        onError(StateStoreError(code: error.code, path: error.path,
                                      message: "\(error.message); \(abandoned) record(s) given up at shutdown"))
    }

    /// A wait between tries (a locked database may be reported without SQLite having waited in
    /// its busy handler); cut short by close().
    private func pauseBeforeRetry(_ seconds: Double) {
        condition.lock()
        defer { condition.unlock() }
        if !closing { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
    }

    private var isClosing: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closing
    }

    /// The item at the head, waiting for one; nil once closing and empty.
    private func next() -> WriterItem? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closing { condition.wait() }
        return count == 0 ? nil : ring[head]
    }

    private func finish(succeeded: Bool) {
        condition.lock()
        ring[head] = nil
        head = (head + 1) % ring.count
        count -= 1
        done += 1
        if succeeded { written += 1 } else { failed += 1 }
        condition.broadcast()
        condition.unlock()
    }
}
