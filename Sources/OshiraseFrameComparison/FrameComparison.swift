package import OshiraseImaging

/// How closely a captured screen matches a reference frame: the share of pixels whose every
/// colour channel is within a tolerance. For the emulated box (`scripts/e2e-box`), where the
/// guest screen, read by QEMU, is compared with `oshirase render` of the same instant; text
/// anti-aliasing may differ by a few levels, so exact bytes are not the measure.
package struct FrameComparison: Sendable, Equatable, CustomStringConvertible {
    /// Pixels compared.
    package var pixels: Int
    /// Pixels within the tolerance on every channel.
    package var matching: Int
    /// The largest difference on any channel of any pixel.
    package var largestDifference: Int
    /// The levels per channel a pixel may differ by and still match.
    package var tolerance: Int

    /// `matching` as a percentage of `pixels` (100 for an empty comparison).
    package var share: Double { pixels == 0 ? 100 : Double(matching) * 100 / Double(pixels) }

    package var description: String {
        "\(formatted(share)) % of \(pixels) pixels within \(tolerance) levels (largest difference \(largestDifference))"
    }

    /// Compares `reference` with the part of `capture` whose top-left corner is at `offset`.
    /// Only the opaque colour channels count; a reference that does not fit is an error.
    package static func compare(_ reference: Bitmap, with capture: Bitmap, at offset: (x: Int, y: Int) = (0, 0),
                               tolerance: Int) throws(ImageError) -> FrameComparison {
        guard offset.x >= 0, offset.y >= 0, offset.x + reference.width <= capture.width,
              offset.y + reference.height <= capture.height else {
            throw ImageError(.tooLarge, "a \(reference.width)×\(reference.height) frame at (\(offset.x), \(offset.y)) does not fit in the \(capture.width)×\(capture.height) capture")
        }
        var result = FrameComparison(pixels: reference.width * reference.height, matching: 0, largestDifference: 0, tolerance: tolerance)
        let channels = [PixelLayout.red, PixelLayout.green, PixelLayout.blue]
        reference.pixels.withUnsafeBufferPointer { ref in
            capture.pixels.withUnsafeBufferPointer { cap in
                for y in 0..<reference.height {
                    let refRow = y * reference.stride
                    let capRow = (y + offset.y) * capture.stride + offset.x * 4
                    for x in 0..<reference.width {
                        var worst = 0
                        for c in channels {
                            worst = max(worst, abs(Int(ref[refRow + x * 4 + c]) - Int(cap[capRow + x * 4 + c])))
                        }
                        if worst <= tolerance { result.matching += 1 }
                        result.largestDifference = max(result.largestDifference, worst)
                    }
                }
            }
        }
        return result
    }

    /// How much of `capture` outside the rectangle at `offset` of `size` is `colour` (within the
    /// tolerance): an LED wall's region leaves the rest of the output black.
    package static func surroundings(of capture: Bitmap, outside offset: (x: Int, y: Int), size: (width: Int, height: Int),
                                    colour: (r: UInt8, g: UInt8, b: UInt8) = (0, 0, 0), tolerance: Int) -> FrameComparison {
        var result = FrameComparison(pixels: 0, matching: 0, largestDifference: 0, tolerance: tolerance)
        for y in 0..<capture.height {
            for x in 0..<capture.width {
                if x >= offset.x && x < offset.x + size.width && y >= offset.y && y < offset.y + size.height { continue }
                let base = y * capture.stride + x * 4
                let worst = max(abs(Int(capture.pixels[base + PixelLayout.red]) - Int(colour.r)),
                                abs(Int(capture.pixels[base + PixelLayout.green]) - Int(colour.g)),
                                abs(Int(capture.pixels[base + PixelLayout.blue]) - Int(colour.b)))
                result.pixels += 1
                if worst <= tolerance { result.matching += 1 }
                result.largestDifference = max(result.largestDifference, worst)
            }
        }
        return result
    }
}

/// `99.87`: two decimals, rounded down, so 99.999 % never prints as a perfect 100.00.
func formatted(_ share: Double) -> String {
    let hundredths = Int((share * 100).rounded(.down))
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// Binary PPM (`P6`, 8 bits per channel): what QEMU's `screendump` writes.
package enum PPM {
    /// Decodes a P6 image into an opaque bitmap. Comments, other maxima than 255 and sizes
    /// over `maxPixels` are refused.
    package static func decode(_ data: [UInt8], maxPixels: Int = 50_000_000) throws(ImageError) -> Bitmap {
        var index = 0
        func token() -> String? {
            while index < data.count, [0x20, 0x09, 0x0A, 0x0D].contains(data[index]) { index += 1 }
            var bytes: [UInt8] = []
            while index < data.count, ![0x20, 0x09, 0x0A, 0x0D].contains(data[index]), bytes.count < 16 {
                bytes.append(data[index])
                index += 1
            }
            return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
        }
        guard token() == "P6" else { throw ImageError(.unknownFormat, "not a binary PPM (P6) image") }
        guard let width = token().flatMap(Int.init), let height = token().flatMap(Int.init), let maximum = token().flatMap(Int.init),
              width > 0, height > 0 else {
            throw ImageError(.corrupt, "the PPM header has no valid width, height and maximum")
        }
        guard maximum == 255 else { throw ImageError(.corrupt, "PPM maximum \(maximum): only 8-bit (255) images are read") }
        guard width.multipliedReportingOverflow(by: height).partialValue <= maxPixels, width <= 1 << 16, height <= 1 << 16 else {
            throw ImageError(.tooLarge, "a \(width)×\(height) PPM is over \(maxPixels) pixels")
        }
        index += 1  // the single white-space byte after the maximum
        guard data.count - index >= width * height * 3 else {
            throw ImageError(.corrupt, "the PPM has \(max(0, data.count - index)) bytes of pixels; a \(width)×\(height) image needs \(width * height * 3)")
        }
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        for i in 0..<(width * height) {
            pixels[i * 4 + PixelLayout.red] = data[index + i * 3]
            pixels[i * 4 + PixelLayout.green] = data[index + i * 3 + 1]
            pixels[i * 4 + PixelLayout.blue] = data[index + i * 3 + 2]
        }
        return Bitmap(width: width, height: height, stride: width * 4, pixels: pixels)
    }
}
