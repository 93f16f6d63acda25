import Foundation
import FuzzSupport
import OshiraseConfig

// The daemon's config as a file brings it: UTF-8 bytes, then the loader with its size limit.
// Relative paths in it resolve under a folder that does not exist, so the files it names
// (scenarios, CA bundles) are looked for and reported missing, never read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = String(data: Data(fuzzBytes(data, size)), encoding: .utf8) else { return 0 }
    _ = try? SiteConfigLoader().parse(yaml: text, path: "/nonexistent/fuzz/oshirase.yaml")
    return 0
}

runLibFuzzer(fuzz)
