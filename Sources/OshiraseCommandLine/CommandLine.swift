package import ArgumentParser
import Foundation

/// What the project's executables (`oshirase`, `compare-frames`) share about talking to a
/// person: every error ends as one line `PROGRAM: error: …` on standard error and a non-zero
/// status (docs/cli.md), rather than argument-parser's error, usage and hint lines.
extension ParsableCommand {
    /// Ends the process for `error` as the executables do: `--help` and friends print what was
    /// asked for; anything else prints one line `program: error: …` and exits with its code.
    package static func exitWithOneLine(for error: any Error, program: String) -> Never {
        let code = exitCode(for: error)
        if code == .success {
            exit(withError: error)
        }
        let text = message(for: error)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
        if !text.isEmpty {
            printError("\(program): error: " + text.replacingOccurrences(of: "Error: ", with: ""))
        }
        Foundation.exit(code.rawValue)
    }
}

/// Writes one line to standard error; a closed or full stderr is ignored (there is nowhere left to say so).
package func printError(_ line: String) {
    _ = writeAll(Array((line + "\n").utf8), to: STDERR_FILENO)
}

/// Writes every byte to a file descriptor with write(2), retrying short writes and EINTR.
/// False when the descriptor is closed, full or a broken pipe; never traps (Foundation's
/// `FileHandle.write` does, with a stack trace).
package func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
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
