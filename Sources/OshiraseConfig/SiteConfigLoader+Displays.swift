import Foundation
import OshiraseCore
import Yams

enum OutputKind: String, CaseIterable {
    case drm, fbdev
    case pngDir = "png-dir"
    case memory

    /// The keys each kind takes besides `kind`.
    var keys: [String] {
        switch self {
        case .drm: ["device", "connector"]
        case .fbdev: ["device", "pan"]
        case .pngDir: ["directory", "interval"]
        case .memory: []
        }
    }
}

enum GammaCurve: String, CaseIterable {
    case cie1931, none
}

enum TransitionName: String, CaseIterable {
    case cut, fade
}

/// A display as read, with the nodes the checks across displays point at.
struct ReadDisplay {
    var config: DisplayConfig
    var nameNode: Node
    var outputNode: Node
    /// The `region:` value, when the file gives one.
    var regionNode: Node?
    /// The device node and connector of a drm or fbdev output.
    var device: (path: String, connector: String?, node: Node)?
}

/// The `profiles:` and `displays:` sections: sizes, outputs, fades, regions, power and LED light (docs/config.md).
extension ConfigWalker {
    // MARK: Profiles

    mutating func profiles(_ node: Node) -> [DisplayProfile] {
        guard let nodes = list(node, "profiles", example: "one entry per profile, each starting with '- name:'") else { return [] }
        var result: [DisplayProfile] = []
        var firstUse: [String: Int] = [:]
        for n in nodes {
            guard let f = fields(n, "a profile", allowed: ["name", "base", "width", "height"]) else { continue }
            let before = errors.count
            var name: String?
            if let nn = f["name"], let value = identifier(nn.value, "profile name") {
                if DisplayProfile.named(value) != nil {
                    fail(nn.value, "profile '\(value)' is built in: give yours another name, e.g. \(value)-east")
                } else if let line = firstUse[value] {
                    fail(nn.value, "duplicate profile name '\(value)' (first at line \(line))")
                } else {
                    firstUse[value] = nn.value.mark?.line ?? 0
                    name = value
                }
            } else if f["name"] == nil {
                fail(n, "profile is missing its 'name'")
            }
            var base: DisplayProfile?
            if let b = f["base"] {
                base = builtInProfile(b.value)
            } else {
                fail(n, "profile is missing its 'base', the built-in profile whose kind and text sizes it takes (\(builtInProfileNames.joined(separator: ", ")))")
            }
            var size: [String: Int] = [:]
            for side in ["width", "height"] {
                if let s = f[side] {
                    size[side] = integer(s.value, side, in: ConfigWalker.profileSizeRange)
                } else {
                    fail(n, "profile is missing its '\(side)' in pixels")
                }
            }
            guard errors.count == before, let name, let base, let width = size["width"], let height = size["height"] else { continue }
            result.append(DisplayProfile(name: name, width: width, height: height, kind: base.kind,
                                         minimumTextSize: base.minimumTextSize, tickerSpeed: base.tickerSpeed))
        }
        return result
    }

    mutating func builtInProfile(_ node: Node) -> DisplayProfile? {
        guard let name = string(node, "base") else { return nil }
        if let profile = DisplayProfile.named(name) { return profile }
        var message = "unknown base profile '\(name)'"
        if let guess = closest(name, in: builtInProfileNames) { message += "; did you mean '\(guess)'?" }
        fail(node, message + " (a base is a built-in profile: \(builtInProfileNames.joined(separator: ", ")))")
        return nil
    }

    /// A name made of `a-z`, `0-9` and `-`: it appears in URLs, file names and metrics labels.
    mutating func identifier(_ node: Node, _ what: String) -> String? {
        guard let value = string(node, what) else { return nil }
        let allowed = value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard allowed, value.count <= 64 else {
            fail(node, "\(what) '\(value)' must be at most 64 of the characters a–z, 0–9 and '-', e.g. lobby or led-wall (it names the display in URLs, files and metrics)")
            return nil
        }
        return value
    }

    // MARK: Displays

    mutating func displays(_ node: Node, profiles: [DisplayProfile]) -> [DisplayConfig] {
        guard let nodes = list(node, "displays", example: "one entry per display, each starting with '- name:'") else { return [] }
        if nodes.isEmpty { fail(node, "displays is empty: the box needs at least one display") }
        let known = DisplayProfile.builtIn + profiles
        var read: [ReadDisplay] = []
        var firstUse: [String: Int] = [:]
        for n in nodes {
            let display = self.display(n, profiles: known)
            // Checked on the name node itself, so a display with other problems is checked too.
            if let nameNode = n.mapping?["name"], let name = nameNode.scalar?.string, !name.trimmingWhitespace.isEmpty {
                if let line = firstUse[name] {
                    fail(nameNode, "duplicate display name '\(name)' (first at line \(line))")
                    continue
                }
                firstUse[name] = nameNode.mark?.line ?? 0
            }
            if let display { read.append(display) }
        }
        checkSharedDevices(read)
        return read.map(\.config)
    }

    /// A drm or fbdev device drives one display in this version: DRM lets one master program
    /// set the picture per card, and two framebuffer writers would clear and pan over each other.
    /// (An LED wall gets its own output, with a region saying where the sending card reads it.)
    mutating func checkSharedDevices(_ displays: [ReadDisplay]) {
        for (index, later) in displays.enumerated() {
            guard let device = later.device else { continue }
            for earlier in displays[..<index] {
                guard let other = earlier.device, other.path == device.path,
                      earlier.config.output.kind == later.config.output.kind else { continue }
                let firstLine = earlier.nameNode.mark?.line ?? 0
                fail(later.device?.node ?? later.outputNode,
                     "display '\(later.config.name)' uses \(device.path), as display '\(earlier.config.name)' (line \(firstLine)) does: one display per device; give each display its own card or framebuffer")
                break
            }
        }
    }

    mutating func display(_ node: Node, profiles: [DisplayProfile]) -> ReadDisplay? {
        guard let f = fields(node, "a display", allowed: ConfigWalker.displayKeys) else { return nil }
        let before = errors.count

        var name: String?
        if let n = f["name"] { name = identifier(n.value, "display name") } else { fail(node, "display is missing its 'name'") }
        let label = name.map { "display '\($0)'" } ?? "display"

        var profile: DisplayProfile?
        if let p = f["profile"], let value = string(p.value, "profile") {
            if let found = profiles.first(where: { $0.name == value }) {
                profile = found
            } else {
                let names = profiles.map(\.name)
                var message = "unknown profile '\(value)'"
                if let guess = closest(value, in: names) { message += "; did you mean '\(guess)'?" }
                fail(p.value, message + " (known: \(names.joined(separator: ", ")); define more under profiles:)")
            }
        } else if f["profile"] == nil {
            fail(node, "\(label) is missing its 'profile' (\(profiles.map(\.name).joined(separator: ", ")))")
        }

        var output: (config: OutputConfig, device: (path: String, connector: String?, node: Node)?)?
        if let o = f["output"] { output = self.output(o.value) } else {
            fail(node, "\(label) is missing its 'output', e.g. output: { kind: drm, device: /dev/dri/card0 }")
        }

        var fps: Int?
        if let r = f["fps"] { fps = integer(r.value, "fps", in: 1...120) }

        var transition = Transition.cut
        if let t = f["transition"], let value = self.transition(t.value) { transition = value }

        var region = PixelRegion.origin
        if let r = f["region"], let value = self.region(r.value) {
            region = value
            if let kind = output?.config.kind, kind != "drm", kind != "fbdev" {
                fail(r.key, "'region' applies only to drm and fbdev outputs (a \(kind) output gets the frame at its own size)")
            }
        }

        var power: PowerSchedule?
        if let p = f["power"] { power = self.power(p.value) }

        if let profile, profile.kind != .led {
            for key in ConfigWalker.ledKeys {
                if let k = f[key]?.key {
                    fail(k, "'\(key)' applies only to LED walls (profile led-vision or one based on it); \(label) has profile \(profile.name)")
                }
            }
        }

        var brightness: [BrightnessWindow] = []
        if let b = f["brightness"] { brightness = self.brightness(b.value) }

        var cieGamma = LightOutput.defaultCIEGamma
        if let g = f["gamma"], let curve = choice(g.value, "gamma", GammaCurve.self) { cieGamma = curve == .cie1931 }

        var staticTickers: TimeWindow?
        if let s = f["static-tickers"] { staticTickers = parsed(s.value, "static-tickers", ValueParsers.timeWindow) }

        guard errors.count == before, let name, let profile, let output, let nameNode = f["name"]?.value,
              let outputNode = f["output"]?.value else { return nil }
        let config = DisplayConfig(name: name, profile: profile, output: output.config, region: region, fps: fps,
                                   transition: transition, brightness: brightness, cieGamma: cieGamma,
                                   staticTickers: staticTickers, power: power)
        return ReadDisplay(config: config, nameNode: nameNode, outputNode: outputNode, regionNode: f["region"]?.value,
                           device: output.device)
    }

    mutating func output(_ node: Node) -> (config: OutputConfig, device: (path: String, connector: String?, node: Node)?)? {
        let kinds = OutputKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard node.mapping != nil else {
            fail(node, "output must be a mapping with a kind (\(kinds)), e.g. { kind: drm, device: /dev/dri/card0 }")
            return nil
        }
        let allKeys = ["kind"] + OutputKind.allCases.flatMap(\.keys).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard let f = fields(node, "output", allowed: allKeys) else { return nil }
        guard let k = f["kind"] else {
            fail(node, "output is missing its 'kind' (\(kinds))")
            return nil
        }
        guard let kind = choice(k.value, "output kind", OutputKind.self) else { return nil }
        let before = errors.count
        for key in allKeys.dropFirst() where !kind.keys.contains(key) {
            guard let keyNode = f[key]?.key else { continue }
            let owners = OutputKind.allCases.filter { $0.keys.contains(key) }.map(\.rawValue)
            fail(keyNode, "'\(key)' applies only to \(owners.joined(separator: " and ")) outputs, not \(kind.rawValue)")
        }
        switch kind {
        case .drm, .fbdev:
            let defaultDevice = kind == .drm ? "/dev/dri/card0" : "/dev/fb0"
            var device = defaultDevice
            if let d = f["device"], let value = path(d.value, "device") { device = value }
            var connector: String?
            if let c = f["connector"], let value = string(c.value, "connector") {
                if ConfigWalker.isConnectorName(value) {
                    connector = value
                } else {
                    fail(c.value, "connector '\(value)' is not a DRM connector name: write it as the kernel does, e.g. HDMI-A-1, DP-1 or eDP-1 (listed in /sys/class/drm as card0-HDMI-A-1)")
                }
            }
            var pan = false
            if let p = f["pan"], let value = boolean(p.value, "pan") { pan = value }
            guard errors.count == before else { return nil }
            let config: OutputConfig = kind == .drm ? .drm(device: device, connector: connector) : .fbdev(device: device, pan: pan)
            return (config, (device, connector, f["device"]?.value ?? node))
        case .pngDir:
            var directory: String?
            if let d = f["directory"] { directory = path(d.value, "directory") } else {
                fail(node, "a png-dir output needs a 'directory' for its PNG files")
            }
            var interval = 1.0
            if let i = f["interval"], let value = parsed(i.value, "interval", ValueParsers.interval) {
                let range = ConfigWalker.pngIntervalRange
                if range.contains(value) {
                    interval = value
                } else {
                    fail(i.value, "interval \(i.value.scalar?.string ?? "") is out of range: write a PNG at most every 100ms and at least every hour (100ms to 1h)")
                }
            }
            guard errors.count == before, let directory else { return nil }
            return (.pngDirectory(directory: directory, minimumInterval: interval), nil)
        case .memory:
            guard errors.count == before else { return nil }
            return (.memory, nil)
        }
    }

    /// `HDMI-A-1`, `DP-1`, `eDP-1`, `DSI-1`, `Virtual-1`: a type name, a dash, a number.
    static func isConnectorName(_ text: String) -> Bool {
        guard let dash = text.lastIndex(of: "-"), dash != text.startIndex else { return false }
        let type = text[..<dash], number = text[text.index(after: dash)...]
        return !number.isEmpty && number.allSatisfy { $0.isASCII && $0.isNumber }
            && type.first.map { $0.isASCII && $0.isLetter } == true
            && type.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    mutating func transition(_ node: Node) -> Transition? {
        let example = "cut, fade, or { fade: 500ms }"
        if node.mapping != nil {
            guard let f = fields(node, "transition", allowed: ["fade"]) else { return nil }
            guard let fade = f["fade"] else {
                // A misspelt key has been reported already; an empty mapping has not.
                if f.isEmpty, node.mapping?.count == 0 { fail(node, "transition must be \(example)") }
                return nil
            }
            guard let seconds = parsed(fade.value, "fade", ValueParsers.interval) else { return nil }
            guard seconds > 0 else {
                fail(fade.value, "a fade of zero is a cut: write transition: cut")
                return nil
            }
            guard seconds <= ConfigWalker.maxFadeSeconds else {
                fail(fade.value, "fade \(fade.value.scalar?.string ?? "") is longer than 5s: an item would spend its time half-faded")
                return nil
            }
            return .fade(seconds: seconds)
        }
        guard node.scalar != nil else {
            fail(node, "transition must be \(example), not a list")
            return nil
        }
        switch choice(node, "transition", TransitionName.self) {
        case .cut: return .cut
        case .fade: return .fade(seconds: ConfigWalker.defaultFadeSeconds)
        case nil: return nil
        }
    }

    mutating func region(_ node: Node) -> PixelRegion? {
        guard let f = fields(node, "region", allowed: ["x", "y"]) else { return nil }
        var value: [String: Int] = [:]
        for axis in ["x", "y"] {
            if let a = f[axis] {
                value[axis] = integer(a.value, axis, in: ConfigWalker.regionRange)
            } else {
                fail(node, "region is missing '\(axis)' (pixels from the output's \(axis == "x" ? "left" : "top") edge)")
            }
        }
        guard let x = value["x"], let y = value["y"] else { return nil }
        return PixelRegion(x: x, y: y)
    }

    mutating func power(_ node: Node) -> PowerSchedule? {
        guard let f = fields(node, "power", allowed: ["on", "off", "days"]) else { return nil }
        var times: [String: TimeOfDay] = [:]
        for key in ["on", "off"] {
            if let t = f[key] {
                times[key] = parsed(t.value, key, ValueParsers.timeOfDay)
            } else {
                fail(node, "power is missing '\(key)' (HH:MM, e.g. on: \"07:00\", off: \"22:00\"); leave power out to keep the screen on")
            }
        }
        var days: Set<Weekday>?
        if let d = f["days"] {
            days = weekdays(d.value, emptyMessage: "days is empty: the screen would never come on (leave days out for every day)")
        }
        guard let on = times["on"], let off = times["off"] else { return nil }
        guard on != off else {
            fail(f["off"]?.value, "power on and off are both \(on): leave power out to keep the screen on all day")
            return nil
        }
        return PowerSchedule(window: TimeWindow(start: on, end: off), days: days)
    }

    mutating func brightness(_ node: Node) -> [BrightnessWindow] {
        guard let nodes = list(node, "brightness", example: "e.g. - { time: \"19:00-06:00\", percent: 30 }") else { return [] }
        if nodes.isEmpty { fail(node, "brightness is empty: leave it out for 100 % all day") }
        var result: [BrightnessWindow] = []
        for n in nodes {
            guard let f = fields(n, "a brightness window", allowed: ["time", "percent"]) else { continue }
            var window: TimeWindow?
            if let t = f["time"] { window = parsed(t.value, "time", ValueParsers.timeWindow) } else {
                fail(n, "brightness window is missing its 'time' (HH:MM-HH:MM)")
            }
            var percent: Double?
            if let p = f["percent"] {
                if let v = number(p.value, "percent") {
                    if v >= 1 && v <= 100 { percent = v } else {
                        fail(p.value, "percent must be from 1 to 100 (to switch the wall off, use power)")
                    }
                }
            } else {
                fail(n, "brightness window is missing its 'percent' (1 to 100)")
            }
            if let window, let percent { result.append(BrightnessWindow(window: window, percent: percent)) }
        }
        return result
    }
}
