import CTurboJPEG

/// Encodes bitmaps as PNG or JPEG and writes them to disk atomically.
package enum ImageEncoder {
    /// Encodes as an 8-bit RGB PNG through libpng, with zlib level 1 and no filtering for speed.
    ///
    /// Alpha is dropped: frames are opaque, and for other pixels the premultiplied colour is
    /// the picture composited over black.
    package static func png(_ bitmap: Bitmap) throws(ImageError) -> [UInt8] {
        try bitmap.withPixelView { (view) throws(ImageError) in try PNGCodec.encode(view) }
    }

    /// Encodes borrowed pixels (a drawing surface, without copying it first) as PNG.
    package static func png(_ view: PixelView) throws(ImageError) -> [UInt8] {
        try PNGCodec.encode(view)
    }

    /// Encodes as a baseline JPEG with 4:2:0 chroma subsampling through TurboJPEG.
    ///
    /// `quality` is clamped to 1...100. Alpha is ignored.
    package static func jpeg(_ bitmap: Bitmap, quality: Int = 90) throws(ImageError) -> [UInt8] {
        try bitmap.withPixelView { (view) throws(ImageError) in try compressJPEG(view, as: .color420, quality: quality) }
    }

    /// Encodes borrowed pixels as JPEG.
    package static func jpeg(_ view: PixelView, quality: Int = 90) throws(ImageError) -> [UInt8] {
        try compressJPEG(view, as: .color420, quality: quality)
    }

    /// Writes PNG or JPEG as the path's extension says (`.png`, `.jpg`, `.jpeg`, any case).
    ///
    /// Atomic: the image goes to a temporary file in the same directory, which is then
    /// renamed over `path`, so a reader never sees half a file. Any other extension is
    /// refused with `wrongExtension`.
    package static func write(_ bitmap: Bitmap, toPath path: String) throws(ImageError) {
        try bitmap.withPixelView { (view) throws(ImageError) in try write(view, toPath: path) }
    }

    /// Writes borrowed pixels as PNG or JPEG, atomically, as `write(_:toPath:)` does for bitmaps.
    package static func write(_ view: PixelView, toPath path: String) throws(ImageError) {
        let data: [UInt8]
        switch ImageFormat.fromExtension(of: path) {
        case .png: data = try png(view)
        case .jpeg: data = try jpeg(view)
        case nil:
            let ending = pathExtension(of: path).map { "ends in .\($0)" } ?? "has no extension"
            throw ImageError(.wrongExtension,
                             "cannot choose an image format: the name \(ending); use .png, .jpg or .jpeg")
        }
        try FileIO.writeAtomically(data, toPath: path)
    }

    /// The kinds of JPEG the encoder can make; the encoder itself uses `.color420`, the rest serve tests.
    enum JPEGVariant {
        /// YCbCr with 4:2:0 chroma from Cairo-layout pixels.
        case color420
        /// One grey channel computed from Cairo-layout pixels.
        case grayscale
        /// YCCK from pixels holding inverted C, M, Y, K bytes in that order (Adobe's convention).
        case cmyk
    }

    /// Compresses with TurboJPEG.
    static func compressJPEG(_ bitmap: Bitmap, as variant: JPEGVariant, quality: Int) throws(ImageError) -> [UInt8] {
        try bitmap.withPixelView { (view) throws(ImageError) in try compressJPEG(view, as: variant, quality: quality) }
    }

    static func compressJPEG(_ bitmap: PixelView, as variant: JPEGVariant, quality: Int) throws(ImageError) -> [UInt8] {
        #if _endian(big)
        let native = TJPF_XRGB
        #else
        let native = TJPF_BGRX
        #endif
        let (pixelFormat, subsampling): (TJPF, TJSAMP) = switch variant {
        case .color420: (native, TJSAMP_420)
        case .grayscale: (native, TJSAMP_GRAY)
        case .cmyk: (TJPF_CMYK, TJSAMP_420)
        }
        try ImageLimits.checkEncodable(bitmap, maxSide: 65_500)
        guard let turbo = TurboJPEG.compressor() else {
            throw ImageError(.encodeFailed, "cannot start the JPEG encoder (out of memory?)")
        }
        let clamped = min(max(quality, 1), 100)
        let pixels = UnsafeBufferPointer(start: bitmap.base.assumingMemoryBound(to: UInt8.self), count: bitmap.byteCount)
        let output = turbo.compress(pixels, width: bitmap.width, pitch: bitmap.stride, height: bitmap.height,
                                    pixelFormat: pixelFormat, subsampling: subsampling, quality: clamped)
        guard let output else {
            throw ImageError(.encodeFailed, "JPEG encoding failed (\(turbo.lastError))")
        }
        return output
    }
}
