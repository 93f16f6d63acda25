package import Foundation
package import OshiraseCore

/// How this box treats alerts: what it shows, where it is, for how long at most.
public struct AlertPolicy: Sendable, Equatable {
    /// How long an alert without `expires` is shown, from its `effective` time.
    package var maximumDuration: Double
    /// Whether Exercise alerts are shown (always with a 訓練 / EXERCISE banner).
    package var showsExercises: Bool
    /// Where the box is: alerts whose areas do not contain it are not shown. Nil: everywhere.
    package var location: CAPPoint?
    /// `geocode` values that name this box's place (e.g. a municipality code `valueName=JIS, value=01101`).
    package var geocodes: [CAPValuePair]
    /// Languages in the order they rotate; a tag matches its own and longer tags (`ja` matches `ja-JP`).
    package var languages: [String]
    /// Severities that take over the whole screen; the others are a banner in the ticker zone.
    package var takeover: Set<CAPSeverity>
    /// The alert level (1–5, for the colours) of each severity, unless the message states its own.
    package var levels: [CAPSeverity: Int]
    /// Seconds each language of a multi-language alert stays before the next.
    package var rotateSeconds: Double
    /// On kiosks, a takeover leaves the temperature panel working (true) or covers it too.
    package var kioskKeepsPanel: Bool

    public init(maximumDuration: Double = 6 * 3600, showsExercises: Bool = false, location: CAPPoint? = nil,
                geocodes: [CAPValuePair] = [], languages: [String] = ["ja-JP", "en-US", "zh-CN", "ko-KR"],
                takeover: Set<CAPSeverity> = [.extreme, .severe], levels: [CAPSeverity: Int] = AlertPolicy.defaultLevels,
                rotateSeconds: Double = 8, kioskKeepsPanel: Bool = true) {
        self.maximumDuration = maximumDuration
        self.showsExercises = showsExercises
        self.location = location
        self.geocodes = geocodes
        self.languages = languages
        self.takeover = takeover
        self.levels = levels
        self.rotateSeconds = rotateSeconds
        self.kioskKeepsPanel = kioskKeepsPanel
    }

    /// Extreme → 5 (black), Severe → 4 (purple), Moderate → 3 (red), Minor → 2 (yellow), Unknown → 3.
    public static let defaultLevels: [CAPSeverity: Int] = [.extreme: 5, .severe: 4, .moderate: 3, .minor: 2, .unknown: 3]

    /// The takeover rule, the one place it is decided: a takeover for the severities listed in
    /// ``takeover``, a banner for the others.
    package func presentation(of severity: CAPSeverity) -> AlertPresentation {
        takeover.contains(severity) ? .takeover : .banner
    }
}

/// An alert on screen now: the message, its info blocks for this place in rotation order, and
/// how it is shown.
package struct ActiveAlert: Sendable, Equatable {
    package var alert: CAPAlert
    /// The info blocks whose areas contain this box, ordered by the policy's languages.
    package var infos: [CAPInfo]
    package var presentation: AlertPresentation
    package var severity: CAPSeverity
    /// Exercise: shown with a 訓練 / EXERCISE banner.
    package var isExercise: Bool
    /// The window in which it is shown.
    package var from: Date
    package var until: Date
}

/// What became of one message given to the book.
package enum AlertAdmission: Sendable, Equatable {
    /// Stored; it (or what it changes) counts from now on.
    case stored
    /// The same message was stored before.
    case duplicate
    /// Another message with the same sender, identifier and sent is stored: the identity is taken.
    case conflict
    /// Accepted and kept, but never shown (Test, System, Ack, Error; an Exercise where exercises are off).
    case notShown(String)
    /// Refused: nothing changes.
    case rejected(String)
}

/// The alerts this box knows and what they mean now (docs/alerts.md), pure: fed messages and
/// asked about instants, it reads no clock and does no I/O. The store replays what it saved into
/// a new book at start, in the order it was received.
package struct AlertBook: Sendable, Equatable {
    package let policy: AlertPolicy
    /// Every message kept, by its identity.
    package private(set) var messages: [CAPReference: CAPAlert] = [:]
    /// The order messages came in.
    private var order: [CAPReference] = []
    /// Messages an Update replaced or a Cancel removed, with the status of what withdrew them,
    /// remembered even before they arrive, so a late original is never shown. An Exercise
    /// withdraws only exercises, an Actual message only actual ones: a training Cancel that
    /// names a real evacuation order by mistake leaves it on screen.
    package private(set) var withdrawals: [CAPReference: Set<CAPStatus>] = [:]

    /// Whether the message with this identity and status has been replaced or cancelled.
    package func isWithdrawn(_ alert: CAPAlert) -> Bool {
        withdrawals[alert.reference]?.contains(alert.status) == true
    }

    package init(policy: AlertPolicy = AlertPolicy()) {
        self.policy = policy
    }

    /// Takes one validated message received at `now`.
    package mutating func admit(_ alert: CAPAlert, at now: Date) -> AlertAdmission {
        let key = alert.reference
        if let stored = messages[key] { return stored == alert ? .duplicate : .conflict }
        if alert.status == .draft { return .rejected("status Draft: a draft is not sent to screens") }
        if alert.msgType == .alert || alert.msgType == .update, alert.status == .actual || alert.status == .exercise,
           !alert.infos.isEmpty, alert.infos.allSatisfy({ window(of: $0, in: alert).until <= now }) {
            return .rejected("expired: every info block's expires is in the past")
        }
        messages[key] = alert
        order.append(key)
        switch alert.msgType {
        case .update, .cancel:
            // Only Actual and Exercise messages change what is shown, each within its own status.
            guard alert.status == .actual || alert.status == .exercise else { break }
            for reference in alert.references where reference.sender == alert.sender {
                withdrawals[reference, default: []].insert(alert.status)
            }
        case .alert, .ack, .error:
            break
        }
        if let why = whyNotShown(alert) { return .notShown(why) }
        return .stored
    }

    /// Why a kept message changes nothing on this box's screens, in words for the sender; nil
    /// when it does (or, for a Cancel, withdraws at least one message).
    package func whyNotShown(_ alert: CAPAlert) -> String? {
        switch alert.status {
        case .test, .system, .draft: return "status \(alert.status.rawValue): logged, never shown"
        case .exercise where !policy.showsExercises: return "status Exercise: exercises are not shown on this box"
        case .actual, .exercise: break
        }
        switch alert.msgType {
        case .cancel:
            let effect = withdrawal(by: alert)
            return effect.withdrawsAny ? nil : effect.note
        case .ack, .error: return "msgType \(alert.msgType.rawValue): nothing to show"
        case .alert, .update: return nil
        }
    }

    /// What an Update or Cancel withdraws: whether it withdraws any message it names (its own
    /// sender's, of its own status, or one not received yet, which is then never shown), and
    /// why it leaves the others (another sender's; an Actual message named by an Exercise, or
    /// the other way round). A duty officer must not believe an order is off the screens
    /// when it is not.
    package func withdrawal(by alert: CAPAlert) -> (withdrawsAny: Bool, note: String?) {
        let foreign = alert.references.filter { $0.sender != alert.sender }
        let own = alert.references.filter { $0.sender == alert.sender }
        let otherStatus = own.filter { reference in messages[reference].map { $0.status != alert.status } ?? false }
        let withdrawsAny = own.count > otherStatus.count
        var notes: [String] = []
        if !foreign.isEmpty {
            let senders = Set(foreign.map(\.sender)).sorted().joined(separator: ", ")
            notes.append("\(alert.sender) cannot withdraw messages of \(senders): a sender withdraws only its own")
        }
        if !otherStatus.isEmpty {
            let named = otherStatus.map { "\($0.identifier) (\(messages[$0]?.status.rawValue ?? "?"))" }.joined(separator: ", ")
            let kind = alert.status == .exercise ? "exercises" : "\(alert.status.rawValue) messages"
            notes.append("an \(alert.status.rawValue) \(alert.msgType.rawValue) withdraws only \(kind), not \(named)")
        }
        guard !notes.isEmpty else { return (withdrawsAny, nil) }
        return (withdrawsAny, notes.joined(separator: "; ") + (withdrawsAny ? "" : "; nothing was withdrawn"))
    }

    /// Forgets messages whose every window ended before `cutoff` (their withdrawals stay).
    package mutating func forget(endedBefore cutoff: Date) {
        for key in order {
            guard let alert = messages[key], alert.msgType != .cancel else { continue }
            if alert.infos.allSatisfy({ window(of: $0, in: alert).until < cutoff }) {
                messages[key] = nil
            }
        }
        order.removeAll { messages[$0] == nil }
    }

    /// The alerts shown at `time`, most severe first, newest first among equals.
    package func active(at time: Date) -> [ActiveAlert] {
        var result: [ActiveAlert] = []
        for key in order {
            guard let alert = messages[key], !isWithdrawn(alert), isShown(alert) else { continue }
            let infos = applicable(alert).filter { info in
                let w = window(of: info, in: alert)
                return w.from <= time && time < w.until
            }
            guard !infos.isEmpty else { continue }
            let severity = infos.map(\.severity).min(by: { Self.rank($0) < Self.rank($1) }) ?? .unknown
            let windows = infos.map { window(of: $0, in: alert) }
            result.append(ActiveAlert(alert: alert, infos: ordered(infos),
                                      presentation: policy.presentation(of: severity),
                                      severity: severity, isExercise: alert.status == .exercise,
                                      from: windows.map(\.from).min() ?? alert.sent.date,
                                      until: windows.map(\.until).max() ?? alert.sent.date))
        }
        return result.sorted { a, b in
            if Self.rank(a.severity) != Self.rank(b.severity) { return Self.rank(a.severity) < Self.rank(b.severity) }
            return a.alert.sent.date > b.alert.sent.date
        }
    }

    /// What every display draws at `time`: the first active alert's info block for this moment of
    /// the language rotation, in its level's colours; and when that next changes by itself (an
    /// alert's window opens or closes, the rotation moves on). Pure, like the rest of the book:
    /// the daemon's displays and `oshirase render --alert` both call it.
    package func overlay(at time: Date) -> (overlay: AlertOverlay?, nextChange: Date?) {
        let next = nextChange(after: time)
        guard let first = active(at: time).first, !first.infos.isEmpty else { return (nil, next) }
        let rotate = policy.rotateSeconds
        let elapsed = max(0, time.timeIntervalSince(first.from))
        let index = first.infos.count > 1 ? Int((elapsed / rotate).rounded(.down)) % first.infos.count : 0
        var change = next
        if first.infos.count > 1 {
            let boundary = first.from.addingTimeInterval((elapsed / rotate).rounded(.down) * rotate + rotate)
            change = min(change ?? boundary, boundary)
        }
        let info = first.infos[index]
        let level = Self.level(of: info) ?? policy.levels[first.severity] ?? 3
        let colours = AlertLevelColours.colours(level: level)
        let body = [info.description, info.instruction].compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }.joined(separator: "\n")
        var overlay = AlertOverlay(presentation: first.presentation, event: info.event,
                                   headline: info.headline ?? info.event, body: body, language: info.language,
                                   senderName: info.senderName, isExercise: first.isExercise,
                                   background: colours.background, text: colours.text)
        overlay.coversPanel = !policy.kioskKeepsPanel
        overlay.identity = AlertIdentity(sender: first.alert.sender, identifier: first.alert.identifier, sent: first.alert.sent.text)
        return (overlay, change)
    }

    /// A level the message states itself: a `parameter` named 警戒レベル or `alertLevel` with 1–5.
    static func level(of info: CAPInfo) -> Int? {
        for p in info.parameters where ["警戒レベル", "alertLevel", "alert-level"].contains(p.valueName) {
            // Full-width digits (警戒レベル５) are as common as ASCII ones in Japanese text.
            let digits = p.value.compactMap(\.wholeNumberValue)
            if digits.count == 1, let n = digits.first, (1...5).contains(n) { return n }
        }
        return nil
    }

    /// The next instant after `time` at which `active(at:)` may change by itself (an alert
    /// becomes effective or expires); nil when nothing is pending.
    package func nextChange(after time: Date) -> Date? {
        var next: Date?
        for key in order {
            guard let alert = messages[key], !isWithdrawn(alert), isShown(alert) else { continue }
            for info in applicable(alert) {
                let w = window(of: info, in: alert)
                for edge in [w.from, w.until] where edge > time && edge < (next ?? .distantFuture) { next = edge }
            }
        }
        return next
    }

    // MARK: Rules

    /// Whether a message of this status and type is ever shown on this box.
    package func isShown(_ alert: CAPAlert) -> Bool {
        guard alert.msgType == .alert || alert.msgType == .update else { return false }
        switch alert.status {
        case .actual: return true
        case .exercise: return policy.showsExercises
        case .test, .system, .draft: return false
        }
    }

    /// From `effective` (default: the message's `sent`) to `expires` (default: the policy's
    /// maximum after that).
    package func window(of info: CAPInfo, in alert: CAPAlert) -> (from: Date, until: Date) {
        let from = info.effective?.date ?? alert.sent.date
        let until = info.expires?.date ?? from.addingTimeInterval(policy.maximumDuration)
        return (from, until)
    }

    /// The info blocks whose areas contain this box (all of them where the box has no location,
    /// and those with no area at all).
    package func applicable(_ alert: CAPAlert) -> [CAPInfo] {
        alert.infos.filter { info in
            guard !info.areas.isEmpty else { return true }
            return info.areas.contains { covers($0) }
        }
    }

    /// Whether `area` contains this box: a geocode it lists names the box's place, or one of its
    /// shapes contains the box's location. Where the box cannot judge (a geocode-only area and no
    /// geocodes configured, a shapes-only area and no location), it shows the alert rather than
    /// miss an evacuation order.
    func covers(_ area: CAPArea) -> Bool {
        if area.geocodes.contains(where: { policy.geocodes.contains($0) }) { return true }
        let hasShapes = !area.circles.isEmpty || !area.polygons.isEmpty
        if hasShapes, let here = policy.location {
            if area.circles.contains(where: { Geometry.distanceKilometres(here, $0.center) <= $0.radiusKilometres }) { return true }
            return area.polygons.contains { Geometry.contains($0, here) }
        }
        // Both sides name places by geocode, and none matched.
        if !area.geocodes.isEmpty && !policy.geocodes.isEmpty { return false }
        return true
    }

    /// Info blocks in the policy's language order; languages it does not list follow, as sent.
    func ordered(_ infos: [CAPInfo]) -> [CAPInfo] {
        func position(_ info: CAPInfo) -> Int {
            for (i, wanted) in policy.languages.enumerated() where LanguageTag.matches(info.language, wanted) { return i }
            return policy.languages.count
        }
        return infos.enumerated().sorted { a, b in
            let pa = position(a.element), pb = position(b.element)
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
    }

    /// Extreme first.
    static func rank(_ severity: CAPSeverity) -> Int {
        switch severity {
        case .extreme: 0
        case .severe: 1
        case .moderate: 2
        case .minor: 3
        case .unknown: 4
        }
    }
}

/// Points, circles and polygons on the WGS 84 ellipsoid, approximated as a sphere: at the size
/// of a city's alert areas the error is metres.
package enum Geometry {
    /// Great-circle distance (haversine) in kilometres.
    package static func distanceKilometres(_ a: CAPPoint, _ b: CAPPoint) -> Double {
        let r = 6371.0088
        let φ1 = a.latitude * .pi / 180, φ2 = b.latitude * .pi / 180
        let dφ = φ2 - φ1, dλ = (b.longitude - a.longitude) * .pi / 180
        let h = sin(dφ / 2) * sin(dφ / 2) + cos(φ1) * cos(φ2) * sin(dλ / 2) * sin(dλ / 2)
        return 2 * r * asin(min(1, sqrt(h)))
    }

    /// Whether `point` lies inside the closed ring `polygon` (even-odd rule, latitude and
    /// longitude as plane coordinates; a point on an edge counts as inside).
    package static func contains(_ polygon: [CAPPoint], _ point: CAPPoint) -> Bool {
        guard polygon.count >= 4 else { return false }
        var inside = false
        var j = polygon.count - 1
        for i in 0..<polygon.count {
            let a = polygon[i], b = polygon[j]
            if onSegment(point, a, b) { return true }
            if (a.latitude > point.latitude) != (b.latitude > point.latitude) {
                let x = (b.longitude - a.longitude) * (point.latitude - a.latitude) / (b.latitude - a.latitude) + a.longitude
                if point.longitude < x { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    static func onSegment(_ p: CAPPoint, _ a: CAPPoint, _ b: CAPPoint) -> Bool {
        let cross = (b.longitude - a.longitude) * (p.latitude - a.latitude) - (b.latitude - a.latitude) * (p.longitude - a.longitude)
        guard abs(cross) < 1e-12 else { return false }
        return p.longitude >= min(a.longitude, b.longitude) - 1e-12 && p.longitude <= max(a.longitude, b.longitude) + 1e-12
            && p.latitude >= min(a.latitude, b.latitude) - 1e-12 && p.latitude <= max(a.latitude, b.latitude) + 1e-12
    }
}
