/// The image file formats Oshirase reads and writes.
public enum ImageFormat: String, Sendable {
    /// JPEG (JFIF or Exif).
    case jpeg
    /// PNG.
    case png

    /// The format the data's magic bytes announce, or `nil` for anything else.
    public static func sniff(_ data: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(data.prefix(8))
        if head.count >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF {
            return .jpeg
        }
        if head == pngSignature {
            return .png
        }
        return nil
    }

    /// The format a path's extension names (`.jpg`, `.jpeg`, `.png`, any case), or `nil`.
    package static func fromExtension(of path: String) -> ImageFormat? {
        switch pathExtension(of: path)?.lowercased() {
        case "jpg", "jpeg": .jpeg
        case "png": .png
        default: nil
        }
    }

    /// The eight bytes every PNG file starts with.
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A human name for messages.
    var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        }
    }
}

/// The text after the last dot of the path's last component, or `nil` when it has none.
func pathExtension(of path: String) -> String? {
    let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
    return String(name[name.index(after: dot)...])
}
