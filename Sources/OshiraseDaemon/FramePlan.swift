import Foundation
import OshiraseCore
import OshiraseConfig
import OshiraseRender

/// What a zone looks like at an instant, reduced to what changes its pixels: two instants with
/// equal looks give equal pictures, so the loop renders only when the look changes.
struct ZoneLook: Equatable {
    var item: Item?
    var playlist: Int?
    var slotStart: Date?
    /// Changes when the picture moves on: a scroll frame, a clock's second or minute.
    var tick: Int64
    /// True while the picture changes every frame (a scrolling ticker).
    var animates: Bool
    /// When `tick` next changes, for pictures that are not animating (nil: never by itself).
    var nextTick: Date?
}

/// The look of a whole frame.
struct FrameLook: Equatable {
    var layout: Layout
    var main: ZoneLook
    var ticker: ZoneLook?
    var light: LightOutput?
    /// What the temperature panel shows, on profiles that have one.
    var panel: ScreeningPanel?
    /// An emergency message over the playlists.
    var alert: AlertOverlay?

    var animates: Bool { main.animates || ticker?.animates == true }

    /// The parts to redraw to go from `old` to this look.
    func parts(since old: FrameLook?) -> DisplayParts {
        // An alert coming, going or changing language redraws everything.
        guard let old, old.layout == layout, old.light == light, old.alert == alert else { return .all }
        var parts: DisplayParts = []
        if old.main != main { parts.insert(.main) }
        if old.ticker != ticker { parts.insert(.ticker) }
        // Under a takeover that covers the panel, the panel's changes are not seen.
        if old.panel != panel, alert?.coversTemperaturePanel != true { parts.insert(.panel) }
        return parts
    }

    /// True when the main zone shows a different item (or slot) than in `old`: a transition applies.
    func changesItem(since old: FrameLook?) -> Bool {
        guard let old else { return false }
        return old.main.item != main.item || old.main.playlist != main.playlist || old.main.slotStart != main.slotStart
    }
}

enum FramePlan {
    /// The look of a zone an alert covers: still, never animating.
    static let covered = ZoneLook(item: nil, playlist: nil, slotStart: nil, tick: 0, animates: false, nextTick: nil)

    /// The look of a whole scene drawn from `slots`: what an alert covers is neither drawn nor
    /// animated.
    /// - Parameters:
    ///   - fps: frames per second of scrolling.
    ///   - stillTickers: tickers stand still (LED walls at night).
    static func look(of scene: Scene, slots: ZoneSlots, light: LightOutput?, fps: Int, stillTickers: Bool) -> FrameLook {
        var frame = FrameLook(
            layout: scene.layout,
            main: look(of: scene.main, slot: slots.main, inTickerZone: false, at: scene.time, fps: fps, stillTickers: stillTickers),
            ticker: slots.ticker.map { look(of: scene.ticker ?? .idle, slot: $0, inTickerZone: true, at: scene.time, fps: fps,
                                            stillTickers: stillTickers) },
            light: light,
            panel: scene.profile.temperaturePanel == nil ? nil : scene.panel,
            alert: scene.alert)
        if scene.alert?.coversPlaylists == true { frame.main = covered }
        if scene.alert?.coversTicker == true, frame.ticker != nil { frame.ticker = covered }
        return frame
    }

    /// The look of one zone's content at `time`.
    /// - Parameters:
    ///   - fps: frames per second of scrolling.
    ///   - stillTickers: tickers stand still (LED walls at night).
    static func look(of content: ZoneContent, slot: Slot?, inTickerZone: Bool, at time: Date, fps: Int,
                     stillTickers: Bool) -> ZoneLook {
        let seconds = time.timeIntervalSince1970
        let minute = Int64((seconds / 60).rounded(.down))
        let nextMinute = Date(timeIntervalSince1970: Double(minute + 1) * 60)
        switch content {
        case .idle:
            return ZoneLook(item: nil, playlist: nil, slotStart: nil, tick: minute, animates: false, nextTick: nextMinute)
        case .item(let item, let elapsed):
            var look = ZoneLook(item: item, playlist: slot?.entry?.playlistIndex, slotStart: slot?.start,
                                tick: 0, animates: false, nextTick: nil)
            let scrolls: Bool
            switch item.content {
            case .ticker: scrolls = true
            case .announcement: scrolls = inTickerZone
            case .image: scrolls = false
            case .clock(let format):
                scrolls = false
                if format.contains("s") {
                    let second = Int64(seconds.rounded(.down))
                    look.tick = second
                    look.nextTick = Date(timeIntervalSince1970: Double(second + 1))
                } else {
                    look.tick = minute
                    look.nextTick = nextMinute
                }
            }
            if scrolls && !stillTickers {
                // The epsilon keeps a frame deadline that lands a hair early (0.15 × 20 = 2.9999…, and a Date holds about 0.1 µs) on its frame.
                look.tick = Int64((max(0, elapsed) * Double(fps) + 1e-3).rounded(.down))
                look.animates = true
            }
            return look
        }
    }

    /// The next instant at which a frame that is not animating may change: a slot ends, a
    /// clock ticks, or a minute passes (power, brightness and quiet-ticker windows are minutes).
    static func nextChange(after time: Date, looks: [ZoneLook], slotEnds: [Date]) -> Date {
        let minute = (time.timeIntervalSince1970 / 60).rounded(.down)
        var next = Date(timeIntervalSince1970: (minute + 1) * 60)
        for look in looks { if let t = look.nextTick, t < next { next = t } }
        for end in slotEnds where end > time && end < next { next = end }
        return next
    }

    /// The playlists reduced to their `fallback: true` items, schedules ignored: what plays while
    /// the clock cannot be trusted.
    static func fallbackPlaylists(_ playlists: [Playlist]) -> [Playlist] {
        playlists.compactMap { playlist in
            var p = playlist
            p.items = playlist.items.filter(\.fallback).map { item in
                var i = item
                i.schedule = .always
                i.priority = 0
                return i
            }
            return p.items.isEmpty ? nil : p
        }
    }
}
