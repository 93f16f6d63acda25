public import Foundation

/// What one zone shows at an instant.
public enum ZoneContent: Sendable, Equatable {
    /// Nothing is scheduled: the main zone shows the idle screen, the ticker zone the date and time.
    case idle
    /// An item, `elapsed` seconds after its slot started (for ticker scroll and transitions).
    case item(Item, elapsed: Double)
}

/// Everything a display shows at one instant; the renderer's only input.
public struct Scene: Sendable, Equatable {
    public let profile: DisplayProfile
    public let layout: Layout
    public let main: ZoneContent
    /// Present when the layout has a ticker zone.
    public let ticker: ZoneContent?
    package let siteName: String
    public let time: Date
    public let timeZone: TimeZone
    /// What the temperature-check panel shows, on profiles that have one.
    public var panel: ScreeningPanel
    /// A short privacy notice at the foot of the temperature-check panel, in every state: why
    /// temperatures are taken and that nothing is kept, as Japan's Personal Information Protection
    /// Commission asks of such devices. Nil shows none; ignored on profiles without a panel.
    package var panelNotice: String?
    /// An emergency message over everything else (a takeover) or over the ticker zone (a banner).
    public var alert: AlertOverlay?

    /// A scene of `profile` at `time`; `panel` and `panelNotice` matter only on profiles with a
    /// temperature-check panel.
    package init(profile: DisplayProfile, layout: Layout, main: ZoneContent, ticker: ZoneContent?,
                siteName: String, time: Date, timeZone: TimeZone, panel: ScreeningPanel = .idle,
                panelNotice: String? = nil, alert: AlertOverlay? = nil) {
        self.profile = profile
        self.layout = layout
        self.main = main
        self.ticker = ticker
        self.siteName = siteName
        self.time = time
        self.timeZone = timeZone
        self.panel = panel
        self.panelNotice = panelNotice
        self.alert = alert
    }
}

/// The slot each zone of a display's layout is in at one instant.
public struct ZoneSlots: Sendable, Equatable {
    public var main: Slot
    /// Present when the layout has a ticker zone.
    public var ticker: Slot?

    package init(main: Slot, ticker: Slot?) {
        self.main = main
        self.ticker = ticker
    }
}

extension ScheduleEngine {
    /// The slot of each zone the layout has at `time`.
    package func slots(at time: Date) -> ZoneSlots {
        ZoneSlots(main: slot(in: .main, at: time), ticker: layout == .mainTicker ? slot(in: .ticker, at: time) : nil)
    }

    /// The scene a display of `profile` shows at `time`: the one function `oshirase render` and
    /// the daemon's frame loops both build their scenes with. Pure: no clock is read.
    /// - Parameters:
    ///   - slots: the zones' slots at `time`; a frame loop passes those it keeps while they last.
    ///     By default they are worked out now.
    ///   - siteName: what the idle screen and the idle ticker show; by default the first playlist's name.
    ///   - siteTimeZone: the zone clocks show when no playlist serves the display (the config's
    ///     `timezone`); the first playlist's own zone comes first, then the engine's.
    ///   - panel: what a kiosk's temperature panel shows; `panelNotice` the line at its foot.
    ///   - alert: an emergency message over the playlists.
    ///   - holdingTickers: scrolling text stands still at its start (an LED wall's quiet hours).
    public func scene(for profile: DisplayProfile, at time: Date, slots given: ZoneSlots? = nil, siteName: String? = nil,
                      siteTimeZone: TimeZone? = nil, panel: ScreeningPanel = .idle, panelNotice: String? = nil,
                      alert: AlertOverlay? = nil, holdingTickers: Bool = false) -> Scene {
        let slots = given ?? self.slots(at: time)
        func content(_ s: Slot) -> ZoneContent {
            guard let entry = s.entry else { return .idle }
            guard holdingTickers else { return .item(entry.item, elapsed: time.timeIntervalSince(s.start)) }
            switch entry.item.content {
            case .ticker, .announcement: return .item(entry.item, elapsed: 0)
            case .image, .clock: return .item(entry.item, elapsed: time.timeIntervalSince(s.start))
            }
        }
        return Scene(profile: profile, layout: layout, main: content(slots.main), ticker: slots.ticker.map(content),
                     siteName: siteName ?? self.siteName, time: time,
                     timeZone: playlists.first?.timeZone ?? siteTimeZone ?? timeZone,
                     panel: panel, panelNotice: panelNotice, alert: alert)
    }
}
