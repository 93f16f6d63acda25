import Foundation
import NIOCore
import OshiraseFormats
import Testing
@testable import OshiraseAPI

/// The API under abuse from one client: oversized headers and bodies, broken requests, stalled
/// and trickling connections. Each answer is the API's JSON error, given before the abuse is
/// read in full, and a well-behaved client is still served.
@Suite("HTTP API connection limits", .timeLimit(.minutes(1)))
struct ConnectionGuardTests {
    @Test("Header fields over the limit get 431 with a JSON error")
    func oversizedHeadersAre431() async throws {
        try await withLiveAPI(inspector: FakeInspector()) { port in
            let connection = try RawConnection(port: port)
            await connection.send("GET /v1/status HTTP/1.1\r\nHost: box\r\nX-Padding: \(String(repeating: "あ", count: 40_000))\r\n\r\n")
            let answer = await connection.answer()
            #expect(answer.status == 431, "\(answer)")
            #expect(answer.body.contains(#""error":"the request's header fields are over 16384 bytes"#), "\(answer)")
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
            #expect(answer.body.contains("the body declares 50000000 bytes; /v1/alerts takes at most 1048576"), "\(answer)")
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
        "POST /v1/alerts HTTP/1.1\r\nHost: box\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
    ])
    func malformedRequestsAre400(request: String) async throws {
        try await withLiveAPI(inspector: FakeInspector()) { port in
            let connection = try RawConnection(port: port)
            await connection.send(request)
            let answer = await connection.answer(timeout: .seconds(5))
            #expect(answer.closed, "\(answer)")
            if answer.status != nil {
                #expect(answer.status == 400 && answer.body.contains(#""error":"#), "\(answer)")
            }
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
            #expect(ContinuousClock.now - started < .seconds(1))
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
