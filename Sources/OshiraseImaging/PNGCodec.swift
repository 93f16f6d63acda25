#if canImport(Glibc)
import Glibc
#endif
import CPNG

/// libpng's simplified API (`png_image_*`), which reports errors by return value rather than `longjmp`.
enum PNGCodec {
    /// Decodes PNG data into premultiplied Cairo ARGB32 pixels, refusing images above `maxPixels` before allocating.
    static func decode(_ data: [UInt8], maxPixels: Int) throws(ImageError) -> Bitmap {
        var image = png_image()
        image.version = oshirase_png_image_version()
        // Frees libpng's state on every path; a no-op once finish_read has released it.
        defer { png_image_free(&image) }

        let result: Result<Bitmap, ImageError> = data.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress,
                  png_image_begin_read_from_memory(&image, base, input.count) != 0
            else {
                return .failure(ImageError(.corrupt, describeReadFailure(message(of: image))))
            }
            let width = Int(image.width), height = Int(image.height)
            guard width > 0, height > 0 else {
                return .failure(ImageError(.corrupt, "damaged PNG data (header gives a size of \(width)×\(height))"))
            }
            if let error = ImageLimits.pixelCountError(width: width, height: height, maxPixels: maxPixels) {
                return .failure(error)
            }
            #if _endian(big)
            image.format = oshirase_png_format_argb()
            #else
            image.format = oshirase_png_format_bgra()
            #endif
            let stride = width * 4
            let byteCount = stride * height
            guard oshirase_png_image_size(&image) == byteCount else {
                return .failure(ImageError(.corrupt, "PNG buffer size disagrees with its \(width)×\(height) header"))
            }
            var succeeded = false
            let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
                succeeded = png_image_finish_read(&image, nil, buffer.baseAddress, Int32(stride), nil) != 0
                initialized = succeeded ? byteCount : 0
            }
            guard succeeded else {
                return .failure(ImageError(.corrupt, describeReadFailure(message(of: image))))
            }
            var bitmap = Bitmap(width: width, height: height, stride: stride, pixels: pixels)
            premultiply(&bitmap.pixels)
            return .success(bitmap)
        }
        return try result.get()
    }

    /// Encodes as 8-bit RGB PNG with fast settings (zlib level 1, no filter), straight from
    /// Cairo-layout rows: libpng drops the alpha byte and swaps to RGB as it writes each row.
    ///
    /// Alpha is dropped: premultiplied colours are the picture composited over black,
    /// which is exact for the opaque frames this is meant for.
    static func encode(_ view: PixelView) throws(ImageError) -> [UInt8] {
        try ImageLimits.checkEncodable(view, maxSide: Int(Int32.max) / 4)
        var out = oshirase_png_output()
        defer { free(out.data) }
        let ok = oshirase_png_encode_argb32(view.base.assumingMemoryBound(to: UInt8.self), UInt32(view.width),
                                            UInt32(view.height), view.stride, 1, &out)
        guard ok != 0, let data = out.data else {
            let reason = withUnsafeBytes(of: out.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw ImageError(.encodeFailed, "PNG encoding failed (\(reason.isEmpty ? "unknown reason" : reason))")
        }
        return Array(UnsafeBufferPointer(start: data, count: out.length))
    }

    /// Multiplies each colour channel by its alpha, rounding as Cairo and pixman do.
    static func premultiply(_ pixels: inout [UInt8]) {
        pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i + 3 < p.count {
                let alpha = UInt32(p[i + PixelLayout.alpha])
                if alpha != 255 {
                    p[i + PixelLayout.red] = multiply(p[i + PixelLayout.red], alpha)
                    p[i + PixelLayout.green] = multiply(p[i + PixelLayout.green], alpha)
                    p[i + PixelLayout.blue] = multiply(p[i + PixelLayout.blue], alpha)
                }
                i += 4
            }
        }
    }

    /// `channel * alpha / 255`, rounded.
    @inline(__always)
    private static func multiply(_ channel: UInt8, _ alpha: UInt32) -> UInt8 {
        let t = UInt32(channel) * alpha + 0x80
        return UInt8(truncatingIfNeeded: (t + (t >> 8)) >> 8)
    }

    private static func message(of image: png_image) -> String {
        var copy = image.message
        let text = withUnsafeBytes(of: &copy) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "libpng gave no reason" : text
    }

    private static func describeReadFailure(_ reason: String) -> String {
        let lowered = reason.lowercased()
        if lowered.contains("end of data") || lowered.contains("not enough image data")
            || lowered.contains("read error") || lowered.contains("truncated") {
            return "truncated PNG data (\(reason))"
        }
        return "damaged PNG data (\(reason))"
    }
}
