public import Foundation
public import OshiraseImaging
public import OshiraseStore

/// What one display shows and how it is doing, for `/v1/status`.
public struct DisplayStatus: Sendable, Codable, Equatable {
    public var name: String
    public var profile: String
    /// The output's description, e.g. `fbdev /dev/fb0 1920×1080 XRGB8888`.
    public var output: String
    public var width: Int
    public var height: Int
    /// False while the power schedule has the screen off.
    package var powered: Bool
    /// Item id per zone (`main`, `ticker`); `idle` when nothing is scheduled.
    public var items: [String: String]
    package var framesPresented: Int
    /// Frames presented per second over the last few seconds.
    package var frameRate: Double
    package var configuredFrameRate: Int
    /// LED walls: the brightness now applied, 0…100.
    package var brightnessPercent: Double?
    /// The identifier of the alert on screen, if any.
    package var alert: String?
    package var lastFrameAt: Date?
    /// The last output error, if presenting currently fails.
    public var error: String?
    /// Render-and-present time of the last (up to) 600 frames, in milliseconds: median and 99th percentile.
    package var renderMillisecondsMedian: Double?
    package var renderMillisecondsP99: Double?

    package init(name: String, profile: String, output: String, width: Int, height: Int, powered: Bool,
                items: [String: String], framesPresented: Int, frameRate: Double, configuredFrameRate: Int,
                brightnessPercent: Double? = nil, lastFrameAt: Date? = nil, error: String? = nil) {
        self.name = name
        self.profile = profile
        self.output = output
        self.width = width
        self.height = height
        self.powered = powered
        self.items = items
        self.framesPresented = framesPresented
        self.frameRate = frameRate
        self.configuredFrameRate = configuredFrameRate
        self.brightnessPercent = brightnessPercent
        self.lastFrameAt = lastFrameAt
        self.error = error
    }
}

/// One playlist file as the daemon last read it.
public struct PlaylistStatus: Sendable, Codable, Equatable {
    /// File name inside the playlists folder.
    public var file: String
    /// The playlist's `name`, once a version of it has loaded.
    public var name: String?
    /// Items of the version now playing.
    public var items: Int
    package var loadedAt: Date?
    /// When the file on disk is invalid: its problems as `FILE:LINE:COL: error: …` lines; the
    /// previous version (if any) keeps playing.
    public var errors: [String]

    package init(file: String, name: String?, items: Int, loadedAt: Date?, errors: [String]) {
        self.file = file
        self.name = name
        self.items = items
        self.loadedAt = loadedAt
        self.errors = errors
    }
}

/// The whole daemon at a glance, for `/v1/status`.
public struct DaemonStatus: Sendable, Codable, Equatable {
    public var site: String
    package var startedAt: Date
    package var uptimeSeconds: Double
    /// False when the system clock is before the build date and fallback items play.
    package var clockTrusted: Bool
    public var displays: [DisplayStatus]
    public var playlists: [PlaylistStatus]
    /// Temperature sensors: health and counts, never a reading.
    public var sensors: [SensorStatus]
    /// Emergency messages on screen now, and those scheduled.
    public var alerts: [AlertListing]

    package init(site: String, startedAt: Date, uptimeSeconds: Double, clockTrusted: Bool,
                displays: [DisplayStatus], playlists: [PlaylistStatus], sensors: [SensorStatus] = [],
                alerts: [AlertListing] = []) {
        self.site = site
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.clockTrusted = clockTrusted
        self.displays = displays
        self.playlists = playlists
        self.sensors = sensors
        self.alerts = alerts
    }
}

/// What the HTTP API may ask of a running daemon. Every call returns promptly: nothing here
/// waits for a frame to render or a device to answer.
public protocol DaemonInspecting: Sendable {
    func status() async -> DaemonStatus
    /// The frame last presented on `display`, or nil when there is no such display (or no frame yet).
    func screenshot(display: String) async -> Bitmap?
    /// Metrics in the Prometheus text exposition format.
    func metricsText() async -> String
    /// Proof of play between two instants.
    func proofOfPlay(from: Date, to: Date) async throws -> [PlayRecord]
    /// Handles one signed `POST /v1/alerts`.
    func pushAlert(body: [UInt8], headers: [String: String], source: String) async -> AlertIntakeOutcome
    /// Active and scheduled alerts.
    func alertListing() async -> [AlertListing]
}
