import ArgumentParser
import Foundation

@main
struct Oshirase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oshirase",
        abstract: "Digital signage content controller for municipal displays (お知らせ).",
        subcommands: [Validate.self, Render.self, ScheduleCommand.self, Run.self, Demo.self, Report.self, Keygen.self, Push.self, Cancel.self]
    )

    /// Runs a subcommand; every error ends as one line `oshirase: error: …` on stderr and a
    /// non-zero status (PRODUCT.md §9), rather than argument-parser's error, usage and hint lines.
    static func main() async {
        // A reader that goes away (`| head`) is an EPIPE from write(2), handled there, not a signal.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var daemonCommand = command as? AsyncParsableCommand {
                try await daemonCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)  // --help and friends print what was asked for
            }
            let message = message(for: error)
                .split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
                .joined(separator: " ")
            if !message.isEmpty {
                printError("oshirase: error: " + message.replacingOccurrences(of: "Error: ", with: ""))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Writes one line to standard error; a closed or full stderr is ignored (there is nowhere left to say so).
func printError(_ line: String) {
    _ = writeAll(Array((line + "\n").utf8), to: STDERR_FILENO)
}

/// Writes every byte to a file descriptor with write(2), retrying short writes and EINTR.
/// False when the descriptor is closed, full or a broken pipe; never traps (Foundation's
/// `FileHandle.write` does, with a stack trace).
func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { raw in
            write(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset)
        }
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += n
    }
    return true
}
