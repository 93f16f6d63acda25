import Foundation
import OshiraseCore
import OshiraseImaging
import Yams

/// The display profiles every box knows.
public let builtInProfileNames = ["lcd-1080p", "dsign-clean", "led-vision"]

/// Reads playlist files (PRODUCT.md §5) into `Playlist` values, reporting every problem in a
/// file at once with its line and column.
public struct PlaylistLoader: Sendable {
    /// Profile names a `displays:` list may use.
    public var knownProfiles: [String]
    /// Whether image files are decoded to prove they can be shown (validate does; tests may not).
    public var checksImages: Bool
    public var maxImagePixels: Int
    /// Checks text that will be shown (names, titles, bodies, footers, tickers); a message makes it
    /// an error at the text's position. The command line checks that the display font can draw it.
    public var checkText: (@Sendable (String) -> String?)?
    /// When true (playback), an item whose image is missing or cannot be decoded is left out and
    /// reported in `skipped`; when false (validation), it is an error.
    public var skipsBrokenAssets: Bool

    public init(knownProfiles: [String] = builtInProfileNames, checksImages: Bool = true,
                maxImagePixels: Int = ImageDecoder.defaultMaxPixels, skipsBrokenAssets: Bool = false) {
        self.knownProfiles = knownProfiles
        self.checksImages = checksImages
        self.maxImagePixels = maxImagePixels
        self.skipsBrokenAssets = skipsBrokenAssets
    }

    /// Playlist files above this size are refused before they are read (about 50,000 items).
    public static let maxFileBytes = 4 * 1024 * 1024

    /// Loads one file; throws `PlaylistErrors` with every problem found.
    public func load(path: String) throws(PlaylistErrors) -> Playlist {
        try loadForPlayback(path: path).playlist
    }

    /// Loads one file; with `skipsBrokenAssets`, items whose image cannot be shown come back in `skipped`.
    public func loadForPlayback(path: String) throws(PlaylistErrors) -> (playlist: Playlist, skipped: [PlaylistError]) {
        func failure(_ message: String) -> PlaylistErrors {
            PlaylistErrors(errors: [PlaylistError(file: path, line: 1, column: 1, message: message)])
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw failure("is a folder, not a playlist file")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
           size > PlaylistLoader.maxFileBytes {
            throw failure("the file is \(size / 1024) KiB, more than the \(PlaylistLoader.maxFileBytes / 1024 / 1024) MiB a playlist may be; split it into several playlists")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw PlaylistErrors(errors: [PlaylistError(file: path, line: 1, column: 1, message: reason)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PlaylistErrors(errors: [PlaylistError(file: path, line: 1, column: 1,
                                                        message: "the file is not UTF-8 text")])
        }
        return try parseForPlayback(yaml: text, path: path)
    }

    /// Parses playlist YAML; `path` names the file in errors and anchors relative image paths.
    public func parse(yaml: String, path: String) throws(PlaylistErrors) -> Playlist {
        try parseForPlayback(yaml: yaml, path: path).playlist
    }

    func parseForPlayback(yaml: String, path: String) throws(PlaylistErrors) -> (playlist: Playlist, skipped: [PlaylistError]) {
        var walker = Walker(file: path, loader: self)
        var root: Node?
        var text = yaml
        var repeatedKeys: [PlaylistError] = []
        // Yams stops at a repeated key; set it aside and parse again, so the file's other problems
        // are reported in the same run.
        for attempt in 0...20 {
            do {
                root = try Yams.compose(yaml: text)
                break
            } catch {
                let problem = walker.syntaxError(error)
                guard attempt < 20, case .duplicatedKeysInMapping(let names, _)? = error as? YamlError,
                      let name = names.first,
                      let neutral = Walker.setAside(key: name, line: problem.line, column: problem.column, in: text,
                                                    as: Walker.setAsidePrefix + "\(attempt)") else {
                    throw PlaylistErrors(errors: repeatedKeys + [problem])
                }
                repeatedKeys.append(problem)
                text = neutral
            }
        }
        walker.errors = repeatedKeys
        guard let root else {
            throw PlaylistErrors(errors: [PlaylistError(file: path, line: 1, column: 1,
                                                        message: "the file is empty: a playlist needs name and items")])
        }
        let playlist = walker.playlist(root)
        if let playlist, walker.errors.isEmpty { return (playlist, walker.skipped) }
        throw PlaylistErrors(errors: walker.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
    }
}

/// One pass over a file's node tree, collecting errors as it goes.
private struct Walker {
    let file: String
    let loader: PlaylistLoader
    var errors: [PlaylistError] = []
    /// Items left out because their asset cannot be shown (playback mode only).
    var skipped: [PlaylistError] = []

    init(file: String, loader: PlaylistLoader) {
        self.file = file
        self.loader = loader
    }

    /// The folder image paths are relative to, as an absolute URL.
    var baseDirectory: URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        return URL(fileURLWithPath: file, relativeTo: cwd).absoluteURL.deletingLastPathComponent()
    }

    /// An asset problem: an error when validating, a skipped item during playback.
    mutating func assetProblem(_ node: Node, _ message: String) {
        if loader.skipsBrokenAssets {
            let mark = node.mark
            skipped.append(PlaylistError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
        } else {
            fail(node, message)
        }
    }

    mutating func fail(_ node: Node?, _ message: String) {
        let mark = node?.mark
        errors.append(PlaylistError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
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

    /// Keys renamed after a "duplicate key" error; they are ignored on the second parse.
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

    func syntax(_ problem: String, at mark: Mark, context: YamlError.Context?) -> PlaylistError {
        var message = "YAML syntax error: \(problem)"
        if let context {
            message += " (\(context.text) that starts at line \(context.mark.line), column \(context.mark.column))"
        }
        if problem.contains("mapping values are not allowed") {
            message += "; if the text itself contains ': ', put it in quotes: title: \"注意: 工事中です\""
        }
        return PlaylistError(file: file, line: max(mark.line, 1), column: max(mark.column, 1), message: message)
    }

    func syntaxError(_ error: Error) -> PlaylistError {
        func at(_ mark: Mark, _ text: String) -> PlaylistError {
            PlaylistError(file: file, line: max(mark.line, 1), column: max(mark.column, 1), message: text)
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // An unfinished construct (an unclosed quote or bracket, a key without its colon) is
            // noticed where libyaml gave up, often lines later: the mistake is where it began.
            let text = context?.text ?? ""
            let unfinished = text.contains("quoted scalar") || text.contains("flow") || text.contains("simple key")
                || problem.contains("end of stream")
            var found = syntax(problem, at: unfinished ? (context?.mark ?? mark) : mark, context: context)
            if let hint = Walker.typingHint(in: error, lines: [found.line, mark.line]) {
                found = PlaylistError(file: found.file, line: found.line, column: found.column, message: found.message + "; " + hint)
            }
            return found
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; the error belongs where the key is repeated.
            let name = duplicates.first ?? "?"
            let first = context.mark
            let line = repeatedKeyLine(name, after: first, in: context.text) ?? first.line
            return PlaylistError(file: file, line: max(line, 1), column: max(first.column, 1),
                                 message: "duplicate key '\(name)' in the same mapping (first at line \(first.line))")
        case .reader(let problem, _, _, _):
            return PlaylistError(file: file, line: 1, column: 1, message: "cannot read the file: \(problem)")
        default:
            return PlaylistError(file: file, line: 1, column: 1, message: "YAML error: \(error)")
        }
    }

    /// The line where `key`, first seen at `first`, occurs again in the same block mapping: the next
    /// line holding it at the same column, before a line indented less ends the mapping.
    func repeatedKeyLine(_ key: String, after first: Mark, in yaml: String) -> Int? {
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

    // MARK: Typed accessors

    /// The key/value pairs of a mapping, after checking every key is one of `allowed`.
    mutating func fields(_ node: Node, _ what: String, allowed: [String]) -> [String: (key: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            let hint = node.scalar.flatMap { Walker.typingHint(inLines: [$0.string]) }.map { "; " + $0 } ?? ""
            fail(node, "\(what) must be a mapping of keys (\(allowed.joined(separator: ", ")))\(hint)")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                fail(key, "keys in \(what) must be plain words")
                continue
            }
            if name.hasPrefix(Walker.setAsidePrefix) { continue }  // a repeated key, already reported
            guard allowed.contains(name) else {
                if let hint = Walker.typingHint(inLines: [name]) {
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

    /// The most characters each kind of text may have: more never fits a screen (a body is cut
    /// with an ellipsis long before) and a ticker would take hours to pass.
    static let textLimits = ["name": 200, "title": 200, "footer": 200, "body": 4000, "ticker": 1000]

    /// Text shown on screen: a string within its length limit that also passes the loader's
    /// `checkText` (font coverage).
    mutating func text(_ node: Node, _ what: String, allowEmpty: Bool = false) -> String? {
        guard let value = string(node, what, allowEmpty: allowEmpty) else { return nil }
        if let limit = Walker.textLimits[what], value.count > limit {
            fail(node, "\(what) is \(value.count) characters, more than the \(limit) a screen can show; split it into several items")
            return nil
        }
        if let problem = loader.checkText?(value) {
            fail(node, "\(what) \(problem)")
            return nil
        }
        return value
    }

    /// An item id: it names timeline lines, log entries and demo files, so it is one word of
    /// letters (any script), digits, '-', '_' and '.', not starting with '.'.
    mutating func itemID(_ node: Node) -> String? {
        guard let value = string(node, "id") else { return nil }
        let allowed = value.unicodeScalars.allSatisfy { s in
            s.properties.isAlphabetic || s.properties.numericType != nil || "-_.".unicodeScalars.contains(s)
        }
        guard allowed, !value.hasPrefix("."), value.count <= 64 else {
            fail(node, "id '\(value)' must be one word of at most 64 letters, digits, '-', '_' and '.', not starting with '.' (ids name timeline lines and files)")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ what: String) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain, let n = Int(scalar.string) else {
            fail(node, "\(what) must be a whole number, e.g. 0, 10 or -1")
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

    // MARK: The playlist

    mutating func playlist(_ root: Node) -> Playlist? {
        let keys = ["name", "timezone", "displays", "layout", "defaults", "items"]
        guard let f = fields(root, "the playlist", allowed: keys) else { return nil }

        var name: String?
        if let n = f["name"] { name = text(n.value, "name") } else { fail(root, "missing required key 'name'") }

        var zone = TimeZone.tokyo
        if let tz = f["timezone"], let id = string(tz.value, "timezone") {
            if let z = TimeZone(identifier: id) { zone = z } else {
                fail(tz.value, "unknown timezone '\(id)' (use an IANA name such as Asia/Tokyo or Europe/Berlin)")
            }
        }

        var displays: [String]?
        if let d = f["displays"], let nodes = list(d.value, "displays", example: "e.g. [lcd-1080p, dsign-clean]") {
            if nodes.isEmpty { fail(d.value, "displays is empty: leave it out to serve every profile") }
            displays = nodes.compactMap { node in
                guard let p = string(node, "profile") else { return nil }
                guard loader.knownProfiles.contains(p) else {
                    var message = "unknown profile '\(p)'"
                    if let guess = closest(p, in: loader.knownProfiles) { message += "; did you mean '\(guess)'?" }
                    fail(node, message + " (known: \(loader.knownProfiles.joined(separator: ", ")))")
                    return nil
                }
                return p
            }
        }

        var layout = Layout.full
        if let l = f["layout"], let value = choice(l.value, "layout", Layout.self) { layout = value }

        var defaultDuration = 10
        if let d = f["defaults"], let df = fields(d.value, "defaults", allowed: ["duration"]),
           let dur = df["duration"], let seconds = parsed(dur.value, "duration", ValueParsers.duration) {
            defaultDuration = seconds
        }

        var items: [Item] = []
        if let i = f["items"] {
            if let nodes = list(i.value, "items", example: "one entry per item, each starting with '- id:'") {
                if nodes.isEmpty { fail(i.value, "items is empty: a playlist needs at least one item") }
                var firstUse: [String: Int] = [:]
                for node in nodes {
                    let parsed = item(node, defaultDuration: defaultDuration, layout: layout)
                    // Checked on the id node itself, so an item with other problems is checked too.
                    if let idNode = node.mapping?["id"], let id = idNode.scalar?.string, !id.trimmingWhitespace.isEmpty {
                        if let line = firstUse[id] {
                            fail(idNode, "duplicate id '\(id)' (first used at line \(line))")
                            continue
                        }
                        firstUse[id] = idNode.mark?.line ?? 0
                    }
                    if let parsed { items.append(parsed) }
                }
            }
        } else {
            fail(root, "missing required key 'items'")
        }
        guard let name, errors.isEmpty else { return nil }
        return Playlist(name: name, path: file, timeZone: zone, displays: displays, layout: layout, items: items)
    }

    mutating func item(_ node: Node, defaultDuration: Int, layout: Layout) -> Item? {
        let contentKeys = ["announcement", "image", "ticker", "clock"]
        let keys = ["id", "duration", "priority", "schedule", "zone", "fit", "speed"] + contentKeys
        guard let f = fields(node, "an item", allowed: keys) else { return nil }
        let before = errors.count

        var id: String?
        if let n = f["id"] { id = itemID(n.value) } else { fail(node, "item is missing its 'id'") }

        var duration = defaultDuration
        if let d = f["duration"], let s = parsed(d.value, "duration", ValueParsers.duration) { duration = s }

        var priority = 0
        if let p = f["priority"], let n = integer(p.value, "priority") { priority = n }

        var zone = Zone.main
        if let z = f["zone"], let value = choice(z.value, "zone", Zone.self) {
            zone = value
            if value == .ticker, layout == .full {
                fail(z.value, "zone 'ticker' needs 'layout: main+ticker' in this playlist")
            }
        }

        var schedule = Schedule.always
        if let s = f["schedule"] { schedule = self.schedule(s.value) ?? .always }

        let present = contentKeys.filter { f[$0] != nil }.sorted { a, b in
            let ma = f[a]?.key.mark, mb = f[b]?.key.mark
            return (ma?.line ?? 0, ma?.column ?? 0) < (mb?.line ?? 0, mb?.column ?? 0)
        }
        var content: Content?
        if present.isEmpty {
            fail(node, "item \(id.map { "'\($0)' " } ?? "")needs one of: \(contentKeys.joined(separator: ", "))")
        } else if present.count > 1, let second = f[present[1]] {
            fail(second.key, "an item shows one thing: it has both '\(present[0])' and '\(present[1])'")
        } else if let kind = present.first, let entry = f[kind] {
            content = self.content(kind, entry.value, key: entry.key, fields: f)
        }
        for (key, owner) in [("fit", "image"), ("speed", "ticker")] where f[key] != nil && present.first != owner {
            if let k = f[key]?.key { fail(k, "'\(key)' applies only to \(owner) items") }
        }

        guard errors.count == before, let id, let content else { return nil }
        return Item(id: id, content: content, duration: duration, priority: priority, schedule: schedule, zone: zone)
    }

    /// - Parameters:
    ///   - node: the content's value; `key` is its key (`announcement:`…), where missing parts are reported.
    mutating func content(_ kind: String, _ node: Node, key: Node, fields f: [String: (key: Node, value: Node)]) -> Content? {
        switch kind {
        case "announcement":
            guard let a = fields(node, "announcement", allowed: ["category", "title", "body", "footer", "qr"]) else { return nil }
            var category = Category.info
            if let c = a["category"], let value = choice(c.value, "category", Category.self) { category = value }
            var title: String?
            if let t = a["title"] { title = text(t.value, "title") } else { fail(key, "announcement is missing its 'title'") }
            let body = a["body"].flatMap { text($0.value, "body", allowEmpty: true) } ?? ""
            let footer = a["footer"].flatMap { text($0.value, "footer") }
            var qr: String?
            if let q = a["qr"], let url = string(q.value, "qr") {
                if url.utf8.count > 1000 {
                    fail(q.value, "qr text is \(url.utf8.count) bytes; a QR code readable from a distance holds at most 1000")
                } else if !ValueParsers.isAddress(url) {
                    fail(q.value, "qr '\(url)' is not a full address: a phone opens it only with its scheme, e.g. https://www.city.sapporo.jp/mynumber/")
                } else {
                    qr = url
                }
            }
            guard let title else { return nil }
            return .announcement(Announcement(category: category, title: title, body: body, footer: footer, qr: qr))
        case "image":
            guard let relative = string(node, "image") else { return nil }
            var fit = ImageFit.contain
            if let fn = f["fit"], let value = choice(fn.value, "fit", ImageFit.self) { fit = value }
            let url = relative.hasPrefix("/") ? URL(fileURLWithPath: relative)
                : baseDirectory.appendingPathComponent(relative).standardized
            guard FileManager.default.fileExists(atPath: url.path) else {
                assetProblem(node, "image file not found: \(relative) (looked for \(url.path))")
                return nil
            }
            if loader.checksImages {
                do {
                    _ = try ImageDecoder.decodeFile(atPath: url.path, maxPixels: loader.maxImagePixels)
                } catch {
                    assetProblem(node, "image \(relative) cannot be shown: \(error)")
                    return nil
                }
            }
            return .image(path: url.path, fit: fit)
        case "ticker":
            guard let text = text(node, "ticker") else { return nil }
            var speed = 0.0
            if let s = f["speed"], let v = number(s.value, "speed") {
                if v <= 0 || v > 2000 { fail(s.value, "speed must be between 1 and 2000 pixels per second") } else { speed = v }
            }
            return .ticker(text: text, speed: speed)
        case "clock":
            guard let pattern = parsed(node, "clock", ValueParsers.clockPattern) else { return nil }
            if let problem = loader.checkText?(ValueParsers.clockLiterals(pattern)) {
                fail(node, "clock \(problem)")
                return nil
            }
            return .clock(format: pattern)
        default:
            return nil
        }
    }

    mutating func schedule(_ node: Node) -> Schedule? {
        guard let s = fields(node, "schedule", allowed: ["days", "time", "dates"]) else { return nil }
        var result = Schedule()
        if let d = s["days"], let nodes = list(d.value, "days", example: "e.g. [mon, tue]") {
            if nodes.isEmpty { fail(d.value, "days is empty: the item would never play") }
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
            result.days = days
        }
        if let t = s["time"] { result.time = parsed(t.value, "time", ValueParsers.timeWindow) }
        if let d = s["dates"] { result.dates = parsed(d.value, "dates", ValueParsers.dateRange) }
        return result
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
