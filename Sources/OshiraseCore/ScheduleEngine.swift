public import Foundation

/// An item together with the playlist it came from, in merge order.
public struct Entry: Sendable, Equatable {
    package let playlistIndex: Int
    package let itemIndex: Int
    package let item: Item

    package init(playlistIndex: Int, itemIndex: Int, item: Item) {
        self.playlistIndex = playlistIndex
        self.itemIndex = itemIndex
        self.item = item
    }
}

/// A span over which a zone plays the same set of items, looping from `start`.
public struct Rotation: Sendable, Equatable {
    public let zone: Zone
    public let start: Date
    public let end: Date
    /// The items that play, in order; empty when the zone is idle.
    package let entries: [Entry]

    package init(zone: Zone, start: Date, end: Date, entries: [Entry]) {
        self.zone = zone
        self.start = start
        self.end = end
        self.entries = entries
    }
}

/// What one zone shows over a span of time: an entry, or nothing (idle).
public struct Slot: Sendable, Equatable {
    public let zone: Zone
    public let start: Date
    public let end: Date
    /// nil when nothing is eligible: the main zone then shows the idle screen.
    package let entry: Entry?

    package init(zone: Zone, start: Date, end: Date, entry: Entry?) {
        self.zone = zone
        self.start = start
        self.end = end
        self.entry = entry
    }

    /// The label timelines print: the item id, or `idle`.
    public var label: String { entry?.item.id ?? "idle" }
}

/// The schedule semantics of docs/playlists.md as a pure function of (playlists, time).
///
/// At time t an item is eligible when its schedule matches t in its playlist's time zone; of the
/// eligible items of a zone only the highest priority play, in merge order (playlists by file
/// name, then file order), each for its duration, looping. The loop starts from the first item at
/// the latest instant ≤ t at which the playing set changed, or at local midnight (in the engine's
/// time zone), whichever is later.
public struct ScheduleEngine: Sendable {
    /// The playlists that serve the display, sorted by file name.
    public let playlists: [Playlist]
    /// The zone whose midnight restarts every loop.
    public let timeZone: TimeZone
    private let calendars: [Calendar]
    private let calendar: Calendar
    private let entriesByZone: [Zone: [Entry]]

    /// - Parameters:
    ///   - playlists: every playlist available; those that do not serve `profile` are left out.
    ///   - profile: the display profile, or nil for every playlist.
    ///   - timeZone: the display's zone; by default the first playlist's (Asia/Tokyo when none).
    public init(playlists: [Playlist], profile: String? = nil, timeZone: TimeZone? = nil) {
        let chosen = playlists
            .filter { playlist in profile.map { playlist.serves(profile: $0) } ?? true }
            .sorted { ($0.path as NSString).lastPathComponent < ($1.path as NSString).lastPathComponent }
        self.playlists = chosen
        self.timeZone = timeZone ?? chosen.first?.timeZone ?? .tokyo
        self.calendars = chosen.map { Calendar.gregorian(in: $0.timeZone) }
        self.calendar = Calendar.gregorian(in: self.timeZone)
        var byZone: [Zone: [Entry]] = [:]
        for (p, playlist) in chosen.enumerated() {
            for (i, item) in playlist.items.enumerated() {
                byZone[item.zone, default: []].append(Entry(playlistIndex: p, itemIndex: i, item: item))
            }
        }
        self.entriesByZone = byZone
    }

    /// The display layout: `main+ticker` when any of its playlists asks for a ticker.
    public var layout: Layout {
        playlists.contains { $0.layout == .mainTicker } ? .mainTicker : .full
    }

    /// The name shown on the idle screen.
    package var siteName: String { playlists.first?.name ?? "Oshirase" }

    /// Every item of a zone, in merge order.
    package func entries(in zone: Zone) -> [Entry] { entriesByZone[zone] ?? [] }

    /// The items that play in a zone at `time`: eligible and of the highest priority, in merge order.
    package func playing(in zone: Zone, at time: Date) -> [Entry] {
        let all = entries(in: zone)
        guard !all.isEmpty else { return [] }
        var localByPlaylist: [Int: LocalMoment] = [:]
        let eligible = all.filter { entry in
            let moment: LocalMoment
            if let known = localByPlaylist[entry.playlistIndex] {
                moment = known
            } else {
                moment = LocalMoment(time, calendar: calendars[entry.playlistIndex])
                localByPlaylist[entry.playlistIndex] = moment
            }
            return entry.item.schedule.matches(date: moment.date, weekday: moment.weekday,
                                               minute: moment.minute, previous: moment.previous)
        }
        guard let top = eligible.map(\.item.priority).max() else { return [] }
        return eligible.filter { $0.item.priority == top }
    }

    /// The slot a zone shows at `time`.
    package func slot(in zone: Zone, at time: Date) -> Slot {
        let r = rotation(in: zone, at: time, candidates: candidates(in: zone, around: time, through: time))
        return slot(of: r, at: time)
    }

    /// Every slot of a zone between two instants, clipped to them; consecutive idle spans are merged.
    package func timeline(in zone: Zone, from: Date, to: Date) -> [Slot] {
        Array(slots(in: zone, from: from, to: to))
    }

    /// The same slots as `timeline`, produced one at a time: a month of one-second items is
    /// millions of slots, which a signage box need not hold in memory to print or draw them.
    package func slots(in zone: Zone, from: Date, to: Date) -> SlotSequence {
        SlotSequence(engine: self, zone: zone, from: from, to: to,
                     known: candidates(in: zone, around: from, through: to))
    }

    /// Slots of one zone in time order; see `ScheduleEngine.slots(in:from:to:)`.
    package struct SlotSequence: Sequence, IteratorProtocol {
        let engine: ScheduleEngine
        let zone: Zone
        let from: Date
        let to: Date
        let known: [Date]
        private var t: Date
        private var rotation: Rotation?
        private var last: Slot?
        private var pending: Slot?

        init(engine: ScheduleEngine, zone: Zone, from: Date, to: Date, known: [Date]) {
            self.engine = engine
            self.zone = zone
            self.from = from
            self.to = to
            self.known = known
            t = from
        }

        package mutating func next() -> Slot? {
            guard var slot = pending ?? nextClipped() else { return nil }
            pending = nil
            // Consecutive idle spans are one.
            while slot.entry == nil, let following = nextClipped() {
                guard following.entry == nil, following.start == slot.end else {
                    pending = following
                    break
                }
                slot = Slot(zone: zone, start: slot.start, end: following.end, entry: nil)
            }
            return slot
        }

        private mutating func nextClipped() -> Slot? {
            guard let s = nextRaw() else { return nil }
            return Slot(zone: zone, start: Swift.max(s.start, from), end: Swift.min(s.end, to), entry: s.entry)
        }

        /// One rotation (a constant playing set) at a time: its slots follow from the loop without
        /// recomputing eligibility for each of them.
        private mutating func nextRaw() -> Slot? {
            if let s = last, let r = rotation, s.end < r.end, s.end < to, let current = s.entry,
               let index = r.entries.firstIndex(of: current) {
                let following = r.entries[(index + 1) % r.entries.count]
                let next = Slot(zone: zone, start: s.end,
                                end: Swift.min(s.end.addingTimeInterval(Double(following.item.duration)), r.end), entry: following)
                last = next
                return next
            }
            if let r = rotation {
                // Guard against a zero-length rotation: always move forward.
                t = r.end > t ? r.end : t.addingTimeInterval(1)
            }
            guard t < to else { return nil }
            let r = engine.rotation(in: zone, at: t, candidates: known)
            rotation = r
            let first = engine.slot(of: r, at: t)
            last = first
            return first
        }
    }

    /// The spans between two instants over which a zone's playing set stays the same, clipped to
    /// them; a span that continues past midnight (where the loop restarts) is one span.
    package func rotations(in zone: Zone, from: Date, to: Date) -> [Rotation] {
        let known = candidates(in: zone, around: from, through: to)
        var spans: [Rotation] = []
        var t = from
        while t < to {
            let r = rotation(in: zone, at: t, candidates: known)
            let clipped = Rotation(zone: zone, start: max(t, from), end: min(r.end, to), entries: r.entries)
            if let last = spans.last, last.entries == clipped.entries, last.end == clipped.start {
                spans[spans.count - 1] = Rotation(zone: zone, start: last.start, end: clipped.end, entries: last.entries)
            } else {
                spans.append(clipped)
            }
            t = r.end > t ? r.end : t.addingTimeInterval(1)
        }
        return spans
    }

    /// The loop a zone plays around `time`: `start` is where the loop (re)started, `end` the next
    /// change of the playing set or the next local midnight.
    fileprivate func rotation(in zone: Zone, at time: Date, candidates: [Date]) -> Rotation {
        let dayStart = calendar.startOfDay(for: time)
        let nextMidnight = calendar.date(byAdding: .day, value: 1, to: dayStart) ?? dayStart.addingTimeInterval(86_400)
        let current = playing(in: zone, at: time)
        // candidates[split...] are the instants after `time`.
        var lo = 0, hi = candidates.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if candidates[mid] <= time { lo = mid + 1 } else { hi = mid }
        }
        let split = lo

        // The latest instant ≤ time at which the playing set changed, not before midnight.
        var loopStart = dayStart
        for c in candidates[..<split].reversed() {
            guard c > dayStart else { break }
            if playing(in: zone, at: c.addingTimeInterval(-0.001)) != current {
                loopStart = c
                break
            }
        }
        // The next instant after time at which the playing set changes, not after midnight.
        var changeEnd = nextMidnight
        for c in candidates[split...] {
            guard c < nextMidnight else { break }
            if playing(in: zone, at: c) != current {
                changeEnd = c
                break
            }
        }
        return Rotation(zone: zone, start: loopStart, end: changeEnd, entries: current)
    }

    /// The slot of a rotation that contains `time`.
    fileprivate func slot(of r: Rotation, at time: Date) -> Slot {
        let current = r.entries
        guard !current.isEmpty else {
            return Slot(zone: r.zone, start: r.start, end: r.end, entry: nil)
        }
        let cycle = current.reduce(0) { $0 + $1.item.duration }
        let elapsed = time.timeIntervalSince(r.start)
        let round = (elapsed / Double(cycle)).rounded(.down)
        var offset = elapsed - round * Double(cycle)
        var slotStart = r.start.addingTimeInterval(round * Double(cycle))
        for entry in current {
            let length = Double(entry.item.duration)
            if offset < length {
                return Slot(zone: r.zone, start: slotStart, end: min(slotStart.addingTimeInterval(length), r.end), entry: entry)
            }
            offset -= length
            slotStart = slotStart.addingTimeInterval(length)
        }
        // Only reachable through floating-point rounding at the very end of a cycle.
        let last = current[current.count - 1]
        return Slot(zone: r.zone, start: slotStart,
                    end: min(slotStart.addingTimeInterval(Double(last.item.duration)), r.end), entry: last)
    }

    /// Change candidates covering the local days around `from` through `to`, with a day's margin
    /// either side (a wrapping window or a DST day reaches into its neighbours).
    private func candidates(in zone: Zone, around from: Date, through to: Date) -> [Date] {
        let start = calendar.startOfDay(for: from).addingTimeInterval(-2 * 86_400)
        let end = calendar.startOfDay(for: to).addingTimeInterval(3 * 86_400)
        return changeCandidates(in: zone, from: start, to: end)
    }

    /// Instants where eligibility in a zone may change: window edges, local midnights and clock
    /// changes of each playlist's zone, sorted.
    private func changeCandidates(in zone: Zone, from: Date, to: Date) -> [Date] {
        var result = Set<Date>()
        let scheduled = entries(in: zone).filter { !$0.item.schedule.isAlways }
        let playlistIndices = Set(scheduled.map(\.playlistIndex))
        for p in playlistIndices.sorted() {
            let cal = calendars[p]
            var day = cal.startOfDay(for: from)
            while day <= to {
                result.insert(day)
                for entry in scheduled where entry.playlistIndex == p {
                    guard let window = entry.item.schedule.time else { continue }
                    for edge in [window.start, window.end] {
                        guard let instant = cal.date(bySettingHour: edge.hour, minute: edge.minute, second: 0, of: day) else {
                            continue
                        }
                        result.insert(instant)
                        // When the clock falls back, a wall time happens twice; Foundation gives
                        // the first, so look for the second (DST shifts are 30 min to 2 h).
                        for shift in [1800.0, 3600, 7200] {
                            let later = instant.addingTimeInterval(shift)
                            let c = cal.dateComponents([.hour, .minute], from: later)
                            if c.hour == edge.hour, c.minute == edge.minute { result.insert(later) }
                        }
                    }
                }
                guard let next = cal.date(byAdding: .day, value: 1, to: day), next > day else { break }
                day = next
            }
            // A clock change moves the wall clock across window edges without passing them
            // (falling back from 03:00 to 02:00 leaves "02:30-04:00").
            var transition = cal.timeZone.nextDaylightSavingTimeTransition(after: from)
            while let t = transition, t <= to {
                result.insert(t)
                transition = cal.timeZone.nextDaylightSavingTimeTransition(after: t)
            }
        }
        return result.filter { $0 >= from && $0 <= to }.sorted()
    }
}

/// A moment seen on a playlist's wall clock.
private struct LocalMoment {
    let date: LocalDate
    let weekday: Weekday
    let minute: Int
    let previous: (date: LocalDate, weekday: Weekday)

    init(_ time: Date, calendar: Calendar) {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: time)
        date = LocalDate(unchecked: c.year ?? 1970, c.month ?? 1, c.day ?? 1)
        weekday = Weekday(calendarWeekday: c.weekday ?? 1) ?? .sun
        minute = (c.hour ?? 0) * 60 + (c.minute ?? 0)
        let yesterday = calendar.date(byAdding: .day, value: -1, to: time) ?? time.addingTimeInterval(-86_400)
        let y = calendar.dateComponents([.year, .month, .day, .weekday], from: yesterday)
        previous = (LocalDate(unchecked: y.year ?? 1970, y.month ?? 1, y.day ?? 1),
                    Weekday(calendarWeekday: y.weekday ?? 1) ?? .sun)
    }
}

extension LocalDate {
    /// For components Foundation produced, which are valid by construction.
    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self = LocalDate(year: year, month: month, day: day) ?? LocalDate(year: 1970, month: 1, day: 1)!
    }
}

extension Calendar {
    /// The Gregorian calendar in a given zone.
    package static func gregorian(in zone: TimeZone) -> Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }
}

extension Schedule {
    /// Whether the schedule matches the instant `time` on the wall clock of `calendar`'s zone
    /// (power and brightness windows use it as items do).
    package func matches(_ time: Date, calendar: Calendar) -> Bool {
        let m = LocalMoment(time, calendar: calendar)
        return matches(date: m.date, weekday: m.weekday, minute: m.minute, previous: m.previous)
    }
}
