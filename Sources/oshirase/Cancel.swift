import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseSigning

// `oshirase cancel`: withdraws an alert sent before (docs/cli.md, docs/push.md).

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
        try checkTargets(sending, required: false)
        if (sender == nil) != (sent == nil) {
            throw ValidationError("give both --sender and --sent of the original, or neither (then the journal is used)")
        }
        if let sent, CAPParser.dateTime(sent) == nil {
            throw ValidationError("--sent '\(sent)' is not a CAP date-time; copy it from the original, e.g. 2026-11-27T09:00:00+09:00")
        }
    }

    func run() throws {
        _ = try sending.fanOutOptions()
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
        if let note, note.unicodeScalars.contains(where: { !CAPWriter.isXMLCharacter($0) }) {
            throw ValidationError("--note contains a control character XML cannot carry")
        }

        // From the original's own sender: a box lets a sender withdraw only its own messages.
        let identity = MessageIdentity.make(keyID: key.keyID, sender: reference.sender, now: Date())
        var xml = CAPWriter(identifier: identity.identifier, sender: identity.sender, sent: identity.sent,
                            status: status, msgType: .cancel)
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
        // Without --to or --broker, the boxes and brokers the original went to.
        let given = !sending.targets.isEmpty || !sending.brokers.isEmpty
        let targets = given ? sending.targets : original?.targets ?? []
        let brokers = given ? sending.brokers : original?.brokers ?? []
        if targets.isEmpty && brokers.isEmpty {
            throw ValidationError("no boxes to send to: give --to URL or --broker URL (the journal has no targets for '\(id)')")
        }
        let entry = JournalEntry(alert: alert, keyID: key.keyID)
        try sendSigned(document, alert: alert, entry: entry, key: key, sending: sending, targets: targets,
                       brokers: brokers, journalPath: journalPath, what: "cancel")
    }
}
