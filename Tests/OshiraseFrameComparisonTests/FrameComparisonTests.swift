import Testing
@testable import OshiraseFrameComparison
import OshiraseImaging

/// The measure the emulated box is judged by: captured screens against rendered frames.
@Suite("Frame comparison")
struct FrameComparisonTests {
    /// A P6 file of `width`×`height` pixels, each `pixel(x, y)`.
    static func ppm(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> [UInt8] {
        var bytes = Array("P6\n\(width) \(height)\n255\n".utf8)
        for y in 0..<height { for x in 0..<width { let p = pixel(x, y); bytes += [p.0, p.1, p.2] } }
        return bytes
    }

    @Test func aPPMDecodesToOpaquePixels() throws {
        let bitmap = try PPM.decode(Self.ppm(3, 2) { x, y in (UInt8(x * 10), UInt8(y * 20), 0x5C) })
        #expect(bitmap.width == 3 && bitmap.height == 2)
        #expect(bitmap.pixel(x: 2, y: 1) == (20, 20, 0x5C, 255))
    }

    @Test func aBrokenPPMIsAnErrorNotACrash() {
        for bytes in [Array("P5\n2 2\n255\n".utf8), Array("P6\n2\n".utf8), Array("P6\n2 2\n65535\n".utf8),
                      Array("P6\n2 2\n255\n\u{1}\u{2}".utf8), Array("P6\n99999999 99999999\n255\n".utf8), []] {
            #expect(throws: ImageError.self) { try PPM.decode(bytes) }
        }
    }

    @Test func sharesCountPixelsWithinTheToleranceOnEveryChannel() throws {
        let reference = Bitmap(width: 10, height: 10, fill: (100, 100, 100, 255))
        // 95 pixels off by 8 on red (match), 5 off by 9 on blue (no match).
        let capture = try PPM.decode(Self.ppm(10, 10) { x, y in y == 9 && x < 5 ? (100, 100, 109) : (108, 100, 100) })
        let result = try FrameComparison.compare(reference, with: capture, tolerance: 8)
        #expect(result.pixels == 100 && result.matching == 95 && result.largestDifference == 9)
        #expect(result.description == "95.00 % of 100 pixels within 8 levels (largest difference 9)")
    }

    @Test func aRegionIsComparedAtItsOffsetAndTheRestMustBeBlack() throws {
        let wall = Bitmap(width: 4, height: 3, fill: (200, 0, 0, 255))
        let capture = try PPM.decode(Self.ppm(10, 8) { x, y in (2...5).contains(x) && (1...3).contains(y) ? (200, 0, 0) : (0, 0, 0) })
        #expect(try FrameComparison.compare(wall, with: capture, at: (2, 1), tolerance: 0).share == 100)
        #expect(try FrameComparison.compare(wall, with: capture, at: (0, 0), tolerance: 0).share < 50)
        let around = FrameComparison.surroundings(of: capture, outside: (2, 1), size: (4, 3), tolerance: 0)
        #expect(around.pixels == 80 - 12 && around.share == 100)
        #expect(throws: ImageError.self) { try FrameComparison.compare(wall, with: capture, at: (8, 0), tolerance: 0) }
    }

    @Test func nearlyPerfectIsNotRoundedUpToAHundred() {
        let result = FrameComparison(pixels: 100_000, matching: 99_999, largestDifference: 30, tolerance: 8)
        #expect(result.description.hasPrefix("99.99 %"))
    }

    // Row by row: what a single-buffered framebuffer can promise (scripts/e2e-box).

    /// Two 8×6 frames unlike on every row: old is grey, new is dark blue.
    static let old = Bitmap(width: 8, height: 6, fill: (200, 200, 200, 255))
    static let new = Bitmap(width: 8, height: 6, fill: (20, 40, 120, 255))

    @Test func aCaptureOfOneFrameIsOneBandAndNotTorn() throws {
        let capture = try PPM.decode(Self.ppm(8, 6) { _, _ in (22, 38, 121) })
        let result = try RowComparison.compare([Self.old, Self.new], with: capture, tolerance: 8, rowMinimum: 99)
        #expect(result.bands == [RowComparison.Band(reference: 1, rows: 0..<6)])
        #expect(!result.isTorn && result.tears == 0 && result.unmatchedRows.isEmpty && result.share == 100)
    }

    @Test func theNewFrameAboveTheOldIsOneTearWithEveryRowAccountedFor() throws {
        // Rows 0–2 new, row 3 caught mid-copy (left half new), rows 4–5 old.
        let capture = try PPM.decode(Self.ppm(8, 6) { x, y in
            y < 3 || (y == 3 && x < 4) ? (20, 40, 120) : (200, 200, 200)
        })
        let result = try RowComparison.compare([Self.old, Self.new], with: capture, tolerance: 8, rowMinimum: 99)
        #expect(result.bands == [RowComparison.Band(reference: 1, rows: 0..<3), RowComparison.Band(reference: 0, rows: 4..<6)])
        #expect(result.isTorn && result.tears == 1)
        #expect(result.mixedRows == [3] && result.unmatchedRows.isEmpty && result.share == 100)
        #expect(result.description.contains("torn: rows 0–2 of #2, rows 4–5 of #1"), "\(result)")
    }

    @Test func blackOrGarbageRowsMatchNoFrame() throws {
        let capture = try PPM.decode(Self.ppm(8, 6) { x, y in
            y == 1 ? (0, 0, 0) : y == 4 && x == 2 ? (255, 0, 255) : (200, 200, 200)
        })
        let result = try RowComparison.compare([Self.old, Self.new], with: capture, tolerance: 8, rowMinimum: 99)
        #expect(result.unmatchedRows == [1, 4], "\(result)")
        #expect(result.worstRowShare == 0)
        #expect(result.description.contains("2 row(s) match no frame, first 1"))
        // With a row allowed one stray pixel in eight, only the black row is left.
        let lenient = try RowComparison.compare([Self.old, Self.new], with: capture, tolerance: 8, rowMinimum: 87)
        #expect(lenient.unmatchedRows == [1])
    }

    @Test func rowsAlikeInBothFramesJoinTheBandAroundThem() throws {
        // The frames share a white top row; the capture shows the new frame below it: one band.
        var old = Self.old, new = Self.new
        for x in 0..<8 {
            for c in 0..<3 { old.pixels[x * 4 + c] = 255; new.pixels[x * 4 + c] = 255 }
        }
        let capture = try PPM.decode(Self.ppm(8, 6) { _, y in y == 0 ? (255, 255, 255) : (20, 40, 120) })
        let result = try RowComparison.compare([old, new], with: capture, tolerance: 0, rowMinimum: 100)
        #expect(result.bands == [RowComparison.Band(reference: 1, rows: 0..<6)] && !result.isTorn)
    }

    @Test func referencesOfOtherSizesOrOutsideTheCaptureAreErrors() throws {
        let capture = try PPM.decode(Self.ppm(8, 6) { _, _ in (0, 0, 0) })
        #expect(throws: ImageError.self) { try RowComparison.compare([], with: capture, tolerance: 8, rowMinimum: 99) }
        #expect(throws: ImageError.self) {
            try RowComparison.compare([Self.old, Bitmap(width: 4, height: 6, fill: (0, 0, 0, 255))], with: capture, tolerance: 8, rowMinimum: 99)
        }
        #expect(throws: ImageError.self) { try RowComparison.compare([Self.old], with: capture, at: (1, 0), tolerance: 8, rowMinimum: 99) }
    }

    @Test func mixedRowsAnywhereButAtATearMatchNoFrame() throws {
        // Every row half new, half old: no band, so not "one frame"; every row matches no frame.
        let allMixed = try PPM.decode(Self.ppm(8, 6) { x, _ in x < 4 ? (20, 40, 120) : (200, 200, 200) })
        let result = try RowComparison.compare([Self.old, Self.new], with: allMixed, tolerance: 8, rowMinimum: 99)
        #expect(result.bands.isEmpty && result.mixedRows.isEmpty && result.unmatchedRows == Array(0..<6), "\(result)")
        // A mixed row inside rows of one frame is no tear's row either.
        let inside = try PPM.decode(Self.ppm(8, 6) { x, y in y == 2 && x < 4 ? (20, 40, 120) : (200, 200, 200) })
        let second = try RowComparison.compare([Self.old, Self.new], with: inside, tolerance: 8, rowMinimum: 99)
        #expect(second.unmatchedRows == [2] && second.mixedRows.isEmpty, "\(second)")
    }
}
