import Foundation
import OshiraseCore

/// What one display plays from the playlist library: the schedule engine of its playlists, the
/// fallback engine of their `fallback: true` items for while the clock cannot be trusted, and
/// the slot of each zone, kept while it lasts.
struct ScheduleFollower {
    private let profile: String
    private var generation = -1
    private(set) var engine: ScheduleEngine
    private(set) var fallbackEngine: ScheduleEngine
    /// Whether the clock was trusted at the last ``engine(at:notBefore:)``; nil before the first.
    private(set) var trusted: Bool?
    private var slots: [Zone: Slot] = [:]

    init(profile: String, timeZone: TimeZone) {
        self.profile = profile
        engine = ScheduleEngine(playlists: [], profile: profile, timeZone: timeZone)
        fallbackEngine = engine
    }

    /// Takes the library's playlists when they changed since the last look.
    mutating func refresh(from library: PlaylistLibrary) {
        guard library.generation != generation else { return }
        let snapshot = library.snapshot()
        generation = snapshot.generation
        engine = ScheduleEngine(playlists: snapshot.playlists, profile: profile)
        fallbackEngine = ScheduleEngine(playlists: FramePlan.fallbackPlaylists(snapshot.playlists), profile: profile)
        slots = [:]
    }

    /// The engine that plays at `now`: the schedule once the clock reads `notBefore` or later,
    /// the fallback items before. `trustChange` says when the trust differs from the last call's
    /// (`before` nil at the first call).
    mutating func engine(at now: Date, notBefore: Date)
        -> (engine: ScheduleEngine, trustChange: (before: Bool?, now: Bool)?) {
        let trustedNow = now >= notBefore
        var change: (before: Bool?, now: Bool)?
        if trusted != trustedNow {
            change = (trusted, trustedNow)
            trusted = trustedNow
            slots = [:]
        }
        return (trustedNow ? engine : fallbackEngine, change)
    }

    /// The slot of each zone of `engine`'s layout at `now`: the one kept while `now` is inside
    /// it, else worked out anew.
    mutating func slots(of engine: ScheduleEngine, at now: Date) -> ZoneSlots {
        func slot(_ zone: Zone) -> Slot {
            if let s = slots[zone], s.start <= now, now < s.end { return s }
            let s = engine.slot(in: zone, at: now)
            slots[zone] = s
            return s
        }
        let main = slot(.main)
        return ZoneSlots(main: main, ticker: engine.layout == .mainTicker ? slot(.ticker) : nil)
    }

    /// Forgets the kept slots (the clock was set): they are worked out again at the next frame.
    mutating func forgetSlots() { slots = [:] }
}
