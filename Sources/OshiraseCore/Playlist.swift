public import Foundation

/// The colour theme family of an announcement.
public enum Category: String, Sendable, CaseIterable, Codable {
    case info, notice, warning, emergency
}

/// Where on a display an item plays.
public enum Zone: String, Sendable, CaseIterable, Codable, Comparable {
    case main, ticker

    public static func < (lhs: Zone, rhs: Zone) -> Bool { lhs.rank < rhs.rank }
    private var rank: Int { self == .main ? 0 : 1 }
}

/// How a display is divided into zones.
public enum Layout: String, Sendable, CaseIterable {
    case full
    case mainTicker = "main+ticker"
}

/// How an image fills its zone.
public enum ImageFit: String, Sendable, CaseIterable {
    /// The whole image is visible, letterboxed.
    case contain
    /// The zone is filled; the image is cropped.
    case cover
}

/// A municipal announcement card.
public struct Announcement: Sendable, Equatable {
    public var category: Category
    package var title: String
    public var body: String
    package var footer: String?
    /// A URL drawn as a QR code, typically an online application form.
    package var qr: String?

    package init(category: Category, title: String, body: String, footer: String? = nil, qr: String? = nil) {
        self.category = category
        self.title = title
        self.body = body
        self.footer = footer
        self.qr = qr
    }
}

/// What an item shows.
public enum Content: Sendable, Equatable {
    case announcement(Announcement)
    /// An image file, by absolute path.
    case image(path: String, fit: ImageFit)
    /// A scrolling line of text.
    case ticker(text: String, speed: Double)
    /// A clock face; the pattern uses `HH`, `mm`, `ss` (and Foundation date-format letters).
    case clock(format: String)

    /// A short word for the kind of content, used in timelines and logs.
    package var kind: String {
        switch self {
        case .announcement: "announcement"
        case .image: "image"
        case .ticker: "ticker"
        case .clock: "clock"
        }
    }
}

/// One entry of a playlist.
public struct Item: Sendable, Equatable {
    public var id: String
    package var content: Content
    /// How long the item plays each time round the loop, in seconds (> 0).
    public var duration: Int
    package var priority: Int
    package var schedule: Schedule
    public var zone: Zone
    /// Played when the box's clock cannot be trusted (before the build date, no RTC or NTP yet):
    /// then only fallback items play, in file order, ignoring their schedules.
    package var fallback: Bool

    package init(id: String, content: Content, duration: Int, priority: Int = 0,
                schedule: Schedule = .always, zone: Zone = .main, fallback: Bool = false) {
        self.id = id
        self.content = content
        self.duration = duration
        self.priority = priority
        self.schedule = schedule
        self.zone = zone
        self.fallback = fallback
    }

    /// The category used to colour this item in timelines and themes.
    public var category: Category {
        if case .announcement(let a) = content { return a.category }
        return .info
    }
}

/// A playlist file, parsed and validated.
public struct Playlist: Sendable, Equatable {
    /// The display name, e.g. 本庁舎1階ロビー.
    public var name: String
    /// The file it came from; playlists merge in the order of their file names.
    public var path: String
    public var timeZone: TimeZone
    /// Profiles this playlist serves; nil means every profile.
    public var displays: [String]?
    public var layout: Layout
    public var items: [Item]

    public init(name: String, path: String, timeZone: TimeZone = .tokyo, displays: [String]? = nil,
                layout: Layout = .full, items: [Item]) {
        self.name = name
        self.path = path
        self.timeZone = timeZone
        self.displays = displays
        self.layout = layout
        self.items = items
    }

    /// Whether this playlist feeds displays of the given profile.
    package func serves(profile: String) -> Bool {
        displays.map { $0.contains(profile) } ?? true
    }
}

extension TimeZone {
    /// Japan Standard Time, the default zone of playlists.
    public static let tokyo = TimeZone(identifier: "Asia/Tokyo") ?? TimeZone(secondsFromGMT: 9 * 3600)!
}
