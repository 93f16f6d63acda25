import Testing
@testable import OshiraseImaging

@Suite("Encoding and decoding round trips")
struct RoundTripTests {
    @Test func pngRoundTripGivesTheSamePixels() throws {
        var rng = SplitMix64(seed: 7)
        // A padded stride checks that the encoder honours it.
        let original = Bitmap.make(width: 37, height: 23, stride: 37 * 4 + 12) { _, _ in
            (UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng),
             UInt8.random(in: 0...255, using: &rng), 255)
        }
        let png = try ImageEncoder.png(original)
        #expect(ImageFormat.sniff(png) == .png)
        let decoded = try ImageDecoder.decode(png)
        #expect(decoded.format == .png)
        #expect(decoded.orientation == .up)
        #expect(decoded.bitmap.stride == 37 * 4)
        #expect(decoded.bitmap.samePixels(as: original))
    }

    @Test func jpegRoundTripStaysWithinTolerance() throws {
        let original = Bitmap.make(width: 96, height: 64) { x, y in
            (UInt8(x * 255 / 95), UInt8(y * 255 / 63), UInt8(64 + (x + y) * 127 / 158), 255)
        }
        let jpeg = try ImageEncoder.jpeg(original, quality: 90)
        #expect(ImageFormat.sniff(jpeg) == .jpeg)
        let decoded = try ImageDecoder.decode(jpeg)
        #expect(decoded.format == .jpeg)
        #expect(decoded.bitmap.width == 96 && decoded.bitmap.height == 64)
        let difference = decoded.bitmap.difference(from: original)
        #expect(difference.mean < 3, "mean error \(difference.mean)")
        #expect(difference.max < 24, "max error \(difference.max)")
        #expect(decoded.bitmap.pixel(x: 10, y: 10).a == 255)
    }

    @Test func jpegQualityChangesTheSize() throws {
        var rng = SplitMix64(seed: 3)
        let noisy = Bitmap.make(width: 64, height: 64) { _, _ in
            let v = UInt8.random(in: 0...255, using: &rng)
            return (v, v, v, 255)
        }
        let low = try ImageEncoder.jpeg(noisy, quality: 20)
        let high = try ImageEncoder.jpeg(noisy, quality: 95)
        #expect(low.count < high.count)
        // Out-of-range qualities are clamped, not refused.
        #expect(try ImageDecoder.decode(try ImageEncoder.jpeg(noisy, quality: 500)).bitmap.width == 64)
    }

    @Test func grayscaleJpegDecodesToGreyPixels() throws {
        let original = Bitmap.make(width: 32, height: 32) { x, _ in
            let v = UInt8(x * 8)
            return (v, v, v, 255)
        }
        let jpeg = try ImageEncoder.compressJPEG(original, as: .grayscale, quality: 95)
        let bitmap = try ImageDecoder.decode(jpeg).bitmap
        for x in stride(from: 0, to: 32, by: 5) {
            let p = bitmap.pixel(x: x, y: 16)
            #expect(p.r == p.g && p.g == p.b && p.a == 255)
            #expect(abs(Int(p.r) - x * 8) <= 6)
        }
    }

    @Test func cmykJpegDecodesToRGB() throws {
        // Inverted CMYK bytes (Adobe's convention): red is C=255 M=0 Y=0 K=255, white is all 255.
        var cmyk = [UInt8]()
        for _ in 0..<32 {
            for x in 0..<32 { cmyk += x < 16 ? [255, 0, 0, 255] : [255, 255, 255, 255] }
        }
        let source = Bitmap(width: 32, height: 32, stride: 128, pixels: cmyk)
        let jpeg = try ImageEncoder.compressJPEG(source, as: .cmyk, quality: 95)
        let bitmap = try ImageDecoder.decode(jpeg).bitmap
        #expect(close(bitmap.pixel(x: 4, y: 16), Colors.red, tolerance: 12))
        #expect(close(bitmap.pixel(x: 27, y: 16), Colors.white, tolerance: 12))
    }

    @Test func pngAlphaIsPremultipliedForCairo() throws {
        // RGBA rows: a half-transparent orange, a fully transparent pixel, an opaque one.
        let rows: [UInt8] = [0, 200, 100, 50, 128, 9, 9, 9, 0, 10, 20, 30, 255]
        let png = Craft.png(width: 3, height: 1, colorType: 6, rawRows: rows)
        let bitmap = try ImageDecoder.decode(png).bitmap
        #expect(bitmap.pixel(x: 0, y: 0) == (100, 50, 25, 128))
        #expect(bitmap.pixel(x: 1, y: 0) == (0, 0, 0, 0))
        #expect(bitmap.pixel(x: 2, y: 0) == (10, 20, 30, 255))
    }

    @Test func grayscalePngDecodesToGreyPixels() throws {
        let png = Craft.png(width: 2, height: 1, colorType: 0, rawRows: [0, 0, 200])
        let bitmap = try ImageDecoder.decode(png).bitmap
        #expect(bitmap.pixel(x: 0, y: 0) == (0, 0, 0, 255))
        #expect(bitmap.pixel(x: 1, y: 0) == (200, 200, 200, 255))
    }

    @Test func fillInitialiserStoresTheColourInCairoOrder() {
        let bitmap = Bitmap(width: 2, height: 3, fill: (r: 1, g: 2, b: 3, a: 255))
        #expect(bitmap.stride == 8 && bitmap.pixels.count == 24)
        #expect(bitmap.pixel(x: 1, y: 2) == (1, 2, 3, 255))
        #if _endian(little)
        #expect(Array(bitmap.pixels[0..<4]) == [3, 2, 1, 255])
        #endif
    }

    @Test func emptyOrShortBitmapsAreNotEncoded() {
        let empty = Bitmap(width: 0, height: 0, stride: 0, pixels: [])
        #expect(throws: ImageError.self) { try ImageEncoder.png(empty) }
        var short = Bitmap(width: 4, height: 4, fill: (0, 0, 0, 255))
        short.pixels.removeLast(5)
        let error = #expect(throws: ImageError.self) { try ImageEncoder.jpeg(short) }
        #expect(error?.code == .encodeFailed)
    }
}
