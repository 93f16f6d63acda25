import Foundation
import GRDB
import Logging
import OshiraseConfig
import OshiraseCore
import OshiraseSigning
@testable import OshiraseDaemon
import OshiraseStore
import OshiraseTestSupport
import Testing

/// Log lines carry their context as swift-log metadata (`component`, `file`, `feed`), not as a
/// prose prefix, so journald and a log shipper can filter on it (docs/daemon.md, "Logs").
@Suite("Log metadata")
struct LogMetadataTests {
    @Test func playlistLinesNameTheirFileAsMetadata() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("tax", "市民税の納付期限は今月末です", 10)]))
        try folder.write("broken.yaml", "name: 壊れた\nitems: [\n")
        let capture = LogCapture()
        let library = PlaylistLibrary(directory: folder.path, profiles: builtInProfileNames, clock: ManualClock(jst(9, 0)),
                                      logger: capture.logger, deletionGrace: 0)
        library.rescan()
        let lines = capture.lines
        let loaded = try #require(lines.first { $0.message.hasPrefix("loaded 1 items") })
        #expect(loaded.metadata["component"] == "playlists")
        #expect(loaded.metadata["file"]?.hasSuffix("/lobby.yaml") == true)
        let refused = try #require(lines.first { $0.message.hasPrefix("not loaded;") })
        #expect(refused.level == .error)
        #expect(refused.metadata["file"]?.hasSuffix("/broken.yaml") == true)
        // The positioned error itself (FILE:LINE:COL: error: …) keeps its form and has the file too.
        let positioned = try #require(lines.first { $0.message.contains("broken.yaml:") && $0.message.contains(": error: ") })
        #expect(positioned.metadata["file"]?.hasSuffix("/broken.yaml") == true)
        #expect(lines.allSatisfy { $0.metadata["component"] == "playlists" })
    }

    @Test func retentionSaysWhichComponentItTrimmed() throws {
        let folder = try PlaylistFolder()
        let store = try StateStore(directory: folder.path)
        try store.record(PlayRecord(display: "lobby", zone: "main", playlist: "lobby.yaml", item: "除雪のお知らせ",
                                    start: jst(9, 0, day: 1), end: jst(9, 0, 15, day: 1)))
        let capture = LogCapture()
        let retention = ProofOfPlayRetention(store: store, days: 7, clock: ManualClock(jst(9, 0, day: 27)),
                                             logger: capture.logger)
        #expect(retention.trim(now: jst(9, 0, day: 27)) == 1)
        let line = try #require(capture.lines.first)
        #expect(line.message == "deleted 1 records older than 7 days")
        #expect(line.metadata["component"] == "proof-of-play")
    }

    @Test func aStalledProofOfPlayDatabaseSaysSoOnceAsProofOfPlayAndAgainWhenItResumes() async throws {
        let folder = try PlaylistFolder()
        let store = try StateStore(directory: folder.path, busyTimeout: 0.05)
        let capture = LogCapture()
        let metrics = DaemonMetrics()
        let recorder = ProofOfPlayRecorder(store: store, metrics: metrics, logger: capture.logger)
        defer { recorder.close() }
        // Another process holds SQLite's write lock: what an operator's sqlite3 shell in the
        // middle of a transaction looks like.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: store.databasePath, configuration: configuration)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        for second in [0.0, 1, 2] {
            recorder.record(PlayRecord(display: "lobby", zone: "main", playlist: "lobby.yaml", item: "市民税",
                                       start: jst(9, 0, second), end: jst(9, 0, second + 1)))
        }
        #expect(await eventually { capture.lines.contains { $0.level == .error } })
        #expect(Self.value("oshirase_proof_of_play_stalled", in: metrics) == 1, "the stall is in /metrics as it begins")
        try await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        #expect(await eventually { capture.lines.contains { $0.message.hasPrefix("writing again after") } })
        #expect(Self.value("oshirase_proof_of_play_stalled", in: metrics) == 0)
        let lines = capture.lines
        #expect(lines.filter { $0.level == .error }.count == 1, "one line when the stall begins, not one per record")
        #expect(lines.allSatisfy { $0.metadata["component"] == "proof-of-play" })
        #expect(lines.allSatisfy { !$0.message.hasPrefix("proof of play") })
        #expect(await eventually { (try? store.records(from: .distantPast, to: .distantFuture).count) == 3 })
        #expect(Self.value("oshirase_proof_of_play_lost_total", in: metrics) == 0, "nothing lost: the queue held the three")
    }

    /// A metric's value in the metrics text; nil when it is not there.
    static func value(_ name: String, in metrics: DaemonMetrics) -> Double? {
        metrics.text().split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test func aFeedThatDoesNotAnswerIsNamedAsMetadata() throws {
        let box = try TrustingCenter()
        let capture = LogCapture()
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        var poller = FeedPoller(feed: FeedConfig(url: "http://127.0.0.1:1/index.atom", interval: 60))
        poller.poll(into: box.center, logger: capture.logger)
        let line = try #require(capture.lines.first { $0.level == .warning })
        #expect(line.metadata["feed"] == "http://127.0.0.1:1/index.atom")
        #expect(!line.message.contains("127.0.0.1"), "the feed is named once, as metadata: \(line.message)")
        #expect(line.message.contains("trying again in"))
    }

    @Test func eachPushIsLoggedWithItsSourceAndKeyAsMetadata() async throws {
        let box = try TrustingCenter()
        let capture = LogCapture()
        let center = AlertCenter(config: box.center.config, store: box.store, clock: box.clock, logger: capture.logger)
        let alert = freshAlert(identifier: "log-metadata", sent: box.clock.now())
        let headers = try box.envelope(alert, at: box.clock.now())
        let outcome = await center.push(body: alert, headers: headers, source: "192.0.2.10")
        #expect(outcome.status == 202)
        let line = try #require(capture.lines.first { $0.message.hasPrefix("push 202") })
        #expect(line.metadata["component"] == "alerts")
        #expect(line.metadata["source"] == "192.0.2.10")
        #expect(line.metadata["key"] == box.key.keyID)

        // A forged one: refused, and said with the same context.
        var forged = headers
        forged["Oshirase-Signature"] = String(repeating: "A", count: 86) + "=="
        let refused = await center.push(body: freshAlert(identifier: "forged", sent: box.clock.now()), headers: forged,
                                        source: "198.51.100.7")
        #expect(refused.status == 401)
        let warning = try #require(capture.lines.first { $0.level == .warning && $0.message.hasPrefix("push 401") })
        #expect(warning.metadata["source"] == "198.51.100.7")
        #expect(warning.metadata["key"] == box.key.keyID)
        #expect(warning.metadata["component"] == "alerts")
    }
}
