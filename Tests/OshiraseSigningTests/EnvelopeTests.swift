import Crypto
import Foundation
import Testing
@testable import OshiraseSigning

@Suite struct EnvelopeTests {
    @Test func messageIsVersionTimestampAndLowercaseHexOfBodyHash() {
        let message = PushEnvelope.message(timestamp: Known.timestamp, body: Known.body)
        #expect(message == Array(Known.message.utf8))
    }

    @Test func signatureMatchesIndependentlyComputedEd25519() throws {
        let headers = try PushEnvelope.sign(body: Known.body, key: Known.signingKey(), timestamp: Known.timestamp)
        #expect(headers.keyID == "cityhall-2026")
        #expect(headers.timestamp == Known.timestamp)
        // Ed25519 (RFC 8032) is deterministic, so another implementation gives the same bytes.
        #expect(headers.signature == Known.signature)
        #expect(try Known.signingKey().trustedKey.publicKey.rawRepresentation.base64EncodedString() == Known.publicKeyBase64)
    }

    @Test func httpHeadersCarryTheThreeEnvelopeFields() throws {
        let headers = try PushEnvelope.sign(body: Known.body, key: Known.signingKey(), timestamp: Known.timestamp)
        #expect(headers.httpHeaders == [
            "Oshirase-Key": "cityhall-2026",
            "Oshirase-Timestamp": "1795737600",
            "Oshirase-Signature": Known.signature,
        ])
    }

    @Test func knownSignatureIsAccepted() throws {
        let verifier = PushVerifier(keys: [try Known.signingKey().trustedKey])
        let headers = ["Oshirase-Key": "cityhall-2026", "Oshirase-Timestamp": "1795737600", "Oshirase-Signature": Known.signature]
        let result = verifier.verify(headers: headers, body: Known.body, now: Known.now)
        let verified = try result.get()
        #expect(verified.keyID == "cityhall-2026")
        #expect(verified.timestamp == Known.timestamp)
        #expect(verified.signatureDigest == Array(SHA256.hash(data: Data(base64Encoded: Known.signature) ?? Data())))
    }

    @Test func flippedBodyByteIsABadSignature() throws {
        let verifier = PushVerifier(keys: [try Known.signingKey().trustedKey])
        let headers = ["Oshirase-Key": "cityhall-2026", "Oshirase-Timestamp": "1795737600", "Oshirase-Signature": Known.signature]
        for index in Known.body.indices {
            var body = Known.body
            body[index] ^= 0x01
            #expect(verifier.verify(headers: headers, body: body, now: Known.now) == .failure(.badSignature(keyID: "cityhall-2026")))
        }
    }

    @Test func changedTimestampIsABadSignature() throws {
        let verifier = PushVerifier(keys: [try Known.signingKey().trustedKey])
        let headers = ["Oshirase-Key": "cityhall-2026", "Oshirase-Timestamp": "1795737601", "Oshirase-Signature": Known.signature]
        #expect(verifier.verify(headers: headers, body: Known.body, now: Known.now) == .failure(.badSignature(keyID: "cityhall-2026")))
    }

    @Test func otherKeyIDIsUnknownOrABadSignature() throws {
        let other = try SigningKey.generate(keyID: "ward-office")
        let verifier = PushVerifier(keys: [try Known.signingKey().trustedKey, other.trustedKey])
        var headers = ["Oshirase-Key": "cityhall-2027", "Oshirase-Timestamp": "1795737600", "Oshirase-Signature": Known.signature]
        #expect(verifier.verify(headers: headers, body: Known.body, now: Known.now) == .failure(.unknownKey("cityhall-2027")))
        // A real signature presented under another trusted key's id does not verify.
        headers["Oshirase-Key"] = "ward-office"
        #expect(verifier.verify(headers: headers, body: Known.body, now: Known.now) == .failure(.badSignature(keyID: "ward-office")))
    }

    @Test func signatureFromAnotherPrivateKeyIsRejected() throws {
        let impostor = try SigningKey.generate(keyID: "cityhall-2026")
        let verifier = PushVerifier(keys: [try Known.signingKey().trustedKey])
        let headers = try PushEnvelope.sign(body: Known.body, key: impostor, timestamp: Known.timestamp)
        #expect(verifier.verify(headers: headers.httpHeaders, body: Known.body, now: Known.now)
            == .failure(.badSignature(keyID: "cityhall-2026")))
    }

    @Test func eitherOfTwoKeysSharingAnIDIsAccepted() throws {
        let old = try Known.signingKey()
        let new = try SigningKey.generate(keyID: "cityhall-2026")
        let verifier = PushVerifier(keys: [old.trustedKey, new.trustedKey])
        for key in [old, new] {
            let headers = try PushEnvelope.sign(body: Known.body, key: key, timestamp: Known.timestamp)
            #expect(throws: Never.self) { try verifier.verify(headers: headers.httpHeaders, body: Known.body, now: Known.now).get() }
        }
    }
}
