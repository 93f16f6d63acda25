package import Foundation
import OshiraseCore

/// A CAP 1.2 document written element by element, text escaped: what `oshirase push` and `cancel`
/// compose, and what ``CAPParser`` reads back (a test holds the two to each other).
package struct CAPWriter: Sendable {
    private var text: String
    private var depth = 1

    /// Starts `<alert>` with its identity, status, message type and `Public` scope.
    package init(identifier: String, sender: String, sent: String, status: CAPStatus, msgType: CAPMessageType) {
        text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"\(CAPParser.namespace)\">\n"
        element("identifier", identifier)
        element("sender", sender)
        element("sent", sent)
        element("status", status.rawValue)
        element("msgType", msgType.rawValue)
        element("scope", CAPScope.public.rawValue)
    }

    /// `<name>value</name>` at the current depth.
    package mutating func element(_ name: String, _ value: String) {
        text += String(repeating: "  ", count: depth) + "<\(name)>\(Self.escape(value))</\(name)>\n"
    }

    /// Opens a block such as `info` or `area`.
    package mutating func open(_ name: String) {
        text += String(repeating: "  ", count: depth) + "<\(name)>\n"
        depth += 1
    }

    /// Closes the block opened last.
    package mutating func close(_ name: String) {
        depth -= 1
        text += String(repeating: "  ", count: depth) + "</\(name)>\n"
    }

    /// The document's bytes, `</alert>` closed.
    package func finish() -> [UInt8] { Array((text + "</alert>\n").utf8) }

    /// Text for an XML element: the five special characters as entities, CR LF as LF.
    package static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r\n": out += "\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Whether XML 1.0 may carry the character (tab, line breaks and printable characters).
    package static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// `2026-11-27T09:00:00+09:00`: CAP's date-time in `zone`'s offset at that instant, never `Z`
    /// (CAP forbids it), written by ``Instant/format(_:in:)``.
    package static func dateTime(_ date: Date, offsetFrom zone: TimeZone = .current) -> String {
        let offset = zone.secondsFromGMT(for: date)
        // A fixed-offset zone: Instant.format writes `Z` only for the zone named UTC.
        let fixed = TimeZone(secondsFromGMT: offset) ?? TimeZone(secondsFromGMT: 0) ?? .current
        return Instant.format(date, in: fixed)
    }
}
