import ArgumentParser
import Foundation

@main
struct Oshirase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oshirase",
        abstract: "Digital signage content controller for municipal displays (お知らせ).",
        subcommands: [Validate.self, Render.self, ScheduleCommand.self, Demo.self, BenchFrame.self]
    )
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A failure already reported on stderr: exit with the given status, without a stack trace.
struct Reported: Error {}

/// A user error with one clear line, printed as `oshirase: error: …`.
struct UsageProblem: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
