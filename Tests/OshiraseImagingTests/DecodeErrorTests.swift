import Testing
@testable import OshiraseImaging

@Suite("Bad input gives a clear error")
struct DecodeErrorTests {
    @Test func zeroBytesAreEmpty() {
        let e = imageError { _ = try ImageDecoder.decode([]) }
        #expect(e?.code == .empty)
    }

    @Test func randomGarbageIsAnUnknownFormat() {
        var rng = SplitMix64(seed: 1)
        let garbage = [0x00] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let e = imageError { _ = try ImageDecoder.decode(garbage) }
        #expect(e?.code == .unknownFormat)
        #expect(e?.message.hasPrefix("data is neither a JPEG nor a PNG image (starts with bytes 00 ") == true)
    }

    @Test func textShowsItsFirstCharacters() {
        let e = imageError { _ = try ImageDecoder.decode(Array("<!DOCTYPE html><html>".utf8)) }
        #expect(e?.message == "data is neither a JPEG nor a PNG image (starts with \"<!DOCTYP\")")
    }

    @Test func truncatedJpegIsCorrupt() throws {
        var rng = SplitMix64(seed: 5)
        let noisy = Bitmap.make(width: 128, height: 128) { _, _ in
            (UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng), 90, 255)
        }
        let jpeg = try ImageEncoder.jpeg(noisy)
        for fraction in [0.3, 0.6, 0.95] {
            let cut = Array(jpeg.prefix(Int(Double(jpeg.count) * fraction)))
            let e = imageError { _ = try ImageDecoder.decode(cut) }
            #expect(e?.code == .corrupt)
            #expect(e?.message.hasPrefix("truncated JPEG data (premature end") == true, "\(e?.message ?? "")")
        }
    }

    @Test func jpegWithOnlyAMarkerIsCorrupt() {
        let e = imageError { _ = try ImageDecoder.decode([0xFF, 0xD8, 0xFF, 0xE0, 0x00]) }
        #expect(e?.code == .corrupt)
    }

    @Test func truncatedPngIsCorrupt() throws {
        var rng = SplitMix64(seed: 6)
        let noisy = Bitmap.make(width: 64, height: 64) { _, _ in
            (UInt8.random(in: 0...255, using: &rng), 0, 0, 255)
        }
        let png = try ImageEncoder.png(noisy)
        for length in [12, 40, png.count / 2, png.count - 13] {
            let e = imageError { _ = try ImageDecoder.decode(Array(png.prefix(length))) }
            #expect(e?.code == .corrupt, "cut at \(length): \(e?.message ?? "no error")")
        }
    }

    @Test func pngWithABadChecksumIsCorrupt() throws {
        var png = try ImageEncoder.png(.quadrants)
        png[png.count / 2] ^= 0xFF  // inside IDAT: its CRC no longer matches
        let e = imageError { _ = try ImageDecoder.decode(png) }
        #expect(e?.code == .corrupt)
    }

    @Test func pngDecompressionBombIsRefusedFromItsHeader() {
        // 30000×30000 RGB claims 3.6 GB decoded; the data holds one empty row.
        let bomb = Craft.png(width: 30_000, height: 30_000, colorType: 2, rawRows: [UInt8](repeating: 0, count: 90_001))
        let e = imageError { _ = try ImageDecoder.decode(bomb) }
        // tooLarge, not corrupt: the refusal came from the header, before any pixel buffer existed.
        #expect(e?.code == .tooLarge)
        #expect(e?.message == "image is 30000×30000 (900.0 MP), more than the 50 MP limit")
    }

    @Test func jpegDecompressionBombIsRefusedFromItsHeader() throws {
        let small = try ImageEncoder.jpeg(Bitmap(width: 16, height: 16, fill: (9, 9, 9, 255)))
        let bomb = try #require(Craft.withFrameSize(small, width: 30_000, height: 30_000))
        let e = imageError { _ = try ImageDecoder.decode(bomb) }
        #expect(e?.code == .tooLarge)
        #expect(e?.message == "image is 30000×30000 (900.0 MP), more than the 50 MP limit")
    }

    @Test func pixelLimitIsConfigurable() throws {
        let png = try ImageEncoder.png(.quadrants)  // 64×32 = 2048 pixels
        #expect(try ImageDecoder.decode(png, maxPixels: 2048).bitmap.width == 64)
        let e = imageError { _ = try ImageDecoder.decode(png, maxPixels: 2047) }
        #expect(e?.message == "image is 64×32 (2048 pixels), more than the 2047 pixels limit")
    }

    @Test func zeroSizedPngHeaderIsCorrupt() {
        let png = Craft.png(width: 0, height: 5, colorType: 2, rawRows: [0])
        #expect(imageError { _ = try ImageDecoder.decode(png) }?.code == .corrupt)
    }
}
