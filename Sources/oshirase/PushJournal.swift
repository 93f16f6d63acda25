import Foundation
import OshiraseCAP
import OshiraseCommandLine
import OshiraseCore

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
    /// The fleet brokers it was published on.
    var brokers: [String]?

    init(alert: CAPAlert, keyID: String) {
        identifier = alert.identifier
        sender = alert.sender
        sent = alert.sent.text
        status = alert.status.rawValue
        msgType = alert.msgType.rawValue
        self.keyID = keyID
        pushedAt = Instant.formatUTC(Date())
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
