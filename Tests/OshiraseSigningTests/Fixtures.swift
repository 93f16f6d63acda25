import Crypto
import Foundation
@testable import OshiraseSigning

/// Fixed values for known-answer tests. The expected signature was computed independently
/// (Python's `cryptography` package, RFC 8032 Ed25519) from the same seed and message.
enum Known {
    /// The private key seed: bytes 1, 2, …, 32.
    static let seed: [UInt8] = Array(1...32)
    static let seedBase64 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    static let publicKeyBase64 = "ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ="
    /// 2026-11-27T09:00:00+09:00.
    static let timestamp: Int64 = 1_795_737_600
    static let body = Array("<alert>札幌</alert>".utf8)
    static let message = "oshirase-v1\n1795737600\ne86c8833baffe018ccc570399ee0d742e5ee6f83e190b57ab351ce91229b3c85"
    static let signature = "AxjfKgt00fuAZfMvfas34Xk+TXTRZCAHsGRW4lN5iOD1818iqPlChrnIgZzKdwSps2mV48eeL2On276/s9rjDg=="

    static func signingKey(id: String = "cityhall-2026") throws -> SigningKey {
        try SigningKey(keyID: id, privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: seed))
    }

    static var now: Date { Date(timeIntervalSince1970: TimeInterval(timestamp)) }
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "/oshirase-signing-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names in the directory, sorted.
    func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func write(_ text: String, to name: String, mode: Int) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target)
        return target
    }
}

func mode(of path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
}
