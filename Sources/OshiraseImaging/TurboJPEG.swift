import CTurboJPEG

/// Owns one TurboJPEG handle and destroys it when it goes out of scope.
struct TurboJPEG: ~Copyable {
    private let handle: tjhandle

    /// A decompressor handle, or `nil` when TurboJPEG cannot allocate one.
    static func decompressor() -> TurboJPEG? { tjInitDecompress().map(TurboJPEG.init(handle:)) }
    /// A compressor handle, or `nil` when TurboJPEG cannot allocate one.
    static func compressor() -> TurboJPEG? { tjInitCompress().map(TurboJPEG.init(handle:)) }

    private init(handle: tjhandle) { self.handle = handle }

    deinit { tjDestroy(handle) }

    /// What the JPEG header says, read without decoding any pixels.
    struct Header {
        let width: Int
        let height: Int
        let colorspace: Int32
    }

    /// The most recent error text of this handle.
    var lastError: String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: text)
    }

    func header(of jpeg: UnsafeBufferPointer<UInt8>) -> Header? {
        guard let base = jpeg.baseAddress else { return nil }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(handle, base, UInt(jpeg.count),
                                         &width, &height, &subsampling, &colorspace)
        guard status == 0 else { return nil }
        return Header(width: Int(width), height: Int(height), colorspace: colorspace)
    }

    /// Decompresses into `destination`, which must hold `pitch * height` bytes. Warnings count as failures.
    func decompress(_ jpeg: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableBufferPointer<UInt8>,
                    width: Int, pitch: Int, height: Int, pixelFormat: TJPF) -> Bool {
        guard let source = jpeg.baseAddress, let target = destination.baseAddress,
              destination.count >= pitch * height
        else { return false }
        // A truncated file only raises a warning in libjpeg and decodes as grey; stop instead.
        // LIMITSCANS refuses progressive files with absurd scan counts (a CPU-time bomb).
        let flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
        return tjDecompress2(handle, source, UInt(jpeg.count), target, Int32(width), Int32(pitch),
                             Int32(height), Int32(pixelFormat.rawValue), flags) == 0
    }

    /// Compresses packed pixels; `nil` on failure (see `lastError`).
    func compress(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, pitch: Int, height: Int,
                  pixelFormat: TJPF, subsampling: TJSAMP, quality: Int) -> [UInt8]? {
        guard let source = pixels.baseAddress, pixels.count >= pitch * height else { return nil }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        defer { if let output { tjFree(output) } }
        let status = tjCompress2(handle, source, Int32(width), Int32(pitch), Int32(height),
                                 Int32(pixelFormat.rawValue), &output, &size,
                                 Int32(subsampling.rawValue), Int32(quality), 0)
        guard status == 0, let output else { return nil }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}
