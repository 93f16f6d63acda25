import Foundation
import Logging
import OshiraseCore
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseRender
import OshiraseStore

/// What every display loop shares.
public struct DisplayContext: Sendable {
    public var site: String
    /// The config's zone: power, brightness and quiet-ticker windows are read in it.
    public var timeZone: TimeZone
    /// Before this instant the clock is taken to be wrong and only fallback items play.
    public var clockNotBefore: Date
    public var library: PlaylistLibrary
    public var clock: any WallClock
    public var phraseModel: PhraseModel?
    public var logger: Logger
    /// Receives each finished showing of an item (proof of play); must not block.
    public var record: @Sendable (PlayRecord) -> Void
    /// Emergency messages, shown over the playlists.
    public var alerts: AlertCenter?

    public init(site: String, timeZone: TimeZone, clockNotBefore: Date, library: PlaylistLibrary,
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
/// Runs inside one task (on the display's own thread); nothing here is shared except through
/// `DisplayState` and the library.
final class DisplayLoop {
    private let config: DisplayConfig
    private let context: DisplayContext
    private let state: DisplayState
    private let metrics: DisplayMetrics
    private let wakeup: Wakeup
    private let openOutput: () throws(OutputError) -> FrameOutput
    private let sensor: SensorState?
    private var logger: Logger
    private let calendar: Calendar

    private let renderer: Renderer
    private var output: FrameOutput?
    private var outputRetryAt: Date?
    private var lastOutputError: String?

    private var generation = -1
    private var engine: ScheduleEngine
    private var fallbackEngine: ScheduleEngine
    private var trusted: Bool?
    private var slots: [Zone: Slot] = [:]

    private var shown: FrameLook?
    private var powered = true
    private var needsWhole = true
    private var frameDeadline: Date?
    private var lastReading: (wall: Date, elapsed: Double)?
    private var loggedProblems = Set<String>()
    private var presentedOnce = false

    private struct Fade {
        var from: [UInt8]
        var start: Date
        var duration: Double
    }
    private var fade: Fade?
    private var blend: [UInt8] = []
    /// True when the frame on screen is `blend` (mid-fade), not the renderer's canvas.
    private var presentedBlend = false

    private struct Showing {
        var playlist: String
        var item: String
        var slotStart: Date
        var start: Date
    }
    private var showings: [Zone: Showing] = [:]
    /// When the first frame of this run (since start, power-on or a reopened output) reached the
    /// output: proof of play begins there, not before anything was visible.
    private var visibleSince: Date?
    /// Since when no takeover covers the playlists (nil while one does): proof of play counts
    /// only what could be seen.
    private var uncoveredSince: [Zone: Date] = [:]

    init(config: DisplayConfig, context: DisplayContext, state: DisplayState, metrics: DisplayMetrics,
         wakeup: Wakeup, openOutput: @escaping () throws(OutputError) -> FrameOutput, sensor: SensorState? = nil) {
        self.config = config
        self.sensor = sensor
        self.context = context
        self.state = state
        self.metrics = metrics
        self.wakeup = wakeup
        self.openOutput = openOutput
        var logger = context.logger
        logger[metadataKey: "display"] = .string(config.name)
        self.logger = logger
        calendar = Calendar.gregorian(in: context.timeZone)
        renderer = Renderer(phraseModel: context.phraseModel)
        engine = ScheduleEngine(playlists: [], profile: config.profile.name, timeZone: context.timeZone)
        fallbackEngine = engine
    }

    /// Runs until the task is cancelled; then ends the proof-of-play records in progress.
    func run() async {
        while !Task.isCancelled {
            let next = step()
            if Task.isCancelled { break }
            await wakeup.wait(until: next, on: context.clock)
        }
        closeShowings(at: context.clock.now())
        if let deferred = output as? DeferredFrameOutput { try? deferred.flush() }
        // Releasing the output restores the console (fbdev) or the previous CRTC (DRM).
        output = nil
    }

    /// One pass: brings the picture up to date and says when to look again.
    func step() -> Date {
        let now = context.clock.now()
        guard let output = currentOutput(now) else {
            return outputRetryAt ?? now.addingTimeInterval(5)
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
            outputFailed(error, now)
            return outputRetryAt ?? now.addingTimeInterval(5)
        } catch {
            logOnce("cannot render: \(error)", level: .error)
            state.update { $0.error = "render: \(error)" }
            frameDeadline = nil
            return now.addingTimeInterval(1)
        }
    }

    private func currentOutput(_ now: Date) -> FrameOutput? {
        if let output { return output }
        if let retry = outputRetryAt, now < retry { return nil }
        do {
            let opened = try openOutput()
            output = opened
            outputRetryAt = nil
            lastOutputError = nil
            shown = nil
            needsWhole = true
            powered = true
            presentedBlend = false
            logger.notice("showing \(config.profile.name) \(config.profile.width)×\(config.profile.height) on \(opened.description)")
            if let framebuffer = opened as? FramebufferOutput {
                for warning in framebuffer.warnings { logger.warning("\(warning)") }
            }
            state.update {
                $0.output = opened.description
                $0.error = nil
            }
            return opened
        } catch {
            outputFailed(error, now)
            return nil
        }
    }

    private func outputFailed(_ error: OutputError, _ now: Date) {
        metrics.outputErrors.increment()
        if lastOutputError != error.message {
            logger.error("\(error.message); trying again every 5 s")
            lastOutputError = error.message
        }
        state.update { $0.error = error.message }
        output = nil
        outputRetryAt = now.addingTimeInterval(5)
        closeShowings(at: now)
        fade = nil
        presentedBlend = false
        frameDeadline = nil
        state.dropFrame()
    }

    private func update(_ output: FrameOutput, _ now: Date) throws -> Date {
        noticeClockSteps(now)
        refreshEngines()
        let trustedNow = now >= context.clockNotBefore
        if trusted != trustedNow {
            if !trustedNow {
                logger.warning("the system clock reads \(Instant.format(now, in: context.timeZone)), before \(Instant.format(context.clockNotBefore, in: context.timeZone)), the earliest time it can be (the build date, or the config's clock-not-before): it is not set yet (no RTC or NTP), so only fallback items play")
            } else if trusted == false {
                logger.notice("the system clock is set (\(Instant.format(now, in: context.timeZone))); the schedule plays")
            }
            trusted = trustedNow
            slots = [:]
        }
        let engine = trustedNow ? self.engine : fallbackEngine

        // Power schedule.
        // An emergency takeover switches a screen on whatever its power schedule says: an
        // evacuation order at 03:00 must reach the wall that is dark at night.
        let shownAlert = context.alerts?.overlay(for: config, at: now)
        let on = (config.power.map { p in Schedule(days: p.days, time: p.window).matches(now, calendar: calendar) } ?? true)
            || shownAlert?.overlay?.coversPlaylists == true
        if !on {
            if powered {
                try output.setPower(on: false)
                powered = false
                closeShowings(at: now)
                shown = nil
                fade = nil
                presentedBlend = false
                frameDeadline = nil
                state.dropFrame()
                logger.notice("screen off (power schedule \(config.power?.window.description ?? ""))")
                state.update {
                    $0.powered = false
                    $0.items = [:]
                }
            }
            return FramePlan.nextChange(after: now, looks: [], slotEnds: shownAlert?.nextChange.map { [$0] } ?? [])
        }
        if !powered {
            try output.setPower(on: true)
            powered = true
            needsWhole = true
            logger.notice("screen on (power schedule)")
            state.update { $0.powered = true }
        }

        // The slots, kept while they last.
        func slot(_ zone: Zone) -> Slot {
            if let s = slots[zone], s.start <= now, now < s.end { return s }
            let s = engine.slot(in: zone, at: now)
            slots[zone] = s
            return s
        }
        let layout = engine.layout
        let mainSlot = slot(.main)
        let tickerSlot = layout == .mainTicker ? slot(.ticker) : nil
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
        let led = config.profile.kind == .led
        let still = led && (config.staticTickers.map { Schedule(time: $0).matches(now, calendar: calendar) } ?? false)
        // The scene, with the same function `oshirase render` uses.
        let scene = engine.scene(for: config.profile, at: now, slots: ZoneSlots(main: mainSlot, ticker: tickerSlot),
                                 siteName: context.site, siteTimeZone: context.timeZone, panel: panel,
                                 panelNotice: sensor?.config.notice, alert: shownAlert?.overlay, holdingTickers: still)
        let alertChange = shownAlert?.nextChange
        let takenOver = scene.alert?.coversPlaylists == true
        let brightness = led ? FramePlan.brightness(config.brightness, at: now, calendar: calendar) : nil
        let light = brightness.map { LightOutput(brightness: $0 / 100, cieGamma: config.cieGamma) }
        var look = FrameLook(
            layout: layout,
            main: FramePlan.look(of: scene.main, slot: mainSlot, inTickerZone: false, at: now, fps: config.fps, stillTickers: still),
            ticker: tickerSlot.map { FramePlan.look(of: scene.ticker ?? .idle, slot: $0, inTickerZone: true, at: now,
                                                    fps: config.fps, stillTickers: still) },
            light: light,
            panel: config.profile.temperaturePanel == nil ? nil : scene.panel,
            alert: scene.alert)
        if takenOver {
            // Nothing of the playlists is drawn under a takeover: nothing of them animates either.
            look.main = FramePlan.covered
            if look.ticker != nil { look.ticker = FramePlan.covered }
        } else if scene.alert != nil, look.ticker != nil {
            // A banner covers the ticker zone.
            look.ticker = FramePlan.covered
        }

        if look != shown || fade != nil || needsWhole {
            // Status first, so whoever sees the frame counted also sees what it shows.
            state.update { s in
                s.items = ["main": mainSlot.entry?.item.id ?? "idle"]
                if let tickerSlot { s.items["ticker"] = tickerSlot.entry?.item.id ?? "idle" }
                s.brightnessPercent = brightness
            }
            try present(scene, look: look, light: light, output: output, now: now)
            if visibleSince == nil { visibleSince = context.clock.now() }
        }
        // Proof of play counts only what could be seen: nothing under a takeover, no ticker
        // under a banner.
        var visible: [(Zone, Slot)] = takenOver ? [] : [(.main, mainSlot)]
        if !takenOver, scene.alert == nil, let tickerSlot { visible.append((.ticker, tickerSlot)) }
        for zone in [Zone.main, .ticker] {
            if visible.contains(where: { $0.0 == zone }) {
                if uncoveredSince[zone] == nil { uncoveredSince[zone] = now }
            } else {
                uncoveredSince[zone] = nil
            }
        }
        trackShowings(engine: engine, slots: visible, now: now)

        if look.animates || fade != nil {
            // Woken early (a reload): the frame due at the deadline is still due then.
            if let due = frameDeadline, now < due { return due }
            let interval = 1 / Double(max(1, config.fps))
            let due = frameDeadline ?? now
            var next = due.addingTimeInterval(interval)
            let finished = context.clock.now()
            if finished >= next {
                // Rendering or the output overran: the frames whose time has passed are dropped.
                let missed = Int((finished.timeIntervalSince(next) / interval).rounded(.down)) + 1
                metrics.framesDropped.increment(by: Int64(missed))
                next = next.addingTimeInterval(Double(missed) * interval)
            }
            frameDeadline = next
            return next
        }
        frameDeadline = nil
        return FramePlan.nextChange(after: now, looks: [look.main] + (look.ticker.map { [$0] } ?? []),
                                    slotEnds: [mainSlot.end] + (tickerSlot.map { [$0.end] } ?? []) + (panelChange.map { [$0] } ?? [])
                                        + (alertChange.map { [$0] } ?? []))
    }

    /// A wall clock that was set (NTP after a boot without RTC, an RTC read in the wrong zone)
    /// ends what was on screen at the last reading before the step, so proof of play never
    /// spans the jump, and everything timed is worked out again.
    private func noticeClockSteps(_ now: Date) {
        let elapsed = context.clock.elapsed()
        defer { lastReading = (now, elapsed) }
        guard let last = lastReading else { return }
        let step = now.timeIntervalSince(last.wall) - (elapsed - last.elapsed)
        guard abs(step) > 2 else { return }
        logger.notice("the system clock was set \(step > 0 ? "forward" : "back") by \(Int(abs(step).rounded())) s; the schedule is read again at \(Instant.format(now, in: context.timeZone))")
        closeShowings(at: last.wall)
        slots = [:]
        frameDeadline = nil
        needsWhole = true
    }

    private func refreshEngines() {
        guard context.library.generation != generation else { return }
        let snapshot = context.library.snapshot()
        generation = snapshot.generation
        engine = ScheduleEngine(playlists: snapshot.playlists, profile: config.profile.name)
        fallbackEngine = ScheduleEngine(playlists: FramePlan.fallbackPlaylists(snapshot.playlists),
                                        profile: config.profile.name)
        slots = [:]
    }

    /// Renders what changed and hands the frame to the output, cross-fading item changes when configured.
    private func present(_ scene: Scene, look: FrameLook, light: LightOutput?, output: FrameOutput, now: Date) throws {
        let started = ContinuousClock.now
        var parts = look.parts(since: needsWhole ? nil : shown)
        if fade != nil { parts.insert(.main) }
        // An alert coming or going cuts: a takeover must be readable in its first frame.
        if look.alert != shown?.alert {
            fade = nil
            presentedBlend = false
        }
        if case .fade(let seconds) = config.transition, look.changesItem(since: shown), look.alert == shown?.alert,
           let previous = try lastPresentedPixels() {
            fade = Fade(from: previous, start: now, duration: seconds)
        }
        let whole = needsWhole
        let origin = PixelPoint(x: config.region.x, y: config.region.y)
        try renderer.withFrame(scene, light: light, redrawing: parts) { view, rows, problems in
            for problem in problems { logOnce(problem, level: .error) }
            if var f = fade {
                let progress = min(1, max(0, now.timeIntervalSince(f.start) / f.duration))
                if progress >= 1 {
                    fade = nil
                    presentedBlend = false
                    try output.present(view, at: origin, changedRows: nil)
                    state.presented(changedRows: 0..<view.height, at: now, monotonic: monotonicSeconds())
                } else {
                    try presentBlend(of: &f, with: view, progress: progress, output: output, origin: origin, now: now)
                    fade = f
                    presentedBlend = true
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
        if presentedBlend { return blend }
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
        } else if presentedBlend {
            Bitmap(width: p.width, height: p.height, stride: p.width * 4, pixels: blend).withPixelView { state.publish($0) }
        } else if shown != nil {
            _ = try renderer.withLastFrame(of: p) { view in state.publish(view) }
        }
    }

    /// Presents `from` faded into `view`: each channel moves linearly from old to new.
    private func presentBlend(of f: inout Fade, with view: PixelView, progress: Double, output: FrameOutput,
                              origin: PixelPoint, now: Date) throws {
        let count = view.width * 4 * view.height
        if blend.count != count { blend = [UInt8](repeating: 0, count: count) }
        let weight = UInt32((progress * 256).rounded())
        let rowBytes = view.width * 4
        f.from.withUnsafeBytes { from in
            blend.withUnsafeMutableBytes { out in
                guard let fromBase = from.baseAddress, let outBase = out.baseAddress, from.count >= count else { return }
                // The temperature panel is never faded: a visitor's result appears whole at once.
                let crispFrom = config.profile.temperaturePanel.map { min(view.height, Int($0.y)) } ?? view.height
                for y in 0..<view.height {
                    let src = view.base + y * view.stride
                    let dst = outBase + y * rowBytes
                    if y >= crispFrom {
                        dst.copyMemory(from: src, byteCount: rowBytes)
                        continue
                    }
                    CrossFade.blend(old: fromBase + y * rowBytes, new: src, into: dst, count: rowBytes, weight: weight)
                }
            }
        }
        try blend.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            let blended = PixelView(base: base, width: view.width, height: view.height, stride: rowBytes, byteCount: count)
            try output.present(blended, at: origin, changedRows: nil)
            state.presented(changedRows: 0..<view.height, at: now, monotonic: monotonicSeconds())
        }
    }

    // MARK: Proof of play

    private func trackShowings(engine: ScheduleEngine, slots: [(Zone, Slot)], now: Date) {
        guard let visibleSince else { return }
        // A zone the layout no longer has (its playlist was removed) shows nothing any more.
        for (zone, showing) in showings where !slots.contains(where: { $0.0 == zone }) {
            finish(showing, zone: zone, at: now)
            showings[zone] = nil
        }
        for (zone, slot) in slots {
            let current = showings[zone]
            guard let entry = slot.entry else {
                if let current {
                    finish(current, zone: zone, at: min(now, max(current.start, slot.start)))
                    showings[zone] = nil
                }
                continue
            }
            let file = (engine.playlists[entry.playlistIndex].path as NSString).lastPathComponent
            if let current, current.playlist == file, current.item == entry.item.id, current.slotStart == slot.start {
                continue
            }
            if let current { finish(current, zone: zone, at: min(now, max(current.start, slot.start))) }
            showings[zone] = Showing(playlist: file, item: entry.item.id, slotStart: slot.start,
                                     start: max(slot.start, visibleSince, uncoveredSince[zone] ?? now))
        }
    }

    private func closeShowings(at time: Date) {
        for (zone, showing) in showings { finish(showing, zone: zone, at: time) }
        showings = [:]
        visibleSince = nil
    }

    private func finish(_ showing: Showing, zone: Zone, at end: Date) {
        guard end > showing.start else { return }
        context.record(PlayRecord(display: config.name, zone: zone.rawValue, playlist: showing.playlist,
                                  item: showing.item, start: showing.start, end: end))
    }

    private func logOnce(_ message: String, level: Logger.Level) {
        guard loggedProblems.insert(message).inserted else { return }
        if loggedProblems.count > 1000 { loggedProblems = [message] }
        logger.log(level: level, "\(message)")
    }
}
