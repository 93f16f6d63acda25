/// A problem in an input file, at a 1-based line and column.
public struct SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    package let column: Int
    public let message: String

    package init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COL: error: MESSAGE`, the form editors and CI logs understand.
    public var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// Every problem found in one file.
public struct SourceErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [SourceError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
