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
    package static let maxFileBytes = 1024 * 1024

    static let fileKind = YAMLFileKind(noun: "config", maxBytes: maxFileBytes, tooLargeAdvice: "; is this the right file?")

    /// Loads and validates the config at `path`; relative paths inside resolve against its folder.
    public func load(path: String) throws(SourceErrors) -> SiteConfig {
        let text = try YAMLInput.read(path: path, as: SiteConfigLoader.fileKind)
        return try parse(yaml: text, path: path)
    }

    /// Parses config YAML; `path` names the file in errors and anchors relative paths.
    /// Text over ``maxFileBytes`` is refused as a file of that size would be.
    public func parse(yaml: String, path: String) throws(SourceErrors) -> SiteConfig {
        if let problem = SiteConfigLoader.fileKind.sizeProblem(yaml.utf8.count, file: path) { throw problem }
        let (root, repeatedKeys) = try YAMLInput.compose(yaml, file: path)
        guard let root else {
            throw SourceErrors(errors: [SourceError(file: path, line: 1, column: 1,
                                                        message: "the file is empty: a config needs site, playlists, state and displays")])
        }
        var walker = ConfigWalker(file: path, loader: self)
        walker.errors = repeatedKeys
        let config = walker.config(root)
        if let config, walker.errors.isEmpty { return config }
        throw SourceErrors(errors: walker.sortedErrors)
    }
}

/// The kinds of output a display may write to, as spelled in the config.
/// Walks a config file's nodes, collecting every problem; one extension per section
/// (SiteConfigLoader+API, +Displays, +Sensors, +Alerts).
struct ConfigWalker: NodeWalker {
    let file: String
    let loader: SiteConfigLoader
    var errors: [SourceError] = []

    init(file: String, loader: SiteConfigLoader) {
        self.file = file
        self.loader = loader
    }

    static let topKeys = ["site", "timezone", "playlists", "state", "clock-not-before", "proof-of-play-days", "api",
                          "profiles", "displays", "sensors", "alerts", "fleet"]
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

        var fleet: FleetConfig?
        if let f = f["fleet"] { fleet = self.fleet(f.value) }

        guard let site, let playlists, let state, errors.isEmpty else { return nil }
        var config = SiteConfig(site: site, timeZone: zone, playlistsDirectory: playlists, stateDirectory: state,
                                clockNotBefore: clockNotBefore, displays: displays, api: api, profiles: profiles,
                                proofOfPlayDays: proofOfPlayDays, sensors: sensors, alerts: alerts)
        config.fleet = fleet
        return config
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
}
