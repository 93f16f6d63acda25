import Crypto
public import Foundation
package import Logging
package import OshiraseCAP
package import OshiraseCore
package import OshiraseConfig
import OshiraseSigning
package import OshiraseStore
import Synchronization

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
    package var presentation: String
    public var from: Date
    public var until: Date
}

/// Emergency messages in the daemon: the book of what is active, which every display asks what to
/// draw, and the way in for pushes and feed documents (`AlertIntake`, which checks, stores and
/// audits each one, one at a time, on a thread of its own).
package final class AlertCenter: Sendable {
    package let config: AlertsConfig
    private let clock: any WallClock
    private let book: AlertBookCell
    private let intake: AlertIntake
    private let intakeExecutor: ThreadExecutor
    private let overlayCache = Mutex<OverlayCache?>(nil)
    /// The alerts each display has presented a frame of, and who is told of a first one.
    private let firstFrames = Mutex<FirstFrames>(FirstFrames())

    /// - Parameter store: where messages, the audit and seen signatures go; nil keeps them in
    ///   memory only (tests).
    package init(config: AlertsConfig, store: StateStore?, clock: any WallClock, logger: Logger) {
        self.config = config
        self.clock = clock
        // Every line of the alert path says so as metadata: `component=alerts`.
        var logger = logger
        logger[metadataKey: "component"] = "alerts"
        // The config's loader has checked every line with `TrustedKey.parse`; a key built in code
        // that is not one is said, never dropped in silence.
        let keys = config.keys.compactMap { line -> TrustedKey? in
            do {
                return try TrustedKey(keyID: line.id, publicKey: Curve25519.Signing.PublicKey(rawRepresentation: line.publicKey))
            } catch {
                logger.error("the trusted key is not an Ed25519 public key (\(error)); pushes signed with it are refused",
                             metadata: ["key": "\(line.id)"])
                return nil
            }
        }
        // Keys sharing an id while rotating share their senders; one unrestricted key lifts the limit.
        var senders: [String: Set<String>] = [:]
        for line in config.keys {
            if line.senders.isEmpty || senders[line.id]?.isEmpty == true {
                senders[line.id] = []
            } else {
                senders[line.id, default: []].formUnion(line.senders)
            }
        }
        book = AlertBookCell(AlertBook(policy: config.policy))
        intake = AlertIntake(keys: keys, sendersByKey: senders, store: store, clock: clock, logger: logger, book: book)
        intakeExecutor = intake.executor
    }

    func setOnChange(_ action: @escaping @Sendable () -> Void) { book.setOnChange(action) }

    /// Reads back what the store kept, in the order received: active alerts survive a restart.
    /// Blocks the caller until done (once, at start, before the displays run).
    package func restore() { waitForIntake { intake in await intake.restore() } }

    // MARK: Intake

    /// Handles one `POST /v1/alerts`: every request, kept or not, ends in the audit.
    package func push(body: [UInt8], headers: [String: String], source: String) async -> AlertIntakeOutcome {
        await intake.take(body: body, headers: headers, source: source, trust: .envelope)
    }

    /// Takes one message a feed served (docs/alerts.md): accepted when it carries the signed
    /// envelope (as response headers), or came over https from a sender the feed lists. A
    /// document fetched again with the same signature is simply already known. Blocks until
    /// done: the feed poller runs on a thread of its own.
    package func ingestFeedMessage(body: [UInt8], headers: [String: String], url: String, httpsSenders: [String]) -> AlertIntakeOutcome {
        let https = url.lowercased().hasPrefix("https://")
        return waitForIntake { intake in
            await intake.take(body: body, headers: headers, source: url, trust: .feed(https: https, senders: httpsSenders))
        }
    }

    /// Takes one message a fleet broker delivered (docs/fleet.md): the envelope line and the CAP
    /// bytes, checked by the feed rule (any age; the CAP times decide).
    package func ingestBrokerMessage(payload: [UInt8], topic: String) async -> AlertIntakeOutcome {
        await intake.take(payload: payload, topic: topic)
    }

    /// Takes a message without an envelope, as if received at `time`, into the book in memory
    /// (tests; `oshirase render --alert` keeps a book of its own). Blocks until done.
    package func preview(_ alert: CAPAlert, at time: Date) -> AlertAdmission {
        waitForIntake { intake in await intake.admitUnsigned(alert, at: time) }
    }

    /// Runs `body` on the intake and waits for it. The task starts on the intake's own thread, so
    /// it needs none of the shared pool: a caller on a pool thread only blocks that thread for the
    /// time the intake takes. Never called on the intake's thread, which would wait for itself.
    private func waitForIntake<T: Sendable>(_ body: @escaping @Sendable (AlertIntake) async -> T) -> T {
        precondition(!intakeExecutor.isCurrentThread, "waitForIntake on the intake's own thread")
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        let intake = self.intake
        Task(executorPreference: intakeExecutor) {
            let value = await body(intake)
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        guard let value = result.withLock({ $0 }) else { preconditionFailure("the intake task ended without a result") }
        return value
    }

    /// The state a kept message is in, and why when it is `not-shown` or a Cancel left something
    /// on screen: the same words whether it was just accepted or arrives again.
    static func outcome(of alert: CAPAlert, in book: AlertBook, at now: Date) -> (state: String, reason: String?) {
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
    static func state(of alert: CAPAlert, in book: AlertBook, at now: Date) -> String {
        if alert.msgType == .cancel { return "cancelled" }
        if book.active(at: now).contains(where: { $0.alert.reference == alert.reference }) { return "active" }
        if !book.isShown(alert) || book.isWithdrawn(alert) { return "not-shown" }
        if book.applicable(alert).contains(where: { book.window(of: $0, in: alert).from > now }) { return "scheduled" }
        return book.applicable(alert).isEmpty ? "not-shown" : "expired"
    }

    // MARK: What displays show

    /// The overlay `display` draws at `time`, and when that next changes by itself.
    package func overlay(for display: DisplayConfig, at time: Date) -> (overlay: AlertOverlay?, nextChange: Date?) {
        // Every display asks on every frame; the answer only changes when the book does or its
        // next change comes (an edge of an alert's window, a rotation), so it is kept till then.
        let version = book.currentVersion
        if let cached = overlayCache.withLock({ $0 }), cached.version == version, time >= cached.from,
           time < (cached.result.nextChange ?? .distantFuture) {
            return cached.result
        }
        let result = book.read { $0.overlay(at: time) }
        overlayCache.withLock { $0 = OverlayCache(version: version, from: time, result: result) }
        return result
    }

    /// Told once per alert and display, on the first frame presented with it: the fleet's receipt.
    package func setOnFirstFrame(_ action: @escaping @Sendable (AlertIdentity, String, Date) -> Void) {
        firstFrames.withLock { $0.observer = action }
    }

    /// A display presented a frame showing `alert` at `time` (every such frame; only the first counts).
    func presented(_ alert: AlertIdentity, on display: String, at time: Date) {
        let observer = firstFrames.withLock { frames -> (@Sendable (AlertIdentity, String, Date) -> Void)? in
            guard frames.seen.insert(FirstFrames.Key(alert: alert, display: display)).inserted else { return nil }
            // Bounded: a box up for years forgets the oldest alerts' frames all at once.
            if frames.seen.count > 10_000 { frames.seen = [FirstFrames.Key(alert: alert, display: display)] }
            return frames.observer
        }
        observer?(alert, display, time)
    }

    private struct FirstFrames {
        struct Key: Hashable {
            var alert: AlertIdentity
            var display: String
        }
        var seen: Set<Key> = []
        var observer: (@Sendable (AlertIdentity, String, Date) -> Void)?
    }

    private struct OverlayCache {
        var version: Int
        var from: Date
        var result: (overlay: AlertOverlay?, nextChange: Date?)
    }

    /// Active and scheduled alerts, for `GET /v1/alerts`.
    package func listing() -> [AlertListing] {
        let now = clock.now()
        return book.read { b in
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
