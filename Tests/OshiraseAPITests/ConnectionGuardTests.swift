import Foundation
import NIOCore
import OshiraseConfig
import Testing
@testable import OshiraseAPI

/// The API under abuse from one client: oversized headers and bodies, broken requests, stalled
/// and trickling connections. Each answer is the API's JSON error, given before the abuse is
/// read in full, and a well-behaved client is still served.
@Suite("HTTP API connection limits", .timeLimit(.minutes(1)))
struct ConnectionGuardTests {
    @Test("Header fields over 16 KiB, or more than 100 of them, get 431 with a JSON error")
    func oversizedHeadersAre431() async throws {
        try await withLiveAPI(inspector: FakeInspector()) { port in
            // 20 KB: over our 16 KiB, under swift-nio's own 80 KiB default.
            let long = try RawConnection(port: port)
            await long.send("GET /v1/status HTTP/1.1\r\nHost: box\r\nX-Padding: \(String(repeating: "a", count: 20_000))\r\n\r\n")
            let answer = await long.answer()
            #expect(answer.status == 431, "\(answer)")
            #expect(answer.body.contains(#""error":"the request's header fields are over 16384 bytes"#), "\(answer)")

            let many = try RawConnection(port: port)
            let fields = (0..<101).map { "X-Field-\($0): 1\r\n" }.joined()
            await many.send("GET /v1/status HTTP/1.1\r\nHost: box\r\n\(fields)\r\n")
            #expect(await many.answer().status == 431)

            let fine = try RawConnection(port: port)
            await fine.send("GET /v1/status HTTP/1.1\r\nHost: box\r\nX-Padding: \(String(repeating: "a", count: 10_000))\r\nConnection: close\r\n\r\n")
            #expect(await fine.answer().status == 200, "10 KB of header fields are fine")
        }
    }

    @Test("A declared body over the limit gets 413 before a byte of it is sent")
    func anOversizedDeclaredBodyIs413AtOnce() async throws {
        let inspector = FakeInspector()
        try await withLiveAPI(inspector: inspector) { port in
            let connection = try RawConnection(port: port)
            // Only the head: the 50 MB never come, and the answer must not wait for them.
            await connection.send("POST /v1/alerts HTTP/1.1\r\nHost: box\r\nContent-Length: 50000000\r\n\r\n")
            let answer = await connection.answer(timeout: .seconds(5))
            #expect(answer.status == 413 && answer.closed, "\(answer)")
            // In the push answers' shape, as for a body found too large while read.
            #expect(answer.body.contains(#""error" : "body-too-large""#), "\(answer)")
            #expect(answer.body.contains("the body declares 50000000 bytes; the limit is 1048576 bytes (1 MiB)"), "\(answer)")
            // Routes that read no body take 64 KiB.
            let other = try RawConnection(port: port)
            await other.send("GET /v1/status HTTP/1.1\r\nHost: box\r\nContent-Length: 70000\r\n\r\n")
            #expect(await other.answer(timeout: .seconds(5)).status == 413)
        }
        #expect(await inspector.pushes.isEmpty, "nothing reached the alert intake")
    }

    @Test("Requests that are not HTTP get 400 with a JSON error", arguments: [
        "GARBAGE\u{1} / HTTP/9\r\n\r\n",
        "GET /v1/status HTTP/1.1\r\nHost: box\r\nContent-Length: -5\r\n\r\n",
        "GET /v1/status HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
    ])
    func malformedRequestsAre400(request: String) async throws {
        try await withLiveAPI(inspector: FakeInspector()) { port in
            let connection = try RawConnection(port: port)
            await connection.send(request)
            let answer = await connection.answer(timeout: .seconds(5))
            #expect(answer.closed && answer.status == 400 && answer.body.contains(#""error":"#), "\(answer)")
        }
    }

    @Test("A body broken or cut off in the middle never reaches the alert intake")
    func aBrokenOrCutBodyIsNotAPush() async throws {
        let inspector = FakeInspector()
        try await withLiveAPI(inspector: inspector) { port in
            let broken = try RawConnection(port: port)
            await broken.send("POST /v1/alerts HTTP/1.1\r\nHost: box\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<aler\r\nZZ\r\n")
            #expect(await broken.readToEnd(timeout: .seconds(5)).closed)

            // Half the declared body, then the client goes away.
            let cut = try RawConnection(port: port)
            await cut.send("POST /v1/alerts HTTP/1.1\r\nHost: box\r\nContent-Length: 100\r\n\r\n<alert>")
            cut.shutdownWriting()
            let answer = await cut.answer(timeout: .seconds(5))
            #expect(answer.status == nil || answer.status == 400, "\(String(describing: answer.status)) \(answer.body)")
        }
        #expect(await inspector.pushes.isEmpty, "a cut-off body was taken for a push")
    }

    @Test("Pipelined: the guard's own answer waits for the answer before it, which arrives whole")
    func pipelinedAnswersStayInOrder() async throws {
        try await withLiveAPI(inspector: FakeInspector()) { port in
            let connection = try RawConnection(port: port)
            await connection.send("GET /v1/status HTTP/1.1\r\nHost: box\r\n\r\n"
                                  + "POST /v1/alerts HTTP/1.1\r\nHost: box\r\nContent-Length: 50000000\r\n\r\n")
            let (bytes, closed) = await connection.readToEnd(timeout: .seconds(5))
            let text = String(decoding: bytes, as: UTF8.self)
            let first = try #require(text.range(of: "HTTP/1.1 200 OK"), "\(text.prefix(300))")
            let second = try #require(text.range(of: "HTTP/1.1 413"), "\(text.prefix(300))")
            #expect(first.lowerBound < second.lowerBound && closed)
            #expect(text[first.upperBound..<second.lowerBound].contains("札幌市役所 本庁舎"), "the status answer is whole")
        }
    }

    @Test("When every connection is being answered, a new one gets 503 at once")
    func everyConnectionBusyIs503() async throws {
        // Nothing counts as stalled for a minute: the two open connections cannot make room.
        let limits = ConnectionLimits(maximumConnections: 2, idleTimeout: .seconds(30), stalledAfter: .seconds(60))
        try await withLiveAPI(inspector: FakeInspector(), limits: limits) { port in
            let first = try RawConnection(port: port), second = try RawConnection(port: port)
            await first.send("GET /v1/status HTTP/1.1\r\nHost: box\r\n")
            await second.send("GET /v1/status HTTP/1.1\r\nHost: box\r\n")
            try await Task.sleep(for: .milliseconds(100))  // let the server take both
            let third = try RawConnection(port: port)
            let answer = await third.answer(timeout: .seconds(5))
            #expect(answer.status == 503 && answer.closed, "\(answer)")
            #expect(answer.body.contains("the box has 2 connections open, all busy"), "\(answer)")
        }
    }

    @Test("Stalled connections beyond the bound make room: a valid request is answered and the count stays bounded")
    func stalledConnectionsAreBoundedAndDoNotBlockOthers() async throws {
        // Every connection not being answered may make room at once: what counts is the bound, not timing.
        let limits = ConnectionLimits(maximumConnections: 8, idleTimeout: .seconds(30), stalledAfter: .zero)
        try await withLiveAPI(inspector: FakeInspector(), limits: limits) { port in
            var stalled: [RawConnection] = []
            for _ in 0..<40 {
                let connection = try RawConnection(port: port)
                await connection.send("GET /v1/status HTTP/1.1\r\nHost: box\r\n")  // half a request
                stalled.append(connection)
            }
            let started = ContinuousClock.now
            let valid = try RawConnection(port: port)
            await valid.send("GET /v1/status HTTP/1.1\r\nHost: box\r\nConnection: close\r\n\r\n")
            let answer = await valid.answer(timeout: .seconds(5))
            #expect(answer.status == 200, "\(answer)")
            // The 1 s of the requirement is measured by `scripts/abuse stall` on an idle machine;
            // here only that it is not held up until a timeout.
            #expect(ContinuousClock.now - started < .seconds(5))
            // Of the 41, at most 8 are still open on the server's side: the others were closed.
            var closedByServer = 0
            for connection in stalled where await connection.readToEnd(timeout: .milliseconds(200)).closed {
                closedByServer += 1
            }
            #expect(closedByServer >= 40 - 8, "\(closedByServer) of 40 stalled connections were closed")
        }
    }

    @Test("An idle connection, and one trickling its request head a byte at a time, are closed at the idle timeout")
    func idleAndTricklingConnectionsAreClosed() async throws {
        let limits = ConnectionLimits(idleTimeout: .milliseconds(400))
        try await withLiveAPI(inspector: FakeInspector(), limits: limits) { port in
            let idle = try RawConnection(port: port)
            let idleStart = ContinuousClock.now
            let idleEnd = await idle.readToEnd(timeout: .seconds(5))
            #expect(idleEnd.closed && idleEnd.bytes.isEmpty)
            let idleLasted = ContinuousClock.now - idleStart
            // Not before the timeout; how long after it depends on the machine's load (the 5 s
            // read above bounds it).
            #expect(idleLasted >= .milliseconds(300), "closed after \(idleLasted)")

            // A byte every 50 ms: never idle by the byte, but no whole head ever arrives.
            let trickle = try RawConnection(port: port)
            let trickleStart = ContinuousClock.now
            var cutOff = false
            for byte in Array("GET /v1/status HTTP/1.1\r\nHost: box\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 200) {
                guard await trickle.send([byte]), await !trickle.readToEnd(timeout: .milliseconds(50)).closed else {
                    cutOff = true
                    break
                }
            }
            #expect(cutOff, "the trickling client was never cut off")
            let lasted = ContinuousClock.now - trickleStart
            #expect(lasted >= .milliseconds(300), "cut off after \(lasted)")
        }
    }
}
