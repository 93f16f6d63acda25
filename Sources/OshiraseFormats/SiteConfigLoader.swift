import Foundation
import OshiraseCore

/// Reads the daemon's YAML config, reporting every problem as `FILE:LINE:COL: error: …`.
public struct SiteConfigLoader: Sendable {
    public init() {}

    /// Loads and validates the config at `path`; relative paths inside resolve against its folder.
    public func load(path: String) throws(PlaylistErrors) -> SiteConfig {
        throw PlaylistErrors(errors: [PlaylistError(file: path, line: 1, column: 1, message: "config loading is not written yet")])
    }
}
