import Crypto
public import Foundation
import Synchronization

/// Where a box remembers the signatures it accepted, so the same signed push cannot be played
/// twice: the one replay memory a verifier writes (``PushVerifier``). ``ReplayGuard`` keeps it in
/// memory; the daemon keeps it in its database, across restarts.
public protocol ReplayMemory: Sendable {
    /// How long a signature is remembered after it was accepted.
    var retention: TimeInterval { get }
    /// Checks a signature's digest and, when it is new, remembers it until `expires`, in one step
    /// (so two concurrent copies of one push cannot both be fresh).
    func remember(digest: [UInt8], until expires: Date, now: Date) -> ReplayCheck
    /// Forgets a digest ``remember(digest:until:now:)`` found fresh: for a push the box could not
    /// keep (a 503), whose sender may send the very same request again.
    func forget(digest: [UInt8])
}

/// What a replay memory found.
public enum ReplayCheck: Sendable, Equatable {
    /// Not seen before; now remembered.
    case fresh
    /// Seen before and still remembered: a replay.
    case replayed
    /// The memory is full of unexpired signatures; the oldest expires at `retryAfter`.
    case full(retryAfter: Date)
    /// The memory cannot be read or written now (its disk failed); why.
    case unavailable(String)
}

/// Remembers the signatures a box has accepted, in memory, so the same signed push cannot be played twice.
///
/// A signature is remembered by its SHA-256 (32 bytes, whatever the signature) until `retention`
/// after it was accepted. The retention must be longer than the timestamp window: once a
/// signature is forgotten, its timestamp must already be too old to be accepted again. The
/// default, twice the window, also covers a sender whose clock is ahead by the whole window.
///
/// Memory is bounded: at most `capacity` signatures. Expired ones are dropped as time passes;
/// when all `capacity` are still unexpired, new pushes are refused (HTTP 503 with a retry time)
/// rather than forgetting a live signature, which would reopen the door to replays. Filling it
/// takes `capacity` validly signed pushes within the retention, i.e. city hall's own key.
///
/// Safe to use from many tasks at once. `entries()` and `restore(_:now:)` let the daemon keep
/// the memory in its database across restarts.
public final class ReplayGuard: ReplayMemory {
    /// The default bound on remembered signatures.
    public static let defaultCapacity = 100_000

    /// How long a signature is remembered after it was accepted.
    public let retention: TimeInterval
    /// The most signatures remembered at once.
    public let capacity: Int

    private struct State {
        var expiries: [[UInt8]: Date] = [:]
        /// When expired entries are next swept out; sweeping on a schedule keeps it O(1) per push.
        var nextSweep: Date = .distantPast
    }

    private let state = Mutex(State())

    /// Makes an empty guard. `retention` should be at least twice the timestamp window.
    public init(retention: TimeInterval, capacity: Int = ReplayGuard.defaultCapacity) {
        self.retention = retention
        self.capacity = max(1, capacity)
    }

    /// What `record(signature:now:)` found.
    package enum Outcome: Sendable, Equatable {
        /// Not seen before; now remembered until `expires`. `digest` is what to persist.
        case fresh(digest: [UInt8], expires: Date)
        /// Seen before and still remembered: a replay.
        case replayed
        /// The memory is full of unexpired signatures; the oldest expires at `retryAfter`.
        case full(retryAfter: Date)
    }

    /// Checks a signature and remembers it when it is new, in one step (so two concurrent
    /// copies of one push cannot both be fresh).
    package func record(signature: [UInt8], now: Date) -> Outcome {
        let digest = Array(SHA256.hash(data: signature))
        let expires = now.addingTimeInterval(retention)
        switch remember(digest: digest, until: expires, now: now) {
        case .fresh: return .fresh(digest: digest, expires: expires)
        case .replayed: return .replayed
        case .full(let retryAfter): return .full(retryAfter: retryAfter)
        case .unavailable: return .full(retryAfter: expires)
        }
    }

    public func remember(digest: [UInt8], until expires: Date, now: Date) -> ReplayCheck {
        let retention = self.retention
        let capacity = self.capacity
        return state.withLock { state in
            if now >= state.nextSweep || state.expiries.count >= capacity {
                Self.sweep(&state, now: now, retention: retention)
            }
            if let known = state.expiries[digest], known > now {
                return .replayed
            }
            if state.expiries.count >= capacity && state.expiries[digest] == nil {
                let oldest = state.expiries.values.min() ?? now.addingTimeInterval(retention)
                return .full(retryAfter: oldest)
            }
            state.expiries[digest] = expires
            return .fresh
        }
    }

    /// Forgets a signature `record` found fresh, by the digest it returned: for a push the box
    /// could not keep (its store failed, a 503), whose sender may send the very same request again.
    public func forget(digest: [UInt8]) {
        _ = state.withLock { $0.expiries.removeValue(forKey: digest) }
    }

    /// Whether a signature is currently remembered (for tests and diagnostics).
    public func contains(signature: [UInt8], now: Date) -> Bool {
        let digest = Array(SHA256.hash(data: signature))
        return state.withLock { state in
            guard let expires = state.expiries[digest] else { return false }
            return expires > now
        }
    }

    /// The number of signatures held, expired ones not yet swept included.
    public var count: Int {
        state.withLock { $0.expiries.count }
    }

    /// Every remembered signature digest with its expiry, for persisting; sorted by expiry.
    package func entries() -> [(digest: [UInt8], expires: Date)] {
        state.withLock { state in
            state.expiries.map { (digest: $0.key, expires: $0.value) }.sorted { $0.expires < $1.expires }
        }
    }

    /// Adds persisted entries (from `entries()` or from `.fresh` outcomes), dropping expired
    /// ones and any that are not 32-byte digests. Past `capacity`, the entries expiring last
    /// are kept, as they guard the longest.
    package func restore(_ entries: [(digest: [UInt8], expires: Date)], now: Date) {
        let capacity = self.capacity
        let retention = self.retention
        state.withLock { state in
            for entry in entries where entry.digest.count == SHA256.byteCount && entry.expires > now {
                // An entry restored after the clock was stepped back must not outlive the retention.
                let expires = min(entry.expires, now.addingTimeInterval(retention))
                state.expiries[entry.digest] = max(state.expiries[entry.digest] ?? .distantPast, expires)
            }
            Self.sweep(&state, now: now, retention: retention)
            if state.expiries.count > capacity {
                let keep = state.expiries.sorted { $0.value > $1.value }.prefix(capacity)
                state.expiries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
            }
        }
    }

    private static func sweep(_ state: inout State, now: Date, retention: TimeInterval) {
        state.expiries = state.expiries.filter { $0.value > now }
        state.nextSweep = now.addingTimeInterval(max(1, retention / 4))
    }
}
