import Foundation
import Testing
@testable import OshiraseSigning

@Suite struct VerifierTests {
    let key: SigningKey
    let verifier: PushVerifier

    init() throws {
        key = try Known.signingKey()
        verifier = PushVerifier(keys: [key.trustedKey])
    }

    func signed(_ body: [UInt8] = Known.body, at timestamp: Int64 = Known.timestamp) throws -> [String: String] {
        try PushEnvelope.sign(body: body, key: key, timestamp: timestamp).httpHeaders
    }

    func verify(_ headers: [String: String], _ body: [UInt8] = Known.body, offset: TimeInterval = 0) -> Result<Verified, PushRejection> {
        verifier.verify(headers: headers, body: body, now: Known.now.addingTimeInterval(offset))
    }

    @Test(arguments: [-300.0, 300.0])
    func timestampExactly300SecondsOffIsAccepted(offset: TimeInterval) throws {
        #expect(throws: Never.self) { try verify(signed(), offset: offset).get() }
    }

    @Test func timestamp301SecondsOldIsStale() throws {
        let result = verify(try signed(), offset: 301)
        #expect(result == .failure(.timestampOutOfWindow(offsetSeconds: -301, maxSkew: 300)))
        #expect(result.rejection?.status == 401)
        #expect(result.rejection?.reason.contains("301 s behind") == true)
    }

    @Test func timestamp301SecondsAheadIsRejected() throws {
        let result = verify(try signed(), offset: -301)
        #expect(result == .failure(.timestampOutOfWindow(offsetSeconds: 301, maxSkew: 300)))
        #expect(result.rejection?.reason.contains("301 s ahead") == true)
    }

    @Test func secondUseOfASignatureIsAReplay() throws {
        let headers = try signed()
        #expect(throws: Never.self) { try verify(headers).get() }
        let again = verify(headers, offset: 10)
        #expect(again == .failure(.replayed))
        #expect(again.rejection?.status == 409)
    }

    @Test func sameBodySignedAgainLaterIsNotAReplay() throws {
        #expect(throws: Never.self) { try verify(signed()).get() }
        #expect(throws: Never.self) { try verify(signed(at: Known.timestamp + 1), offset: 1).get() }
    }

    @Test func forgedRequestsAreNotRememberedAsSeen() throws {
        var headers = try signed()
        let genuine = headers["Oshirase-Signature"]
        headers["Oshirase-Timestamp"] = String(Known.timestamp + 1)
        #expect(verify(headers) == .failure(.badSignature(keyID: "cityhall-2026")))
        #expect(verifier.replayGuard?.count == 0)
        headers["Oshirase-Timestamp"] = String(Known.timestamp)
        headers["Oshirase-Signature"] = genuine
        #expect(throws: Never.self) { try verify(headers).get() }
    }

    @Test func bodyOneByteOverOneMebibyteIsTooLargeBeforeAnythingElse() throws {
        let body = [UInt8](repeating: 0x41, count: 1_048_577)
        // No headers at all: the size alone decides, so nothing was hashed or looked up.
        let result = verify([:], body)
        #expect(result == .failure(.bodyTooLarge(size: 1_048_577, limit: 1_048_576)))
        #expect(result.rejection?.status == 413)
    }

    @Test func bodyOfExactlyOneMebibyteIsAccepted() throws {
        let body = [UInt8](repeating: 0x41, count: 1_048_576)
        #expect(throws: Never.self) { try verify(signed(body), body).get() }
    }

    @Test func headerNamesAreCaseInsensitive() throws {
        let headers = try signed()
        let lower = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        #expect(throws: Never.self) { try verify(lower).get() }
        let upper = Dictionary(uniqueKeysWithValues: try signed(at: Known.timestamp + 5).map { ($0.key.uppercased(), $0.value) })
        #expect(throws: Never.self) { try verify(upper).get() }
    }

    @Test func sameHeaderTwiceWithDifferentValuesIsRejected() throws {
        var headers = try signed()
        headers["oshirase-key"] = "ward-office"
        #expect(verify(headers) == .failure(.conflictingHeader("Oshirase-Key")))
    }

    @Test func missingHeadersAreAllNamed() throws {
        var headers = try signed()
        headers["Oshirase-Timestamp"] = nil
        headers["Oshirase-Signature"] = ""
        let result = verify(headers)
        #expect(result == .failure(.missingHeaders(["Oshirase-Timestamp", "Oshirase-Signature"])))
        #expect(result.rejection?.status == 401)
        #expect(verify([:]) == .failure(.missingHeaders(["Oshirase-Key", "Oshirase-Timestamp", "Oshirase-Signature"])))
    }

    @Test(arguments: ["abc", "-1795737600", "+1795737600", "01795737600", "1795737600.0", "1.7e9", "99999999999999999999", "１７９５７３７６００"])
    func timestampThatIsNotPlainDecimalSecondsIsMalformed(text: String) throws {
        var headers = try signed()
        headers["Oshirase-Timestamp"] = text
        let result = verify(headers)
        #expect(result == .failure(.malformedTimestamp))
        #expect(result.rejection?.status == 401)
    }

    @Test(arguments: ["not base64!", "AAAA", String(repeating: "A", count: 88), Known.signature + "AAAA"])
    func signatureThatIsNotBase64Of64BytesIsMalformed(text: String) throws {
        var headers = try signed()
        headers["Oshirase-Signature"] = text
        #expect(verify(headers) == .failure(.malformedSignature))
    }

    @Test func everyRejectionHasAStatusCodeAndReason() {
        let all: [PushRejection] = [
            .bodyTooLarge(size: 2, limit: 1), .missingHeaders(["Oshirase-Key"]), .conflictingHeader("Oshirase-Key"),
            .unknownKey("x"), .malformedTimestamp, .timestampOutOfWindow(offsetSeconds: 400, maxSkew: 300),
            .malformedSignature, .badSignature(keyID: "x"), .replayed, .replayMemoryFull(retryAfterSeconds: 5),
        ]
        #expect(all.map(\.status) == [413, 401, 401, 401, 401, 401, 401, 401, 409, 503])
        #expect(Set(all.map(\.code)).count == all.count)
        #expect(all.allSatisfy { !$0.reason.isEmpty })
    }

    @Test func fullReplayMemoryRefusesWith503() throws {
        let small = PushVerifier(keys: [key.trustedKey], replayGuard: ReplayGuard(retention: 600, capacity: 2))
        for second in 0..<2 {
            let headers = try signed(at: Known.timestamp + Int64(second))
            #expect(throws: Never.self) { try small.verify(headers: headers, body: Known.body, now: Known.now).get() }
        }
        let third = small.verify(headers: try signed(at: Known.timestamp + 2), body: Known.body, now: Known.now)
        #expect(third == .failure(.replayMemoryFull(retryAfterSeconds: 600)))
        #expect(third.rejection?.status == 503)
        // Once the first ones expire there is room again.
        let later = Known.now.addingTimeInterval(601)
        #expect(throws: Never.self) {
            try small.verify(headers: signed(at: Known.timestamp + 601), body: Known.body, now: later).get()
        }
    }

    @Test func absurdClockDoesNotTrap() throws {
        let result = verifier.verify(headers: try signed(), body: Known.body, now: .distantPast)
        #expect(result.rejection?.code == "stale-timestamp")
    }
}

extension Result where Failure == PushRejection {
    var rejection: PushRejection? {
        if case .failure(let rejection) = self { return rejection }
        return nil
    }
}
