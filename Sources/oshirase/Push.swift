import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseCommandLine
import OshiraseCore
import OshiraseConfig
import OshiraseHTTPClient
import OshiraseSigning

// `oshirase push` and `oshirase cancel`: city hall's tools (PRODUCT.md §8–§9, docs/push.md).
// A CAP 1.2 document, read from a file or composed from options, is checked with the same parser
// the boxes use, signed anew for every attempt, and sent to every box at once on libcurl.

/// The options `push` and `cancel` share: where to send, with which key, and how patiently.
struct SendingOptions: ParsableArguments {
    @Option(name: .customLong("to"), parsing: .upToNextOption,
            help: ArgumentHelp("Boxes to send to: http://HOST:PORT (the path /v1/alerts is added when none is given). Repeat --to or list several after one.",
                               valueName: "URL"))
    var targets: [String] = []

    @Option(help: ArgumentHelp("The private key file written by `oshirase keygen` (NAME.key).", valueName: "FILE"))
    var key: String

    @Option(help: ArgumentHelp("The journal of what was sent; default $XDG_STATE_HOME/oshirase/sent.jsonl (~/.local/state/oshirase/sent.jsonl).",
                               valueName: "FILE"))
    var journal: String?

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Longest wait for a connection to one box.", valueName: "DURATION"))
    var connectTimeout = "5s"

    @Option(help: ArgumentHelp("Longest time for one attempt at one box, answer included.", valueName: "DURATION"))
    var timeout = "20s"

    @Option(help: ArgumentHelp("Further attempts when a box cannot be reached or answers 5xx (0–5).", valueName: "N"))
    var retries = 2

    @Option(help: ArgumentHelp("For https:// boxes: trust the CA certificates in this PEM file (e.g. the city's own CA) instead of the system's.",
                               valueName: "FILE"))
    var cacert: String?

    /// The fan-out limits from the options.
    func fanOutOptions() throws -> HTTPFanOutOptions {
        var options = HTTPFanOutOptions()
        options.connectTimeout = try parseDuration(connectTimeout, option: "--connect-timeout", range: 0.1...300)
        options.totalTimeout = try parseDuration(timeout, option: "--timeout", range: 0.1...600)
        guard (0...5).contains(retries) else { throw ValidationError("--retries \(retries) is out of range; use 0 to 5") }
        options.retries = retries
        options.userAgent = "oshirase-push"
        if let cacert {
            if let problem = CertificateFile.problem(cacert) { throw ValidationError("--cacert: \(problem)") }
            options.caFile = cacert
        }
        return options
    }

    /// The journal's path: --journal, else under $XDG_STATE_HOME, else ~/.local/state.
    func journalPath() throws -> String {
        if let journal, !journal.isEmpty { return journal }
        let environment = ProcessInfo.processInfo.environment
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/oshirase/sent.jsonl"
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else {
            throw ValidationError("neither XDG_STATE_HOME nor HOME is set; give the journal with --journal FILE")
        }
        return home + "/.local/state/oshirase/sent.jsonl"
    }
}

/// `oshirase push`: signs a CAP 1.2 alert and sends it to every box given.
struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign a CAP 1.2 alert and send it to boxes: from a file, or composed from options.",
        discussion: """
            With CAP_FILE the file is checked and sent as it is. Without it, an alert is composed \
            from the options; for several languages give --lang, --title and --body once per \
            language, paired in order: --lang ja-JP --title 避難指示 --body … --lang en-US --title \
            "Evacuation order" --body …. Exit status 0 only when every box answered 2xx. \
            See docs/push.md.
            """)

    @OptionGroup var sending: SendingOptions

    @Argument(help: ArgumentHelp("A CAP 1.2 document to send as it is (at most 1 MiB).", valueName: "CAP_FILE"))
    var capFile: String?

    @Option(help: ArgumentHelp("The language of the next info block (default ja-JP).", valueName: "LANG"))
    var lang: [String] = []
    @Option(help: ArgumentHelp("The headline, once per language.", valueName: "TEXT"))
    var title: [String] = []
    @Option(help: ArgumentHelp("The text shown under the headline, once per language.", valueName: "TEXT"))
    var body: [String] = []
    @Option(help: ArgumentHelp("What to do, once per language (optional).", valueName: "TEXT"))
    var instruction: [String] = []
    @Option(help: ArgumentHelp("The event (e.g. 避難指示): once for all languages or once per language; default the title.",
                               valueName: "TEXT"))
    var event: [String] = []
    @Option(help: ArgumentHelp("Extreme, Severe (default), Moderate, Minor or Unknown.", valueName: "SEVERITY"))
    var severity: String?
    @Option(help: ArgumentHelp("Immediate (default), Expected, Future, Past or Unknown.", valueName: "URGENCY"))
    var urgency: String?
    @Option(help: ArgumentHelp("Observed (default), Likely, Possible, Unlikely or Unknown.", valueName: "CERTAINTY"))
    var certainty: String?
    @Option(help: ArgumentHelp("CAP category: Safety (default), Geo, Met, Fire, Health, …", valueName: "CATEGORY"))
    var category: String?
    @Option(name: .customLong("response"),
            help: ArgumentHelp("CAP responseType, e.g. Evacuate or Shelter (optional).", valueName: "TYPE"))
    var responseType: String?
    @Option(help: ArgumentHelp("Actual (default), Exercise or Test.", valueName: "STATUS"))
    var status: String?
    @Option(help: ArgumentHelp("How long the alert stays, from now: 30m, 2h, 1d, 1h30m.", valueName: "DURATION"))
    var expires: String?
    @Option(help: ArgumentHelp("The CAP sender; default the key id.", valueName: "SENDER"))
    var sender: String?
    @Option(name: .customLong("sender-name"), help: ArgumentHelp("The sender's name shown with the alert, e.g. 札幌市危機管理局.", valueName: "NAME"))
    var senderName: String?
    @Option(name: .customLong("area-circle"),
            help: ArgumentHelp("An area as 'LAT,LON RADIUS_KM', e.g. \"43.06,141.35 5\" (repeatable).", valueName: "CIRCLE"))
    var areaCircles: [String] = []
    @Option(name: .customLong("area-polygon"),
            help: ArgumentHelp("An area as 'LAT,LON LAT,LON …', closed (first pair repeated last; repeatable).", valueName: "POLYGON"))
    var areaPolygons: [String] = []
    @Option(name: .customLong("area-desc"),
            help: ArgumentHelp("The area's description, once for all languages or once per language (default 対象地域).", valueName: "TEXT"))
    var areaDesc: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Print the CAP document and send nothing.")
    var dryRun = false

    func validate() throws {
        try checkTargets(sending.targets, required: !dryRun)
        let composing = !(title.isEmpty && body.isEmpty && lang.isEmpty)
        if capFile != nil && composing {
            throw ValidationError("give either CAP_FILE or --title/--body, not both")
        }
        if capFile != nil {
            // A file is sent as it is: an option that would change it must not pass unnoticed.
            let given: [(String, Bool)] = [
                ("--instruction", !instruction.isEmpty), ("--event", !event.isEmpty), ("--severity", severity != nil),
                ("--urgency", urgency != nil), ("--certainty", certainty != nil), ("--category", category != nil),
                ("--response", responseType != nil), ("--status", status != nil), ("--expires", expires != nil),
                ("--sender", sender != nil), ("--sender-name", senderName != nil), ("--area-circle", !areaCircles.isEmpty),
                ("--area-polygon", !areaPolygons.isEmpty), ("--area-desc", !areaDesc.isEmpty),
            ]
            let ignored = given.filter(\.1).map(\.0)
            if !ignored.isEmpty {
                throw ValidationError("\(ignored.joined(separator: ", ")) only \(ignored.count == 1 ? "applies" : "apply") when composing with --title/--body; a CAP file is sent exactly as it is: change the file instead")
            }
        }
        if capFile == nil && !composing {
            throw ValidationError("nothing to send: give a CAP file, or --title and --body")
        }
    }

    func run() throws {
        let options = try sending.fanOutOptions()
        let key = try KeyFiles.loadSigningKey(path: sending.key)
        let document: [UInt8]
        if let capFile {
            document = try readCAPFile(capFile, consequence: "nothing was sent").bytes
        } else {
            document = try compose(key: key, now: Date())
        }
        let alert: CAPAlert
        do {
            alert = try CAPParser.parse(document)
        } catch {
            throw ValidationError("the alert composed from the options is not valid CAP: "
                                  + error.errors.prefix(3).map(\.description).joined(separator: "; "))
        }
        if dryRun {
            print(String(decoding: document, as: UTF8.self), terminator: document.last == 0x0A ? "" : "\n")
            return
        }
        let entry = JournalEntry(alert: alert, keyID: key.keyID)
        try sendSigned(document, entry: entry, key: key, options: options, targets: sending.targets,
                       journalPath: try sending.journalPath(), what: "alert")
    }

    /// The alert the options describe, as CAP 1.2 XML.
    func compose(key: SigningKey, now: Date) throws -> [UInt8] {
        let blocks = lang.isEmpty ? 1 : lang.count
        let languages = lang.isEmpty ? ["ja-JP"] : lang
        guard title.count == blocks, body.count == blocks else {
            throw ValidationError(lang.count > 1
                ? "\(lang.count) --lang, \(title.count) --title and \(body.count) --body: give one --title and one --body per --lang, in the same order"
                : "give one --title and one --body (for several languages, one of each per --lang)")
        }
        for language in languages where !LanguageTag.isValid(language) {
            throw ValidationError("--lang '\(language)' is not a language tag such as ja-JP or en-US")
        }
        let events = try perBlock(event, option: "--event", blocks: blocks) ?? title
        let instructions = try perBlock(instruction, option: "--instruction", blocks: blocks, allowShared: false)
        let areaDescriptions = try perBlock(areaDesc, option: "--area-desc", blocks: blocks) ?? Array(repeating: "対象地域", count: blocks)

        let severity = try enumeration(CAPSeverity.self, self.severity ?? "Severe", option: "--severity", what: "severity")
        let urgency = try enumeration(CAPUrgency.self, self.urgency ?? "Immediate", option: "--urgency", what: "urgency")
        let certainty = try enumeration(CAPCertainty.self, self.certainty ?? "Observed", option: "--certainty", what: "certainty")
        let category = try enumeration(CAPCategory.self, self.category ?? "Safety", option: "--category", what: "category")
        let status = try enumeration(CAPStatus.self, self.status ?? "Actual", option: "--status", what: "status")
        if status == .draft {
            // Every box refuses a Draft (422): say so before anything is sent.
            throw ValidationError("--status Draft is not sent to screens; use Exercise for a drill, or Test to check the path")
        }
        let response = try responseType.map { try enumeration(CAPResponseType.self, $0, option: "--response", what: "responseType") }
        let expiresAt = try expires.map { now.addingTimeInterval(try parseDuration($0, option: "--expires", range: 60...(31 * 86_400)).timeInterval) }

        for (option, values) in [("--title", title), ("--body", body), ("--event", events), ("--instruction", instructions ?? []),
                                 ("--area-desc", areaDescriptions), ("--sender-name", senderName.map { [$0] } ?? [])] {
            for value in values {
                if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw ValidationError("\(option) is empty")
                }
                if let bad = value.unicodeScalars.first(where: { !isXMLCharacter($0) }) {
                    throw ValidationError("\(option) contains U+\(String(bad.value, radix: 16, uppercase: true)), a control character XML cannot carry")
                }
            }
        }

        let identity = MessageIdentity.make(keyID: key.keyID, sender: sender, now: now)
        var xml = CAPWriter(identity: identity, status: status, msgType: .alert)
        for i in 0..<blocks {
            xml.open("info")
            xml.element("language", languages[i])
            xml.element("category", category.rawValue)
            xml.element("event", events[i])
            if let response { xml.element("responseType", response.rawValue) }
            xml.element("urgency", urgency.rawValue)
            xml.element("severity", severity.rawValue)
            xml.element("certainty", certainty.rawValue)
            if let expiresAt { xml.element("expires", capDateTime(expiresAt)) }
            if let senderName { xml.element("senderName", senderName) }
            xml.element("headline", title[i])
            xml.element("description", body[i])
            if let instructions { xml.element("instruction", instructions[i]) }
            if !areaCircles.isEmpty || !areaPolygons.isEmpty {
                xml.open("area")
                xml.element("areaDesc", areaDescriptions[i])
                for polygon in areaPolygons { xml.element("polygon", polygon.trimmingCharacters(in: .whitespaces)) }
                for circle in areaCircles { xml.element("circle", circle.trimmingCharacters(in: .whitespaces)) }
                xml.close("area")
            }
            xml.close("info")
        }
        return xml.finish()
    }

    /// An option given once for every block, or once per block; nil when not given.
    private func perBlock(_ values: [String], option: String, blocks: Int, allowShared: Bool = true) throws -> [String]? {
        if values.isEmpty { return nil }
        if values.count == blocks { return values }
        if allowShared && values.count == 1 { return Array(repeating: values[0], count: blocks) }
        throw ValidationError("\(values.count) \(option) for \(blocks) languages: give it \(allowShared ? "once, or " : "")once per --lang, in order")
    }
}

/// `oshirase cancel`: withdraws an alert sent before, with a CAP Cancel that references it.
struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Withdraw an alert: send a CAP Cancel referencing it, signed, to every box.",
        discussion: """
            The original's sender and sent time are looked up in the journal `oshirase push` \
            keeps, by identifier; give --sender and --sent to cancel one that is not in it. \
            Without --to, the cancel goes to the boxes the original was sent to. See docs/push.md.
            """)

    @OptionGroup var sending: SendingOptions

    @Option(help: ArgumentHelp("The identifier of the alert to withdraw.", valueName: "IDENTIFIER"))
    var id: String

    @Option(help: ArgumentHelp("The original's sender, when it is not in the journal.", valueName: "SENDER"))
    var sender: String?

    @Option(help: ArgumentHelp("The original's sent time exactly as in its CAP document, when it is not in the journal.",
                               valueName: "TIME"))
    var sent: String?

    @Option(help: ArgumentHelp("A note carried by the cancel, e.g. 避難指示を解除しました.", valueName: "TEXT"))
    var note: String?

    @Option(help: ArgumentHelp("The cancel's status; default the original's (Actual when unknown).", valueName: "STATUS"))
    var status: String?

    @Flag(name: .customLong("dry-run"), help: "Print the CAP Cancel and send nothing.")
    var dryRun = false

    func validate() throws {
        try checkTargets(sending.targets, required: false)
        if (sender == nil) != (sent == nil) {
            throw ValidationError("give both --sender and --sent of the original, or neither (then the journal is used)")
        }
        if let sent, CAPParser.dateTime(sent) == nil {
            throw ValidationError("--sent '\(sent)' is not a CAP date-time; copy it from the original, e.g. 2026-11-27T09:00:00+09:00")
        }
    }

    func run() throws {
        let options = try sending.fanOutOptions()
        let key = try KeyFiles.loadSigningKey(path: sending.key)
        let journalPath = try sending.journalPath()
        var original: JournalEntry?
        if sender == nil {
            original = try PushJournal(path: journalPath).latest(identifier: id)
            if original == nil {
                throw PushError("no alert '\(id)' in the journal \(journalPath); give the original's --sender and --sent (as in its CAP document), or --journal where it was recorded")
            }
        }
        let reference = CAPReference(sender: original?.sender ?? sender ?? "", identifier: id, sent: original?.sent ?? sent ?? "")
        let statusText = status ?? original?.status ?? CAPStatus.actual.rawValue
        let status = try enumeration(CAPStatus.self, statusText, option: "--status", what: "status")
        if let note, note.unicodeScalars.contains(where: { !isXMLCharacter($0) }) {
            throw ValidationError("--note contains a control character XML cannot carry")
        }

        // From the original's own sender: a box lets a sender withdraw only its own messages.
        let identity = MessageIdentity.make(keyID: key.keyID, sender: reference.sender, now: Date())
        var xml = CAPWriter(identity: identity, status: status, msgType: .cancel)
        if let note { xml.element("note", note) }
        xml.element("references", "\(reference.sender),\(reference.identifier),\(reference.sent)")
        let document = xml.finish()
        let alert: CAPAlert
        do {
            alert = try CAPParser.parse(document)
        } catch {
            throw ValidationError("the cancel is not valid CAP: " + error.errors.prefix(3).map(\.description).joined(separator: "; "))
        }
        if dryRun {
            print(String(decoding: document, as: UTF8.self), terminator: "")
            return
        }
        // Without --to, the boxes the original went to.
        let targets = sending.targets.isEmpty ? original?.targets ?? [] : sending.targets
        if targets.isEmpty {
            throw ValidationError("no boxes to send to: give --to URL (the journal has no targets for '\(id)')")
        }
        let entry = JournalEntry(alert: alert, keyID: key.keyID)
        try sendSigned(document, entry: entry, key: key, options: options, targets: targets,
                       journalPath: journalPath, what: "cancel")
    }
}

// MARK: Sending

/// Signs and sends `document` to every target, prints the table, records the journal; throws
/// exit status 1 when any box did not answer 2xx.
private func sendSigned(_ document: [UInt8], entry: JournalEntry, key: SigningKey, options: HTTPFanOutOptions,
                        targets given: [String], journalPath: String, what: String) throws {
    let targets = try given.map(alertsURL(for:)).uniqued()
    let posts = targets.map { url in
        HTTPPost(url: url, body: document) { _ in
            // A fresh timestamp and signature per attempt: a retry after a wait is still within
            // the box's ±300 s and is not refused as a replay.
            let signed = try PushEnvelope.sign(body: document, key: key, timestamp: Int64(Date().timeIntervalSince1970))
            return signed.httpHeaders.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
                + [(name: "Content-Type", value: "application/common-alerting-protocol+xml")]
        }
    }
    print("\(what) \(entry.identifier) (sender \(entry.sender), sent \(entry.sent))")
    let progress = ProgressLine(total: posts.count)
    progress.start()
    let results = HTTPFanOut(options: options).sendAndWait(posts) { done, total in progress.update(done) }
    progress.finish()

    let rows = results.map { result -> [String] in
        [result.url, result.status.map(String.init) ?? "-", resultText(result)]
    }
    print(resultTable(header: ["TARGET", "STATUS", "RESULT"], rows: rows), terminator: "")

    var recorded = entry
    recorded.targets = targets
    recorded.accepted = results.filter(\.isSuccess).map(\.url)
    do {
        try PushJournal(path: journalPath).append(recorded)
    } catch {
        printError("oshirase: warning: \(error); to cancel this \(what) later give --sender \(entry.sender) --sent \(entry.sent)")
    }

    let failed = results.filter { !$0.isSuccess }.count
    if failed > 0 {
        printError("oshirase: error: \(failed) of \(results.count) \(results.count == 1 ? "box" : "boxes") did not accept the \(what); see the table above")
        throw ExitCode.failure
    }
}

/// The RESULT column: the box's JSON answer in a few words, or why there was none.
private func resultText(_ result: HTTPResult) -> String {
    let retried = result.attempts > 1 ? " (after \(result.attempts) attempts)" : ""
    switch result.outcome {
    case .failure(let error):
        return error.message + retried
    case .success(let response):
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        if let error = object?["error"] as? String {
            let reason = (object?["reason"] as? String).map { ": \($0)" } ?? ""
            return oneLine(error + reason) + retried
        }
        if (200..<300).contains(response.status) {
            let state = (object?["state"] as? String).map { ": \($0)" } ?? ""
            let reason = (object?["reason"] as? String).map { " (\($0))" } ?? ""
            return "accepted" + oneLine(state + reason) + retried
        }
        let text = oneLine(response.text)
        return (text.isEmpty ? "HTTP \(response.status)" : text) + retried
    }
}

private func oneLine(_ text: String) -> String {
    let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    return flat.count > 160 ? String(flat.prefix(159)) + "…" : flat
}

/// Columns separated by two spaces, each as wide as its widest cell (in characters).
func resultTable(header: [String], rows: [[String]]) -> String {
    let all = [header] + rows
    var widths = Array(repeating: 0, count: header.count)
    for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    return all.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}

/// `sending to 3 boxes… 2/3` on stderr: rewritten in place on a terminal; elsewhere (a log
/// file, a pipe) one line at the start, so logs are not filled with carriage returns.
private final class ProgressLine {
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) == 1
    init(total: Int) { self.total = total }

    var label: String { "sending to \(total) \(total == 1 ? "box" : "boxes")…" }

    func start() {
        if isTerminal {
            _ = writeAll(Array("\(label) 0/\(total)".utf8), to: STDERR_FILENO)
        } else {
            printError(label)
        }
    }

    func update(_ done: Int) {
        if isTerminal { _ = writeAll(Array("\r\(label) \(done)/\(total)".utf8), to: STDERR_FILENO) }
    }

    func finish() {
        if isTerminal { _ = writeAll(Array("\n".utf8), to: STDERR_FILENO) }
    }
}

/// A --to value as the push URL: `/v1/alerts` added when the path is empty or `/`.
func alertsURL(for target: String) throws -> String {
    let trimmed = target.trimmingCharacters(in: .whitespaces)
    guard let separator = trimmed.range(of: "://") else {
        throw ValidationError("--to '\(target)' is not a URL; write http://HOST:PORT (a CAP file goes before --to or after another option)")
    }
    let scheme = trimmed[..<separator.lowerBound].lowercased()
    guard scheme == "http" || scheme == "https" else {
        throw ValidationError("--to '\(target)': only http:// and https:// can be used")
    }
    let rest = trimmed[separator.upperBound...]
    guard let slash = rest.firstIndex(of: "/") else {
        guard !rest.isEmpty else { throw ValidationError("--to '\(target)' names no host") }
        return trimmed + "/v1/alerts"
    }
    if rest[slash...] == "/" { return trimmed + "v1/alerts" }
    return trimmed
}

private func checkTargets(_ targets: [String], required: Bool) throws {
    if required && targets.isEmpty { throw ValidationError("give at least one box with --to http://HOST:PORT") }
    for target in targets { _ = try alertsURL(for: target) }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

// MARK: Reading and writing CAP

/// Reads a CAP file (at most 1 MiB) and checks it as a box would; each problem is printed as
/// FILE:LINE:COL: error: … and the command ends with status 1, nothing sent.
/// Who sent a message and under which identifier: the triple CAP references use.
struct MessageIdentity {
    var identifier: String
    var sender: String
    var sent: String

    /// `KEYID-YYYYMMDDThhmmssZ-RANDOM`, the sender given or the key id, and now in local time.
    static func make(keyID: String, sender: String?, now: Date) -> MessageIdentity {
        let utc = TimeZone(secondsFromGMT: 0) ?? .current
        // `YYYYMMDDThhmmss` from `YYYY-MM-DDThh:mm:ss+00:00`, then Z.
        let stamp = Instant.format(now, in: utc).prefix(19).filter { $0 != "-" && $0 != ":" } + "Z"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let padded = String(repeating: "0", count: max(0, 8 - random.count)) + random
        return MessageIdentity(identifier: "\(keyID)-\(stamp)-\(padded)", sender: sender ?? keyID, sent: capDateTime(now))
    }
}

/// `2026-11-27T09:00:00+09:00`: CAP's date-time, in the machine's local offset, never `Z`.
func capDateTime(_ date: Date) -> String {
    let offset = TimeZone.current.secondsFromGMT(for: date)
    // A fixed-offset zone: Instant.format writes `Z` only for the zone named UTC, which CAP forbids.
    let zone = TimeZone(secondsFromGMT: offset) ?? TimeZone(secondsFromGMT: 0) ?? .current
    return Instant.format(date, in: zone)
}

/// A CAP 1.2 document written element by element, text escaped.
struct CAPWriter {
    private var text: String
    private var depth = 1

    init(identity: MessageIdentity, status: CAPStatus, msgType: CAPMessageType) {
        text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"\(CAPParser.namespace)\">\n"
        element("identifier", identity.identifier)
        element("sender", identity.sender)
        element("sent", identity.sent)
        element("status", status.rawValue)
        element("msgType", msgType.rawValue)
        element("scope", CAPScope.public.rawValue)
    }

    mutating func element(_ name: String, _ value: String) {
        text += String(repeating: "  ", count: depth) + "<\(name)>\(escapeXML(value))</\(name)>\n"
    }

    mutating func open(_ name: String) {
        text += String(repeating: "  ", count: depth) + "<\(name)>\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += String(repeating: "  ", count: depth) + "</\(name)>\n"
    }

    func finish() -> [UInt8] { Array((text + "</alert>\n").utf8) }
}

/// Text for an XML element: the five special characters as entities.
func escapeXML(_ value: String) -> String {
    var out = ""
    out.reserveCapacity(value.utf8.count)
    for character in value {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\r\n": out += "\n"
        default: out.append(character)
        }
    }
    return out
}

/// Whether XML 1.0 may carry the character (tab, line breaks and printable characters).
private func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x9, 0xA, 0xD: return true
    case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
    default: return false
    }
}

/// A CAP enumeration value, case-insensitively, or an error listing the allowed ones.
private func enumeration<E: RawRepresentable & CaseIterable>(_: E.Type, _ text: String, option: String, what: String) throws -> E
    where E.RawValue == String {
    if let match = E.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) { return match }
    throw ValidationError("\(option) '\(text)' is not a CAP \(what); use one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
}

/// `2h`, `30m`, `90s`, `1d`, `1h30m`, `0.5s` as a duration (the config's grammar,
/// `ValueParsers.span`), within `range` seconds.
func parseDuration(_ text: String, option: String, range: ClosedRange<Double>) throws -> Duration {
    let example = "write e.g. 30m, 2h, 1d or 1h30m"
    guard case .success(let total) = ValueParsers.span(text, example: example) else {
        throw ValidationError("\(option) '\(text)' is not a duration; \(example) (units from the largest down, each once: d, h, m, s, ms)")
    }
    guard range.contains(total) else {
        throw ValidationError("\(option) '\(text)' is out of range (\(describe(range.lowerBound)) to \(describe(range.upperBound)))")
    }
    return .milliseconds(Int64((total * 1000).rounded()))
}

private func describe(_ seconds: Double) -> String {
    if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
    if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
    return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    fileprivate var timeInterval: TimeInterval {
        let (whole, atto) = components
        return TimeInterval(whole) + TimeInterval(atto) / 1e18
    }
}

// MARK: The journal

/// One line of the journal: a message sent, where to, and who accepted it.
struct JournalEntry: Codable, Equatable {
    var identifier: String
    var sender: String
    var sent: String
    var status: String
    var msgType: String
    var keyID: String
    /// When the push was made (UTC).
    var pushedAt: String
    var targets: [String] = []
    var accepted: [String] = []

    init(alert: CAPAlert, keyID: String) {
        identifier = alert.identifier
        sender = alert.sender
        sent = alert.sent.text
        status = alert.status.rawValue
        msgType = alert.msgType.rawValue
        self.keyID = keyID
        pushedAt = Instant.format(Date(), in: TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current)
    }
}

/// A failure while running `push` or `cancel` (not a misuse of options): exit status 1.
struct PushError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The local record of what was sent (JSON lines), so `cancel` can find an original's sender
/// and sent time by its identifier.
struct PushJournal {
    var path: String

    /// Appends one line; the directory is made (mode 0700) when missing.
    func append(_ entry: JournalEntry) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw PushError("cannot make the journal's folder \(directory): \((error as NSError).localizedDescription)")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(entry)
        line.append(0x0A)
        // O_APPEND: two pushes at once each add a whole line.
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PushError("cannot write the journal \(path): \(systemErrorText(errno))")
        }
        defer { close(fd) }
        guard writeAll(Array(line), to: fd) else {
            throw PushError("cannot write the journal \(path): \(systemErrorText(errno))")
        }
    }

    /// The last message (not a cancel) recorded with `identifier`, or nil.
    func latest(identifier: String) throws -> JournalEntry? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PushError("cannot read the journal \(path)")
        }
        let decoder = JSONDecoder()
        for line in data.split(separator: 0x0A).reversed() {
            // A damaged line (a crash mid-write) is skipped, not fatal: the others still count.
            guard let entry = try? decoder.decode(JournalEntry.self, from: Data(line)) else { continue }
            if entry.identifier == identifier && entry.msgType != CAPMessageType.cancel.rawValue { return entry }
        }
        return nil
    }
}
