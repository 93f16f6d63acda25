import FuzzSupport
import OshiraseImaging

// The EXIF orientation reader on its own: JPEG marker segments and the TIFF structure inside
// APP1, without the pixel decoder in front of it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = ExifReader.orientation(inJPEG: fuzzBytes(data, size))
    return 0
}

runLibFuzzer(fuzz)
