/// A problem in an input file, at a 1-based line and column.
public struct PlaylistError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COL: error: MESSAGE`, the form editors and CI logs understand.
    public var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// Every problem found in one file.
public struct PlaylistErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [PlaylistError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
