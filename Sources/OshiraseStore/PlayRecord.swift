public import Foundation

/// One item shown on one display, from start to end: a line of the proof-of-play report.
public struct PlayRecord: Sendable, Equatable, Codable {
    /// The display's name in the config.
    public var display: String
    /// `main` or `ticker`.
    public var zone: String
    /// The playlist file's name (e.g. `01-city-hall-lobby.yaml`).
    public var playlist: String
    /// The item's id in that playlist.
    package var item: String
    /// When the item appeared on the screen (stored to the millisecond).
    public var start: Date
    /// When it gave way to the next item, or the display stopped; not before `start`.
    public var end: Date

    private enum CodingKeys: String, CodingKey {
        case display, zone, playlist, item, start, end, seconds
    }

    /// The fields, and `seconds`, the showing's length exact to the millisecond (RecordJSON).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(display, forKey: .display)
        try c.encode(zone, forKey: .zone)
        try c.encode(playlist, forKey: .playlist)
        try c.encode(item, forKey: .item)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(RecordJSON.seconds(from: start, to: end), forKey: .seconds)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(display: try c.decode(String.self, forKey: .display), zone: try c.decode(String.self, forKey: .zone),
                  playlist: try c.decode(String.self, forKey: .playlist), item: try c.decode(String.self, forKey: .item),
                  start: try c.decode(Date.self, forKey: .start), end: try c.decode(Date.self, forKey: .end))
    }

    /// A record of `item` from `playlist` shown in `zone` of `display` from `start` to `end`.
    package init(display: String, zone: String, playlist: String, item: String, start: Date, end: Date) {
        self.display = display
        self.zone = zone
        self.playlist = playlist
        self.item = item
        self.start = start
        self.end = end
    }
}
