import Foundation

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
    public let siteName: String
    public let time: Date
    public let timeZone: TimeZone
    /// What the temperature-check panel shows, on profiles that have one.
    public var panel: ScreeningPanel
    /// A short privacy notice at the foot of the temperature-check panel, in every state: why
    /// temperatures are taken and that nothing is kept, as Japan's Personal Information Protection
    /// Commission asks of such devices. Nil shows none; ignored on profiles without a panel.
    public var panelNotice: String?
    /// An emergency message over everything else (a takeover) or over the ticker zone (a banner).
    public var alert: AlertOverlay?

    /// A scene of `profile` at `time`; `panel` and `panelNotice` matter only on profiles with a
    /// temperature-check panel.
    public init(profile: DisplayProfile, layout: Layout, main: ZoneContent, ticker: ZoneContent?,
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

extension ScheduleEngine {
    /// The scene a display of `profile` shows at `time`. Pure: no clock is read.
    public func scene(for profile: DisplayProfile, at time: Date, siteName: String? = nil) -> Scene {
        func content(_ zone: Zone) -> ZoneContent {
            let s = slot(in: zone, at: time)
            guard let entry = s.entry else { return .idle }
            return .item(entry.item, elapsed: time.timeIntervalSince(s.start))
        }
        return Scene(profile: profile, layout: layout, main: content(.main),
                     ticker: layout == .mainTicker ? content(.ticker) : nil,
                     siteName: siteName ?? self.siteName, time: time, timeZone: timeZone)
    }
}
