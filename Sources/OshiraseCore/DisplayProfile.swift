/// A rectangle in display pixels.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    package init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    package var maxX: Double { x + width }
    package var maxY: Double { y + height }
    public var description: String { "\(Int(x)),\(Int(y)) \(Int(width))×\(Int(height))" }

    /// The rectangle shrunk by `d` on every side.
    package func inset(by d: Double) -> Rect {
        Rect(x: x + d, y: y + d, width: max(0, width - 2 * d), height: max(0, height - 2 * d))
    }

    /// Whether `other` lies entirely inside this rectangle.
    public func contains(_ other: Rect) -> Bool {
        other.x >= x && other.y >= y && other.maxX <= maxX && other.maxY <= maxY
    }
}

/// The kind of screen a profile drives, which decides typography and extras.
public enum ScreenKind: String, Sendable {
    /// An LCD seen from a few metres.
    case lcd
    /// A portrait kiosk with the temperature-check panel below the content.
    case kiosk
    /// An LED vision wall seen from far away: large bold text, gamma and brightness in software.
    case led
}

/// A display's size and character (docs/rendering.md).
public struct DisplayProfile: Sendable, Hashable {
    public let name: String
    public let width: Int
    public let height: Int
    package let kind: ScreenKind
    /// Smallest text size, in pixels, that stays legible at the viewing distance.
    package let minimumTextSize: Double
    /// The default ticker speed, in pixels per second.
    package let tickerSpeed: Double

    /// Smallest size for secondary text (category labels, footers, dates, the ticker's date line):
    /// three quarters of the minimum on LCDs, never below the minimum on LED walls.
    package var minimumSecondaryTextSize: Double {
        kind == .led ? minimumTextSize : (minimumTextSize * 0.75).rounded()
    }

    public init(name: String, width: Int, height: Int, kind: ScreenKind, minimumTextSize: Double, tickerSpeed: Double) {
        self.name = name
        self.width = width
        self.height = height
        self.kind = kind
        self.minimumTextSize = minimumTextSize
        self.tickerSpeed = tickerSpeed
    }

    public static let lcd1080p = DisplayProfile(name: "lcd-1080p", width: 1920, height: 1080, kind: .lcd,
                                                minimumTextSize: 32, tickerSpeed: 180)
    public static let dsignClean = DisplayProfile(name: "dsign-clean", width: 1080, height: 1920, kind: .kiosk,
                                                  minimumTextSize: 32, tickerSpeed: 150)
    package static let ledVision = DisplayProfile(name: "led-vision", width: 384, height: 216, kind: .led,
                                                 minimumTextSize: 16, tickerSpeed: 48)

    public static let builtIn: [DisplayProfile] = [lcd1080p, dsignClean, ledVision]

    public static func named(_ name: String) -> DisplayProfile? { builtIn.first { $0.name == name } }

    /// The whole screen.
    public var bounds: Rect { Rect(x: 0, y: 0, width: Double(width), height: Double(height)) }

    /// The kiosk's temperature-check panel, at the bottom of a `dsign-clean` screen.
    public var temperaturePanel: Rect? {
        guard kind == .kiosk else { return nil }
        let h = (Double(height) * 0.29).rounded()
        return Rect(x: 0, y: Double(height) - h, width: Double(width), height: h)
    }

    /// The rectangles of the zones for a layout.
    package func zones(for layout: Layout) -> (main: Rect, ticker: Rect?) {
        let contentHeight = temperaturePanel.map { $0.y } ?? Double(height)
        switch layout {
        case .full:
            return (Rect(x: 0, y: 0, width: Double(width), height: contentHeight), nil)
        case .mainTicker:
            let tickerHeight = (min(Double(width), Double(height)) * (kind == .led ? 0.2 : 0.11)).rounded()
            return (Rect(x: 0, y: 0, width: Double(width), height: contentHeight - tickerHeight),
                    Rect(x: 0, y: contentHeight - tickerHeight, width: Double(width), height: tickerHeight))
        }
    }
}
