import Foundation
import Logging
import OshiraseCAP
import OshiraseCore
import OshiraseFleet
import OshiraseSigning
import OshiraseStore
import Synchronization

/// The one way messages enter a box's alert book: pushes (`POST /v1/alerts`), feed documents,
/// and at start the messages the store kept. An actor on a thread of its own: one message at a
/// time, so two pushes of one identity cannot race, the book is written only here, and no
/// SQLite write runs on the HTTP server's threads or the shared task pool.
///
/// Each message is checked in this order (docs/architecture.md, the push path): the envelope
/// (`PushVerifier`: size, headers, key, time, signature, and the replay memory, written once),
/// the CAP document (`CAPParser`), the key's senders, then the book's admission, decided once on
/// a copy of the book; the message is stored durably, and only then does the copy become the book.
/// Every message, kept or refused, ends in the audit.
actor AlertIntake {
    nonisolated let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let verifier: PushVerifier
    private let feedVerifier: PushVerifier
    /// The CAP senders each key id may speak for; empty: any.
    private let sendersByKey: [String: Set<String>]
    private let store: StateStore?
    private let clock: any WallClock
    private let logger: Logger
    private let book: AlertBookCell
    /// Rejections are logged at most once per 10 s.
    private var rejectionLog = RateLimitedLog(interval: 10)

    /// What vouches for a message.
    enum Trust {
        /// The signed envelope, as a push carries it: ±300 s, each signature once.
        case envelope
        /// A feed: the envelope if present (any age: a feed serves a document for hours), else
        /// https and a listed sender.
        case feed(https: Bool, senders: [String])
        /// A fleet broker's message on `topic`: the envelope, always, of any age (a queued or
        /// retained message can be hours old; its CAP times decide), and the same signature seen
        /// again is the same document. The topic must be the message's own.
        case broker(topic: String)

        var isBroker: Bool { if case .broker = self { true } else { false } }
    }

    init(keys: [TrustedKey], sendersByKey: [String: Set<String>], store: StateStore?, clock: any WallClock,
         logger: Logger, book: AlertBookCell) {
        executor = ThreadExecutor(name: "alert-intake", runsActor: true)
        // The one replay memory: the database when there is one (it outlives a restart), else
        // this process's.
        let memory: any ReplayMemory = store.map { StoredReplayMemory(store: $0, logger: logger) }
            ?? ReplayGuard(retention: 2 * PushVerifier.defaultMaximumSkew)
        verifier = PushVerifier(keys: keys, replayMemory: memory)
        // A feed serves one signed document for as long as it is current: any age is fine, and
        // the same signature seen again is the same document, so no replay memory.
        feedVerifier = PushVerifier(keys: keys, maxSkew: 30 * 86400, replayMemory: nil)
        self.sendersByKey = sendersByKey
        self.store = store
        self.clock = clock
        self.logger = logger
        self.book = book
    }

    deinit { executor.shutdown() }

    /// Reads back what the store kept, in the order received: active alerts survive a restart.
    func restore() {
        guard let store else { return }
        let now = clock.now()
        do {
            // Everything kept: an alert may run for weeks, and a Cancel must outlive its original.
            // Retention deletes messages with proof of play, after `proof-of-play-days`.
            var next = book.current
            var restored = 0
            for message in try store.alertMessages() {
                guard let alert = try? CAPParser.parse(message.body) else { continue }
                if case .stored = next.admit(alert, at: message.receivedAt) { restored += 1 }
            }
            book.replace(with: next)
            let active = next.active(at: now).count
            if restored > 0 { logger.notice("\(restored) stored message(s) read back, \(active) active now") }
        } catch {
            logger.error("cannot read the stored messages: \(error)")
        }
    }

    /// Takes a message without an envelope, as if received at `time` (tests, previews in memory).
    func admitUnsigned(_ alert: CAPAlert, at time: Date) -> AlertAdmission {
        var next = book.current
        let admission = next.admit(alert, at: time)
        book.replace(with: next)
        return admission
    }

    /// Checks one message, keeps it when it may be kept, and audits it.
    func take(body: [UInt8], headers: [String: String], source: String, trust: Trust) -> AlertIntakeOutcome {
        let now = clock.now()
        var audit = Audit(now: now, source: source, channel: Audit.Channel(trust))
        // The key a request claims, for the audit even when its signature does not hold; only as
        // the characters a key id may hold, so a CSV of the audit in a spreadsheet runs nothing.
        audit.keyID = headers.first { $0.key.caseInsensitiveCompare(PushEnvelope.keyHeader) == .orderedSame }
            .map { KeyID.shown($0.value.trimmingCharacters(in: .whitespaces)) }
        let outcome = check(body: body, headers: headers, trust: trust, now: now, audit: &audit)
        record(outcome, audit)
        return outcome
    }

    /// Checks one fleet broker message on `topic`: the envelope line, then as
    /// ``take(body:headers:source:trust:)``.
    func take(payload: [UInt8], topic: String) -> AlertIntakeOutcome {
        let source = "broker \(topic)"
        switch PushEnvelope.unwrap(payload: payload) {
        case .failure(let problem):
            let outcome = AlertIntakeOutcome.refused(AlertRefusal(.unauthenticated, "no-envelope", problem.description))
            record(outcome, Audit(now: clock.now(), source: source, channel: .broker))
            return outcome
        case .success(let (headers, body)):
            return take(body: Array(body), headers: headers, source: source, trust: .broker(topic: topic))
        }
    }

    private struct Audit {
        enum Channel {
            case push, feed, broker
            var noun: String {
                switch self {
                case .push: "push"
                case .feed: "feed document"
                case .broker: "broker message"
                }
            }
            init(_ trust: Trust) {
                switch trust {
                case .envelope: self = .push
                case .feed: self = .feed
                case .broker: self = .broker
                }
            }
        }
        var now: Date
        var source: String
        var channel: Channel
        var keyID: String?
        var identifier: String?
    }

    private func check(body: [UInt8], headers: [String: String], trust: Trust, now: Date,
                       audit: inout Audit) -> AlertIntakeOutcome {
        func refused(_ rejection: PushRejection) -> AlertIntakeOutcome {
            let kind: AlertRefusal.Kind = switch rejection.status {
            case 413: .tooLarge
            case 409: .conflict
            case 503: .unavailable
            default: .unauthenticated
            }
            var retry: Int?
            if case .replayMemoryFull(let seconds) = rejection { retry = seconds }
            return .refused(AlertRefusal(kind, rejection.code, rejection.reason, retryAfterSeconds: retry))
        }
        // The signature this request used up, given back when the box could not keep the push
        // (a 503), so that a relay that cannot sign anew may send the very same request again.
        var consumed: Verified?
        var feedSenders: [String]?
        switch trust {
        case .envelope:
            switch verifier.verify(headers: headers, body: body, now: now) {
            case .failure(let rejection):
                return refused(rejection)
            case .success(let verified):
                audit.keyID = verified.keyID
                consumed = verified
            }
        case .feed, .broker:
            let signed = headers.keys.contains { $0.caseInsensitiveCompare(PushEnvelope.signatureHeader) == .orderedSame }
            if signed || trust.isBroker {
                switch feedVerifier.verify(headers: headers, body: body, now: now) {
                case .failure(let rejection):
                    return refused(rejection)
                case .success(let verified):
                    audit.keyID = verified.keyID
                }
            } else if case .feed(true, let senders) = trust {
                // Nobody's key vouches for an unsigned document, whatever header it carries.
                audit.keyID = nil
                feedSenders = senders
            } else {
                return .refused(AlertRefusal(.unauthenticated, "unsigned-feed", "a feed message over plain http must carry the signed envelope; serve the feed over https and list its sender, or sign it"))
            }
        }
        func unavailable(_ reason: String) -> AlertIntakeOutcome {
            if let consumed { verifier.replayMemory?.forget(digest: consumed.signatureDigest) }
            return .refused(AlertRefusal(.unavailable, "store-unavailable", reason))
        }

        let alert: CAPAlert
        do {
            alert = try CAPParser.parse(body)
        } catch {
            return .refused(AlertRefusal(.unprocessable, "invalid-cap", error.errors.prefix(5).map(\.description).joined(separator: "; "),
                                         element: error.errors.first?.path))
        }
        // A key may be limited to the CAP senders it speaks for (`alerts.keys[].senders`).
        if let keyID = audit.keyID, let allowed = sendersByKey[keyID], !allowed.isEmpty, !allowed.contains(alert.sender) {
            return .refused(AlertRefusal(.forbidden, "sender-not-allowed", "key '\(keyID)' may not send for \(alert.sender) (it may for: \(allowed.sorted().joined(separator: ", ")))"))
        }
        if let feedSenders, !feedSenders.contains(alert.sender) {
            return .refused(AlertRefusal(.unauthenticated, "untrusted-sender", feedSenders.isEmpty
                ? "this feed lists no senders, so only signed documents are taken from it (sender \(alert.sender.prefix(100)) did not sign)"
                : "sender \(alert.sender.prefix(100)) is not listed for this feed (senders: \(feedSenders.joined(separator: ", ")))"))
        }
        // A signed message moved to another topic (to hide it from a box, or to outlive the
        // clearing of its own) is not the message city hall published there.
        if case .broker(let topic) = trust, topic != FleetTopic.alert(sender: alert.sender, identifier: alert.identifier) {
            return .refused(AlertRefusal(.unprocessable, "topic-mismatch", "a message of \(alert.sender.prefix(100)) with identifier \(alert.identifier.prefix(100)) belongs on \(FleetTopic.alert(sender: alert.sender, identifier: alert.identifier).prefix(300)), not on \(topic.prefix(300))"))
        }
        // Only now is the message vouched for: a stranger's identifier never reaches the audit.
        audit.identifier = alert.identifier

        // Admission, decided once, on a copy of the book; the copy becomes the book once stored.
        var next = book.current
        switch next.admit(alert, at: now) {
        case .rejected(let reason):
            return .refused(AlertRefusal(.unprocessable, "rejected", reason))
        case .conflict:
            return .refused(AlertRefusal(.conflict, "conflicting-identity", "a different message with sender \(alert.sender), identifier \(alert.identifier) and sent \(alert.sent.text) is stored"))
        case .duplicate:
            // Equal as CAP; whether the bytes are equal too is the store's to say below.
            guard store != nil else { return kept(alert, in: next, at: now, duplicate: true) }
        case .stored, .notShown:
            break
        }
        if let store {
            do {
                let stored = try store.storeAlertMessage(StoredAlertMessage(
                    sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text, receivedAt: now,
                    keyID: audit.keyID, body: body))
                switch stored {
                case .stored: break
                case .duplicate: return kept(alert, in: next, at: now, duplicate: true)
                case .conflict:
                    return .refused(AlertRefusal(.conflict, "conflicting-identity", "a different message with the same sender, identifier and sent is stored"))
                }
            } catch {
                store.reopenIfDue(after: error)
                return unavailable("the alert could not be stored durably: \(error)")
            }
        }
        book.replace(with: next)
        return kept(alert, in: next, at: now, duplicate: false)
    }

    private func kept(_ alert: CAPAlert, in book: AlertBook, at now: Date, duplicate: Bool) -> AlertIntakeOutcome {
        let (state, reason) = AlertCenter.outcome(of: alert, in: book, at: now)
        var kept = KeptAlert(identifier: alert.identifier, state: state, reason: reason, isDuplicate: duplicate)
        kept.identity = AlertIdentity(sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text)
        return .kept(kept)
    }

    /// The audit row and the log line of one message.
    private func record(_ outcome: AlertIntakeOutcome, _ audit: Audit) {
        let status: Int, code: String, reason: String?
        switch outcome {
        case .kept(let kept):
            (status, code, reason) = (202, kept.isDuplicate ? "duplicate" : "accepted", kept.reason)
        case .refused(let refusal):
            (status, code, reason) = (refusal.kind.httpStatus, refusal.code, refusal.reason)
        }
        if let store {
            do {
                try store.audit(AlertAuditEntry(time: audit.now, keyID: audit.keyID, source: audit.source, outcome: code,
                                                status: status, identifier: audit.identifier, reason: reason))
            } catch {
                logger.error("cannot write the audit: \(error)")
            }
        }
        let line = "\(audit.channel.noun) \(status) \(code)\(reason.map { ": \($0)" } ?? "")"
        let context: Logger.Metadata = ["source": "\(audit.source)", "key": "\(audit.keyID ?? "-")"]
        if case .kept(let kept) = outcome, kept.isDuplicate, audit.channel == .broker {
            // Every start of the daemon brings the retained alerts again: known, so quietly.
            logger.info("\(line)", metadata: context)
        } else if status < 400 {
            logger.notice("\(line)", metadata: context)
        } else if let quieted = rejectionLog.shouldLog(at: monotonicSeconds()) {
            // A flood of forged pushes must not flood the journal: the audit has every one.
            logger.warning("\(line)\(quieted > 0 ? " (and \(quieted) other rejected message(s) in the last 10 s, all in the audit)" : "")",
                           metadata: context)
        }
    }
}

/// The alert book, shared: written by the intake alone, read by every display and the API.
final class AlertBookCell: Sendable {
    private let book: Mutex<AlertBook>
    /// Counts changes to the book, so what displays were told can be kept until it changes.
    private let version = Atomic<Int>(0)
    /// Called after the book changed: wakes every display.
    private let onChange: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

    init(_ book: AlertBook) { self.book = Mutex(book) }

    var current: AlertBook { book.withLock { $0 } }
    var currentVersion: Int { version.load(ordering: .acquiring) }

    func read<T>(_ body: (AlertBook) -> T) -> T { book.withLock { body($0) } }

    func replace(with next: AlertBook) {
        book.withLock { $0 = next }
        version.add(1, ordering: .releasing)
        onChange.withLock { $0 }?()
    }

    func setOnChange(_ action: @escaping @Sendable () -> Void) { onChange.withLock { $0 = action } }
}

/// The replay memory in the box's database: signatures outlive a restart. Written only by the
/// push verifier, once per signed push. Like the in-memory guard it holds at most `capacity`
/// unexpired signatures (counted since this process started): beyond, a new signature gets a 503
/// with the time the oldest expires rather than a live one being forgotten, and a replay is still
/// a replay (docs/signing.md). Called by the intake actor only, one push at a time: `forget`
/// gives back the signature `remember` took last.
final class StoredReplayMemory: ReplayMemory {
    let store: StateStore
    let logger: Logger
    let capacity: Int
    /// When each signature remembered by this process expires, oldest first.
    private let expiries = Mutex<[Date]>([])
    var retention: TimeInterval { 2 * PushVerifier.defaultMaximumSkew }

    init(store: StateStore, logger: Logger, capacity: Int = ReplayGuard.defaultCapacity) {
        self.store = store
        self.logger = logger
        self.capacity = capacity
    }

    func remember(digest: [UInt8], until expires: Date, now: Date) -> ReplayCheck {
        let full: Date? = expiries.withLock { list in
            // Appended in the order taken, so the expired ones lead (a clock set back only keeps
            // a few counted a little longer).
            let expired = list.prefix { $0 <= now }.count
            list.removeFirst(expired)
            return list.count >= max(1, capacity) ? list.min() : nil
        }
        do {
            if let oldest = full {
                return try store.remembersSignature(digest: digest, now: now) ? .replayed : .full(retryAfter: oldest)
            }
            guard try store.rememberSignature(digest: digest, expires: expires, now: now) else { return .replayed }
            expiries.withLock { $0.append(expires) }
            return .fresh
        } catch {
            // A repaired disk mounted again is reached only by a new open.
            store.reopenIfDue(after: error)
            return .unavailable("cannot record the signature: \(error)")
        }
    }

    func forget(digest: [UInt8]) {
        expiries.withLock { list in if !list.isEmpty { list.removeLast() } }
        do {
            try store.forgetSignature(digest: digest)
        } catch {
            logger.error("cannot forget the signature of a push that was not stored (the same request will be a 409 after a restart): \(error)")
        }
    }
}
