import Crypto
import Foundation
import Logging
import OshiraseCAP
import OshiraseCore
import OshiraseDevices
import OshiraseConfig
import OshiraseHTTPClient
import ServiceLifecycle
import Synchronization

/// Polls the configured alert feeds (docs/alerts.md): an Atom index whose entries link to CAP
/// documents, or one CAP document. Conditional requests (ETag, If-Modified-Since) keep an
/// unchanged feed to a 304; failures back off exponentially to an hour. Every document goes
/// through `AlertCenter.ingestFeedMessage`, which trusts it only when it is signed, or came
/// over https from a sender the feed lists. Requests block, so they run on a thread of their own.
package final class FeedService: Service, Sendable {
    let feeds: [FeedConfig]
    let alerts: AlertCenter
    let logger: Logger
    /// The most entries read from one index poll.
    static let maximumEntries = 50

    init(feeds: [FeedConfig], alerts: AlertCenter, logger: Logger) {
        self.feeds = feeds
        self.alerts = alerts
        var logger = logger
        logger[metadataKey: "component"] = "alerts"
        self.logger = logger
    }

    package func run() async throws {
        guard !feeds.isEmpty else { return try await gracefulShutdown() }
        let stop = Atomic<Bool>(false)
        let (feeds, alerts, logger) = (self.feeds, self.alerts, self.logger)
        await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        var pollers = feeds.map { FeedPoller(feed: $0) }
                        while !stop.load(ordering: .relaxed) {
                            let now = monotonicSeconds()
                            for i in pollers.indices where pollers[i].due <= now && !stop.load(ordering: .relaxed) {
                                pollers[i].poll(into: alerts, logger: logger, stopping: { stop.load(ordering: .relaxed) })
                            }
                            let next = pollers.map(\.due).min() ?? now + 1
                            var waited = 0.0
                            while waited < min(1, max(0.05, next - monotonicSeconds())) && !stop.load(ordering: .relaxed) {
                                usleep(50_000)
                                waited += 0.05
                            }
                        }
                        done.resume()
                    }
                    thread.name = "alert-feeds"
                    thread.start()
                }
            } onCancel: {
                stop.store(true, ordering: .relaxed)
            }
        }
    }
}

/// One feed's polling state: validators, when to poll next, how often it failed in a row.
struct FeedPoller {
    let feed: FeedConfig
    let client: HTTPFanOut
    var due = 0.0
    var failures = 0
    /// Validators per URL (the index and each document).
    var validators: [String: (etag: String?, lastModified: String?)] = [:]
    var lastProblem: String?
    /// The last problem of each entry, logged once per change.
    var entryProblems: [String: String] = [:]
    /// The SHA-256 of the document last taken from each URL.
    var taken: [String: [UInt8]] = [:]

    init(feed: FeedConfig) {
        self.feed = feed
        var options = HTTPFanOutOptions()
        options.proxy = feed.proxy
        options.caFile = feed.caFile
        options.maximumResponseBytes = 1_048_577
        // Short, so that one slow feed neither holds up the others nor a shutdown for long.
        options.connectTimeout = .seconds(5)
        options.totalTimeout = .seconds(10)
        client = HTTPFanOut(options: options)
    }

    /// Polls once and schedules the next poll. `stopping` is asked between requests: a daemon
    /// shutting down waits for one request at most.
    mutating func poll(into alerts: AlertCenter, logger: Logger, stopping: () -> Bool = { false }) {
        let outcome = fetch(feed.url)
        switch outcome {
        case .failure(let failure):
            fail(failure.message, logger: logger)
            return
        case .success(nil):
            break  // 304: unchanged
        case .success(let fetched?):
            if lastProblem != nil { logger.notice("answers again", metadata: ["feed": "\(feed.url)"]) }
            var complete = true
            switch FeedDocument.classify(fetched.reply.body) {
            case .atom(let links):
                for link in links.prefix(FeedService.maximumEntries) {
                    if stopping() {
                        complete = false
                        break
                    }
                    switch fetch(link) {
                    case .success(let document?):
                        if !ingest(document, from: link, into: alerts, logger: logger) {
                            complete = false
                            validators[link] = nil
                        }
                    case .success(nil):
                        break
                    case .failure(let problem):
                        complete = false
                        validators[link] = nil
                        if entryProblems[link] != problem.message {
                            logger.warning("\(problem.message)", metadata: ["feed": "\(feed.url)", "entry": "\(link)"])
                            entryProblems[link] = problem.message
                        }
                    }
                }
            case .cap:
                complete = ingest(fetched, from: feed.url, into: alerts, logger: logger)
            case .unreadable(let problem):
                validators[feed.url] = nil
                fail("not an Atom index or a CAP alert: \(problem)", logger: logger)
                return
            }
            // An index whose entries did not all get a final answer is read again next time,
            // not answered 304: one network blip must not lose an evacuation order.
            if !complete { validators[feed.url] = nil }
        }
        failures = 0
        lastProblem = nil
        due = monotonicSeconds() + feed.interval
    }

    /// Backs off after a failed poll, logging the problem once per change.
    private mutating func fail(_ problem: String, logger: Logger) {
        failures += 1
        let wait = min(3600, feed.interval * pow(2, Double(min(failures, 12))))
        if problem != lastProblem {
            logger.warning("\(problem); trying again in \(Int(wait)) s", metadata: ["feed": "\(feed.url)"])
            lastProblem = problem
        }
        due = monotonicSeconds() + wait
    }

    /// Hands a document to the alert centre, unless the same bytes were taken before (servers
    /// without validators re-serve every entry on every poll). False when it should be fetched
    /// again (the box could not store it).
    private mutating func ingest(_ fetched: HTTPGetReply, from url: String, into alerts: AlertCenter, logger: Logger) -> Bool {
        let digest = Array(SHA256.hash(data: fetched.reply.body))
        if taken[url] == digest { return true }
        let outcome = alerts.ingestFeedMessage(body: fetched.reply.body, headers: fetched.headers, url: url,
                                               httpsSenders: feed.senders)
        guard !outcome.isUnavailable else { return false }
        taken[url] = digest
        return true
    }

    /// GET with the validators of the last answer; nil for 304.
    private mutating func fetch(_ url: String) -> Result<HTTPGetReply?, FeedProblem> {
        var headers: [(name: String, value: String)] = [("Accept", "application/atom+xml, application/cap+xml, application/xml")]
        if let etag = validators[url]?.etag { headers.append(("If-None-Match", etag)) }
        if let modified = validators[url]?.lastModified { headers.append(("If-Modified-Since", modified)) }
        switch client.get(url, headers: headers) {
        case .failure(let error):
            return .failure(FeedProblem(error.message))
        case .success(let fetched):
            switch fetched.reply.status {
            case 304:
                return .success(nil)
            case 200:
                if fetched.reply.isTruncated { return .failure(FeedProblem("the answer is over 1 MiB")) }
                validators[url] = (fetched.headers["etag"], fetched.headers["last-modified"])
                return .success(fetched)
            default:
                return .failure(FeedProblem("HTTP \(fetched.reply.status)"))
            }
        }
    }
}

/// Why a poll failed, in words for the log.
struct FeedProblem: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
