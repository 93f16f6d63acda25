import Foundation
import OshiraseCore
import Yams

/// What one kind of YAML file may be: its size cap and how messages name it.
struct YAMLFileKind: Sendable {
    /// What the file should be, for messages: `playlist`, `config`.
    let noun: String
    /// Files and texts above this many bytes are refused before any YAML work.
    let maxBytes: Int
    /// Appended to the message for a file above `maxBytes`.
    let tooLargeAdvice: String

    /// The error for a text of `size` bytes, or nil when it is within the cap. One check for a
    /// file measured before it is read and for YAML handed in as text, so both refuse alike.
    func sizeProblem(_ size: Int, file: String) -> SourceErrors? {
        guard size > maxBytes else { return nil }
        return SourceErrors(errors: [SourceError(
            file: file, line: 1, column: 1,
            message: "the file is \(size / 1024) KiB, more than the \(maxBytes / 1024 / 1024) MiB a \(noun) may be\(tooLargeAdvice)")])
    }
}

/// The steps every YAML loader (playlists, the daemon's config) shares before it walks a file's
/// node tree: reading the file within a size cap, composing nodes that keep their positions, and
/// turning libyaml's complaints into `FILE:LINE:COL` errors a person can act on.
enum YAMLInput {
    /// The text of the file at `path`, or the one error that stops it being read.
    static func read(path: String, as kind: YAMLFileKind) throws(SourceErrors) -> String {
        func failure(_ message: String) -> SourceErrors {
            SourceErrors(errors: [SourceError(file: path, line: 1, column: 1, message: message)])
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw failure("is a folder, not a \(kind.noun) file")
        }
        // Checked before reading, so a huge file is never loaded into memory.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
           let problem = kind.sizeProblem(size, file: path) {
            throw problem
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure(FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw failure("the file is not UTF-8 text") }
        return text
    }

    /// The node tree of `yaml` (nil for an empty document) and the repeated keys found on the way.
    ///
    /// Yams stops at a repeated key; the key is set aside and the text parsed again, so the file's
    /// other problems are reported in the same run. Throws every error found so far when the text
    /// is not YAML at all.
    ///
    /// Parsing again is bounded by ``repeatedKeyBudget`` as well as by count: past it, the
    /// repeated keys found so far are reported and the rest of the file is not looked at.
    static func compose(_ yaml: String, file: String) throws(SourceErrors) -> (root: Node?, repeatedKeys: [SourceError]) {
        var text = yaml
        var repeatedKeys: [SourceError] = []
        var budget = repeatedKeyBudget
        for attempt in 0...20 {
            do {
                return (try Yams.compose(yaml: text), repeatedKeys)
            } catch {
                let problem = syntaxError(error, file: file)
                let size = text.utf8.count
                guard attempt < 20, size <= budget, case .duplicatedKeysInMapping(let names, _)? = error as? YamlError,
                      let name = names.first,
                      let neutral = setAside(key: name, line: problem.line, column: problem.column, in: text,
                                             as: setAsidePrefix + "\(attempt)") else {
                    throw SourceErrors(errors: repeatedKeys + [problem])
                }
                repeatedKeys.append(problem)
                budget -= size
                text = neutral
            }
        }
        throw SourceErrors(errors: repeatedKeys)  // not reached: the last attempt returns or throws
    }

    /// What a Japanese keyboard may have typed that YAML does not read as meant, on the given lines:
    /// a full-width space or colon, or a tab.
    static func typingHint(in error: Error, lines: [Int]) -> String? {
        let yaml: String
        switch error as? YamlError {
        case .scanner(_, _, _, let text), .parser(_, _, _, let text), .composer(_, _, _, let text): yaml = text
        default: return nil
        }
        let all = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let suspects = Set(lines).sorted().compactMap { $0 >= 1 && $0 <= all.count ? String(all[$0 - 1]) : nil }
        return typingHint(inLines: suspects)
    }

    static func typingHint(inLines lines: [String]) -> String? {
        if lines.contains(where: { $0.contains("\u{3000}") }) {
            return "the line has a full-width space (　), which YAML does not count as a space: type a normal space"
        }
        if lines.contains(where: { $0.contains("：") }) {
            return "a full-width colon (：) does not end a key: type ':' followed by a space"
        }
        if lines.contains(where: { $0.contains("\t") }) {
            return "the line has a tab: indent with spaces"
        }
        return nil
    }

    /// How many bytes of YAML may be parsed again to find further repeated keys. Enough to
    /// report each repeated key of a hand-written file (a few KiB) in one run, while a large file
    /// is not parsed twenty times over: the fuzzer found a 2.7 KiB config with fourteen repeated
    /// keys that took 1.3 s under ASan, and a 46 KiB one with 25 took 11 s against 0.5 s for one
    /// parse (fixtures/fuzz/regressions/site-config).
    static let repeatedKeyBudget = 32 * 1024

    /// Keys renamed after a "duplicate key" error; walkers ignore them on the second parse.
    static let setAsidePrefix = "__oshirase_repeated_key_"

    /// The YAML with the key at `line`:`column` renamed to `replacement`, or nil when it is not there.
    static func setAside(key: String, line: Int, column: Int, in yaml: String, as replacement: String) -> String? {
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard line >= 1, line <= lines.count, column >= 1 else { return nil }
        var scalars = Array(lines[line - 1].unicodeScalars)
        let keyScalars = Array(key.unicodeScalars)
        let start = column - 1
        guard start + keyScalars.count <= scalars.count, Array(scalars[start..<start + keyScalars.count]) == keyScalars else {
            return nil
        }
        scalars.replaceSubrange(start..<start + keyScalars.count, with: Array(replacement.unicodeScalars))
        lines[line - 1] = String(String.UnicodeScalarView(scalars))
        return lines.joined(separator: "\n")
    }

    static func syntax(_ problem: String, at mark: Mark, context: YamlError.Context?, file: String) -> SourceError {
        var message = "YAML syntax error: \(problem)"
        if let context {
            message += " (\(context.text) that starts at line \(context.mark.line), column \(context.mark.column))"
        }
        if problem.contains("mapping values are not allowed") {
            message += "; if the text itself contains ': ', put it in quotes: title: \"注意: 工事中です\""
        }
        return SourceError(file: file, line: max(mark.line, 1), column: max(mark.column, 1), message: message)
    }

    static func syntaxError(_ error: Error, file: String) -> SourceError {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // An unfinished construct (an unclosed quote or bracket, a key without its colon) is
            // noticed where libyaml gave up, often lines later: the mistake is where it began.
            let text = context?.text ?? ""
            let unfinished = text.contains("quoted scalar") || text.contains("flow") || text.contains("simple key")
                || problem.contains("end of stream")
            var found = syntax(problem, at: unfinished ? (context?.mark ?? mark) : mark, context: context, file: file)
            if let hint = typingHint(in: error, lines: [found.line, mark.line]) {
                found = SourceError(file: found.file, line: found.line, column: found.column, message: found.message + "; " + hint)
            }
            return found
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; the error belongs where the key is repeated.
            let name = duplicates.first ?? "?"
            let first = context.mark
            let line = repeatedKeyLine(name, after: first, in: context.text) ?? first.line
            return SourceError(file: file, line: max(line, 1), column: max(first.column, 1),
                                 message: "duplicate key '\(name)' in the same mapping (first at line \(first.line))")
        case .reader(let problem, _, _, _):
            return SourceError(file: file, line: 1, column: 1, message: "cannot read the file: \(problem)")
        default:
            return SourceError(file: file, line: 1, column: 1, message: "YAML error: \(error)")
        }
    }

    /// The line where `key`, first seen at `first`, occurs again in the same block mapping: the next
    /// line holding it at the same column, before a line indented less ends the mapping.
    static func repeatedKeyLine(_ key: String, after first: Mark, in yaml: String) -> Int? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count, first.column >= 1 else { return nil }
        for index in first.line..<lines.count {
            let scalars = Array(lines[index].unicodeScalars)
            let indent = scalars.prefix { $0 == " " }.count
            guard indent < scalars.count, scalars[indent] != "#", !scalars[indent].properties.isWhitespace else { continue }
            if indent + 1 < first.column { return nil }
            guard indent + 1 == first.column else { continue }
            let rest = String(String.UnicodeScalarView(scalars[indent...]))
            if rest.hasPrefix(key), String(rest.dropFirst(key.count)).trimmingWhitespace.hasPrefix(":") { return index + 1 }
        }
        return nil
    }
}

/// One pass over a file's node tree that collects every problem as it goes, instead of stopping
/// at the first: the typed accessors below report a wrong value at its node and return nil.
protocol NodeWalker {
    /// The file named in errors.
    var file: String { get }
    var errors: [SourceError] { get set }
}

extension NodeWalker {
    mutating func fail(_ node: Node?, _ message: String) {
        let mark = node?.mark
        errors.append(SourceError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    /// The errors sorted by position, as they are printed.
    /// The file's own problems first, in the order of the file; then those of files it names
    /// (a sensor's scenario), each file in its order.
    var sortedErrors: [SourceError] {
        errors.sorted { a, b in
            if a.file != b.file { return a.file == file || (b.file != file && a.file < b.file) }
            return (a.line, a.column) < (b.line, b.column)
        }
    }

    /// The key/value pairs of a mapping, after checking every key is one of `allowed`.
    mutating func fields(_ node: Node, _ what: String, allowed: [String]) -> [String: (key: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            let hint = node.scalar.flatMap { YAMLInput.typingHint(inLines: [$0.string]) }.map { "; " + $0 } ?? ""
            fail(node, "\(what) must be a mapping of keys (\(allowed.joined(separator: ", ")))\(hint)")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                fail(key, "keys in \(what) must be plain words")
                continue
            }
            if name.hasPrefix(YAMLInput.setAsidePrefix) { continue }  // a repeated key, already reported
            guard allowed.contains(name) else {
                if let hint = YAMLInput.typingHint(inLines: [name]) {
                    fail(key, "unknown key '\(name)' in \(what): \(hint)")
                    continue
                }
                var message = "unknown key '\(name)' in \(what)"
                if let guess = closest(name, in: allowed) { message += "; did you mean '\(guess)'?" }
                message += " (allowed: \(allowed.joined(separator: ", ")))"
                fail(key, message)
                continue
            }
            result[name] = (key, value)
        }
        return result
    }

    mutating func string(_ node: Node, _ what: String, allowEmpty: Bool = false) -> String? {
        guard let scalar = node.scalar else {
            fail(node, "\(what) must be text, not a \(node.mapping != nil ? "mapping" : "list")")
            return nil
        }
        // YAML's null (`~`, `null`, nothing) is no text, never the word itself.
        if scalar.style == .plain, ["~", "null", "Null", "NULL", ""].contains(scalar.string) {
            if allowEmpty { return "" }
            fail(node, "\(what) is empty")
            return nil
        }
        if !allowEmpty, scalar.string.trimmingWhitespace.isEmpty {
            fail(node, "\(what) is empty")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, _ what: String) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain, let n = Int(scalar.string) else {
            fail(node, "\(what) must be a whole number, e.g. 0, 10 or -1")
            return nil
        }
        return n
    }

    /// A whole number within `range`; the message names the range, and what is counted when
    /// `unit` says (`frames`, `stray bytes`).
    mutating func integer(_ node: Node, _ what: String, in range: ClosedRange<Int>, unit: String? = nil) -> Int? {
        let counted = unit.map { " of \($0)" } ?? ""
        guard let scalar = node.scalar, scalar.style == .plain, let n = Int(scalar.string) else {
            fail(node, "\(what) must be a whole number\(counted) from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        guard range.contains(n) else {
            fail(node, "\(what) \(n) is out of range: use \(range.lowerBound) to \(range.upperBound)\(unit.map { " \($0)" } ?? "")")
            return nil
        }
        return n
    }

    mutating func number(_ node: Node, _ what: String) -> Double? {
        guard let scalar = node.scalar, scalar.style == .plain, let n = Double(scalar.string), n.isFinite else {
            fail(node, "\(what) must be a number")
            return nil
        }
        return n
    }

    /// `true` or `false`, unquoted. YAML 1.1's other spellings (`yes`, `on`, `y`…) are refused:
    /// readers disagree about them, and an operator's `no` must not silently mean something.
    mutating func boolean(_ node: Node, _ what: String) -> Bool? {
        guard let scalar = node.scalar else {
            fail(node, "\(what) must be true or false, not a \(node.mapping != nil ? "mapping" : "list")")
            return nil
        }
        let text = scalar.string
        if scalar.style == .plain {
            switch text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            case "~", "null", "Null", "NULL", "":
                fail(node, "\(what) is empty: write true or false")
                return nil
            default: break
            }
        }
        if ["true", "false"].contains(text.lowercased().trimmingWhitespace) {
            fail(node, "\(what) must be true or false without quotes (\"\(text)\" is text)")
        } else {
            fail(node, "\(what) must be true or false, not '\(text)'")
        }
        return nil
    }

    mutating func list(_ node: Node, _ what: String, example: String) -> [Node]? {
        if let sequence = node.sequence { return Array(sequence) }
        fail(node, "\(what) must be a list, \(example)")
        return nil
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, _ type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, what) else { return nil }
        if let value = T(rawValue: text) { return value }
        let allowed = T.allCases.map(\.rawValue)
        var message = "unknown \(what) '\(text)' (expected one of: \(allowed.joined(separator: ", ")))"
        if let guess = closest(text, in: allowed) { message = "unknown \(what) '\(text)'; did you mean '\(guess)'? (expected one of: \(allowed.joined(separator: ", ")))" }
        fail(node, message)
        return nil
    }

    mutating func parsed<T>(_ node: Node, _ what: String, _ parse: (String) -> Result<T, ValueParsers.Message>) -> T? {
        guard let text = string(node, what) else { return nil }
        switch parse(text) {
        case .success(let value): return value
        case .failure(let message):
            fail(node, message.text)
            return nil
        }
    }

    /// Weekday names (`[mon, tue]`), with a suggestion for a misspelt one.
    mutating func weekdays(_ node: Node, emptyMessage: String) -> Set<Weekday>? {
        guard let nodes = list(node, "days", example: "e.g. [mon, tue]") else { return nil }
        if nodes.isEmpty { fail(node, emptyMessage) }
        var days = Set<Weekday>()
        for n in nodes {
            guard let text = string(n, "weekday") else { continue }
            if let day = Weekday(rawValue: text.lowercased()) {
                days.insert(day)
            } else {
                let names = Weekday.allCases.map(\.rawValue)
                var message = "unknown weekday '\(text)'"
                if let guess = closest(text.lowercased(), in: names) ?? names.first(where: { text.lowercased().hasPrefix($0) }) {
                    message += "; did you mean '\(guess)'?"
                }
                fail(n, message + " (use mon, tue, wed, thu, fri, sat, sun)")
            }
        }
        return days
    }

    /// An IANA time zone name.
    mutating func timeZone(_ node: Node) -> TimeZone? {
        guard let id = string(node, "timezone") else { return nil }
        if let zone = TimeZone(identifier: id) { return zone }
        fail(node, "unknown timezone '\(id)' (use an IANA name such as Asia/Tokyo or Europe/Berlin)")
        return nil
    }
}

/// The allowed word nearest to a typo, when it is close enough to be a likely intent.
func closest(_ word: String, in candidates: [String]) -> String? {
    /// Edits between two words, an adjacent transposition (titel → title) counting as one.
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
    let w = Array(word.lowercased())
    let best = candidates.map { ($0, distance(w, Array($0))) }.min { $0.1 < $1.1 }
    guard let best, best.1 > 0, best.1 <= max(1, w.count / 3) else { return nil }
    return best.0
}
