import FuzzSupport
import OshiraseImaging

// PNG data through ImageDecoder with the production pixel limit (the limit is read from the
// header before the pixel buffer is allocated). Inputs that are not PNG are left to the other
// image harness, so this one's corpus stays PNG.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard ImageFormat.sniff(bytes) == .png else { return 0 }
    if let image = try? ImageDecoder.decode(bytes, maxPixels: ImageDecoder.defaultMaxPixels) {
        let bitmap = image.bitmap
        require(bitmap.width > 0 && bitmap.height > 0 && bitmap.width * bitmap.height <= ImageDecoder.defaultMaxPixels,
                     "decoded a \(bitmap.width)×\(bitmap.height) image past the pixel limit")
        require(bitmap.pixels.count >= bitmap.stride * bitmap.height, "the bitmap is shorter than stride × height")
    }
    return 0
}

runLibFuzzer(fuzz)
