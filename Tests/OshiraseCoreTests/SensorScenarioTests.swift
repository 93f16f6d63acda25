import Foundation
@testable import OshiraseCore
import Testing

/// The simulator's performance, pure: which frames a scenario sends, when, and how they are damaged.
@Suite("Sensor scenario performance")
struct SensorScenarioTests {
    typealias Frame = (at: Double, object: Double, ambient: Double, bytes: [UInt8], corrupted: Bool)

    func frames(_ actions: some Sequence<TimedAction>) -> [Frame] {
        actions.compactMap {
            guard case .frame(let object, let ambient, let bytes, let corrupted) = $0.action else { return nil }
            return ($0.at, object, ambient, bytes, corrupted)
        }
    }

    func scenario(_ steps: [SensorScenario.Step], rate: Double = 10, noise: Double = 0, corruption: Double = 0,
                  seed: UInt64 = 1, repeats: Bool = false) -> SensorScenario {
        SensorScenario(name: "テスト", rate: rate, ambient: 22.0, noise: noise, corruption: corruption, seed: seed,
                       steps: steps, repeats: repeats)
    }

    /// The class results of feeding every valid frame to the screening policy.
    func results(_ scenario: SensorScenario) -> [ScreeningResult] {
        var screening = Screening()
        let t0 = Date(timeIntervalSince1970: 1_795_737_600)
        return frames(ScenarioPerformer(scenario)).filter { !$0.corrupted }.compactMap {
            screening.take(ThermometerReading(object: $0.object, ambient: $0.ambient, time: t0.addingTimeInterval($0.at)))
        }
    }

    @Test func aVisitorRampsUpStandsAtTheirTemperatureAndLeaves() {
        let played = frames(ScenarioPerformer(scenario([.visitor(celsius: 36.4, stand: 1.0)])))
        let objects = played.map(\.object)
        #expect(objects.count == 3 + 10 + 3, "3 approach frames, 1 s at 10 frames/s, 3 leaving")
        #expect(objects[0..<3] == [25.6, 29.2, 32.8], "rising from ambient towards the skin value")
        #expect(objects[3..<13].allSatisfy { $0 == 36.4 })
        #expect(objects[13..<16] == [29.2, 24.88, 22.0], "falling back below the presence threshold, to ambient")
        #expect(played.allSatisfy { $0.ambient == 22.0 && !$0.corrupted })
        #expect(played.allSatisfy { $0.bytes == ThermometerWire.frame(object: $0.object, ambient: $0.ambient) })
    }

    @Test func framesFollowTheRateAndSilenceMovesTimeOn() {
        let actions = Array(ScenarioPerformer(scenario([.empty(seconds: 1), .silence(seconds: 2), .empty(seconds: 0.5)],
                                                      rate: 14)))
        let times = frames(actions).map(\.at)
        #expect(times.count == 14 + 7)
        for i in 1..<times.count where i != 14 {
            #expect(abs(times[i] - times[i - 1] - 1.0 / 14) < 1e-9, "frame \(i)")
        }
        #expect(abs(times[14] - 3.0) < 1e-9, "the silence leaves a 2 s hole after the first second")
    }

    @Test func aDisconnectUnplugsThenReplugsAfterItsTime() {
        let actions = Array(ScenarioPerformer(scenario([.empty(seconds: 0.2), .disconnect(seconds: 3), .empty(seconds: 0.1)])))
        let kinds = actions.map { action -> String in
            switch action.action {
            case .frame: "frame"
            case .bytes: "bytes"
            case .unplug: "unplug"
            case .replug: "replug"
            }
        }
        #expect(kinds == ["frame", "frame", "unplug", "replug", "frame"])
        #expect(abs(actions[3].at - actions[2].at - 3) < 1e-9)
        #expect(abs(actions[4].at - actions[3].at) < 1e-9, "frames resume at the replug")
    }

    @Test func garbageIsTheAskedNumberOfBytesAndBadChecksumsAreOffByOne() {
        let actions = Array(ScenarioPerformer(scenario([.garbage(bytes: 40), .badChecksum(frames: 3)])))
        guard case .bytes(let garbage) = actions.first?.action else {
            Issue.record("no garbage: \(actions)")
            return
        }
        #expect(garbage.count == 40)
        #expect(garbage.contains(0x5A), "frame-start bytes among the garbage make the reader resynchronise")
        let bad = frames(actions)
        #expect(bad.count == 3)
        for frame in bad {
            var valid = ThermometerWire.frame(object: frame.object, ambient: frame.ambient)
            valid[8] &+= 1
            #expect(frame.bytes == valid && frame.corrupted)
        }
    }

    @Test func noiseStaysWithinItsBound() {
        let played = frames(ScenarioPerformer(scenario([.visitor(celsius: 36.5, stand: 20)], noise: 0.2)))
        let standing = played[3..<(played.count - 3)].map(\.object)
        #expect(standing.allSatisfy { abs($0 - 36.5) <= 0.2 + 0.005 })
        #expect(Set(standing).count > 20, "the readings do vary")
    }

    @Test("Corruption damages the asked fraction of bytes, and each frame's flag says exactly whether it was damaged")
    func corruptionFractionAndFlagsAreExact() {
        let played = frames(ScenarioPerformer(scenario([.empty(seconds: 1000)], corruption: 0.1)))
        #expect(played.count == 10_000)
        var changed = 0
        for frame in played {
            let valid = ThermometerWire.frame(object: frame.object, ambient: frame.ambient)
            let differing = zip(valid, frame.bytes).filter { $0 != $1 }.count
            changed += differing
            #expect(frame.corrupted == (differing > 0))
        }
        let fraction = Double(changed) / Double(played.count * 9)
        #expect(abs(fraction - 0.1) < 0.005, "\(fraction)")
    }

    @Test func theSameSeedPlaysTheSameBytesAndAnotherSeedDoesNot() {
        let steps: [SensorScenario.Step] = [.empty(seconds: 2), .visitor(celsius: 36.6), .garbage(bytes: 30)]
        let a = Array(ScenarioPerformer(scenario(steps, noise: 0.1, corruption: 0.05, seed: 42)))
        let b = Array(ScenarioPerformer(scenario(steps, noise: 0.1, corruption: 0.05, seed: 42)))
        let c = Array(ScenarioPerformer(scenario(steps, noise: 0.1, corruption: 0.05, seed: 43)))
        #expect(a == b)
        #expect(a != c)
        let random1 = Array(ScenarioPerformer(.random(seed: 5)).prefix(2000))
        let random2 = Array(ScenarioPerformer(.random(seed: 5)).prefix(2000))
        #expect(random1 == random2)
    }

    @Test func corruptionDoesNotChangeTheMeantReadings() {
        let steps: [SensorScenario.Step] = [.empty(seconds: 2), .visitor(celsius: 36.6), .visitor(celsius: 37.9)]
        let clean = frames(ScenarioPerformer(scenario(steps, noise: 0.1, seed: 8)))
        let damaged = frames(ScenarioPerformer(scenario(steps, noise: 0.1, corruption: 0.2, seed: 8)))
        #expect(clean.map(\.object) == damaged.map(\.object))
        #expect(damaged.contains { $0.corrupted })
    }

    @Test func aRepeatingScenarioStartsAgainAndAPlainOneEnds() {
        let once = Array(ScenarioPerformer(scenario([.empty(seconds: 0.5)])))
        #expect(once.count == 5)
        let again = Array(ScenarioPerformer(scenario([.empty(seconds: 0.5)], repeats: true)).prefix(12))
        #expect(again.count == 12)
        #expect(abs(again[11].at - 1.1) < 1e-9, "time runs on across repeats")
        let onlySilence = Array(ScenarioPerformer(scenario([.silence(seconds: 1)], repeats: true)).prefix(5))
        #expect(onlySilence.isEmpty, "a repeating scenario that never sends anything ends instead of spinning")
    }

    @Test func randomVisitorsAreMostlyNormalWithSomeFeversAndSomeMoving() {
        for seed: UInt64 in [1, 2024] {
            var source = StepSource(.random(seed: seed))
            var visitors: [(celsius: Double, unstable: Bool)] = []
            var gaps: [Double] = []
            while visitors.count < 500, let step = source.next() {
                switch step {
                case .visitor(let celsius, _, _, let unstable): visitors.append((celsius, unstable))
                case .empty(let seconds): gaps.append(seconds)
                default: Issue.record("unexpected step \(step)")
                }
            }
            let fevers = visitors.filter { $0.celsius >= 37.5 }
            let moving = visitors.filter(\.unstable)
            #expect(fevers.allSatisfy { (37.5...38.6).contains($0.celsius) && !$0.unstable })
            #expect(visitors.filter { $0.celsius < 37.5 }.allSatisfy { (35.8...37.2).contains($0.celsius) })
            #expect((25...60).contains(fevers.count), "about 1 in 12 of 500: \(fevers.count)")
            #expect((18...50).contains(moving.count), "about 1 in 15 of 500: \(moving.count)")
            #expect(gaps.allSatisfy { (1.5...6).contains($0) })
        }
    }

    // MARK: Through the screening policy

    @Test func theScreeningPolicyReadsEachKindOfVisitorAsMeant() {
        let steps: [SensorScenario.Step] = [
            .empty(seconds: 2), .visitor(celsius: 36.4), .empty(seconds: 1), .visitor(celsius: 37.8),
            .visitor(celsius: 36.5, stand: SensorScenario.defaultUnstableStand, unstable: true),
            .visitor(celsius: 36.6, ambient: 8), .visitor(celsius: 33.0), .empty(seconds: 1),
        ]
        #expect(results(scenario(steps, rate: 14, noise: 0.05)) == [
            .normal(celsius: 36.4), .fever(celsius: 37.8), .retry(.unstable), .retry(.coldAmbient), .retry(.outOfRange),
        ])
    }

    @Test func randomVisitorsAllGetAResult() {
        var random = SensorScenario.random(seed: 99)
        var source = StepSource(random)
        random.steps = (0..<200).compactMap { _ in source.next() }
        random.randomVisitors = false
        let found = results(random)
        #expect(found.count == 100, "one result per visitor")
        #expect(found.contains { $0.className == "fever" } && found.contains { $0.className == "normal" })
    }
}
