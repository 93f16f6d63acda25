import Crypto
import Foundation
import Logging
import OshiraseCAP
import OshiraseCore
import OshiraseDevices
import OshiraseConfig
import OshiraseSigning
import OshiraseStore
import Synchronization

/// The answer to one push: an HTTP status and a small JSON object.
public struct PushAnswer: Sendable, Equatable {
    public var status: Int
    /// `identifier` and `state` when accepted; `error` (a stable code) and `reason` when not.
    public var fields: [String: String]
    public init(status: Int, fields: [String: String]) {
        self.status = status
        self.fields = fields
    }
}

/// One alert as `GET /v1/alerts` lists it.
public struct AlertListing: Sendable, Codable, Equatable {
    public var identifier: String
    public var sender: String
    public var sent: String
    public var status: String
    public var msgType: String
    public var severity: String
    public var headline: String
    /// `active` (on screen now) or `scheduled` (effective later).
    public var state: String
    public var presentation: String
    public var from: Date
    public var until: Date
}

/// Emergency messages in the daemon: checks each push (signature, replay, CAP, semantics), stores
/// it durably before answering, keeps the book of what is active, replays the store at start,
/// and tells each display what to draw. Pushes are handled one at a time on a queue of their own,
/// so two pushes of one identity cannot race, and no SQLite write runs on the HTTP server's threads.
public final class AlertCenter: Sendable {
    public let config: AlertsConfig
    private let verifier: PushVerifier
    private let feedVerifier: PushVerifier
    /// The CAP senders each key id may speak for; empty: any.
    private let sendersByKey: [String: Set<String>]
    private let store: StateStore?
    private let clock: any WallClock
    private let logger: Logger
    private let book: Mutex<AlertBook>
    /// Counts changes to the book, so what displays were told can be kept until it changes.
    private let bookVersion = Atomic<Int>(0)
    private let overlayCache = Mutex<OverlayCache?>(nil)
    private let queue = DispatchQueue(label: "oshirase.alerts")
    /// Rejections are logged at most once per 10 s.
    private let rejectionLog = Mutex(RateLimitedLog(interval: 10))
    /// Called after the active set may have changed: wakes every display.
    private let onChange: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

    /// - Parameter store: where messages, the audit and seen signatures go; nil keeps them in
    ///   memory only (tests, `render`).
    public init(config: AlertsConfig, store: StateStore?, clock: any WallClock, logger: Logger) {
        self.config = config
        self.store = store
        self.clock = clock
        self.logger = logger
        // The config's loader has checked every line with `TrustedKey.parse`; a key built in code
        // that is not one is said, never dropped in silence.
        let keys = config.keys.compactMap { line -> TrustedKey? in
            do {
                return try TrustedKey(keyID: line.id, publicKey: Curve25519.Signing.PublicKey(rawRepresentation: line.publicKey))
            } catch {
                logger.error("alerts: the trusted key '\(line.id)' is not an Ed25519 public key (\(error)); pushes signed with it are refused")
                return nil
            }
        }
        verifier = PushVerifier(keys: keys)
        // Keys sharing an id while rotating share their senders; one unrestricted key lifts the limit.
        var senders: [String: Set<String>] = [:]
        for line in config.keys {
            if line.senders.isEmpty || senders[line.id]?.isEmpty == true {
                senders[line.id] = []
            } else {
                senders[line.id, default: []].formUnion(line.senders)
            }
        }
        sendersByKey = senders
        // A feed serves one signed document for as long as it is current: any age is fine, and
        // the same signature seen again is the same document.
        feedVerifier = PushVerifier(keys: keys, maxSkew: 30 * 86400)
        book = Mutex(AlertBook(policy: config.policy))
    }

    func setOnChange(_ action: @escaping @Sendable () -> Void) { onChange.withLock { $0 = action } }

    /// Reads back what the store kept, in the order received: active alerts survive a restart.
    public func restore() {
        guard let store else { return }
        let now = clock.now()
        do {
            // Everything kept: an alert may run for weeks, and a Cancel must outlive its original.
            // Retention deletes messages with proof of play, after `proof-of-play-days`.
            var restored = 0
            for message in try store.alertMessages() {
                guard let alert = try? CAPParser.parse(message.body) else { continue }
                book.withLock { b in
                    if case .stored = b.admit(alert, at: message.receivedAt) { restored += 1 }
                }
            }
            bookVersion.add(1, ordering: .releasing)
            let active = book.withLock { $0.active(at: now).count }
            if restored > 0 { logger.notice("alerts: \(restored) stored message(s) read back, \(active) active now") }
        } catch {
            logger.error("alerts: cannot read the stored messages: \(error)")
        }
    }

    // MARK: Push

    /// Handles one `POST /v1/alerts`: every request, accepted or not, ends in the audit.
    public func push(body: [UInt8], headers: [String: String], source: String) async -> PushAnswer {
        await withCheckedContinuation { (c: CheckedContinuation<PushAnswer, Never>) in
            queue.async { c.resume(returning: self.handlePush(body: body, headers: headers, source: source, trust: .envelope)) }
        }
    }

    /// Takes one message a feed served (PRODUCT.md §8): accepted when it carries the signed
    /// envelope (as response headers), or came over https from a sender the feed lists. A
    /// document fetched again with the same signature is simply already known. Blocks until done.
    public func ingestFeedMessage(body: [UInt8], headers: [String: String], url: String, httpsSenders: [String]) -> PushAnswer {
        let https = url.lowercased().hasPrefix("https://")
        return queue.sync {
            handlePush(body: body, headers: headers, source: url, trust: .feed(https: https, senders: httpsSenders))
        }
    }

    /// What vouches for a message.
    enum Trust {
        /// The signed envelope, as a push carries it: ±300 s, each signature once.
        case envelope
        /// A feed: the envelope if present (any age: a feed serves a document for hours), else
        /// https and a listed sender.
        case feed(https: Bool, senders: [String])
    }

    private func handlePush(body: [UInt8], headers: [String: String], source: String, trust: Trust) -> PushAnswer {
        let now = clock.now()
        var keyID: String?
        var identifier: String?
        func answer(_ status: Int, _ outcome: String, _ reason: String?, fields: [String: String] = [:]) -> PushAnswer {
            if let store {
                do {
                    try store.audit(AlertAuditEntry(time: now, keyID: keyID, source: source, outcome: outcome, status: status,
                                                    identifier: identifier, reason: reason))
                } catch {
                    logger.error("alerts: cannot write the audit: \(error)")
                }
            }
            let what: String
            if case .feed = trust { what = "feed document" } else { what = "push from" }
            let line = "\(what) \(source) key \(keyID ?? "-") → \(status) \(outcome)\(reason.map { ": \($0)" } ?? "")"
            if status < 400 {
                logger.notice("alerts: \(line)")
            } else if let quieted = rejectionLog.withLock({ $0.shouldLog(at: monotonicSeconds()) }) {
                // A flood of forged pushes must not flood the journal: the audit has every one.
                logger.warning("alerts: \(line)\(quieted > 0 ? " (and \(quieted) other rejected message(s) in the last 10 s, all in the audit)" : "")")
            }
            var all = fields
            if status >= 400 {
                all["error"] = outcome
                if let reason { all["reason"] = reason }
            }
            return PushAnswer(status: status, fields: all)
        }

        // The key a request claims, for the audit even when its signature does not hold; only as
        // the characters a key id may hold, so a CSV of the audit in a spreadsheet runs nothing.
        keyID = headers.first { $0.key.caseInsensitiveCompare(PushEnvelope.keyHeader) == .orderedSame }
            .map { KeyID.shown($0.value.trimmingCharacters(in: .whitespaces)) }
        let signed = headers.keys.contains { $0.caseInsensitiveCompare(PushEnvelope.signatureHeader) == .orderedSame }
        var feedSenders: [String]?
        // The signature this request used up; given back when the box could not keep the push
        // (a 503), so that a relay that cannot sign anew may send the very same request again.
        var consumed: Verified?
        func unavailable(_ reason: String) -> PushAnswer {
            if let consumed {
                verifier.replayGuard.forget(digest: consumed.signatureDigest)
                do {
                    try store?.forgetSignature(digest: consumed.signatureDigest)
                } catch {
                    logger.error("alerts: cannot forget the signature of a push that was not stored (the same request will be a 409 after a restart): \(error)")
                }
            }
            return answer(503, "store-unavailable", reason)
        }
        switch trust {
        case .envelope:
            switch verifier.verify(headers: headers, body: body, now: now) {
            case .failure(let rejection):
                return answer(rejection.status, rejection.code, rejection.reason)
            case .success(let verified):
                keyID = verified.keyID
                // Replays across a restart: the signature's digest is kept in the database too.
                if let store {
                    do {
                        guard try store.rememberSignature(digest: verified.signatureDigest, expires: verified.replayExpires, now: now) else {
                            return answer(409, "replayed", "this signature was used before")
                        }
                    } catch {
                        verifier.replayGuard.forget(digest: verified.signatureDigest)
                        // A repaired disk mounted again is reached only by a new open.
                        store.reopenIfDue(after: error)
                        return answer(503, "store-unavailable", "cannot record the signature: \(error)")
                    }
                }
                consumed = verified
            }
        case .feed(let https, let senders):
            if signed {
                switch feedVerifier.verify(headers: headers, body: body, now: now) {
                case .failure(.replayed):
                    // Seen valid before (only valid signatures are remembered): the same document
                    // served again. Storing decides below whether it is new; if storing failed
                    // last time, it is taken now.
                    break
                case .failure(let rejection):
                    return answer(rejection.status, rejection.code, rejection.reason)
                case .success(let verified):
                    keyID = verified.keyID
                }
            } else if https {
                // Nobody's key vouches for an unsigned document, whatever header it carries.
                keyID = nil
                feedSenders = senders
            } else {
                return answer(401, "unsigned-feed", "a feed message over plain http must carry the signed envelope; serve the feed over https and list its sender, or sign it")
            }
        }
        let alert: CAPAlert
        do {
            alert = try CAPParser.parse(body)
        } catch {
            let first = error.errors.first
            var fields: [String: String] = [:]
            if let first { fields["element"] = first.path }
            return answer(422, "invalid-cap", error.errors.prefix(5).map(\.description).joined(separator: "; "), fields: fields)
        }
        // A key may be limited to the CAP senders it speaks for (`alerts.keys[].senders`).
        if let keyID, let allowed = sendersByKey[keyID], !allowed.isEmpty, !allowed.contains(alert.sender) {
            return answer(403, "sender-not-allowed", "key '\(keyID)' may not send for \(alert.sender) (it may for: \(allowed.sorted().joined(separator: ", ")))")
        }
        if let feedSenders, !feedSenders.contains(alert.sender) {
            return answer(401, "untrusted-sender", feedSenders.isEmpty
                ? "this feed lists no senders, so only signed documents are taken from it (sender \(alert.sender.prefix(100)) did not sign)"
                : "sender \(alert.sender.prefix(100)) is not listed for this feed (senders: \(feedSenders.joined(separator: ", ")))")
        }
        // Only now is the message vouched for: a stranger's identifier never reaches the audit.
        identifier = alert.identifier

        // What the book would make of it, before anything is stored.
        var trial = book.withLock { $0 }
        switch trial.admit(alert, at: now) {
        case .rejected(let reason):
            return answer(422, "rejected", reason)
        case .conflict:
            return answer(409, "conflicting-identity", "a different message with sender \(alert.sender), identifier \(alert.identifier) and sent \(alert.sent.text) is stored")
        case .duplicate:
            // Equal as CAP; whether the bytes are equal too is the store's to say below.
            guard store != nil else {
                let (state, why) = outcome(of: alert, in: trial, at: now)
                return answer(202, "duplicate", why, fields: fields(alert, state, why))
            }
        case .stored, .notShown:
            break
        }
        if let store {
            do {
                let stored = try store.storeAlertMessage(StoredAlertMessage(
                    sender: alert.sender, identifier: alert.identifier, sent: alert.sent.text, receivedAt: now,
                    keyID: keyID, body: body))
                switch stored {
                case .stored: break
                case .duplicate:
                    let (state, why) = outcome(of: alert, in: trial, at: now)
                    return answer(202, "duplicate", why, fields: fields(alert, state, why))
                case .conflict:
                    return answer(409, "conflicting-identity", "a different message with the same sender, identifier and sent is stored")
                }
            } catch {
                store.reopenIfDue(after: error)
                return unavailable("the alert could not be stored durably: \(error)")
            }
        }
        _ = book.withLock { $0.admit(alert, at: now) }
        bookVersion.add(1, ordering: .releasing)
        trial = book.withLock { $0 }
        let (state, why) = outcome(of: alert, in: trial, at: now)
        onChange.withLock { $0 }?()
        return answer(202, "accepted", why, fields: fields(alert, state, why))
    }

    /// The fields of a 202: the identifier, the state, and why when it is `not-shown`.
    private func fields(_ alert: CAPAlert, _ state: String, _ reason: String?) -> [String: String] {
        var fields = ["identifier": alert.identifier, "state": state]
        if let reason { fields["reason"] = reason }
        return fields
    }

    /// The state a kept message is in, and why when it is `not-shown` or a Cancel left something
    /// on screen: the same words whether it was just accepted or arrives again.
    private func outcome(of alert: CAPAlert, in book: AlertBook, at now: Date) -> (state: String, reason: String?) {
        if alert.msgType == .cancel {
            if let why = book.whyNotShown(alert) { return ("not-shown", why) }
            return ("cancelled", book.withdrawal(by: alert).note)
        }
        let state = state(of: alert, in: book, at: now)
        guard state == "not-shown" else { return (state, nil) }
        if let why = book.whyNotShown(alert) { return (state, why) }
        if book.isWithdrawn(alert) { return (state, "an Update or Cancel received earlier withdrew this message") }
        return (state, "no info block applies to this box: their areas do not contain its location (alerts.location) and name none of its geocodes")
    }

    /// `active`, `scheduled`, `not-shown`, `cancelled` (a Cancel), or `expired`.
    private func state(of alert: CAPAlert, in book: AlertBook, at now: Date) -> String {
        if alert.msgType == .cancel { return "cancelled" }
        if book.active(at: now).contains(where: { $0.alert.reference == alert.reference }) { return "active" }
        if !book.isShown(alert) || book.isWithdrawn(alert) { return "not-shown" }
        if book.applicable(alert).contains(where: { book.window(of: $0, in: alert).from > now }) { return "scheduled" }
        return book.applicable(alert).isEmpty ? "not-shown" : "expired"
    }

    /// Takes a message without an envelope, as if received at `time`: for `oshirase render
    /// --alert`, which previews a file on the operator's own machine.
    public func preview(_ alert: CAPAlert, at time: Date) -> AlertAdmission {
        defer { bookVersion.add(1, ordering: .releasing) }
        return book.withLock { $0.admit(alert, at: time) }
    }

    // MARK: What displays show

    /// The overlay `display` draws at `time`, and when that next changes by itself.
    public func overlay(for display: DisplayConfig, at time: Date) -> (overlay: AlertOverlay?, nextChange: Date?) {
        // Every display asks on every frame; the answer only changes when the book does or its
        // next change comes (an edge of an alert's window, a rotation), so it is kept till then.
        let version = bookVersion.load(ordering: .acquiring)
        if let cached = overlayCache.withLock({ $0 }), cached.version == version, time >= cached.from,
           time < (cached.result.nextChange ?? .distantFuture) {
            return cached.result
        }
        let result = book.withLock { $0.overlay(at: time) }
        overlayCache.withLock { $0 = OverlayCache(version: version, from: time, result: result) }
        return result
    }

    private struct OverlayCache {
        var version: Int
        var from: Date
        var result: (overlay: AlertOverlay?, nextChange: Date?)
    }

    /// Active and scheduled alerts, for `GET /v1/alerts`.
    public func listing() -> [AlertListing] {
        let now = clock.now()
        return book.withLock { b in
            var result: [AlertListing] = b.active(at: now).map { a in
                AlertListing(identifier: a.alert.identifier, sender: a.alert.sender, sent: a.alert.sent.text,
                             status: a.alert.status.rawValue, msgType: a.alert.msgType.rawValue, severity: a.severity.rawValue,
                             headline: a.infos.first.map { $0.headline ?? $0.event } ?? "", state: "active",
                             presentation: a.presentation.rawValue, from: a.from, until: a.until)
            }
            let listed = Set(result.map(\.identifier))
            for alert in b.messages.values.sorted(by: { $0.sent.date < $1.sent.date })
            where b.isShown(alert) && !b.isWithdrawn(alert) && !listed.contains(alert.identifier) {
                let infos = b.applicable(alert).filter { b.window(of: $0, in: alert).from > now }
                guard let info = infos.first else { continue }
                let w = b.window(of: info, in: alert)
                result.append(AlertListing(identifier: alert.identifier, sender: alert.sender, sent: alert.sent.text,
                                           status: alert.status.rawValue, msgType: alert.msgType.rawValue,
                                           severity: info.severity.rawValue, headline: info.headline ?? info.event,
                                           state: "scheduled",
                                           presentation: b.policy.presentation(of: info.severity).rawValue,
                                           from: w.from, until: w.until))
            }
            return result
        }
    }
}

/// Lets a line through at most once per `interval` seconds, counting those held back.
struct RateLimitedLog: Sendable {
    let interval: Double
    private var last = -Double.infinity
    private var held = 0

    init(interval: Double) { self.interval = interval }

    /// Nil when this line is held back; else how many were held back since the last one.
    mutating func shouldLog(at now: Double) -> Int? {
        guard now - last >= interval else {
            held += 1
            return nil
        }
        defer { held = 0 }
        last = now
        return held
    }
}
