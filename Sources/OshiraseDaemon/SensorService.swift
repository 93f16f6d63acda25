package import Foundation
import Logging
package import OshiraseCore
public import OshiraseDevices
public import OshiraseConfig
import ServiceLifecycle
import Synchronization
import Prometheus

/// How one temperature sensor is doing, for `/v1/status`. Counts and health only: no reading,
/// no value and no class of the visitor in front of the sensor ever appears here.
public struct SensorStatus: Sendable, Codable, Equatable {
    public var name: String
    /// `gy-mcu90614` or `simulated`.
    package var kind: String
    /// The serial device it reads (for the simulator, the pseudo-terminal's link).
    package var device: String?
    /// The displays whose panel shows it.
    public var displays: [String]
    /// The device is open; whether frames arrive shows in `panel` (offline after 3 s of silence).
    public var connected: Bool
    /// What the panel shows now: `idle`, `measuring`, `result` or `offline`.
    public var panel: String
    /// Results since the daemon started, per class (`normal`, `fever`, `retry`); the hourly
    /// counts are in the state database.
    public var counts: [String: Int]
    /// Damaged frames and stray bytes since the daemon started.
    public var checksumErrors: Int
    public var skippedBytes: Int
    /// Times the device went away.
    package var disconnects: Int
    /// When the last valid frame arrived.
    package var lastFrameAt: Date?
    /// Why the device is not connected, while it is not.
    public var problem: String?
}

/// The live state of one sensor, shared between the task that reads it and the display loops that
/// show it: the screening state machine, health and counts. All access goes through a mutex and
/// takes microseconds, so a display loop never waits on the device.
package final class SensorState: Sendable {
    package let config: SensorConfig
    private struct Inner {
        var screening: Screening
        var connected = false
        var device: String?
        var problem: String?
        var counts: [String: Int] = ["normal": 0, "fever": 0, "retry": 0]
        var checksumErrors = 0
        var skippedBytes = 0
        var disconnects = 0
        var lastFrameAt: Date?
    }
    private let inner: Mutex<Inner>

    package init(config: SensorConfig) {
        self.config = config
        inner = Mutex(Inner(screening: Screening(policy: config.policy)))
    }

    /// What the panel shows at `time` (results expire, silence goes offline) and when that next
    /// changes without a reading.
    package func panel(at time: Date) -> (panel: ScreeningPanel, nextChange: Date?) {
        inner.withLock { s in
            s.screening.tick(at: time)
            return (s.screening.panel, s.screening.nextChange)
        }
    }

    /// What one event did.
    struct Outcome {
        /// The result a reading completed.
        var result: ScreeningResult?
        /// The panel changed: the displays showing it must look again.
        var panelChanged = false
        /// A connected device went away.
        var lostDevice = false
    }

    /// Takes one event from the thermometer.
    func handle(_ event: ThermometerEvent) -> Outcome {
        inner.withLock { s in
            let before = s.screening.panel
            var result: ScreeningResult?
            var lost = false
            switch event {
            case .reading(let reading):
                s.screening.tick(at: reading.time)
                result = s.screening.take(reading)
                s.lastFrameAt = reading.time
                if let result { s.counts[result.className, default: 0] += 1 }
            case .connected(let device):
                s.connected = true
                s.device = device
                s.problem = nil
            case .disconnected(let problem):
                lost = s.connected
                if lost { s.disconnects += 1 }
                s.connected = false
                s.problem = problem
                s.screening.goOffline()
            case .errors(let checksum, let skipped):
                s.checksumErrors = checksum
                s.skippedBytes = skipped
            }
            return Outcome(result: result, panelChanged: s.screening.panel != before, lostDevice: lost)
        }
    }

    package func status(at time: Date) -> SensorStatus {
        inner.withLock { s in
            s.screening.tick(at: time)
            let panel = switch s.screening.panel {
            case .idle: "idle"
            case .measuring: "measuring"
            case .result: "result"
            case .offline: "offline"
            }
            return SensorStatus(name: config.name, kind: config.source.kind, device: s.device, displays: config.displays,
                                connected: s.connected, panel: panel, counts: s.counts, checksumErrors: s.checksumErrors,
                                skippedBytes: s.skippedBytes, disconnects: s.disconnects, lastFrameAt: s.lastFrameAt,
                                problem: s.connected ? nil : s.problem)
        }
    }
}

/// Makes the thermometer a sensor's config names.
public typealias ThermometerOpener = @Sendable (SensorConfig) throws -> any Thermometer

/// One sensor as a service: reads its thermometer's events until graceful shutdown, runs the
/// screening, wakes the displays whose panel changed, and counts results per hour.
///
/// Privacy (docs/sensors.md): a reading lives only in the screening state machine and on screen;
/// it is never logged, stored or exposed. What leaves this type is a class name and a count.
package final class SensorService: Service, Sendable {
    package let state: SensorState
    private let makeThermometer: @Sendable () throws -> any Thermometer
    private let wake: @Sendable () -> Void
    private let count: @Sendable (String, ScreeningResult, Date) -> Void
    private let metrics: SensorMetrics
    private let logger: Logger
    /// Before this instant the wall clock is not set: results are not put in an hour.
    private let clockNotBefore: Date
    /// Called with each result as the panel takes it (benchmarks and tests); never logged.
    private let onResult: (@Sendable (ScreeningResult) -> Void)?

    init(state: SensorState, makeThermometer: @escaping @Sendable () throws -> any Thermometer,
         wake: @escaping @Sendable () -> Void, count: @escaping @Sendable (String, ScreeningResult, Date) -> Void,
         metrics: SensorMetrics, logger: Logger, clockNotBefore: Date = .distantPast,
         onResult: (@Sendable (ScreeningResult) -> Void)? = nil) {
        self.state = state
        self.clockNotBefore = clockNotBefore
        self.makeThermometer = makeThermometer
        self.wake = wake
        self.count = count
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "sensor"] = .string(state.config.name)
        self.logger = logger
        self.onResult = onResult
    }

    package func run() async throws {
        let thermometer: any Thermometer
        do {
            thermometer = try makeThermometer()
        } catch {
            // The panel stays offline; the rest of the box keeps running.
            logger.error("cannot start the thermometer: \(error); its panel shows offline")
            _ = state.handle(.disconnected("\(error)"))
            wake()
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown { await self.consume(thermometer) }
        // A service that returns ends the whole group: should the events ever end on their
        // own, the sensor is offline until the daemon stops, but the screens keep going.
        _ = state.handle(.disconnected("the thermometer's reader stopped"))
        wake()
        try? await gracefulShutdown()
    }

    /// Handles the thermometer's events until it ends or the task is cancelled.
    private func consume(_ thermometer: any Thermometer) async {
        var reported = (checksum: 0, skipped: 0)
        // A noisy line would otherwise fill the journal: totals at most once a minute.
        var errorLog = RateLimitedLog(interval: 60)
        var saidClockUnset = false
        for await event in thermometer.events() {
            let outcome = state.handle(event)
            if outcome.panelChanged { wake() }
            switch event {
            case .reading(let reading):
                if let result = outcome.result {
                    metrics.screenings(result.className).increment()
                    if reading.time >= clockNotBefore {
                        count(state.config.name, result, reading.time)
                    } else if !saidClockUnset {
                        // An hour of 1970 would be wrong and deleted by retention at once.
                        saidClockUnset = true
                        logger.warning("the system clock is not set yet: results are shown but not counted per hour until it is")
                    }
                    onResult?(result)
                }
            case .connected(let device):
                logger.notice("thermometer connected on \(device)")
                metrics.connected.set(to: 1)
            case .disconnected(let problem):
                logger.warning("thermometer offline: \(problem); trying again with backoff")
                metrics.connected.set(to: 0)
                if outcome.lostDevice { metrics.disconnects.increment() }
            case .errors(let checksum, let skipped):
                metrics.checksumErrors.increment(by: Int64(max(0, checksum - reported.checksum)))
                metrics.skippedBytes.increment(by: Int64(max(0, skipped - reported.skipped)))
                reported = (checksum, skipped)
                if errorLog.shouldLog(at: monotonicSeconds()) != nil {
                    logger.warning("noise on the serial line: \(checksum) damaged frame(s) and \(skipped) stray byte(s) so far (check the cable and the baud rate)")
                }
            }
        }
    }
}
