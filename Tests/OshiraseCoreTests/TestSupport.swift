import Foundation
import Testing
@testable import OshiraseCore

// Shared builders: playlists and items are made directly, instants are written as wall-clock text.

let tokyoZone = TimeZone(identifier: "Asia/Tokyo")!
let utcZone = TimeZone(identifier: "UTC")!
let berlinZone = TimeZone(identifier: "Europe/Berlin")!
let newYorkZone = TimeZone(identifier: "America/New_York")!

/// An instant from ISO 8601 text with an offset, e.g. `2026-11-27T09:00:00+09:00`.
func instant(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    guard let date = formatter.date(from: text) else { fatalError("bad ISO 8601 instant in a test: \(text)") }
    return date
}

/// An instant from a wall-clock time `yyyy-MM-dd HH:mm[:ss]` in a zone (Tokyo unless told).
func local(_ text: String, in zone: TimeZone = tokyoZone) -> Date {
    let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).map { Int($0)! }
    var c = DateComponents()
    c.year = parts[0]; c.month = parts[1]; c.day = parts[2]
    c.hour = parts[3]; c.minute = parts[4]; c.second = parts.count > 5 ? parts[5] : 0
    guard let date = Calendar.gregorian(in: zone).date(from: c) else { fatalError("bad local time in a test: \(text)") }
    return date
}

/// `HH:MM-HH:MM` as a window.
func window(_ text: String) -> TimeWindow {
    func time(_ s: Substring) -> TimeOfDay {
        let hm = s.split(separator: ":").map { Int($0)! }
        return TimeOfDay(hour: hm[0], minute: hm[1])!
    }
    let ends = text.split(separator: "-")
    return TimeWindow(start: time(ends[0]), end: time(ends[1]))
}

/// `YYYY-MM-DD`.
func day(_ text: String) -> LocalDate {
    let p = text.split(separator: "-").map { Int($0)! }
    return LocalDate(year: p[0], month: p[1], day: p[2])!
}

/// An announcement item with a municipal title.
func notice(_ id: String, _ duration: Int = 10, title: String = "検温にご協力ください",
            category: OshiraseCore.Category = .info, priority: Int = 0,
            days: Set<Weekday>? = nil, time: String? = nil, dates: DateRange? = nil) -> Item {
    Item(id: id,
         content: .announcement(Announcement(category: category, title: title,
                                             body: "本庁舎1階正面玄関にて検温と消毒にご協力ください。")),
         duration: duration, priority: priority,
         schedule: Schedule(days: days, time: time.map(window), dates: dates))
}

/// A ticker item for the ticker zone.
func tickerItem(_ id: String, _ duration: Int = 30, text: String = "本日は大雪のため市バスに遅れが出ています。",
                time: String? = nil) -> Item {
    Item(id: id, content: .ticker(text: text, speed: 0), duration: duration,
         schedule: Schedule(time: time.map(window)), zone: .ticker)
}

func playlist(_ items: [Item], name: String = "本庁舎1階ロビー", file: String = "01-lobby.yaml",
              zone: TimeZone = tokyoZone, layout: Layout = .full, displays: [String]? = nil) -> Playlist {
    Playlist(name: name, path: "/srv/oshirase/playlists/" + file, timeZone: zone, displays: displays,
             layout: layout, items: items)
}

func engine(_ items: [Item], zone: TimeZone = tokyoZone, layout: Layout = .full) -> ScheduleEngine {
    ScheduleEngine(playlists: [playlist(items, zone: zone, layout: layout)])
}

extension ScheduleEngine {
    /// The ids playing in the main zone at `time`.
    func ids(at time: Date, in zone: Zone = .main) -> [String] {
        playing(in: zone, at: time).map(\.item.id)
    }

    /// The label of the main zone's slot at `time` (an item id or `idle`).
    func label(at time: Date, in zone: Zone = .main) -> String {
        slot(in: zone, at: time).label
    }
}

/// The repository root, found from this file's path (Tests/OshiraseCoreTests/TestSupport.swift).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
