import Foundation
import OshiraseImaging
import Synchronization

/// What one display's loop shares with the rest of the daemon: its status and a copy of the
/// frame last presented (for `/v1/screenshot` and the preview page).
public final class DisplayState: Sendable {
    private struct State {
        var status: DisplayStatus
        var frame: Bitmap?
        var presentTimes: [Double] = []
        var renderTimes: [Double] = []
        var renderIndex = 0
    }
    private let state: Mutex<State>

    init(status: DisplayStatus) {
        state = Mutex(State(status: status))
    }

    public var status: DisplayStatus {
        state.withLock { s in
            var status = s.status
            status.frameRate = Self.rate(s.presentTimes)
            if !s.renderTimes.isEmpty {
                let sorted = s.renderTimes.sorted()
                status.renderMillisecondsMedian = (sorted[sorted.count / 2] * 100).rounded() / 100
                status.renderMillisecondsP99 = (sorted[min(sorted.count - 1, sorted.count * 99 / 100)] * 100).rounded() / 100
            }
            return status
        }
    }

    /// A copy of the frame last presented.
    public var frame: Bitmap? { state.withLock { $0.frame } }

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

    func update(_ change: (inout DisplayStatus) -> Void) {
        state.withLock { change(&$0.status) }
    }

    /// Records a presented frame: copies the rows that changed into the shared copy and counts it.
    func presented(_ view: PixelView, changedRows: Range<Int>, at time: Date, monotonic: Double) {
        state.withLock { s in
            if s.frame == nil || s.frame?.width != view.width || s.frame?.height != view.height {
                s.frame = Bitmap(width: view.width, height: view.height, stride: view.width * 4,
                                 pixels: [UInt8](repeating: 0, count: view.width * view.height * 4))
                copyRows(view, 0..<view.height, into: &s.frame)
            } else {
                copyRows(view, changedRows, into: &s.frame)
            }
            s.status.framesPresented += 1
            s.status.lastFrameAt = time
            s.presentTimes.append(monotonic)
            if s.presentTimes.count > 240 { s.presentTimes.removeFirst(s.presentTimes.count - 240) }
        }
    }

    private func copyRows(_ view: PixelView, _ rows: Range<Int>, into frame: inout Bitmap?) {
        guard var bitmap = frame.take() else { return }
        let rows = rows.clamped(to: 0..<view.height)
        let rowBytes = view.width * 4
        bitmap.pixels.withUnsafeMutableBytes { dst in
            guard let base = dst.baseAddress else { return }
            for y in rows {
                (base + y * bitmap.stride).copyMemory(from: view.base + y * view.stride, byteCount: rowBytes)
            }
        }
        frame = bitmap
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
