import ArgumentParser
import Foundation

@main
struct Oshirase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oshirase",
        abstract: "Digital signage content controller for municipal displays (お知らせ).",
        subcommands: [Validate.self, Render.self, ScheduleCommand.self, Demo.self, BenchFrame.self]
    )

    /// Runs a subcommand; every error ends as one line `oshirase: error: …` on stderr and a
    /// non-zero status (PRODUCT.md §9), rather than argument-parser's error, usage and hint lines.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
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

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
