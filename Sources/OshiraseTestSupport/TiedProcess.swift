package import Foundation
import Synchronization

// Child processes a test starts must never outlive the test process, even when it crashes (a
// crash skips every `defer` and `deinit` that would have stopped them). The kernel's
// parent-death signal does that: `setpriv --pdeathsig KILL` (util-linux, in every Debian) sets it
// and then executes the program itself, so the pid the test holds is the program's.
//
// The kernel sends that signal when the *thread* that started the child ends, not only the
// process: Swift's pool threads come and go, so every child is started from one thread that lives
// as long as the test process.

extension Process {
    /// Starts the process so that the kernel kills it (SIGKILL) when the test process ends, however
    /// it ends. Use instead of `run()` in tests.
    package func runTiedToTestProcess() throws {
        guard let executable = executableURL else { throw TiedProcessError("no executable to run") }
        guard FileManager.default.isExecutableFile(atPath: ChildSpawner.setpriv) else {
            throw TiedProcessError("\(ChildSpawner.setpriv) (util-linux) is missing: a child could outlive the test process")
        }
        arguments = ["--pdeathsig", "KILL", "--", executable.path] + (arguments ?? [])
        executableURL = URL(fileURLWithPath: ChildSpawner.setpriv)
        try ChildSpawner.shared.perform { try self.run() }
    }
}

/// A child process could not be started tied to the test process.
package struct TiedProcessError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// The shell words that make a command in a `bash -c` line die with that shell:
/// `"\(tiedCommandPrefix) oshirase …"`.
package let tiedCommandPrefix = "\(ChildSpawner.setpriv) --pdeathsig KILL --"

/// The one long-lived thread every child process is started from.
final class ChildSpawner: Sendable {
    static let setpriv = "/usr/bin/setpriv"
    static let shared = ChildSpawner()

    private let jobs = Mutex<[UnsafeSendableJob]>([])
    private let ready = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in
            while true {
                ready.wait()
                let job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                job?.work()
            }
        }
        thread.name = "oshirase-test-child-spawner"
        thread.start()
    }

    /// Runs `body` on the spawner thread and waits for it.
    func perform(_ body: @escaping () throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Void, any Error>>(.success(()))
        let job = UnsafeSendableJob {
            let result = Result { try body() }
            outcome.withLock { $0 = result }
            done.signal()
        }
        jobs.withLock { $0.append(job) }
        ready.signal()
        done.wait()
        try outcome.withLock { $0 }.get()
    }
}

/// A closure handed to the spawner thread; the caller waits for it, so nothing runs concurrently.
private struct UnsafeSendableJob: @unchecked Sendable {
    let work: () -> Void
}
