import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import OshiraseAPI
import OshiraseDaemon
import Testing

@Suite("POST and GET /v1/alerts")
struct AlertRouteTests {
    static let body = Array("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>避難指示</identifier></alert>".utf8)

    @Test func aPushNeedsNoBearerTokenItsSignatureIsItsAuthority() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector, config: exposedConfig).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/alerts", method: .post,
                headers: [HTTPField.Name("Oshirase-Key")!: "cityhall-2026", HTTPField.Name("Oshirase-Timestamp")!: "1795741200",
                          HTTPField.Name("Oshirase-Signature")!: "c2lnbmF0dXJl", .contentType: "application/cap+xml"],
                body: ByteBuffer(bytes: Self.body))
            #expect(response.status == .accepted)
            let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: String]
            #expect(json == ["identifier": "sapporo-2026-001", "state": "active"])
            // Reads still need the token.
            #expect(try await client.execute(uri: "/v1/alerts", method: .get).status == .unauthorized)
        }
        let pushes = await inspector.pushes
        #expect(pushes.count == 1)
        #expect(pushes.first?.body == Self.body)
        #expect(pushes.first?.headers["Oshirase-Key"] == "cityhall-2026" && pushes.first?.headers.count == 3,
                "the envelope's headers reach the daemon, and only they")
    }

    @Test func aRejectionKeepsItsStatusAndJSONReason() async throws {
        let inspector = FakeInspector()
        await inspector.setPushAnswer(.refused(AlertRefusal(.unauthenticated, "bad-signature", "the signature does not match")))
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(uri: "/v1/alerts", method: .post, body: ByteBuffer(bytes: Self.body))
            #expect(response.status == .unauthorized)
            let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: String]
            #expect(json?["error"] == "bad-signature")
        }
    }

    @Test func aBodyOverOneMebibyteReachesTheDaemonCutAtOneByteOver() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector).test(.router) { client in
            _ = try await client.execute(uri: "/v1/alerts", method: .post,
                                         body: ByteBuffer(bytes: [UInt8](repeating: 0x41, count: 3 * 1_048_576)))
        }
        #expect(await inspector.pushes.first?.body.count == 1_048_577, "enough for the daemon to answer 413, no more")
    }

    @Test func theListIsJSON() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/alerts", method: .get)
            #expect(response.status == .ok)
            let list = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [Any]
            #expect(list?.isEmpty == true, "\(String(buffer: response.body))")
        }
    }
}
