/// EXIF orientation 1...8 (1 = upright): how the stored pixels must be turned to show the picture upright.
///
/// The names say where the picture's top ended up in the stored pixels, as Apple's
/// `CGImagePropertyOrientation` names them.
public struct ExifOrientation: RawRepresentable, Sendable, Equatable, Hashable, CaseIterable, CustomStringConvertible {
    /// The EXIF tag 0x0112 value, 1...8.
    public let rawValue: Int

    /// Accepts only the values EXIF defines, 1...8.
    public init?(rawValue: Int) {
        guard (1...8).contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    private init(_ value: Int) { rawValue = value }

    /// 1: stored upright.
    public static let up = ExifOrientation(1)
    /// 2: mirrored left to right.
    package static let upMirrored = ExifOrientation(2)
    /// 3: turned 180°.
    package static let down = ExifOrientation(3)
    /// 4: mirrored top to bottom.
    package static let downMirrored = ExifOrientation(4)
    /// 5: transposed (mirrored about the top-left to bottom-right diagonal).
    package static let leftMirrored = ExifOrientation(5)
    /// 6: must be turned 90° clockwise to show upright (a phone held upright).
    package static let right = ExifOrientation(6)
    /// 7: transversed (mirrored about the top-right to bottom-left diagonal).
    package static let rightMirrored = ExifOrientation(7)
    /// 8: must be turned 90° counter-clockwise to show upright.
    public static let left = ExifOrientation(8)

    /// All eight orientations in tag order.
    public static let allCases: [ExifOrientation] = (1...8).map(ExifOrientation.init)

    /// Whether showing the picture upright swaps its width and height (orientations 5...8).
    package var swapsWidthAndHeight: Bool { rawValue >= 5 }

    /// "orientation N".
    public var description: String { "orientation \(rawValue)" }
}

extension DecodedImage {
    /// The bitmap turned and mirrored so the picture is upright; `bitmap` itself when already `.up`.
    package func oriented() -> Bitmap {
        bitmap.applying(orientation)
    }
}

extension Bitmap {
    /// The upright bitmap for pixels stored with the given EXIF orientation.
    func applying(_ orientation: ExifOrientation) -> Bitmap {
        if orientation == .up { return self }
        let w = width, h = height
        let outWidth = orientation.swapsWidthAndHeight ? h : w
        let outHeight = orientation.swapsWidthAndHeight ? w : h
        let outStride = outWidth * 4
        let raw = orientation.rawValue
        var out = [UInt8](repeating: 0, count: outStride * outHeight)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outHeight {
                    for ox in 0..<outWidth {
                        // (sx, sy): the stored pixel shown at (ox, oy) once upright.
                        let sx: Int, sy: Int
                        switch raw {
                        case 2: (sx, sy) = (w - 1 - ox, oy)
                        case 3: (sx, sy) = (w - 1 - ox, h - 1 - oy)
                        case 4: (sx, sy) = (ox, h - 1 - oy)
                        case 5: (sx, sy) = (oy, ox)
                        case 6: (sx, sy) = (oy, h - 1 - ox)
                        case 7: (sx, sy) = (w - 1 - oy, h - 1 - ox)
                        case 8: (sx, sy) = (w - 1 - oy, ox)
                        default: (sx, sy) = (ox, oy)
                        }
                        let s = sy * stride + sx * 4
                        let d = oy * outStride + ox * 4
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                        dst[d + 3] = src[s + 3]
                    }
                }
            }
        }
        return Bitmap(width: outWidth, height: outHeight, stride: outStride, pixels: out)
    }
}
