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
    public var start: Date
    public var end: Date

    public init(display: String, zone: String, playlist: String, item: String, start: Date, end: Date) {
        self.display = display
        self.zone = zone
        self.playlist = playlist
        self.item = item
        self.start = start
        self.end = end
    }
}
