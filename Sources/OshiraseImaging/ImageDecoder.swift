import CTurboJPEG

/// A decoded picture: its pixels as stored in the file, and how to turn them upright.
public struct DecodedImage: Sendable {
    /// The pixels in stored order; apply `orientation` (or call `oriented()`) to show them upright.
    public let bitmap: Bitmap
    /// The EXIF orientation; always `.up` for PNG and for JPEGs without one.
    public let orientation: ExifOrientation
    /// The format the data was decoded from.
    public let format: ImageFormat
}

/// Decodes JPEG and PNG into Cairo-ready bitmaps with bounded memory.
public enum ImageDecoder {
    /// The default pixel limit: 50 megapixels, about 200 MB of decoded pixels.
    public static let defaultMaxPixels = 50_000_000

    /// Decodes JPEG or PNG from memory; format by magic bytes.
    ///
    /// Reads the header first and refuses images above `maxPixels` with `tooLarge`
    /// before allocating the pixel buffer.
    public static func decode(_ data: [UInt8], maxPixels: Int = defaultMaxPixels) throws(ImageError) -> DecodedImage {
        guard !data.isEmpty else {
            throw ImageError(.empty, "image data is empty (0 bytes)")
        }
        switch ImageFormat.sniff(data) {
        case .jpeg:
            let bitmap = try decodeJPEG(data, maxPixels: maxPixels)
            return DecodedImage(bitmap: bitmap, orientation: ExifReader.orientation(inJPEG: data) ?? .up,
                                format: .jpeg)
        case .png:
            return DecodedImage(bitmap: try PNGCodec.decode(data, maxPixels: maxPixels), orientation: .up,
                                format: .png)
        case nil:
            throw ImageError(.unknownFormat, "data is neither a JPEG nor a PNG image (\(describeStart(of: data)))")
        }
    }

    /// Reads a file and decodes it.
    ///
    /// Refuses files above 64 MiB with `tooLarge` before reading them, and refuses a file whose
    /// name's extension disagrees with its content with `wrongExtension`.
    package static func decodeFile(atPath path: String, maxPixels: Int = defaultMaxPixels) throws(ImageError) -> DecodedImage {
        let data = try FileIO.readAll(path: path, limit: ImageLimits.maxFileBytes)
        guard !data.isEmpty else {
            throw ImageError(.empty, "file is empty (0 bytes)")
        }
        guard let actual = ImageFormat.sniff(data) else {
            throw ImageError(.unknownFormat, "file is neither a JPEG nor a PNG image (\(describeStart(of: data)))")
        }
        let named = ImageFormat.fromExtension(of: path)
        if named != actual {
            let ending = pathExtension(of: path).map { "ends in .\($0)" } ?? "has no extension"
            let expected = actual == .jpeg ? ".jpg or .jpeg" : ".png"
            throw ImageError(.wrongExtension,
                             "file is a \(actual.displayName) image but its name \(ending); name it \(expected)")
        }
        return try decode(data, maxPixels: maxPixels)
    }

    private static func decodeJPEG(_ data: [UInt8], maxPixels: Int) throws(ImageError) -> Bitmap {
        guard let turbo = TurboJPEG.decompressor() else {
            throw ImageError(.corrupt, "cannot start the JPEG decoder (out of memory?)")
        }
        let result: Result<Bitmap, ImageError> = data.withUnsafeBufferPointer { jpeg in
            guard let header = turbo.header(of: jpeg) else {
                return .failure(jpegError(turbo.lastError))
            }
            // TurboJPEG reports a header cut off before its frame as size 0×0 rather than failing.
            guard header.width > 0, header.height > 0 else {
                return .failure(ImageError(.corrupt, "truncated JPEG data (the header ends before the image size)"))
            }
            if let error = ImageLimits.pixelCountError(width: header.width, height: header.height,
                                                       maxPixels: maxPixels) {
                return .failure(error)
            }
            let isCMYK = header.colorspace == Int32(TJCS_CMYK.rawValue)
                || header.colorspace == Int32(TJCS_YCCK.rawValue)
            return isCMYK ? decodeCMYK(jpeg, turbo: turbo, header: header)
                          : decodeDirect(jpeg, turbo: turbo, header: header)
        }
        return try result.get()
    }

    /// Decodes straight into Cairo's layout; TurboJPEG sets alpha to 255.
    private static func decodeDirect(_ jpeg: UnsafeBufferPointer<UInt8>, turbo: borrowing TurboJPEG,
                                     header: TurboJPEG.Header) -> Result<Bitmap, ImageError> {
        #if _endian(big)
        let format = TJPF_ARGB
        #else
        let format = TJPF_BGRA
        #endif
        let stride = header.width * 4
        let count = stride * header.height
        var succeeded = false
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            succeeded = turbo.decompress(jpeg, into: buffer, width: header.width, pitch: stride,
                                         height: header.height, pixelFormat: format)
            initialized = succeeded ? count : 0
        }
        guard succeeded else { return .failure(jpegError(turbo.lastError)) }
        return .success(Bitmap(width: header.width, height: header.height, stride: stride, pixels: pixels))
    }

    /// libjpeg cannot convert CMYK to RGB; decode to CMYK and convert without colour management.
    ///
    /// CMYK JPEGs (Photoshop's, and TurboJPEG's own) store inverted values, so R = C·K/255.
    private static func decodeCMYK(_ jpeg: UnsafeBufferPointer<UInt8>, turbo: borrowing TurboJPEG,
                                   header: TurboJPEG.Header) -> Result<Bitmap, ImageError> {
        let stride = header.width * 4
        let count = stride * header.height
        var pixels = [UInt8](repeating: 0, count: count)
        let succeeded = pixels.withUnsafeMutableBufferPointer { buffer in
            turbo.decompress(jpeg, into: buffer, width: header.width, pitch: stride,
                             height: header.height, pixelFormat: TJPF_CMYK)
        }
        guard succeeded else { return .failure(jpegError(turbo.lastError)) }
        pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i + 3 < p.count {
                let c = UInt32(p[i]), m = UInt32(p[i + 1]), y = UInt32(p[i + 2]), k = UInt32(p[i + 3])
                p[i + PixelLayout.red] = UInt8((c * k + 127) / 255)
                p[i + PixelLayout.green] = UInt8((m * k + 127) / 255)
                p[i + PixelLayout.blue] = UInt8((y * k + 127) / 255)
                p[i + PixelLayout.alpha] = 255
                i += 4
            }
        }
        return .success(Bitmap(width: header.width, height: header.height, stride: stride, pixels: pixels))
    }

    /// Turns libjpeg's error text into a one-line message, naming truncation plainly.
    private static func jpegError(_ reason: String) -> ImageError {
        let lowered = reason.lowercased()
        if lowered.contains("premature end") {
            let detail = lowered.contains("data segment") ? "premature end of data segment" : "premature end of file"
            return ImageError(.corrupt, "truncated JPEG data (\(detail))")
        }
        if lowered.contains("unsupported") || lowered.contains("not supported") {
            return ImageError(.corrupt, "unsupported JPEG variant (\(reason))")
        }
        return ImageError(.corrupt, "damaged JPEG data (\(reason))")
    }

    /// The first bytes, shown so an operator can recognise what the file really is (HTML, text, GIF...).
    private static func describeStart(of data: [UInt8]) -> String {
        let head = data.prefix(8)
        let printable = head.allSatisfy { (0x20...0x7E).contains($0) }
        if printable {
            return "starts with \"\(String(decoding: head, as: UTF8.self))\""
        }
        let hex = head.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }
        return "starts with bytes \(hex.joined(separator: " "))"
    }
}
