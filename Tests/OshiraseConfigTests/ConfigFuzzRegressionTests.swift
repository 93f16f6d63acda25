import Foundation
import Testing
@testable import OshiraseConfig

/// The fuzz harnesses (Fuzz/) hand YAML to the loaders as text; it must meet the same limits a
/// file does, and whatever the fuzzer found lives on here as a test.
@Suite("YAML handed in as text is held to a file's limits")
struct ConfigFuzzRegressionTests {
    /// Text one byte over `limit`, in a YAML comment so only the size can be wrong.
    static func text(over limit: Int) -> String {
        "# " + String(repeating: "x", count: limit - 2) + "\n"
    }

    static func firstMessage(_ body: () throws(SourceErrors) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.errors.first?.message
        }
    }

    @Test func playlistTextOverTheFileLimitIsRefusedBeforeParsing() {
        let message = Self.firstMessage { () throws(SourceErrors) in
            _ = try PlaylistLoader().parse(yaml: Self.text(over: PlaylistLoader.maxFileBytes), path: "big.yaml")
        }
        #expect(message?.contains("more than the 4 MiB a playlist may be") == true, "\(message ?? "accepted")")
    }

    @Test func configTextOverTheFileLimitIsRefusedBeforeParsing() {
        let message = Self.firstMessage { () throws(SourceErrors) in
            _ = try SiteConfigLoader().parse(yaml: Self.text(over: SiteConfigLoader.maxFileBytes), path: "big.yaml")
        }
        #expect(message?.contains("more than the 1 MiB a config may be") == true, "\(message ?? "accepted")")
    }

    @Test func scenarioTextOverTheFileLimitIsRefusedBeforeParsing() {
        let message = Self.firstMessage { () throws(SourceErrors) in
            _ = try SensorScenarioLoader.parse(yaml: Self.text(over: SensorScenarioLoader.maxFileBytes), path: "big.yaml")
        }
        #expect(message?.contains("more than the 1 MiB a sensor scenario may be") == true, "\(message ?? "accepted")")
    }

    @Test func textAtTheLimitIsStillRead() {
        let message = Self.firstMessage { () throws(SourceErrors) in
            let atLimit = "#" + String(repeating: "x", count: SensorScenarioLoader.maxFileBytes - 2) + "\n"
            _ = try SensorScenarioLoader.parse(yaml: atLimit, path: "edge.yaml")
        }
        #expect(message?.contains("MiB") != true, "\(message ?? "accepted")")
    }

    // MARK: Findings

    /// The fuzzer's config with fourteen repeated top-level keys: each one set aside cost a whole
    /// parse again (1.3 s under ASan for 2.7 KiB). It still reports repeated keys, with positions,
    /// but parses again only within the budget.
    @Test func repeatedKeysAreReportedWithinTheReparseBudget() throws {
        let url = repositoryRoot.appendingPathComponent("fixtures/fuzz/regressions/site-config/repeated-keys-timeout.yaml")
        let text = try #require(String(data: try Data(contentsOf: url), encoding: .utf8))
        let errors = Self.errors { () throws(SourceErrors) in
            _ = try SiteConfigLoader().parse(yaml: text, path: "fuzz.yaml")
        }
        let repeated = errors.filter { $0.message.hasPrefix("duplicate key") }
        #expect(repeated.count >= 2, "\(errors.map(\.description))")
        #expect(repeated.count <= YAMLInput.repeatedKeyBudget / text.utf8.count + 1, "\(repeated.count) reparses")
        #expect(repeated.allSatisfy { $0.line > 1 && $0.column >= 1 })
    }

    /// A large file with repeated keys in many items is parsed once, its first repeated key reported.
    @Test func aLargeFileWithRepeatedKeysIsNotParsedAgain() {
        var yaml = "name: 本庁舎1階ロビー\nitems:\n"
        for n in 0..<1_000 {
            yaml += "  - id: c\(n)\n    clock: \"HH:mm\"\n    clock: \"HH:mm\"\n"
        }
        #expect(yaml.utf8.count > YAMLInput.repeatedKeyBudget)
        let errors = Self.errors { () throws(SourceErrors) in
            _ = try PlaylistLoader(checksImages: false).parse(yaml: yaml, path: "big.yaml")
        }
        #expect(errors.map(\.message) == ["duplicate key 'clock' in the same mapping (first at line 4)"])
        #expect(errors.first?.line == 5 && errors.first?.column == 5)
    }

    /// A small hand-written file still has all its repeated keys reported in one run.
    @Test func aSmallFileHasEveryRepeatedKeyReported() {
        let yaml = "name: a\nname: b\nitems:\n  - id: x\n    clock: \"HH:mm\"\n    clock: \"HH:mm\"\nitems: []\n"
        let errors = Self.errors { () throws(SourceErrors) in
            _ = try PlaylistLoader(checksImages: false).parse(yaml: yaml, path: "small.yaml")
        }
        #expect(errors.filter { $0.message.hasPrefix("duplicate key") }.count == 3, "\(errors.map(\.description))")
    }

    /// A playlist the fuzzer saved as a timeout while the machine ran ten processes on two cores;
    /// alone it takes about 10 ms of CPU under ASan. It stays as a seed and as this check that it
    /// is refused with positioned errors.
    @Test func playlistSavedAsATimeoutUnderLoadIsRefusedWithPositions() throws {
        let url = repositoryRoot.appendingPathComponent("fixtures/fuzz/regressions/playlist/load-timeout.yaml")
        let text = try #require(String(data: try Data(contentsOf: url), encoding: .utf8))
        let errors = Self.errors { () throws(SourceErrors) in
            _ = try PlaylistLoader(checksImages: false).parse(yaml: text, path: "fuzz.yaml")
        }
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0.file == "fuzz.yaml" && $0.line >= 1 && $0.column >= 1 && !$0.message.isEmpty })
    }

    static func errors(_ body: () throws(SourceErrors) -> Void) -> [SourceError] {
        do {
            try body()
            return []
        } catch {
            return error.errors
        }
    }
}
