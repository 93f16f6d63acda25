import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import OshiraseHTTPClient
import OshiraseTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the local test server saw, shared between its handlers and the test.
final class ServerLog: Sendable {
    let attempts = Mutex<[String]>([])
    let flakyCalls = Mutex(0)
    let bodies = Mutex<[String]>([])
    let authorities = Mutex<[String]>([])
    let inFlight = Mutex((now: 0, most: 0))
}

/// A Hummingbird server on `host` (127.0.0.1) with a free port, for the length of `body`; with
/// `tls`, https with the test certificate for 127.0.0.1 and localhost (`fixtures/tls`).
///
/// Routes: `/ok` 202 with JSON, `/unauthorized` 401 with JSON, `/flaky` 503 then 202,
/// `/slow` answers after 2 s, `/big` 100 KiB, `/hold` 150 ms while counting requests in flight.
func withTestServer<T: Sendable>(tls: Bool = false, host: String = "127.0.0.1",
                                 _ body: @Sendable (_ port: Int, _ log: ServerLog) async throws -> T) async throws -> T {
    let log = ServerLog()
    let router = Router()
    router.add(middleware: RecordAuthority(log: log))
    router.post("/ok") { request, _ -> Response in
        let text = try await String(buffer: request.body.collect(upTo: 1 << 20))
        log.bodies.withLock { $0.append(text) }
        return json(.accepted, #"{"identifier":"sapporo-001","state":"active"}"#)
    }
    router.post("/v1/alerts") { _, _ -> Response in
        json(.accepted, #"{"identifier":"via-proxy","state":"active"}"#)
    }
    router.post("/unauthorized") { _, _ -> Response in
        json(.unauthorized, #"{"error":"bad-signature","reason":"the signature does not match the body"}"#)
    }
    router.post("/flaky") { request, _ -> Response in
        log.attempts.withLock { $0.append(request.headers.first { $0.name.canonicalName == "x-attempt" }?.value ?? "none") }
        let call = log.flakyCalls.withLock { calls in
            calls += 1
            return calls
        }
        return call == 1 ? json(.serviceUnavailable, #"{"error":"store-unavailable","reason":"busy"}"#)
                         : json(.accepted, #"{"identifier":"sapporo-002","state":"active"}"#)
    }
    router.post("/slow") { _, _ -> Response in
        try? await Task.sleep(for: .seconds(2))
        return json(.accepted, "{}")
    }
    router.post("/big") { _, _ -> Response in
        Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "a"), count: 100_000)))
    }
    router.post("/hold") { _, _ -> Response in
        log.inFlight.withLock { state in
            state.now += 1
            state.most = max(state.most, state.now)
        }
        try? await Task.sleep(for: .milliseconds(150))
        log.inFlight.withLock { $0.now -= 1 }
        return json(.accepted, "{}")
    }
    router.get("/feed.xml") { request, _ -> Response in
        // A conditional GET with the current ETag gets 304 and no body.
        if request.headers.first(where: { $0.name.canonicalName == "if-none-match" })?.value == "\"v1\"" {
            return Response(status: .notModified)
        }
        var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "<feed>札幌市</feed>")))
        response.headers[HTTPField.Name("ETag")!] = "\"v1\""
        response.headers[HTTPField.Name("Oshirase-Key")!] = "cityhall-2026"
        return response
    }
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical  // refused handshakes are what some tests are about
    return try await withLoopbackServer({ onListening in
        Application(router: router,
                    server: tls ? try .tls(.http1(), tlsConfiguration: TestTLS.serverConfiguration()) : .http1(),
                    configuration: ApplicationConfiguration(address: .hostname(host, port: 0)),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                    logger: logger)
    }) { port in
        try await body(port, log)
    }
}

struct TestServerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Records the authority (host) of every request, which shows whether it came through a proxy.
struct RecordAuthority<Context: RequestContext>: RouterMiddleware {
    let log: ServerLog
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        log.authorities.withLock { $0.append(request.head.authority ?? "") }
        return try await next(request, context)
    }
}

func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}

/// A port on 127.0.0.1 nothing listens on: bound to port 0, then closed.
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestServerFailure("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard ok else { throw TestServerFailure("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Quick options for tests: short timeouts and retry waits.
func testOptions(retries: Int = 2) -> HTTPFanOutOptions {
    var options = HTTPFanOutOptions()
    options.connectTimeout = .seconds(2)
    options.totalTimeout = .milliseconds(400)
    options.retries = retries
    options.retryDelay = .milliseconds(10)
    options.proxy = ""  // these tests talk to 127.0.0.1 directly whatever the environment says
    return options
}

let evacuationOrder = Array("<alert>南区に避難指示を発令しました。</alert>".utf8)

@Suite("libcurl fan-out")
struct HTTPFanOutTests {
    @Test func eachTargetGetsItsOwnResultWhenOneIsSlowOneRefusesOneRejectsAndOneRecoversOnRetry() async throws {
        try await withTestServer { port, log in
            let dead = try closedLoopbackPort()
            let base = "http://127.0.0.1:\(port)"
            let posts = [
                HTTPPost(url: "\(base)/ok", body: evacuationOrder, fixedHeaders: [("Oshirase-Key", "sapporo-city")]),
                HTTPPost(url: "\(base)/slow", body: evacuationOrder),
                HTTPPost(url: "http://127.0.0.1:\(dead)/v1/alerts", body: evacuationOrder),
                HTTPPost(url: "\(base)/unauthorized", body: evacuationOrder),
                HTTPPost(url: "\(base)/flaky", body: evacuationOrder) { attempt in [("X-Attempt", String(attempt))] },
            ]
            let progress = Mutex<[Int]>([])
            let results = await HTTPFanOut(options: testOptions()).send(posts) { done, total in
                #expect(total == 5)
                progress.withLock { $0.append(done) }
            }
            try #require(results.count == 5)
            #expect(results.map(\.index) == [0, 1, 2, 3, 4])
            #expect(results.map(\.url) == posts.map(\.url))

            #expect(results[0].status == 202)
            #expect(results[0].isSuccess)
            if case .success(let response) = results[0].outcome {
                #expect(response.text == #"{"identifier":"sapporo-001","state":"active"}"#)
            }
            #expect(log.bodies.withLock { $0 } == ["<alert>南区に避難指示を発令しました。</alert>"])

            guard case .failure(let slow) = results[1].outcome else {
                Issue.record("the slow target should time out: \(results[1])")
                return
            }
            #expect(slow.code == .timeout)
            #expect(slow.message.contains("400 ms"))
            #expect(results[1].attempts == 1, "a total timeout is not retried")

            guard case .failure(let refused) = results[2].outcome else {
                Issue.record("the closed port should refuse: \(results[2])")
                return
            }
            #expect(refused.code == .connectionRefused)
            #expect(refused.message == "connection refused")
            #expect(results[2].attempts == 3, "a refused connection is tried again twice")

            #expect(results[3].status == 401)
            #expect(!results[3].isSuccess)
            if case .success(let response) = results[3].outcome {
                #expect(response.text.contains("bad-signature"))
            }

            #expect(results[4].status == 202)
            #expect(results[4].attempts == 2)
            #expect(log.attempts.withLock { $0 } == ["1", "2"], "the headers are made anew for each attempt")

            #expect(progress.withLock { $0 } == [1, 2, 3, 4, 5])
        }
    }

    @Test func onlyHTTPAndHTTPSAreSent() async throws {
        let posts = ["ftp://127.0.0.1/alert.xml", "file:///etc/passwd", "gopher://127.0.0.1/", "127.0.0.1:8080", "http://"]
            .map { HTTPPost(url: $0, body: evacuationOrder) }
        let results = await HTTPFanOut(options: testOptions()).send(posts)
        let codes = results.map { result -> HTTPClientError.Code? in
            if case .failure(let error) = result.outcome { return error.code }
            return nil
        }
        #expect(codes == [.unsupportedScheme, .unsupportedScheme, .unsupportedScheme, .invalidURL, .invalidURL])
        #expect(results.allSatisfy { $0.attempts == 0 })
        if case .failure(let error) = results[0].outcome {
            #expect(error.message.contains("only http:// and https://"))
        }
    }

    @Test func aLargeAnswerIsCappedAndMarkedTruncated() async throws {
        try await withTestServer { port, _ in
            var options = testOptions()
            options.maximumResponseBytes = 1024
            let results = await HTTPFanOut(options: options).send([HTTPPost(url: "http://127.0.0.1:\(port)/big", body: [])])
            guard case .success(let response) = results.first?.outcome else {
                Issue.record("no answer: \(results)")
                return
            }
            #expect(response.status == 200)
            #expect(response.body.count == 1024)
            #expect(response.isTruncated)
        }
    }

    @Test func aHeaderThatCannotBeMadeEndsThatTargetOnly() async throws {
        struct KeyUnavailable: Error, CustomStringConvertible { var description: String { "鍵ファイルを読めません" } }
        try await withTestServer { port, _ in
            let posts = [
                HTTPPost(url: "http://127.0.0.1:\(port)/ok", body: evacuationOrder) { _ in throw KeyUnavailable() },
                HTTPPost(url: "http://127.0.0.1:\(port)/ok", body: evacuationOrder, fixedHeaders: [("X-Bad", "a\r\nInjected: 1")]),
                HTTPPost(url: "http://127.0.0.1:\(port)/ok", body: evacuationOrder),
            ]
            let results = await HTTPFanOut(options: testOptions()).send(posts)
            if case .failure(let error) = results[0].outcome {
                #expect(error.code == .headers)
                #expect(error.message.contains("鍵ファイルを読めません"))
            } else {
                Issue.record("a throwing header closure should fail the target")
            }
            if case .failure(let error) = results[1].outcome {
                #expect(error.code == .headers)
            } else {
                Issue.record("a header with a line break should be refused")
            }
            #expect(results[2].status == 202)
        }
    }

    @Test func noMoreThanTheConfiguredNumberAreInFlightAtOnce() async throws {
        try await withTestServer { port, log in
            var options = testOptions()
            options.totalTimeout = .seconds(10)
            options.maximumConcurrent = 2
            let posts = (0..<6).map { _ in HTTPPost(url: "http://127.0.0.1:\(port)/hold", body: evacuationOrder) }
            let results = await HTTPFanOut(options: options).send(posts)
            #expect(results.allSatisfy { $0.status == 202 })
            let most = log.inFlight.withLock { $0.most }
            #expect(most == 2, "at most 2 at once, and the two do run together (saw \(most))")
        }
    }

    @Test func anExplicitProxyReceivesTheRequestForAHostItCannotResolveItself() async throws {
        try await withTestServer { port, log in
            var options = testOptions()
            options.proxy = "http://127.0.0.1:\(port)"
            let results = await HTTPFanOut(options: options).send([
                HTTPPost(url: "http://oshirase-box.invalid:8080/v1/alerts", body: evacuationOrder),
            ])
            #expect(results.first?.status == 202, "\(results)")
            #expect(log.authorities.withLock { $0 } == ["oshirase-box.invalid:8080"])
        }
    }

    @Test func httpsIsSentOnlyToAServerWhoseCertificateChainsToTheTrustedCAAndNamesTheHost() async throws {
        try await withTestServer(tls: true) { port, log in
            var trusting = testOptions(retries: 2)
            trusting.caFile = TestTLS.caFile
            trusting.totalTimeout = .seconds(10)
            let good = await HTTPFanOut(options: trusting).send([
                HTTPPost(url: "https://127.0.0.1:\(port)/ok", body: evacuationOrder),
                HTTPPost(url: "https://localhost:\(port)/ok", body: evacuationOrder),
            ])
            #expect(good.map(\.status) == [202, 202], "\(good)")
            #expect(log.bodies.withLock { $0.count } == 2)

            // The system's bundle does not know the test CA; nor does another CA.
            var system = trusting
            system.caFile = nil
            var other = trusting
            other.caFile = TestTLS.otherCAFile
            for options in [system, other] {
                let refused = await HTTPFanOut(options: options).send([HTTPPost(url: "https://127.0.0.1:\(port)/ok", body: evacuationOrder)])
                guard case .failure(let error) = refused.first?.outcome else {
                    Issue.record("an untrusted certificate was accepted: \(refused)")
                    continue
                }
                #expect(error.code == .tls)
                #expect(error.message.hasPrefix("TLS failed: "), "\(error.message)")
                #expect(error.message.contains("certificate"), "\(error.message)")
                #expect(refused.first?.attempts == 1, "a certificate problem is not tried again")
            }
            #expect(log.bodies.withLock { $0.count } == 2, "nothing reached the server over an untrusted connection")

            var missing = trusting
            missing.caFile = "/nonexistent/city-ca.pem"
            let noFile = await HTTPFanOut(options: missing).send([HTTPPost(url: "https://127.0.0.1:\(port)/ok", body: evacuationOrder)])
            if case .failure(let error) = noFile.first?.outcome {
                #expect(error.code == .tls, "\(error)")
            } else {
                Issue.record("a missing CA file was not an error: \(noFile)")
            }
        }
    }

    @Test func httpsToAnAddressTheCertificateDoesNotNameIsRefused() async throws {
        // 127.0.0.2 is loopback too on Linux, but the certificate names only 127.0.0.1 and localhost.
        try await withTestServer(tls: true, host: "127.0.0.2") { port, log in
            var options = testOptions()
            options.caFile = TestTLS.caFile
            options.totalTimeout = .seconds(10)
            let results = await HTTPFanOut(options: options).send([HTTPPost(url: "https://127.0.0.2:\(port)/ok", body: evacuationOrder)])
            guard case .failure(let error) = results.first?.outcome else {
                Issue.record("a certificate for another host was accepted: \(results)")
                return
            }
            #expect(error.code == .tls)
            #expect(error.message.contains("127.0.0.2"), "\(error.message)")
            #expect(log.bodies.withLock { $0.isEmpty })
        }
    }

    @Test func aBlockingSendGivesTheSameResults() throws {
        let dead = try closedLoopbackPort()
        let results = HTTPFanOut(options: testOptions(retries: 0))
            .sendAndWait([HTTPPost(url: "http://127.0.0.1:\(dead)/", body: evacuationOrder)])
        #expect(results.count == 1)
        #expect(results.first?.attempts == 1)
        if case .failure(let error) = results.first?.outcome {
            #expect(error.code == .connectionRefused)
        }
    }
}

@Suite("HTTP GET for feeds")
struct HTTPGetTests {
    @Test func aGetReturnsTheBodyAndHeadersAndAConditionalGetA304() async throws {
        try await withTestServer { port, _ in
            let client = HTTPFanOut()
            let url = "http://127.0.0.1:\(port)/feed.xml"
            // A GET blocks its thread: never one of the few the server's tasks need.
            func get(_ url: String, headers: [(name: String, value: String)] = []) async -> Result<HTTPGetReply, HTTPClientError> {
                await withCheckedContinuation { c in Thread { c.resume(returning: client.get(url, headers: headers)) }.start() }
            }
            let first = try await get(url).get()
            #expect(first.reply.status == 200 && first.reply.text == "<feed>札幌市</feed>")
            #expect(first.headers["etag"] == "\"v1\"" && first.headers["oshirase-key"] == "cityhall-2026")
            let again = try await get(url, headers: [("If-None-Match", "\"v1\"")]).get()
            #expect(again.reply.status == 304 && again.reply.body.isEmpty)
            if case .failure(let error) = await get("file:///etc/passwd") {
                #expect(error.code == .unsupportedScheme)
            } else {
                Issue.record("file:// was fetched")
            }
        }
    }

    @Test func aGetOverHTTPSChecksTheCertificate() async throws {
        try await withTestServer(tls: true) { port, _ in
            var options = HTTPFanOutOptions()
            options.proxy = ""
            options.caFile = TestTLS.caFile
            let trusting = HTTPFanOut(options: options)
            options.caFile = TestTLS.otherCAFile
            let other = HTTPFanOut(options: options)
            let url = "https://127.0.0.1:\(port)/feed.xml"
            func get(_ client: HTTPFanOut) async -> Result<HTTPGetReply, HTTPClientError> {
                await withCheckedContinuation { c in Thread { c.resume(returning: client.get(url)) }.start() }
            }
            let fetched = try await get(trusting).get()
            #expect(fetched.reply.status == 200 && fetched.reply.text == "<feed>札幌市</feed>")
            if case .failure(let error) = await get(other) {
                #expect(error.code == .tls)
            } else {
                Issue.record("a feed with an untrusted certificate was read")
            }
        }
    }
}
