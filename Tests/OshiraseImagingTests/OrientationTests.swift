import Testing
@testable import OshiraseImaging

@Suite("EXIF orientation")
struct OrientationTests {
    /// Corner colours (top left, top right, bottom left, bottom right) once upright, for
    /// `Bitmap.quadrants` (red, green / blue, white) stored with each orientation.
    static let expectedCorners: [Int: [RGBA]] = [
        1: [Colors.red, Colors.green, Colors.blue, Colors.white],
        2: [Colors.green, Colors.red, Colors.white, Colors.blue],
        3: [Colors.white, Colors.blue, Colors.green, Colors.red],
        4: [Colors.blue, Colors.white, Colors.red, Colors.green],
        5: [Colors.red, Colors.blue, Colors.green, Colors.white],
        6: [Colors.blue, Colors.red, Colors.white, Colors.green],
        7: [Colors.white, Colors.green, Colors.blue, Colors.red],
        8: [Colors.green, Colors.white, Colors.red, Colors.blue],
    ]

    @Test(arguments: 1...8, [false, true])
    func eachOrientationTurnsThePictureUpright(orientation: Int, littleEndian: Bool) throws {
        let jpeg = Craft.splice(Craft.exifSegment(orientation: orientation, littleEndian: littleEndian),
                                into: try ImageEncoder.jpeg(.quadrants, quality: 95))
        let decoded = try ImageDecoder.decode(jpeg)
        #expect(decoded.orientation.rawValue == orientation)
        // The stored pixels are reported as they are, not turned.
        #expect(decoded.bitmap.width == 64 && decoded.bitmap.height == 32)

        let upright = decoded.oriented()
        let swapped = orientation >= 5
        #expect(upright.width == (swapped ? 32 : 64))
        #expect(upright.height == (swapped ? 64 : 32))
        let expected = try #require(Self.expectedCorners[orientation])
        for (actual, wanted) in zip(upright.cornerColors, expected) {
            #expect(close(actual, wanted, tolerance: 24), "orientation \(orientation): \(actual) vs \(wanted)")
        }
    }

    @Test func orientedIsExactOnLosslessPixels() {
        // A 3×2 bitmap whose pixels are numbered, so every position is checked.
        let stored = Bitmap.make(width: 3, height: 2) { x, y in (UInt8(y * 3 + x), 0, 0, 255) }
        func numbers(_ b: Bitmap) -> [[UInt8]] {
            (0..<b.height).map { y in (0..<b.width).map { x in b.pixel(x: x, y: y).r } }
        }
        let expected: [Int: [[UInt8]]] = [
            1: [[0, 1, 2], [3, 4, 5]],
            2: [[2, 1, 0], [5, 4, 3]],
            3: [[5, 4, 3], [2, 1, 0]],
            4: [[3, 4, 5], [0, 1, 2]],
            5: [[0, 3], [1, 4], [2, 5]],
            6: [[3, 0], [4, 1], [5, 2]],
            7: [[5, 2], [4, 1], [3, 0]],
            8: [[2, 5], [1, 4], [0, 3]],
        ]
        for orientation in ExifOrientation.allCases {
            let image = DecodedImage(bitmap: stored, orientation: orientation, format: .png)
            #expect(numbers(image.oriented()) == expected[orientation.rawValue], "\(orientation)")
        }
    }

    @Test func jpegWithoutExifIsUp() throws {
        #expect(try ImageDecoder.decode(try ImageEncoder.jpeg(.quadrants)).orientation == .up)
    }

    @Test func outOfRangeOrientationValuesAreIgnored() throws {
        let plain = try ImageEncoder.jpeg(.quadrants)
        for value in [0, 9, 255, 0xFFFF] {
            let jpeg = Craft.splice(Craft.exifSegment(orientation: value, littleEndian: true), into: plain)
            #expect(try ImageDecoder.decode(jpeg).orientation == .up)
        }
        #expect(ExifOrientation(rawValue: 0) == nil)
        #expect(ExifOrientation(rawValue: 9) == nil)
        #expect(ExifOrientation(rawValue: 6) == .right)
    }

    @Test func damagedExifNeverCrashesAndNeverBreaksDecoding() throws {
        let plain = try ImageEncoder.jpeg(.quadrants)
        let segment = Craft.exifSegment(orientation: 6, littleEndian: false)
        var rng = SplitMix64(seed: 42)
        for round in 0..<3000 {
            var damaged = segment
            switch round % 3 {
            case 0:
                // Flip bytes after the segment length, inside "Exif" and the TIFF structure.
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    damaged[Int.random(in: 4..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:
                // Random TIFF bodies after a valid header.
                let tiffStart = 10
                for i in (tiffStart + 4)..<damaged.count { damaged[i] = UInt8.random(in: 0...255, using: &rng) }
            default:
                // A segment length that lies about the size.
                damaged[2] = UInt8.random(in: 0...255, using: &rng)
                damaged[3] = UInt8.random(in: 0...255, using: &rng)
            }
            let jpeg = Craft.splice(damaged, into: plain)
            _ = ExifReader.orientation(inJPEG: jpeg)
            _ = ExifReader.orientation(inJPEG: Array(jpeg.prefix(Int.random(in: 0...40, using: &rng))))
            if round % 3 != 2 {
                // Bad Exif is ignored: the picture still decodes.
                #expect(try ImageDecoder.decode(jpeg).bitmap.width == 64)
            } else {
                // A broken segment length breaks the JPEG itself: an error or a picture, never a crash.
                _ = try? ImageDecoder.decode(jpeg)
            }
        }
    }

    @Test func randomTIFFBytesNeverCrash() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<5000 {
            let count = Int.random(in: 0...64, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if count >= 4 && Bool.random(using: &rng) { bytes.replaceSubrange(0..<4, with: [0x4D, 0x4D, 0, 42]) }
            if let found = ExifReader.orientation(inTIFF: bytes[...]) {
                #expect((1...8).contains(found.rawValue))
            }
        }
    }
}
