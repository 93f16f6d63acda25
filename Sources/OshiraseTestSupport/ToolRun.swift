package import Foundation
import Synchronization

/// What a command-line tool a test ran said and how it ended.
package struct ToolRun: Sendable {
    package var status: Int32
    package var stdout: String
    package var stderr: String
}

/// Runs `executable arguments…` (in `directory`, when given) tied to the test process, and waits
/// for it: for the small tools tests call (openssl, ip, mosquitto_pub, zbarimg).
@discardableResult
package func runTool(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> ToolRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.runTiedToTestProcess()
    // Both pipes at once: a tool that fills one while the other is read would wait for ever.
    let errors = Mutex(Data())
    let readErrors = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        let data = err.fileHandleForReading.readDataToEndOfFile()
        errors.withLock { $0 = data }
        readErrors.signal()
    }
    let output = out.fileHandleForReading.readDataToEndOfFile()
    readErrors.wait()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                   stderr: String(decoding: errors.withLock { $0 }, as: UTF8.self))
}
