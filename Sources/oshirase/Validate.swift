import ArgumentParser
import OshiraseFormats
import OshiraseRender

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check playlist files; print every problem as FILE:LINE:COL: error: MESSAGE.")

    @Argument(help: "Playlist files (YAML).")
    var files: [String] = []

    @Option(help: "Also check the daemon's config file; playlists may then name the display profiles it defines.")
    var config: String?

    func validate() throws {
        if files.isEmpty && config == nil { throw ValidationError("give at least one playlist file (or --config FILE)") }
    }

    func run() throws {
        var loader = playlistLoader(skipsBrokenAssets: false)
        var failed = false
        if let config {
            var configLoader = SiteConfigLoader()
            configLoader.checkText = FontCoverage.problem(in:)
            do {
                let site = try configLoader.load(path: config)
                loader.knownProfiles += site.profiles.map(\.name)
            } catch {
                failed = true
                for e in error.errors { printError(e.description) }
            }
        }
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
