import Foundation

/// An emergency message as a display draws it: one language of it, its colours, and whether it
/// takes the screen or a band (docs/alerts.md). The daemon turns active CAP alerts into this.
public struct AlertOverlay: Sendable, Equatable {
    package var presentation: AlertPresentation
    /// The CAP `event`, e.g. 土砂災害.
    public var event: String
    /// The headline, e.g. 避難指示（警戒レベル4）; the event when the message has none.
    public var headline: String
    /// What to read and do: `description` and `instruction`, one paragraph each.
    public var body: String
    /// The info block's language, e.g. ja-JP.
    public var language: String
    /// Who says so: the CAP `senderName`, e.g. 札幌市危機管理局.
    package var senderName: String?
    /// An Exercise: drawn with a 訓練 / EXERCISE band, always.
    package var isExercise: Bool
    /// The alert level colours (level 5 black, 4 purple, 3 red, 2 yellow, by default).
    package var background: RGB
    public var text: RGB
    /// A takeover on a kiosk covers its temperature panel too (by default the panel keeps working).
    package var coversPanel = false
    /// Which message this is, for the receipt of its first frame on a display (docs/fleet.md).
    package var identity: AlertIdentity?

    package init(presentation: AlertPresentation, event: String, headline: String, body: String, language: String,
                senderName: String? = nil, isExercise: Bool = false, background: RGB, text: RGB) {
        self.presentation = presentation
        self.event = event
        self.headline = headline
        self.body = body
        self.language = language
        self.senderName = senderName
        self.isExercise = isExercise
        self.background = background
        self.text = text
    }
}

/// A CAP message's identity: its sender, identifier and sent time as written.
public struct AlertIdentity: Sendable, Hashable {
    public var sender: String
    public var identifier: String
    public var sent: String

    public init(sender: String, identifier: String, sent: String) {
        self.sender = sender
        self.identifier = identifier
        self.sent = sent
    }
}

extension AlertOverlay {
    /// What a takeover and a banner cover, decided here for the renderer, the frame loop and
    /// proof of play alike: a takeover covers the playlists (nothing of them is drawn, animates
    /// or counts as shown) and switches a screen on whatever its power schedule says.
    package var coversPlaylists: Bool { presentation == .takeover }
    /// Both cover the ticker zone: a banner is drawn over it.
    package var coversTicker: Bool { true }
    /// A takeover covers a kiosk's temperature panel only when the config says so.
    package var coversTemperaturePanel: Bool { presentation == .takeover && coversPanel }
}

/// How an alert appears on a display; `AlertPolicy.presentation(of:)` decides which.
package enum AlertPresentation: String, Sendable, Equatable {
    /// The whole screen (above a kiosk's temperature panel, which keeps working unless the config
    /// says otherwise). Extreme and Severe by default.
    case takeover
    /// A band over the ticker zone (or the foot of the screen without one). Moderate, Minor and
    /// Unknown by default.
    case banner
}

/// The colours of Japan's five-level alert scale (警戒レベル), as the Cabinet Office and JMA use
/// them: what an overlay is painted with unless the config says otherwise.
package enum AlertLevelColours {
    /// Background and text for level 1…5; levels outside are clamped.
    package static func colours(level: Int) -> (background: RGB, text: RGB) {
        switch min(5, max(1, level)) {
        case 5: (RGB(hex: 0x0C000C), RGB(hex: 0xFFFFFF))  // 黒: 緊急安全確保
        case 4: (RGB(hex: 0xAA00AA), RGB(hex: 0xFFFFFF))  // 紫: 避難指示
        case 3: (RGB(hex: 0xD7000F), RGB(hex: 0xFFFFFF))  // 赤: 高齢者等避難
        case 2: (RGB(hex: 0xF2E700), RGB(hex: 0x1A1A1A))  // 黄: 注意報
        default: (RGB(hex: 0xFFFFFF), RGB(hex: 0x1A1A1A))  // 白: 早期注意情報
        }
    }

    /// The band that marks an exercise, readable on every level's colour.
    package static let exercise = (background: RGB(hex: 0x1A1A1A), text: RGB(hex: 0xF2E700))
}
