/// What a simulated thermometer plays (docs/sensors.md): visitors stepping up to the kiosk, empty
/// stretches, and the faults a serial line has (silence, an unplug, garbage, damaged frames).
///
/// A scenario is a list of steps, played once or in a loop, optionally followed by an endless
/// stream of seeded random visitors. Everything random (noise, corruption, garbage, random
/// visitors) comes from `seed`, so one seed always plays exactly the same bytes.
public struct SensorScenario: Sendable, Equatable {
    /// One thing that happens in front of (or to) the sensor.
    public enum Step: Sendable, Equatable {
        /// Nobody there for `seconds`: the object reads the background, near ambient, below the
        /// presence threshold.
        case empty(seconds: Double)
        /// A visitor whose forehead reads `celsius`, standing for `stand` seconds after a short
        /// approach. `ambient` overrides the scenario's ambient while they stand there (a door
        /// opened in winter); an `unstable` visitor moves, so the reading wanders by up to ±1 °C.
        case visitor(celsius: Double, stand: Double = SensorScenario.defaultStand, ambient: Double? = nil,
                     unstable: Bool = false)
        /// The device sends nothing for `seconds` but stays plugged in.
        case silence(seconds: Double)
        /// The device is unplugged for `seconds`, then plugged in again.
        case disconnect(seconds: Double)
        /// `bytes` stray bytes on the line (a baud mismatch, a loose wire).
        case garbage(bytes: Int)
        /// `frames` frames whose checksum is off by one.
        case badChecksum(frames: Int)
    }

    /// Shown in logs and the status page.
    public var name: String
    /// Frames per second while the device streams (the module sends about 14).
    public var rate: Double
    /// The air temperature the sensor reports, °C.
    public var ambient: Double
    /// Each object reading is off by a uniform random amount within ± this many °C.
    package var noise: Double
    /// The fraction (0…1) of frame bytes replaced by a different random byte.
    package var corruption: Double
    /// Seeds every random choice.
    public var seed: UInt64
    public var steps: [Step]
    /// Play the steps again from the start when they end.
    package var repeats: Bool
    /// After the listed steps, seeded random visitors forever.
    package var randomVisitors: Bool

    /// The GY-MCU90614's continuous output rate, frames per second.
    public static let defaultRate = 14.0
    public static let defaultAmbient = 22.0
    /// How long a visitor stands at the sensor unless told.
    public static let defaultStand = 1.5
    /// How long an unstable visitor stands unless told: longer than the screening policy's
    /// settle timeout (4 s), so the kiosk has time to give up and ask for a retry.
    package static let defaultUnstableStand = 5.0

    public init(name: String, rate: Double = SensorScenario.defaultRate, ambient: Double = SensorScenario.defaultAmbient,
                noise: Double = 0, corruption: Double = 0, seed: UInt64 = 1, steps: [Step], repeats: Bool = false,
                randomVisitors: Bool = false) {
        self.name = name
        self.rate = rate
        self.ambient = ambient
        self.noise = noise
        self.corruption = corruption
        self.seed = seed
        self.steps = steps
        self.repeats = repeats
        self.randomVisitors = randomVisitors
    }

    /// Endless seeded random visitors with a little sensor noise: mostly normal (35.8–37.2 °C),
    /// about 1 in 12 with a fever (37.5–38.6 °C), about 1 in 15 moving, with 1.5–6 s of nobody
    /// between them.
    package static func random(seed: UInt64, rate: Double = SensorScenario.defaultRate) -> SensorScenario {
        SensorScenario(name: "random visitors (seed \(seed))", rate: rate, noise: 0.05, seed: seed, steps: [],
                       randomVisitors: true)
    }
}

/// What the simulated device does to the line at one moment.
package enum WireAction: Sendable, Equatable {
    /// One 9-byte frame. `object` and `ambient` are the values the frame was meant to carry (as
    /// the reader decodes them, in hundredths of °C); `corrupted` is true when `bytes` is not
    /// that valid frame (damaged bytes or a bad checksum), so a reader must not report it.
    case frame(object: Double, ambient: Double, bytes: [UInt8], corrupted: Bool)
    /// Stray bytes that are no frame.
    case bytes([UInt8])
    /// The device is unplugged: its line disappears.
    case unplug
    /// The device is plugged in again; it streams once asked to.
    case replug
}

/// A wire action and when it happens, in seconds from the start of the scenario.
package struct TimedAction: Sendable, Equatable {
    package var at: Double
    package var action: WireAction

    package init(at: Double, action: WireAction) {
        self.at = at
        self.action = action
    }
}

/// Plays a scenario as timed wire actions: pure, so a test reads exactly what a pseudo-terminal
/// would be sent, and endless for a repeating or random scenario (take a `prefix`).
///
/// Frames come every `1 / rate` seconds. A visitor is three approach frames rising from the
/// background (ambient) to their temperature, `stand × rate` frames at it, and three frames
/// falling back, the last at the background again: with ambient air below the presence
/// threshold the kiosk sees them leave, and the next visitor is someone new. Silence and a
/// disconnect move time on without frames; stray bytes take one frame's slot.
package struct ScenarioPerformer: Sendable, IteratorProtocol, Sequence {
    package let scenario: SensorScenario
    private var source: StepSource
    /// The frames of the step being played, made one at a time: an hour of nobody at 200 frames
    /// a second is never held in memory.
    private var run: FrameRun?
    /// The step's other actions (an unplug and replug, stray bytes).
    private var pending: [TimedAction] = []
    private var nextPending = 0
    /// Seconds from the start at which the next action happens.
    private var cursor = 0.0
    // One stream per purpose, so turning corruption up does not change the visitors or the noise.
    private var noiseRandom: SplitMix64
    private var corruptionRandom: SplitMix64
    private var garbageRandom: SplitMix64

    /// Where a visitor's reading is on the way in and on the way out, as a fraction of the way
    /// from the background to their temperature.
    static let approach = [0.25, 0.5, 0.75]
    static let leave = [0.5, 0.2, 0.0]

    package init(_ scenario: SensorScenario) {
        self.scenario = scenario
        source = StepSource(scenario)
        noiseRandom = SplitMix64(seed: scenario.seed ^ 0x6E6F_6973_6500_0001)
        corruptionRandom = SplitMix64(seed: scenario.seed ^ 0x636F_7272_7570_0002)
        garbageRandom = SplitMix64(seed: scenario.seed ^ 0x6761_7262_6167_0003)
    }

    package mutating func next() -> TimedAction? {
        // Steps that send nothing (silence) are played through; a repeating scenario of nothing
        // but silence ends instead of looping here forever.
        var silentSteps = 0
        while true {
            if nextPending < pending.count {
                defer { nextPending += 1 }
                return pending[nextPending]
            }
            if var current = run, current.index < current.count {
                let action = frame(of: current)
                current.index += 1
                run = current
                return action
            }
            run = nil
            pending.removeAll(keepingCapacity: true)
            nextPending = 0
            guard let step = source.next() else { return nil }
            start(step)
            if pending.isEmpty, run == nil {
                silentSteps += 1
                if silentSteps > scenario.steps.count { return nil }
            }
        }
    }

    private var framePeriod: Double { 1 / Swift.max(scenario.rate, 0.001) }

    private mutating func start(_ step: SensorScenario.Step) {
        let ambient = scenario.ambient
        switch step {
        case .empty(let seconds):
            run = FrameRun(shape: .steady(object: ambient), ambient: ambient, count: frameCount(seconds))
        case .visitor(let celsius, let stand, let visitorAmbient, let unstable):
            let standing = frameCount(stand)
            run = FrameRun(shape: .visitor(celsius: celsius, standing: standing, unstable: unstable),
                           ambient: visitorAmbient ?? ambient, count: Self.approach.count + standing + Self.leave.count)
        case .silence(let seconds):
            cursor += Swift.max(0, seconds)
        case .disconnect(let seconds):
            pending.append(TimedAction(at: cursor, action: .unplug))
            cursor += Swift.max(0, seconds)
            pending.append(TimedAction(at: cursor, action: .replug))
        case .garbage(let count):
            // Many stray bytes are 0x5A, a frame's first byte, so the reader must keep looking.
            let bytes = (0..<Swift.max(0, count)).map { _ -> UInt8 in
                let raw = garbageRandom.next()
                return raw & 3 == 0 ? 0x5A : UInt8(truncatingIfNeeded: raw >> 8)
            }
            pending.append(TimedAction(at: cursor, action: .bytes(bytes)))
            cursor += framePeriod
        case .badChecksum(let frames):
            run = FrameRun(shape: .badChecksum, ambient: ambient, count: Swift.max(0, frames))
        }
    }

    /// Frames in `seconds` at the scenario's rate; at least one.
    private func frameCount(_ seconds: Double) -> Int {
        let count = (seconds * scenario.rate).rounded()
        guard count >= 1 else { return 1 }  // also for NaN
        return count > 10_000_000 ? 10_000_000 : Int(count)
    }

    /// The next frame of a run.
    private mutating func frame(of run: FrameRun) -> TimedAction {
        let air = run.ambient
        switch run.shape {
        case .steady(let object):
            return frame(object: jittered(object), ambient: air)
        case .badChecksum:
            return frame(object: air, ambient: air, badChecksum: true)
        case .visitor(let celsius, let standing, let unstable):
            let rise = celsius - air
            let approaching = Self.approach.count
            if run.index < approaching {
                return frame(object: jittered(air + rise * Self.approach[run.index]), ambient: air)
            }
            let i = run.index - approaching
            guard i < standing else {
                return frame(object: jittered(air + rise * Self.leave[Swift.min(i - standing, Self.leave.count - 1)]), ambient: air)
            }
            var value = celsius
            if unstable {
                // The sign flips every two frames, so any seven in a row (the stable window)
                // hold both sides and spread at least 0.8 °C: a moving head never settles.
                let swing = 0.4 + 0.6 * noiseRandom.unit()
                value += (i / 2) % 2 == 0 ? swing : -swing
            }
            return frame(object: jittered(value), ambient: air)
        }
    }

    private mutating func jittered(_ celsius: Double) -> Double {
        guard scenario.noise > 0 else { return celsius }
        return celsius + scenario.noise * (2 * noiseRandom.unit() - 1)
    }

    /// The frame for these values at the current time, damaged as the scenario says.
    private mutating func frame(object: Double, ambient: Double, badChecksum: Bool = false) -> TimedAction {
        let object = ThermometerWire.quantized(object), ambient = ThermometerWire.quantized(ambient)
        var bytes = ThermometerWire.frame(object: object, ambient: ambient)
        var corrupted = badChecksum
        if badChecksum { bytes[8] &+= 1 }
        if scenario.corruption > 0 {
            for i in bytes.indices where corruptionRandom.unit() < scenario.corruption {
                // XOR with a non-zero byte: the replacement always differs, so `corruption` is
                // the fraction of bytes that change.
                bytes[i] ^= UInt8(1 + corruptionRandom.next() % 255)
                corrupted = true
            }
        }
        defer { cursor += framePeriod }
        return TimedAction(at: cursor, action: .frame(object: object, ambient: ambient, bytes: bytes, corrupted: corrupted))
    }
}

/// A run of frames one step sends, and how far through it the performance is.
private struct FrameRun: Sendable {
    enum Shape: Sendable {
        /// Nobody there: the background, ± noise.
        case steady(object: Double)
        /// Approach, `standing` frames at `celsius`, leave.
        case visitor(celsius: Double, standing: Int, unstable: Bool)
        /// The background in frames whose checksum is off by one.
        case badChecksum
    }

    var shape: Shape
    /// The ambient the frames report.
    var ambient: Double
    var count: Int
    var index = 0
}

/// The listed steps, again from the start when the scenario repeats, then random visitors when
/// it asks for them.
struct StepSource: Sendable {
    private let steps: [SensorScenario.Step]
    private let repeats: Bool
    private let randomVisitors: Bool
    private var index = 0
    private var random: SplitMix64
    private var visitorNext = false

    init(_ scenario: SensorScenario) {
        steps = scenario.steps
        repeats = scenario.repeats
        randomVisitors = scenario.randomVisitors
        random = SplitMix64(seed: scenario.seed)
    }

    mutating func next() -> SensorScenario.Step? {
        if index == steps.count, repeats, !steps.isEmpty { index = 0 }
        if index < steps.count {
            defer { index += 1 }
            return steps[index]
        }
        return randomVisitors ? randomStep() : nil
    }

    /// Nobody for a while, then a visitor; again and again.
    private mutating func randomStep() -> SensorScenario.Step {
        func tenths(_ value: Double) -> Double { (value * 10).rounded() / 10 }
        defer { visitorNext.toggle() }
        if !visitorNext { return .empty(seconds: tenths(random.uniform(1.5, 6))) }
        let kind = random.unit()
        if kind < 1.0 / 12 {
            return .visitor(celsius: tenths(random.uniform(37.5, 38.6)), stand: tenths(random.uniform(1.2, 2.5)))
        }
        if kind < 1.0 / 12 + 1.0 / 15 {
            return .visitor(celsius: tenths(random.uniform(35.8, 37.2)), stand: tenths(random.uniform(4.5, 6)),
                            unstable: true)
        }
        return .visitor(celsius: tenths(random.uniform(35.8, 37.2)), stand: tenths(random.uniform(1.2, 2.5)))
    }
}

/// SplitMix64: a tiny generator whose sequence depends on the seed alone, on every platform and
/// Swift version (the standard library's own random helpers promise neither).
package struct SplitMix64: Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0 ..< 1 with 53 random bits.
    package mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A value in `low ..< high`.
    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }
}

/// The GY-MCU90614's reading frame, encoded here so the pure performance needs no device code.
/// It must stay byte-for-byte the same as `GYMCU90614.frame(object:ambient:)` in
/// OshiraseDevices; a test there checks both agree.
enum ThermometerWire {
    /// The value as the frame carries it: hundredths of °C, clamped to a signed 16-bit word.
    static func hundredths(_ celsius: Double) -> Int16 {
        guard celsius.isFinite else { return 0 }
        return Int16(clamping: Int((min(max(celsius, -400), 400) * 100).rounded()))
    }

    /// `celsius` as the reader will decode it.
    static func quantized(_ celsius: Double) -> Double { Double(hundredths(celsius)) / 100 }

    /// `5A 5A 45 04 TOh TOl TAh TAl SUM`.
    static func frame(object: Double, ambient: Double) -> [UInt8] {
        let o = UInt16(bitPattern: hundredths(object)), a = UInt16(bitPattern: hundredths(ambient))
        var bytes: [UInt8] = [0x5A, 0x5A, 0x45, 0x04, UInt8(o >> 8), UInt8(o & 0xFF), UInt8(a >> 8), UInt8(a & 0xFF)]
        bytes.append(UInt8(truncatingIfNeeded: bytes.reduce(0) { $0 + Int($1) }))
        return bytes
    }
}
