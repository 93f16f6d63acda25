import Foundation
import OshiraseCore
import Yams

/// The `sensors:` section: thermometers, their devices or scenarios, and which displays show them (docs/sensors.md).
extension ConfigWalker {
    // MARK: Sensors

    static let sensorKeys = ["name", "kind", "device", "baud", "scenario", "seed", "displays", "presence", "fever",
                             "range", "min-ambient", "hold", "notice"]
    static let baudRates = [9600, 115200]
    /// Body temperatures a rule may name at all: anything outside is a typo.
    static let celsiusRange = 20.0...45.0

    mutating func sensors(_ node: Node, displays: [DisplayConfig]) -> [SensorConfig] {
        guard let nodes = list(node, "sensors", example: "one entry per thermometer, each starting with '- name:'") else { return [] }
        var result: [SensorConfig] = []
        var names: [String: Int] = [:]
        var devices: [String: String] = [:]
        var fed: [String: String] = [:]
        for n in nodes {
            guard let sensor = self.sensor(n, displays: displays) else { continue }
            let line = n.mapping?["name"]?.mark?.line ?? 0
            if let first = names[sensor.name] {
                fail(n.mapping?["name"], "duplicate sensor name '\(sensor.name)' (first at line \(first))")
                continue
            }
            names[sensor.name] = line
            if case .gyMCU90614(let device, _) = sensor.source {
                if let other = devices[device] {
                    fail(n.mapping?["device"] ?? n, "sensor '\(sensor.name)' reads \(device), as sensor '\(other)' does: one sensor per serial device")
                    continue
                }
                devices[device] = sensor.name
            }
            var clash = false
            for display in sensor.displays {
                if let other = fed[display] {
                    fail(n.mapping?["displays"] ?? n, "display '\(display)' already shows sensor '\(other)': a panel shows one thermometer")
                    clash = true
                }
            }
            if clash { continue }
            for display in sensor.displays { fed[display] = sensor.name }
            result.append(sensor)
        }
        return result
    }

    mutating func sensor(_ node: Node, displays: [DisplayConfig]) -> SensorConfig? {
        guard let f = fields(node, "a sensor", allowed: ConfigWalker.sensorKeys) else { return nil }
        let before = errors.count
        var name: String?
        if let n = f["name"] { name = identifier(n.value, "sensor name") } else { fail(node, "sensor is missing its 'name', e.g. name: entrance-thermometer") }
        let label = name.map { "sensor '\($0)'" } ?? "sensor"

        let kinds = ["gy-mcu90614", "simulated"]
        var kind: String?
        if let k = f["kind"], let value = string(k.value, "sensor kind") {
            if kinds.contains(value) { kind = value } else {
                var message = "unknown sensor kind '\(value)'"
                if let guess = closest(value, in: kinds) { message += "; did you mean '\(guess)'?" }
                fail(k.value, message + " (known: \(kinds.joined(separator: ", ")))")
            }
        } else if f["kind"] == nil {
            fail(node, "\(label) is missing its 'kind' (\(kinds.joined(separator: ", ")))")
        }
        let owners = ["device": "gy-mcu90614", "baud": "gy-mcu90614", "scenario": "simulated", "seed": "simulated"]
        if let kind {
            for (key, owner) in owners.sorted(by: { $0.key < $1.key }) where owner != kind {
                if let k = f[key]?.key { fail(k, "'\(key)' applies only to \(owner) sensors, not \(kind)") }
            }
        }

        var source: SensorSource?
        switch kind {
        case "gy-mcu90614":
            var device: String?
            if let d = f["device"] { device = path(d.value, "device") } else {
                fail(node, "\(label) is missing its 'device', the serial line, e.g. device: /dev/ttyUSB0 (or a udev name under /dev/serial/by-id/)")
            }
            var baud = 9600
            if let b = f["baud"], let value = integer(b.value, "baud") {
                if ConfigWalker.baudRates.contains(value) { baud = value } else {
                    fail(b.value, "baud \(value) is not one the GY-MCU90614 speaks: use 9600 (its default) or 115200")
                }
            }
            if let device { source = .gyMCU90614(device: device, baud: baud) }
        case "simulated":
            var scenario: String?
            if let s = f["scenario"] {
                scenario = path(s.value, "scenario")
                // Read now, so a broken scenario stops the daemon with the config's other errors.
                if let file = scenario {
                    do {
                        _ = try SensorScenarioLoader.load(path: file)
                    } catch {
                        errors.append(contentsOf: error.errors)
                    }
                }
            }
            var seed: UInt64 = 1
            if let s = f["seed"], let value = integer(s.value, "seed", in: 0...Int.max) {
                if f["scenario"] != nil {
                    fail(s.key, "'seed' seeds the random visitors, which a scenario replaces: set the seed inside the scenario file, or leave out 'scenario'")
                } else {
                    seed = UInt64(value)
                }
            }
            if scenario != nil || f["scenario"] == nil { source = .simulated(scenario: scenario, seed: seed) }
        default:
            break
        }

        var shown: [String] = []
        if let d = f["displays"] {
            shown = sensorDisplays(d.value, label: label, displays: displays)
        } else {
            fail(node, "\(label) is missing its 'displays', the kiosks whose panel shows it, e.g. displays: [entrance]")
        }

        var policy = ScreeningPolicy.standard
        let rulesBefore = errors.count
        func celsius(_ key: String) -> Double? {
            guard let c = f[key], let value = number(c.value, key) else { return nil }
            guard ConfigWalker.celsiusRange.contains(value) else {
                fail(c.value, "\(key) \(value) ℃ is not a body temperature rule: use a value from 20 to 45 ℃")
                return nil
            }
            return value
        }
        if let v = celsius("presence") { policy.presenceThreshold = v }
        if let v = celsius("fever") { policy.feverThreshold = v }
        if let v = f["min-ambient"], let value = number(v.value, "min-ambient") {
            if (-20.0...35.0).contains(value) { policy.minimumAmbient = value } else {
                fail(v.value, "min-ambient \(value) ℃ is out of range: use -20 to 35 ℃")
            }
        }
        if let r = f["range"] {
            if let range = temperatureRange(r.value) { policy.plausibleRange = range }
        }
        if let h = f["hold"], let seconds = parsed(h.value, "hold", ValueParsers.interval) {
            if (0.5...60.0).contains(seconds) { policy.resultHold = seconds } else {
                fail(h.value, "hold \(h.value.scalar?.string ?? "") is out of range: show a result from 500ms to 60s")
            }
        }
        if errors.count == rulesBefore {
            if !policy.plausibleRange.contains(policy.feverThreshold) {
                fail(f["fever"]?.value ?? f["range"]?.value ?? node,
                     "fever \(policy.feverThreshold) ℃ lies outside range \(policy.plausibleRange.lowerBound)-\(policy.plausibleRange.upperBound) ℃: no visitor could ever be a fever")
            } else if policy.presenceThreshold >= policy.plausibleRange.lowerBound {
                fail(f["presence"]?.value ?? f["range"]?.value ?? node,
                     "presence \(policy.presenceThreshold) ℃ must be below the range's low end \(policy.plausibleRange.lowerBound) ℃, or cool foreheads would never be measured")
            }
        }

        var notice: String?
        if let n = f["notice"] {
            let word = n.value.scalar.flatMap { $0.style == .plain ? $0.string : nil }
            if let word, ["true", "false"].contains(word) {
                notice = word == "true" ? SensorConfig.defaultNotice : nil
            } else if let word, ["yes", "no", "on", "off", "y", "n", "true", "false"].contains(word.lowercased()) {
                // YAML 1.1 spellings of yes and no: showing the word itself on the panel would be wrong either way.
                fail(n.value, "notice must be true (the standard privacy line), false, or the text to show, not '\(word)'; to show that very word, quote it")
            } else if let text = string(n.value, "notice") {
                if text.count > 160 {
                    fail(n.value, "notice is \(text.count) characters; the panel fits 160: keep it to the purpose and that nothing is stored")
                } else if let problem = loader.checkText?(text) {
                    fail(n.value, "notice \(problem)")
                } else {
                    notice = text
                }
            }
        }

        guard errors.count == before, let name, let source else { return nil }
        return SensorConfig(name: name, source: source, displays: shown, policy: policy, notice: notice)
    }

    /// `34.0-42.0`: the stable values a result may have; outside it the visitor is asked to retry.
    mutating func temperatureRange(_ node: Node) -> ClosedRange<Double>? {
        guard let text = string(node, "range") else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let low = Double(parts[0]), let high = Double(parts[1]) else {
            fail(node, "range '\(text)' must be two temperatures in ℃, low-high, e.g. range: 34.0-42.0")
            return nil
        }
        guard low < high, ConfigWalker.celsiusRange.contains(low), ConfigWalker.celsiusRange.contains(high) else {
            fail(node, "range '\(text)' must go from a lower to a higher temperature, both from 20 to 45 ℃")
            return nil
        }
        return low...high
    }

    /// The displays a sensor feeds: each must exist and have a temperature panel.
    mutating func sensorDisplays(_ node: Node, label: String, displays: [DisplayConfig]) -> [String] {
        guard let nodes = list(node, "displays", example: "e.g. displays: [entrance]") else { return [] }
        if nodes.isEmpty { fail(node, "displays is empty: \(label) would show on no screen") }
        var result: [String] = []
        for n in nodes {
            guard let value = string(n, "display") else { continue }
            guard let display = displays.first(where: { $0.name == value }) else {
                let names = displays.map(\.name)
                var message = "unknown display '\(value)'"
                if let guess = closest(value, in: names) { message += "; did you mean '\(guess)'?" }
                fail(n, message + " (displays: \(names.joined(separator: ", ")))")
                continue
            }
            guard display.profile.temperaturePanel != nil else {
                fail(n, "display '\(value)' has profile \(display.profile.name), which has no temperature panel: use dsign-clean, or a profile based on it")
                continue
            }
            if result.contains(value) {
                fail(n, "display '\(value)' is listed twice")
                continue
            }
            result.append(value)
        }
        return result
    }
}
