import Foundation

/// A group's content as published (docs/fleet.md, "Content"): every file of the set by its path
/// under the set's folder, with its SHA-256 and size. Signed as a push is signed (the envelope
/// line, then these JSON bytes) with a content key, written to `ORIGIN/manifests/<group>` and
/// retained on `oshirase/v1/groups/<group>/manifest`. `version` only ever increases.
package struct ContentManifest: Codable, Sendable, Equatable {
    package var group: String
    package var version: Int
    /// When it was published, UTC ISO 8601.
    package var issued: String
    package var files: [File]

    package struct File: Codable, Sendable, Equatable {
        /// Relative to the set's folder, `/`-separated, never `..` or absolute.
        package var path: String
        /// Lowercase hexadecimal; the blob's name under `ORIGIN/blobs/sha256/`.
        package var sha256: String
        package var size: Int

        package init(path: String, sha256: String, size: Int) {
            self.path = path
            self.sha256 = sha256
            self.size = size
        }
    }

    package init(group: String, version: Int, issued: String, files: [File]) {
        self.group = group
        self.version = version
        self.issued = issued
        self.files = files
    }

    /// Whether a manifest's path stays inside the set's folder: relative, no empty, `.` or `..`
    /// level, no backslash or control character.
    package static func isSafePath(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 1024, !path.hasPrefix("/"),
              !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" || $0.value == 0x7F }) else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != "" && $0 != "." && $0 != ".." }
    }
}
