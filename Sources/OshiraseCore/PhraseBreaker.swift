public import Foundation

/// Japanese phrase boundaries from BudouX's model (Apache-2.0, fetched by `scripts/bootstrap`).
///
/// The model scores the 1-, 2- and 3-character windows around each gap between characters; a gap
/// is a phrase boundary when the base score (minus half the sum of all weights) plus the scores of
/// the windows present is positive. Characters are Unicode scalars, as in the reference parser.
public struct PhraseModel: Sendable {
    private let tables: [String: [String: Int]]
    private let baseScore: Double

    /// Builds a model from BudouX's JSON (`{"UW1": {"あ": 12, …}, …}`).
    ///
    /// The file has one fixed shape, an object of objects of integers, so it is read with a
    /// small dedicated parser: `JSONSerialization` took about 3 ms of a 40 ms `render`.
    public init(json: Data) throws {
        var reader = ModelReader(bytes: [UInt8](json))
        let tables = try reader.readModel()
        self.tables = tables
        self.baseScore = -Double(tables.values.reduce(0) { $0 + $1.values.reduce(0, +) }) * 0.5
    }

    /// Loads the model from a file.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PhraseModelError("cannot read the phrase model at \(path)")
        }
        try self.init(json: data)
    }

    /// Where the model is looked for: `$OSHIRASE_BUDOUX_MODEL`, then beside the executable
    /// (`share/oshirase/budoux-ja.json` or a `.data/budoux/ja.json` in a folder above it), then the
    /// system's share folders.
    package static func defaultLocations(executablePath: String = CommandLine.arguments.first ?? "") -> [String] {
        var paths: [String] = []
        if let env = ProcessInfo.processInfo.environment["OSHIRASE_BUDOUX_MODEL"], !env.isEmpty {
            paths.append(env)
        }
        var dir = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        paths.append(dir.appendingPathComponent("../share/oshirase/budoux-ja.json").standardized.path)
        for _ in 0..<6 {
            paths.append(dir.appendingPathComponent(".data/budoux/ja.json").path)
            dir = dir.deletingLastPathComponent()
        }
        paths.append(FileManager.default.currentDirectoryPath + "/.data/budoux/ja.json")
        paths += ["/usr/local/share/oshirase/budoux-ja.json", "/usr/share/oshirase/budoux-ja.json"]
        return paths
    }

    /// The first model found in `defaultLocations()`, or nil.
    package static func loadDefault() -> PhraseModel? {
        try? loadDefaultOrExplain()
    }

    /// The first model found in `defaultLocations()`; when none can be used, an error that says
    /// why: `$OSHIRASE_BUDOUX_MODEL` names a file that cannot be read, a model file is broken, or
    /// none exists.
    public static func loadDefaultOrExplain() throws(PhraseModelError) -> PhraseModel {
        if let env = ProcessInfo.processInfo.environment["OSHIRASE_BUDOUX_MODEL"], !env.isEmpty {
            do {
                return try PhraseModel(contentsOf: env)
            } catch {
                throw PhraseModelError("OSHIRASE_BUDOUX_MODEL=\(env) cannot be used: \(error)")
            }
        }
        for path in defaultLocations() where FileManager.default.fileExists(atPath: path) {
            do {
                return try PhraseModel(contentsOf: path)
            } catch {
                throw PhraseModelError("the BudouX phrase model \(path) cannot be used: \(error) (run scripts/bootstrap again)")
            }
        }
        throw PhraseModelError("BudouX phrase model not found (run scripts/bootstrap or set OSHIRASE_BUDOUX_MODEL)")
    }

    /// For each gap between scalars i-1 and i (i in 1..<count), whether it is a phrase boundary.
    /// Index 0 of the result is always false.
    package func boundaries(_ scalars: [Unicode.Scalar]) -> [Bool] {
        let s = scalars.map { String($0) }
        var result = [Bool](repeating: false, count: s.count)
        guard s.count > 1 else { return result }
        func score(_ feature: String, _ key: String) -> Int { tables[feature]?[key] ?? 0 }
        for i in 1..<s.count {
            var total = baseScore
            if i > 2 { total += Double(score("UW1", s[i - 3])) }
            if i > 1 { total += Double(score("UW2", s[i - 2])) }
            total += Double(score("UW3", s[i - 1]))
            total += Double(score("UW4", s[i]))
            if i + 1 < s.count { total += Double(score("UW5", s[i + 1])) }
            if i + 2 < s.count { total += Double(score("UW6", s[i + 2])) }
            if i > 1 { total += Double(score("BW1", s[i - 2] + s[i - 1])) }
            total += Double(score("BW2", s[i - 1] + s[i]))
            if i + 1 < s.count { total += Double(score("BW3", s[i] + s[i + 1])) }
            if i > 2 { total += Double(score("TW1", s[i - 3] + s[i - 2] + s[i - 1])) }
            if i > 1 { total += Double(score("TW2", s[i - 2] + s[i - 1] + s[i])) }
            if i + 1 < s.count { total += Double(score("TW3", s[i - 1] + s[i] + s[i + 1])) }
            if i + 2 < s.count { total += Double(score("TW4", s[i] + s[i + 1] + s[i + 2])) }
            result[i] = total > 0
        }
        return result
    }

    /// The text cut into phrases.
    package func phrases(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let cuts = boundaries(scalars)
        var out: [String] = []
        var current = String.UnicodeScalarView()
        for (i, scalar) in scalars.enumerated() {
            if cuts[i], !current.isEmpty {
                out.append(String(current))
                current = String.UnicodeScalarView()
            }
            current.append(scalar)
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }
}

/// Reads `{"FEATURE": {"key": integer, …}, …}` with standard JSON string escapes.
private struct ModelReader {
    let bytes: [UInt8]
    var i = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func readModel() throws -> [String: [String: Int]] {
        var tables: [String: [String: Int]] = [:]
        try expect(UInt8(ascii: "{"))
        if try peekIs(UInt8(ascii: "}")) { i += 1; return tables }
        repeat {
            let feature = try readString()
            try expect(UInt8(ascii: ":"))
            try expect(UInt8(ascii: "{"))
            var table: [String: Int] = [:]
            if try !peekIs(UInt8(ascii: "}")) {
                repeat {
                    let key = try readString()
                    try expect(UInt8(ascii: ":"))
                    table[key] = try readInteger()
                } while try consumeComma()
            }
            try expect(UInt8(ascii: "}"))
            tables[feature] = table
        } while try consumeComma()
        try expect(UInt8(ascii: "}"))
        skipSpace()
        guard i == bytes.count else { throw PhraseModelError("unexpected text after the model at byte \(i)") }
        return tables
    }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
    }

    mutating func peekIs(_ c: UInt8) throws -> Bool {
        skipSpace()
        guard i < bytes.count else { throw PhraseModelError("the model ends too early") }
        return bytes[i] == c
    }

    mutating func expect(_ c: UInt8) throws {
        guard try peekIs(c) else {
            throw PhraseModelError("expected '\(Character(Unicode.Scalar(c)))' at byte \(i) of the model")
        }
        i += 1
    }

    mutating func consumeComma() throws -> Bool {
        if try peekIs(UInt8(ascii: ",")) { i += 1; return true }
        return false
    }

    mutating func readInteger() throws -> Int {
        skipSpace()
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        guard let n = Int(String(decoding: bytes[start..<i], as: UTF8.self)) else {
            throw PhraseModelError("expected an integer score at byte \(start) of the model")
        }
        return n
    }

    mutating func readString() throws -> String {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var unit = try readHex4()
                if (0xD800..<0xDC00).contains(unit), i + 1 < bytes.count,
                   bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try readHex4()
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(unit) else {
                    throw PhraseModelError("bad \\u escape at byte \(i) of the model")
                }
                out.append(contentsOf: Array(String(scalar).utf8))
            default: out.append(e)
            }
        }
        throw PhraseModelError("unterminated string in the model")
    }

    mutating func readHex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw PhraseModelError("bad \\u escape at byte \(i) of the model")
        }
        i += 4
        return v
    }
}

/// A phrase model that could not be loaded.
public struct PhraseModelError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ message: String) { description = message }
}

/// Decides where Japanese text may break across lines, and marks every other gap with
/// U+2060 WORD JOINER so a line breaker that follows Unicode rules (Pango) keeps phrases whole.
///
/// A gap between two characters where at least one is Japanese may break only when it is a
/// phrase boundary and kinsoku shori allows it: no line starts with closing brackets, small kana,
/// prolonged sound marks or sentence punctuation, and no line ends with an opening bracket.
package struct LineBreakPlanner: Sendable {
    package static let wordJoiner: Unicode.Scalar = "\u{2060}"
    private let model: PhraseModel?

    /// With no model, only kinsoku rules apply and Japanese may break between any two characters.
    package init(model: PhraseModel?) {
        self.model = model
    }

    /// Characters that must not start a line (行頭禁則).
    package static let notAtLineStart: Set<Unicode.Scalar> = Set(
        "、。，．,.・：；:;？！?!ー―‐〜～…‥゠–」』）)］]｝}〕〉》】〙〗〟’”ゝゞヽヾ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ％%℃°".unicodeScalars)
    /// Characters that must not end a line (行末禁則).
    package static let notAtLineEnd: Set<Unicode.Scalar> = Set("「『（(［[｛{〔〈《【〘〖〝‘“￥＄$#＃".unicodeScalars)

    /// Whether a break may fall between `scalars[i-1]` and `scalars[i]`.
    package func allowedBreaks(_ scalars: [Unicode.Scalar]) -> [Bool] {
        var allowed = [Bool](repeating: false, count: scalars.count)
        guard scalars.count > 1 else { return allowed }
        let phrase = model?.boundaries(scalars)
        for i in 1..<scalars.count {
            let before = scalars[i - 1], after = scalars[i]
            if Self.notAtLineStart.contains(after) || Self.notAtLineEnd.contains(before) { continue }
            // A number keeps its counter or unit: 8時45|分 is one quantity (BudouX's model breaks there).
            if Self.isDigit(before), Self.isDigit(after) || Self.isJapanese(after) { continue }
            if let phrase { allowed[i] = phrase[i] } else { allowed[i] = true }
        }
        return allowed
    }

    /// The text with a word joiner in every gap next to Japanese text where a break is not allowed.
    /// Newlines stay hard breaks; gaps between Latin letters and spaces are left to the line breaker.
    package func prepare(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if n > 0 { out.append("\n") }
            let scalars = Array(line.unicodeScalars)
            let allowed = allowedBreaks(scalars)
            // A joiner inside a character (before a variation selector or a combining mark) would split it.
            var characterStarts = Set<Int>(), offset = 0
            for character in line {
                characterStarts.insert(offset)
                offset += character.unicodeScalars.count
            }
            for (i, scalar) in scalars.enumerated() {
                if i > 0, !allowed[i], characterStarts.contains(i), Self.isJapanese(scalars[i - 1]) || Self.isJapanese(scalar),
                   !scalars[i - 1].properties.isWhitespace, !scalar.properties.isWhitespace {
                    out.append(Self.wordJoiner)
                }
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// ASCII and full-width digits.
    package static func isDigit(_ s: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(s.value) || (0xFF10...0xFF19).contains(s.value)
    }

    /// Han, kana, CJK punctuation and full-width forms.
    package static func isJapanese(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3000...0x303F, 0x3040...0x309F, 0x30A0...0x30FF, 0x31F0...0x31FF,
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF00...0xFFEF, 0x2103:
            true
        default:
            false
        }
    }
}
