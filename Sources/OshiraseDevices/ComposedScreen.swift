import OshiraseImaging

/// A whole screen kept as a Cairo ARGB32 bitmap, updated from presented frames: the frame at its
/// origin, black elsewhere. The PNG and memory outputs show this.
struct ComposedScreen: Sendable {
    private(set) var bitmap: Bitmap
    private let layout: ScreenLayout
    private var lastPlacement: Placement?

    private struct Placement: Equatable {
        var origin: PixelPoint
        var width: Int
        var height: Int
    }

    init(width: Int, height: Int) {
        bitmap = Bitmap(width: width, height: height, fill: (r: 0, g: 0, b: 0, a: 255))
        layout = ScreenLayout(width: width, height: height, stride: width * 4, format: .argb8888)
    }

    /// Copies the changed rows of `frame` in (all of it when it moved, changed size, or after
    /// `clear()`); returns whether any screen pixel may have changed.
    mutating func update(with frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) -> Bool {
        let placement = Placement(origin: origin, width: frame.width, height: frame.height)
        let full = placement != lastPlacement
        lastPlacement = placement
        let rows = full ? 0..<frame.height : (changedRows ?? 0..<frame.height).clamped(to: 0..<frame.height)
        let layout = self.layout
        bitmap.pixels.withUnsafeMutableBytes { buffer in
            if full { layout.clear(buffer) }
            layout.draw(frame, at: origin, rows: rows, into: buffer)
        }
        return full || !layout.screenRows(frameRows: rows, frameHeight: frame.height, origin: origin).isEmpty
    }

    /// Makes the screen black; the next update copies its whole frame.
    mutating func clear() {
        let layout = self.layout
        bitmap.pixels.withUnsafeMutableBytes { layout.clear($0) }
        lastPlacement = nil
    }
}
