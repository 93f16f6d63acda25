import Crypto
import Foundation
import Testing
@testable import OshiraseSigning

@Suite struct KeyFileTests {
    static let keyText = "oshirase-ed25519-private-v1\nid: cityhall-2026\nkey: \(Known.seedBase64)\n"
    static let pubLine = "oshirase-ed25519 cityhall-2026 \(Known.publicKeyBase64)"

    @Test func privateKeyTextRoundTrips() throws {
        let key = try Known.signingKey()
        #expect(key.fileText == Self.keyText)
        let parsed = try SigningKey.parse(key.fileText, file: "cityhall-2026.key")
        #expect(parsed.keyID == "cityhall-2026")
        #expect(Array(parsed.privateKey.rawRepresentation) == Known.seed)
    }

    @Test func publicLineRoundTrips() throws {
        let trusted = try Known.signingKey().trustedKey
        #expect(trusted.line == Self.pubLine)
        #expect(try TrustedKey.parse(Self.pubLine) == trusted)
        #expect(try TrustedKey.parse("  oshirase-ed25519\tcityhall-2026  \(Known.publicKeyBase64)\r\n") == trusted)
    }

    @Test func windowsLineEndingsInAKeyFileAreAccepted() throws {
        let parsed = try SigningKey.parse(Self.keyText.replacingOccurrences(of: "\n", with: "\r\n"), file: "k.key")
        #expect(parsed.keyID == "cityhall-2026")
    }

    @Test(arguments: [
        ("", KeyFileError.Kind.wrongHeader, nil as Int?),
        ("oshirase-ed25519-private-v2\nid: a\nkey: \(Known.seedBase64)\n", .wrongHeader, 1),
        (pubLine + "\n", .publicKeyGiven, 1),
        ("oshirase-ed25519-private-v1\nid: cityhall-2026\n", .missingField, nil),
        ("oshirase-ed25519-private-v1\nkey: \(Known.seedBase64)\n", .missingField, nil),
        ("oshirase-ed25519-private-v1\nid: 市役所\nkey: \(Known.seedBase64)\n", .badKeyID, 2),
        ("oshirase-ed25519-private-v1\nid: CityHall\nkey: \(Known.seedBase64)\n", .badKeyID, 2),
        ("oshirase-ed25519-private-v1\nid: a\nkey: ***\n", .badBase64, 3),
        ("oshirase-ed25519-private-v1\nid: a\nkey: AQID\n", .wrongLength, 3),
        ("oshirase-ed25519-private-v1\nid: a\nkey: \(Known.seedBase64)\nkey: \(Known.seedBase64)\n", .malformedLine, 4),
        ("oshirase-ed25519-private-v1\nid: a\nsecret: x\nkey: \(Known.seedBase64)\n", .malformedLine, 3),
        ("oshirase-ed25519-private-v1\nid a\n", .malformedLine, 2),
    ])
    func badPrivateKeyTextIsRejectedWithWhereAndWhy(text: String, kind: KeyFileError.Kind, line: Int?) {
        do {
            _ = try SigningKey.parse(text, file: "keys/cityhall.key")
            Issue.record("expected \(kind) for \(text.debugDescription)")
        } catch {
            #expect(error.kind == kind)
            #expect(error.file == "keys/cityhall.key")
            #expect(error.line == line)
            #expect(error.description.hasPrefix("keys/cityhall.key:"))
        }
    }

    @Test(arguments: [
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI admin@box", KeyFileError.Kind.wrongHeader),
        (keyText, .privateKeyGiven),
        ("key: \(Known.seedBase64)", .privateKeyGiven),
        ("oshirase-ed25519 cityhall-2026", .malformedLine),
        ("oshirase-ed25519 cityhall-2026 \(Known.publicKeyBase64) extra", .malformedLine),
        ("oshirase-ed25519 City_Hall \(Known.publicKeyBase64)", .badKeyID),
        ("oshirase-ed25519 cityhall-2026 ébVWLo", .badBase64),
        ("oshirase-ed25519 cityhall-2026 AQIDBA==", .wrongLength),
    ])
    func badPublicLineIsRejectedWithWhereAndWhy(text: String, kind: KeyFileError.Kind) {
        do {
            _ = try TrustedKey.parse(text, file: "oshirase.yaml", line: 12)
            Issue.record("expected \(kind) for \(text.debugDescription)")
        } catch {
            #expect(error.kind == kind)
            #expect(error.description.hasPrefix("oshirase.yaml:12: "))
        }
    }

    @Test(arguments: ["a", "cityhall-2026", "2026", String(repeating: "x", count: 64)])
    func validKeyIDsHaveNoProblem(id: String) {
        #expect(KeyID.problem(id) == nil)
    }

    @Test(arguments: ["CityHall", "city hall", "市役所", "a_b", "a.b", String(repeating: "x", count: 65), ""])
    func invalidKeyIDsAreExplained(id: String) {
        #expect(KeyID.problem(id) != nil)
    }
}

@Suite struct KeyFileIOTests {
    @Test func loadsAPrivateKeyWithMode0600() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(KeyFileTests.keyText, to: "cityhall.key", mode: 0o600)
        #expect(try KeyFiles.loadSigningKey(path: path).keyID == "cityhall-2026")
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o700 | 0o010])
    func refusesAPrivateKeyOthersCanAccess(mode: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(KeyFileTests.keyText, to: "cityhall.key", mode: mode)
        #expect {
            try KeyFiles.loadSigningKey(path: path)
        } throws: { error in
            guard let error = error as? KeyFileError else { return false }
            return error.kind == .permissionsTooOpen && error.message.contains("chmod 600 \(path)")
                && error.message.contains(String(mode, radix: 8))
        }
    }

    @Test func publicKeyFileGivenAsPrivateKeyIsNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(KeyFileTests.pubLine + "\n", to: "cityhall.pub", mode: 0o644)
        do {
            _ = try KeyFiles.loadSigningKey(path: path)
            Issue.record("a public key was read as a private key")
        } catch {
            #expect(error.kind == .publicKeyGiven)
            #expect(error.description.hasPrefix(path + ":1: this is a public key"))
        }
    }

    @Test func privateKeyFileGivenAsPublicKeyIsNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(KeyFileTests.keyText, to: "cityhall.key", mode: 0o600)
        do {
            _ = try KeyFiles.loadTrustedKey(path: path)
            Issue.record("a private key was read as a public key")
        } catch {
            #expect(error.kind == .privateKeyGiven)
            #expect(error.description.hasPrefix(path + ":1: "))
        }
    }

    @Test func missingFileIsAnIOErrorNamingIt() {
        do {
            _ = try KeyFiles.loadSigningKey(path: "/nonexistent/cityhall.key")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .io)
            #expect(error.description.hasPrefix("/nonexistent/cityhall.key: cannot open"))
        }
    }

    @Test func hugeFileIsNotReadWhole() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write(String(repeating: "x", count: 100_000), to: "big.key", mode: 0o600)
        do { _ = try KeyFiles.loadSigningKey(path: path); Issue.record("expected an error") } catch {
            #expect(error.message.contains("larger than 4096 bytes"))
        }
    }

    @Test func keyPairIsWrittenWithPrivateMode0600AndReadsBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let key = try SigningKey.generate(keyID: "cityhall-2026")
        let written = try KeyFiles.writeKeyPair(key, output: dir.file("cityhall-2026"), force: false)
        #expect(written.privateKey == dir.file("cityhall-2026.key"))
        #expect(written.publicKey == dir.file("cityhall-2026.pub"))
        #expect(mode(of: written.privateKey) == 0o600)
        #expect(mode(of: written.publicKey) == 0o644)
        #expect(dir.contents() == ["cityhall-2026.key", "cityhall-2026.pub"])  // no temporary files left
        let loaded = try KeyFiles.loadSigningKey(path: written.privateKey)
        #expect(loaded.privateKey.rawRepresentation == key.privateKey.rawRepresentation)
        #expect(try KeyFiles.loadTrustedKey(path: written.publicKey) == key.trustedKey)
        #expect(try String(contentsOfFile: written.publicKey, encoding: .utf8) == key.trustedKey.line + "\n")
    }

    @Test func existingFilesAreNotOverwrittenWithoutForce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try SigningKey.generate(keyID: "cityhall")
        try KeyFiles.writeKeyPair(first, output: dir.file("cityhall"), force: false)
        let second = try SigningKey.generate(keyID: "cityhall")
        do {
            try KeyFiles.writeKeyPair(second, output: dir.file("cityhall"), force: false)
            Issue.record("an existing key was overwritten")
        } catch {
            #expect(error.kind == .exists)
            #expect(error.message.contains("--force"))
        }
        #expect(try KeyFiles.loadTrustedKey(path: dir.file("cityhall.pub")) == first.trustedKey)
        #expect(dir.contents() == ["cityhall.key", "cityhall.pub"])

        try KeyFiles.writeKeyPair(second, output: dir.file("cityhall"), force: true)
        #expect(try KeyFiles.loadTrustedKey(path: dir.file("cityhall.pub")) == second.trustedKey)
        #expect(mode(of: dir.file("cityhall.key")) == 0o600)
    }

    @Test func anExistingPubAloneAlsoStopsTheWrite() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("keep me\n", to: "cityhall.pub", mode: 0o644)
        #expect(throws: KeyFileError.self) {
            try KeyFiles.writeKeyPair(SigningKey.generate(keyID: "cityhall"), output: dir.file("cityhall"), force: false)
        }
        #expect(dir.contents() == ["cityhall.pub"])
    }

    @Test func failedPubLeavesNoPrivateKeyBehind() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A non-empty directory named like the .pub cannot be replaced, even with --force.
        try FileManager.default.createDirectory(atPath: dir.file("cityhall.pub/inside"), withIntermediateDirectories: true)
        #expect(throws: KeyFileError.self) {
            try KeyFiles.writeKeyPair(SigningKey.generate(keyID: "cityhall"), output: dir.file("cityhall"), force: true)
        }
        #expect(dir.contents() == ["cityhall.pub"])
    }

    @Test func missingDirectoryWritesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        do {
            try KeyFiles.writeKeyPair(SigningKey.generate(keyID: "cityhall"), output: dir.file("no/such/cityhall"), force: false)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .io)
            #expect(error.description.hasPrefix(dir.file("no/such/cityhall.key")))
        }
        #expect(dir.contents().isEmpty)
    }

    @Test(arguments: [
        ("keys/cityhall-2026", "keys/cityhall-2026.key", "keys/cityhall-2026.pub", "cityhall-2026"),
        ("cityhall.key", "cityhall.key", "cityhall.pub", "cityhall"),
        ("/tmp/x/ward-3.pub", "/tmp/x/ward-3.key", "/tmp/x/ward-3.pub", "ward-3"),
    ])
    func outputNameGivesPathsAndDefaultKeyID(name: String, keyPath: String, pubPath: String, id: String) {
        #expect(KeyFiles.paths(forOutput: name) == (keyPath, pubPath))
        #expect(KeyFiles.defaultKeyID(forOutput: name) == id)
    }
}
