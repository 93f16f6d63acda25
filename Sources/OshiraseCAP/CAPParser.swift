public import Foundation
import OshiraseCore

/// Reads a CAP 1.2 document and checks it against the standard (docs/alerts.md).
///
/// Pure: it looks only at the bytes it is given. What an alert *means* (Draft refused, Test
/// logged, Update replacing, Cancel remembered) is the store's business, not the parser's: a
/// well-formed Draft parses.
public enum CAPParser {
    /// The only namespace CAP elements are accepted in.
    package static let namespace = "urn:oasis:names:tc:emergency:cap:1.2"
    /// CAP 1.1's namespace, recognised to say plainly that 1.1 is not accepted.
    package static let namespace11 = "urn:oasis:names:tc:emergency:cap:1.1"
    /// XML Signature: the one extension the CAP 1.2 schema declares at the end of `alert`. Such
    /// elements are skipped, never verified: trust comes from Oshirase's signed envelope.
    package static let signatureNamespace = "http://www.w3.org/2000/09/xmldsig#"

    /// Reads and validates a CAP 1.2 alert.
    ///
    /// - Throws: ``CAPErrors`` with one entry for an XML or limit problem, or up to
    ///   ``CAPLimits/maximumReportedErrors`` validation problems in document order.
    public static func parse(_ bytes: [UInt8], limits: CAPLimits = .standard) throws(CAPErrors) -> CAPAlert {
        let root: XMLReader.Element
        do {
            root = try XMLReader.read(bytes, limits: limits)
        } catch {
            throw CAPErrors([error])
        }
        var validator = Validator()
        let alert = validator.alert(root)
        if let alert, validator.errors.isEmpty { return alert }
        let sorted = validator.errors.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
        throw CAPErrors(Array(sorted.prefix(CAPLimits.maximumReportedErrors)))
    }

    /// Reads and validates a CAP 1.2 alert from `data`; the size is checked before anything is copied.
    public static func parse(_ data: Data, limits: CAPLimits = .standard) throws(CAPErrors) -> CAPAlert {
        if data.count > limits.bodyBytes {
            throw CAPErrors([CAPError(code: .bodyTooLarge, path: "", line: 0, column: 0,
                                      message: "the body is \(data.count) bytes; at most \(limits.bodyBytes) are accepted")])
        }
        return try parse([UInt8](data), limits: limits)
    }

    /// Why `value` cannot be a CAP `identifier` or `sender` (the standard forbids whitespace,
    /// commas, `<` and `&`); nil when it can.
    package static func identifierProblem(_ value: String) -> String? {
        if value.isEmpty { return "must not be empty" }
        if let bad = value.first(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == "&" }) {
            let shown = bad.isWhitespace ? "whitespace" : "'\(bad)'"
            return "contains \(shown); the standard forbids spaces, commas, '<' and '&' here"
        }
        return nil
    }

    /// Reads a CAP date-time (`YYYY-MM-DDThh:mm:ss±hh:mm`); nil when it is not one.
    package static func dateTime(_ text: String) -> CAPDateTime? {
        if case .success(let value) = DateTimeReader.read(text) { return value }
        return nil
    }
}

// MARK: - Date-times

enum DateTimeReader {
    static let form = "write YYYY-MM-DDThh:mm:ss±hh:mm with a numeric offset (no Z, no fractions), "
        + "e.g. 2026-11-27T09:00:00+09:00"

    static func read(_ text: String) -> Result<CAPDateTime, DateTimeProblem> {
        let b = Array(text.utf8)
        guard b.count == 25 else { return .failure(.form) }
        let separators: [Int: UInt8] = [4: 0x2D, 7: 0x2D, 10: 0x54, 13: 0x3A, 16: 0x3A, 22: 0x3A]
        for index in 0..<25 where index != 19 {
            if let separator = separators[index] {
                guard b[index] == separator else { return .failure(.form) }
            } else {
                guard b[index] >= 0x30 && b[index] <= 0x39 else { return .failure(.form) }
            }
        }
        guard b[19] == 0x2B || b[19] == 0x2D else { return .failure(.form) }
        func number(_ from: Int, _ count: Int) -> Int {
            var value = 0
            for k in from..<(from + count) { value = value * 10 + Int(b[k] - 0x30) }
            return value
        }
        let year = number(0, 4), month = number(5, 2), day = number(8, 2)
        let hour = number(11, 2), minute = number(14, 2), second = number(17, 2)
        let offsetHours = number(20, 2), offsetMinutes = number(23, 2)
        guard year >= 1 else { return .failure(.calendar("year 0000 does not exist")) }
        guard (1...12).contains(month) else { return .failure(.calendar("month \(month) does not exist")) }
        let monthLength = CivilDate.daysIn(month: month, year: year)
        guard (1...monthLength).contains(day) else {
            return .failure(.calendar("day \(day) does not exist: \(year)-\(two(month)) has \(monthLength) days"))
        }
        guard hour <= 23, minute <= 59, second <= 59 else {
            return .failure(.calendar("\(two(hour)):\(two(minute)):\(two(second)) is not a time of day"))
        }
        guard offsetMinutes <= 59, offsetHours * 60 + offsetMinutes <= 14 * 60 else {
            return .failure(.calendar("offset \(two(offsetHours)):\(two(offsetMinutes)) is beyond ±14:00"))
        }
        let sign = b[19] == 0x2D ? -1 : 1
        let offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        let date = Instant.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                                offsetSeconds: offsetSeconds)
        return .success(CAPDateTime(date: date, text: text))
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

enum DateTimeProblem: Error {
    case form
    case calendar(String)
}

/// Why a coordinate or number is not acceptable, in words for the sender.
struct ValueProblem: Error {
    let message: String
}

// MARK: - Validation

/// One slot of a CAP sequence: an element name and how often it may occur.
private struct Slot {
    let name: String
    let min: Int
    /// nil: unbounded.
    let max: Int?
    init(_ name: String, _ min: Int = 0, _ max: Int? = 1) {
        self.name = name
        self.min = min
        self.max = max
    }
}

private enum Schema {
    static let alert = [
        Slot("identifier", 1), Slot("sender", 1), Slot("sent", 1), Slot("status", 1), Slot("msgType", 1),
        Slot("source"), Slot("scope", 1), Slot("restriction"), Slot("addresses"), Slot("code", 0, nil),
        Slot("note"), Slot("references"), Slot("incidents"), Slot("info", 0, nil),
    ]
    static let info = [
        Slot("language"), Slot("category", 1, nil), Slot("event", 1), Slot("responseType", 0, nil),
        Slot("urgency", 1), Slot("severity", 1), Slot("certainty", 1), Slot("audience"),
        Slot("eventCode", 0, nil), Slot("effective"), Slot("onset"), Slot("expires"), Slot("senderName"),
        Slot("headline"), Slot("description"), Slot("instruction"), Slot("web"), Slot("contact"),
        Slot("parameter", 0, nil), Slot("resource", 0, nil), Slot("area", 0, nil),
    ]
    static let resource = [
        Slot("resourceDesc", 1), Slot("mimeType", 1), Slot("size"), Slot("uri"), Slot("derefUri"), Slot("digest"),
    ]
    static let area = [
        Slot("areaDesc", 1), Slot("polygon", 0, nil), Slot("circle", 0, nil), Slot("geocode", 0, nil),
        Slot("altitude"), Slot("ceiling"),
    ]
    static let valuePair = [Slot("valueName", 1), Slot("value", 1)]
}

/// An element with the path errors name it by.
private struct Node {
    let element: XMLReader.Element
    let path: String
}

/// The CAP children of one element, grouped by name, in document order.
private struct Children {
    var byName: [String: [Node]] = [:]
    func first(_ name: String) -> Node? { byName[name]?.first }
    func all(_ name: String) -> [Node] { byName[name] ?? [] }
}

private struct Validator {
    var errors: [CAPError] = []

    mutating func report(_ code: CAPError.Code, _ node: Node, _ message: String) {
        errors.append(CAPError(code: code, path: node.path, line: node.element.position.line,
                               column: node.element.position.column, message: message))
    }

    // MARK: Structure

    /// Checks an element's children against a sequence of the standard and groups them.
    mutating func children(of node: Node, _ schema: [Slot], signatureAllowed: Bool = false) -> Children {
        let element = node.element
        checkNoAttributes(node)
        if let textPosition = element.textPosition, !trimmed(element.text).isEmpty {
            errors.append(CAPError(code: .unexpectedText, path: node.path, line: textPosition.line,
                                   column: textPosition.column,
                                   message: "text is not allowed directly inside <\(element.localName)>, only elements"))
        }
        var totals: [String: Int] = [:]
        for child in element.children { totals[child.localName, default: 0] += 1 }
        var seen: [String: Int] = [:]
        var counts = [Int](repeating: 0, count: schema.count)
        var cursor = 0
        var signatureSeen = false
        var result = Children()
        for child in element.children {
            seen[child.localName, default: 0] += 1
            let name = (totals[child.localName] ?? 0) > 1 ? "\(child.localName)[\(seen[child.localName] ?? 0)]" : child.localName
            let childNode = Node(element: child, path: "\(node.path)/\(name)")
            if signatureAllowed && child.namespaceURI == CAPParser.signatureNamespace {
                signatureSeen = true
                continue
            }
            guard child.namespaceURI == CAPParser.namespace else {
                report(.namespace, childNode, Self.namespaceProblem(child)
                       + "; only CAP 1.2 elements are accepted inside <\(element.localName)>")
                continue
            }
            guard let slot = schema.firstIndex(where: { $0.name == child.localName }) else {
                report(.unexpectedElement, childNode,
                       "CAP 1.2 defines no <\(child.localName)> inside <\(element.localName)>")
                continue
            }
            if signatureSeen {
                report(.outOfOrder, childNode, "<\(child.localName)> must come before the XML signature")
            } else if slot < cursor {
                report(.outOfOrder, childNode, "<\(child.localName)> is out of place: the standard's order puts it "
                       + "before <\(schema[cursor].name)>")
            } else {
                cursor = slot
            }
            counts[slot] += 1
            if let max = schema[slot].max, counts[slot] > max {
                report(.unexpectedElement, childNode, max == 1
                       ? "<\(child.localName)> may appear only once in <\(element.localName)>"
                       : "<\(child.localName)> may appear at most \(max) times in <\(element.localName)>")
                continue
            }
            result.byName[child.localName, default: []].append(childNode)
        }
        for (index, slot) in schema.enumerated() where slot.min > 0 && counts[index] == 0 {
            report(.missingElement, node, "<\(element.localName)> lacks the required <\(slot.name)>")
        }
        return result
    }

    static func namespaceProblem(_ element: XMLReader.Element) -> String {
        switch element.namespaceURI {
        case nil: return "<\(element.name)> has no namespace"
        case CAPParser.namespace11?: return "<\(element.name)> is CAP 1.1 (\(CAPParser.namespace11))"
        case let other?: return "<\(element.name)> is in namespace \(other)"
        }
    }

    mutating func checkNoAttributes(_ node: Node) {
        for attribute in node.element.attributes {
            errors.append(CAPError(code: .unexpectedAttribute, path: node.path, line: attribute.position.line,
                                   column: attribute.position.column,
                                   message: "attribute '\(attribute.name)' is not part of CAP 1.2; remove it"))
        }
    }

    func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = text.firstIndex(where: { !isSpace($0) }),
              let end = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[start...end])
    }

    /// The value of a simple element, trimmed of surrounding whitespace; nil (and an error) if it has children.
    mutating func text(_ node: Node) -> String? {
        checkNoAttributes(node)
        if let child = node.element.children.first {
            report(.unexpectedElement, Node(element: child, path: "\(node.path)/\(child.localName)"),
                   "<\(node.element.localName)> holds text only, not <\(child.localName)>")
            return nil
        }
        return trimmed(node.element.text)
    }

    mutating func text(_ node: Node?) -> String? {
        guard let node else { return nil }
        return text(node)
    }

    mutating func nonEmptyText(_ node: Node?) -> String? {
        guard let node, let value = text(node) else { return nil }
        if value.isEmpty {
            report(.invalidValue, node, "<\(node.element.localName)> must not be empty")
            return nil
        }
        return value
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ node: Node?, _ type: E.Type) -> E?
    where E.RawValue == String {
        guard let node, let value = text(node) else { return nil }
        if let known = E(rawValue: value) { return known }
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        report(.invalidEnumeration, node, "'\(value)' is not a CAP 1.2 \(node.element.localName); use one of \(allowed)"
               + " (spelled exactly so)")
        return nil
    }

    mutating func dateTime(_ node: Node?) -> CAPDateTime? {
        guard let node, let value = text(node) else { return nil }
        switch DateTimeReader.read(value) {
        case .success(let dateTime):
            return dateTime
        case .failure(.form):
            report(.invalidDateTime, node, "'\(value)' is not a CAP date-time; \(DateTimeReader.form)")
        case .failure(.calendar(let why)):
            report(.invalidDateTime, node, "'\(value)' is not a real instant: \(why)")
        }
        return nil
    }

    func identifierProblem(_ value: String) -> String? { CAPParser.identifierProblem(value) }

    mutating func identifier(_ node: Node?) -> String? {
        guard let node, let value = text(node) else { return nil }
        if let problem = identifierProblem(value) {
            report(.invalidValue, node, "<\(node.element.localName)> \(problem)")
            return nil
        }
        return value
    }

    /// A decimal number as CAP writes coordinates: optional sign, digits, optional fraction; no exponent.
    func decimal(_ text: Substring) -> Double? {
        var body = text
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard !body.isEmpty, body.count <= 32 else { return nil }
        var digits = 0
        var dots = 0
        for c in body {
            if c == "." { dots += 1 } else if c.isASCII && c.isNumber { digits += 1 } else { return nil }
        }
        guard digits > 0, dots <= 1 else { return nil }
        return Double(String(text.first == "+" ? text.dropFirst() : text))
    }

    // MARK: Alert

    mutating func alert(_ root: XMLReader.Element) -> CAPAlert? {
        let node = Node(element: root, path: root.localName)
        if root.namespaceURI == CAPParser.namespace11 {
            report(.unsupportedVersion, node, "CAP 1.1 is not accepted: send CAP 1.2 (\(CAPParser.namespace))")
            return nil
        }
        guard root.namespaceURI == CAPParser.namespace else {
            report(.namespace, node, Self.namespaceProblem(root) + "; a CAP 1.2 alert is "
                   + "<alert xmlns=\"\(CAPParser.namespace)\">")
            return nil
        }
        guard root.localName == "alert" else {
            report(.unexpectedElement, node, "the root element must be <alert>, not <\(root.localName)>")
            return nil
        }
        let c = children(of: node, Schema.alert, signatureAllowed: true)
        let identifier = self.identifier(c.first("identifier"))
        let sender = self.identifier(c.first("sender"))
        let sent = self.dateTime(c.first("sent"))
        let status = enumeration(c.first("status"), CAPStatus.self)
        let msgType = enumeration(c.first("msgType"), CAPMessageType.self)
        let source = text(c.first("source"))
        let scope = enumeration(c.first("scope"), CAPScope.self)
        let restriction = text(c.first("restriction"))
        let addresses = text(c.first("addresses"))
        var codes: [String] = []
        for code in c.all("code") { if let value = text(code) { codes.append(value) } }
        let note = text(c.first("note"))
        let references = c.first("references").map { self.references($0) } ?? []
        let incidents = text(c.first("incidents"))
        var infos: [CAPInfo] = []
        for info in c.all("info") {
            if let value = self.info(info) { infos.append(value) }
        }

        // Rules that tie elements together.
        if let scopeNode = c.first("scope"), let scope {
            if scope == .restricted && c.first("restriction") == nil {
                report(.inconsistent, scopeNode, "scope Restricted needs a <restriction> saying who may see the alert")
            }
            if scope != .restricted, let restrictionNode = c.first("restriction") {
                report(.inconsistent, restrictionNode, "<restriction> is only allowed with scope Restricted, "
                       + "not \(scope.rawValue)")
            }
            if scope == .private && (addresses ?? "").isEmpty {
                report(.inconsistent, scopeNode, "scope Private needs <addresses> naming the recipients")
            }
        }
        if let msgTypeNode = c.first("msgType"), let msgType, c.first("references") == nil,
           [.update, .cancel, .ack, .error].contains(msgType) {
            report(.inconsistent, msgTypeNode, "msgType \(msgType.rawValue) needs <references> naming the earlier "
                   + "message(s) as sender,identifier,sent")
        }

        guard let identifier, let sender, let sent, let status, let msgType, let scope else { return nil }
        return CAPAlert(identifier: identifier, sender: sender, sent: sent, status: status, msgType: msgType,
                        source: source, scope: scope, restriction: restriction, addresses: addresses, codes: codes,
                        note: note, references: references, incidents: incidents, infos: infos)
    }

    mutating func references(_ node: Node) -> [CAPReference] {
        guard let value = text(node) else { return [] }
        let triplets = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        if triplets.isEmpty {
            report(.invalidValue, node, "<references> is empty; list sender,identifier,sent triplets")
        }
        var result: [CAPReference] = []
        for (index, triplet) in triplets.enumerated() {
            let parts = triplet.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let which = "reference \(index + 1) '\(triplet)'"
            guard parts.count == 3 else {
                report(.invalidValue, node, "\(which) is not sender,identifier,sent (found \(parts.count) parts)")
                continue
            }
            if let problem = identifierProblem(parts[0]) {
                report(.invalidValue, node, "\(which): the sender \(problem)")
                continue
            }
            if let problem = identifierProblem(parts[1]) {
                report(.invalidValue, node, "\(which): the identifier \(problem)")
                continue
            }
            switch DateTimeReader.read(parts[2]) {
            case .success:
                result.append(CAPReference(sender: parts[0], identifier: parts[1], sent: parts[2]))
            case .failure(.form):
                report(.invalidDateTime, node, "\(which): '\(parts[2])' is not a CAP date-time; \(DateTimeReader.form)")
            case .failure(.calendar(let why)):
                report(.invalidDateTime, node, "\(which): '\(parts[2])' is not a real instant: \(why)")
            }
        }
        return result
    }

    // MARK: Info

    mutating func info(_ node: Node) -> CAPInfo? {
        let c = children(of: node, Schema.info)
        var language = "en-US"
        if let languageNode = c.first("language"), let value = text(languageNode) {
            if LanguageTag.isValid(value) {
                language = value
            } else {
                report(.invalidValue, languageNode, "'\(value)' is not a language tag such as ja-JP or en-US")
            }
        }
        var categories: [CAPCategory] = []
        for category in c.all("category") {
            if let value = enumeration(category, CAPCategory.self) { categories.append(value) }
        }
        let event = nonEmptyText(c.first("event"))
        var responseTypes: [CAPResponseType] = []
        for responseType in c.all("responseType") {
            if let value = enumeration(responseType, CAPResponseType.self) { responseTypes.append(value) }
        }
        let urgency = enumeration(c.first("urgency"), CAPUrgency.self)
        let severity = enumeration(c.first("severity"), CAPSeverity.self)
        let certainty = enumeration(c.first("certainty"), CAPCertainty.self)
        let audience = text(c.first("audience"))
        let eventCodes = c.all("eventCode").compactMap { valuePair($0) }
        let effective = dateTime(c.first("effective"))
        let onset = dateTime(c.first("onset"))
        let expires = dateTime(c.first("expires"))
        let senderName = text(c.first("senderName"))
        let headline = text(c.first("headline"))
        let description = text(c.first("description"))
        let instruction = text(c.first("instruction"))
        let web = text(c.first("web"))
        let contact = text(c.first("contact"))
        let parameters = c.all("parameter").compactMap { valuePair($0) }
        let resources = c.all("resource").compactMap { resource($0) }
        let areas = c.all("area").compactMap { area($0) }
        guard !categories.isEmpty, let event, let urgency, let severity, let certainty else { return nil }
        return CAPInfo(language: language, categories: categories, event: event, responseTypes: responseTypes,
                       urgency: urgency, severity: severity, certainty: certainty, audience: audience,
                       eventCodes: eventCodes, effective: effective, onset: onset, expires: expires,
                       senderName: senderName, headline: headline, description: description,
                       instruction: instruction, web: web, contact: contact, parameters: parameters,
                       resources: resources, areas: areas)
    }

    mutating func valuePair(_ node: Node) -> CAPValuePair? {
        let c = children(of: node, Schema.valuePair)
        guard let name = text(c.first("valueName")), let value = text(c.first("value")) else { return nil }
        return CAPValuePair(valueName: name, value: value)
    }

    mutating func resource(_ node: Node) -> CAPResource? {
        let c = children(of: node, Schema.resource)
        let description = nonEmptyText(c.first("resourceDesc"))
        let mimeType = nonEmptyText(c.first("mimeType"))
        var size: Int?
        if let sizeNode = c.first("size"), let value = text(sizeNode) {
            if !value.isEmpty, value.count <= 18, value.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(value) {
                size = number
            } else {
                report(.invalidValue, sizeNode, "'\(value)' is not a size in bytes (a whole number)")
            }
        }
        let uri = text(c.first("uri"))
        _ = text(c.first("derefUri"))
        let digest = text(c.first("digest"))
        guard let description, let mimeType else { return nil }
        return CAPResource(resourceDesc: description, mimeType: mimeType, size: size, uri: uri, digest: digest)
    }

    // MARK: Area

    mutating func area(_ node: Node) -> CAPArea? {
        let c = children(of: node, Schema.area)
        let description = nonEmptyText(c.first("areaDesc"))
        let polygons = c.all("polygon").compactMap { polygon($0) }
        let circles = c.all("circle").compactMap { circle($0) }
        let geocodes = c.all("geocode").compactMap { valuePair($0) }
        let altitude = c.first("altitude").flatMap { number($0, what: "an altitude in feet") }
        let ceiling = c.first("ceiling").flatMap { number($0, what: "a ceiling in feet") }
        if let ceilingNode = c.first("ceiling"), c.first("altitude") == nil {
            report(.inconsistent, ceilingNode, "<ceiling> is only allowed together with <altitude>")
        }
        guard let description else { return nil }
        return CAPArea(areaDesc: description, polygons: polygons, circles: circles, geocodes: geocodes,
                       altitude: altitude, ceiling: ceiling)
    }

    mutating func number(_ node: Node, what: String) -> Double? {
        guard let value = text(node) else { return nil }
        guard let number = decimal(Substring(value)) else {
            report(.invalidValue, node, "'\(value)' is not \(what) (a decimal number such as 120.5)")
            return nil
        }
        return number
    }

    /// `lat,lon` as a point, or what is wrong with it.
    func point(_ pair: Substring) -> Result<CAPPoint, ValueProblem> {
        let parts = pair.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let latitude = decimal(parts[0]), let longitude = decimal(parts[1]) else {
            return .failure(ValueProblem(message: "'\(pair)' is not a lat,lon pair of decimal degrees"))
        }
        guard (-90...90).contains(latitude) else {
            return .failure(ValueProblem(message: "latitude \(parts[0]) in '\(pair)' is outside -90…90"))
        }
        guard (-180...180).contains(longitude) else {
            return .failure(ValueProblem(message: "longitude \(parts[1]) in '\(pair)' is outside -180…180"))
        }
        return .success(CAPPoint(latitude: latitude, longitude: longitude))
    }

    mutating func polygon(_ node: Node) -> [CAPPoint]? {
        guard let value = text(node) else { return nil }
        let pairs = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        var points: [CAPPoint] = []
        for pair in pairs {
            switch point(pair) {
            case .success(let p): points.append(p)
            case .failure(let problem):
                report(.invalidValue, node, problem.message)
                return nil
            }
        }
        guard points.count >= 4 else {
            report(.invalidValue, node, "a polygon needs at least 4 lat,lon pairs (the first repeated last); "
                   + "this one has \(points.count)")
            return nil
        }
        if let first = points.first, let last = points.last, first != last {
            report(.invalidValue, node, "the polygon is not closed: its last pair '\(pairs[pairs.count - 1])' must repeat "
                   + "its first '\(pairs[0])'")
            return nil
        }
        return points
    }

    mutating func circle(_ node: Node) -> CAPCircle? {
        guard let value = text(node) else { return nil }
        let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard parts.count == 2 else {
            report(.invalidValue, node, "'\(value)' is not a circle; write 'lat,lon radius' with the radius in km")
            return nil
        }
        let center: CAPPoint
        switch point(parts[0]) {
        case .success(let p): center = p
        case .failure(let problem):
            report(.invalidValue, node, problem.message)
            return nil
        }
        guard let radius = decimal(parts[1]), radius >= 0 else {
            report(.invalidValue, node, "radius '\(parts[1])' is not a distance in km (a decimal number ≥ 0)")
            return nil
        }
        return CAPCircle(center: center, radiusKilometres: radius)
    }
}
