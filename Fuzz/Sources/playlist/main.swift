import Foundation
import FuzzSupport
import OshiraseConfig

// Playlist YAML as a file brings it: bytes that must be UTF-8 (as `load(path:)` requires), then
// the loader with its size and text limits. Images are not opened: the fuzzer must not read
// whatever path it spells, and the decoders have harnesses of their own.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = String(data: Data(fuzzBytes(data, size)), encoding: .utf8) else { return 0 }
    _ = try? PlaylistLoader(checksImages: false).parse(yaml: text, path: "/nonexistent/fuzz/playlist.yaml")
    return 0
}

runLibFuzzer(fuzz)
