/// A strict reader for the small part of XML 1.0 that CAP needs, written to be safe on hostile input.
///
/// It accepts elements (with namespace prefixes), attributes, character data, CDATA sections,
/// comments, a leading `<?xml …?>` declaration, the five predefined entities and numeric
/// character references. It refuses, with a positioned ``CAPError``, everything else that XML
/// parsers are usually attacked through: any `<!DOCTYPE` or `<!ENTITY` (so no external entities
/// and no entity expansion), any other `&name;`, processing instructions, encodings other than
/// UTF-8, and input past the ``CAPLimits`` on size, depth, element count, value length and time.
/// It reads only the bytes it is given.
package enum XMLReader {
    /// A place in the document: 1-based line and column, the column counted in characters.
    package struct Position: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line.
        package var line: Int
        /// 1-based column, in characters.
        package var column: Int
        /// A position at `line`:`column`.
        package init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
        /// `line L, column C`.
        package var description: String { "line \(line), column \(column)" }
    }

    /// One attribute of an element; namespace declarations (`xmlns…`) are not listed.
    package struct Attribute: Sendable, Equatable {
        /// The name as written, prefix included.
        package var name: String
        /// The name without its prefix.
        package var localName: String
        /// The namespace of a prefixed attribute; unprefixed attributes have none, as XML says.
        package var namespaceURI: String?
        /// The value with references decoded and literal whitespace turned into spaces.
        package var value: String
        /// Where the attribute's name starts.
        package var position: Position
    }

    /// One element with its attributes, child elements and the character data directly inside it.
    package struct Element: Sendable, Equatable {
        /// The name as written, prefix included.
        package var name: String
        /// The name without its prefix.
        package var localName: String
        /// Resolved from the `xmlns` declarations in scope; nil when none applies.
        package var namespaceURI: String?
        /// The attributes in document order.
        package var attributes: [Attribute]
        /// The child elements in document order.
        package var children: [Element]
        /// All character data directly inside this element (text, references, CDATA), joined.
        package var text: String
        /// Where the start tag's `<` is.
        package var position: Position
        /// Where the first character data inside starts, if there is any.
        package var textPosition: Position?
    }

    /// The namespace the `xml` prefix is always bound to.
    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    /// Reads a whole document and returns its root element.
    ///
    /// - Throws: a ``CAPError`` naming the first problem and where it is; reading stops there.
    package static func read(_ bytes: [UInt8], limits: CAPLimits = .standard) throws(CAPError) -> Element {
        if bytes.count > limits.bodyBytes {
            throw CAPError(code: .bodyTooLarge, path: "", line: 0, column: 0,
                           message: "the body is \(bytes.count) bytes; at most \(limits.bodyBytes) are accepted")
        }
        let text = try normalizedUTF8(bytes)
        var scanner = Scanner(bytes: text, limits: limits)
        return try scanner.document()
    }

    // MARK: - Encoding

    /// Checks that `bytes` are UTF-8 made only of characters XML allows, drops a UTF-8 byte order
    /// mark and turns CR LF and lone CR into LF (XML 1.0 §2.11), so the scanner sees one line end.
    static func normalizedUTF8(_ bytes: [UInt8]) throws(CAPError) -> [UInt8] {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            start = 3
        } else if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
                    || bytes.starts(with: [0x00, 0x3C]) || bytes.starts(with: [0x3C, 0x00]) {
            throw CAPError(code: .encoding, path: "", line: 1, column: 1,
                           message: "the document is UTF-16; only UTF-8 is accepted")
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var line = 1
        var column = 1
        var i = start
        func fail(_ message: String) -> CAPError {
            CAPError(code: .encoding, path: "", line: line, column: column, message: message)
        }
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x0D {
                    out.append(0x0A)
                    i += (i + 1 < bytes.count && bytes[i + 1] == 0x0A) ? 2 : 1
                    line += 1
                    column = 1
                    continue
                }
                if b < 0x20 && b != 0x09 && b != 0x0A {
                    throw fail("control character U+\(hex4(UInt32(b))) is not allowed in XML")
                }
                out.append(b)
                i += 1
                if b == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                continue
            }
            // A multi-byte sequence: the lead byte fixes its length and the range of the second byte,
            // which is what rules out overlong forms and surrogates.
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: length = 2; scalar = UInt32(b & 0x1F)
            case 0xE0: length = 3; low = 0xA0; scalar = UInt32(b & 0x0F)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3; scalar = UInt32(b & 0x0F)
            case 0xED: length = 3; high = 0x9F; scalar = UInt32(b & 0x0F)
            case 0xF0: length = 4; low = 0x90; scalar = UInt32(b & 0x07)
            case 0xF1...0xF3: length = 4; scalar = UInt32(b & 0x07)
            case 0xF4: length = 4; high = 0x8F; scalar = UInt32(b & 0x07)
            default:
                throw fail("byte 0x\(String(b, radix: 16, uppercase: true)) is not valid UTF-8; send the document as UTF-8")
            }
            guard i + length <= bytes.count else {
                throw fail("the document ends inside a UTF-8 sequence; send the document as UTF-8")
            }
            for k in 1..<length {
                let c = bytes[i + k]
                let lo = k == 1 ? low : 0x80
                let hi = k == 1 ? high : 0xBF
                guard c >= lo && c <= hi else {
                    throw fail("invalid UTF-8 sequence; send the document as UTF-8")
                }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar == 0xFFFE || scalar == 0xFFFF {
                throw fail("character U+\(hex4(scalar)) is not allowed in XML")
            }
            out.append(contentsOf: bytes[i..<(i + length)])
            i += length
            column += 1
        }
        return out
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Whether `value` is a character XML 1.0 allows (production [2], `Char`).
    static func isXMLChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}

// MARK: - Scanner

private let lt: UInt8 = 0x3C, gt: UInt8 = 0x3E, amp: UInt8 = 0x26, slash: UInt8 = 0x2F
private let question: UInt8 = 0x3F, bang: UInt8 = 0x21, equals: UInt8 = 0x3D, semicolon: UInt8 = 0x3B
private let quote: UInt8 = 0x22, apostrophe: UInt8 = 0x27, closeBracket: UInt8 = 0x5D, colon: UInt8 = 0x3A
private let newline: UInt8 = 0x0A, space: UInt8 = 0x20, tab: UInt8 = 0x09

private func isSpace(_ b: UInt8) -> Bool { b == space || b == newline || b == tab }

/// ASCII name-start characters of XML 1.0, plus every non-ASCII byte (letters of other scripts).
private func isNameStart(_ b: UInt8) -> Bool {
    (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == colon || b >= 0x80
}

private func isNameChar(_ b: UInt8) -> Bool {
    isNameStart(b) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E
}

/// The state of one read: the normalized bytes, where we are, and the open elements.
private struct Scanner {
    /// An element whose end tag has not been read yet.
    struct Frame {
        var element: XMLReader.Element
        /// Prefix → namespace, including those inherited from the parent.
        var bindings: [String: String]
        var text: [UInt8] = []
        /// How many children of each local name were read so far, for the `[n]` in paths.
        var childCounts: [String: Int] = [:]
        /// The path component shown in errors: `info`, or `info[2]` for a later sibling.
        var pathName: String
    }

    let bytes: [UInt8]
    let limits: CAPLimits
    var i = 0
    var line = 1
    var column = 1
    var stack: [Frame] = []
    var elementCount = 0
    var steps = 0
    let deadline: ContinuousClock.Instant

    init(bytes: [UInt8], limits: CAPLimits) {
        self.bytes = bytes
        self.limits = limits
        self.deadline = ContinuousClock.now.advanced(by: limits.time)
    }

    var position: XMLReader.Position { XMLReader.Position(line: line, column: column) }
    var atEnd: Bool { i >= bytes.count }

    var path: String { stack.map(\.pathName).joined(separator: "/") }

    func error(_ code: CAPError.Code, _ message: String, at place: XMLReader.Position? = nil) -> CAPError {
        let p = place ?? position
        return CAPError(code: code, path: path, line: p.line, column: p.column, message: message)
    }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where i < bytes.count {
            let b = bytes[i]
            if b == newline {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
    }

    func looking(at ascii: StaticString) -> Bool {
        ascii.withUTF8Buffer { pattern in
            guard i + pattern.count <= bytes.count else { return false }
            for k in 0..<pattern.count where bytes[i + k] != pattern[k] { return false }
            return true
        }
    }

    /// Counts work and, every so often, looks at the clock: the check is cheap but not free.
    mutating func tick() throws(CAPError) {
        steps += 1
        if steps & 1023 == 0 && ContinuousClock.now > deadline {
            throw error(.timeLimitExceeded, "reading took longer than \(limits.time); the document is refused")
        }
    }

    mutating func skipSpace() -> Bool {
        var skipped = false
        while i < bytes.count && isSpace(bytes[i]) {
            advance()
            skipped = true
        }
        return skipped
    }

    // MARK: Document

    mutating func document() throws(CAPError) -> XMLReader.Element {
        if looking(at: "<?xml") && i + 5 < bytes.count && isSpace(bytes[i + 5]) {
            try xmlDeclaration()
        }
        var root: XMLReader.Element?
        while true {
            try tick()
            _ = skipSpace()
            if atEnd { break }
            if looking(at: "<!--") {
                try comment()
            } else if looking(at: "<?") {
                try processingInstruction()
            } else if looking(at: "<!DOCTYPE") {
                throw error(.doctype, "a <!DOCTYPE> is not accepted (it can declare entities); remove it")
            } else if looking(at: "<!ENTITY") {
                throw error(.entity, "entity declarations are not accepted")
            } else if looking(at: "<!") {
                throw error(.malformed, "unexpected markup '<!' outside the root element")
            } else if bytes[i] == lt {
                if let first = root {
                    throw error(.malformed, "a second root element after </\(first.name)>; a document has exactly one")
                }
                root = try rootElement()
            } else {
                throw error(.malformed, root == nil
                            ? "text before the root element; the document must start with <alert>"
                            : "text after the end of the root element </\(root?.name ?? "")>")
            }
        }
        guard let root else {
            throw error(.malformed, "the document has no root element")
        }
        return root
    }

    mutating func xmlDeclaration() throws(CAPError) {
        let start = position
        advance(5)
        var pseudo: [String: String] = [:]
        while true {
            _ = skipSpace()
            if looking(at: "?>") {
                advance(2)
                break
            }
            guard !atEnd, isNameStart(bytes[i]) else {
                throw error(.malformed, "malformed XML declaration; write <?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            }
            let name = try self.name()
            _ = skipSpace()
            guard !atEnd, bytes[i] == equals else {
                throw error(.malformed, "expected '=' after '\(name)' in the XML declaration")
            }
            advance()
            _ = skipSpace()
            guard !atEnd, bytes[i] == quote || bytes[i] == apostrophe else {
                throw error(.malformed, "expected a quoted value for '\(name)' in the XML declaration")
            }
            let delimiter = bytes[i]
            advance()
            let valueStart = i
            while !atEnd && bytes[i] != delimiter && bytes[i] != lt && i - valueStart < 64 { advance() }
            guard !atEnd, bytes[i] == delimiter else {
                throw error(.malformed, "unterminated value for '\(name)' in the XML declaration")
            }
            pseudo[name] = String(decoding: bytes[valueStart..<i], as: UTF8.self)
            advance()
        }
        guard let version = pseudo["version"] else {
            throw error(.malformed, "the XML declaration has no version", at: start)
        }
        guard version == "1.0" else {
            throw error(.malformed, "XML version \(version) is not accepted; send XML 1.0", at: start)
        }
        if let encoding = pseudo["encoding"], encoding.lowercased() != "utf-8" {
            throw error(.encoding, "the document declares encoding \(encoding); only UTF-8 is accepted", at: start)
        }
    }

    mutating func comment() throws(CAPError) {
        let start = position
        advance(4)
        while !atEnd {
            if looking(at: "--") {
                guard looking(at: "-->") else {
                    throw error(.malformed, "'--' is not allowed inside a comment")
                }
                advance(3)
                return
            }
            advance()
        }
        throw error(.malformed, "the comment opened at \(start) is never closed")
    }

    mutating func processingInstruction() throws(CAPError) {
        let start = position
        advance(2)
        let target = (!atEnd && isNameStart(bytes[i])) ? try name() : ""
        if target.lowercased() == "xml" {
            throw error(.malformed, "the XML declaration <?xml …?> is only allowed at the very start", at: start)
        }
        throw error(.processingInstruction,
                    "processing instruction <?\(target)…?> is not accepted; remove it", at: start)
    }

    mutating func name() throws(CAPError) -> String {
        let start = i
        guard !atEnd, isNameStart(bytes[i]) else {
            throw error(.malformed, "expected a name")
        }
        while !atEnd && isNameChar(bytes[i]) {
            advance()
            if i - start > 256 {
                throw error(.malformed, "a name longer than 256 bytes")
            }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    /// Splits `p:local` and rejects names with more than one colon or an empty part.
    func split(_ qualified: String, at place: XMLReader.Position) throws(CAPError) -> (prefix: String?, local: String) {
        let parts = qualified.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (nil, qualified)
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty: return (String(parts[0]), String(parts[1]))
        default: throw error(.namespace, "'\(qualified)' is not a valid namespaced name", at: place)
        }
    }

    // MARK: Elements

    /// Reads the root element and everything inside it, without recursion so that depth costs heap, not stack.
    mutating func rootElement() throws(CAPError) -> XMLReader.Element {
        if try startTag(), let closed = try pop() {
            return closed
        }
        // The loop reads fields of the innermost frame by index and never keeps a copy of it: a copy
        // would share the children array, and the next append would then copy the whole array.
        while !stack.isEmpty {
            try tick()
            guard !atEnd else {
                let open = stack[stack.count - 1].element
                throw error(.malformed, "the document ends before </\(open.name)> (opened at \(open.position))")
            }
            let b = bytes[i]
            if b == lt {
                if looking(at: "</") {
                    if let closed = try endTag() { return closed }
                } else if looking(at: "<!--") {
                    try comment()
                } else if looking(at: "<![CDATA[") {
                    try cdata()
                } else if looking(at: "<!DOCTYPE") {
                    throw error(.doctype, "a <!DOCTYPE> is not accepted (it can declare entities); remove it")
                } else if looking(at: "<!ENTITY") {
                    throw error(.entity, "entity declarations are not accepted")
                } else if looking(at: "<!") {
                    throw error(.malformed, "unexpected markup '<!'")
                } else if looking(at: "<?") {
                    try processingInstruction()
                } else if try startTag() {
                    // `<x/>`: closed as soon as it is opened; it is never the root here.
                    _ = try pop()
                }
            } else if b == amp {
                let place = position
                var decoded: [UInt8] = []
                try reference(into: &decoded)
                try appendText(decoded, at: place)
            } else {
                try textRun()
            }
        }
        throw error(.malformed, "the document has no root element")
    }

    /// Reads a start tag and pushes its element; true for `<x/>`, which the caller pops at once.
    mutating func startTag() throws(CAPError) -> Bool {
        let place = position
        advance()
        guard !atEnd, isNameStart(bytes[i]) else {
            throw error(.malformed, "'<' must start a tag; write &lt; for a literal '<'", at: place)
        }
        let qualified = try name()
        elementCount += 1
        if elementCount > limits.elements {
            throw error(.tooManyElements, "more than \(limits.elements) elements; the document is refused", at: place)
        }
        if stack.count + 1 > limits.depth {
            throw error(.tooDeep, "elements nest deeper than \(limits.depth) levels; the document is refused", at: place)
        }
        var rawAttributes: [(name: String, value: String, position: XMLReader.Position)] = []
        var attributeNames: Set<String> = []
        var selfClosing = false
        while true {
            let hadSpace = skipSpace()
            guard !atEnd else {
                throw error(.malformed, "the document ends inside the start tag <\(qualified)>", at: place)
            }
            if bytes[i] == gt {
                advance()
                break
            }
            if looking(at: "/>") {
                advance(2)
                selfClosing = true
                break
            }
            guard hadSpace else {
                throw error(.malformed, "expected whitespace, '>' or '/>' in the start tag <\(qualified)>")
            }
            let attributePlace = position
            let attributeName = try name()
            guard attributeNames.insert(attributeName).inserted else {
                throw error(.malformed, "attribute '\(attributeName)' appears twice in <\(qualified)>", at: attributePlace)
            }
            if attributeNames.count > limits.attributes {
                throw error(.tooManyAttributes, "<\(qualified)> has more than \(limits.attributes) attributes",
                            at: attributePlace)
            }
            _ = skipSpace()
            guard !atEnd, bytes[i] == equals else {
                throw error(.malformed, "expected '=' after attribute '\(attributeName)'")
            }
            advance()
            _ = skipSpace()
            let value = try attributeValue(named: attributeName)
            rawAttributes.append((attributeName, value, attributePlace))
        }

        // Namespaces: declarations on this tag apply to the tag itself and to everything inside.
        var bindings = stack.isEmpty ? ["xml": XMLReader.xmlNamespace] : stack[stack.count - 1].bindings
        var attributes: [(prefix: String?, local: String, name: String, value: String, position: XMLReader.Position)] = []
        for attribute in rawAttributes {
            let (prefix, local) = try split(attribute.name, at: attribute.position)
            if prefix == nil && local == "xmlns" {
                bindings[""] = attribute.value
            } else if prefix == "xmlns" {
                guard !attribute.value.isEmpty else {
                    throw error(.namespace, "prefix '\(local)' cannot be bound to an empty namespace", at: attribute.position)
                }
                bindings[local] = attribute.value
            } else {
                attributes.append((prefix, local, attribute.name, attribute.value, attribute.position))
            }
        }
        let (prefix, local) = try split(qualified, at: place)
        let namespace: String?
        if let prefix {
            guard let bound = bindings[prefix], prefix != "xmlns" else {
                throw error(.namespace, "prefix '\(prefix)' of <\(qualified)> is not declared", at: place)
            }
            namespace = bound
        } else {
            namespace = bindings[""].flatMap { $0.isEmpty ? nil : $0 }
        }
        var resolved: [XMLReader.Attribute] = []
        for attribute in attributes {
            var attributeNamespace: String?
            if let attributePrefix = attribute.prefix {
                guard let bound = bindings[attributePrefix] else {
                    throw error(.namespace, "prefix '\(attributePrefix)' of attribute '\(attribute.name)' is not declared",
                                at: attribute.position)
                }
                attributeNamespace = bound
            }
            resolved.append(XMLReader.Attribute(name: attribute.name, localName: attribute.local,
                                                namespaceURI: attributeNamespace, value: attribute.value,
                                                position: attribute.position))
        }

        let element = XMLReader.Element(name: qualified, localName: local, namespaceURI: namespace,
                                        attributes: resolved, children: [], text: "", position: place,
                                        textPosition: nil)
        var siblings = 0
        if !stack.isEmpty {
            siblings = stack[stack.count - 1].childCounts[local, default: 0]
            stack[stack.count - 1].childCounts[local] = siblings + 1
        }
        stack.append(Frame(element: element, bindings: bindings,
                           pathName: siblings == 0 ? local : "\(local)[\(siblings + 1)]"))
        return selfClosing
    }

    mutating func attributeValue(named attributeName: String) throws(CAPError) -> String {
        guard !atEnd, bytes[i] == quote || bytes[i] == apostrophe else {
            throw error(.malformed, "the value of attribute '\(attributeName)' must be quoted")
        }
        let delimiter = bytes[i]
        let start = position
        advance()
        var value: [UInt8] = []
        while true {
            try tick()
            guard !atEnd else {
                throw error(.malformed, "the value of attribute '\(attributeName)' is never closed", at: start)
            }
            let b = bytes[i]
            if b == delimiter {
                advance()
                break
            }
            if b == lt {
                throw error(.malformed, "'<' is not allowed in an attribute value; write &lt;")
            }
            if b == amp {
                try reference(into: &value)
            } else {
                // Attribute-value normalization (XML 1.0 §3.3.3): literal whitespace becomes a space.
                value.append(b == newline || b == tab ? space : b)
                advance()
            }
            if value.count > limits.valueBytes {
                throw error(.valueTooLong, "attribute '\(attributeName)' is longer than \(limits.valueBytes) bytes",
                            at: start)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// Reads an end tag; returns the root when it closes the root.
    mutating func endTag() throws(CAPError) -> XMLReader.Element? {
        let place = position
        advance(2)
        let qualified = try name()
        _ = skipSpace()
        guard !atEnd, bytes[i] == gt else {
            throw error(.malformed, "expected '>' to end </\(qualified)>")
        }
        guard !stack.isEmpty else {
            throw error(.malformed, "</\(qualified)> closes nothing", at: place)
        }
        let openName = stack[stack.count - 1].element.name
        if openName != qualified {
            let opened = stack[stack.count - 1].element.position
            throw error(.malformed, "</\(qualified)> does not match <\(openName)> opened at \(opened)", at: place)
        }
        advance()
        return try pop()
    }

    /// Closes the innermost element, hands it to its parent, and returns it when it was the root.
    mutating func pop() throws(CAPError) -> XMLReader.Element? {
        guard var frame = stack.popLast() else { return nil }
        frame.element.text = String(decoding: frame.text, as: UTF8.self)
        if stack.isEmpty { return frame.element }
        stack[stack.count - 1].element.children.append(frame.element)
        return nil
    }

    /// Adds character data to the innermost element; `place` is where its first non-blank character is,
    /// nil for blanks only (indentation is not worth pointing at).
    mutating func appendText(_ piece: [UInt8], at place: XMLReader.Position?) throws(CAPError) {
        guard !stack.isEmpty else { return }
        if stack[stack.count - 1].element.textPosition == nil, let place {
            stack[stack.count - 1].element.textPosition = place
        }
        stack[stack.count - 1].text.append(contentsOf: piece)
        if stack[stack.count - 1].text.count > limits.valueBytes {
            throw error(.valueTooLong, "the text is longer than \(limits.valueBytes) bytes",
                        at: stack[stack.count - 1].element.textPosition ?? stack[stack.count - 1].element.position)
        }
    }

    /// Plain character data up to the next markup or reference.
    mutating func textRun() throws(CAPError) {
        var place: XMLReader.Position?
        let start = i
        while !atEnd && bytes[i] != lt && bytes[i] != amp {
            if bytes[i] == closeBracket && looking(at: "]]>") {
                throw error(.malformed, "']]>' is not allowed in text")
            }
            if place == nil && !isSpace(bytes[i]) { place = position }
            advance()
            if i - start > limits.valueBytes { break }
        }
        try appendText(Array(bytes[start..<i]), at: place)
    }

    mutating func cdata() throws(CAPError) {
        let place = position
        advance(9)
        let start = i
        while !atEnd && !looking(at: "]]>") {
            advance()
            if i - start > limits.valueBytes {
                throw error(.valueTooLong, "the CDATA section is longer than \(limits.valueBytes) bytes", at: place)
            }
        }
        guard !atEnd else {
            throw error(.malformed, "the CDATA section opened at \(place) is never closed")
        }
        let content = Array(bytes[start..<i])
        advance(3)
        try appendText(content, at: place)
    }

    /// Reads `&…;` (only the five predefined entities and numeric character references) and appends
    /// the character's UTF-8 bytes to `out`. Works on bytes: this runs once per reference, and a body
    /// can hold a hundred thousand of them.
    mutating func reference(into out: inout [UInt8]) throws(CAPError) {
        let place = position
        advance()
        let start = i
        while !atEnd && bytes[i] != semicolon && i - start < 32 && (isNameChar(bytes[i]) || bytes[i] == 0x23) {
            advance()
        }
        guard !atEnd, bytes[i] == semicolon, i > start else {
            throw error(.malformed, "'&' must start a reference such as &amp;; write &amp; for a literal '&'", at: place)
        }
        let body = bytes[start..<i]
        advance()
        if body.first == 0x23 {
            let hex = body.count > 1 && body[start + 1] == 0x78
            let digits = body.dropFirst(hex ? 2 : 1)
            var value: UInt32 = 0
            var valid = !digits.isEmpty && digits.count <= 8
            for d in digits where valid {
                let digit: UInt32
                switch d {
                case 0x30...0x39: digit = UInt32(d - 0x30)
                case 0x41...0x46 where hex: digit = UInt32(d - 0x41 + 10)
                case 0x61...0x66 where hex: digit = UInt32(d - 0x61 + 10)
                default: valid = false; digit = 0
                }
                value = value * (hex ? 16 : 10) + digit
            }
            guard valid, XMLReader.isXMLChar(value) else {
                throw error(.encoding, "&\(String(decoding: body, as: UTF8.self)); is not a character XML allows",
                            at: place)
            }
            Self.appendUTF8(value, to: &out)
            return
        }
        switch String(decoding: body, as: UTF8.self) {
        case "lt": out.append(lt)
        case "gt": out.append(gt)
        case "amp": out.append(amp)
        case "apos": out.append(apostrophe)
        case "quot": out.append(quote)
        case let name:
            throw error(.entity, "entity reference &\(name); is not accepted; only &lt; &gt; &amp; &apos; &quot; "
                        + "and numeric references are", at: place)
        }
    }

    /// Encodes a scalar value already checked by `isXMLChar` (so never a surrogate) as UTF-8.
    static func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            out.append(UInt8(value))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | value >> 6))
            out.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | value >> 12))
            out.append(UInt8(0x80 | value >> 6 & 0x3F))
            out.append(UInt8(0x80 | value & 0x3F))
        default:
            out.append(UInt8(0xF0 | value >> 18))
            out.append(UInt8(0x80 | value >> 12 & 0x3F))
            out.append(UInt8(0x80 | value >> 6 & 0x3F))
            out.append(UInt8(0x80 | value & 0x3F))
        }
    }
}

