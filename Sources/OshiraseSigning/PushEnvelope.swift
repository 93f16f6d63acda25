import Crypto
import Foundation

/// The signed push envelope of docs/alerts.md: three HTTP headers that let a box (or a feed
/// reader, or a fleet broker's receiver) check who sent a body and when, without trusting
/// any relay in between.
///
/// The signature covers `oshirase-v1\n<timestamp>\n<lowercase hex SHA-256 of the body>`:
/// hashing first keeps the signed message small whatever the body, and the version prefix
/// keeps a signature made for this purpose from being valid for any other.
public enum PushEnvelope {
    /// The header carrying the key id, e.g. `cityhall-2026`.
    public static let keyHeader = "Oshirase-Key"
    /// The header carrying the signing time in Unix seconds, decimal.
    public static let timestampHeader = "Oshirase-Timestamp"
    /// The header carrying the base64 Ed25519 signature.
    public static let signatureHeader = "Oshirase-Signature"
    /// The largest body a box accepts: 1 MiB (docs/alerts.md).
    public static let maximumBodySize = 1_048_576

    /// The exact bytes that are signed for `body` at `timestamp`.
    public static func message(timestamp: Int64, body: [UInt8]) -> [UInt8] {
        Array("oshirase-v1\n\(timestamp)\n\(hexSHA256(body))".utf8)
    }

    /// Signs `body` with `key` at `timestamp` (Unix seconds).
    ///
    /// Throws only when the crypto library itself fails, which Ed25519 signing does not do
    /// for a well-formed key; it is still an error value rather than a trap.
    public static func sign(body: [UInt8], key: SigningKey, timestamp: Int64) throws -> SignedHeaders {
        let signature: Data
        do {
            signature = try key.privateKey.signature(for: message(timestamp: timestamp, body: body))
        } catch {
            throw SigningError(message: "cannot sign with key '\(key.keyID)': \(error)")
        }
        return SignedHeaders(keyID: key.keyID, timestamp: timestamp,
                             signature: signature.base64EncodedString())
    }

    /// Lowercase hexadecimal SHA-256 of `bytes`, as the signed message carries it.
    package static func hexSHA256(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

/// The three envelope headers for one signed body.
public struct SignedHeaders: Sendable, Equatable {
    /// The id of the key that signed, sent as `Oshirase-Key`.
    public var keyID: String
    /// The signing time in Unix seconds, sent as `Oshirase-Timestamp`.
    public var timestamp: Int64
    /// The base64 Ed25519 signature, sent as `Oshirase-Signature`.
    public var signature: String

    /// Makes the headers from their three values.
    package init(keyID: String, timestamp: Int64, signature: String) {
        self.keyID = keyID
        self.timestamp = timestamp
        self.signature = signature
    }

    /// The headers as HTTP header fields, ready to add to a request.
    public var httpHeaders: [String: String] {
        [
            PushEnvelope.keyHeader: keyID,
            PushEnvelope.timestampHeader: String(timestamp),
            PushEnvelope.signatureHeader: signature,
        ]
    }
}

/// Signing failed inside the crypto library.
package struct SigningError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for a person.
    package var message: String
    /// The message.
    package var description: String { message }
}
