import Foundation
import OshiraseCore
import OshiraseStore

/// Proof of play for one display: which item each zone shows since when, ended into a
/// `PlayRecord` when it changes, the screen goes dark or off, or the loop stops. Counts only
/// what could be seen: nothing before the first frame reached the output, nothing under a
/// takeover, no ticker under a banner.
final class ShowingTracker {
    private struct Showing {
        var playlist: String
        var item: String
        var slotStart: Date
        var start: Date
    }
    private let display: String
    private let record: @Sendable (PlayRecord) -> Void
    private var showings: [Zone: Showing] = [:]
    /// When the first frame of this run (since start, power-on or a reopened output) reached the
    /// output: proof of play begins there, not before anything was visible.
    private var visibleSince: Date?
    /// Since when nothing covers each zone (nil while something does).
    private var uncoveredSince: [Zone: Date] = [:]

    init(display: String, record: @escaping @Sendable (PlayRecord) -> Void) {
        self.display = display
        self.record = record
    }

    /// A frame reached the output at `time`; the first since ``close(at:)`` starts the run.
    func frameShown(at time: Date) {
        if visibleSince == nil { visibleSince = time }
    }

    /// Brings the showings up to `now`, given the slot of each zone that can be seen now.
    func track(engine: ScheduleEngine, visible slots: [(Zone, Slot)], now: Date) {
        for zone in [Zone.main, .ticker] {
            if slots.contains(where: { $0.0 == zone }) {
                if uncoveredSince[zone] == nil { uncoveredSince[zone] = now }
            } else {
                uncoveredSince[zone] = nil
            }
        }
        guard let visibleSince else { return }
        // A zone the layout no longer has (its playlist was removed), or one now covered, shows nothing.
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

    /// Ends every showing at `time` (the screen went off or dark, the clock was set, the loop
    /// stops); the next frame shown starts a new run.
    func close(at time: Date) {
        for (zone, showing) in showings { finish(showing, zone: zone, at: time) }
        showings = [:]
        visibleSince = nil
    }

    private func finish(_ showing: Showing, zone: Zone, at end: Date) {
        // The store keeps milliseconds: a showing shorter than one (a first frame a hair before
        // an item change) was not seen, and would be a record without a length.
        guard (end.timeIntervalSince1970 * 1000).rounded() > (showing.start.timeIntervalSince1970 * 1000).rounded() else { return }
        record(PlayRecord(display: display, zone: zone.rawValue, playlist: showing.playlist,
                          item: showing.item, start: showing.start, end: end))
    }
}
