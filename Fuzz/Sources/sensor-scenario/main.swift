import Foundation
import FuzzSupport
import OshiraseConfig

// A simulated thermometer's scenario as a file brings it: UTF-8 bytes, then the loader with
// its size limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = String(data: Data(fuzzBytes(data, size)), encoding: .utf8) else { return 0 }
    _ = try? SensorScenarioLoader.parse(yaml: text, path: "/nonexistent/fuzz/scenario.yaml")
    return 0
}

runLibFuzzer(fuzz)
