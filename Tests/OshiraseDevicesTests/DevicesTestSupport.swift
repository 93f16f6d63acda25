import Foundation
import OshiraseDevices
import OshiraseImaging

/// A fresh folder under the system's temporary folder, removed when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-devices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// An opaque colour, written as on a web page.
struct RGB: Equatable, CustomStringConvertible {
    var r: UInt8, g: UInt8, b: UInt8
    init(_ hex: UInt32) {
        r = UInt8(hex >> 16 & 0xFF)
        g = UInt8(hex >> 8 & 0xFF)
        b = UInt8(hex & 0xFF)
    }
    var description: String { String(format: "#%02X%02X%02X", r, g, b) }

    static let red = RGB(0xFF0000)
    static let grey = RGB(0x808080)
    static let white = RGB(0xFFFFFF)
    /// DodgerBlue: three different channel values, one that 565 must round up (0x1E → 4, not 3).
    static let dodgerBlue = RGB(0x1E90FF)
    static let black = RGB(0x000000)
    static let green = RGB(0x00FF00)
}

/// A frame in Cairo's ARGB32 layout (bytes B, G, R, A on this machine), one array of colours per row.
func frame(_ rows: [[RGB]], stride extra: Int = 0) -> Bitmap {
    let width = rows.first?.count ?? 0
    let stride = width * 4 + extra
    var pixels = [UInt8](repeating: 0xEE, count: stride * rows.count)
    for (y, row) in rows.enumerated() {
        precondition(row.count == width)
        for (x, colour) in row.enumerated() {
            let at = y * stride + x * 4
            pixels[at] = colour.b
            pixels[at + 1] = colour.g
            pixels[at + 2] = colour.r
            pixels[at + 3] = 0xFF
        }
    }
    return Bitmap(width: width, height: rows.count, stride: stride, pixels: pixels)
}

/// A frame of one colour.
func frame(width: Int, height: Int, _ colour: RGB) -> Bitmap {
    frame(Array(repeating: Array(repeating: colour, count: width), count: height))
}

/// The colour of a pixel of a bitmap (alpha dropped).
func colour(of bitmap: Bitmap, x: Int, y: Int) -> RGB {
    let p = bitmap.pixel(x: x, y: y)
    return RGB(UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b))
}

extension FrameOutput {
    /// Presents a bitmap.
    func show(_ bitmap: Bitmap, at origin: PixelPoint = .zero, changedRows: Range<Int>? = nil) throws(OutputError) {
        try bitmap.withPixelView { (view) throws(OutputError) in
            try present(view, at: origin, changedRows: changedRows)
        }
    }
}

/// A time source tests move by hand.
final class TestTime: @unchecked Sendable {
    var now: Double
    /// Added to `now` at every reading (to make calls look slow).
    var step: Double
    init(_ now: Double = 100, step: Double = 0) {
        self.now = now
        self.step = step
    }
    func read() -> Double {
        defer { now += step }
        return now
    }
}
