import Foundation
import OshiraseTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `oshirase push` and `oshirase cancel` end to end: a key made by `keygen`, a real `oshirase run`
/// on 127.0.0.1 that trusts it, and the built executable sending to it on libcurl.
///
/// Serialized: each test runs a daemon, and their timeouts should not compete for the CPU.
@Suite("oshirase push and cancel", .serialized)
struct PushCommandTests {
    // MARK: Helpers

    /// Proxy variables are removed for every run: a developer's or CI's proxy must not carry
    /// pushes meant for 127.0.0.1. The proxy test sets its own.
    static let proxyVariables = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                                 "no_proxy", "NO_PROXY"]

    /// Runs `oshirase ARGS…` in `ws` with the proxy variables cleared and `environment` added,
    /// in Japan's zone (CAP times carry the local offset: +09:00 here).
    static func oshirase(_ arguments: [String], in ws: Workspace, environment extra: [String: String] = [:],
                         timeout: TimeInterval = 60) throws -> Run {
        var changes: [String: String?] = Dictionary(uniqueKeysWithValues: proxyVariables.map { ($0, nil) })
        changes["TZ"] = "Asia/Tokyo"
        for (name, value) in extra { changes[name] = value }
        return try ws.run(arguments, timeout: timeout, environment: changes)
    }

    /// `keygen --out NAME` in `ws`; the `.pub` line it printed.
    static func keygen(_ name: String, in ws: Workspace) throws -> String {
        let made = try oshirase(["keygen", "--out", name], in: ws)
        try #require(made.status == 0, "\(made)")
        return try #require(made.stdoutLines.first { $0.hasPrefix("oshirase-ed25519 ") })
    }

    /// Starts `oshirase run` trusting `keys`, with the API on a free port; the port. The config
    /// (`config`, a path in `ws`; its playlists and state beside it) ends with `more`.
    static func startDaemon(in ws: Workspace, trusting keys: [String], config: String = "config.yaml", label: String = "push-box",
                            more: String = "") async throws -> (OshiraseProcess, Int) {
        let folder = (config as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: ws.path(folder.isEmpty ? "playlists" : "\(folder)/playlists"),
                                                withIntermediateDirectories: true)
        return try await startDaemonOnFreePort(in: ws, config: config, label: label) { port in
            """
            site: 札幌市役所 本庁舎
            timezone: Asia/Tokyo
            playlists: playlists
            state: state
            api:
              listen: 127.0.0.1:\(port)
            displays:
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
            alerts:
              keys:
            \(keys.map { "    - \"\($0)\"" }.joined(separator: "\n"))
            \(more)
            """
        }
    }

    /// The identifiers and states `GET /v1/alerts` lists.
    static func listedAlerts(port: Int) throws -> [(identifier: String, state: String)] {
        let answer = try httpGet(port: port, "/v1/alerts")
        guard answer.status == 200,
              let list = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [[String: Any]] else {
            throw DaemonTestFailure("/v1/alerts answered \(answer.status): \(answer.text)")
        }
        return list.map { (($0["identifier"] as? String) ?? "", ($0["state"] as? String) ?? "") }
    }

    /// The identifier from the `alert ID (sender …, sent …)` line.
    static func identifier(in run: Run) throws -> String {
        let line = try #require(run.stdoutLines.first { $0.hasPrefix("alert ") || $0.hasPrefix("cancel ") }, "\(run)")
        return String(try #require(line.split(separator: " ").dropFirst().first))
    }

    /// The table row for `target`, split on runs of two or more spaces.
    static func row(_ run: Run, startingWith target: String) -> [String]? {
        run.stdoutLines.first { $0.hasPrefix(target) }.map {
            $0.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// A port on 127.0.0.1 where nothing listens.
    static func deadPort() throws -> Int { try freeLoopbackPort() }

    // MARK: Push and cancel against a real box

    @Test("push with flags → 202 and listed; cancel by identifier from the journal → 202 and gone",
          .timeLimit(.minutes(2)))
    func pushThenCancelThroughTheJournal() async throws {
        let ws = try Workspace()
        let pub = try Self.keygen("city", in: ws)
        let (daemon, port) = try await Self.startDaemon(in: ws, trusting: [pub])
        defer { daemon.stop() }
        let journal = ws.path("state-home/sent.jsonl")

        let push = try Self.oshirase(["push", "--to", "http://127.0.0.1:\(port)", "--key", "city.key",
                                      "--title", "避難指示", "--body", "南区に避難指示を発令しました。",
                                      "--severity", "Extreme", "--expires", "2h", "--journal", journal], in: ws)
        #expect(push.status == 0, "\(push)")
        #expect(!push.looksLikeCrash, "\(push)")
        #expect(push.stdoutLines.contains { $0.hasPrefix("TARGET") && $0.contains("STATUS") && $0.contains("RESULT") }, "\(push)")
        let row = try #require(Self.row(push, startingWith: "http://127.0.0.1:\(port)/v1/alerts"), "\(push)")
        #expect(row.count == 3 && row[1] == "202" && row[2] == "accepted: active", "\(row)")
        #expect(push.stderr.contains("sending to 1 box…"), "\(push)")
        let identifier = try Self.identifier(in: push)
        #expect(identifier.hasPrefix("city-"))
        #expect(push.stdout.contains("sender city"), "\(push)")
        #expect(matches(push.stdout, #"sent \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00"#), "\(push)")

        let listed = try Self.listedAlerts(port: port)
        #expect(listed.map(\.identifier) == [identifier])
        #expect(listed.first?.state == "active")

        let journalText = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(journalText.contains("\"identifier\":\"\(identifier)\""))
        #expect(journalText.contains("\"accepted\":[\"http://127.0.0.1:\(port)/v1/alerts\"]"))

        // No --to: the cancel goes where the original went, found in the journal.
        let cancel = try Self.oshirase(["cancel", "--key", "city.key", "--id", identifier, "--journal", journal,
                                        "--note", "避難指示を解除しました。"], in: ws)
        #expect(cancel.status == 0, "\(cancel)")
        let cancelRow = try #require(Self.row(cancel, startingWith: "http://127.0.0.1:\(port)/v1/alerts"), "\(cancel)")
        #expect(cancelRow.count == 3 && cancelRow[1] == "202" && cancelRow[2] == "accepted: cancelled", "\(cancelRow)")
        let remaining = try await poll("the alert to be withdrawn", timeout: .seconds(5), context: { daemon.output }) {
            let list = try Self.listedAlerts(port: port)
            return list.isEmpty ? list : nil
        }
        #expect(remaining.isEmpty)
    }

    @Test("an alert pushed with --sender is cancelled in that sender's name (a box lets a sender withdraw only its own)",
          .timeLimit(.minutes(2)))
    func aCancelSpeaksForTheOriginalsSender() async throws {
        let ws = try Workspace()
        let pub = try Self.keygen("city", in: ws)
        let (daemon, port) = try await Self.startDaemon(in: ws, trusting: [pub])
        defer { daemon.stop() }
        let journal = ws.path("sent.jsonl")
        let push = try Self.oshirase(["push", "--to", "http://127.0.0.1:\(port)", "--key", "city.key",
                                      "--sender", "bousai@city.sapporo.jp", "--title", "避難指示",
                                      "--body", "豊平川の水位が上昇しています。中央区に避難指示を発令しました。",
                                      "--severity", "Extreme", "--expires", "2h", "--journal", journal], in: ws)
        #expect(push.status == 0, "\(push)")
        let identifier = try Self.identifier(in: push)

        let cancel = try Self.oshirase(["cancel", "--key", "city.key", "--id", identifier, "--journal", journal], in: ws)
        #expect(cancel.status == 0, "\(cancel)")
        #expect(cancel.stdout.contains("(sender bousai@city.sapporo.jp,"), "\(cancel)")
        let row = try #require(Self.row(cancel, startingWith: "http://127.0.0.1:\(port)/v1/alerts"), "\(cancel)")
        #expect(row[2] == "accepted: cancelled", "\(row)")
        #expect(try Self.listedAlerts(port: port).isEmpty, "the evacuation order is off the screens")
    }

    @Test("a Cancel in another sender's name withdraws nothing, and the box says so in the table",
          .timeLimit(.minutes(2)))
    func aCancelOfAnotherSendersAlertSaysItWithdrewNothing() async throws {
        let ws = try Workspace()
        let pub = try Self.keygen("city", in: ws)
        let (daemon, port) = try await Self.startDaemon(in: ws, trusting: [pub])
        defer { daemon.stop() }
        let push = try Self.oshirase(["push", "--to", "http://127.0.0.1:\(port)", "--key", "city.key",
                                      "--sender", "bousai@city.sapporo.jp", "--title", "避難指示", "--body", "中央区に避難指示",
                                      "--expires", "2h", "--journal", ws.path("sent.jsonl")], in: ws)
        let identifier = try Self.identifier(in: push)
        let sent = try #require(push.stdoutLines.first.flatMap { line in
            line.range(of: "sent ").map { String(line[$0.upperBound...].dropLast()) }
        }, "\(push)")
        // A CAP file of the same key, written by hand in another sender's name.
        try ws.write("cancel.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>hand-written-cancel</identifier>
              <sender>somebody-else</sender>
              <sent>\(sent)</sent>
              <status>Actual</status>
              <msgType>Cancel</msgType>
              <scope>Public</scope>
              <references>bousai@city.sapporo.jp,\(identifier),\(sent)</references>
            </alert>
            """)
        let cancel = try Self.oshirase(["push", "cancel.xml", "--to", "http://127.0.0.1:\(port)", "--key", "city.key",
                                        "--journal", ws.path("sent.jsonl")], in: ws)
        let row = try #require(Self.row(cancel, startingWith: "http://127.0.0.1:\(port)/v1/alerts"), "\(cancel)")
        #expect(row[1] == "202" && row[2].hasPrefix("accepted: not-shown (somebody-else cannot withdraw messages of bousai@city.sapporo.jp"), "\(row)")
        #expect(try Self.listedAlerts(port: port).map(\.identifier) == [identifier], "still on screen")
    }

    @Test("a box that is down: exit 1 with a row for each target", .timeLimit(.minutes(2)))
    func oneGoodAndOneDeadTargetExitsOneWithBothRows() async throws {
        let ws = try Workspace()
        let pub = try Self.keygen("city", in: ws)
        let (daemon, port) = try await Self.startDaemon(in: ws, trusting: [pub])
        defer { daemon.stop() }
        let dead = try Self.deadPort()

        let push = try Self.oshirase(["push", "--to", "http://127.0.0.1:\(port)", "http://127.0.0.1:\(dead)/",
                                      "--key", "city.key", "--title", "大雨警報", "--body", "土砂災害に警戒してください。",
                                      "--severity", "Severe", "--expires", "30m", "--retries", "1",
                                      "--journal", ws.path("sent.jsonl")], in: ws)
        #expect(push.status == 1, "\(push)")
        #expect(!push.looksLikeCrash, "\(push)")
        let good = try #require(Self.row(push, startingWith: "http://127.0.0.1:\(port)/v1/alerts"), "\(push)")
        #expect(good[1] == "202")
        let bad = try #require(Self.row(push, startingWith: "http://127.0.0.1:\(dead)/v1/alerts"), "\(push)")
        #expect(bad[1] == "-")
        #expect(bad[2] == "connection refused (after 2 attempts)", "\(bad)")
        #expect(push.stderr.contains("oshirase: error: 1 of 2 boxes did not accept the alert"), "\(push)")
        #expect(try Self.listedAlerts(port: port).count == 1)
    }

    @Test("a key the box does not trust: a 401 row and exit 1", .timeLimit(.minutes(2)))
    func anUntrustedKeyIsRefusedWith401() async throws {
        let ws = try Workspace()
        let pub = try Self.keygen("city", in: ws)
        _ = try Self.keygen("stranger", in: ws)
        let (daemon, port) = try await Self.startDaemon(in: ws, trusting: [pub])
        defer { daemon.stop() }

        let push = try Self.oshirase(["push", "--to", "http://127.0.0.1:\(port)", "--key", "stranger.key",
                                      "--title", "避難指示", "--body", "全域に避難指示を発令しました。",
                                      "--journal", ws.path("sent.jsonl")], in: ws)
        #expect(push.status == 1, "\(push)")
        let row = try #require(Self.row(push, startingWith: "http://127.0.0.1:\(port)/v1/alerts"), "\(push)")
        #expect(row[1] == "401", "\(row)")
        #expect(row[2].contains("key"), "the reason names the key problem: \(row)")
        #expect(try Self.listedAlerts(port: port).isEmpty)

        // A good push after it; then the audit, read while the daemon runs.
        let good = try Self.oshirase(["push", "--to", "http://127.0.0.1:\(port)", "--key", "city.key",
                                      "--title", "避難指示", "--body", "全域に避難指示を発令しました。",
                                      "--journal", ws.path("sent.jsonl")], in: ws)
        #expect(good.status == 0, "\(good)")
        let identifier = try Self.identifier(in: good)
        let report = try Self.oshirase(["report", "--alerts", "--state", ws.path("state"),
                                        "--from", "2000-01-01T00:00:00+09:00", "--to", "2100-01-01T00:00:00+09:00"], in: ws)
        #expect(report.status == 0, "\(report)")
        #expect(report.stdoutLines.first == "time,key,source,outcome,status,identifier,reason", "\(report)")
        let rows = report.stdoutLines.dropFirst().map { $0.components(separatedBy: ",") }
        try #require(rows.count == 2, "\(report)")
        #expect(rows[0][1] == "stranger" && rows[0][2] == "127.0.0.1" && rows[0][3] == "unknown-key" && rows[0][4] == "401", "\(rows[0])")
        #expect(rows[0][5].isEmpty, "a refused push's CAP is not read: \(rows[0])")
        #expect(rows[1][1] == "city" && rows[1][3] == "accepted" && rows[1][4] == "202" && rows[1][5] == identifier, "\(rows[1])")
        #expect(rows.allSatisfy { $0[0].hasSuffix("+09:00") }, "times in Japan's zone")

        let json = try Self.oshirase(["report", "--alerts", "--format", "json", "--state", ws.path("state"),
                                      "--from", "2000-01-01T00:00:00+09:00", "--to", "2100-01-01T00:00:00+09:00"], in: ws)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json)")
        #expect(list.map { $0["outcome"] as? String } == ["unknown-key", "accepted"])
        #expect(list.first?["identifier"] is NSNull, "null, not an empty string")
        #expect(list.last?["status"] as? Int == 202)
    }

    @Test("a push in two languages goes through the http_proxy the environment names",
          .timeLimit(.minutes(2)))
    func proxyFromTheEnvironmentCarriesTheMultilingualPush() async throws {
        let ws = try Workspace()
        let pub = try Self.keygen("city", in: ws)
        let (daemon, port) = try await Self.startDaemon(in: ws, trusting: [pub])
        defer { daemon.stop() }

        // The box's name does not resolve: only the proxy (here the box itself, which takes the
        // absolute-URI request) can deliver it.
        let push = try Self.oshirase(["push", "--to", "http://city-box.invalid:8080", "--key", "city.key",
                                      "--lang", "ja-JP", "--title", "避難指示", "--body", "南区に避難指示を発令しました。",
                                      "--lang", "en-US", "--title", "Evacuation order", "--body", "Evacuate the Minami ward now.",
                                      "--status", "Actual", "--expires", "1h", "--retries", "0",
                                      "--journal", ws.path("sent.jsonl")],
                                     in: ws, environment: ["http_proxy": "http://127.0.0.1:\(port)"])
        #expect(push.status == 0, "\(push)")
        let row = try #require(Self.row(push, startingWith: "http://city-box.invalid:8080/v1/alerts"), "\(push)")
        #expect(row[1] == "202", "\(row)")
        #expect(try Self.listedAlerts(port: port).count == 1)
    }

    // MARK: Nothing sent

    @Test("a CAP file with an error: FILE:LINE:COL on stderr, exit 1, nothing sent")
    func aBrokenCAPFileIsNotSent() async throws {
        let ws = try Workspace()
        _ = try Self.keygen("city", in: ws)
        let dead = try Self.deadPort()
        try ws.write("broken.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
              <identifier>sapporo-2026-0001</identifier>
              <sender>city</sender>
              <sent>2026-11-27T09:00:00+09:00</sent>
              <status>Actual</status>
              <msgType>Alert</msgType>
              <scope>Public</scope>
              <info>
                <language>ja-JP</language>
                <category>Safety</category>
                <event>避難指示</event>
                <urgency>Immediate</urgency>
                <severity>Catastrophic</severity>
                <certainty>Observed</certainty>
                <headline>避難指示</headline>
              </info>
            </alert>

            """)
        let push = try Self.oshirase(["push", "broken.xml", "--to", "http://127.0.0.1:\(dead)", "--key", "city.key",
                                      "--journal", ws.path("sent.jsonl")], in: ws)
        #expect(push.status == 1, "\(push)")
        #expect(!push.looksLikeCrash, "\(push)")
        #expect(matches(push.stderr, #"broken\.xml:14:\d+: error: .*severity.*Catastrophic"#), "\(push)")
        #expect(!push.stdout.contains("TARGET"), "nothing is sent: \(push)")
        #expect(!push.stderr.contains("sending"), "\(push)")
        #expect(!ws.exists("sent.jsonl"))
    }

    @Test("--dry-run prints a valid CAP document with every language block, text escaped")
    func dryRunPrintsTheComposedDocument() throws {
        let ws = try Workspace()
        _ = try Self.keygen("city", in: ws)
        let run = try Self.oshirase(["push", "--key", "city.key", "--dry-run",
                                     "--lang", "ja-JP", "--title", "避難指示 <南区>", "--body", "川 & 崖に近づかないでください。",
                                     "--lang", "en-US", "--title", "Evacuation order", "--body", "Stay away from rivers & cliffs.",
                                     "--event", "避難指示", "--event", "Evacuation", "--severity", "extreme",
                                     "--status", "Exercise", "--expires", "2h", "--area-circle", "43.06,141.35 5",
                                     "--sender-name", "札幌市危機管理局"], in: ws)
        #expect(run.status == 0, "\(run)")
        let xml = run.stdout
        #expect(xml.contains("<status>Exercise</status>"))
        #expect(xml.contains("<msgType>Alert</msgType>"))
        #expect(xml.contains("<scope>Public</scope>"))
        #expect(xml.contains("<headline>避難指示 &lt;南区&gt;</headline>"))
        #expect(xml.contains("<description>川 &amp; 崖に近づかないでください。</description>"))
        #expect(xml.components(separatedBy: "<info>").count == 3)
        #expect(xml.contains("<language>ja-JP</language>") && xml.contains("<language>en-US</language>"))
        #expect(xml.contains("<event>Evacuation</event>"))
        #expect(xml.contains("<severity>Extreme</severity>"))
        #expect(xml.contains("<urgency>Immediate</urgency>") && xml.contains("<certainty>Observed</certainty>"))
        #expect(xml.contains("<category>Safety</category>"))
        #expect(xml.contains("<circle>43.06,141.35 5</circle>"))
        #expect(matches(xml, #"<sent>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00</sent>"#))
        #expect(matches(xml, #"<expires>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00</expires>"#))
        #expect(matches(xml, #"<identifier>city-\d{8}T\d{6}Z-[0-9a-f]{8}</identifier>"#))

        // What was printed is what `validate`'s CAP reader accepts as a file.
        try ws.write("composed.xml", xml)
        let check = try Self.oshirase(["push", "composed.xml", "--key", "city.key", "--dry-run"], in: ws)
        #expect(check.status == 0, "\(check)")
    }

    struct BadOptions: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var message: String
        var testDescription: String { name }
    }

    static let badOptions: [BadOptions] = [
        BadOptions(name: "a severity outside CAP", arguments: ["--title", "避難指示", "--body", "本文", "--severity", "Big"],
                   message: "--severity 'Big' is not a CAP severity; use one of Extreme, Severe, Moderate, Minor, Unknown"),
        BadOptions(name: "an urgency outside CAP", arguments: ["--title", "避難指示", "--body", "本文", "--urgency", "Now"],
                   message: "--urgency 'Now' is not a CAP urgency"),
        BadOptions(name: "more languages than bodies",
                   arguments: ["--lang", "ja-JP", "--title", "避難指示", "--body", "本文", "--lang", "en-US", "--title", "Evacuation"],
                   message: "2 --lang, 2 --title and 1 --body"),
        BadOptions(name: "a duration without a unit", arguments: ["--title", "避難指示", "--body", "本文", "--expires", "2"],
                   message: "--expires '2' is not a duration"),
        BadOptions(name: "units out of order (the config's duration grammar)",
                   arguments: ["--title", "避難指示", "--body", "本文", "--expires", "30m1h"],
                   message: "--expires '30m1h' is not a duration"),
        BadOptions(name: "a file and flags", arguments: ["alert.xml", "--title", "避難指示", "--body", "本文"],
                   message: "give either CAP_FILE or --title/--body, not both"),
        BadOptions(name: "compose options next to a file", arguments: ["alert.xml", "--severity", "Extreme", "--expires", "2h"],
                   message: "--severity, --expires only apply when composing with --title/--body; a CAP file is sent exactly as it is"),
        BadOptions(name: "a target that is not http", arguments: ["--title", "避難指示", "--body", "本文", "--to", "ftp://10.1.2.3/"],
                   message: "only http:// and https://"),
        BadOptions(name: "a CA file that is not there",
                   arguments: ["--title", "避難指示", "--body", "本文", "--cacert", "/nonexistent/city-ca.pem"],
                   message: "--cacert: cannot read the CA file /nonexistent/city-ca.pem: no such file"),
        BadOptions(name: "no target", arguments: ["--title", "避難指示", "--body", "本文"],
                   message: "give at least one box with --to"),
        BadOptions(name: "a control character", arguments: ["--title", "避難\u{7}指示", "--body", "本文"],
                   message: "--title contains U+7"),
    ]

    @Test("bad options: one clear error line, exit 1, nothing sent", arguments: badOptions)
    func badOptionsGiveAClearError(_ bad: BadOptions) throws {
        let ws = try Workspace()
        _ = try Self.keygen("city", in: ws)
        var arguments = ["push", "--key", "city.key", "--journal", ws.path("sent.jsonl")] + bad.arguments
        if !bad.arguments.contains("--to") && bad.name != "no target" {
            arguments += ["--to", "http://127.0.0.1:\(try Self.deadPort())"]
        }
        let run = try Self.oshirase(arguments, in: ws)
        #expect(run.status != 0, "\(run)")
        #expect(!run.looksLikeCrash, "\(run)")
        #expect(run.stderr.contains(bad.message), "\(run)")
        #expect(!run.stdout.contains("TARGET"), "\(run)")
        #expect(!ws.exists("sent.jsonl"))
    }

    @Test("cancel of an identifier the journal does not know: a clear error naming the way out")
    func cancelOfAnUnknownIdentifierSaysWhatToGive() throws {
        let ws = try Workspace()
        _ = try Self.keygen("city", in: ws)
        let run = try Self.oshirase(["cancel", "--to", "http://127.0.0.1:\(try Self.deadPort())", "--key", "city.key",
                                     "--id", "city-20261127T000000Z-00000000", "--journal", ws.path("sent.jsonl")], in: ws)
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("no alert 'city-20261127T000000Z-00000000' in the journal"), "\(run)")
        #expect(run.stderr.contains("--sender and --sent"), "\(run)")
        #expect(!run.stdout.contains("TARGET"))
    }

    @Test("cancel with --sender and --sent composes a Cancel referencing them")
    func cancelWithAnExplicitOriginalReferencesIt() throws {
        let ws = try Workspace()
        _ = try Self.keygen("city", in: ws)
        let run = try Self.oshirase(["cancel", "--key", "city.key", "--id", "sapporo-2026-0001", "--sender", "sapporo-city",
                                     "--sent", "2026-11-27T09:00:00+09:00", "--dry-run", "--journal", ws.path("sent.jsonl")], in: ws)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("<msgType>Cancel</msgType>"))
        #expect(run.stdout.contains("<references>sapporo-city,sapporo-2026-0001,2026-11-27T09:00:00+09:00</references>"))
    }
}
