public import Crypto
import Foundation

/// A private Ed25519 key with its key id: what city hall's duty officer signs pushes with.
///
/// The file form (`NAME.key`, see docs/signing.md) is three lines:
/// ```
/// oshirase-ed25519-private-v1
/// id: cityhall-2026
/// key: <base64 of the 32-byte raw private key>
/// ```
public struct SigningKey: Sendable {
    /// The first line of every private key file; the version lets the format change later.
    package static let fileHeader = "oshirase-ed25519-private-v1"

    /// The id boxes know this key by; sent as `Oshirase-Key`.
    public let keyID: String
    /// The Ed25519 private key.
    public let privateKey: Curve25519.Signing.PrivateKey

    /// Makes a signing key from an id and a private key; throws when the id is not a valid key id.
    public init(keyID: String, privateKey: Curve25519.Signing.PrivateKey) throws(KeyFileError) {
        if let problem = KeyID.problem(keyID) {
            throw KeyFileError(.badKeyID, problem)
        }
        self.keyID = keyID
        self.privateKey = privateKey
    }

    /// Generates a fresh key from the system's random number generator.
    public static func generate(keyID: String) throws(KeyFileError) -> SigningKey {
        try SigningKey(keyID: keyID, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The public half, as boxes trust it.
    public var trustedKey: TrustedKey {
        TrustedKey(validatedKeyID: keyID, publicKey: privateKey.publicKey)
    }

    /// The text of the `NAME.key` file.
    package var fileText: String {
        "\(Self.fileHeader)\nid: \(keyID)\nkey: \(privateKey.rawRepresentation.base64EncodedString())\n"
    }

    /// Parses the text of a `NAME.key` file; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(KeyFileError) -> SigningKey {
        // `isNewline`, not "\n": Swift reads "\r\n" as one Character, which a "\n" split misses.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = lines.first, !text.isEmpty else {
            throw KeyFileError(.wrongHeader, "the file is empty; expected a private key written by `oshirase keygen`",
                               file: file)
        }
        if first.hasPrefix(TrustedKey.linePrefix + " ") {
            throw KeyFileError(.publicKeyGiven,
                               "this is a public key (.pub), not a private key; give the NAME.key file written next to it by `oshirase keygen`",
                               file: file, line: 1)
        }
        guard first == fileHeader else {
            throw KeyFileError(.wrongHeader,
                               "the first line must be '\(fileHeader)'; is this a key written by `oshirase keygen`?",
                               file: file, line: 1)
        }
        var keyID: (value: String, line: Int)?
        var keyText: (value: String, line: Int)?
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let number = index + 1
            guard let colon = line.firstIndex(of: ":") else {
                throw KeyFileError(.malformedLine, "expected 'id: …' or 'key: …', found '\(line.prefix(40))'",
                                   file: file, line: number)
            }
            let field = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "id":
                if keyID != nil { throw KeyFileError(.malformedLine, "'id:' appears twice", file: file, line: number) }
                keyID = (value, number)
            case "key":
                if keyText != nil { throw KeyFileError(.malformedLine, "'key:' appears twice", file: file, line: number) }
                keyText = (value, number)
            default:
                throw KeyFileError(.malformedLine, "unknown field '\(field.prefix(40))'; a key file has only 'id:' and 'key:'",
                                   file: file, line: number)
            }
        }
        guard let keyID else {
            throw KeyFileError(.missingField, "the 'id:' line is missing", file: file)
        }
        guard let keyText else {
            throw KeyFileError(.missingField, "the 'key:' line is missing", file: file)
        }
        if let problem = KeyID.problem(keyID.value) {
            throw KeyFileError(.badKeyID, problem, file: file, line: keyID.line)
        }
        let raw = try decodeKeyBytes(keyText.value, what: "private key", file: file, line: keyText.line)
        let privateKey: Curve25519.Signing.PrivateKey
        do {
            privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        } catch {
            throw KeyFileError(.wrongLength, "the private key is not a valid Ed25519 key", file: file, line: keyText.line)
        }
        return SigningKey(validatedKeyID: keyID.value, privateKey: privateKey)
    }

    private init(validatedKeyID: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.keyID = validatedKeyID
        self.privateKey = privateKey
    }
}

/// A public key a box trusts, with its key id.
///
/// Its text form is one line, `oshirase-ed25519 <keyid> <base64 public key>`: the `.pub` file
/// and each entry of the box's `alerts.keys` config.
public struct TrustedKey: Sendable, Equatable {
    /// The first word of the one-line form.
    package static let linePrefix = "oshirase-ed25519"

    /// The id senders name this key by in `Oshirase-Key`.
    public let keyID: String
    /// The Ed25519 public key.
    public let publicKey: Curve25519.Signing.PublicKey

    /// Makes a trusted key; throws when the id is not a valid key id.
    package init(keyID: String, publicKey: Curve25519.Signing.PublicKey) throws(KeyFileError) {
        if let problem = KeyID.problem(keyID) {
            throw KeyFileError(.badKeyID, problem)
        }
        self.init(validatedKeyID: keyID, publicKey: publicKey)
    }

    init(validatedKeyID: String, publicKey: Curve25519.Signing.PublicKey) {
        self.keyID = validatedKeyID
        self.publicKey = publicKey
    }

    /// The 32 bytes of the public key, for modules that keep keys without using swift-crypto.
    public var publicKeyBytes: [UInt8] { [UInt8](publicKey.rawRepresentation) }

    /// The one-line form, as written to `NAME.pub` and pasted into `alerts.keys`.
    public var line: String {
        "\(Self.linePrefix) \(keyID) \(publicKey.rawRepresentation.base64EncodedString())"
    }

    /// Parses the one-line form. `file` and `line` say where it came from (a `.pub` file, or the
    /// config file and the line of its `alerts.keys` entry), for the error message.
    public static func parse(_ text: String, file: String? = nil, line: Int? = nil) throws(KeyFileError) -> TrustedKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if looksPrivate(trimmed) {
            throw KeyFileError(.privateKeyGiven,
                               "this is a private key (.key); give the one-line public key from NAME.pub instead, and keep the private key off the box",
                               file: file, line: line)
        }
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.first == linePrefix else {
            throw KeyFileError(.wrongHeader,
                               "expected '\(linePrefix) KEYID BASE64' (the line in NAME.pub written by `oshirase keygen`)",
                               file: file, line: line)
        }
        guard words.count == 3 else {
            throw KeyFileError(.malformedLine,
                               "expected 3 words '\(linePrefix) KEYID BASE64', found \(words.count)",
                               file: file, line: line)
        }
        if let problem = KeyID.problem(words[1]) {
            throw KeyFileError(.badKeyID, problem, file: file, line: line)
        }
        let raw = try decodeKeyBytes(words[2], what: "public key", file: file, line: line)
        let publicKey: Curve25519.Signing.PublicKey
        do {
            publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        } catch {
            throw KeyFileError(.wrongLength, "the public key is not a valid Ed25519 key", file: file, line: line)
        }
        return TrustedKey(validatedKeyID: words[1], publicKey: publicKey)
    }

    /// Whether a line is one of a private key file's (its header, `id:` or `key:`).
    package static func looksPrivate(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.hasPrefix(SigningKey.fileHeader) || trimmed.hasPrefix("key:") || trimmed.hasPrefix("id:")
    }

    public static func == (a: TrustedKey, b: TrustedKey) -> Bool {
        a.keyID == b.keyID && a.publicKey.rawRepresentation == b.publicKey.rawRepresentation
    }
}

/// The rules for key ids: what `Oshirase-Key` carries and the config names.
package enum KeyID {
    /// The longest key id accepted.
    package static let maximumLength = 64

    /// Why `id` is not a valid key id, or nil when it is: 1–64 characters of a–z, 0–9 and '-'.
    package static func problem(_ id: String) -> String? {
        if id.isEmpty { return "the key id is empty; use letters a–z, digits and '-', e.g. cityhall-2026" }
        if id.utf8.count > maximumLength {
            return "the key id '\(id.prefix(maximumLength))…' is longer than \(maximumLength) characters"
        }
        let allowed = id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
        if !allowed {
            return "the key id '\(id)' may use only a–z, 0–9 and '-' (e.g. cityhall-2026)"
        }
        return nil
    }

    /// A key id a request claimed, as it may be shown (answers, logs, the audit): its first 64
    /// bytes, each a–z, 0–9 or '-', any other byte '?'. Anyone can claim anything; this
    /// keeps text a stranger chose out of what people read.
    package static func shown(_ claimed: String) -> String {
        // Byte by byte: a Character can be a letter with any number of combining marks after it.
        String(decoding: claimed.utf8.prefix(maximumLength).map { byte -> UInt8 in
            (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2d ? byte : 0x3f
        }, as: UTF8.self)
    }
}

/// A key file or key line that cannot be used, with where and why.
public struct KeyFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem, for code that reacts to it (and for tests).
    package enum Kind: Sendable, Equatable {
        /// The first line or word is not the expected format marker.
        case wrongHeader
        /// A public key was given where a private key is expected.
        case publicKeyGiven
        /// A private key was given where a public key is expected.
        case privateKeyGiven
        /// A line is not of the form the format needs.
        case malformedLine
        /// A required field is absent.
        case missingField
        /// The key id breaks the key id rules.
        case badKeyID
        /// The key text is not base64.
        case badBase64
        /// The key decodes to the wrong number of bytes.
        case wrongLength
        /// The private key file can be read by other users.
        case permissionsTooOpen
        /// The file cannot be opened, read or written.
        case io
        /// The output file exists and `--force` was not given.
        case exists
    }

    /// What kind of problem.
    package var kind: Kind
    /// What is wrong and what to do, for a person.
    public var message: String
    /// The file concerned, when there is one.
    public var file: String?
    /// The 1-based line, when known.
    public var line: Int?

    /// Makes an error.
    package init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
    }

    /// `FILE:LINE: message`, or as much of it as is known.
    public var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(message)"
        case let (file?, nil): "\(file): \(message)"
        case let (nil, line?): "line \(line): \(message)"
        case (nil, nil): message
        }
    }
}

/// Decodes base64 key text to exactly 32 bytes, or says why not.
private func decodeKeyBytes(_ text: String, what: String, file: String?, line: Int?) throws(KeyFileError) -> Data {
    guard let data = Data(base64Encoded: text) else {
        throw KeyFileError(.badBase64, "the \(what) is not valid base64", file: file, line: line)
    }
    guard data.count == 32 else {
        throw KeyFileError(.wrongLength, "the \(what) is \(data.count) bytes; an Ed25519 \(what) is 32", file: file, line: line)
    }
    return data
}
