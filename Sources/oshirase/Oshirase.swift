import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseCore

@main
struct Oshirase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oshirase",
        abstract: "Digital signage content controller for municipal displays (お知らせ).",
        version: OshiraseVersion.current,
        subcommands: [Validate.self, Render.self, ScheduleCommand.self, Run.self, Demo.self, Report.self, Keygen.self, Push.self, Cancel.self, Publish.self, FleetCommand.self]
    )

    /// Runs a subcommand; every error ends as one line `oshirase: error: …` on stderr and a
    /// non-zero status (`exitWithOneLine`).
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
            exitWithOneLine(for: error, program: "oshirase")
        }
    }
}
