import Crypto
public import Foundation

/// Checks the signed push envelope (docs/alerts.md) of a request: size, headers, key, time,
/// signature and replay, in that order.
///
/// The body size is checked first, before anything is hashed, so an oversized body costs
/// nothing. Replays are checked last, only for validly signed requests, so forged requests
/// cannot fill the replay memory. The signature check is Ed25519 verification, which does not
/// depend on secret data for its timing; key ids are public and looked up plainly.
public struct PushVerifier: Sendable {
    /// The default window for timestamps: 300 s either side of the box's clock.
    public static let defaultMaximumSkew: TimeInterval = 300

    /// Trusted keys by id. Several keys may share an id (say, the old and the new key while
    /// city hall rotates); a signature by any of them is accepted.
    private let keys: [String: [TrustedKey]]
    /// How far a timestamp may be from the box's clock, in seconds, either way.
    package let maxSkew: TimeInterval
    /// The memory of accepted signatures, written here and nowhere else; shared by copies of this
    /// verifier. Nil: no replay check (a feed, which serves one signed document for hours).
    package let replayMemory: (any ReplayMemory)?
    /// The largest body accepted.
    public let maximumBodySize: Int

    /// Makes a verifier trusting `keys` that remembers signatures in `replayMemory` (nil: no replay check).
    public init(keys: [TrustedKey], maxSkew: TimeInterval = PushVerifier.defaultMaximumSkew,
               replayMemory: (any ReplayMemory)?, maximumBodySize: Int = PushEnvelope.maximumBodySize) {
        self.keys = Dictionary(grouping: keys, by: \.keyID)
        self.maxSkew = maxSkew
        self.replayMemory = replayMemory
        self.maximumBodySize = maximumBodySize
    }

    /// Makes a verifier trusting `keys` with a replay memory in this process. Without a
    /// `replayGuard`, a new one remembers signatures for twice `maxSkew`.
    public init(keys: [TrustedKey], maxSkew: TimeInterval = PushVerifier.defaultMaximumSkew,
                replayGuard: ReplayGuard? = nil, maximumBodySize: Int = PushEnvelope.maximumBodySize) {
        self.init(keys: keys, maxSkew: maxSkew, replayMemory: replayGuard ?? ReplayGuard(retention: 2 * maxSkew),
                  maximumBodySize: maximumBodySize)
    }

    /// The in-process replay memory, when that is the one this verifier writes.
    public var replayGuard: ReplayGuard? { replayMemory as? ReplayGuard }

    /// Verifies one request. Header names are matched without regard to case, as HTTP does.
    /// On success the signature is remembered, so the same request is a replay next time.
    public func verify(headers: [String: String], body: [UInt8], now: Date) -> Result<Verified, PushRejection> {
        if body.count > maximumBodySize {
            return .failure(.bodyTooLarge(size: body.count, limit: maximumBodySize))
        }
        var values: [String: String] = [:]
        let wanted = [PushEnvelope.keyHeader, PushEnvelope.timestampHeader, PushEnvelope.signatureHeader]
        for (name, value) in headers {
            guard let canonical = wanted.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else { continue }
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if let earlier = values[canonical], earlier != trimmed {
                return .failure(.conflictingHeader(canonical))
            }
            values[canonical] = trimmed
        }
        let missing = wanted.filter { (values[$0] ?? "").isEmpty }
        guard missing.isEmpty,
              let keyID = values[PushEnvelope.keyHeader],
              let timestampText = values[PushEnvelope.timestampHeader],
              let signatureText = values[PushEnvelope.signatureHeader]
        else {
            return .failure(.missingHeaders(missing))
        }
        guard let candidates = keys[keyID] else {
            return .failure(.unknownKey(KeyID.shown(keyID)))
        }
        guard let timestamp = Self.parseTimestamp(timestampText) else {
            return .failure(.malformedTimestamp)
        }
        let offset = Double(timestamp) - now.timeIntervalSince1970
        if abs(offset) > maxSkew {
            // Clamped so that no clock, however wrong, can make the conversion trap.
            let shown = Int64(min(max(offset, -1e15), 1e15).rounded())
            return .failure(.timestampOutOfWindow(offsetSeconds: shown, maxSkew: Int64(min(maxSkew, 1e15))))
        }
        guard let signature = Data(base64Encoded: signatureText), signature.count == 64 else {
            return .failure(.malformedSignature)
        }
        let message = PushEnvelope.message(timestamp: timestamp, body: body)
        guard let key = candidates.first(where: { $0.publicKey.isValidSignature(signature, for: message) }) else {
            return .failure(.badSignature(keyID: keyID))
        }
        let digest = Array(SHA256.hash(data: signature))
        let expires = now.addingTimeInterval(replayMemory?.retention ?? 2 * maxSkew)
        let verified = Verified(keyID: key.keyID, timestamp: timestamp, signatureDigest: digest, replayExpires: expires)
        switch replayMemory?.remember(digest: digest, until: expires, now: now) ?? .fresh {
        case .fresh:
            return .success(verified)
        case .replayed:
            return .failure(.replayed)
        case .full(let retryAfter):
            let seconds = Int(max(1, retryAfter.timeIntervalSince(now).rounded(.up)))
            return .failure(.replayMemoryFull(retryAfterSeconds: seconds))
        case .unavailable(let reason):
            return .failure(.replayMemoryUnavailable(reason))
        }
    }

    /// Unix seconds in canonical decimal: digits only, no sign, no leading zero, fits Int64.
    /// One spelling per instant, so the signed text and the parsed value cannot disagree.
    static func parseTimestamp(_ text: String) -> Int64? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 19, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if utf8.count > 1 && utf8.first == 0x30 { return nil }
        return Int64(text)
    }
}

/// A request whose envelope checked out.
public struct Verified: Sendable, Equatable {
    /// The id of the trusted key that signed it: record it in the audit log.
    public var keyID: String
    /// The signing time, Unix seconds.
    public var timestamp: Int64
    /// The SHA-256 of the signature, as the replay guard remembers it; persist it with
    /// `replayExpires` to keep replay protection across restarts.
    package var signatureDigest: [UInt8]
    /// Until when the replay guard remembers this signature.
    package var replayExpires: Date
}

/// Why a push was refused, with the HTTP status to answer and a reason for the JSON body.
public enum PushRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is over the limit (413). Checked before anything else.
    case bodyTooLarge(size: Int, limit: Int)
    /// One or more envelope headers are absent or empty (401).
    case missingHeaders([String])
    /// A header appears twice (differing in case) with different values (401).
    case conflictingHeader(String)
    /// No trusted key has this id (401).
    case unknownKey(String)
    /// `Oshirase-Timestamp` is not Unix seconds in plain decimal (401).
    case malformedTimestamp
    /// The timestamp is more than `maxSkew` seconds from the box's clock (401); a positive
    /// offset is in the future.
    case timestampOutOfWindow(offsetSeconds: Int64, maxSkew: Int64)
    /// `Oshirase-Signature` is not base64 of 64 bytes (401).
    case malformedSignature
    /// The signature does not verify with the named key over this body and timestamp (401).
    case badSignature(keyID: String)
    /// This exact signature was accepted before (409).
    case replayed
    /// The replay memory is full of unexpired signatures (503); try again after the given time.
    case replayMemoryFull(retryAfterSeconds: Int)
    /// The replay memory cannot be written (the box's disk failed): 503, nothing kept.
    case replayMemoryUnavailable(String)

    /// The HTTP status to answer with.
    public var status: Int {
        switch self {
        case .bodyTooLarge: 413
        case .missingHeaders, .conflictingHeader, .unknownKey, .malformedTimestamp,
             .timestampOutOfWindow, .malformedSignature, .badSignature: 401
        case .replayed: 409
        case .replayMemoryFull, .replayMemoryUnavailable: 503
        }
    }

    /// A short stable code for the JSON body and the audit table.
    package var code: String {
        switch self {
        case .bodyTooLarge: "body-too-large"
        case .missingHeaders: "missing-headers"
        case .conflictingHeader: "conflicting-header"
        case .unknownKey: "unknown-key"
        case .malformedTimestamp: "malformed-timestamp"
        case .timestampOutOfWindow: "stale-timestamp"
        case .malformedSignature: "malformed-signature"
        case .badSignature: "bad-signature"
        case .replayed: "replayed"
        case .replayMemoryFull: "replay-memory-full"
        case .replayMemoryUnavailable: "store-unavailable"
        }
    }

    /// What is wrong and what the sender can do, for a person.
    package var reason: String {
        switch self {
        case let .bodyTooLarge(size, limit):
            "the body is \(size) bytes; the limit is \(limit) bytes (1 MiB)"
        case let .missingHeaders(names):
            "missing header\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")); sign the request with `oshirase push --key FILE`"
        case let .conflictingHeader(name):
            "the header \(name) is given twice with different values"
        case let .unknownKey(id):
            "the key '\(id)' is not trusted by this box; add its .pub line to alerts.keys in the box's config"
        case .malformedTimestamp:
            "\(PushEnvelope.timestampHeader) must be Unix seconds in decimal digits"
        case let .timestampOutOfWindow(offset, maxSkew):
            offset > 0
                ? "the timestamp is \(offset) s ahead of this box's clock (at most \(maxSkew) s is accepted); check both clocks (NTP)"
                : "the timestamp is \(-offset) s behind this box's clock (at most \(maxSkew) s is accepted); sign again just before sending, and check both clocks (NTP)"
        case .malformedSignature:
            "\(PushEnvelope.signatureHeader) must be the base64 of a 64-byte Ed25519 signature"
        case let .badSignature(keyID):
            "the signature does not match the body and timestamp for key '\(keyID)'; was the body changed after signing, or signed with another key?"
        case .replayed:
            "this signature was already used; sign the request again (a fresh timestamp) to resend it"
        case let .replayMemoryFull(seconds):
            "too many signed pushes in the last minutes; try again in \(seconds) s"
        case let .replayMemoryUnavailable(reason):
            reason
        }
    }

    /// `STATUS code: reason`.
    public var description: String { "\(status) \(code): \(reason)" }
}
