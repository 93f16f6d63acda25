import Foundation
import OshiraseCore
import OshiraseDevices
package import OshiraseImaging
import Synchronization

/// What one display's loop shares with the rest of the daemon: its status and, for
/// `/v1/screenshot` and the preview page, a copy of the frame last presented.
///
/// A copy is made only for a request that waits for one: the loop publishes it at its next
/// step. It is kept for further requests while the picture stays the same (a still screen
/// polled by the preview page costs one copy, and keeps it until its picture changes) and
/// forgotten at the first change: keeping it up to date would mean copying all 8 MB of a 1080p
/// frame at every changed frame, on the display's own thread, as long as anyone kept polling.
/// So a display makes at most one copy per screenshot taken and holds at most one at a time.
package final class DisplayState: Sendable {
    private struct State {
        var status: DisplayStatus
        var frame: Bitmap?
        var waiters: [UInt64: CheckedContinuation<Bitmap?, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var presentTimes: [Double] = []
        var renderTimes: [Double] = []
        var renderIndex = 0
    }
    private let state: Mutex<State>

    init(status: DisplayStatus) {
        state = Mutex(State(status: status))
    }

    /// The display's status, with its frame rate and render-time percentiles.
    ///
    /// The lock is held only to take the figures; the sorting and counting happen after it is
    /// released. The frame loop takes the same lock at every frame, and `/v1/status` polled
    /// thousands of times a second must not keep it waiting.
    package var status: DisplayStatus {
        let (current, presents, renders) = state.withLock { s in (s.status, s.presentTimes, s.renderTimes) }
        var status = current
        status.frameRate = Self.rate(presents)
        if !renders.isEmpty {
            let sorted = renders.sorted()
            status.renderMillisecondsMedian = (sorted[sorted.count / 2] * 100).rounded() / 100
            status.renderMillisecondsP99 = (sorted[min(sorted.count - 1, sorted.count * 99 / 100)] * 100).rounded() / 100
        }
        return status
    }

    /// A copy of the frame last presented. When no copy is kept, asks the loop (through `wake`)
    /// to publish one and waits for it up to `timeout` seconds; nil when none comes (no frame yet).
    package func requestFrame(wake: () -> Void, timeout: Double = 2) async -> Bitmap? {
        if let frame = state.withLock({ $0.frame }) { return frame }
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        return await withCheckedContinuation { (c: CheckedContinuation<Bitmap?, Never>) in
            let ready = state.withLock { s -> Bitmap? in
                if let frame = s.frame { return frame }
                s.waiters[id] = c
                return nil
            }
            if let ready {
                c.resume(returning: ready)
                return
            }
            wake()
            Task {
                try? await Task.sleep(for: .seconds(timeout))
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: nil)
            }
        }
    }

    /// True when a request waits for a copy of the frame: the loop should publish one.
    var needsFrame: Bool {
        state.withLock { s in s.frame == nil && !s.waiters.isEmpty }
    }

    /// Keeps a whole copy of `view` as the frame last presented, and hands it to whoever waits.
    func publish(_ view: PixelView) {
        let waiters = state.withLock { s -> [CheckedContinuation<Bitmap?, Never>] in
            s.frame = Bitmap(copying: view)
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        if !waiters.isEmpty, let frame = state.withLock({ $0.frame }) {
            for waiter in waiters { waiter.resume(returning: frame) }
        }
    }

    /// Forgets the kept copy (the screen went off or its output failed): the next request gets
    /// what the loop publishes then.
    func dropFrame() {
        state.withLock { $0.frame = nil }
    }

    func update(_ change: (inout DisplayStatus) -> Void) {
        state.withLock { change(&$0.status) }
    }

    /// Keeps the time one frame took to render and present, for the status percentiles.
    func rendered(milliseconds: Double) {
        state.withLock { s in
            if s.renderTimes.count < 600 {
                s.renderTimes.append(milliseconds)
            } else {
                s.renderTimes[s.renderIndex] = milliseconds
                s.renderIndex = (s.renderIndex + 1) % 600
            }
        }
    }

    /// Records a presented frame: counts it, and forgets the kept copy (if any) when rows changed.
    func presented(changedRows: Range<Int>, at time: Date, monotonic: Double) {
        state.withLock { s in
            if !changedRows.isEmpty { s.frame = nil }
            s.status.framesPresented += 1
            s.status.lastFrameAt = time
            s.presentTimes.append(monotonic)
            if s.presentTimes.count > 240 { s.presentTimes.removeFirst(s.presentTimes.count - 240) }
        }
    }

    /// Frames per second over the last five seconds of presents.
    private static func rate(_ times: [Double]) -> Double {
        guard let last = times.last else { return 0 }
        let now = max(last, monotonicSeconds())
        let recent = times.filter { now - $0 <= 5 }
        guard recent.count >= 2, let first = recent.first else { return 0 }
        let span = max(now - first, 1e-3)
        return (Double(recent.count - 1) / span * 10).rounded() / 10
    }
}
