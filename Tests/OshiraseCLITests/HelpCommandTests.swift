import Foundation
import Testing

/// The product binary holds what operators and city hall run, and nothing else: the benchmarks
/// live in Benchmarks/, the emulated box's judge is the `compare-frames` tool.
@Suite("oshirase --help")
struct HelpCommandTests {
    static let productCommands = ["validate", "render", "schedule", "run", "demo", "report", "keygen", "push", "cancel", "publish", "fleet"]

    @Test("--help lists exactly the product's commands")
    func helpListsTheProductCommands() throws {
        let ws = try Workspace()
        let help = try ws.run(["--help"])
        #expect(help.status == 0, "\(help)")
        // argument-parser's SUBCOMMANDS section: each command two spaces in, its abstract beside it
        // and wrapped onto lines indented further.
        let section = help.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let listed = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
            return String(name)
        }.filter { $0 != "See" }  // the closing line: "See 'oshirase help <subcommand>' …"
        #expect(listed == Self.productCommands, "\(help)")
    }

    @Test("The benchmarks and the frame judge are not commands of the product", arguments: [
        "bench-frame", "bench-alert", "bench-thermometer", "compare-frames",
    ])
    func toolsAreNotCommands(_ name: String) throws {
        let ws = try Workspace()
        let run = try ws.run([name])
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(run.stderr.contains(name), "the error names what is unknown: \(run)")
    }
}
