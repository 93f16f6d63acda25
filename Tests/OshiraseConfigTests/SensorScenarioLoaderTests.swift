import Foundation
import OshiraseCore
@testable import OshiraseConfig
import Testing

/// Scenario files for the simulated thermometer: the fixtures load and play as their comments
/// say, and each mistake is reported at its line and column.
@Suite("Sensor scenario files")
struct SensorScenarioLoaderTests {
    static let folder = repositoryRoot.appendingPathComponent("fixtures/sensors")
    static let file = "fixtures/sensors/test.yaml"

    func problems(_ yaml: String) -> [SourceError] {
        do {
            _ = try SensorScenarioLoader.parse(yaml: yaml, path: Self.file)
            return []
        } catch {
            return error.errors
        }
    }

    func problem(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceError {
        let found = problems(yaml)
        #expect(found.count == 1, "expected one problem, got: \(found.map(\.description))", sourceLocation: sourceLocation)
        return try #require(found.first, sourceLocation: sourceLocation)
    }

    func scenario(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SensorScenario {
        do {
            return try SensorScenarioLoader.parse(yaml: yaml, path: Self.file)
        } catch {
            Issue.record("unexpected problems:\n\(error.description)", sourceLocation: sourceLocation)
            throw error
        }
    }

    func fixture(_ name: String) throws -> SensorScenario {
        try SensorScenarioLoader.load(path: Self.folder.appendingPathComponent(name).path)
    }

    /// What the screening policy decides for each visitor of a scenario played once.
    func results(_ scenario: SensorScenario) -> [ScreeningResult] {
        var once = scenario
        once.repeats = false
        var screening = Screening()
        let t0 = Date(timeIntervalSince1970: 1_795_737_600)
        return ScenarioPerformer(once).compactMap { timed -> ScreeningResult? in
            guard case .frame(let object, let ambient, _, false) = timed.action else { return nil }
            return screening.take(ThermometerReading(object: object, ambient: ambient, time: t0.addingTimeInterval(timed.at)))
        }
    }

    // MARK: The fixtures

    @Test func everyFixtureLoads() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(names).isSuperset(of: ["morning-visitors.yaml", "fevers.yaml", "winter-entrance.yaml", "faults.yaml",
                                           "unstable.yaml", "random.yaml"]))
        for name in names {
            #expect(throws: Never.self, "\(name)") { _ = try fixture(name) }
        }
    }

    @Test func morningVisitorsAreAllNormalAndRepeat() throws {
        let morning = try fixture("morning-visitors.yaml")
        #expect(morning.name == "朝の来庁者 / morning visitors")
        #expect(morning.rate == 14 && morning.ambient == 22.5 && morning.noise == 0.05 && morning.seed == 7 && morning.repeats)
        #expect(morning.steps[1] == .visitor(celsius: 36.4, stand: 1.5))
        #expect(morning.steps[4] == .empty(seconds: 4))
        let found = results(morning)
        #expect(found.count == 7 && found.allSatisfy { $0.className == "normal" }, "\(found)")
    }

    @Test func feversAreShownAsTheFileSays() throws {
        #expect(results(try fixture("fevers.yaml")) == [
            .normal(celsius: 36.5), .fever(celsius: 37.8), .normal(celsius: 36.8), .fever(celsius: 38.4),
            .fever(celsius: 37.5), .normal(celsius: 37.4), .fever(celsius: 39.2), .normal(celsius: 36.6),
        ])
    }

    @Test func aColdEntranceAsksForARetryUntilTheHeatingCatchesUp() throws {
        #expect(results(try fixture("winter-entrance.yaml")) == [
            .retry(.coldAmbient), .retry(.coldAmbient), .retry(.coldAmbient), .normal(celsius: 35.6), .normal(celsius: 36.1),
        ])
    }

    @Test func movingVisitorsAndImpossibleReadingsAskForARetry() throws {
        let unstable = try fixture("unstable.yaml")
        #expect(unstable.steps[1] == .visitor(celsius: 36.5, stand: 5, unstable: true), "an unstable visitor stands 5 s unless told")
        #expect(results(unstable) == [.retry(.unstable), .retry(.outOfRange), .retry(.outOfRange), .normal(celsius: 36.6)])
    }

    @Test func faultsHaveEveryKindAndTheVisitorsAreStillNormal() throws {
        let faults = try fixture("faults.yaml")
        #expect(faults.corruption == 0.01)
        #expect(faults.steps.contains(.silence(seconds: 5)) && faults.steps.contains(.disconnect(seconds: 4))
            && faults.steps.contains(.garbage(bytes: 64)) && faults.steps.contains(.badChecksum(frames: 5)))
        let found = results(faults)
        #expect(found.count == 5 && found.allSatisfy { $0.className == "normal" }, "\(found)")
    }

    @Test func theRandomFixtureNeedsNoSteps() throws {
        let random = try fixture("random.yaml")
        #expect(random.randomVisitors && random.steps.isEmpty && random.seed == 42)
        #expect(Array(ScenarioPerformer(random).prefix(1000)).count == 1000, "random visitors never end")
    }

    @Test func theDocumentedExampleLoadsAndTheDocumentedMistakesGiveTheDocumentedMessages() throws {
        let doc = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/sensors.md"), encoding: .utf8)
        let section = try #require(doc.components(separatedBy: "## The simulator").last)
        let blocks = section.components(separatedBy: "```").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let yamlBlocks = blocks.filter { $0.hasPrefix("yaml\n") }.map { String($0.dropFirst(5)) }
        try #require(yamlBlocks.count == 2 && blocks.count == 3)
        let example = try SensorScenarioLoader.parse(yaml: yamlBlocks[0], path: "scenario.yaml")
        #expect(example.steps.count == 11 && example.repeats)
        let printed = blocks[2].trimmingCharacters(in: .newlines)
        do {
            _ = try SensorScenarioLoader.parse(yaml: yamlBlocks[1], path: "scenario.yaml")
            Issue.record("the documented mistakes were accepted")
        } catch {
            #expect(error.description == printed)
        }
    }

    // MARK: Values and defaults

    @Test func defaultsApplyAndTheNameComesFromTheFile() throws {
        let s = try scenario("steps:\n  - visitor: 36.4\n")
        #expect(s == SensorScenario(name: "test", rate: 14, ambient: 22, noise: 0, corruption: 0, seed: 1,
                                    steps: [.visitor(celsius: 36.4, stand: 1.5, ambient: nil, unstable: false)]))
    }

    @Test func everyStepKindIsRead() throws {
        let s = try scenario("""
            steps:
              - empty: 2s
              - visitor: 36.4℃
                stand: 2.5s
                ambient: 8
              - visitor: 36.5
                unstable: true
              - silence: 500ms
              - disconnect: 1m
              - garbage: 40
              - bad-checksum: 3
              - { visitor: 37.8, stand: 3s }
            """)
        #expect(s.steps == [
            .empty(seconds: 2), .visitor(celsius: 36.4, stand: 2.5, ambient: 8), .visitor(celsius: 36.5, stand: 5, unstable: true),
            .silence(seconds: 0.5), .disconnect(seconds: 60), .garbage(bytes: 40), .badChecksum(frames: 3),
            .visitor(celsius: 37.8, stand: 3),
        ])
    }

    @Test func corruptionMayBeAPercentage() throws {
        #expect(try scenario("corruption: 10%\nsteps: [{ empty: 1s }]").corruption == 0.1)
        #expect(try scenario("corruption: 0.25\nsteps: [{ empty: 1s }]").corruption == 0.25)
    }

    @Test func randomNeedsNoStepsAndPlaysListedStepsFirst() throws {
        let s = try scenario("random: true\nseed: 12\nsteps:\n  - disconnect: 1s\n")
        #expect(s.randomVisitors && s.steps == [.disconnect(seconds: 1)] && s.seed == 12)
        let first = ScenarioPerformer(s).prefix(2).map(\.action)
        #expect(first == [.unplug, .replug])
    }

    // MARK: Errors, each at its place

    @Test func aMisspeltKeyGetsASuggestion() throws {
        let e = try problem("""
            steps:
              - visitor: 36.4
                stnad: 2s
            """)
        expect(e, at: 3, 5, "unknown key 'stnad' in a step", "did you mean 'stand'?")
    }

    @Test func aMisspeltTopKeyAndStepKindGetSuggestions() {
        let found = problems("""
            repeats: true
            steps:
              - vistor: 36.4
              - bad_checksum: 2
            """)
        #expect(found.count == 3, "\(found.map(\.description))")
        guard found.count == 3 else { return }
        expect(found[0], at: 1, 1, "unknown key 'repeats'", "did you mean 'repeat'?")
        expect(found[1], at: 3, 5, "unknown key 'vistor'", "did you mean 'visitor'?")
        expect(found[2], at: 4, 5, "unknown key 'bad_checksum'", "did you mean 'bad-checksum'?")
    }

    @Test func valuesOutOfRangeNameTheRange() {
        let found = problems("""
            rate: 500
            ambient: 80
            noise: 6
            corruption: 1.5
            seed: -1
            steps:
              - visitor: 120
              - visitor: 36.4
                stand: 2m
              - garbage: 0
              - bad-checksum: 20000
            """)
        #expect(found.count == 9, "\(found.map(\.description))")
        guard found.count == 9 else { return }
        expect(found[0], at: 1, 7, "rate 500 is out of range: use 1 to 200 (frames per second")
        expect(found[1], at: 2, 10, "ambient 80 is out of range: use -40 to 60 °C")
        expect(found[2], at: 3, 8, "noise 6 is out of range: use 0 to 5")
        expect(found[3], at: 4, 13, "corruption 1.5 is out of range", "10%")
        expect(found[4], at: 5, 7, "seed -1 is negative")
        expect(found[5], at: 7, 14, "visitor 120 is out of range: use -40 to 100 °C")
        expect(found[6], at: 9, 12, "stand 2m is out of range", "100ms to 60s")
        expect(found[7], at: 10, 14, "garbage 0 is out of range: use 1 to 100000 stray bytes")
        expect(found[8], at: 11, 19, "bad-checksum 20000 is out of range")
    }

    @Test func badDurationsAndNumbersAreExplained() {
        let found = problems("""
            rate: fast
            steps:
              - empty: 2
              - silence: 0s
              - disconnect: 2h
              - visitor: warm
              - garbage: many
              - visitor: 36.4
                unstable: yes
            """)
        #expect(found.count == 7, "\(found.map(\.description))")
        guard found.count == 7 else { return }
        expect(found[0], at: 1, 7, "rate must be a number")
        expect(found[1], at: 3, 12, "bad duration '2'", "e.g. 500ms, 0.4s, 1s")
        expect(found[2], at: 4, 14, "silence 0s is zero")
        expect(found[3], at: 5, 17, "disconnect 2h is longer than an hour")
        expect(found[4], at: 6, 14, "visitor 'warm' is not a number", "e.g. visitor: 36.4")
        expect(found[5], at: 7, 14, "garbage must be a whole number of stray bytes")
        expect(found[6], at: 9, 15, "unstable must be true or false, not 'yes'")
    }

    @Test func aStepIsOneThing() throws {
        let e = try problem("""
            steps:
              - visitor: 36.4
                silence: 2s
            """)
        expect(e, at: 3, 5, "one step is one thing: 'visitor' and 'silence' are both here")
    }

    @Test func visitorKeysBelongToVisitors() throws {
        let e = try problem("""
            steps:
              - empty: 2s
                stand: 1s
            """)
        expect(e, at: 3, 5, "'stand' goes with a visitor step, not with 'empty'")
    }

    @Test func aStepWithoutAKindOrNotAMappingIsExplained() {
        let found = problems("""
            steps:
              - stand: 2s
              - visitor
            """)
        #expect(found.count == 2, "\(found.map(\.description))")
        guard found.count == 2 else { return }
        expect(found[0], at: 2, 5, "a step needs one of empty, visitor, silence, disconnect, garbage, bad-checksum")
        expect(found[1], at: 3, 5, "a step must be a key and its value, e.g. '- visitor: 36.4'")
    }

    @Test func stepsAreRequiredUnlessRandom() throws {
        expect(try problem("name: 空の玄関\n"), at: 1, 1, "missing 'steps'", "random: true")
        expect(try problem("steps: []\n"), at: 1, 8, "steps is empty", "random: true")
        #expect(try scenario("random: true\nsteps: []\n").randomVisitors)
    }

    @Test func repeatAndRandomTogetherAreRefused() throws {
        let e = try problem("random: true\nrepeat: true\n")
        expect(e, at: 2, 1, "repeat: true never comes into play with random: true")
    }

    @Test func emptyAndMissingFilesAreReportedAtTheStart() {
        #expect(problems("").map(\.description) == ["\(Self.file):1:1: error: the file is empty: a sensor scenario needs steps (or random: true)"])
        let path = Self.folder.appendingPathComponent("no-such-scenario.yaml").path
        #expect {
            _ = try SensorScenarioLoader.load(path: path)
        } throws: { error in
            (error as? SourceErrors)?.errors.map(\.description) == ["\(path):1:1: error: no such file"]
        }
    }

    @Test func aRepeatedKeyAndASyntaxErrorArePlaced() {
        let repeated = problems("seed: 1\nseed: 2\nsteps: [{ empty: 1s }]\n")
        #expect(repeated.map { "\($0.line):\($0.column)" } == ["2:1"] && repeated.first?.message.contains("duplicate key 'seed'") == true)
        let full = problems("steps:\n  - visitor：36.4\n")
        #expect(full.count == 1 && full.first?.message.contains("full-width colon") == true, "\(full.map(\.description))")
    }
}
