package import OshiraseImaging
import Synchronization

/// Frames kept in memory: the latest screen for the preview page and screenshots, and, when asked,
/// every screen presented, for tests.
///
/// `present` and `setPower` come from the display's frame loop; everything else may be read from
/// any thread (the HTTP server reads `latestScreen`) — the state sits behind a mutex.
package final class MemoryOutput: FrameOutput, Sendable {
    package let description: String
    package let screenWidth: Int
    package let screenHeight: Int
    /// Memory takes frames at once, so the frame loop paces itself.
    package var pacesFrames: Bool { false }
    /// Whether every presented screen is kept in `recordedScreens`.
    package let recordsScreens: Bool
    /// How many recorded screens are kept; older ones are dropped first.
    package let recordLimit: Int

    private struct State: Sendable {
        var screen: ComposedScreen
        var hasFrame = false
        var presentCount = 0
        var poweredOn = true
        var recorded: [Bitmap] = []
        var droppedRecordings = 0

        mutating func record(_ screen: Bitmap, limit: Int) {
            guard limit > 0 else {
                droppedRecordings += 1
                return
            }
            if recorded.count >= limit {
                recorded.removeFirst()
                droppedRecordings += 1
            }
            recorded.append(screen)
        }
    }
    private let state: Mutex<State>

    /// A `width`×`height` screen, black until the first present.
    ///
    /// With `recordsScreens`, each presented screen (and the black screen of a power-off) is kept,
    /// up to `recordLimit` of them; a 1080p screen takes 8 MB.
    package init(width: Int, height: Int, description: String? = nil, recordsScreens: Bool = false,
                recordLimit: Int = 600) {
        precondition(width >= 0 && height >= 0, "screen size must not be negative")
        self.description = description ?? "memory \(width)×\(height)"
        self.screenWidth = width
        self.screenHeight = height
        self.recordsScreens = recordsScreens
        self.recordLimit = max(recordLimit, 0)
        self.state = Mutex(State(screen: ComposedScreen(width: width, height: height)))
    }

    package func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) {
        let (recordsScreens, recordLimit) = (self.recordsScreens, self.recordLimit)
        state.withLock { state in
            if !state.poweredOn {
                state.poweredOn = true
                state.screen.clear()
            }
            _ = state.screen.update(with: frame, at: origin, changedRows: changedRows)
            state.hasFrame = true
            state.presentCount += 1
            if recordsScreens { state.record(state.screen.bitmap, limit: recordLimit) }
        }
    }

    package func setPower(on: Bool) {
        let (recordsScreens, recordLimit) = (self.recordsScreens, self.recordLimit)
        state.withLock { state in
            guard state.poweredOn != on else { return }
            state.poweredOn = on
            if !on {
                state.screen.clear()
                if recordsScreens { state.record(state.screen.bitmap, limit: recordLimit) }
            }
        }
    }

    /// The screen as last shown: the last frame at its origin, black around it (all black while
    /// powered off); nil before the first present.
    package var latestScreen: Bitmap? {
        state.withLock { $0.hasFrame || !$0.poweredOn ? $0.screen.bitmap : nil }
    }

    /// How many times `present` was called.
    package var presentCount: Int { state.withLock { $0.presentCount } }

    /// False between `setPower(on: false)` and the next `setPower(on: true)` or `present`.
    package var isPoweredOn: Bool { state.withLock { $0.poweredOn } }

    /// The screens shown, oldest first, when `recordsScreens` is set.
    package var recordedScreens: [Bitmap] { state.withLock { $0.recorded } }

    /// How many recorded screens were dropped to stay within `recordLimit`.
    package var droppedRecordingCount: Int { state.withLock { $0.droppedRecordings } }

    /// Forgets the recorded screens (the count of dropped ones too).
    package func removeRecordedScreens() {
        state.withLock { state in
            state.recorded.removeAll()
            state.droppedRecordings = 0
        }
    }
}
