package import Foundation
import OshiraseCore

/// City hall's picture of the fleet, built from the retained box topics (`oshirase/v1/box/#`):
/// each box's status, state, last receipt and thumbnails. Pure: fed messages with the time they
/// arrived, it reads no clock and does no I/O. `oshirase fleet status` and the fleet page read it.
package struct FleetDirectory: Sendable {
    package private(set) var boxes: [String: FleetBox] = [:]

    package init() {}

    /// Takes one message; false when the topic is not a box's.
    @discardableResult
    package mutating func take(topic: String, payload: [UInt8], at now: Date) -> Bool {
        guard let parsed = FleetTopic.boxTopic(topic) else { return false }
        var box = boxes[parsed.box] ?? FleetBox(id: parsed.box)
        switch parsed.kind {
        case .status:
            if payload.isEmpty {
                boxes[parsed.box] = nil
                return true
            }
            guard let status = FleetJSON.decode(BoxStatus.self, from: payload), status.box == parsed.box else { return true }
            if box.status?.state != status.state || box.status?.boot != status.boot { box.statusSeenAt = now }
            box.status = status
        case .state:
            guard let state = FleetJSON.decode(BoxState.self, from: payload), state.box == parsed.box else { return true }
            box.state = state
            box.thumbnails = box.thumbnails.filter { name, _ in state.displays.contains { $0.name == name } }
            if box.lastReceipt == nil { box.lastReceipt = state.lastReceipt }
        case .receipt:
            guard let receipt = FleetJSON.decode(AlertReceipt.self, from: payload), receipt.box == parsed.box else { return true }
            box.lastReceipt = receipt
        case .thumbnail(let display):
            // A JPEG of a display the box has, of sensible size: a box cannot fill city hall's
            // memory with thumbnails of displays it invents.
            let known = box.state.map { $0.displays.contains { $0.name == display } } ?? (box.thumbnails.count < FleetBox.maximumThumbnails)
            if payload.isEmpty || !known || payload.count > FleetBox.maximumThumbnailBytes || !payload.starts(with: [0xFF, 0xD8, 0xFF]) {
                box.thumbnails[display] = nil
            } else {
                box.thumbnails[display] = payload
            }
        }
        boxes[parsed.box] = box
        return true
    }

    /// The fleet as several brokers see it, box by box: online if any broker says so (the latest
    /// connection's status), the newest state, the newest receipt, and the thumbnails of the
    /// broker whose state is taken. A box that moved to another broker left its will (offline)
    /// on the first.
    package static func merged(_ directories: [FleetDirectory]) -> FleetDirectory {
        guard directories.count > 1 else { return directories.first ?? FleetDirectory() }
        var result = FleetDirectory()
        let ids = Set(directories.flatMap { $0.boxes.keys })
        for id in ids {
            let seen = directories.compactMap { $0.boxes[id] }
            var box = FleetBox(id: id)
            let online = seen.filter(\.isOnline)
            let statusFrom = (online.isEmpty ? seen : online).max { a, b in
                (a.status?.since ?? "", a.statusSeenAt ?? .distantPast) < (b.status?.since ?? "", b.statusSeenAt ?? .distantPast)
            }
            box.status = statusFrom?.status
            box.statusSeenAt = statusFrom?.statusSeenAt
            let stateFrom = seen.filter { $0.state != nil }.max { ($0.state?.at ?? "") < ($1.state?.at ?? "") }
            box.state = stateFrom?.state
            box.thumbnails = stateFrom?.thumbnails ?? seen.first { !$0.thumbnails.isEmpty }?.thumbnails ?? [:]
            box.lastReceipt = seen.compactMap(\.lastReceipt).max { ($0.shown ?? $0.received ?? "") < ($1.shown ?? $1.received ?? "") }
            result.boxes[id] = box
        }
        return result
    }

    /// Every box known, offline (and never seen online) first, then by id.
    package var sorted: [FleetBox] {
        boxes.values.sorted { a, b in
            if a.isOnline != b.isOnline { return !a.isOnline }
            return a.id < b.id
        }
    }
}

/// One box as the fleet sees it.
package struct FleetBox: Sendable, Equatable {
    package var id: String
    package var status: BoxStatus?
    /// When this watcher saw the status change (or first saw it).
    package var statusSeenAt: Date?
    package var state: BoxState?
    package var lastReceipt: AlertReceipt?
    /// JPEG bytes per display.
    package var thumbnails: [String: [UInt8]] = [:]

    package init(id: String) { self.id = id }

    /// Thumbnails kept for a box whose state is not known yet.
    static let maximumThumbnails = 16
    /// The largest thumbnail kept: the box makes about 3 KiB.
    static let maximumThumbnailBytes = 256 * 1024

    package var isOnline: Bool { status?.state == .online }

    /// Since when it is online (the box's own word) or, offline, when it was last heard of: its
    /// last state's time, else when this watcher saw it go.
    package var since: Date? {
        if isOnline { return status?.since.flatMap(Instant.parse) ?? statusSeenAt }
        return state.flatMap { Instant.parse($0.at) } ?? statusSeenAt
    }

    /// The box as JSON for `fleet status --format json` and the fleet page (thumbnails as paths).
    package var summary: FleetBoxSummary {
        FleetBoxSummary(box: id, status: status?.state.rawValue ?? "unknown", since: since.map { Instant.formatUTC($0) },
                        boot: status?.boot, version: status?.version, site: status?.site,
                        displays: state?.displays ?? [], alerts: state?.alerts ?? [], stateAt: state?.at,
                        lastReceipt: lastReceipt, thumbnails: thumbnails.keys.sorted())
    }
}

/// What `fleet status --format json` prints for each box.
package struct FleetBoxSummary: Codable, Sendable, Equatable {
    package var box: String
    /// `online`, `offline`, or `unknown` (a state or receipt seen, no status yet).
    package var status: String
    /// Online: since it connected. Offline: when it was last heard of.
    package var since: String?
    package var boot: String?
    package var version: String?
    package var site: String?
    package var displays: [BoxState.Display]
    package var alerts: [BoxState.Alert]
    /// When its state was published.
    package var stateAt: String?
    package var lastReceipt: AlertReceipt?
    /// The displays with a thumbnail.
    package var thumbnails: [String]
}
