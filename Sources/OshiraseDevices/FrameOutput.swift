public import OshiraseImaging

/// A point on a screen, in pixels from the top-left corner.
public struct PixelPoint: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
    package static let zero = PixelPoint(x: 0, y: 0)
}

/// Why an output could not open or present; the message names the device and what to do.
public struct OutputError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where a display's frames go: a DRM/KMS connector, a framebuffer device, a PNG directory or memory.
///
/// One display's frame loop owns its output and calls it from one thread only; outputs are not
/// shared. Frames arrive in Cairo's ARGB32 layout (opaque: alpha is ignored) and the output
/// converts them to the device's pixel format.
public protocol FrameOutput: AnyObject {
    /// For logs and status, e.g. `fbdev /dev/fb0 1920×1080 RGB565`.
    var description: String { get }
    /// The whole screen in pixels (a frame may be smaller and placed at an origin, as LED walls are).
    var screenWidth: Int { get }
    var screenHeight: Int { get }
    /// True when `present` returns only once the display has taken the frame (page flip event,
    /// vsync pan), so the frame loop paces on it instead of sleeping.
    var pacesFrames: Bool { get }
    /// Shows `frame` with its top-left corner at `origin`; the rest of the screen stays black.
    ///
    /// `changedRows` are the frame rows that differ from the frame given to the previous call
    /// (nil: all of them), so outputs may copy only those; an output that keeps several buffers
    /// must account for what each buffer last showed.
    func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) throws(OutputError)
    /// Turns the screen off (DPMS off where the device has it, else one black frame) or on again.
    /// While off, `present` is not called; the next `present` after turning on gets all rows.
    func setPower(on: Bool) throws(OutputError)
}
