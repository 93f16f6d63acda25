/// The fleet's MQTT topics (docs/fleet.md), decided here for the box and city hall's tools:
///
///     oshirase/v1/alerts/<sender>/<identifier>     signed alerts, QoS 1, retained
///     oshirase/v1/box/<id>/status                  online / offline (the will), retained
///     oshirase/v1/box/<id>/state                   what each display shows, retained
///     oshirase/v1/box/<id>/receipt                 an alert's first frame on a display, QoS 1
///     oshirase/v1/box/<id>/display/<name>/thumb    a small JPEG, retained
public enum FleetTopic {
    public static let root = "oshirase/v1"
    /// Every alert, for a box's subscription.
    public static let allAlerts = "\(root)/alerts/#"
    /// A group's signed content manifest, retained.
    public static func groupManifest(group: String) -> String { "\(root)/groups/\(segment(group))/manifest" }
    /// Every box's status, state, receipts and thumbnails, for city hall's view.
    public static let allBoxes = "\(root)/box/#"

    public static func alert(sender: String, identifier: String) -> String {
        "\(root)/alerts/\(segment(sender))/\(segment(identifier))"
    }

    public static func status(box: String) -> String { "\(root)/box/\(segment(box))/status" }
    public static func state(box: String) -> String { "\(root)/box/\(segment(box))/state" }
    public static func receipt(box: String) -> String { "\(root)/box/\(segment(box))/receipt" }
    public static let allReceipts = "\(root)/box/+/receipt"
    public static let allStatuses = "\(root)/box/+/status"
    public static func thumbnail(box: String, display: String) -> String {
        "\(root)/box/\(segment(box))/display/\(segment(display))/thumb"
    }

    /// What a topic under `oshirase/v1/box/` is about, or nil for any other topic.
    public static func boxTopic(_ topic: String) -> BoxTopic? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[0] == "oshirase", parts[1] == "v1", parts[2] == "box",
              let box = unescape(parts[3]) else { return nil }
        switch parts.count {
        case 5:
            switch parts[4] {
            case "status": return BoxTopic(box: box, kind: .status)
            case "state": return BoxTopic(box: box, kind: .state)
            case "receipt": return BoxTopic(box: box, kind: .receipt)
            default: return nil
            }
        case 7 where parts[4] == "display" && parts[6] == "thumb":
            return unescape(parts[5]).map { BoxTopic(box: box, kind: .thumbnail(display: $0)) }
        default:
            return nil
        }
    }

    /// `text` as one topic level: bytes other than letters, digits and `-._@~` (the level
    /// separator `/`, the wildcards `+` and `#`, `%` itself, anything else) as `%XX`, so no
    /// sender or identifier can reach into another topic or match as a wildcard.
    public static func segment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "@"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0f)])
            }
        }
        return out
    }

    /// The text of a topic level written by ``segment(_:)``; nil when it is not one.
    public static func unescape(_ level: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = level.utf8.startIndex
        let utf8 = level.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high != utf8.endIndex, utf8.index(after: high) != utf8.endIndex,
                      let h = hexValue(utf8[high]), let l = hexValue(utf8[utf8.index(after: high)]) else { return nil }
                bytes.append(h << 4 | l)
                index = utf8.index(high, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

/// A topic under `oshirase/v1/box/<id>/`.
public struct BoxTopic: Sendable, Equatable {
    public var box: String
    public var kind: Kind

    public init(box: String, kind: Kind) {
        self.box = box
        self.kind = kind
    }

    public enum Kind: Sendable, Equatable {
        case status, state, receipt
        case thumbnail(display: String)
    }
}
