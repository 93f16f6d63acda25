import FuzzSupport
import OshiraseCAP

// A CAP 1.2 body as a push or a feed brings it: the hardened XML reader, then validation, with
// the production limits (1 MiB, depth, elements, value length, time).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? CAPParser.parse(fuzzBytes(data, size))
    return 0
}

runLibFuzzer(fuzz)
