import ArgumentParser
import OshiraseFormats

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check playlist files; print every problem as FILE:LINE:COL: error: MESSAGE.")

    @Argument(help: "Playlist files (YAML).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one playlist file") }
    }

    func run() throws {
        let loader = playlistLoader(skipsBrokenAssets: false)
        var failed = false
        for file in files {
            do {
                _ = try loader.load(path: file)
            } catch {
                failed = true
                for e in error.errors { printError(e.description) }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
