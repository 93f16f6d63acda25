import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseCommandLine
import OshiraseCore
import OshiraseConfig
import OshiraseRender

/// Parses `2026-11-27T09:00:00+09:00` (ISO 8601 with an offset; fractional seconds allowed).
func parseInstant(_ text: String, option: String) throws -> Date {
    guard let date = Instant.parse(text) else {
        throw ValidationError("\(option) '\(text)' is not a time: use ISO 8601 with an offset, e.g. 2026-11-27T09:00:00+09:00")
    }
    return date
}

/// Formats an instant as ISO 8601 with the offset of `zone`.
func formatInstant(_ date: Date, in zone: TimeZone) -> String {
    Instant.format(date, in: zone)
}

/// A built-in profile, or one of `defined` (a config's own).
func profile(named name: String, defined: [DisplayProfile] = []) throws -> DisplayProfile {
    guard let p = defined.first(where: { $0.name == name }) ?? DisplayProfile.named(name) else {
        let known = (DisplayProfile.builtIn + defined).map(\.name).joined(separator: ", ")
        throw ValidationError("unknown display profile '\(name)' (known: \(known)\(defined.isEmpty ? "; a config's own profiles need --config" : ""))")
    }
    return p
}

/// The loader every command uses: text must be drawable by the display font.
func playlistLoader(skipsBrokenAssets: Bool) -> PlaylistLoader {
    var loader = PlaylistLoader(skipsBrokenAssets: skipsBrokenAssets)
    loader.checkText = FontCoverage.problem(in:)
    return loader
}

/// Loads playlists for playback: a file with errors stops the command (exit 1); items whose
/// images cannot be shown are skipped, each with a FILE:LINE:COL error line on stderr.
func loadPlaylists(_ paths: [String], profiles: [String] = []) throws -> [Playlist] {
    var loader = playlistLoader(skipsBrokenAssets: true)
    loader.knownProfiles += profiles
    var playlists: [Playlist] = []
    var failed = false
    var seen = Set<String>()
    for path in paths {
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        guard seen.insert(resolved).inserted else {
            printError("oshirase: warning: \(path) is given more than once; it is used once")
            continue
        }
        do {
            let (playlist, skipped) = try loader.loadForPlayback(path: path)
            for s in skipped {
                printError("\(s.file):\(s.line):\(s.column): error: \(s.message); the item is skipped, the rest plays")
            }
            playlists.append(playlist)
        } catch {
            failed = true
            for e in error.errors { printError(e.description) }
        }
    }
    if failed { throw ExitCode(1) }
    return playlists
}

/// Standard output through a 64 KiB buffer, for long listings. When stdout cannot take more
/// (a closed pipe, a full disk), the command stops with one line on stderr and exit status 1.
final class BufferedOutput {
    private var buffer: [UInt8] = []

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 65_536 { flush() }
    }

    func flush() {
        guard writeAll(buffer, to: STDOUT_FILENO) else {
            let reason = systemErrorText(errno)
            printError("oshirase: error: cannot write to standard output: \(reason)")
            exit(1)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A warning when none of the playlists serves the display: it would only ever show the idle screen.
func warnIfNothingServes(_ engine: ScheduleEngine, profile: DisplayProfile) {
    if engine.playlists.isEmpty {
        printError("oshirase: warning: none of the playlists serves \(profile.name) (see their 'displays:'); the display shows its idle screen")
    }
}

/// A JSON string literal; non-ASCII text stays as UTF-8.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// The daemon's config at `path`; its problems are printed as FILE:LINE:COL lines and end the
/// command with exit status 1.
func loadSiteConfig(_ path: String) throws -> SiteConfig {
    do {
        return try SiteConfigLoader().load(path: path)
    } catch {
        for e in error.errors { printError(e.description) }
        throw ExitCode(1)
    }
}

/// Reads a CAP file for `push`, `render --alert` and `validate`: at most 1 MiB (the most a box
/// accepts), checked with the parser the boxes use. Every problem is printed as
/// `FILE:LINE:COL: error: ELEMENT: MESSAGE`, then (with a `consequence`) `oshirase: error: FILE
/// is not valid CAP 1.2; CONSEQUENCE`, and `ExitCode.failure` is thrown.
func readCAPFile(_ path: String, consequence: String?) throws -> (bytes: [UInt8], alert: CAPAlert) {
    func fail(_ line: String) throws -> Never {
        printError(line)
        if let consequence { printError("oshirase: error: \(path) is not valid CAP 1.2; \(consequence)") }
        throw ExitCode.failure
    }
    let bytes: [UInt8]
    do {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        bytes = Array(try handle.read(upToCount: CAPLimits.maximumBodyBytes + 1) ?? Data())
    } catch {
        try fail("\(path): error: cannot read the CAP file: \((error as NSError).localizedDescription)")
    }
    if bytes.count > CAPLimits.maximumBodyBytes {
        try fail("\(path): error: larger than 1 MiB, the most a box accepts")
    }
    do {
        return (bytes, try CAPParser.parse(bytes))
    } catch {
        for problem in error.errors.dropLast() { printError(capProblemLine(problem, in: path)) }
        try fail(error.errors.last.map { capProblemLine($0, in: path) } ?? "\(path): error: not CAP")
    }
}

/// `FILE:LINE:COL: error: ELEMENT: MESSAGE` (no line and column when the problem has none).
private func capProblemLine(_ problem: CAPError, in path: String) -> String {
    let place = problem.line > 0 ? "\(path):\(problem.line):\(problem.column)" : path
    let element = problem.path.isEmpty ? "" : "\(problem.path): "
    return "\(place): error: \(element)\(problem.message)"
}
