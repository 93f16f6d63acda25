import CLibFuzzer
#if canImport(Glibc)
import Glibc
#endif

/// What libFuzzer calls for each input: the bytes (possibly a null pointer when empty) and their count.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Hands the process to libFuzzer's driver with the command line's flags and exits with its status.
///
/// Pass the harness's `LLVMFuzzerTestOneInput`: it must exist under that name as well, because
/// `-sanitize=fuzzer` links all of libFuzzer, whose own (unused) `main` refers to it.
public func runLibFuzzer(_ callback: FuzzCallback) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The input as an array; an empty input may come as a null pointer.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the run with `message` when a property every input must keep is broken; libFuzzer
/// then saves the input. `fatalError`, not `precondition`, so the message survives `-O`.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
