import Foundation
import OshiraseSigning
import Testing
@Suite struct PushEnvelopePayloadTests {
    @Test func theEnvelopeLineCarriesTheSameSignatureAsTheHeaders() throws {
        let key = try SigningKey.generate(keyID: "cityhall-2026")
        let body = Array("<alert>避難指示</alert>".utf8)
        let headers = try PushEnvelope.sign(body: body, key: key, timestamp: 1_796_000_000)
        let payload = PushEnvelope.payload(body: body, headers: headers)
        #expect(String(decoding: payload.prefix(while: { $0 != 0x0A }), as: UTF8.self)
                == "oshirase-v1 cityhall-2026 1796000000 \(headers.signature)")
        let unwrapped = try PushEnvelope.unwrap(payload: payload).get()
        #expect(unwrapped.headers == headers.httpHeaders)
        #expect(Array(unwrapped.body) == body)
        let verifier = PushVerifier(keys: [key.trustedKey], maxSkew: 86400)
        let verified = verifier.verify(headers: unwrapped.headers, body: Array(unwrapped.body), now: Date(timeIntervalSince1970: 1_796_000_100))
        #expect(throws: Never.self) { try verified.get() }
    }

    @Test(arguments: [
        ("<alert/>", "does not start with the signed envelope line"),
        ("oshirase-v1 k 1 sig", "longer than 512 bytes or has no end"),
        ("oshirase-v1 k 1\n<alert/>", "is not 'oshirase-v1 KEY TIMESTAMP SIGNATURE'"),
        ("oshirase-v1 k  1 s\n", "is not 'oshirase-v1 KEY TIMESTAMP SIGNATURE'"),
        ("oshirase-v2 k 1 s\n", "is not 'oshirase-v1 KEY TIMESTAMP SIGNATURE'"),
        ("oshirase-v1 鍵 1 s\n", "in printable ASCII"),
        ("oshirase-v1 k 1 " + String(repeating: "A", count: 600) + "\n", "longer than 512 bytes"),
    ])
    func refusesWhatIsNotAnEnvelope(payload: String, words: String) {
        guard case .failure(let error) = PushEnvelope.unwrap(payload: Array(payload.utf8)) else {
            Issue.record("unwrapped: \(payload)")
            return
        }
        #expect(error.description.contains(words), "\(error)")
    }
}
