/// Why an image could not be read, decoded, encoded or written.
///
/// The message is one line an operator can act on. It does not repeat the file's path:
/// callers put the path (or `FILE:LINE:COL` of the playlist entry) in front.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, stable for programs and tests to match on.
    package enum Code: String, Sendable {
        /// The file could not be opened or read.
        case unreadable
        /// The file or data has no bytes.
        case empty
        /// The bytes are neither JPEG nor PNG.
        case unknownFormat
        /// The file's name ends in an extension that disagrees with its content, or that no supported format uses.
        case wrongExtension
        /// The file or the image it describes is above a size limit.
        case tooLarge
        /// The data starts like a JPEG or PNG but cannot be decoded (truncated, damaged, unsupported).
        case corrupt
        /// The encoder failed.
        case encodeFailed
        /// The encoded image could not be written to disk.
        case writeFailed
    }

    /// The kind of failure.
    package let code: Code
    /// One line describing the failure and, where possible, what to do about it.
    public let message: String

    /// Makes an error from a code and a message.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
