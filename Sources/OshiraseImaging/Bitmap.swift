/// Premultiplied 32-bit pixels in Cairo's `CAIRO_FORMAT_ARGB32` memory layout.
///
/// Each pixel is one native-endian 32-bit word `0xAARRGGBB`, so on little-endian
/// machines the bytes in memory are B, G, R, A. Colour channels are premultiplied
/// by alpha, as Cairo expects.
public struct Bitmap: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Bytes per row; at least `width * 4`.
    public let stride: Int
    /// The pixel bytes, `stride * height` of them, rows top to bottom.
    public var pixels: [UInt8]

    /// Wraps existing pixel bytes.
    ///
    /// The sizes are the caller's program logic, not input data: a negative size, a stride
    /// below `width * 4` or a `pixels` count other than `stride * height` is a programming
    /// error and traps.
    package init(width: Int, height: Int, stride: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "Bitmap size must not be negative")
        precondition(stride >= width * 4, "Bitmap stride \(stride) is below width*4 = \(width * 4)")
        precondition(pixels.count == stride * height,
                     "Bitmap has \(pixels.count) bytes, expected stride*height = \(stride * height)")
        self.width = width
        self.height = height
        self.stride = stride
        self.pixels = pixels
    }

    /// Makes a bitmap of one colour, with `stride == width * 4`.
    ///
    /// The colour is stored as given, so pass premultiplied values when alpha is below 255.
    package init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8, a: UInt8)) {
        precondition(width >= 0 && height >= 0, "Bitmap size must not be negative")
        var word = [UInt8](repeating: 0, count: 4)
        word[PixelLayout.red] = fill.r
        word[PixelLayout.green] = fill.g
        word[PixelLayout.blue] = fill.b
        word[PixelLayout.alpha] = fill.a
        let count = width * height
        var pixels = [UInt8]()
        pixels.reserveCapacity(count * 4)
        for _ in 0..<count { pixels.append(contentsOf: word) }
        self.init(width: width, height: height, stride: width * 4, pixels: pixels)
    }

    /// The stored (premultiplied) channels of the pixel at column `x`, row `y`.
    ///
    /// Coordinates outside the bitmap trap, as an out-of-range array index does.
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height,
                     "pixel (\(x), \(y)) is outside the \(width)×\(height) bitmap")
        let offset = y * stride + x * 4
        return (pixels[offset + PixelLayout.red], pixels[offset + PixelLayout.green],
                pixels[offset + PixelLayout.blue], pixels[offset + PixelLayout.alpha])
    }
}

/// Byte offsets of the channels inside one Cairo ARGB32 pixel on this machine.
package enum PixelLayout {
    #if _endian(big)
    package static let alpha = 0, red = 1, green = 2, blue = 3
    #else
    package static let blue = 0, green = 1, red = 2, alpha = 3
    #endif
}

/// Borrowed pixels in Cairo's ARGB32 layout: a bitmap's or a drawing surface's, valid only
/// inside the closure that hands it out.
public struct PixelView {
    public let base: UnsafeRawPointer
    public let width: Int
    public let height: Int
    /// Bytes per row, ≥ width × 4.
    public let stride: Int
    /// Bytes readable from `base`, ≥ stride × height.
    package let byteCount: Int

    public init(base: UnsafeRawPointer, width: Int, height: Int, stride: Int, byteCount: Int) {
        self.base = base
        self.width = width
        self.height = height
        self.stride = stride
        self.byteCount = byteCount
    }
}

extension Bitmap {
    /// Lends the pixels as a `PixelView` for the duration of `body`.
    package func withPixelView<T, E: Error>(_ body: (PixelView) throws(E) -> T) throws(E) -> T {
        let result: Result<T, E> = pixels.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else {
                // An empty bitmap: hand out a view of a single zero byte that nothing will read.
                return withUnsafeBytes(of: UInt8(0)) { zero in
                    Result { () throws(E) -> T in
                        try body(PixelView(base: zero.baseAddress!, width: 0, height: 0, stride: 0, byteCount: 0))
                    }
                }
            }
            return Result { () throws(E) -> T in
                try body(PixelView(base: base, width: width, height: height, stride: stride, byteCount: raw.count))
            }
        }
        return try result.get()
    }
}

extension Bitmap {
    /// A packed copy (`stride == width × 4`) of the pixels a view lends.
    package init(copying view: PixelView) {
        self.init(width: view.width, height: view.height, stride: view.width * 4,
                  pixels: [UInt8](repeating: 0, count: view.width * view.height * 4))
        copyRows(0..<view.height, from: view)
    }

    /// Copies rows `rows` of `view` over the same rows of this bitmap (clipped to both).
    package mutating func copyRows(_ rows: Range<Int>, from view: PixelView) {
        let rows = rows.clamped(to: 0..<min(view.height, height))
        let rowBytes = min(view.width, width) * 4
        let stride = self.stride
        pixels.withUnsafeMutableBytes { dst in
            guard let base = dst.baseAddress else { return }
            for y in rows {
                (base + y * stride).copyMemory(from: view.base + y * view.stride, byteCount: rowBytes)
            }
        }
    }
}
