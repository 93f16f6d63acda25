/// One reason a CAP document was refused: where (element path, line, column) and why.
///
/// The path names elements by local name from the root, with a 1-based index where a parent
/// has several children of that name (`alert/info[2]/area/polygon`). Line and column are
/// 1-based and count characters, not bytes; both are 0 when the error concerns the whole body
/// (for example its size).
public struct CAPError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem this is, so callers and tests can tell them apart without parsing text.
    package enum Code: String, Sendable, Equatable, CaseIterable {
        /// The body exceeds ``CAPLimits/maximumBodyBytes``.
        case bodyTooLarge
        /// Elements nest deeper than ``CAPLimits/maximumDepth``.
        case tooDeep
        /// More than ``CAPLimits/maximumElements`` elements.
        case tooManyElements
        /// An element with more than ``CAPLimits/maximumAttributes`` attributes (namespace declarations included).
        case tooManyAttributes
        /// An attribute value or a text node over ``CAPLimits/maximumValueBytes``.
        case valueTooLong
        /// Parsing ran past ``CAPLimits/timeLimit``.
        case timeLimitExceeded
        /// A `<!DOCTYPE` (which is how external entities and entity expansion attacks arrive).
        case doctype
        /// An entity declaration or a reference to anything but the five predefined entities.
        case entity
        /// A processing instruction other than the leading XML declaration.
        case processingInstruction
        /// Not UTF-8, invalid UTF-8, or a character XML forbids.
        case encoding
        /// Anything else that is not well-formed XML.
        case malformed
        /// An element outside the CAP 1.2 namespace, or an undeclared prefix.
        case namespace
        /// The document is CAP 1.1.
        case unsupportedVersion
        /// A required element is absent.
        case missingElement
        /// An element the standard does not define at that place, or one that occurs too often.
        case unexpectedElement
        /// An attribute on a CAP element (the standard defines none).
        case unexpectedAttribute
        /// Character data where the standard allows only elements.
        case unexpectedText
        /// An element the standard defines, but in the wrong place of its sequence.
        case outOfOrder
        /// A value outside the standard's enumeration.
        case invalidEnumeration
        /// A date-time that is not `YYYY-MM-DDThh:mm:ss±hh:mm` or not a real calendar instant.
        case invalidDateTime
        /// Any other value the standard constrains (identifiers, references, polygons, numbers…).
        case invalidValue
        /// A rule that ties several elements together (references for Update, restriction with Restricted…).
        case inconsistent
    }

    /// The kind of problem.
    package var code: Code
    /// The element, as `alert/info[2]/area/polygon`; empty for the whole body.
    public var path: String
    /// 1-based line, 0 when not about one place.
    public var line: Int
    /// 1-based column in characters, 0 when not about one place.
    package var column: Int
    /// Why, in words a sender can act on.
    public var message: String

    /// An error at `path`, `line`:`column`.
    package init(code: Code, path: String, line: Int, column: Int, message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    /// `path (line L, column C): message`, the form shown to senders and in logs.
    public var description: String {
        var place = path
        if line > 0 {
            place += place.isEmpty ? "line \(line), column \(column)" : " (line \(line), column \(column))"
        }
        return place.isEmpty ? message : "\(place): \(message)"
    }
}

/// Every reason (up to ``CAPLimits/maximumReportedErrors``) a CAP document was refused.
public struct CAPErrors: Error, CustomStringConvertible, Sendable, Equatable {
    /// In document order for validation problems; a single entry for XML and limit problems,
    /// which stop reading at once.
    public var errors: [CAPError]

    /// Wraps the errors found.
    package init(_ errors: [CAPError]) {
        self.errors = errors
    }

    /// The first error's code, the one a caller usually reports.
    public var first: CAPError? { errors.first }

    /// Every error on its own line after a count.
    public var description: String {
        switch errors.count {
        case 0: return "invalid CAP document"
        case 1: return "invalid CAP document: \(errors[0])"
        default:
            return "invalid CAP document (\(errors.count) problems):\n"
                + errors.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}

/// The bounds every CAP body is read within; each has its own ``CAPError/Code``.
public struct CAPLimits: Sendable, Equatable {
    /// Largest accepted body, checked before any parsing: 1 MiB.
    package static let maximumBodyBytes = 1_048_576
    /// Deepest element nesting (CAP's deepest path, alert/info/area/geocode/value, is 5).
    package static let maximumDepth = 32
    /// Most elements in one document.
    package static let maximumElements = 10_000
    /// Most attributes on one element, namespace declarations included (CAP itself uses none but `xmlns`);
    /// bounds the namespace scopes every nested element inherits.
    package static let maximumAttributes = 64
    /// Longest attribute value or text node, in UTF-8 bytes: 64 KiB.
    package static let maximumValueBytes = 65_536
    /// Longest time one parse may take, measured on the monotonic clock.
    package static let timeLimit: Duration = .seconds(2)
    /// Most validation problems reported at once.
    package static let maximumReportedErrors = 20

    /// The limits every production parse uses.
    public static let standard = CAPLimits()

    /// Largest body in bytes.
    package var bodyBytes: Int
    /// Deepest element nesting.
    public var depth: Int
    /// Most elements.
    public var elements: Int
    /// Most attributes on one element.
    package var attributes: Int
    /// Longest attribute value or text node in UTF-8 bytes.
    package var valueBytes: Int
    /// Longest parse on the monotonic clock.
    public var time: Duration

    /// The standard limits, or others for tests (a zero `time` shows what happens when time runs out).
    package init(bodyBytes: Int = CAPLimits.maximumBodyBytes, depth: Int = CAPLimits.maximumDepth,
                elements: Int = CAPLimits.maximumElements, attributes: Int = CAPLimits.maximumAttributes, valueBytes: Int = CAPLimits.maximumValueBytes,
                time: Duration = CAPLimits.timeLimit) {
        self.bodyBytes = bodyBytes
        self.depth = depth
        self.elements = elements
        self.attributes = attributes
        self.valueBytes = valueBytes
        self.time = time
    }
}
