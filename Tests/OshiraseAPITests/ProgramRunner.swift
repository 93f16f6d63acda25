import Foundation
import OshiraseTestSupport

/// What one run of a program did.
struct ProgramRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    /// True when the program was killed for running past its time limit.
    var timedOut: Bool
}

/// A started child process, shared between the task waiting for it and the one enforcing the limit.
private final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is only signalled, and `exited`/`timedOut` are guarded by `lock`.
    private let process: Process
    private let lock = NSLock()
    private var started = false
    private var exited = false
    private var killedForTime = false

    init(_ process: Process) { self.process = process }

    var timedOut: Bool { lock.withLock { killedForTime } }

    func markStarted() { lock.withLock { started = true } }
    func markExited() { lock.withLock { exited = true } }

    /// Sends `signal` while the process runs: never before it starts (pid 0 would signal our own
    /// process group) nor after it exits (its pid may then belong to another).
    func stop(with signal: Int32) {
        lock.withLock {
            guard started, !exited, process.processIdentifier > 0 else { return }
            killedForTime = true
            kill(process.processIdentifier, signal)
        }
    }
}

/// Runs `executable` with `arguments`, killing it when it runs longer than `timeout`
/// (SIGTERM, then SIGKILL two seconds later). Output goes through files, so a chatty
/// program never blocks on a full pipe.
func runProgram(_ executable: String, _ arguments: [String], timeout: Duration) async throws -> ProgramRun {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    let child = ChildProcess(process)
    let timer = Task {
        try await Task.sleep(for: timeout)
        child.stop(with: SIGTERM)
        try await Task.sleep(for: .seconds(2))
        child.stop(with: SIGKILL)
    }
    defer { timer.cancel() }
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { finished in
            child.markExited()
            continuation.resume(returning: finished.terminationStatus)
        }
        do {
            try process.runTiedToTestProcess()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
            return
        }
        child.markStarted()
    }
    let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
    let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
    return ProgramRun(status: status, stdout: stdout, stderr: stderr, timedOut: child.timedOut)
}
