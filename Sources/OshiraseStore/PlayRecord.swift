import Foundation

/// One item shown on one display, from start to end: a line of the proof-of-play report.
public struct PlayRecord: Sendable, Equatable, Codable {
    /// The display's name in the config.
    public var display: String
    /// `main` or `ticker`.
    public var zone: String
    /// The playlist file's name (e.g. `01-city-hall-lobby.yaml`).
    public var playlist: String
    /// The item's id in that playlist.
    public var item: String
    /// When the item appeared on the screen (stored to the millisecond).
    public var start: Date
    /// When it gave way to the next item, or the display stopped; not before `start`.
    public var end: Date

    /// A record of `item` from `playlist` shown in `zone` of `display` from `start` to `end`.
    public init(display: String, zone: String, playlist: String, item: String, start: Date, end: Date) {
        self.display = display
        self.zone = zone
        self.playlist = playlist
        self.item = item
        self.start = start
        self.end = end
    }
}
