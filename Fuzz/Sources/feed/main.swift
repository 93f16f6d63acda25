import FuzzSupport
import OshiraseCAP

// What an alert feed's URL answers: an Atom index (read with the index limits), a CAP alert,
// or neither. Every link handed on must be http or https.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if case .atom(let links) = FeedDocument.classify(fuzzBytes(data, size)) {
        for link in links {
            let lowered = link.lowercased()
            require(lowered.hasPrefix("http://") || lowered.hasPrefix("https://"),
                         "a feed link that is not http(s) was handed on: \(link)")
        }
    }
    return 0
}

runLibFuzzer(fuzz)
