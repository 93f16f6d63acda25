/// Where one channel sits inside a pixel value, as the kernel's `struct fb_bitfield` says.
package struct PixelBitfield: Sendable, Hashable, CustomStringConvertible {
    /// Bit position of the channel's least significant bit, counted from the right of the pixel value.
    package var offset: Int
    /// Width in bits; 0 when the pixel has no such channel.
    package var length: Int
    /// True when the channel's most significant bit is on the right (no driver we know uses it).
    package var msbRight: Bool

    /// A channel of `length` bits whose least significant bit is bit `offset`.
    package init(offset: Int, length: Int, msbRight: Bool = false) {
        self.offset = offset
        self.length = length
        self.msbRight = msbRight
    }

    /// No channel.
    package static let none = PixelBitfield(offset: 0, length: 0)

    /// `offset:length`, e.g. `16:8`, as `fbset -i` prints it.
    package var description: String { msbRight ? "\(offset):\(length) (msb right)" : "\(offset):\(length)" }
}

/// A framebuffer's pixel layout, and the conversion of Cairo ARGB32 rows into it.
///
/// Chosen from the channel bitfields, not from bits per pixel alone: 16 bpp may be RGB565 or
/// BGR565, 32 bpp XRGB8888 or BGRX8888. Supported layouts:
/// - 32 bpp: red, green and blue 8 bits each on byte boundaries, in any order, with an optional
///   8-bit alpha in the remaining byte (XRGB8888, ARGB8888, BGRX8888, XBGR8888, RGBA8888, …);
/// - 24 bpp packed: red, green and blue 8 bits each on byte boundaries (RGB888, BGR888);
/// - 16 bpp: red, green and blue of 1–8 bits each, not overlapping, with an optional alpha
///   (RGB565, BGR565, XRGB1555, ARGB4444, …); channels are rounded to the nearest level.
///
/// Names follow DRM's fourcc convention: channels from the most significant bit down, `X` for
/// unused bits. Pixel values are stored in the machine's byte order (little-endian on the boxes
/// we run on), as fbdev expects. A converted pixel's alpha or unused byte is 0xFF (opaque): when
/// the layout equals Cairo's own, rows are copied as they are, and frames are opaque. Black
/// filled in around a frame (`blackPixel`) has zero in unused bits.
package struct PixelFormat: Sendable, Hashable, CustomStringConvertible {
    /// Bits per pixel: 16, 24 or 32.
    package let bitsPerPixel: Int
    /// Where red sits in the pixel value.
    package let red: PixelBitfield
    /// Where green sits in the pixel value.
    package let green: PixelBitfield
    /// Where blue sits in the pixel value.
    package let blue: PixelBitfield
    /// The alpha channel (`transp` in the kernel's terms); `.none` for most framebuffers.
    package let transp: PixelBitfield
    /// Fourcc-style name, e.g. `XRGB8888`, `RGB565`, `BGR888`.
    package let name: String
    let conversion: Conversion

    /// Bytes one pixel takes in the framebuffer: 2, 3 or 4.
    package var bytesPerPixel: Int { bitsPerPixel / 8 }

    package var description: String { name }

    /// Picks the layout these bitfields describe, or throws naming them when it is not one we can write.
    package init(bitsPerPixel: Int, red: PixelBitfield, green: PixelBitfield, blue: PixelBitfield,
                transp: PixelBitfield = .none) throws(OutputError) {
        let layout = "\(bitsPerPixel) bpp, red \(red), green \(green), blue \(blue), transp \(transp) (offset:length)"
        func unsupported(_ why: String) -> OutputError {
            OutputError("unsupported pixel layout \(layout): \(why); use a 32, 24 or 16 bpp true-colour mode "
                + "(e.g. `fbset -depth 32`, or `video=…-32` on the kernel command line)")
        }
        let colours = [red, green, blue]
        let all = transp.length > 0 ? colours + [transp] : colours
        if all.contains(where: \.msbRight) { throw unsupported("channels stored with the most significant bit on the right") }
        for field in all where field.length <= 0 || field.offset < 0 || field.offset + field.length > bitsPerPixel {
            throw unsupported("a channel lies outside the \(bitsPerPixel)-bit pixel")
        }
        var used: UInt64 = 0
        for field in all {
            let mask = ((UInt64(1) << UInt64(field.length)) - 1) << UInt64(field.offset)
            if used & mask != 0 { throw unsupported("channels overlap") }
            used |= mask
        }

        switch bitsPerPixel {
        case 32:
            guard colours.allSatisfy({ $0.length == 8 && $0.offset % 8 == 0 }),
                  transp.length == 0 || (transp.length == 8 && transp.offset % 8 == 0) else {
                throw unsupported("32 bpp needs 8-bit channels on byte boundaries")
            }
            if red.offset == 16 && green.offset == 8 && blue.offset == 0 {
                conversion = .copy32
            } else {
                // The byte no colour uses (alpha or padding) is written 0xFF.
                let fill = UInt32(0xFF) << UInt32(48 - red.offset - green.offset - blue.offset)
                conversion = .shuffle32(red: UInt32(red.offset), green: UInt32(green.offset),
                                        blue: UInt32(blue.offset), fill: fill)
            }
        case 24:
            guard colours.allSatisfy({ $0.length == 8 && $0.offset % 8 == 0 }), transp.length == 0 else {
                throw unsupported("24 bpp needs 8-bit colour channels on byte boundaries and no alpha")
            }
            conversion = .packed24(red: red.offset / 8, green: green.offset / 8, blue: blue.offset / 8)
        case 16:
            guard all.allSatisfy({ $0.length <= 8 }) else {
                throw unsupported("16 bpp channels wider than 8 bits")
            }
            let fill = transp.length > 0 ? UInt32((1 << transp.length) - 1) << UInt32(transp.offset) : 0
            conversion = .packed16(PackedChannels(red: red, green: green, blue: blue, fill: fill))
        default:
            throw unsupported("only 16, 24 and 32 bits per pixel are supported")
        }
        self.bitsPerPixel = bitsPerPixel
        self.red = red
        self.green = green
        self.blue = blue
        self.transp = transp
        self.name = PixelFormat.fourccName(bitsPerPixel: bitsPerPixel, red: red, green: green, blue: blue,
                                           transp: transp)
    }

    /// Picks the layout a framebuffer reports; grey-scale, fourcc and non-standard modes are refused.
    package init(_ info: FramebufferVariableInfo) throws(OutputError) {
        if info.grayscale != 0 {
            throw OutputError("unsupported pixel layout: the framebuffer is in "
                + (info.grayscale == 1 ? "grey-scale" : "fourcc (grayscale=\(info.grayscale))")
                + " mode; use a 32, 24 or 16 bpp true-colour mode (e.g. `fbset -depth 32`)")
        }
        if info.nonstd != 0 {
            throw OutputError("unsupported pixel layout: the framebuffer reports a non-standard format "
                + "(nonstd=\(info.nonstd)); use a 32, 24 or 16 bpp true-colour mode (e.g. `fbset -depth 32`)")
        }
        try self.init(bitsPerPixel: info.bitsPerPixel, red: info.red, green: info.green, blue: info.blue,
                      transp: info.transp)
    }

    /// Builds one of the fixed layouts below; their bitfields are known to be valid.
    private static func known(_ bpp: Int, _ red: (Int, Int), _ green: (Int, Int), _ blue: (Int, Int),
                              _ transp: (Int, Int) = (0, 0)) -> PixelFormat {
        do {
            return try PixelFormat(bitsPerPixel: bpp,
                                   red: PixelBitfield(offset: red.0, length: red.1),
                                   green: PixelBitfield(offset: green.0, length: green.1),
                                   blue: PixelBitfield(offset: blue.0, length: blue.1),
                                   transp: PixelBitfield(offset: transp.0, length: transp.1))
        } catch {
            preconditionFailure("built-in pixel format is invalid: \(error)")
        }
    }

    /// Cairo's own layout with the top byte unused; rows are copied unchanged.
    package static let xrgb8888 = known(32, (16, 8), (8, 8), (0, 8))
    /// Cairo's own layout with alpha in the top byte; rows are copied unchanged (frames are opaque).
    package static let argb8888 = known(32, (16, 8), (8, 8), (0, 8), (24, 8))
    /// Blue in the top byte, the low byte unused.
    package static let bgrx8888 = known(32, (8, 8), (16, 8), (24, 8))
    /// Red in the low byte, the top byte unused.
    package static let xbgr8888 = known(32, (0, 8), (8, 8), (16, 8))
    /// 16 bpp, red in the top 5 bits, green 6, blue 5.
    package static let rgb565 = known(16, (11, 5), (5, 6), (0, 5))
    /// 16 bpp, blue in the top 5 bits, green 6, red 5.
    package static let bgr565 = known(16, (0, 5), (5, 6), (11, 5))
    /// Packed 24 bpp, bytes B, G, R in memory.
    package static let rgb888 = known(24, (16, 8), (8, 8), (0, 8))
    /// Packed 24 bpp, bytes R, G, B in memory.
    package static let bgr888 = known(24, (0, 8), (8, 8), (16, 8))

    /// The bytes of one black pixel in this layout: all zero, except an alpha channel, which is
    /// opaque (so clearing a layout without alpha is a plain memset).
    package var blackPixel: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: bytesPerPixel)
        guard transp.length > 0 else { return bytes }
        let black: UInt32 = 0xFF00_0000
        withUnsafeBytes(of: black) { source in
            bytes.withUnsafeMutableBytes { destination in
                convertRow(from: source.baseAddress!, to: destination.baseAddress!, count: 1)
            }
        }
        return bytes
    }

    /// Converts `count` pixels from a Cairo ARGB32 row at `source` to this layout at `destination`.
    ///
    /// Neither pointer needs any alignment. The rows must not overlap. This runs for every changed
    /// row of every frame, so it works on raw memory with no allocation.
    package func convertRow(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int) {
        guard count > 0 else { return }
        switch conversion {
        case .copy32:
            destination.copyMemory(from: source, byteCount: count * 4)
        case let .shuffle32(red, green, blue, fill):
            for i in 0..<count {
                let word = source.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
                let r = (word >> 16) & 0xFF, g = (word >> 8) & 0xFF, b = word & 0xFF
                // Masking shifts (&<<): Swift's checked `<<` on a variable amount keeps the loop from vectorising.
                let pixel = (r &<< red) | (g &<< green) | (b &<< blue) | fill
                destination.storeBytes(of: pixel, toByteOffset: i &* 4, as: UInt32.self)
            }
        case let .packed24(red, green, blue):
            for i in 0..<count {
                let word = source.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
                let out = i &* 3
                destination.storeBytes(of: UInt8(truncatingIfNeeded: word >> 16), toByteOffset: out &+ red, as: UInt8.self)
                destination.storeBytes(of: UInt8(truncatingIfNeeded: word >> 8), toByteOffset: out &+ green, as: UInt8.self)
                destination.storeBytes(of: UInt8(truncatingIfNeeded: word), toByteOffset: out &+ blue, as: UInt8.self)
            }
        case let .packed16(channels):
            channels.convert(from: source, to: destination, count: count)
        }
    }

    /// How rows are converted, decided once when the layout is chosen.
    enum Conversion: Sendable, Hashable {
        /// Same layout as Cairo's ARGB32.
        case copy32
        /// 8-bit channels moved to other byte positions; `fill` sets the alpha or unused byte.
        case shuffle32(red: UInt32, green: UInt32, blue: UInt32, fill: UInt32)
        /// Byte index of each channel inside the 3-byte pixel.
        case packed24(red: Int, green: Int, blue: Int)
        case packed16(PackedChannels)
    }

    /// A 16-bit layout: each channel scaled from 8 bits to its width, rounded to nearest.
    struct PackedChannels: Sendable, Hashable {
        let redShift: UInt32, redMax: UInt32
        let greenShift: UInt32, greenMax: UInt32
        let blueShift: UInt32, blueMax: UInt32
        let fill: UInt32

        init(red: PixelBitfield, green: PixelBitfield, blue: PixelBitfield, fill: UInt32) {
            redShift = UInt32(red.offset)
            redMax = (1 << UInt32(red.length)) - 1
            greenShift = UInt32(green.offset)
            greenMax = (1 << UInt32(green.length)) - 1
            blueShift = UInt32(blue.offset)
            blueMax = (1 << UInt32(blue.length)) - 1
            self.fill = fill
        }

        /// A channel value 0…255 scaled to 0…max: round(value × max / 255) in integers.
        ///
        /// x / 255 is computed as (x + 1 + x >> 8) >> 8, exact for every x up to 255 × 255 + 127
        /// (checked for all values and all widths 1–8), and about a third faster than the division.
        @inline(__always)
        static func scale(_ value: UInt32, _ max: UInt32) -> UInt32 {
            let x = value &* max &+ 127
            return (x &+ 1 &+ (x &>> 8)) &>> 8
        }

        func convert(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int) {
            // Copies into locals so the loop keeps them in registers.
            let (rs, rm, gs, gm, bs, bm, fill) = (redShift, redMax, greenShift, greenMax, blueShift, blueMax, fill)
            for i in 0..<count {
                let word = source.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
                let r = Self.scale((word >> 16) & 0xFF, rm)
                let g = Self.scale((word >> 8) & 0xFF, gm)
                let b = Self.scale(word & 0xFF, bm)
                let pixel = (r &<< rs) | (g &<< gs) | (b &<< bs) | fill
                destination.storeBytes(of: UInt16(truncatingIfNeeded: pixel), toByteOffset: i &* 2, as: UInt16.self)
            }
        }
    }

    /// Channels from the most significant bit down, with `X` for unused bits: `XRGB8888`, `RGB565`.
    private static func fourccName(bitsPerPixel: Int, red: PixelBitfield, green: PixelBitfield,
                                   blue: PixelBitfield, transp: PixelBitfield) -> String {
        var parts: [(letter: Character, offset: Int, length: Int)] = [
            ("R", red.offset, red.length), ("G", green.offset, green.length), ("B", blue.offset, blue.length),
        ]
        if transp.length > 0 { parts.append(("A", transp.offset, transp.length)) }
        parts.sort { $0.offset < $1.offset }
        // Unused gaps between and around the channels become X.
        var withGaps: [(letter: Character, offset: Int, length: Int)] = []
        var next = 0
        for part in parts {
            if part.offset > next { withGaps.append(("X", next, part.offset - next)) }
            withGaps.append(part)
            next = part.offset + part.length
        }
        if next < bitsPerPixel { withGaps.append(("X", next, bitsPerPixel - next)) }
        withGaps.reverse()
        return String(withGaps.map(\.letter)) + withGaps.map { String($0.length) }.joined()
    }
}
