import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

/// The test fixtures, copied into the test bundle (Package.swift: `resources: [.copy("Fixtures")]`).
enum Fixtures {
    static let directory: URL = {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            fatalError("the test bundle has no Fixtures folder")
        }
        return url
    }()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// The repository root, from this file's path (Tests/OshiraseConfigTests/ConfigTestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Every problem the loader reports for `yaml`, parsed as if it were a file in the fixtures folder
/// (so `images/…` paths resolve); empty when the text is valid.
func problems(_ yaml: String, file: String = "lobby.yaml",
              loader: PlaylistLoader = PlaylistLoader()) -> [SourceError] {
    do {
        _ = try loader.parse(yaml: yaml, path: Fixtures.path(file))
        return []
    } catch {
        return error.errors
    }
}

/// The one problem the loader reports for `yaml`; records an issue when there is not exactly one.
func problem(_ yaml: String, file: String = "lobby.yaml", loader: PlaylistLoader = PlaylistLoader(),
             sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceError {
    let found = problems(yaml, file: file, loader: loader)
    #expect(found.count == 1, "expected one problem, got: \(found.map(\.description))", sourceLocation: sourceLocation)
    return try #require(found.first, sourceLocation: sourceLocation)
}

/// Checks an error's position and that its message contains every fragment.
func expect(_ error: SourceError, at line: Int, _ column: Int, _ fragments: String...,
            sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(error.line == line && error.column == column,
            "at \(error.line):\(error.column), expected \(line):\(column): \(error.message)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(error.message.contains(fragment), "'\(fragment)' not in: \(error.message)", sourceLocation: sourceLocation)
    }
    #expect(error.description == "\(error.file):\(line):\(column): error: \(error.message)", sourceLocation: sourceLocation)
}

/// Parses valid YAML; records an issue with every problem otherwise.
func playlist(_ yaml: String, file: String = "lobby.yaml", loader: PlaylistLoader = PlaylistLoader(),
              sourceLocation: SourceLocation = #_sourceLocation) throws -> Playlist {
    do {
        return try loader.parse(yaml: yaml, path: Fixtures.path(file))
    } catch {
        Issue.record("unexpected problems:\n\(error.description)", sourceLocation: sourceLocation)
        throw error
    }
}
