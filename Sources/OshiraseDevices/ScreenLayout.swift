package import OshiraseImaging

/// The memory layout of one screen buffer (size, stride, pixel format), and the copy of frame rows
/// into it: placed at an origin, clipped to the screen, converted to the format.
///
/// Shared by the outputs that draw into memory: fbdev, DRM dumb buffers, PNG and memory screens.
package struct ScreenLayout: Sendable, Equatable {
    /// Screen width in pixels.
    package let width: Int
    /// Screen height in pixels.
    package let height: Int
    /// Bytes from one row to the next, at least `width × format.bytesPerPixel`.
    package let stride: Int
    /// The buffer's pixel layout; frames are converted to it.
    package let format: PixelFormat

    /// A buffer of `height` rows `stride` bytes apart, each `width` pixels in `format`.
    package init(width: Int, height: Int, stride: Int, format: PixelFormat) {
        precondition(width >= 0 && height >= 0, "screen size must not be negative")
        precondition(stride >= width * format.bytesPerPixel, "stride \(stride) is below one row of \(width) pixels")
        self.width = width
        self.height = height
        self.stride = stride
        self.format = format
    }

    /// Bytes a buffer must have: every row's pixels (the last row's padding is not needed).
    package var requiredBytes: Int {
        height == 0 ? 0 : stride * (height - 1) + width * format.bytesPerPixel
    }

    /// The screen rows that frame rows `rows` land on, when the frame's top-left is at `origin`,
    /// clipped to the screen (and to the frame's `frameHeight` rows).
    package func screenRows(frameRows rows: Range<Int>, frameHeight: Int, origin: PixelPoint) -> Range<Int> {
        let lower = max(rows.lowerBound, 0, -origin.y)
        let upper = min(rows.upperBound, frameHeight, height - origin.y)
        return lower < upper ? (lower + origin.y)..<(upper + origin.y) : 0..<0
    }

    /// Converts frame rows `rows` into `buffer`, with the frame's top-left corner at `origin`.
    ///
    /// Parts of the frame off the screen are skipped; nothing outside the frame's rectangle is
    /// touched, nor any row padding.
    package func draw(_ frame: PixelView, at origin: PixelPoint, rows: Range<Int>,
                     into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= requiredBytes, "screen buffer of \(buffer.count) bytes is below \(requiredBytes)")
        guard let destination = buffer.baseAddress else { return }
        let firstColumn = max(0, -origin.x)
        let lastColumn = min(frame.width, width - origin.x)
        guard firstColumn < lastColumn else { return }
        let count = lastColumn - firstColumn
        let bpp = format.bytesPerPixel
        let screen = screenRows(frameRows: rows, frameHeight: frame.height, origin: origin)
        for screenRow in screen {
            let frameRow = screenRow - origin.y
            let sourceOffset = frameRow * frame.stride + firstColumn * 4
            // A view shorter than it claims would be a caller's bug; never read past it.
            guard sourceOffset + count * 4 <= frame.byteCount else { return }
            format.convertRow(from: frame.base + sourceOffset,
                              to: destination + screenRow * stride + (origin.x + firstColumn) * bpp,
                              count: count)
        }
    }

    /// Fills every pixel of the screen with black (any alpha opaque).
    package func clear(_ buffer: UnsafeMutableRawBufferPointer) {
        clear(rows: 0..<height, in: buffer)
    }

    /// Fills screen rows `rows` with black.
    package func clear(rows: Range<Int>, in buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= requiredBytes, "screen buffer of \(buffer.count) bytes is below \(requiredBytes)")
        guard let base = buffer.baseAddress else { return }
        let rows = rows.clamped(to: 0..<height)
        let black = format.blackPixel
        let rowBytes = width * format.bytesPerPixel
        if black.allSatisfy({ $0 == 0 }) {
            for row in rows { (base + row * stride).initializeMemory(as: UInt8.self, repeating: 0, count: rowBytes) }
            return
        }
        // A pattern: write the first row pixel by pixel, then copy it to the other rows.
        guard let first = rows.first else { return }
        let firstRow = base + first * stride
        for x in 0..<width {
            for (i, byte) in black.enumerated() {
                firstRow.storeBytes(of: byte, toByteOffset: x * black.count + i, as: UInt8.self)
            }
        }
        for row in rows.dropFirst() { (base + row * stride).copyMemory(from: firstRow, byteCount: rowBytes) }
    }
}

/// The rows a screen buffer has missed since it was last drawn, as a few disjoint ranges.
///
/// An output with several buffers keeps one per buffer: each frame's changed rows are added to
/// every buffer, and a buffer's damage is redrawn and emptied when it is drawn. Past a handful of
/// ranges they merge into one, which may redraw a few unchanged rows but never misses one.
package struct RowDamage: Sendable, Equatable {
    /// Sorted, disjoint and not touching.
    package private(set) var ranges: [Range<Int>] = []
    static let maximumRanges = 8

    /// No damage.
    package init() {}

    /// True when the buffer is up to date.
    package var isEmpty: Bool { ranges.isEmpty }

    /// Marks `rows` as needing a redraw.
    package mutating func add(_ rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        var merged = rows
        var kept: [Range<Int>] = []
        kept.reserveCapacity(ranges.count + 1)
        for range in ranges {
            if range.upperBound < merged.lowerBound || range.lowerBound > merged.upperBound {
                kept.append(range)
            } else {
                merged = min(range.lowerBound, merged.lowerBound)..<max(range.upperBound, merged.upperBound)
            }
        }
        let index = kept.firstIndex { $0.lowerBound > merged.lowerBound } ?? kept.endIndex
        kept.insert(merged, at: index)
        if kept.count > Self.maximumRanges, let first = kept.first, let last = kept.last {
            kept = [first.lowerBound..<last.upperBound]
        }
        ranges = kept
    }

    /// Marks the buffer as up to date (after it was redrawn).
    package mutating func removeAll() {
        ranges.removeAll(keepingCapacity: true)
    }
}
