import OshiraseCore
package import OshiraseImaging

/// An output that may hold a presented screen back and needs a later call to write it.
///
/// The frame loop asks `secondsUntilFlush` after each present; when it is not nil and the loop
/// would otherwise sleep longer (a still scene), it calls `flush()` once that time has passed.
/// It also calls `flush()` at shutdown.
package protocol DeferredFrameOutput: FrameOutput {
    /// Seconds until the held-back screen may be written (0: now); nil when nothing is held back.
    var secondsUntilFlush: Double? { get }
    /// Writes the held-back screen now, whatever the rate limit says; does nothing when none is.
    func flush() throws(OutputError)
}

/// Each display's screen as a PNG file, `<directory>/<name>.png`, for the demo and for boxes
/// without a screen.
///
/// The file is replaced atomically (written beside it, then renamed) so a reader never sees half
/// an image. It is written when the screen changed, at most once per `minimumInterval` seconds: a
/// change that comes sooner is held back and written by the first `present` after the interval,
/// changed or not, or by `flush()` (see `DeferredFrameOutput`). Turning the power off writes a
/// black screen at once.
///
/// The screen is the size given at open (the display's frame size); a frame placed at an origin
/// is clipped to it like on any other output. Encoding a 1080p PNG takes tens of milliseconds on
/// the frame loop's thread, which is why the rate limit exists.
package final class PNGDirectoryOutput: DeferredFrameOutput {
    package let description: String
    package let screenWidth: Int
    package let screenHeight: Int
    /// Writing files takes no vertical blank: the frame loop paces itself.
    package var pacesFrames: Bool { false }
    /// The PNG file written.
    package let path: String
    /// Least seconds between two writes of the file.
    package let minimumInterval: Double
    /// How many times the file was written.
    package private(set) var writeCount = 0

    private var screen: ComposedScreen
    private var hasPendingWrite = false
    private var lastWrite: Double?
    private var poweredOn = true
    private let now: () -> Double

    /// Creates `directory` (and its parents) when missing; writes nothing until the first present.
    ///
    /// `name` is the display's name, which becomes the file name; `now` gives monotonic seconds.
    package init(directory: String, name: String, width: Int, height: Int, minimumInterval: Double,
                now: @escaping () -> Double = monotonicSeconds) throws(OutputError) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw OutputError("png-dir: the display name \"\(name)\" cannot be a file name; use letters, digits and dashes")
        }
        guard width > 0, height > 0 else {
            throw OutputError("png-dir: the screen of \(name) has no pixels (\(width)×\(height))")
        }
        let trimmed = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        try POSIX.makeDirectories(trimmed)
        self.path = (trimmed.isEmpty ? "." : trimmed == "/" ? "" : trimmed) + "/\(name).png"
        self.screenWidth = width
        self.screenHeight = height
        self.minimumInterval = max(minimumInterval, 0)
        self.now = now
        self.screen = ComposedScreen(width: width, height: height)
        self.description = "png-dir \(path) \(width)×\(height)"
    }

    package func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) throws(OutputError) {
        if !poweredOn {
            poweredOn = true
            screen.clear()
        }
        if screen.update(with: frame, at: origin, changedRows: changedRows) { hasPendingWrite = true }
        if secondsUntilFlush == 0 { try flush() }
    }

    package func setPower(on: Bool) throws(OutputError) {
        guard poweredOn != on else { return }
        poweredOn = on
        if !on {
            screen.clear()
            hasPendingWrite = true
            try flush()
        }
    }

    package var secondsUntilFlush: Double? {
        guard hasPendingWrite else { return nil }
        guard let lastWrite else { return 0 }
        return max(0, lastWrite + minimumInterval - now())
    }

    package func flush() throws(OutputError) {
        guard hasPendingWrite else { return }
        do {
            try ImageEncoder.write(screen.bitmap, toPath: path)
        } catch {
            // Still pending: the next present or flush tries again.
            throw OutputError("png-dir \(path): \(error.message)")
        }
        hasPendingWrite = false
        lastWrite = now()
        writeCount += 1
    }
}
