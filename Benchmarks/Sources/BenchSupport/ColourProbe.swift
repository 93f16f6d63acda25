import ArgumentParser
import Foundation
import OshiraseCore
public import OshiraseDevices
public import OshiraseImaging
import Synchronization

/// A memory-only output for the benchmarks: it counts the frames presented and notes each time
/// the pixel at one point takes a colour the benchmark waits for (a result on the kiosk's
/// panel, an alert's band) after showing another.
public final class ColourProbe: FrameOutput, @unchecked Sendable {
    public let screenWidth: Int
    public let screenHeight: Int
    public let pacesFrames = false
    public var description: String { "bench probe \(screenWidth)×\(screenHeight)" }
    private let x: Int
    private let y: Int
    private let wanted: @Sendable (UInt32) -> Bool
    private let state = Mutex<(presented: Int, colour: UInt32, appearances: [Double])>((0, 0, []))

    /// - Parameter wanted: whether a colour (0xRRGGBB) is one the benchmark waits for.
    public init(width: Int, height: Int, x: Int, y: Int, wanted: @escaping @Sendable (UInt32) -> Bool) {
        screenWidth = width
        screenHeight = height
        self.x = x
        self.y = y
        self.wanted = wanted
    }

    public var presented: Int { state.withLock { $0.presented } }
    /// When a wanted colour appeared (monotonic seconds), in order.
    public var appearances: [Double] { state.withLock { $0.appearances } }

    public func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) throws(OutputError) {
        let now = monotonicSeconds()
        let p = (frame.base + y * frame.stride + x * 4).assumingMemoryBound(to: UInt8.self)
        let red = UInt32(p[2]), green = UInt32(p[1]), blue = UInt32(p[0])
        let colour: UInt32 = red << 16 | green << 8 | blue
        let isWanted = wanted(colour)
        state.withLock { s in
            s.presented += 1
            if isWanted && colour != s.colour { s.appearances.append(now) }
            s.colour = colour
        }
    }

    public func setPower(on: Bool) throws(OutputError) {}

    /// When the first wanted colour after `count` earlier appearances was presented.
    public func waitForAppearance(after count: Int, timeout: Double) throws -> Double {
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            let seen = appearances
            if seen.count > count { return seen[count] }
            usleep(200)
        }
        throw ValidationError("the awaited picture did not reach the screen within \(timeout) s")
    }

    /// Waits until the frame on screen no longer shows a wanted colour.
    public func waitUntilGone(timeout: Double) throws {
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            if !wanted(state.withLock { $0.colour }) { return }
            usleep(500)
        }
        throw ValidationError("the picture stayed on screen for \(timeout) s")
    }
}
