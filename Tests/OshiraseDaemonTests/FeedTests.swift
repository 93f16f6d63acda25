import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import OshiraseCAP
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseSigning
import OshiraseStore
import OshiraseTestSupport
import Synchronization
import Testing
import Logging

/// Requests the feed server saw.
final class FeedServerLog: Sendable {
    let requests = Mutex<[(path: String, conditional: Bool)]>([])
    /// Answers to `/cap/1.xml` that are 500 before it is served.
    let failuresLeft = Mutex(0)
}

/// A local feed on 127.0.0.1: an Atom index linking a signed CAP document and an unsigned one;
/// with `tls`, all of it over https with the test certificate (`fixtures/tls`).
func withFeedServer(tls: Bool = false, signed: [UInt8], headers: [String: String], unsigned: [UInt8], failSignedTimes: Int = 0,
                    _ body: @Sendable (Int, FeedServerLog) async throws -> Void) async throws {
    let log = FeedServerLog()
    log.failuresLeft.withLock { $0 = failSignedTimes }
    let router = Router()
    let index = """
        <?xml version="1.0" encoding="UTF-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title>札幌市 防災情報</title>
          <entry><title>避難指示</title><link rel="alternate" type="application/cap+xml" href="LINK1"/></entry>
          <entry><title>署名なし</title><link href="LINK2"/></entry>
        </feed>
        """
    router.get("/index.atom") { request, context -> Response in
        let conditional = request.headers.contains { $0.name.canonicalName == "if-none-match" }
        log.requests.withLock { $0.append(("/index.atom", conditional)) }
        if conditional { return Response(status: .notModified) }
        let port = request.head.authority.flatMap { $0.split(separator: ":").last }.map(String.init) ?? "0"
        let scheme = tls ? "https" : "http"
        let text = index.replacingOccurrences(of: "LINK1", with: "\(scheme)://127.0.0.1:\(port)/cap/1.xml")
            .replacingOccurrences(of: "LINK2", with: "\(scheme)://127.0.0.1:\(port)/cap/2.xml")
        var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        response.headers[HTTPField.Name("ETag")!] = "\"index-v1\""
        return response
    }
    router.get("/cap/1.xml") { _, _ -> Response in
        log.requests.withLock { $0.append(("/cap/1.xml", false)) }
        let fail = log.failuresLeft.withLock { left -> Bool in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if fail { return Response(status: .internalServerError) }
        var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: signed)))
        for (name, value) in headers { response.headers[HTTPField.Name(name)!] = value }
        return response
    }
    router.get("/cap/2.xml") { _, _ -> Response in
        log.requests.withLock { $0.append(("/cap/2.xml", false)) }
        return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: unsigned)))
    }
    var serverLogger = quietLogger
    serverLogger.logLevel = .critical  // refused handshakes are what a test is about
    try await withLoopbackServer({ onListening in
        Application(router: router, server: tls ? try .tls(.http1(), tlsConfiguration: TestTLS.serverConfiguration()) : .http1(),
                    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: serverLogger)
    }) { port in
        try await body(port, log)
    }
}

/// A feed poller whose polls run on a thread of their own: a poll blocks its thread, and must
/// never take one of the few the test server's tasks need.
final class PollerOnAThread: Sendable {
    private let poller: Mutex<FeedPoller>
    private let center: AlertCenter

    init(_ feed: FeedConfig, into center: AlertCenter) {
        poller = Mutex(FeedPoller(feed: feed))
        self.center = center
    }

    /// One poll; then the failures in a row and the last problem.
    @discardableResult
    func poll() async -> (failures: Int, problem: String?) {
        await withCheckedContinuation { c in
            Thread {
                let after = self.poller.withLock { poller in
                    poller.poll(into: self.center, logger: quietLogger)
                    return (poller.failures, poller.lastProblem)
                }
                c.resume(returning: after)
            }.start()
        }
    }
}

@Suite("Alert feeds")
struct FeedTests {
    @Test func aSignedEntryIsShownAnUnsignedOneOverHTTPIsRefusedAndAnUnchangedIndexIsA304() async throws {
        let box = try TrustingCenter()
        let (center, store, clock) = (box.center, try #require(box.store), box.clock)
        let signed = freshAlert(identifier: "feed-signed", sent: clock.now())
        let headers = try box.envelope(signed, at: clock.now().addingTimeInterval(-3600))
        let unsigned = freshAlert(identifier: "feed-unsigned", sent: clock.now())
        try await withFeedServer(signed: signed, headers: headers, unsigned: unsigned) { port, log in
            let poller = PollerOnAThread(FeedConfig(url: "http://127.0.0.1:\(port)/index.atom", interval: 60), into: center)
            await poller.poll()
            #expect(center.listing().map(\.identifier) == ["feed-signed"], "signed an hour ago: a feed's document may be old")
            let audit = try store.auditEntries(from: .distantPast, to: .distantFuture)
            #expect(audit.map(\.outcome) == ["accepted", "unsigned-feed"])
            #expect(audit.allSatisfy { $0.source.hasPrefix("http://127.0.0.1:\(port)/cap/") })

            await poller.poll()
            #expect(log.requests.withLock { $0 }.last.map { $0.path == "/index.atom" && $0.conditional } == true,
                    "the second poll sends the ETag and gets a 304")
            #expect(try store.auditEntries(from: .distantPast, to: .distantFuture).count == 2, "nothing new")
        }
    }

    @Test func anEntryThatFailedIsFetchedAgainThoughTheIndexDidNotChange() async throws {
        let box = try TrustingCenter(stored: false)
        let (center, clock) = (box.center, box.clock)
        let signed = freshAlert(identifier: "feed-retried", sent: clock.now())
        let headers = try box.envelope(signed)
        try await withFeedServer(signed: signed, headers: headers, unsigned: freshAlert(identifier: "x", sent: clock.now()),
                                 failSignedTimes: 1) { port, log in
            let poller = PollerOnAThread(FeedConfig(url: "http://127.0.0.1:\(port)/index.atom", interval: 60), into: center)
            await poller.poll()
            #expect(center.listing().isEmpty, "the entry answered 500")
            await poller.poll()
            #expect(center.listing().map(\.identifier) == ["feed-retried"], "fetched again: the index was read whole, not a 304")
            #expect(log.requests.withLock { $0 }.filter { $0.path == "/index.atom" }.map(\.conditional) == [false, false])
        }
    }

    @Test func overHTTPSAnUnsignedDocumentFromAListedSenderIsShownAndOtherSendersAreNot() async throws {
        let folder = try PlaylistFolder()
        let store = try StateStore(directory: folder.path + "/state")
        let clock = ManualClock(Date())
        // No key at all: only https and the listed sender vouch for these documents.
        let center = AlertCenter(config: AlertsConfig(), store: store, clock: clock, logger: quietLogger)
        let listed = freshAlert(identifier: "https-listed", sent: clock.now())
        let other = freshAlert(identifier: "https-other", sent: clock.now(), sender: "someone@example.org")
        try await withFeedServer(tls: true, signed: listed, headers: [:], unsigned: other) { port, log in
            let url = "https://127.0.0.1:\(port)/index.atom"
            // One poll by a new poller.
            func poll(_ feed: FeedConfig) async -> (failures: Int, problem: String?) {
                await PollerOnAThread(feed, into: center).poll()
            }
            // A server whose certificate the configured CA did not sign is not read at all.
            let wrongCA = await poll(FeedConfig(url: url, senders: ["bousai@city.sapporo.jp"], caFile: TestTLS.otherCAFile))
            #expect(wrongCA.failures == 1)
            #expect(wrongCA.problem?.hasPrefix("TLS failed") == true, "\(wrongCA.problem ?? "")")
            #expect(log.requests.withLock { $0.isEmpty }, "no request crossed an untrusted connection")
            #expect(center.listing().isEmpty)

            let trusted = await poll(FeedConfig(url: url, senders: ["bousai@city.sapporo.jp"], caFile: TestTLS.caFile))
            #expect(trusted.failures == 0 && trusted.problem == nil)
            #expect(center.listing().map(\.identifier) == ["https-listed"])
            let audit = try store.auditEntries(from: .distantPast, to: .distantFuture)
            #expect(audit.map(\.outcome) == ["accepted", "untrusted-sender"])
            #expect(audit.map(\.keyID) == [nil, nil], "no key vouched")
            #expect(audit.map(\.source) == ["https://127.0.0.1:\(port)/cap/1.xml", "https://127.0.0.1:\(port)/cap/2.xml"])
            #expect(audit.last?.reason?.contains("someone@example.org is not listed") == true, "\(audit.last?.reason ?? "")")
        }
    }

    @Test func anUnsignedDocumentCountsAsHTTPSOnlyByItsOwnURL() throws {
        // An https index may link plain http entries: each document is judged by where it came from.
        let clock = ManualClock(Date())
        let center = AlertCenter(config: AlertsConfig(), store: nil, clock: clock, logger: quietLogger)
        let senders = ["bousai@city.sapporo.jp"]
        let plain = center.ingestFeedMessage(body: freshAlert(identifier: "plain", sent: clock.now()), headers: [:],
                                             url: "http://bousai.city.sapporo.jp/cap/1.xml", httpsSenders: senders)
        #expect(plain.status == 401 && plain.fields["error"] == "unsigned-feed")
        let unlisted = center.ingestFeedMessage(body: freshAlert(identifier: "unlisted", sent: clock.now()), headers: [:],
                                                url: "https://bousai.city.sapporo.jp/cap/2.xml", httpsSenders: [])
        #expect(unlisted.status == 401 && unlisted.fields["error"] == "untrusted-sender")
        #expect(unlisted.fields["reason"]?.contains("lists no senders") == true)
        let listed = center.ingestFeedMessage(body: freshAlert(identifier: "listed", sent: clock.now()), headers: [:],
                                              url: "HTTPS://bousai.city.sapporo.jp/cap/3.xml", httpsSenders: senders)
        #expect(listed.status == 202, "\(listed.fields)")
        #expect(center.listing().map(\.identifier) == ["listed"])
    }

    @Test func aFeedThatDoesNotAnswerBacksOffExponentially() throws {
        let clock = ManualClock(Date())
        let center = AlertCenter(config: AlertsConfig(), store: nil, clock: clock, logger: quietLogger)
        var poller = FeedPoller(feed: FeedConfig(url: "http://127.0.0.1:9/index.atom", interval: 10))
        poller.poll(into: center, logger: quietLogger)
        let first = poller.due - monotonicSeconds()
        poller.poll(into: center, logger: quietLogger)
        let second = poller.due - monotonicSeconds()
        #expect(poller.failures == 2)
        #expect(first > 15 && first <= 20 && second > 35 && second <= 40, "\(first) s, then \(second) s")
    }
}

/// A Moderate alert from `sender` sent at `sent`, expiring two hours later.
func freshAlert(identifier: String, sent: Date, sender: String = "bousai@city.sapporo.jp") -> [UInt8] {
    Array("""
        <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>\(identifier)</identifier><sender>\(sender)</sender><sent>\(Instant.format(sent, in: .tokyo))</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><language>ja-JP</language><category>Met</category><event>大雨</event><urgency>Expected</urgency><severity>Moderate</severity><certainty>Likely</certainty><expires>\(Instant.format(sent.addingTimeInterval(7200), in: .tokyo))</expires><headline>大雨警報</headline></info></alert>
        """.utf8)
}
