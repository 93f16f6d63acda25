/// An sRGB colour with 8-bit channels.
public struct RGB: Sendable, Hashable, CustomStringConvertible {
    public let r: UInt8
    public let g: UInt8
    public let b: UInt8

    package init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// From `0xRRGGBB`.
    package init(hex: UInt32) {
        self.init(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF))
    }

    public var description: String {
        "#" + [r, g, b].map { String($0, radix: 16, uppercase: true).leftPadded(to: 2) }.joined()
    }

    /// WCAG 2 relative luminance.
    package var relativeLuminance: Double {
        func linear(_ c: UInt8) -> Double {
            let s = Double(c) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    /// WCAG 2 contrast ratio between two colours, 1…21.
    package func contrast(with other: RGB) -> Double {
        let a = relativeLuminance, b = other.relativeLuminance
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    public var red: Double { Double(r) / 255 }
    public var green: Double { Double(g) / 255 }
    public var blue: Double { Double(b) / 255 }
}

/// The colours of an announcement card.
package struct Theme: Sendable, Hashable {
    package let background: RGB
    package let text: RGB
    /// The band behind the category label and the footer.
    package let band: RGB
    package let bandText: RGB
    /// The category label, e.g. お知らせ / Information.
    package let label: String

    package init(background: RGB, text: RGB, band: RGB, bandText: RGB, label: String) {
        self.background = background
        self.text = text
        self.band = band
        self.bandText = bandText
        self.label = label
    }

    /// The theme of each announcement category; every pair is at least 4.5:1 (WCAG 2 AA).
    package static func forCategory(_ category: Category) -> Theme {
        switch category {
        case .info:
            Theme(background: RGB(hex: 0x0B3D91), text: RGB(hex: 0xFFFFFF),
                  band: RGB(hex: 0x072A66), bandText: RGB(hex: 0xFFFFFF), label: "お知らせ  Information")
        case .notice:
            Theme(background: RGB(hex: 0x1B5E20), text: RGB(hex: 0xFFFFFF),
                  band: RGB(hex: 0x0F3D13), bandText: RGB(hex: 0xFFFFFF), label: "ご案内  Notice")
        case .warning:
            Theme(background: RGB(hex: 0xFFC107), text: RGB(hex: 0x1A1A1A),
                  band: RGB(hex: 0x1A1A1A), bandText: RGB(hex: 0xFFC107), label: "注意  Warning")
        case .emergency:
            Theme(background: RGB(hex: 0xB00020), text: RGB(hex: 0xFFFFFF),
                  band: RGB(hex: 0x5C0011), bandText: RGB(hex: 0xFFFFFF), label: "緊急  Emergency")
        }
    }

    /// The idle screen and clock items.
    package static let idle = Theme(background: RGB(hex: 0x102A43), text: RGB(hex: 0xFFFFFF),
                                   band: RGB(hex: 0x0A1C2E), bandText: RGB(hex: 0xD9E2EC), label: "")
    /// The ticker band.
    package static let ticker = Theme(background: RGB(hex: 0x111111), text: RGB(hex: 0xFFEB3B),
                                     band: RGB(hex: 0x111111), bandText: RGB(hex: 0xFFFFFF), label: "")
    /// The kiosk's temperature-check panel.
    package static let temperaturePanel = Theme(background: RGB(hex: 0xF5F7FA), text: RGB(hex: 0x102A43),
                                               band: RGB(hex: 0x00695C), bandText: RGB(hex: 0xFFFFFF), label: "")

    /// Every theme the renderer uses, for checks.
    package static var all: [Theme] { Category.allCases.map(forCategory) + [idle, ticker, temperaturePanel] }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
