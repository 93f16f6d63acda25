import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseCore
import OshiraseSigning

// `oshirase push`: city hall's tool (docs/alerts.md, docs/push.md). A CAP 1.2 document, read from a
// file or composed from options, is checked with the same parser the boxes use, signed anew for
// every attempt, and sent to every box at once on libcurl (PushSending.swift).

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
        try checkTargets(sending, required: !dryRun)
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
        _ = try sending.fanOutOptions()
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
        try sendSigned(document, alert: alert, entry: entry, key: key, sending: sending, targets: sending.targets,
                       brokers: sending.brokers, journalPath: try sending.journalPath(), what: "alert")
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
                if let bad = value.unicodeScalars.first(where: { !CAPWriter.isXMLCharacter($0) }) {
                    throw ValidationError("\(option) contains U+\(String(bad.value, radix: 16, uppercase: true)), a control character XML cannot carry")
                }
            }
        }

        let identity = MessageIdentity.make(keyID: key.keyID, sender: sender, now: now)
        var xml = CAPWriter(identifier: identity.identifier, sender: identity.sender, sent: identity.sent,
                            status: status, msgType: .alert)
        for i in 0..<blocks {
            xml.open("info")
            xml.element("language", languages[i])
            xml.element("category", category.rawValue)
            xml.element("event", events[i])
            if let response { xml.element("responseType", response.rawValue) }
            xml.element("urgency", urgency.rawValue)
            xml.element("severity", severity.rawValue)
            xml.element("certainty", certainty.rawValue)
            if let expiresAt { xml.element("expires", CAPWriter.dateTime(expiresAt)) }
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
        return MessageIdentity(identifier: "\(keyID)-\(stamp)-\(padded)", sender: sender ?? keyID, sent: CAPWriter.dateTime(now))
    }
}
