public import Foundation

/// One reading of a non-contact thermometer: the forehead (object) and the air around the sensor
/// (ambient), in °C. Never an image: a thermometer in Oshirase carries numbers only.
public struct ThermometerReading: Sendable, Equatable {
    public var object: Double
    public var ambient: Double
    public var time: Date

    public init(object: Double, ambient: Double, time: Date) {
        self.object = object
        self.ambient = ambient
        self.time = time
    }
}

/// Why a visitor is asked to measure again.
public enum RetryReason: String, Sendable, Equatable {
    /// The stable value is outside the plausible body range (34.0–42.0 °C by default).
    case outOfRange = "out-of-range"
    /// The readings never settled while the visitor stood there.
    case unstable
    /// The air is too cold for a forehead reading to mean anything.
    case coldAmbient = "cold-ambient"
}

/// The outcome of one visitor's check.
public enum ScreeningResult: Sendable, Equatable {
    case normal(celsius: Double)
    case fever(celsius: Double)
    case retry(RetryReason)

    /// The class name used in counts and metrics: `normal`, `fever`, `retry`.
    package var className: String {
        switch self {
        case .normal: "normal"
        case .fever: "fever"
        case .retry: "retry"
        }
    }
}

/// The rules of a temperature check, all configurable (docs/sensors.md).
public struct ScreeningPolicy: Sendable, Equatable {
    /// An object temperature above this means someone stands at the sensor.
    package var presenceThreshold: Double
    /// …and it must be this much warmer than the air, or a warm room would be a visitor.
    package var presenceAboveAmbient: Double
    /// At or above this the result is a fever.
    package var feverThreshold: Double
    /// Stable values outside this range ask for a retry.
    package var plausibleRange: ClosedRange<Double>
    /// Below this ambient temperature every result is a retry.
    package var minimumAmbient: Double
    /// Readings in the stable window, and how far apart they may be at most.
    package var stableCount: Int
    package var stableSpread: Double
    /// A visitor present this long without a stable window gets a retry.
    package var settleTimeout: Double
    /// How long a result stays on screen.
    public var resultHold: Double
    /// A sensor silent this long is offline.
    package var offlineAfter: Double

    public init(presenceThreshold: Double = 32.0, feverThreshold: Double = 37.5,
                plausibleRange: ClosedRange<Double> = 34.0...42.0, minimumAmbient: Double = 10.0,
                stableCount: Int = 7, stableSpread: Double = 0.3, settleTimeout: Double = 4.0,
                resultHold: Double = 5.0, offlineAfter: Double = 3.0, presenceAboveAmbient: Double = 1.5) {
        self.presenceThreshold = presenceThreshold
        self.presenceAboveAmbient = presenceAboveAmbient
        self.feverThreshold = feverThreshold
        self.plausibleRange = plausibleRange
        self.minimumAmbient = minimumAmbient
        self.stableCount = max(1, stableCount)
        self.stableSpread = stableSpread
        self.settleTimeout = settleTimeout
        self.resultHold = resultHold
        self.offlineAfter = offlineAfter
    }

    public static let standard = ScreeningPolicy()
}

/// What the kiosk's temperature panel shows.
public enum ScreeningPanel: Sendable, Equatable {
    /// Waiting for a visitor: the prompt.
    case idle
    /// Someone stands at the sensor; readings are being taken.
    case measuring
    /// A result, shown until `until`.
    case result(ScreeningResult, until: Date)
    /// No valid frame from the sensor for `offlineAfter` seconds: no value is shown at all.
    case offline
}

/// The screening state machine: pure, fed readings and the passing of time.
///
/// A visitor is detected when the object temperature rises above the presence threshold. The
/// result is the median of the first window of `stableCount` consecutive readings that lie
/// within `stableSpread` of each other. After a result, the next visitor is measured only once
/// the sensor has seen nobody (object below the threshold), so one person standing still gets
/// one result, not one every few seconds.
public struct Screening: Sendable, Equatable {
    public let policy: ScreeningPolicy
    public private(set) var panel: ScreeningPanel = .offline
    private var window: [Double] = []
    /// The ambient readings that came with `window`'s.
    private var ambients: [Double] = []
    private var presentSince: Date?
    private var lastValid: Date?
    /// True after a result until the visitor leaves.
    private var waitingForLeave = false

    public init(policy: ScreeningPolicy = .standard) {
        self.policy = policy
    }

    /// Takes one valid reading; returns the result when this reading completes one.
    @discardableResult
    public mutating func take(_ reading: ThermometerReading) -> ScreeningResult? {
        if let last = lastValid, reading.time < last.addingTimeInterval(-1) { restart() }
        lastValid = reading.time
        if case .offline = panel { panel = .idle }
        endHeldResult(at: reading.time)
        // In a warm entrance the background itself can be above the threshold: someone is there
        // only when the object is also clearly warmer than the air.
        let present = reading.object > max(policy.presenceThreshold, reading.ambient + policy.presenceAboveAmbient)
        guard present else {
            waitingForLeave = false
            window = []
            ambients = []
            presentSince = nil
            if case .measuring = panel { panel = .idle }
            return nil
        }
        if waitingForLeave { return nil }
        if presentSince == nil {
            // Someone new: the previous visitor's result, if still held, is not theirs to see.
            presentSince = reading.time
            panel = .measuring
        }
        window.append(reading.object)
        ambients.append(reading.ambient)
        if window.count > policy.stableCount {
            window.removeFirst(window.count - policy.stableCount)
            ambients.removeFirst(ambients.count - policy.stableCount)
        }

        var result: ScreeningResult?
        if window.count == policy.stableCount, Self.median(ambients) < policy.minimumAmbient {
            // Judged on the window, not one reading: a single noisy ambient value ends nobody's check.
            result = .retry(.coldAmbient)
        } else if window.count == policy.stableCount, let low = window.min(), let high = window.max(),
                  high - low <= policy.stableSpread {
            result = Self.classify(celsius: Self.median(window), policy: policy)
        } else if let since = presentSince, reading.time.timeIntervalSince(since) >= policy.settleTimeout {
            result = .retry(.unstable)
        }
        guard let result else { return nil }
        panel = .result(result, until: reading.time.addingTimeInterval(policy.resultHold))
        waitingForLeave = true
        window = []
        ambients = []
        presentSince = nil
        return result
    }

    /// Ends a held result whose time is up, or that the clock can no longer time (set back, so
    /// `until` lies further ahead than a whole hold).
    private mutating func endHeldResult(at time: Date) {
        guard case .result(_, let until) = panel else { return }
        if time >= until || until.timeIntervalSince(time) > policy.resultHold + 1 { panel = .idle }
    }

    /// The wall clock was set back: nothing timed before the step can be trusted, so whatever was
    /// under way starts again from the prompt.
    private mutating func restart() {
        if case .offline = panel {} else { panel = .idle }
        window = []
        ambients = []
        presentSince = nil
        waitingForLeave = false
    }

    /// Lets time pass without a valid reading: results expire, and a silent sensor goes offline.
    package mutating func tick(at time: Date) {
        if let last = lastValid, time < last.addingTimeInterval(-1) {
            // Set back: the silence is timed from now on.
            restart()
            lastValid = time
        }
        if let lastValid, time.timeIntervalSince(lastValid) >= policy.offlineAfter {
            goOffline()
            return
        }
        if lastValid == nil {
            panel = .offline
            return
        }
        endHeldResult(at: time)
    }

    /// The next instant at which the panel changes with no reading at all: a result's hold ends,
    /// or a sensor that stays silent goes offline (nil: nothing is pending).
    package var nextChange: Date? {
        var next = lastValid.map { $0.addingTimeInterval(policy.offlineAfter) }
        if case .result(_, let until) = panel { next = min(next ?? until, until) }
        return next
    }

    /// The sensor is gone (unplugged, I/O error): nothing it said before may stay on screen.
    package mutating func goOffline() {
        panel = .offline
        window = []
        ambients = []
        presentSince = nil
        waitingForLeave = false
        lastValid = nil
    }

    /// The class of a stable reading of `celsius` (to one decimal, as shown) with ambient air at
    /// `ambient`: what `oshirase render --temperature` shows and the state machine decides.
    public static func classify(celsius: Double, ambient: Double? = nil, policy: ScreeningPolicy = .standard) -> ScreeningResult {
        if let ambient, ambient < policy.minimumAmbient { return .retry(.coldAmbient) }
        guard policy.plausibleRange.contains(celsius) else { return .retry(.outOfRange) }
        let shown = (celsius * 10).rounded() / 10
        return shown >= policy.feverThreshold ? .fever(celsius: shown) : .normal(celsius: shown)
    }

    /// The middle value (the mean of the two middle ones for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
