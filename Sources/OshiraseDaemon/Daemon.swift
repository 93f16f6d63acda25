import COshiraseBuild
public import Foundation
public import Logging
public import OshiraseCore
import OshiraseDevices
import OshiraseDRM
public import OshiraseConfig
public import OshiraseImaging
public import OshiraseStore
public import ServiceLifecycle
import Prometheus

/// The signage daemon: one frame loop per configured display, the playlist watcher, and what
/// the HTTP API reads. `services` go into the process's `ServiceGroup`.
public final class Daemon: DaemonInspecting {
    package let config: SiteConfig
    package let library: PlaylistLibrary
    package let metrics: DaemonMetrics
    package let displays: [DisplayService]
    package let watcher: PlaylistWatcher
    package let sensors: [SensorService]
    /// Emergency messages: pushes, the active set, what each display draws.
    package let alerts: AlertCenter
    /// Polls the configured alert feeds.
    package let feeds: FeedService
    /// The connection to the fleet broker, when the config has `fleet:`.
    package let fleet: FleetLink?
    private let clock: any WallClock
    private let clockNotBefore: Date
    private let startedAt: Date
    private let startedMonotonic: Double
    private let proofQuery: @Sendable (Date, Date) async throws -> [PlayRecord]

    /// - Parameters:
    ///   - clockNotBefore: overrides the config's `clock-not-before` and the build date.
    ///   - record: where finished showings go (proof of play); must return at once.
    ///   - proofQuery: reads proof of play back for the API.
    ///   - openOutput: makes each display's output; by default from its config (DRM, fbdev, PNG directory, memory).
    ///   - openThermometer: makes each sensor's thermometer; by default from its config.
    ///   - countScreening: receives each result's class for the hourly counts; must return at once.
    ///   - onScreeningResult: sees each result as its panel takes it (benchmarks and tests).
    public init(config: SiteConfig, clock: any WallClock = SystemWallClock(), logger: Logger,
                phraseModel: PhraseModel?, metrics: DaemonMetrics = DaemonMetrics(), clockNotBefore: Date? = nil,
                record: @escaping @Sendable (PlayRecord) -> Void = { _ in },
                proofQuery: @escaping @Sendable (Date, Date) async throws -> [PlayRecord] = { _, _ in [] },
                openOutput: ((DisplayConfig) -> OutputOpener)? = nil,
                openThermometer: ThermometerOpener? = nil,
                countScreening: @escaping @Sendable (String, ScreeningResult, Date) -> Void = { _, _, _ in },
                onScreeningResult: (@Sendable (String, ScreeningResult) -> Void)? = nil,
                store: StateStore? = nil) {
        self.config = config
        self.clock = clock
        self.metrics = metrics
        self.proofQuery = proofQuery
        startedAt = clock.now()
        startedMonotonic = monotonicSeconds()
        let notBefore = clockNotBefore ?? config.clockNotBefore ?? Daemon.buildDate
        self.clockNotBefore = notBefore
        let library = PlaylistLibrary(directory: config.playlistsDirectory,
                                      profiles: builtInProfileNames + config.profiles.map(\.name),
                                      clock: clock, logger: logger, onReloadError: { [metrics] in metrics.reloadErrors.increment() })
        self.library = library
        let alerts = AlertCenter(config: config.alerts, store: store, clock: clock, logger: logger)
        self.alerts = alerts
        let context = DisplayContext(site: config.site, timeZone: config.timeZone, clockNotBefore: notBefore,
                                     library: library, clock: clock, phraseModel: phraseModel, logger: logger,
                                     record: record, alerts: alerts)
        let sensorStates = config.sensors.map { SensorState(config: $0) }
        displays = config.displays.map { display in
            DisplayService(config: display, context: context, metrics: metrics.display(display.name),
                           openOutput: openOutput?(display) ?? Daemon.defaultOpener(for: display),
                           sensor: sensorStates.first { $0.config.displays.contains(display.name) })
        }
        watcher = PlaylistWatcher(library: library, logger: logger)
        let services = displays
        // The displays hold the library and the alert centre (their context); the wake-ups those
        // call hold the displays weakly, so a stopped daemon's displays, centre and intake thread
        // go away.
        let wakers = services.map { WeakDisplay($0) }
        library.onChange { for display in wakers { display.service?.wake() } }
        alerts.setOnChange { for display in wakers { display.service?.wake() } }
        feeds = FeedService(feeds: config.alerts.feeds, alerts: alerts, logger: logger)
        fleet = config.fleet.map { FleetLink(config: $0, site: config.site, alerts: alerts, displays: services, clock: clock,
                                              logger: logger, metrics: metrics.fleet()) }
        let open: ThermometerOpener = openThermometer ?? { sensor in try Daemon.defaultThermometer(for: sensor, clock: clock) }
        sensors = sensorStates.map { state in
            let fed = services.filter { state.config.displays.contains($0.config.name) }
            let sensorMetrics = metrics.sensor(state.config.name)
            for name in ["normal", "fever", "retry"] { _ = sensorMetrics.screenings(name) }
            let name = state.config.name
            var onResult: (@Sendable (ScreeningResult) -> Void)?
            if let report = onScreeningResult { onResult = { result in report(name, result) } }
            return SensorService(state: state, makeThermometer: { try open(state.config) },
                                 wake: { for display in fed { display.wake() } }, count: countScreening,
                                 metrics: sensorMetrics, logger: logger, clockNotBefore: notBefore, onResult: onResult)
        }
        for display in config.displays where display.profile.temperaturePanel != nil
            && !config.sensors.contains(where: { $0.displays.contains(display.name) }) {
            logger.warning("has a temperature panel but no sensor feeds it: the panel says the thermometer is offline (add one under sensors:)",
                           metadata: ["display": "\(display.name)"])
        }
    }

    /// Reads every playlist once (before the displays start, so the first frame is not idle),
    /// and the alerts the store kept.
    public func loadPlaylists() {
        library.rescan()
        alerts.restore()
    }

    /// The services to run: the watcher, every display and every sensor.
    public var services: [any Service] {
        [watcher] + displays.map { $0 as any Service } + sensors.map { $0 as any Service } + [feeds]
            + (fleet.map { [$0 as any Service] } ?? [])
    }

    /// The output a display's config names.
    package static func defaultOpener(for display: DisplayConfig) -> OutputOpener {
        let frame = (display.profile.width, display.profile.height)
        switch display.output {
        case .drm(let device, let connector):
            return { () throws(OutputError) -> FrameOutput in try DRMOutput.open(device: device, connector: connector) }
        case .fbdev(let device, let pan):
            return opener(.fbdev(device: device, pan: pan), display.name, frame)
        case .pngDirectory(let directory, let interval):
            return opener(.pngDirectory(directory: directory, minimumInterval: interval), display.name, frame)
        case .memory:
            return opener(.memory, display.name, frame)
        }
    }

    private static func opener(_ target: OutputTarget, _ name: String, _ frame: (Int, Int)) -> OutputOpener {
        { () throws(OutputError) -> FrameOutput in try OutputFactory.open(target, displayName: name, frameSize: frame) }
    }

    /// The day this binary was built (00:00 UTC): a clock reading before it cannot be right.
    package static let buildDate: Date = {
        let text = String(cString: oshirase_build_date())  // "Nov 27 2026", day space-padded
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 3, let m = months.firstIndex(of: String(parts[0])), let d = Int(parts[1]), let y = Int(parts[2]),
              let date = Calendar.gregorian(in: TimeZone(identifier: "UTC") ?? .tokyo)
                .date(from: DateComponents(year: y, month: m + 1, day: d)) else {
            return Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01, should the compiler's format ever change
        }
        return date
    }()

    // MARK: DaemonInspecting

    public func status() async -> DaemonStatus {
        DaemonStatus(site: config.site, startedAt: startedAt, uptimeSeconds: monotonicSeconds() - startedMonotonic,
                     clockTrusted: clock.now() >= clockNotBefore, displays: displays.map(\.state.status),
                     playlists: library.statuses(), sensors: sensors.map { $0.state.status(at: clock.now()) },
                     alerts: alerts.listing())
    }

    public func screenshot(display: String) async -> Bitmap? {
        guard let service = displays.first(where: { $0.config.name == display }) else { return nil }
        return await service.state.requestFrame(wake: { service.wake() })
    }

    public func metricsText() async -> String { metrics.text() }

    public func proofOfPlay(from: Date, to: Date) async throws -> [PlayRecord] {
        try await proofQuery(from, to)
    }

    public func pushAlert(body: [UInt8], headers: [String: String], source: String) async -> AlertIntakeOutcome {
        await alerts.push(body: body, headers: headers, source: source)
    }

    public func alertListing() async -> [AlertListing] { alerts.listing() }
}

/// A proof-of-play request that would answer more records than the API sends at once.
package struct ProofOfPlayTooLarge: Error, CustomStringConvertible, Sendable {
    /// The most records one `GET /v1/proof-of-play` returns.
    package static let limit = 50_000
    package init() {}
    package var description: String {
        "more than \(Self.limit) records in that interval: ask for a shorter one, or use `oshirase report` on the box"
    }
}

extension Daemon {
    /// Reads proof of play for the API on a thread of its own (a long read must not occupy one of
    /// the few threads the HTTP server runs on), answering at most `ProofOfPlayTooLarge.limit` records.
    package static func proofOfPlayQuery(_ store: StateStore) -> @Sendable (Date, Date) async throws -> [PlayRecord] {
        { from, to in
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<[PlayRecord], any Error>) in
                DispatchQueue.global(qos: .utility).async {
                    do {
                        var records: [PlayRecord] = []
                        var tooMany = false
                        try store.forEachRecord(from: from, to: to) { record in
                            if records.count < ProofOfPlayTooLarge.limit { records.append(record) } else { tooMany = true }
                        }
                        if tooMany { throw ProofOfPlayTooLarge() }
                        c.resume(returning: records)
                    } catch {
                        c.resume(throwing: error)
                    }
                }
            }
        }
    }
}

/// A display service held weakly, for the alert centre's wake-up.
private struct WeakDisplay: Sendable {
    weak var service: DisplayService?
    init(_ service: DisplayService) { self.service = service }
}
