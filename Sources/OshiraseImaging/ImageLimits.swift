/// Size limits shared by the decoders and encoders, and how to describe a breach of one.
enum ImageLimits {
    /// Files above this are refused before they are read into memory.
    static let maxFileBytes = 64 * 1024 * 1024

    /// A `tooLarge` error when `width × height` exceeds `maxPixels`.
    static func pixelCountError(width: Int, height: Int, maxPixels: Int) -> ImageError? {
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard overflow || count > maxPixels else { return nil }
        let size = overflow ? "too many pixels" : describePixels(count, exact: false)
        return ImageError(.tooLarge,
                          "image is \(width)×\(height) (\(size)), more than the \(describePixels(maxPixels, exact: true)) limit")
    }

    /// Traps nothing: returns an `encodeFailed` error for bitmaps no encoder can take.
    static func checkEncodable(_ bitmap: PixelView, maxSide: Int) throws(ImageError) {
        guard bitmap.width > 0, bitmap.height > 0 else {
            throw ImageError(.encodeFailed, "cannot encode an empty \(bitmap.width)×\(bitmap.height) image")
        }
        guard bitmap.width <= maxSide, bitmap.height <= maxSide else {
            throw ImageError(.encodeFailed,
                             "cannot encode a \(bitmap.width)×\(bitmap.height) image: the format allows at most \(maxSide) pixels a side")
        }
        guard bitmap.stride >= bitmap.width * 4, bitmap.stride <= Int(Int32.max),
              bitmap.byteCount >= bitmap.stride * bitmap.height
        else {
            throw ImageError(.encodeFailed,
                             "bitmap has \(bitmap.byteCount) bytes, fewer than stride×height = \(bitmap.stride)×\(bitmap.height)")
        }
    }

    /// "900.0 MP", or "1200 pixels" for counts too small for megapixels to read well.
    /// With `exact`, whole megapixels print without a decimal ("50 MP").
    static func describePixels(_ count: Int, exact: Bool) -> String {
        if count < 100_000 { return "\(count) pixels" }
        if exact && count % 1_000_000 == 0 { return "\(count / 1_000_000) MP" }
        let tenths = (count + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) MP"
    }

    /// "80.0 MiB".
    static func describeBytes(_ count: Int) -> String {
        let mebi = 1024 * 1024
        if count % mebi == 0 { return "\(count / mebi) MiB" }
        let tenths = (count * 10 + mebi / 2) / mebi
        return "\(tenths / 10).\(tenths % 10) MiB"
    }
}
