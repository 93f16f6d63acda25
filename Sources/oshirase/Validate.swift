import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseConfig
import OshiraseCore
import OshiraseRender

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check playlist files and CAP alerts; print every problem as FILE:LINE:COL: error: MESSAGE.",
        discussion: """
            A file ending in .xml or .cap, or whose first character is '<', is read as a CAP 1.2 \
            alert with the parser and limits every box uses; any other file as a playlist.
            """)

    @Argument(help: "Playlist files (YAML) and CAP 1.2 alerts (XML).")
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
            if Self.isCAP(file) {
                do {
                    _ = try readCAPFile(file, consequence: nil)
                } catch {
                    failed = true
                }
                continue
            }
            do {
                _ = try loader.load(path: file)
            } catch {
                failed = true
                for e in error.errors { printError(e.description) }
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// Whether `file` is a CAP alert rather than a playlist: by its name, else by its first
    /// character (an XML document starts with '<'; a playlist never does).
    static func isCAP(_ file: String) -> Bool {
        let lower = file.lowercased()
        if lower.hasSuffix(".xml") || lower.hasSuffix(".cap") { return true }
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return false }
        guard let handle = FileHandle(forReadingAtPath: file) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 256)) ?? Data()
        let text = head.starts(with: [0xEF, 0xBB, 0xBF]) ? head.dropFirst(3) : head[...]
        return text.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "<")
    }
}
