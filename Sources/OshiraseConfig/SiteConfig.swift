public import Foundation
public import OshiraseCAP
public import OshiraseCore

/// The daemon's configuration (`oshirase run --config FILE`), parsed and validated.
/// Relative paths are already resolved against the config file's folder.
public struct SiteConfig: Sendable, Equatable {
    /// Shown on idle screens, e.g. 札幌市役所 本庁舎.
    public var site: String
    /// For power and brightness schedules, and idle screens when no playlist says otherwise.
    public var timeZone: TimeZone
    /// Folder of playlist files (`*.yaml`, `*.yml`), absolute.
    public var playlistsDirectory: String
    /// Folder for the SQLite database (proof of play), absolute.
    public var stateDirectory: String
    /// Before this instant the system clock is taken to be wrong (no RTC, no NTP yet); nil: the build date.
    package var clockNotBefore: Date?
    public var displays: [DisplayConfig]
    public var api: APIConfig
    /// Profiles defined by the config, in addition to the built-in ones.
    package var profiles: [DisplayProfile]
    /// Proof-of-play records older than this many days are deleted, once a day.
    package var proofOfPlayDays: Int
    /// Temperature-check sensors and the kiosk panels they feed.
    public var sensors: [SensorConfig]
    /// Emergency messages: who may push them, where the box is, how they show.
    public var alerts: AlertsConfig
    /// The fleet broker this box dials out to; nil: none (docs/fleet.md).
    package var fleet: FleetConfig?

    public init(site: String, timeZone: TimeZone = .tokyo, playlistsDirectory: String, stateDirectory: String,
                clockNotBefore: Date? = nil, displays: [DisplayConfig], api: APIConfig = APIConfig(),
                profiles: [DisplayProfile] = [], proofOfPlayDays: Int = 400, sensors: [SensorConfig] = [],
                alerts: AlertsConfig = AlertsConfig()) {
        self.site = site
        self.timeZone = timeZone
        self.playlistsDirectory = playlistsDirectory
        self.stateDirectory = stateDirectory
        self.clockNotBefore = clockNotBefore
        self.displays = displays
        self.api = api
        self.profiles = profiles
        self.proofOfPlayDays = proofOfPlayDays
        self.sensors = sensors
        self.alerts = alerts
        self.fleet = nil
    }
}

/// The `alerts:` section: city hall's keys, and how this box treats emergency messages.
public struct AlertsConfig: Sendable, Equatable {
    /// Public keys whose signed pushes are accepted; none: the box accepts no push at all.
    public var keys: [PublicKeyLine]
    /// What is shown, where the box is, languages, takeover severities, levels, rotation.
    public var policy: AlertPolicy
    /// Atom indexes or CAP documents polled for alerts.
    package var feeds: [FeedConfig] = []

    public init(keys: [PublicKeyLine] = [], policy: AlertPolicy = AlertPolicy()) {
        self.keys = keys
        self.policy = policy
    }
}

/// One alert feed: an Atom index (whose entries link to CAP documents) or one CAP document.
public struct FeedConfig: Sendable, Equatable {
    /// `http://` or `https://`.
    package var url: String
    /// Seconds between polls while the feed answers; failures back off from here to an hour.
    package var interval: Double
    /// CAP senders accepted without the signed envelope, only over https.
    package var senders: [String]
    /// A proxy for this feed (`http://proxy.city.lan:8080`); nil: the environment's; empty: none.
    package var proxy: String?
    /// The CA certificates (PEM) to trust for this feed's https instead of the system's.
    package var caFile: String?

    package init(url: String, interval: Double = 60, senders: [String] = [], proxy: String? = nil, caFile: String? = nil) {
        self.url = url
        self.interval = interval
        self.senders = senders
        self.proxy = proxy
        self.caFile = caFile
    }
}

/// `oshirase-ed25519 KEYID BASE64`: one trusted public key, as `oshirase keygen` prints it.
public struct PublicKeyLine: Sendable, Equatable {
    public var id: String
    /// The raw 32-byte Ed25519 public key.
    public var publicKey: [UInt8]
    /// The CAP senders this key may speak for; empty: any.
    package var senders: [String]
    public init(id: String, publicKey: [UInt8], senders: [String] = []) {
        self.id = id
        self.publicKey = publicKey
        self.senders = senders
    }
}

/// One temperature-check sensor (docs/sensors.md): where its readings come from, the rules that
/// turn them into results, and the kiosk panels that show them.
public struct SensorConfig: Sendable, Equatable {
    /// Unique within the config, e.g. `entrance-thermometer`; used in the API, metrics and counts.
    public var name: String
    public var source: SensorSource
    /// Names of the displays whose temperature panel shows this sensor (kiosk profiles).
    public var displays: [String]
    public var policy: ScreeningPolicy
    /// A line on the panel saying why temperatures are taken and that nothing is kept; nil: none.
    package var notice: String?

    public init(name: String, source: SensorSource, displays: [String], policy: ScreeningPolicy = .standard,
                notice: String? = nil) {
        self.name = name
        self.source = source
        self.displays = displays
        self.policy = policy
        self.notice = notice
    }

    /// The notice shown for `notice: true`: purpose, and that no image or individual value is kept.
    package static let defaultNotice = "検温は感染症対策のために行っています。画像や個人の測定値は保存しません。\nTemperatures are checked for infection control; no images or individual readings are kept."
}

/// Where a sensor's readings come from.
public enum SensorSource: Sendable, Equatable {
    /// A GY-MCU90614 module on a serial line (9600 or 115200 baud).
    case gyMCU90614(device: String, baud: Int)
    /// The simulator: a scenario file (absolute path), or random visitors from a seed; it speaks
    /// the module's bytes through a pseudo-terminal to the same serial reader.
    case simulated(scenario: String?, seed: UInt64)

    package var kind: String {
        switch self {
        case .gyMCU90614: "gy-mcu90614"
        case .simulated: "simulated"
        }
    }
}

/// One screen the box drives.
public struct DisplayConfig: Sendable, Equatable {
    /// Unique within the config: `lobby`, `entrance`, `led-wall`; used in the API and proof of play.
    public var name: String
    public var profile: DisplayProfile
    public var output: OutputConfig
    /// Where the frame's top-left corner sits on the output (LED walls on a sending card's input).
    package var region: PixelRegion
    /// Frames per second while something moves; default 60 on LCD and kiosk profiles, 30 on LED.
    public var fps: Int
    package var transition: Transition
    /// LED walls: brightness by time of day (first matching window wins; 100 % outside all).
    package var brightness: [BrightnessWindow]
    /// LED walls: CIE 1931 lightness mapping (default true).
    package var cieGamma: Bool
    /// LED walls: when tickers stand still instead of scrolling (nil: never).
    package var staticTickers: TimeWindow?
    /// When the screen is on; nil: always.
    package var power: PowerSchedule?

    public init(name: String, profile: DisplayProfile, output: OutputConfig, region: PixelRegion = .origin,
                fps: Int? = nil, transition: Transition = .cut, brightness: [BrightnessWindow] = [],
                cieGamma: Bool = LightOutput.defaultCIEGamma, staticTickers: TimeWindow? = nil, power: PowerSchedule? = nil) {
        self.name = name
        self.profile = profile
        self.output = output
        self.region = region
        self.fps = fps ?? (profile.kind == .led ? 30 : 60)
        self.transition = transition
        self.brightness = brightness
        self.cieGamma = cieGamma
        self.staticTickers = staticTickers
        self.power = power
    }
}

extension DisplayConfig {
    /// Whether the power schedule has the screen on at `time` (always, without one).
    package func isPoweredOn(at time: Date, calendar: Calendar) -> Bool {
        power.map { Schedule(days: $0.days, time: $0.window).matches(time, calendar: calendar) } ?? true
    }

    /// An LED wall's brightness at `time`: the first matching window's percent, else
    /// ``LightOutput/defaultPercent``; nil on other displays.
    package func brightnessPercent(at time: Date, calendar: Calendar) -> Double? {
        guard profile.kind == .led else { return nil }
        let window = brightness.first { Schedule(time: $0.window).matches(time, calendar: calendar) }
        return window?.percent ?? LightOutput.defaultPercent
    }
}

/// Top-left corner of a display's frame on its output, in pixels.
public struct PixelRegion: Sendable, Equatable {
    public var x: Int
    public var y: Int
    package init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
    public static let origin = PixelRegion(x: 0, y: 0)
}

/// The device a display writes to.
public enum OutputConfig: Sendable, Equatable {
    /// DRM/KMS: device node (default /dev/dri/card0) and connector name (nil: the first connected).
    case drm(device: String, connector: String?)
    /// Linux framebuffer device (default /dev/fb0); `pan`: double-buffer by panning, where the
    /// driver offers room (only for drivers that honour a pan: some accept it and keep showing
    /// the first buffer).
    case fbdev(device: String, pan: Bool = false)
    /// A PNG per display (`<directory>/<display>.png`) written atomically when the frame changes,
    /// at most once per `minimumInterval` seconds.
    case pngDirectory(directory: String, minimumInterval: Double)
    /// Frames kept in memory only (tests, the preview page).
    case memory

    package var kind: String {
        switch self {
        case .drm: "drm"
        case .fbdev: "fbdev"
        case .pngDirectory: "png-dir"
        case .memory: "memory"
        }
    }
}

/// How one item gives way to the next.
public enum Transition: Sendable, Equatable {
    case cut
    /// A cross-fade over `seconds`.
    case fade(seconds: Double)
}

/// LED brightness for a time window, e.g. 30 % from 19:00 to 06:00.
public struct BrightnessWindow: Sendable, Equatable {
    package var window: TimeWindow
    /// 0…100.
    package var percent: Double
    package init(window: TimeWindow, percent: Double) {
        self.window = window
        self.percent = percent
    }
}

/// When a display is on: daily from `on` to `off` (may wrap midnight), on the given weekdays.
public struct PowerSchedule: Sendable, Equatable {
    package var window: TimeWindow
    /// Days the screen comes on at all; nil: every day.
    package var days: Set<Weekday>?
    package init(window: TimeWindow, days: Set<Weekday>? = nil) {
        self.window = window
        self.days = days
    }
}

/// The HTTP API's listening address and the bearer tokens that may read it.
public struct APIConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Bearer tokens accepted for reads; required (non-empty) when `host` is not a loopback address.
    package var tokens: [String]
    public init(host: String = "127.0.0.1", port: Int = 8080, tokens: [String] = []) {
        self.host = host
        self.port = port
        self.tokens = tokens
    }

    /// True for an IPv4 address in 127.0.0.0/8, ::1 and `localhost`; any other name is taken
    /// to be reachable from the network (`127.example.lan` is a name, not a loopback address).
    package var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber)
                && (Int(part) ?? 256) <= 255
        }
    }
}
