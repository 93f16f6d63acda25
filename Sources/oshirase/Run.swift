import ArgumentParser

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the signage daemon.")
    func run() throws { throw ValidationError("run is not written yet") }
}
