import Foundation
import OshiraseImaging
import OshiraseSigning
import Testing

/// A CAP date-time in Japan's offset, as city hall writes it: `2026-11-27T09:00:00+09:00`.
func capDateTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
    return formatter.string(from: date)
}

/// A CAP 1.2 message of bousai@city.sapporo.jp: by default an evacuation order for 札幌市南区,
/// sent a moment ago and expiring in two hours. A Cancel has no info block.
func capMessage(identifier: String, msgType: String = "Alert", references: String? = nil,
                headline: String = "緊急安全確保（警戒レベル5）南区全域", sent: Date = Date().addingTimeInterval(-5),
                expiresAfter: TimeInterval = 7200) -> [UInt8] {
    let info = msgType == "Cancel" ? "" : """
          <info>
            <language>ja-JP</language>
            <category>Geo</category>
            <event>土砂災害</event>
            <urgency>Immediate</urgency>
            <severity>Extreme</severity>
            <certainty>Observed</certainty>
            <expires>\(capDateTime(sent.addingTimeInterval(expiresAfter)))</expires>
            <senderName>札幌市危機管理局</senderName>
            <headline>\(headline)</headline>
            <description>南区全域に緊急安全確保を発令しました。</description>
            <instruction>命の危険があります。直ちに身の安全を確保してください。</instruction>
          </info>
        """
    return Array("""
        <?xml version="1.0" encoding="UTF-8"?>
        <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
          <identifier>\(identifier)</identifier>
          <sender>bousai@city.sapporo.jp</sender>
          <sent>\(capDateTime(sent))</sent>
          <status>Actual</status>
          <msgType>\(msgType)</msgType>
          <scope>Public</scope>
        \(references.map { "  <references>\($0)</references>" } ?? "")
        \(info)
        </alert>
        """.utf8)
}

/// An evacuation order for 札幌市南区, sent now and expiring in two hours.
func freshEvacuationOrder(identifier: String) -> [UInt8] { capMessage(identifier: identifier) }

@Suite("oshirase run with pushed alerts", .serialized)
struct AlertCommandTests {
    @Test("an alert answered 202 is on screen again after kill -9 and a restart")
    func anAlertSurvivesKillNine() async throws {
        let ws = try Workspace()
        try ws.write("playlists/lobby.yaml", DaemonCommandTests.lobbyPlaylist)
        let keygen = try ws.run("keygen", "--out", "city")
        #expect(keygen.status == 0, "\(keygen)")
        let pub = try String(contentsOfFile: ws.path("city.pub"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try KeyFiles.loadSigningKey(path: ws.path("city.key"))
        let displays = DaemonCommandTests.lobbyOnly + "\nalerts:\n  keys:\n    - \"\(pub)\"\n"

        var (daemon, port) = try await DaemonCommandTests.startDaemon(in: ws, displays: displays, label: "alerts")
        defer { daemon.stop() }
        func screenIsBlack() throws -> Bool? {
            let shot = try httpGet(port: port, "/v1/screenshot?display=lobby")
            guard shot.status == 200 else { return nil }
            let image = try ImageDecoder.decode(shot.body).bitmap
            let i = (image.height / 2) * image.stride + 12
            // Alert level 5 (Extreme): #0C000C over the whole screen.
            return image.pixels[i] < 20 && image.pixels[i + 1] < 20 && image.pixels[i + 2] < 20 ? true : nil
        }
        let body = freshEvacuationOrder(identifier: "JP-SAPPORO-KILL9-\(UUID().uuidString.prefix(8))")
        let headers = try PushEnvelope.sign(body: body, key: key, timestamp: Int64(Date().timeIntervalSince1970)).httpHeaders
        let answer = try httpRequest(port: port, "POST", "/v1/alerts", headers: headers.merging(["Content-Type": "application/cap+xml"]) { a, _ in a },
                                     body: body)
        #expect(answer.status == 202, "\(answer.text)")
        _ = try await poll("the takeover on screen", timeout: .seconds(30), context: { daemon.output }) { try screenIsBlack() }

        daemon.kill()  // SIGKILL: no graceful shutdown, nothing flushed by the daemon
        _ = try await daemon.waitForExit(timeout: .seconds(10))
        (daemon, port) = try await DaemonCommandTests.startDaemon(in: ws, displays: displays, label: "alerts-again")
        _ = try await poll("the takeover after the restart", timeout: .seconds(30), context: { daemon.output }) { try screenIsBlack() }
        let listing = try httpGet(port: port, "/v1/alerts")
        #expect(listing.status == 200 && listing.text.contains("緊急安全確保（警戒レベル5）南区全域"), "\(listing.text)")

        // The same request again is a replay, even after the restart.
        let replay = try httpRequest(port: port, "POST", "/v1/alerts", headers: headers, body: body)
        #expect(replay.status == 409 && replay.text.contains("replayed"), "\(replay.text)")
    }
}
