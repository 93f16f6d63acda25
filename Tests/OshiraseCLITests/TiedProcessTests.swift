import Foundation
import OshiraseTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Child processes started by tests die with their parent: a crashed test run leaves no daemon
/// behind (two `oshirase run` were once found orphaned after a crash).
@Suite("Child processes tied to the test process")
struct TiedProcessTests {
    /// Whether a process with this pid exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // pid (comm) STATE …: the state follows the last ')'.
        guard let close = status.lastIndex(of: ")") else { return false }
        return !status[status.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    static func waitUntil(_ deadline: Duration, _ condition: () -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test("A tied child is killed when its parent dies, even by SIGKILL", .timeLimit(.minutes(1)))
    func aChildDiesWithItsParent() async throws {
        let ws = try Workspace()
        // The parent: a shell that starts a tied `sleep`, writes its pid, and waits.
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/bash")
        parent.arguments = ["-c", "\(tiedCommandPrefix) sleep 60 & echo $! > child.pid; wait"]
        parent.currentDirectoryURL = ws.url
        try parent.runTiedToTestProcess()
        defer { if parent.isRunning { kill(parent.processIdentifier, SIGKILL) } }
        let written = try await Self.waitUntil(.seconds(10)) {
            (try? String(contentsOfFile: ws.path("child.pid"), encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } != nil
        }
        try #require(written, "the shell did not start its child")
        let child = try #require(Int32(try String(contentsOfFile: ws.path("child.pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(child, SIGKILL) }
        // `$!` is setpriv's pid: it arms the death signal, then becomes `sleep`. Killing the
        // parent before that would test nothing (seen in a flake hunt: the child outlived it).
        let armed = try await Self.waitUntil(.seconds(10)) {
            (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8))?.hasPrefix("sleep") == true
        }
        try #require(armed, "the tied child never became `sleep`")
        #expect(Self.isAlive(child))

        kill(parent.processIdentifier, SIGKILL)  // as a crash ends a process: no handler runs
        let gone = try await Self.waitUntil(.seconds(10)) { !Self.isAlive(child) }
        #expect(gone, "pid \(child) outlived its parent")
    }

    @Test("A tied child outlives the thread that started it", .timeLimit(.minutes(1)))
    func aChildOutlivesTheStartingThread() async throws {
        // The kernel's parent-death signal follows the starting *thread*: a child started from a
        // thread that ends must still run (every child is started from one long-lived thread).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["60"]
        let started: Result<Int32, any Error> = await withCheckedContinuation { c in
            Thread {
                c.resume(returning: Result { try process.runTiedToTestProcess(); return process.processIdentifier })
            }.start()
        }
        let pid = try started.get()
        defer {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        // The thread has ended by now or soon; the child must stay.
        try await Task.sleep(for: .milliseconds(300))
        #expect(Self.isAlive(pid) && process.isRunning, "the child died with the thread that started it")
    }
}
