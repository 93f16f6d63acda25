import ArgumentParser

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Proof of play: what each display showed, and when.")
    func run() throws { throw ValidationError("report is not written yet") }
}
