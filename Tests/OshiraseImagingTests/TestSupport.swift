import Foundation
import Testing
@testable import OshiraseImaging

/// A colour as the tests name it.
typealias RGBA = (r: UInt8, g: UInt8, b: UInt8, a: UInt8)

/// Whether two colours agree within `tolerance` per channel.
func close(_ a: RGBA, _ b: RGBA, tolerance: Int) -> Bool {
    abs(Int(a.r) - Int(b.r)) <= tolerance && abs(Int(a.g) - Int(b.g)) <= tolerance
        && abs(Int(a.b) - Int(b.b)) <= tolerance && abs(Int(a.a) - Int(b.a)) <= tolerance
}

enum Colors {
    static let red: RGBA = (255, 0, 0, 255)
    static let green: RGBA = (0, 255, 0, 255)
    static let blue: RGBA = (0, 0, 255, 255)
    static let white: RGBA = (255, 255, 255, 255)
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Bitmap {
    /// A bitmap filled pixel by pixel.
    static func make(width: Int, height: Int, stride: Int? = nil, _ color: (Int, Int) -> RGBA) -> Bitmap {
        let stride = stride ?? width * 4
        var pixels = [UInt8](repeating: 0xEE, count: stride * height)
        for y in 0..<height {
            for x in 0..<width {
                let c = color(x, y), o = y * stride + x * 4
                pixels[o + PixelLayout.red] = c.r
                pixels[o + PixelLayout.green] = c.g
                pixels[o + PixelLayout.blue] = c.b
                pixels[o + PixelLayout.alpha] = c.a
            }
        }
        return Bitmap(width: width, height: height, stride: stride, pixels: pixels)
    }

    /// 64×32 with quadrants red (top left), green (top right), blue (bottom left), white (bottom right).
    /// Quadrant edges fall on 16-pixel JPEG MCU boundaries, so colours survive 4:2:0 encoding.
    static let quadrants = Bitmap.make(width: 64, height: 32) { x, y in
        switch (x < 32, y < 16) {
        case (true, true): Colors.red
        case (false, true): Colors.green
        case (true, false): Colors.blue
        case (false, false): Colors.white
        }
    }

    /// The pixel colour at the centre of each corner quadrant: top left, top right, bottom left, bottom right.
    var cornerColors: [RGBA] {
        let qx = width / 4, qy = height / 4
        return [pixel(x: qx, y: qy), pixel(x: width - 1 - qx, y: qy),
                pixel(x: qx, y: height - 1 - qy), pixel(x: width - 1 - qx, y: height - 1 - qy)]
    }

    /// Whether every pixel matches `other` exactly, ignoring stride padding.
    func samePixels(as other: Bitmap) -> Bool {
        guard width == other.width, height == other.height else { return false }
        for y in 0..<height {
            for x in 0..<width where pixel(x: x, y: y) != other.pixel(x: x, y: y) {
                return false
            }
        }
        return true
    }

    /// Mean and maximum per-channel difference of the colour channels against `other` (same size).
    func difference(from other: Bitmap) -> (mean: Double, max: Int) {
        var total = 0, largest = 0
        for y in 0..<height {
            for x in 0..<width {
                let a = pixel(x: x, y: y), b = other.pixel(x: x, y: y)
                for d in [Int(a.r) - Int(b.r), Int(a.g) - Int(b.g), Int(a.b) - Int(b.b)] {
                    total += abs(d)
                    largest = max(largest, abs(d))
                }
            }
        }
        return (Double(total) / Double(width * height * 3), largest)
    }
}

/// Builds PNG and JPEG byte streams by hand for the tests that need unusual ones.
enum Craft {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func bigEndian32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian32(UInt32(body.count)) + typed + bigEndian32(crc32(typed))
    }

    /// A zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65_535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<offset + n]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return out + bigEndian32(b << 16 | a)
    }

    /// A PNG with the given header and raw (filter byte + samples) scanlines.
    static func png(width: UInt32, height: UInt32, colorType: UInt8, rawRows: [UInt8]) -> [UInt8] {
        let ihdr = bigEndian32(width) + bigEndian32(height) + [8, colorType, 0, 0, 0]
        return ImageFormat.pngSignature + chunk("IHDR", ihdr) + chunk("IDAT", zlibStored(rawRows)) + chunk("IEND", [])
    }

    /// An APP1 Exif segment holding IFD0 with only the orientation tag.
    static func exifSegment(orientation: Int, littleEndian: Bool) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] {
            littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)]
        }
        func u32(_ v: Int) -> [UInt8] {
            littleEndian ? u16(v & 0xFFFF) + u16(v >> 16) : u16(v >> 16) + u16(v & 0xFFFF)
        }
        let tiff = (littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]) + u16(42) + u32(8)
            + u16(1) + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0) + u32(0)
        let body = Array("Exif".utf8) + [0, 0] + tiff
        let length = body.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body
    }

    /// The JPEG with `segment` inserted straight after SOI.
    static func splice(_ segment: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg[0..<2]) + segment + Array(jpeg[2...])
    }

    /// The JPEG with its frame header's size replaced.
    static func withFrameSize(_ jpeg: [UInt8], width: Int, height: Int) -> [UInt8]? {
        var bytes = jpeg
        var i = 2
        while i + 9 < bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            if (0xC0...0xC2).contains(marker) {
                bytes[i + 5] = UInt8(height >> 8); bytes[i + 6] = UInt8(height & 0xFF)
                bytes[i + 7] = UInt8(width >> 8); bytes[i + 8] = UInt8(width & 0xFF)
                return bytes
            }
            i += 2 + (Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]))
        }
        return nil
    }
}

/// A fresh directory under the system's temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("oshirase-imaging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// `fixtures/images/NAME` in the repository.
func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/images").appendingPathComponent(name).path
}

/// The `ImageError` that `body` throws, or `nil` when it succeeds; any other error is recorded as an issue.
func imageError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ImageError? {
    do {
        try body()
        return nil
    } catch let error as ImageError {
        return error
    } catch {
        Issue.record("expected an ImageError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
