import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Logging
import OshiraseConfig
import OshiraseTestSupport
import Testing
@testable import OshiraseAPI

/// Runs `makeAPI`'s application on 127.0.0.1 with port 0 for the length of `body`, which gets the bound port.
func withLiveAPI<T: Sendable>(
    inspector: FakeInspector, config: APIConfig = APIConfig(host: "127.0.0.1", port: 0),
    limits: ConnectionLimits = ConnectionLimits(),
    _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    try await withLoopbackServer({ onListening in
        makeAPI(inspecting: inspector, config: config, logger: quietLogger, limits: limits, onListening: onListening)
    }, body)
}

@Suite struct LiveServerTests {
    @Test func theLiveServerAnswersOverTCP() async throws {
        let inspector = FakeInspector()
        let app = Application(router: makeAPIRouter(inspecting: inspector, config: APIConfig(), logger: quietLogger),
                              configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                              logger: quietLogger)
        try await app.test(.live) { client in
            let status = try await client.execute(uri: "/v1/status", method: .get)
            #expect(status.status == .ok)
            #expect(status.text.contains("札幌市役所 本庁舎"))
            let screenshot = try await client.execute(uri: "/v1/screenshot?display=lobby", method: .get)
            #expect(screenshot.headers[.contentType] == "image/png")
            #expect(Array(screenshot.bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            let missing = try await client.execute(uri: "/nothing-here", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.errorMessage?.contains("/nothing-here") == true)
        }
    }

    @Test func makeAPIListensOnTheConfiguredLoopbackAddressAndReportsThePort() async throws {
        let body = try await withLiveAPI(inspector: FakeInspector()) { port in
            #expect(port > 0)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
            return try await fetch(url)
        }
        #expect(body.status == 200)
        #expect(body.text.contains("oshirase_frames_presented_total"))
    }
}

/// A GET over a real socket, with its status and body as text.
func fetch(_ url: URL) async throws -> (status: Int, text: String) {
    let (data, response) = try await URLSession.shared.data(from: url)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}
