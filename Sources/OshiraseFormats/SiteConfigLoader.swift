import Foundation
import OshiraseCAP
import OshiraseCore
import OshiraseSigning
import Yams

/// Reads the daemon's YAML config (docs/config.md), reporting every problem in the file at once
/// as `FILE:LINE:COL: error: …`, in the same style as playlist files.
public struct SiteConfigLoader: Sendable {
    /// Checks the site name, which idle screens show; a message makes it an error at the name.
    /// The command line checks that the display font can draw it.
    public var checkText: (@Sendable (String) -> String?)?

    public init() {}

    /// Config files above this size are refused before they are read; a real one is a few KiB.
    public static let maxFileBytes = 1024 * 1024

    static let fileKind = YAMLFileKind(noun: "config", maxBytes: maxFileBytes, tooLargeAdvice: "; is this the right file?")

    /// Loads and validates the config at `path`; relative paths inside resolve against its folder.
    public func load(path: String) throws(PlaylistErrors) -> SiteConfig {
        let text = try YAMLInput.read(path: path, as: SiteConfigLoader.fileKind)
        return try parse(yaml: text, path: path)
    }

    /// Parses config YAML; `path` names the file in errors and anchors relative paths.
    /// Text over ``maxFileBytes`` is refused as a file of that size would be.
    public func parse(yaml: String, path: String) throws(PlaylistErrors) -> SiteConfig {
        if let problem = SiteConfigLoader.fileKind.sizeProblem(yaml.utf8.count, file: path) { throw problem }
        let (root, repeatedKeys) = try YAMLInput.compose(yaml, file: path)
        guard let root else {
            throw PlaylistErrors(errors: [PlaylistError(file: path, line: 1, column: 1,
                                                        message: "the file is empty: a config needs site, playlists, state and displays")])
        }
        var walker = ConfigWalker(file: path, loader: self)
        walker.errors = repeatedKeys
        let config = walker.config(root)
        if let config, walker.errors.isEmpty { return config }
        throw PlaylistErrors(errors: walker.sortedErrors)
    }
}

/// The kinds of output a display may write to, as spelled in the config.
private enum OutputKind: String, CaseIterable {
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

private enum GammaCurve: String, CaseIterable {
    case cie1931, none
}

private enum TransitionName: String, CaseIterable {
    case cut, fade
}

/// A display as read, with the nodes the checks across displays point at.
private struct ReadDisplay {
    var config: DisplayConfig
    var nameNode: Node
    var outputNode: Node
    /// The `region:` value, when the file gives one.
    var regionNode: Node?
    /// The device node and connector of a drm or fbdev output.
    var device: (path: String, connector: String?, node: Node)?
}

private struct ConfigWalker: NodeWalker {
    let file: String
    let loader: SiteConfigLoader
    var errors: [PlaylistError] = []

    init(file: String, loader: SiteConfigLoader) {
        self.file = file
        self.loader = loader
    }

    static let topKeys = ["site", "timezone", "playlists", "state", "clock-not-before", "proof-of-play-days", "api",
                          "profiles", "displays", "sensors", "alerts"]
    static let displayKeys = ["name", "profile", "output", "fps", "transition", "region", "power", "brightness",
                              "gamma", "static-tickers"]
    /// Keys that only mean something on an LED wall.
    static let ledKeys = ["brightness", "gamma", "static-tickers"]
    /// Longest fade: longer, an item spends much of its time half-faded.
    static let maxFadeSeconds = 5.0
    static let defaultFadeSeconds = 0.4
    static let pngIntervalRange = 0.1...3600.0
    static let regionRange = 0...16383
    static let profileSizeRange = 8...8192

    /// The folder relative paths start from, as an absolute URL.
    var baseDirectory: URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        return URL(fileURLWithPath: file, relativeTo: cwd).absoluteURL.deletingLastPathComponent()
    }

    // MARK: The whole file

    mutating func config(_ root: Node) -> SiteConfig? {
        guard let f = fields(root, "the config", allowed: ConfigWalker.topKeys) else { return nil }

        var site: String?
        if let s = f["site"] { site = siteName(s.value) } else {
            fail(root, "missing required key 'site' (the name idle screens show, e.g. site: 札幌市役所 本庁舎)")
        }

        var zone = TimeZone.tokyo
        if let tz = f["timezone"], let z = timeZone(tz.value) { zone = z }

        var playlists: String?
        if let p = f["playlists"] { playlists = path(p.value, "playlists") } else {
            fail(root, "missing required key 'playlists' (the folder of playlist files, e.g. playlists: /etc/oshirase/playlists)")
        }

        var state: String?
        if let s = f["state"] { state = path(s.value, "state") } else {
            fail(root, "missing required key 'state' (the folder for the proof-of-play database, e.g. state: /var/lib/oshirase)")
        }

        var clockNotBefore: Date?
        if let c = f["clock-not-before"], let day = parsed(c.value, "clock-not-before", ValueParsers.date) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            clockNotBefore = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
            if clockNotBefore == nil { fail(c.value, "clock-not-before \(day) has no midnight in \(zone.identifier)") }
        }

        var proofOfPlayDays = 400
        if let d = f["proof-of-play-days"], let days = integer(d.value, "proof-of-play-days", in: 1...3650) {
            proofOfPlayDays = days
        }

        var api = APIConfig()
        if let a = f["api"], let value = self.api(a.value) { api = value }

        var profiles: [DisplayProfile] = []
        if let p = f["profiles"] { profiles = self.profiles(p.value) }

        var displays: [DisplayConfig] = []
        if let d = f["displays"] {
            displays = self.displays(d.value, profiles: profiles)
        } else {
            fail(root, "missing required key 'displays' (at least one display, each with name, profile and output)")
        }

        var sensors: [SensorConfig] = []
        if let s = f["sensors"] { sensors = self.sensors(s.value, displays: displays) }

        var alerts = AlertsConfig()
        if let a = f["alerts"], let value = self.alerts(a.value) { alerts = value }

        guard let site, let playlists, let state, errors.isEmpty else { return nil }
        return SiteConfig(site: site, timeZone: zone, playlistsDirectory: playlists, stateDirectory: state,
                          clockNotBefore: clockNotBefore, displays: displays, api: api, profiles: profiles,
                          proofOfPlayDays: proofOfPlayDays, sensors: sensors, alerts: alerts)
    }

    /// The site name: shown on idle screens, so it must fit one and be drawable.
    mutating func siteName(_ node: Node) -> String? {
        guard let value = string(node, "site") else { return nil }
        if value.count > 200 {
            fail(node, "site is \(value.count) characters, more than the 200 an idle screen can show")
            return nil
        }
        if let problem = loader.checkText?(value) {
            fail(node, "site \(problem)")
            return nil
        }
        return value
    }

    /// A file or folder path, made absolute against the config file's folder.
    mutating func path(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        if text.hasPrefix("~") {
            fail(node, "\(what) '\(text)': '~' is not expanded here; write the full path, e.g. /home/signage/…")
            return nil
        }
        if text.hasPrefix("/") { return URL(fileURLWithPath: text).standardized.path }
        return baseDirectory.appendingPathComponent(text).standardized.path
    }

    // MARK: API

    mutating func api(_ node: Node) -> APIConfig? {
        guard let f = fields(node, "api", allowed: ["listen", "tokens"]) else { return nil }
        var result = APIConfig()
        var listenOK = true
        if let l = f["listen"] {
            if let address = parsed(l.value, "listen", ValueParsers.listenAddress) {
                result.host = address.host
                result.port = address.port
            } else {
                listenOK = false
            }
        }
        var tokenNodes = 0
        if let t = f["tokens"], let nodes = list(t.value, "tokens", example: "e.g. [\"a-long-random-token\"]") {
            tokenNodes = nodes.count
            var firstUse: [String: Int] = [:]
            for n in nodes {
                guard let token = string(n, "token") else { continue }
                guard token.count >= 16, token.count <= 512,
                      token.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._~+/=".unicodeScalars.contains($0)) })
                else {
                    fail(n, "a token must be 16 to 512 of the characters A–Z, a–z, 0–9 and - . _ ~ + / = (it travels in an HTTP header); make one with: openssl rand -hex 32")
                    continue
                }
                if let line = firstUse[token] {
                    fail(n, "the same token is listed twice (first at line \(line))")
                    continue
                }
                firstUse[token] = n.mark?.line ?? 0
                result.tokens.append(token)
            }
        }
        // Reads from other machines must be authorised: a box on the city's network would
        // otherwise show its screens, status and proof of play to anyone who can reach it.
        if listenOK, !result.isLoopback, tokenNodes == 0 {
            let at = f["tokens"]?.value ?? f["listen"]?.value ?? node
            fail(at, "the API listens on \(result.host), which other machines can reach: add at least one bearer token under api.tokens (make one with: openssl rand -hex 32), or listen on 127.0.0.1")
        }
        return result
    }

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

        var cieGamma = true
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

    // MARK: Alerts

    static let alertKeys = ["keys", "location", "geocodes", "exercises", "max-duration", "languages", "takeover", "levels",
                            "rotate", "kiosk-panel", "feeds"]

    mutating func alerts(_ node: Node) -> AlertsConfig? {
        guard let f = fields(node, "alerts", allowed: ConfigWalker.alertKeys) else { return nil }
        var result = AlertsConfig()
        if let k = f["keys"], let nodes = list(k.value, "keys", example: "one line per key, as `oshirase keygen` prints it in NAME.pub") {
            // Two keys may share an id while city hall rotates (the old and the new); the same
            // key twice is a copy-and-paste slip.
            var seen: [[UInt8]: Int] = [:]
            for n in nodes {
                // A key line, or { key: LINE, senders: [...] } to limit the CAP senders it speaks for.
                var keyNode = n
                var senders: [String] = []
                if n.mapping != nil {
                    guard let entry = fields(n, "a key", allowed: ["key", "senders"]) else { continue }
                    guard let k = entry["key"] else {
                        fail(n, "a key entry needs its 'key' (the .pub line)")
                        continue
                    }
                    keyNode = k.value
                    if let sn = entry["senders"] { senders = self.senders(sn.value) }
                }
                guard let line = string(keyNode, "key") else { continue }
                var key: PublicKeyLine
                do {
                    let trusted = try TrustedKey.parse(line)
                    key = PublicKeyLine(id: trusted.keyID, publicKey: [UInt8](trusted.publicKey.rawRepresentation))
                } catch {
                    let why = error.kind == .privateKeyGiven ? "this is the private key (.key): never put it in the config" : error.message
                    fail(keyNode, "a key must be the line `oshirase keygen` writes to NAME.pub, oshirase-ed25519 KEYID BASE64: \(why)")
                    continue
                }
                key.senders = senders
                if let first = seen[key.publicKey] {
                    fail(n, "this key is listed twice (first at line \(first))")
                    continue
                }
                seen[key.publicKey] = n.mark?.line ?? 0
                result.keys.append(key)
            }
        }
        if let l = f["location"] { result.policy.location = location(l.value) }
        if let g = f["geocodes"], let nodes = list(g.value, "geocodes", example: "e.g. - { name: JIS, value: \"01101\" }") {
            for n in nodes {
                guard let pair = fields(n, "a geocode", allowed: ["name", "value"]) else { continue }
                guard let name = pair["name"].flatMap({ string($0.value, "name") }),
                      let value = pair["value"].flatMap({ string($0.value, "value") }) else {
                    if pair["name"] == nil || pair["value"] == nil { fail(n, "a geocode needs its 'name' (the CAP valueName) and 'value'") }
                    continue
                }
                result.policy.geocodes.append(CAPValuePair(valueName: name, value: value))
            }
        }
        if let e = f["exercises"], let value = boolean(e.value, "exercises") { result.policy.showsExercises = value }
        if let d = f["max-duration"], let seconds = parsed(d.value, "max-duration", ValueParsers.interval) {
            if (60.0...(7 * 86400.0)).contains(seconds) { result.policy.maximumDuration = seconds } else {
                fail(d.value, "max-duration must be from 1m to 7 days (168h): how long an alert without expires stays on screen")
            }
        }
        if let l = f["languages"], let nodes = list(l.value, "languages", example: "e.g. [ja-JP, en-US, zh-CN, ko-KR]") {
            var languages: [String] = []
            for n in nodes {
                guard let tag = string(n, "language") else { continue }
                if LanguageTag.isValid(tag) { languages.append(tag) } else { fail(n, "'\(tag)' is not a language tag: write it as CAP does, e.g. ja-JP or en-US") }
            }
            if nodes.isEmpty { fail(l.value, "languages is empty: leave it out for ja-JP, en-US, zh-CN, ko-KR") }
            if !languages.isEmpty { result.policy.languages = languages }
        }
        if let t = f["takeover"], let nodes = list(t.value, "takeover", example: "e.g. [Extreme, Severe]") {
            var set = Set<CAPSeverity>()
            for n in nodes { if let s = severity(n) { set.insert(s) } }
            result.policy.takeover = set
        }
        if let l = f["levels"], let levels = fields(l.value, "levels", allowed: CAPSeverity.allCases.map(\.rawValue)) {
            for (name, pair) in levels {
                guard let severity = CAPSeverity(rawValue: name), let level = integer(pair.value, "level", in: 1...5) else { continue }
                result.levels[severity] = level
            }
        }
        if let r = f["rotate"], let seconds = parsed(r.value, "rotate", ValueParsers.interval) {
            if (2.0...120.0).contains(seconds) { result.rotateSeconds = seconds } else {
                fail(r.value, "rotate must be from 2s to 2m: how long each language of an alert stays")
            }
        }
        if let fe = f["feeds"], let nodes = list(fe.value, "feeds", example: "e.g. - { url: https://bousai.city.sapporo.jp/cap/index.atom }") {
            var firstLine: [String: Int] = [:]
            for n in nodes {
                // Repeats are found by the URL as written, so they show with the feeds' other problems.
                if let urlNode = n.mapping?["url"], let url = urlNode.scalar?.string {
                    // Scheme and host are compared without case, as URLs are.
                    var key = url
                    if var parts = URLComponents(string: url) {
                        let (scheme, host) = (parts.scheme?.lowercased(), parts.host?.lowercased())
                        parts.scheme = scheme
                        parts.host = host
                        key = parts.string ?? url
                    }
                    if let line = firstLine[key] {
                        fail(urlNode, "feed \(url) is listed twice (first at line \(line)): each feed is polled once")
                        continue
                    }
                    firstLine[key] = n.mark?.line ?? 0
                }
                if let feed = feed(n) { result.feeds.append(feed) }
            }
        }
        if let k = f["kiosk-panel"] {
            switch string(k.value, "kiosk-panel") {
            case "keep": result.kioskKeepsPanel = true
            case "cover": result.kioskKeepsPanel = false
            case let other?: fail(k.value, "kiosk-panel must be keep (the thermometer keeps working under a takeover) or cover, not '\(other)'")
            case nil: break
            }
        }
        return result
    }

    /// `{ url: https://…, interval: 1m, senders: [bousai@city.sapporo.jp], proxy: http://proxy:8080, ca: city-ca.pem }`.
    mutating func feed(_ node: Node) -> FeedConfig? {
        guard let f = fields(node, "a feed", allowed: ["url", "interval", "senders", "proxy", "ca"]) else { return nil }
        let before = errors.count
        var url: String?
        if let u = f["url"], let text = string(u.value, "url") {
            let lower = text.lowercased()
            let parts = URLComponents(string: text)
            if parts?.user != nil || parts?.password != nil {
                fail(u.value, "feed url '\(parts?.host ?? "")…' carries a user name or password: it would end up in logs and the audit; give the feed a URL without credentials")
            } else if (lower.hasPrefix("http://") || lower.hasPrefix("https://")), parts?.host?.isEmpty == false, !text.contains(" ") {
                url = text
            } else {
                fail(u.value, "feed url '\(text)' must be an http:// or https:// address of an Atom index or a CAP document")
            }
        } else if f["url"] == nil {
            fail(node, "a feed needs its 'url'")
        }
        var feed = FeedConfig(url: url ?? "")
        if let i = f["interval"], let seconds = parsed(i.value, "interval", ValueParsers.interval) {
            if (10.0...3600.0).contains(seconds) { feed.interval = seconds } else {
                fail(i.value, "a feed interval must be from 10s to 1h")
            }
        }
        if let sn = f["senders"] {
            feed.senders = senders(sn.value)
            if !feed.senders.isEmpty, let url, !url.lowercased().hasPrefix("https://") {
                fail(sn.key, "senders are trusted only over https: this feed is plain http, so only signed messages are accepted from it")
            }
        }
        if let p = f["proxy"], let text = string(p.value, "proxy") {
            let parts = URLComponents(string: text)
            let schemes = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]
            if text == "none" {
                feed.proxy = ""
            } else if let scheme = parts?.scheme?.lowercased(), schemes.contains(scheme), parts?.host?.isEmpty == false {
                feed.proxy = text
            } else {
                fail(p.value, "proxy '\(text)' must be a proxy URL such as http://proxy.city.lan:8080 (schemes: \(schemes.joined(separator: ", "))), or none to connect directly whatever the environment says")
            }
        }
        if let c = f["ca"], let file = path(c.value, "ca") {
            if let problem = CertificateFile.problem(file) { fail(c.value, problem) } else { feed.caFile = file }
        }
        guard errors.count == before, url != nil else { return nil }
        return feed
    }

    /// A list of CAP senders (`[bousai@city.sapporo.jp]`), each one the standard allows, none twice.
    mutating func senders(_ node: Node) -> [String] {
        guard let nodes = list(node, "senders", example: "e.g. [bousai@city.sapporo.jp]") else { return [] }
        var result: [String] = []
        for n in nodes {
            guard let sender = string(n, "sender") else { continue }
            if let problem = CAPParser.identifierProblem(sender) {
                fail(n, "sender '\(sender)' \(problem) (a CAP sender looks like bousai@city.sapporo.jp)")
            } else if result.contains(sender) {
                fail(n, "sender '\(sender)' is listed twice")
            } else {
                result.append(sender)
            }
        }
        return result
    }

    mutating func severity(_ node: Node) -> CAPSeverity? {
        guard let text = string(node, "severity") else { return nil }
        if let s = CAPSeverity(rawValue: text) { return s }
        let names = CAPSeverity.allCases.map(\.rawValue)
        var message = "unknown severity '\(text)'"
        if let guess = closest(text, in: names) { message += "; did you mean '\(guess)'?" }
        fail(node, message + " (CAP's: \(names.joined(separator: ", ")))")
        return nil
    }

    /// `{ latitude: 43.0556, longitude: 141.3406 }`: where the box is, for alert areas.
    mutating func location(_ node: Node) -> CAPPoint? {
        guard let f = fields(node, "location", allowed: ["latitude", "longitude"]) else { return nil }
        guard let lat = f["latitude"].flatMap({ number($0.value, "latitude") }),
              let lon = f["longitude"].flatMap({ number($0.value, "longitude") }) else {
            if f["latitude"] == nil || f["longitude"] == nil {
                fail(node, "location needs 'latitude' and 'longitude' in degrees (WGS 84), e.g. { latitude: 43.0556, longitude: 141.3406 }")
            }
            return nil
        }
        guard (-90.0...90.0).contains(lat), (-180.0...180.0).contains(lon) else {
            fail(node, "location \(lat), \(lon) is not on Earth: latitude is -90 to 90, longitude -180 to 180 (Sapporo is 43.06, 141.35)")
            return nil
        }
        return CAPPoint(latitude: lat, longitude: lon)
    }

}
