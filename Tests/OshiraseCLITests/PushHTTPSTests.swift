import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import OshiraseSigning
import OshiraseTestSupport
import Synchronization
import Testing

/// What the https box received.
final class ReceivedPushes: Sendable {
    let pushes = Mutex<[(headers: [String: String], body: [UInt8])]>([])
}

/// `oshirase push` to an https:// box: the executable's libcurl checks the box's certificate
/// against `--cacert` (here the test CA of `fixtures/tls`), or against the system's bundle.
@Suite("oshirase push over https", .serialized)
struct PushHTTPSTests {
    /// An https server on 127.0.0.1 standing in for a box behind TLS: it keeps every push and
    /// answers 202 as a box does.
    func withHTTPSBox(_ body: @Sendable (Int, ReceivedPushes) async throws -> Void) async throws {
        let received = ReceivedPushes()
        let router = Router()
        router.post("/v1/alerts") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            received.pushes.withLock { $0.append((headers, Array(buffer: bytes))) }
            return Response(status: .accepted, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"identifier":"https-box","state":"active"}"#)))
        }
        var logger = Logger(label: "https-box")
        logger.logLevel = .critical  // the refused handshake is what the test is about
        try await withLoopbackServer({ onListening in
            Application(router: router, server: try .tls(.http1(), tlsConfiguration: TestTLS.serverConfiguration()),
                        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                        onServerRunning: { await onListening($0.localAddress?.port ?? 0) }, logger: logger)
        }) { port in
            try await body(port, received)
        }
    }

    /// Runs the executable on a thread of its own: the server's tasks need the pool's threads.
    func oshirase(_ arguments: [String], in ws: Workspace) async throws -> Run {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try PushCommandTests.oshirase(arguments, in: ws) }) }.start()
        }
    }

    @Test("--cacert: the push is sent and its envelope verifies; without it, a TLS row and exit 1",
          .timeLimit(.minutes(2)))
    func pushToAnHTTPSBox() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("city", in: ws)
        let trusted = try TrustedKey.parse(pub)
        try await withHTTPSBox { port, received in
            let target = "https://127.0.0.1:\(port)"
            let push = try await oshirase(["push", "--to", target, "--key", "city.key", "--cacert", TestTLS.caFile,
                                           "--title", "避難指示", "--body", "南区に避難指示を発令しました。", "--severity", "Extreme",
                                           "--expires", "2h", "--retries", "0", "--journal", ws.path("sent.jsonl")], in: ws)
            #expect(push.status == 0, "\(push)")
            let row = try #require(PushCommandTests.row(push, startingWith: "\(target)/v1/alerts"), "\(push)")
            #expect(row.count == 3 && row[1] == "202" && row[2] == "accepted: active", "\(row)")
            let sent = try #require(received.pushes.withLock { $0.first })
            let verified = PushVerifier(keys: [trusted]).verify(headers: sent.headers, body: sent.body, now: Date())
            #expect((try? verified.get())?.keyID == trusted.keyID, "\(verified)")
            #expect(String(decoding: sent.body, as: UTF8.self).contains("南区に避難指示を発令しました。"))

            // The system's bundle does not know the test CA: nothing is sent, the row says why.
            let untrusted = try await oshirase(["push", "--to", target, "--key", "city.key",
                                                "--title", "避難指示", "--body", "南区に避難指示を発令しました。",
                                                "--expires", "2h", "--journal", ws.path("sent.jsonl")], in: ws)
            #expect(untrusted.status == 1, "\(untrusted)")
            #expect(!untrusted.looksLikeCrash, "\(untrusted)")
            let failed = try #require(PushCommandTests.row(untrusted, startingWith: "\(target)/v1/alerts"), "\(untrusted)")
            #expect(failed.last?.hasPrefix("TLS failed") == true && failed.last?.contains("certificate") == true, "\(failed)")
            #expect(received.pushes.withLock { $0.count } == 1, "nothing crossed the untrusted connection")

            let other = try await oshirase(["push", "--to", target, "--key", "city.key", "--cacert", TestTLS.otherCAFile,
                                            "--title", "避難指示", "--body", "本文", "--expires", "2h",
                                            "--journal", ws.path("sent.jsonl")], in: ws)
            #expect(other.status == 1, "\(other)")
            #expect(received.pushes.withLock { $0.count } == 1)
        }
    }
}
