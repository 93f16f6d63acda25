import ArgumentParser
import Foundation
public import OshiraseCore
import OshiraseConfig
import OshiraseRender

/// A progress line on standard error, so standard output keeps only the figures the scripts read.
public func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// BudouX's phrase model as the product loads it, or nil (with a warning) where there is none:
/// the figures then come without phrase breaking, and the warning says so.
public func benchPhraseModel() -> PhraseModel? {
    do {
        return try PhraseModel.loadDefaultOrExplain()
    } catch {
        progress("bench: warning: \(error); the figures are for text broken without the phrase model")
        return nil
    }
}

/// The playlists a benchmark plays, loaded as `render` loads them (text checked against the
/// display font); any error stops the benchmark with the loader's FILE:LINE:COL lines.
public func benchPlaylists(_ paths: [String]) throws -> [Playlist] {
    var loader = PlaylistLoader()
    loader.checkText = FontCoverage.problem(in:)
    var playlists: [Playlist] = []
    for path in paths {
        do throws(SourceErrors) {
            playlists.append(try loader.load(path: path))
        } catch {
            throw ValidationError(error.errors.map(\.description).joined(separator: "\n"))
        }
    }
    return playlists
}
