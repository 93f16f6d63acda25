import Foundation
public import OshiraseCore
public import OshiraseImaging
import Yams

/// The display profiles every box knows.
public let builtInProfileNames = ["lcd-1080p", "dsign-clean", "led-vision"]

/// Reads playlist files (docs/playlists.md) into `Playlist` values, reporting every problem in a
/// file at once with its line and column.
public struct PlaylistLoader: Sendable {
    /// Profile names a `displays:` list may use.
    package var knownProfiles: [String]
    /// Whether image files are decoded to prove they can be shown (validate does; tests may not).
    public var checksImages: Bool
    package var maxImagePixels: Int
    /// Checks text that will be shown (names, titles, bodies, footers, tickers); a message makes it
    /// an error at the text's position. The command line checks that the display font can draw it.
    public var checkText: (@Sendable (String) -> String?)?
    /// When true (playback), an item whose image is missing or cannot be decoded is left out and
    /// reported in `skipped`; when false (validation), it is an error.
    package var skipsBrokenAssets: Bool
    /// A group's published set (`oshirase publish`): an image must be written relative to the
    /// playlist's folder, without `..`, and reached through no symbolic link, so that the same
    /// reference finds it among the set's files on every box.
    package var assetsInsideFolder = false

    public init(knownProfiles: [String] = builtInProfileNames, checksImages: Bool = true,
                maxImagePixels: Int = ImageDecoder.defaultMaxPixels, skipsBrokenAssets: Bool = false) {
        self.knownProfiles = knownProfiles
        self.checksImages = checksImages
        self.maxImagePixels = maxImagePixels
        self.skipsBrokenAssets = skipsBrokenAssets
    }

    /// Playlist files above this size are refused before they are read (about 50,000 items).
    package static let maxFileBytes = 4 * 1024 * 1024

    static let fileKind = YAMLFileKind(noun: "playlist", maxBytes: maxFileBytes,
                                       tooLargeAdvice: "; split it into several playlists")

    /// Loads one file; throws `SourceErrors` with every problem found.
    public func load(path: String) throws(SourceErrors) -> Playlist {
        try loadForPlayback(path: path).playlist
    }

    /// Loads one file; with `skipsBrokenAssets`, items whose image cannot be shown come back in `skipped`.
    package func loadForPlayback(path: String) throws(SourceErrors) -> (playlist: Playlist, skipped: [SourceError]) {
        let text = try YAMLInput.read(path: path, as: PlaylistLoader.fileKind)
        return try parseForPlayback(yaml: text, path: path)
    }

    /// Parses playlist YAML; `path` names the file in errors and anchors relative image paths.
    /// Text over ``maxFileBytes`` is refused as a file of that size would be.
    public func parse(yaml: String, path: String) throws(SourceErrors) -> Playlist {
        try parseForPlayback(yaml: yaml, path: path).playlist
    }

    func parseForPlayback(yaml: String, path: String) throws(SourceErrors) -> (playlist: Playlist, skipped: [SourceError]) {
        if let problem = PlaylistLoader.fileKind.sizeProblem(yaml.utf8.count, file: path) { throw problem }
        let (root, repeatedKeys) = try YAMLInput.compose(yaml, file: path)
        guard let root else {
            throw SourceErrors(errors: [SourceError(file: path, line: 1, column: 1,
                                                        message: "the file is empty: a playlist needs name and items")])
        }
        var walker = Walker(file: path, loader: self)
        walker.errors = repeatedKeys
        let playlist = walker.playlist(root)
        if let playlist, walker.errors.isEmpty { return (playlist, walker.skipped) }
        throw SourceErrors(errors: walker.sortedErrors)
    }
}

/// One pass over a file's node tree, collecting errors as it goes.
private struct Walker: NodeWalker {
    let file: String
    let loader: PlaylistLoader
    var errors: [SourceError] = []
    /// Items left out because their asset cannot be shown (playback mode only).
    var skipped: [SourceError] = []

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
            skipped.append(SourceError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
        } else {
            fail(node, message)
        }
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

    // MARK: The playlist

    mutating func playlist(_ root: Node) -> Playlist? {
        let keys = ["name", "timezone", "displays", "layout", "defaults", "items"]
        guard let f = fields(root, "the playlist", allowed: keys) else { return nil }

        var name: String?
        if let n = f["name"] { name = text(n.value, "name") } else { fail(root, "missing required key 'name'") }

        var zone = TimeZone.tokyo
        if let tz = f["timezone"], let z = timeZone(tz.value) { zone = z }

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
        let keys = ["id", "duration", "priority", "schedule", "zone", "fit", "speed", "fallback"] + contentKeys
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

        var fallback = false
        if let fb = f["fallback"], let value = boolean(fb.value, "fallback") { fallback = value }

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
        return Item(id: id, content: content, duration: duration, priority: priority, schedule: schedule, zone: zone,
                    fallback: fallback)
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
            if loader.assetsInsideFolder {
                let levels = relative.split(separator: "/", omittingEmptySubsequences: false)
                if relative.hasPrefix("/") || levels.contains("..") {
                    fail(node, "image \(relative): in a published set, write it relative to the playlist's folder, without '..'")
                    return nil
                }
                let lexical = baseDirectory.appendingPathComponent(relative).standardized
                if lexical.resolvingSymlinksInPath().path != lexical.path {
                    fail(node, "image \(relative): a symbolic link (or inside one); in a published set, put the file itself there")
                    return nil
                }
            }
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
        if let d = s["days"] { result.days = weekdays(d.value, emptyMessage: "days is empty: the item would never play") }
        if let t = s["time"] { result.time = parsed(t.value, "time", ValueParsers.timeWindow) }
        if let d = s["dates"] { result.dates = parsed(d.value, "dates", ValueParsers.dateRange) }
        return result
    }
}
