package import Foundation
package import Logging
package import OshiraseCore
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseRender
package import OshiraseStore
import Prometheus

/// What every display loop shares.
package struct DisplayContext: Sendable {
    package var site: String
    /// The config's zone: power, brightness and quiet-ticker windows are read in it.
    package var timeZone: TimeZone
    /// Before this instant the clock is taken to be wrong and only fallback items play.
    package var clockNotBefore: Date
    package var library: PlaylistLibrary
    package var clock: any WallClock
    package var phraseModel: PhraseModel?
    package var logger: Logger
    /// Receives each finished showing of an item (proof of play); must not block.
    package var record: @Sendable (PlayRecord) -> Void
    /// Emergency messages, shown over the playlists.
    package var alerts: AlertCenter?

    package init(site: String, timeZone: TimeZone, clockNotBefore: Date, library: PlaylistLibrary,
                clock: any WallClock, phraseModel: PhraseModel?, logger: Logger,
                record: @escaping @Sendable (PlayRecord) -> Void, alerts: AlertCenter? = nil) {
        self.site = site
        self.timeZone = timeZone
        self.clockNotBefore = clockNotBefore
        self.library = library
        self.clock = clock
        self.phraseModel = phraseModel
        self.logger = logger
        self.record = record
        self.alerts = alerts
    }
}

/// One display's frame loop: scene at the clock's time → frame → output, rendering only when
/// the picture changes and pacing animation at the configured rate.
///
/// The loop decides what to draw and when; its parts each do one job: `OutputSupervisor` keeps
/// the output open, `ClockStepWatch` notices the clock being set, `ScheduleFollower` follows the
/// library and keeps slots, `ScheduleEngine.scene` builds the scene, `FramePlan` reduces it to a
/// look, `Renderer` and `CrossFader` draw and fade, `FramePacer` paces animation, and
/// `ShowingTracker` keeps proof of play.
///
/// Runs inside one task (on the display's own thread); nothing here is shared except through
/// `DisplayState` and the library.
final class DisplayLoop {
    private let config: DisplayConfig
    private let context: DisplayContext
    private let state: DisplayState
    private let metrics: DisplayMetrics
    private let wakeup: Wakeup
    private let sensor: SensorState?
    private var logger: Logger
    private let calendar: Calendar

    private let outputs: OutputSupervisor
    private var clockSteps = ClockStepWatch()
    private var schedule: ScheduleFollower
    private let renderer: Renderer
    private let fader = CrossFader()
    private var pacer = FramePacer()
    private let showings: ShowingTracker

    /// The look on screen; nil when nothing of the schedule is (off, a new output).
    private var shown: FrameLook?
    private var powered = true
    /// The next frame is drawn whole and presented whole.
    private var needsWhole = true
    private var loggedProblems = Set<String>()
    private var presentedOnce = false

    init(config: DisplayConfig, context: DisplayContext, state: DisplayState, metrics: DisplayMetrics,
         wakeup: Wakeup, openOutput: @escaping () throws(OutputError) -> FrameOutput, sensor: SensorState? = nil) {
        self.config = config
        self.sensor = sensor
        self.context = context
        self.state = state
        self.metrics = metrics
        self.wakeup = wakeup
        var logger = context.logger
        logger[metadataKey: "display"] = .string(config.name)
        self.logger = logger
        calendar = Calendar.gregorian(in: context.timeZone)
        outputs = OutputSupervisor(profile: config.profile, state: state, metrics: metrics, logger: logger, open: openOutput)
        schedule = ScheduleFollower(profile: config.profile.name, timeZone: context.timeZone)
        renderer = Renderer(phraseModel: context.phraseModel)
        showings = ShowingTracker(display: config.name, record: context.record)
    }

    /// Runs until the task is cancelled; then ends the proof-of-play records in progress.
    func run() async {
        while !Task.isCancelled {
            let next = step()
            if Task.isCancelled { break }
            await wakeup.wait(until: next, on: context.clock)
        }
        showings.close(at: context.clock.now())
        outputs.close()
    }

    /// One pass: brings the picture up to date and says when to look again.
    func step() -> Date {
        let now = context.clock.now()
        guard let current = outputs.current(at: now) else {
            return outputs.retryAt ?? now.addingTimeInterval(OutputSupervisor.retryInterval)
        }
        let output = current.output
        if current.opened {
            shown = nil
            needsWhole = true
            powered = true
            fader.stop()
        }
        do {
            let next = try update(output, now)
            if state.needsFrame { try publishFrame() }
            // A PNG directory holds back changes that come faster than its interval: write the
            // last one once the interval has passed, even if nothing changes after it.
            if let deferred = output as? DeferredFrameOutput, let wait = deferred.secondsUntilFlush {
                if wait <= 0 {
                    try deferred.flush()
                } else {
                    return min(next, now.addingTimeInterval(wait))
                }
            }
            return next
        } catch let error as OutputError {
            outputs.failed(error, at: now)
            showings.close(at: now)
            fader.stop()
            pacer.reset()
            return outputs.retryAt ?? now.addingTimeInterval(OutputSupervisor.retryInterval)
        } catch {
            logOnce("cannot render: \(error)", level: .error)
            state.update { $0.error = "render: \(error)" }
            pacer.reset()
            return now.addingTimeInterval(1)
        }
    }

    private func update(_ output: FrameOutput, _ now: Date) throws -> Date {
        noticeClockSteps(now)
        schedule.refresh(from: context.library)
        let (engine, trust) = schedule.engine(at: now, notBefore: context.clockNotBefore)
        if trust?.now == false {
            logger.warning("the system clock reads \(Instant.format(now, in: context.timeZone)), before \(Instant.format(context.clockNotBefore, in: context.timeZone)), the earliest time it can be (the build date, or the config's clock-not-before): it is not set yet (no RTC or NTP), so only fallback items play")
        } else if trust?.before == false {
            logger.notice("the system clock is set (\(Instant.format(now, in: context.timeZone))); the schedule plays")
        }

        // An emergency takeover switches a screen on whatever its power schedule says: an
        // evacuation order at 03:00 must reach the wall that is dark at night.
        let shownAlert = context.alerts?.overlay(for: config, at: now)
        let on = config.isPoweredOn(at: now, calendar: calendar) || shownAlert?.overlay?.coversPlaylists == true
        guard try switchPower(on: on, output: output, now: now) else {
            return FramePlan.nextChange(after: now, looks: [], slotEnds: shownAlert?.nextChange.map { [$0] } ?? [])
        }

        let slots = schedule.slots(of: engine, at: now)
        // The temperature panel: a kiosk no sensor feeds says its thermometer is off rather than
        // inviting visitors to a check that cannot happen.
        var panel = ScreeningPanel.idle
        var panelChange: Date?
        if config.profile.temperaturePanel != nil {
            if let sensor {
                let reading = sensor.panel(at: now)
                panel = reading.panel
                panelChange = reading.nextChange
            } else {
                panel = .offline
            }
        }
        let still = config.profile.kind == .led
            && (config.staticTickers.map { Schedule(time: $0).matches(now, calendar: calendar) } ?? false)
        // The scene, with the same function `oshirase render` uses.
        let scene = engine.scene(for: config.profile, at: now, slots: slots, siteName: context.site,
                                 siteTimeZone: context.timeZone, panel: panel, panelNotice: sensor?.config.notice,
                                 alert: shownAlert?.overlay, holdingTickers: still)
        let brightness = config.brightnessPercent(at: now, calendar: calendar)
        let light = LightOutput.forDisplay(config.profile, percent: brightness, cieGamma: config.cieGamma)
        let look = FramePlan.look(of: scene, slots: slots, light: light, fps: config.fps, stillTickers: still)

        if look != shown || fader.isFading || needsWhole {
            // Status first, so whoever sees the frame counted also sees what it shows.
            state.update { s in
                s.items = ["main": slots.main.entry?.item.id ?? "idle"]
                if let ticker = slots.ticker { s.items["ticker"] = ticker.entry?.item.id ?? "idle" }
                s.alert = scene.alert?.identity?.identifier
                s.brightnessPercent = brightness
            }
            try present(scene, look: look, light: light, output: output, now: now)
            let shownAt = context.clock.now()
            showings.frameShown(at: shownAt)
            if let alert = scene.alert?.identity { context.alerts?.presented(alert, on: config.name, at: shownAt) }
        }
        // Proof of play counts only what could be seen: nothing under a takeover, no ticker
        // under a banner.
        var visible: [(Zone, Slot)] = []
        if scene.alert?.coversPlaylists != true { visible.append((.main, slots.main)) }
        if scene.alert?.coversTicker != true, let ticker = slots.ticker { visible.append((.ticker, ticker)) }
        showings.track(engine: engine, visible: visible, now: now)

        if look.animates || fader.isFading {
            let (due, dropped) = pacer.next(after: now, finished: context.clock.now(), fps: config.fps)
            if dropped > 0 { metrics.framesDropped.increment(by: Int64(dropped)) }
            return due
        }
        pacer.reset()
        return FramePlan.nextChange(after: now, looks: [look.main] + (look.ticker.map { [$0] } ?? []),
                                    slotEnds: [slots.main.end] + (slots.ticker.map { [$0.end] } ?? [])
                                        + (panelChange.map { [$0] } ?? []) + (shownAlert?.nextChange.map { [$0] } ?? []))
    }

    /// Switches the screen on or off as the power schedule (or a takeover) says; true when it is on.
    private func switchPower(on: Bool, output: FrameOutput, now: Date) throws -> Bool {
        if !on {
            if powered {
                try output.setPower(on: false)
                powered = false
                showings.close(at: now)
                shown = nil
                fader.stop()
                pacer.reset()
                state.dropFrame()
                logger.notice("screen off (power schedule \(config.power?.window.description ?? ""))")
                state.update {
                    $0.powered = false
                    $0.items = [:]
                    $0.alert = nil
                }
            }
            return false
        }
        if !powered {
            try output.setPower(on: true)
            powered = true
            needsWhole = true
            logger.notice("screen on (power schedule)")
            state.update { $0.powered = true }
        }
        return true
    }

    /// A wall clock that was set ends what was on screen at the last reading before the step, so
    /// proof of play never spans the jump, and everything timed is worked out again.
    private func noticeClockSteps(_ now: Date) {
        guard let step = clockSteps.read(wall: now, elapsed: context.clock.elapsed()) else { return }
        logger.notice("the system clock was set \(step.seconds > 0 ? "forward" : "back") by \(Int(abs(step.seconds).rounded())) s; the schedule is read again at \(Instant.format(now, in: context.timeZone))")
        showings.close(at: step.lastReading)
        schedule.forgetSlots()
        pacer.reset()
        needsWhole = true
    }

    /// Renders what changed and hands the frame to the output, cross-fading item changes when configured.
    private func present(_ scene: Scene, look: FrameLook, light: LightOutput?, output: FrameOutput, now: Date) throws {
        let started = ContinuousClock.now
        var parts = look.parts(since: needsWhole ? nil : shown)
        if fader.isFading { parts.insert(.main) }
        // An alert coming or going cuts: a takeover must be readable in its first frame.
        if look.alert != shown?.alert { fader.stop() }
        if case .fade(let seconds) = config.transition, look.changesItem(since: shown), look.alert == shown?.alert,
           let previous = try lastPresentedPixels() {
            fader.begin(from: previous, at: now, duration: seconds)
        }
        let whole = needsWhole
        let origin = PixelPoint(x: config.region.x, y: config.region.y)
        // The temperature panel is never faded: a visitor's result appears whole at once.
        let crispFrom = config.profile.temperaturePanel.map { min(config.profile.height, Int($0.y)) } ?? config.profile.height
        try renderer.withFrame(scene, light: light, redrawing: parts) { view, rows, problems in
            for problem in problems { logOnce(problem, level: .error) }
            if fader.isFading {
                try fader.frame(view, at: now, crispFrom: crispFrom) { frame in
                    try output.present(frame, at: origin, changedRows: nil)
                    state.presented(changedRows: 0..<view.height, at: now, monotonic: monotonicSeconds())
                }
            } else {
                try output.present(view, at: origin, changedRows: whole ? nil : rows)
                state.presented(changedRows: whole ? 0..<view.height : rows, at: now, monotonic: monotonicSeconds())
            }
        }
        needsWhole = false
        shown = look
        let took = ContinuousClock.now - started
        metrics.framesPresented.increment()
        metrics.renderTime.record(took)
        state.rendered(milliseconds: Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000)
        if !presentedOnce {
            presentedOnce = true
            let age = processAgeSeconds().map { String(format: "%.0f ms after the process started", $0 * 1000) } ?? ""
            logger.notice("first frame presented \(age)")
        }
    }

    /// The frame on screen, as bytes of rows `width × 4` apart (nil before the first frame).
    private func lastPresentedPixels() throws -> [UInt8]? {
        if let blend = fader.blendOnScreen { return blend }
        return try renderer.withLastFrame(of: config.profile) { view -> [UInt8]? in
            guard view.width == config.profile.width, view.height == config.profile.height else { return nil }
            return Bitmap(copying: view).pixels
        } ?? nil
    }

    /// Hands a copy of the frame on screen to the display state, for a screenshot.
    private func publishFrame() throws {
        let p = config.profile
        if !powered {
            Bitmap(width: p.width, height: p.height, stride: p.width * 4, pixels: [UInt8](repeating: 0, count: p.width * p.height * 4))
                .withPixelView { state.publish($0) }
        } else if let blend = fader.blendOnScreen {
            Bitmap(width: p.width, height: p.height, stride: p.width * 4, pixels: blend).withPixelView { state.publish($0) }
        } else if shown != nil {
            _ = try renderer.withLastFrame(of: p) { view in state.publish(view) }
        }
    }

    private func logOnce(_ message: String, level: Logger.Level) {
        guard loggedProblems.insert(message).inserted else { return }
        if loggedProblems.count > 1000 { loggedProblems = [message] }
        logger.log(level: level, "\(message)")
    }
}
