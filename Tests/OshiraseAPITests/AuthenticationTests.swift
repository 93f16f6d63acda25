import Foundation
import Hummingbird
import HummingbirdTesting
import OshiraseConfig
import Testing
@testable import OshiraseAPI

/// Every endpoint, for checks that apply to all of them.
let readURIs = ["/", "/v1/status", "/v1/screenshot?display=lobby", "/metrics",
                "/v1/proof-of-play?from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z"]

@Suite struct LoopbackAuthenticationTests {
    @Test(arguments: ["127.0.0.1", "127.0.1.1", "::1", "localhost"])
    func onLoopbackEveryReadWorksWithoutAToken(host: String) async throws {
        let config = APIConfig(host: host, port: 8080, tokens: ["s3cret-token"])
        try await testApplication(FakeInspector(), config: config).test(.router) { client in
            for uri in readURIs {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok, "\(host) \(uri): \(response.text)")
            }
        }
    }

    @Test func onLoopbackAWrongTokenIsIgnored() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let header = try await client.execute(uri: "/v1/status", method: .get,
                                                  headers: [.authorization: "Bearer 間違った鍵"])
            #expect(header.status == .ok)
            let query = try await client.execute(uri: "/v1/screenshot?display=lobby&token=wrong", method: .get)
            #expect(query.status == .ok)
        }
    }

    @Test func onLoopbackThePageCarriesNoToken() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let html = try await client.execute(uri: "/?token=wrong", method: .get).text
            #expect(html.contains(#"data-token="""#))
            #expect(frameImages(in: html).allSatisfy { $0["src"]?.contains("token") == false })
        }
    }
}

@Suite struct TokenAuthenticationTests {
    @Test func withoutATokenEveryReadIs401WithABearerChallenge() async throws {
        try await testApplication(FakeInspector(), config: exposedConfig).test(.router) { client in
            for uri in readURIs {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .unauthorized, "\(uri)")
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="oshirase""#)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.errorMessage?.contains("Authorization: Bearer TOKEN") == true, "\(response.text)")
            }
        }
    }

    @Test func aWrongTokenIs401InvalidToken() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector, config: exposedConfig).test(.router) { client in
            for headers: HTTPFields in [[.authorization: "Bearer s3cret-toke"], [.authorization: "Bearer s3cret-token2"],
                                        [.authorization: "Basic czNjcmV0LXRva2Vu"], [.authorization: "Bearer"]] {
                let response = try await client.execute(uri: "/v1/status", method: .get, headers: headers)
                #expect(response.status == .unauthorized, "\(headers)")
            }
            let wrong = try await client.execute(uri: "/v1/status", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.headers[.wwwAuthenticate] == #"Bearer realm="oshirase", error="invalid_token""#)
            #expect(wrong.errorMessage == "the bearer token is not one of the config's api.tokens")
            let query = try await client.execute(uri: "/v1/screenshot?display=lobby&token=nope", method: .get)
            #expect(query.status == .unauthorized)
        }
        #expect(await inspector.screenshotRequests.isEmpty)
    }

    @Test func anyConfiguredTokenInTheHeaderOpensEveryRead() async throws {
        try await testApplication(FakeInspector(), config: exposedConfig).test(.router) { client in
            for token in exposedConfig.tokens {
                for uri in readURIs {
                    let response = try await client.execute(uri: uri, method: .get,
                                                            headers: [.authorization: "Bearer \(token)"])
                    #expect(response.status == .ok, "\(uri): \(response.text)")
                }
            }
            let lowercase = try await client.execute(uri: "/metrics", method: .get,
                                                     headers: [.authorization: "bearer s3cret-token"])
            #expect(lowercase.status == .ok)
        }
    }

    @Test func theTokenMayComeAsAQueryParameter() async throws {
        try await testApplication(FakeInspector(), config: exposedConfig).test(.router) { client in
            let screenshot = try await client.execute(uri: "/v1/screenshot?display=lobby&token=s3cret-token", method: .get)
            #expect(screenshot.status == .ok)
            #expect(screenshot.headers[.contentType] == "image/png")
            // A token with + / = arrives percent-encoded from the page, or as typed from a shell.
            let encoded = try await client.execute(uri: "/v1/status?token=b64%2Btoken%2Fvalue%3D%3D", method: .get)
            #expect(encoded.status == .ok)
            let typed = try await client.execute(uri: "/v1/status?token=b64+token/value==", method: .get)
            #expect(typed.status == .ok)
        }
    }

    @Test func thePagePassesTheTokenOnToItsImagesAndScript() async throws {
        try await testApplication(FakeInspector(), config: exposedConfig).test(.router) { client in
            // Fetched with the header (a proxy or curl), the page still needs the token for its <img>s.
            let html = try await client.execute(uri: "/", method: .get,
                                                headers: [.authorization: "Bearer s3cret-token"]).text
            #expect(html.contains(#"data-token="s3cret-token""#))
            let sources = frameImages(in: html).compactMap { $0["src"] }
            #expect(sources == ["lobby", "entrance", "led-wall"].map { "/v1/screenshot?display=\($0)&amp;token=s3cret-token" })
            let viaQuery = try await client.execute(uri: "/?token=s3cret-token", method: .get)
            #expect(viaQuery.status == .ok)
            #expect(viaQuery.text.contains(#"data-token="s3cret-token""#))
        }
    }

    @Test func unknownPathsAndMethodsNeedTheTokenToo() async throws {
        try await testApplication(FakeInspector(), config: exposedConfig).test(.router) { client in
            let unknownPath = try await client.execute(uri: "/v2/status", method: .get)
            #expect(unknownPath.status == .unauthorized)
            let wrongMethod = try await client.execute(uri: "/v1/status", method: .post)
            #expect(wrongMethod.status == .unauthorized)
            let authorised: HTTPFields = [.authorization: "Bearer s3cret-token"]
            let unknownPathWithToken = try await client.execute(uri: "/v2/status", method: .get, headers: authorised)
            #expect(unknownPathWithToken.status == .notFound)
            let wrongMethodWithToken = try await client.execute(uri: "/v1/status", method: .post, headers: authorised)
            #expect(wrongMethodWithToken.status == .methodNotAllowed)
        }
    }

    @Test func exposedWithoutTokensEveryReadIs401SayingWhatToConfigure() async throws {
        let config = APIConfig(host: "192.168.10.20", port: 8080, tokens: [])
        try await testApplication(FakeInspector(), config: config).test(.router) { client in
            let response = try await client.execute(uri: "/v1/status", method: .get,
                                                    headers: [.authorization: "Bearer anything"])
            #expect(response.status == .unauthorized)
            #expect(response.errorMessage?.contains("192.168.10.20") == true)
            #expect(response.errorMessage?.contains("api.tokens") == true)
        }
    }

    @Test func anEmptyConfiguredTokenNeverMatches() async throws {
        let config = APIConfig(host: "0.0.0.0", port: 8080, tokens: ["", "s3cret-token"])
        try await testApplication(FakeInspector(), config: config).test(.router) { client in
            let response = try await client.execute(uri: "/v1/status?token=", method: .get,
                                                    headers: [.authorization: "Bearer "])
            #expect(response.status == .unauthorized)
        }
    }
}

@Suite struct TokenComparisonTests {
    @Test func equalBytesMatchAndAnyDifferenceDoesNot() {
        let token = Array("s3cret-token".utf8)
        #expect(BearerAuthentication.constantTimeEqual(token, token))
        #expect(!BearerAuthentication.constantTimeEqual(token, Array("s3cret-tokem".utf8)))
        #expect(!BearerAuthentication.constantTimeEqual(token, Array("s3cret-token\0".utf8)))
        #expect(!BearerAuthentication.constantTimeEqual(token, Array("s3cret".utf8)))
        #expect(!BearerAuthentication.constantTimeEqual(token, []))
        #expect(BearerAuthentication.constantTimeEqual([], []))
    }
}
