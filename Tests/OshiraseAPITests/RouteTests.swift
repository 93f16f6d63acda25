import Foundation
import Hummingbird
import HummingbirdTesting
import OshiraseDaemon
import OshiraseImaging
import OshiraseStore
import Testing
@testable import OshiraseAPI

@Suite struct StatusRouteTests {
    @Test func statusIsTheDaemonStatusAsJSONWithISODates() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(uri: "/v1/status", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.text.contains(#""startedAt" : "2026-11-27T00:00:00Z""#))
            #expect(response.text.contains(#""site" : "札幌市役所 本庁舎""#))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let decoded = try decoder.decode(DaemonStatus.self, from: Data(response.text.utf8))
            #expect(decoded == sampleStatus())
        }
    }

    @Test func statusKeysAreSortedSoTheOutputIsStable() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let text = try await client.execute(uri: "/v1/status", method: .get).text
            let order = ["\"clockTrusted\"", "\"displays\"", "\"playlists\"", "\"site\"", "\"startedAt\"", "\"uptimeSeconds\""]
            let positions = order.compactMap { text.range(of: $0)?.lowerBound }
            #expect(positions.count == order.count)
            #expect(positions == positions.sorted())
            let second = try await client.execute(uri: "/v1/status", method: .get).text
            #expect(second == text)
        }
    }

    @Test func headOfStatusHasHeadersAndNoBody() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/status", method: .head)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.body.readableBytes == 0)
        }
    }
}

@Suite struct ScreenshotRouteTests {
    @Test func screenshotIsAnUncachedPNGOfTheLatestFrame() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(uri: "/v1/screenshot?display=entrance", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/png")
            #expect(response.headers[.cacheControl] == "no-store")
            let image = try ImageDecoder.decode(response.bytes)
            #expect(image.format == .png)
            #expect(image.bitmap.width == 108 && image.bitmap.height == 192)
            let pixel = image.bitmap.pixel(x: 50, y: 100)
            #expect(pixel.r == 11 && pixel.g == 61 && pixel.b == 145)
        }
    }

    @Test func screenshotFollowsTheFramesAsTheyChange() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector).test(.router) { client in
            let first = try await client.execute(uri: "/v1/screenshot?display=lobby", method: .get).bytes
            await inspector.setFrame(Bitmap(width: 192, height: 108, fill: (r: 255, g: 255, b: 255, a: 255)), for: "lobby")
            let second = try await client.execute(uri: "/v1/screenshot?display=lobby", method: .get).bytes
            #expect(first != second)
            let pixel = try ImageDecoder.decode(second).bitmap.pixel(x: 0, y: 0)
            #expect(pixel.r == 255 && pixel.g == 255 && pixel.b == 255)
        }
    }

    @Test func screenshotWithoutDisplayIs400() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            for uri in ["/v1/screenshot", "/v1/screenshot?display=", "/v1/screenshot?name=lobby"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.errorMessage?.contains("`display`") == true, "\(uri): \(response.text)")
            }
        }
    }

    @Test func screenshotOfAnUnknownDisplayIs404NamingTheDisplays() async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/screenshot?display=%E5%8F%97%E4%BB%98", method: .get)
            #expect(response.status == .notFound)
            let message = try #require(response.errorMessage)
            #expect(message.contains("受付"))
            #expect(message.contains("lobby, entrance, led-wall"))
        }
    }

    @Test func screenshotBeforeTheFirstFrameIs503WithRetryAfter() async throws {
        let inspector = FakeInspector()
        await inspector.setFrame(nil, for: "led-wall")
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(uri: "/v1/screenshot?display=led-wall", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
            #expect(response.errorMessage?.contains("led-wall") == true)
        }
    }

    @Test func emptyFrameThatCannotBeEncodedIs500WithTheReason() async throws {
        let inspector = FakeInspector()
        await inspector.setFrame(Bitmap(width: 0, height: 0, stride: 0, pixels: []), for: "lobby")
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(uri: "/v1/screenshot?display=lobby", method: .get)
            #expect(response.status == .internalServerError)
            #expect(response.errorMessage?.contains("“lobby” could not be encoded as PNG") == true, "\(response.text)")
        }
    }
}

@Suite struct ScreenshotEncoderTests {
    @Test func anUnchangedFrameIsEncodedOnce() async throws {
        let encoder = ScreenshotEncoder()
        let frame = Bitmap(width: 64, height: 36, fill: (r: 200, g: 30, b: 30, a: 255))
        let first = try await encoder.png(of: frame, display: "lobby").get()
        // Same pixels in a different array: found by content, not by identity.
        let copy = Bitmap(width: 64, height: 36, stride: 256, pixels: Array(frame.pixels))
        let second = try await encoder.png(of: copy, display: "lobby").get()
        #expect(first == second)
        #expect(await encoder.encodes() == 1)
    }

    @Test func oneChangedPixelIsEncodedAgain() async throws {
        let encoder = ScreenshotEncoder()
        let frame = Bitmap(width: 64, height: 36, fill: (r: 200, g: 30, b: 30, a: 255))
        var changed = frame
        changed.pixels[changed.pixels.count - 2] = 0
        _ = try await encoder.png(of: frame, display: "lobby").get()
        _ = try await encoder.png(of: changed, display: "lobby").get()
        #expect(await encoder.encodes() == 2)
    }

    @Test func displaysKeepTheirOwnPNG() async throws {
        let encoder = ScreenshotEncoder()
        let lobby = Bitmap(width: 64, height: 36, fill: (r: 200, g: 30, b: 30, a: 255))
        let wall = Bitmap(width: 32, height: 16, fill: (r: 0, g: 0, b: 0, a: 255))
        for _ in 0..<3 {
            _ = try await encoder.png(of: lobby, display: "lobby").get()
            _ = try await encoder.png(of: wall, display: "led-wall").get()
        }
        #expect(await encoder.encodes() == 2)
    }

    @Test func concurrentRequestsForOneFrameShareOneEncode() async throws {
        let encoder = ScreenshotEncoder()
        let frame = Bitmap(width: 320, height: 180, fill: (r: 1, g: 2, b: 3, a: 255))
        let results = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await encoder.png(of: frame, display: "lobby").get())?.count ?? 0 }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(results).count == 1 && results[0] > 0)
        #expect(await encoder.encodes() == 1)
    }

    @Test("PNGs are encoded on a thread at nice 10, so the frame loops get the cores first")
    func encodingGivesWayToTheFrameLoops() async throws {
        let encoder = ScreenshotEncoder()
        let base = ThreadExecutor.currentThreadNiceness
        #expect(await encoder.encodingThreadNiceness() == min(19, base + ScreenshotEncoder.niceness))
        #expect(ScreenshotEncoder.niceness == 10)
    }
}

/// Lets a fetch proceed when the test says so.
actor Gate {
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var arrivals = 0
    func pass() async {
        arrivals += 1
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func openUp() {
        open = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

@Suite struct ScreenshotSharingTests {
    @Test("Requests arriving while a display's screenshot is taken share its one frame copy and encode")
    func concurrentScreenshotRequestsShareOneFetch() async throws {
        let encoder = ScreenshotEncoder()
        let gate = Gate()
        let frame = Bitmap(width: 320, height: 180, fill: (r: 9, g: 8, b: 7, a: 255))
        let fetch: @Sendable () async -> Bitmap? = {
            await gate.pass()
            return frame
        }
        let results = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    if case .png(let png) = await encoder.screenshot(display: "lobby", fetch: fetch) { return png.count }
                    return 0
                }
            }
            // Every request is inside: one is fetching, seven have joined it. Then let it go.
            while true {
                let arrived = await gate.arrivals
                if arrived >= 1 && encoder.joinedRequests >= 7 { break }
                await Task.yield()
            }
            await gate.openUp()
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(results).count == 1 && results[0] > 0)
        #expect(await gate.arrivals == 1, "one frame copy for eight requests")
        #expect(await encoder.encodes() == 1)

        // Later requests, one after another, each take a frame of their own.
        _ = await encoder.screenshot(display: "lobby", fetch: fetch)
        #expect(await gate.arrivals == 2)
    }
}

@Suite struct MetricsRouteTests {
    @Test func metricsArePrometheusText() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(response.text == (await inspector.metrics))
        }
    }
}

@Suite struct ProofOfPlayRouteTests {
    static let records = [
        PlayRecord(display: "lobby", zone: "main", playlist: "01-city-hall-lobby.yaml", item: "窓口のご案内",
                   start: opening, end: opening.addingTimeInterval(15)),
        PlayRecord(display: "lobby", zone: "ticker", playlist: "01-city-hall-lobby.yaml", item: "本日の休館日",
                   start: opening, end: opening.addingTimeInterval(600)),
        PlayRecord(display: "entrance", zone: "main", playlist: "02-entrance.yaml", item: "検温のお願い",
                   start: opening.addingTimeInterval(86_400), end: opening.addingTimeInterval(86_430)),
    ]

    @Test func recordsInTheWindowAreAJSONArray() async throws {
        let inspector = FakeInspector()
        await inspector.setRecords(Self.records)
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/proof-of-play?from=2026-11-27T09:00:00%2B09:00&to=2026-11-27T10:00:00%2B09:00", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.text.contains(#""start" : "2026-11-27T00:00:00Z""#))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let decoded = try decoder.decode([PlayRecord].self, from: Data(response.text.utf8))
            #expect(decoded == Array(Self.records.prefix(2)))
            let query = try #require(await inspector.proofQueries.last)
            #expect(query.from == opening && query.to == opening.addingTimeInterval(3600))
        }
    }

    @Test func anOffsetWrittenWithAPlainPlusOrASpaceIsAccepted() async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector).test(.router) { client in
            for uri in ["/v1/proof-of-play?from=2026-11-27T09:00:00+09:00&to=2026-11-28T00:00:00Z",
                        "/v1/proof-of-play?from=2026-11-27T09:00:00%2009:00&to=2026-11-28T00:00:00Z"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri): \(response.text)")
                #expect(response.text == "[\n\n]\n" || response.text == "[]\n", "\(response.text)")
            }
            #expect(await inspector.proofQueries.allSatisfy { $0.from == opening })
        }
    }

    @Test(arguments: [
        ("/v1/proof-of-play", "`from`"),
        ("/v1/proof-of-play?to=2026-11-27T10:00:00Z", "`from`"),
        ("/v1/proof-of-play?from=2026-11-27T09:00:00Z", "`to`"),
        ("/v1/proof-of-play?from=yesterday&to=2026-11-27T10:00:00Z", "`from`"),
        ("/v1/proof-of-play?from=2026-11-27T09:00:00Z&to=2026-11-27T10:00:00", "`to`"),
        ("/v1/proof-of-play?from=2026-11-27T09:00:00Z&to=2026-13-27T10:00:00Z", "`to`"),
        ("/v1/proof-of-play?from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z", "`to` is before `from`"),
    ])
    func aMissingOrBadTimeIs400NamingTheParameter(uri: String, named: String) async throws {
        let inspector = FakeInspector()
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .badRequest)
            let message = try #require(response.errorMessage, "\(response.text)")
            #expect(message.contains(named), "\(message)")
        }
        #expect(await inspector.proofQueries.isEmpty)
    }

    @Test func aStoreFailureIs500WithItsMessage() async throws {
        let inspector = FakeInspector()
        await inspector.setProofFailure("database disk image is malformed: /var/lib/oshirase/oshirase.sqlite")
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/proof-of-play?from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z", method: .get)
            #expect(response.status == .internalServerError)
            #expect(response.errorMessage == "proof of play could not be read: database disk image is malformed: "
                + "/var/lib/oshirase/oshirase.sqlite")
        }
    }

    @Test func anIntervalWithTooManyRecordsIs413AndPointsAtTheReportCommand() async throws {
        let inspector = FakeInspector()
        await inspector.setProofFailure("too large")
        try await testApplication(inspector).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/proof-of-play?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z", method: .get)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorMessage?.contains("oshirase report") == true)
        }
    }
}

@Suite struct UnroutedRequestTests {
    @Test(arguments: ["/v2/status", "/v1/alerts/unknown", "/favicon.ico", "/v1"])
    func anUnknownPathIs404JSON(path: String) async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.errorMessage?.contains("no endpoint at \(path)") == true, "\(response.text)")
        }
    }

    @Test(arguments: [("/v1/status", HTTPRequest.Method.post), ("/", .delete), ("/metrics", .put),
                      ("/v1/screenshot", .patch), ("/v1/proof-of-play", .post)])
    func anotherMethodOnAKnownPathIs405(path: String, method: HTTPRequest.Method) async throws {
        try await testApplication(FakeInspector()).test(.router) { client in
            let response = try await client.execute(uri: path, method: method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, HEAD")
            #expect(response.errorMessage?.contains("\(method.rawValue) is not allowed") == true, "\(response.text)")
        }
    }
}
