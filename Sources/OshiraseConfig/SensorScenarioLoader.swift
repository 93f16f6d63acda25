import Foundation
public import OshiraseCore
import Yams

/// Reads simulated-thermometer scenario files (`fixtures/sensors/*.yaml`, docs/sensors.md),
/// reporting every problem in a file at once as `FILE:LINE:COL: error: …`, as playlists do.
public enum SensorScenarioLoader {
    /// Scenario files above this size are refused before they are read; a real one is a few KiB.
    package static let maxFileBytes = 1024 * 1024

    static let fileKind = YAMLFileKind(
        noun: "sensor scenario", maxBytes: maxFileBytes,
        tooLargeAdvice: "; for endless visitors write random: true instead of listing them")

    /// Loads and checks the scenario at `path`.
    public static func load(path: String) throws(SourceErrors) -> SensorScenario {
        let text = try YAMLInput.read(path: path, as: fileKind)
        return try parse(yaml: text, path: path)
    }

    /// Parses scenario YAML; `path` names the file in errors and gives the default name.
    /// Text over ``maxFileBytes`` is refused as a file of that size would be.
    public static func parse(yaml: String, path: String) throws(SourceErrors) -> SensorScenario {
        if let problem = fileKind.sizeProblem(yaml.utf8.count, file: path) { throw problem }
        let (root, repeatedKeys) = try YAMLInput.compose(yaml, file: path)
        guard let root else {
            throw SourceErrors(errors: [SourceError(file: path, line: 1, column: 1,
                                                        message: "the file is empty: a sensor scenario needs steps (or random: true)")])
        }
        var walker = ScenarioWalker(file: path)
        walker.errors = repeatedKeys
        let scenario = walker.scenario(root)
        if let scenario, walker.errors.isEmpty { return scenario }
        throw SourceErrors(errors: walker.sortedErrors)
    }
}

/// The kinds of step, as spelled in a file.
private enum StepKind: String, CaseIterable {
    case empty, visitor, silence, disconnect, garbage
    case badChecksum = "bad-checksum"
}

private struct ScenarioWalker: NodeWalker {
    let file: String
    var errors: [SourceError] = []

    init(file: String) { self.file = file }

    static let topKeys = ["name", "rate", "ambient", "noise", "corruption", "seed", "repeat", "random", "steps"]
    /// Keys a visitor step takes besides `visitor`.
    static let visitorKeys = ["stand", "ambient", "unstable"]
    static let rateRange = 1.0...200.0
    static let ambientRange = -40.0...60.0
    static let celsiusRange = -40.0...100.0
    static let noiseRange = 0.0...5.0
    /// Longest empty stretch, silence or unplug: an hour.
    static let longestWait = 3600.0
    static let standRange = 0.1...60.0
    static let garbageRange = 1...100_000
    static let badFramesRange = 1...10_000

    mutating func scenario(_ root: Node) -> SensorScenario? {
        guard let f = fields(root, "a sensor scenario", allowed: ScenarioWalker.topKeys) else { return nil }
        var scenario = SensorScenario(name: defaultName, steps: [])
        if let n = f["name"], let value = string(n.value, "name") {
            if value.count > 200 {
                fail(n.value, "name is \(value.count) characters; keep it under 200 (it is shown in logs and on the status page)")
            } else {
                scenario.name = value
            }
        }
        if let r = f["rate"], let value = number(r.value, "rate", in: ScenarioWalker.rateRange, unit: "frames per second; the module sends 14") {
            scenario.rate = value
        }
        if let a = f["ambient"], let value = celsius(a.value, "ambient", in: ScenarioWalker.ambientRange) {
            scenario.ambient = value
        }
        if let n = f["noise"], let value = number(n.value, "noise", in: ScenarioWalker.noiseRange, unit: "± °C") {
            scenario.noise = value
        }
        if let c = f["corruption"], let value = corruption(c.value) { scenario.corruption = value }
        if let s = f["seed"], let value = integer(s.value, "seed") {
            if value < 0 { fail(s.value, "seed \(value) is negative: use a whole number from 0 up") } else { scenario.seed = UInt64(value) }
        }
        if let r = f["repeat"], let value = boolean(r.value, "repeat") { scenario.repeats = value }
        if let r = f["random"], let value = boolean(r.value, "random") { scenario.randomVisitors = value }
        if scenario.repeats, scenario.randomVisitors, let key = f["repeat"]?.key {
            fail(key, "repeat: true never comes into play with random: true (random visitors never end): remove one of them")
        }

        let example = "e.g. - visitor: 36.4 or - empty: 2s"
        if let s = f["steps"] {
            if let nodes = list(s.value, "steps", example: "one step per line, \(example)") {
                if nodes.isEmpty, !scenario.randomVisitors {
                    fail(s.value, "steps is empty: list what happens in front of the sensor (\(example)), or write random: true for random visitors")
                }
                scenario.steps = nodes.compactMap { step($0) }
            }
        } else if !scenario.randomVisitors {
            fail(root, "missing 'steps': list what happens in front of the sensor (\(example)), or write random: true for random visitors")
        }
        return errors.isEmpty ? scenario : nil
    }

    /// The file's name without its folder and extension: `fevers` for `fixtures/sensors/fevers.yaml`.
    var defaultName: String {
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return base.isEmpty ? "scenario" : base
    }

    // MARK: Steps

    mutating func step(_ node: Node) -> SensorScenario.Step? {
        let kinds = StepKind.allCases.map(\.rawValue)
        let listed = kinds.joined(separator: ", ")
        guard node.mapping != nil else {
            let hint = node.scalar.flatMap { YAMLInput.typingHint(inLines: [$0.string]) }.map { "; " + $0 } ?? ""
            fail(node, "a step must be a key and its value, e.g. '- visitor: 36.4' or '- empty: 2s' (steps: \(listed))\(hint)")
            return nil
        }
        let before = errors.count
        guard let f = fields(node, "a step", allowed: kinds + ScenarioWalker.visitorKeys) else { return nil }
        // In the order written, so a second kind is reported where it stands.
        let present = kinds.compactMap { name in f[name].map { (name: name, key: $0.key, value: $0.value) } }
            .sorted { ($0.key.mark?.line ?? 0, $0.key.mark?.column ?? 0) < ($1.key.mark?.line ?? 0, $1.key.mark?.column ?? 0) }
        guard let first = present.first, let kind = StepKind(rawValue: first.name) else {
            // A misspelt kind has been reported with a suggestion already.
            if errors.count == before {
                fail(node, "a step needs one of \(listed), e.g. '- visitor: 36.4' (stand, ambient and unstable go with a visitor)")
            }
            return nil
        }
        if present.count > 1 {
            fail(present[1].key, "one step is one thing: '\(first.name)' and '\(present[1].name)' are both here; give each its own '- ' line")
            return nil
        }
        if kind != .visitor {
            for key in ScenarioWalker.visitorKeys {
                if let k = f[key]?.key { fail(k, "'\(key)' goes with a visitor step, not with '\(first.name)'") }
            }
        }
        let value = first.value
        let result: SensorScenario.Step?
        switch kind {
        case .empty: result = wait(value, "empty").map { .empty(seconds: $0) }
        case .silence: result = wait(value, "silence").map { .silence(seconds: $0) }
        case .disconnect: result = wait(value, "disconnect").map { .disconnect(seconds: $0) }
        case .garbage:
            result = integer(value, "garbage", in: ScenarioWalker.garbageRange, unit: "stray bytes").map { .garbage(bytes: $0) }
        case .badChecksum:
            result = integer(value, "bad-checksum", in: ScenarioWalker.badFramesRange, unit: "frames").map { .badChecksum(frames: $0) }
        case .visitor:
            result = visitor(value, f)
        }
        return errors.count == before ? result : nil
    }

    mutating func visitor(_ value: Node, _ f: [String: (key: Node, value: Node)]) -> SensorScenario.Step? {
        let celsius = celsius(value, "visitor", in: ScenarioWalker.celsiusRange)
        var unstable = false
        if let u = f["unstable"], let v = boolean(u.value, "unstable") { unstable = v }
        var stand = unstable ? SensorScenario.defaultUnstableStand : SensorScenario.defaultStand
        if let s = f["stand"], let seconds = parsed(s.value, "stand", ValueParsers.interval) {
            let range = ScenarioWalker.standRange
            if range.contains(seconds) {
                stand = seconds
            } else {
                fail(s.value, "stand \(s.value.scalar?.string ?? "") is out of range: a visitor stands from 100ms to 60s")
            }
        }
        var ambient: Double?
        if let a = f["ambient"] { ambient = self.celsius(a.value, "ambient", in: ScenarioWalker.ambientRange) }
        guard let celsius else { return nil }
        return .visitor(celsius: celsius, stand: stand, ambient: ambient, unstable: unstable)
    }

    /// A span of time for an empty stretch, a silence or an unplug: more than zero, at most an hour.
    mutating func wait(_ node: Node, _ what: String) -> Double? {
        guard let seconds = parsed(node, what, ValueParsers.interval) else { return nil }
        guard seconds > 0, seconds <= ScenarioWalker.longestWait else {
            let text = node.scalar?.string ?? ""
            fail(node, seconds > 0 ? "\(what) \(text) is longer than an hour" : "\(what) \(text) is zero: leave the step out, or give it a time such as 2s")
            return nil
        }
        return seconds
    }

    // MARK: Values

    mutating func number(_ node: Node, _ what: String, in range: ClosedRange<Double>, unit: String) -> Double? {
        guard let value = number(node, what) else { return nil }
        guard range.contains(value) else {
            fail(node, "\(what) \(node.scalar?.string ?? "") is out of range: use \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)) (\(unit))")
            return nil
        }
        return value
    }

    /// A temperature in °C, written as a number, or with ℃ or °C after it as on the kiosk's screen.
    mutating func celsius(_ node: Node, _ what: String, in range: ClosedRange<Double>) -> Double? {
        let example = "a temperature in °C, e.g. \(what): \(what == "ambient" ? "22.5" : "36.4")"
        guard let scalar = node.scalar, scalar.style == .plain else {
            fail(node, "\(what) must be \(example)")
            return nil
        }
        var text = scalar.string.trimmingWhitespace
        for suffix in ["℃", "°C"] where text.hasSuffix(suffix) {
            text = String(text.dropLast(suffix.count)).trimmingWhitespace
        }
        guard !text.isEmpty, !["~", "null", "Null", "NULL"].contains(text) else {
            fail(node, "\(what) is empty: write \(example)")
            return nil
        }
        guard let value = Double(text), value.isFinite else {
            fail(node, "\(what) '\(scalar.string)' is not a number: write \(example)")
            return nil
        }
        guard range.contains(value) else {
            fail(node, "\(what) \(scalar.string) is out of range: use \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)) °C")
            return nil
        }
        return value
    }

    /// A fraction from 0 to 1, or a percentage: `0.1` or `10%`.
    mutating func corruption(_ node: Node) -> Double? {
        let advice = "a fraction of bytes from 0 to 1, or a percentage, e.g. corruption: 0.1 or corruption: 10%"
        guard let scalar = node.scalar, scalar.style == .plain else {
            fail(node, "corruption must be \(advice)")
            return nil
        }
        let text = scalar.string.trimmingWhitespace
        let percent = text.hasSuffix("%")
        guard let number = Double(percent ? String(text.dropLast()).trimmingWhitespace : text), number.isFinite else {
            fail(node, "corruption '\(scalar.string)' is not a number: write \(advice)")
            return nil
        }
        let fraction = percent ? number / 100 : number
        guard (0...1).contains(fraction) else {
            fail(node, "corruption \(scalar.string) is out of range: write \(advice)")
            return nil
        }
        return fraction
    }

    /// `1`, `0.5`: no trailing `.0` on whole numbers.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
