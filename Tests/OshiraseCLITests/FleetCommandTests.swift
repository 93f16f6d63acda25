import Foundation
import OshiraseSigning
import OshiraseTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fleet end to end: a real Mosquitto on loopback, real `oshirase run` daemons that dial out
/// to it, and `oshirase push --broker` / `cancel --broker` publishing signed alerts and reading
/// the boxes' receipts (docs/fleet.md).
///
/// Serialized: each test runs a broker and daemons, and their timeouts should not compete.
@Suite("the fleet broker", .serialized)
struct FleetCommandTests {
    // MARK: Helpers

    /// Starts `oshirase run` as fleet box `id` on `broker`, trusting `keys`, and waits until it
    /// is connected; the daemon and its API port.
    static func startBox(_ id: String, broker: MosquittoBroker, trusting keys: [String], in ws: Workspace,
                         certificates: FleetCertificates? = nil, failover: [MosquittoBroker] = []) async throws -> (OshiraseProcess, Int) {
        let tls = try certificates.map { pki in
            let (certificate, key) = try pki.client(id)
            return "\n  ca: \(pki.certificateAuthority)\n  cert: \(certificate)\n  key: \(key)"
        } ?? ""
        let (daemon, port) = try await PushCommandTests.startDaemon(in: ws, trusting: keys, config: "\(id)/config.yaml", label: id, more: """
            fleet:
              brokers: [\(([broker] + failover).map(\.url).joined(separator: ", "))]
              id: \(id)
              groups: [honcho]
              keepalive: 5s\(tls)
            """)
        _ = try await poll("\(id) connected to the broker", timeout: .seconds(10), context: { daemon.stdout + daemon.stderr }) {
            (daemon.stdout + daemon.stderr).contains("connected to \(broker.url)") ? true : nil
        }
        return (daemon, port)
    }

    /// The value of one metric line of a box, e.g. `oshirase_fleet_alert_messages_total{outcome="refused"}`.
    static func metric(_ name: String, port: Int) throws -> Double {
        let text = try httpGet(port: port, "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Runs a Mosquitto command-line client (`mosquitto_pub`); its stdout.
    @discardableResult
    static func mosquittoClient(_ tool: String, _ arguments: [String]) throws -> String {
        try runTool("/usr/bin/\(tool)", arguments).stdout
    }

    // MARK: Tests

    @Test func aPushThroughTheBrokerReachesEveryBoxAndEachSaysWhenItWasOnScreen() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let (box1, port1) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        let (box2, port2) = try await Self.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        defer { box1.stop(); box2.stop() }

        let push = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
             "--title", "避難指示", "--body", "豊平川の水位が上がっています。", "--severity", "Extreme", "--expires", "1h",
             "--sender", "bousai@city.sapporo.jp", "--boxes", "box-1,box-2", "--wait", "10s"], in: ws)
        #expect(push.status == 0, "\(push)")
        let rows = push.stdoutLines.filter { $0.hasPrefix("box-") }
        #expect(rows.count == 2, "\(push.stdout)")
        for row in rows {
            #expect(row.contains("lobby ") && row.hasSuffix("active"), "a box did not say it showed the alert: \(row)")
        }
        let identifier = try #require(push.stdoutLines.first?.split(separator: " ").dropFirst().first.map(String.init))
        for port in [port1, port2] {
            #expect(try PushCommandTests.listedAlerts(port: port).contains { $0.identifier == identifier && $0.state == "active" })
        }

        // The broker lets anyone publish here; without city hall's key nothing changes on screen.
        _ = try PushCommandTests.keygen("stranger", in: ws)
        try ws.write("forged.xml", String(decoding: capMessage(identifier: "forged-1"), as: UTF8.self))
        let forged = try #require(FileManager.default.contents(atPath: ws.path("forged.xml")))
        let strangerKey = try KeyFiles.loadSigningKey(path: ws.path("stranger.key"))
        let signedByStranger = PushEnvelope.payload(
            body: Array(forged), headers: try PushEnvelope.sign(body: Array(forged), key: strangerKey, timestamp: Int64(Date().timeIntervalSince1970)))
        try Data(signedByStranger).write(to: URL(fileURLWithPath: ws.path("stranger.payload")))
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-t", "oshirase/v1/alerts/bousai@city.sapporo.jp/forged-1",
                                                   "-f", ws.path("stranger.payload")])
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-t", "oshirase/v1/alerts/bousai@city.sapporo.jp/forged-2",
                                                   "-f", ws.path("forged.xml")])
        // City hall's own signed message, moved to another topic.
        let cityhall = try KeyFiles.loadSigningKey(path: ws.path("cityhall.key"))
        let moved = PushEnvelope.payload(
            body: Array(forged), headers: try PushEnvelope.sign(body: Array(forged), key: cityhall, timestamp: Int64(Date().timeIntervalSince1970)))
        try Data(moved).write(to: URL(fileURLWithPath: ws.path("moved.payload")))
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-t", "oshirase/v1/alerts/bousai@city.sapporo.jp/elsewhere",
                                                   "-f", ws.path("moved.payload")])
        for port in [port1, port2] {
            _ = try await poll("the three refused", timeout: .seconds(10)) {
                try Self.metric("oshirase_fleet_alert_messages_total{outcome=\"refused\"}", port: port) == 3 ? true : nil
            }
            #expect(try PushCommandTests.listedAlerts(port: port).map(\.identifier) == [identifier])
        }
        let audit = try PushCommandTests.oshirase(["report", "--alerts", "--config", ws.path("box-1/config.yaml"),
                                                   "--from", commandLineInstant(Date().addingTimeInterval(-600)),
                                                   "--to", commandLineInstant(Date().addingTimeInterval(600))], in: ws)
        #expect(audit.status == 0, "\(audit)")
        for code in ["unknown-key", "no-envelope", "topic-mismatch"] {
            #expect(audit.stdoutLines.contains { $0.contains(",\(code),") && $0.contains("broker oshirase/v1/alerts/") }, "\(code): \(audit.stdout)")
        }

        // Published again, the same alert: each box says it had it already.
        let again = try PushCommandTests.oshirase(["push", "forged.xml", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
                                                   "--boxes", "box-1,box-2", "--wait", "10s"], in: ws)
        #expect(again.status == 0, "\(again)")
        let twice = try PushCommandTests.oshirase(["push", "forged.xml", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
                                                   "--boxes", "box-1,box-2", "--wait", "10s"], in: ws)
        #expect(twice.status == 0 && twice.stdoutLines.filter { $0.hasPrefix("box-") && $0.hasSuffix("(had it already)") }.count == 2, "\(twice)")
    }

    @Test func aBoxAwayWhileAnAlertItsUpdateAndACancelArePublishedEndsInTheRightState() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let (box1, port1) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        var (box2, _) = try await Self.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        defer { box1.stop(); box2.stop() }
        box2.stop()
        let offline = try await broker.retained("oshirase/v1/box/box-2/status").values.first.map { String(decoding: $0, as: UTF8.self) }
        #expect(offline?.contains("\"state\":\"offline\"") == true, "the stopped box's will: \(offline ?? "none")")

        let sent = Date().addingTimeInterval(-5)
        let sentText = capDateTime(sent)
        func write(_ name: String, _ message: [UInt8]) throws { try ws.write(name, String(decoding: message, as: UTF8.self)) }
        try write("alert.xml", capMessage(identifier: "JP-2026-001", sent: sent))
        try write("update.xml", capMessage(identifier: "JP-2026-002", msgType: "Update", references: "bousai@city.sapporo.jp,JP-2026-001,\(sentText)",
                                           headline: "緊急安全確保（範囲拡大）南区・清田区", sent: sent))
        try write("other.xml", capMessage(identifier: "JP-2026-003", headline: "大雪警報", sent: sent))
        for file in ["alert.xml", "update.xml", "other.xml"] {
            let push = try PushCommandTests.oshirase(["push", file, "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
                                                      "--boxes", "box-1", "--wait", "5s"], in: ws)
            #expect(push.status == 0, "\(push)")
        }
        // The Update cleared the original's retained copy: a box new to the broker gets the Update alone.
        let retained = try await broker.retained("oshirase/v1/alerts/#").keys.sorted()
        #expect(retained == ["oshirase/v1/alerts/bousai@city.sapporo.jp/JP-2026-002", "oshirase/v1/alerts/bousai@city.sapporo.jp/JP-2026-003"],
                "\(retained)")
        let cancel = try PushCommandTests.oshirase(["cancel", "--id", "JP-2026-002", "--sender", "bousai@city.sapporo.jp", "--sent", sentText,
                                                    "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"),
                                                    "--boxes", "box-1", "--wait", "5s"], in: ws)
        #expect(cancel.status == 0, "\(cancel)")
        #expect(cancel.stdoutLines.contains { $0.hasPrefix("box-1") && $0.hasSuffix("cancelled") }, "\(cancel.stdout)")
        let onBox1 = try PushCommandTests.listedAlerts(port: port1).map(\.identifier)
        #expect(onBox1 == ["JP-2026-003"], "box-1 lists \(onBox1)")

        // Back: its durable session holds what was published while it was away.
        let port2: Int
        (box2, port2) = try await Self.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        _ = try await poll("box-2 caught up", timeout: .seconds(10)) {
            try PushCommandTests.listedAlerts(port: port2).map(\.identifier) == ["JP-2026-003"] ? true : nil
        }
        #expect(box2.stdout.contains("the broker kept this box's session"), "\(box2.stdout)")
    }

    @Test func overTLSWithCertificatesAndTheACLABoxTakesCityHallsAlert() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let pki = try FleetCertificates()
        let cityhall = try pki.client("cityhall")
        let broker = try MosquittoBroker(tls: try pki.brokerConfig())
        try broker.start()
        let (box, port) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws, certificates: pki)
        defer { box.stop() }
        let tls = ["--cacert", pki.certificateAuthority, "--cert", cityhall.certificate, "--cert-key", cityhall.key]
        let push = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"), "--title", "避難指示",
             "--body", "豊平川の水位が上がっています。", "--severity", "Extreme", "--expires", "1h", "--boxes", "box-1"] + tls, in: ws)
        #expect(push.status == 0, "\(push)")
        #expect(push.stdoutLines.contains { $0.hasPrefix("box-1") && $0.contains("lobby ") }, "\(push.stdout)")
        #expect(try PushCommandTests.listedAlerts(port: port).count == 1)
        let status = try PushCommandTests.oshirase(["fleet", "status", "--broker", broker.url] + tls, in: ws)
        #expect(status.status == 0 && status.stdoutLines.contains { $0.hasPrefix("box-1") && $0.contains("online") }, "\(status)")
        // A box's certificate does not let it publish alerts: the broker refuses, the tool says so.
        let fromBox = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"), "--title", "訓練",
             "--body", "これは訓練です。", "--status", "Exercise", "--expires", "1h", "--boxes", "box-1",
             "--cacert", pki.certificateAuthority, "--cert", pki.path("box-1.pem"), "--cert-key", pki.path("box-1.key")], in: ws)
        #expect(fromBox.status == 1 && fromBox.stdout.contains("refused: Not authorized"), "\(fromBox)")
        // Without the certificate files, nothing is sent at all.
        let missing = try PushCommandTests.oshirase(["push", "--key", "cityhall.key", "--broker", broker.url, "--title", "t", "--body", "b"], in: ws)
        #expect(missing.status != 0 && missing.stderr.contains("needs --cacert FILE"), "\(missing)")
    }

    @Test func aReplayOfAnExpiredSignedAlertShowsNothing() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let (box, port) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        defer { box.stop() }
        // Signed by city hall yesterday, expired an hour later: a recording replayed today.
        let yesterday = Date().addingTimeInterval(-86_400)
        let body = capMessage(identifier: "JP-2026-OLD", sent: yesterday, expiresAfter: 3600)
        let key = try KeyFiles.loadSigningKey(path: ws.path("cityhall.key"))
        let payload = PushEnvelope.payload(body: body, headers: try PushEnvelope.sign(body: body, key: key,
                                                                                    timestamp: Int64(yesterday.timeIntervalSince1970)))
        try Data(payload).write(to: URL(fileURLWithPath: ws.path("old.payload")))
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "oshirase/v1/alerts/bousai@city.sapporo.jp/JP-2026-OLD",
                                                   "-f", ws.path("old.payload")])
        _ = try await poll("the replay refused", timeout: .seconds(10)) {
            try Self.metric("oshirase_fleet_alert_messages_total{outcome=\"refused\"}", port: port) == 1 ? true : nil
        }
        #expect(try PushCommandTests.listedAlerts(port: port).isEmpty)
        #expect(box.stdout.contains("expired"), "\(box.stdout)")
    }
}

extension FleetCommandTests {
    @Test func fleetStatusAndTheFleetPageShowEveryBoxOfflineFirst() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let (box1, port1) = try await Self.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        let (box2, _) = try await Self.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        defer { box1.stop(); box2.stop() }
        let push = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"), "--title", "大雪警報",
             "--body", "不要不急の外出は控えてください。", "--severity", "Severe", "--expires", "1h", "--boxes", "box-1,box-2"], in: ws)
        #expect(push.status == 0, "\(push)")
        // Both boxes publish their state and a thumbnail of the takeover (at most once per second).
        let deadline = ContinuousClock.now + .seconds(10)
        var state = ""
        while ContinuousClock.now < deadline && !state.contains("\"alert\":\"cityhall-") {
            state = try await broker.retained("oshirase/v1/box/box-1/state").values.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(state.contains("\"alert\":\"cityhall-"), "box-1's state: \(state)")
        box2.stop()

        let json = try PushCommandTests.oshirase(["fleet", "status", "--broker", broker.url, "--format", "json"], in: ws)
        #expect(json.status == 0, "\(json)")
        let boxes = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json.stdout)")
        #expect(boxes.compactMap { $0["box"] as? String } == ["box-2", "box-1"], "offline first: \(json.stdout)")
        #expect(boxes.compactMap { $0["status"] as? String } == ["offline", "online"])
        let displays = try #require(boxes.last?["displays"] as? [[String: Any]])
        #expect(displays.first?["name"] as? String == "lobby")
        #expect((displays.first?["alert"] as? String)?.hasPrefix("cityhall-") == true)
        #expect((boxes.last?["alerts"] as? [Any])?.count == 1)
        #expect(((boxes.last?["lastReceipt"] as? [String: Any])?["display"] as? String) == "lobby")
        #expect((boxes.last?["thumbnails"] as? [String]) == ["lobby"])

        let text = try PushCommandTests.oshirase(["fleet", "status", "--broker", broker.url], in: ws)
        #expect(text.status == 0, "\(text)")
        #expect(text.stdoutLines.count == 3 && text.stdoutLines[1].hasPrefix("box-2") && text.stdoutLines[1].contains("offline"), "\(text.stdout)")

        // The page, in headless Chromium: both boxes, the offline one first, each thumbnail loaded.
        let listen = try freeLoopbackPort()
        let serve = try OshiraseProcess(["fleet", "serve", "--broker", broker.url, "--listen", "127.0.0.1:\(listen)"], in: ws, label: "fleet-serve")
        defer { serve.stop() }
        _ = try await serve.waitForStdout("fleet page on http://127.0.0.1:\(listen)/", timeout: .seconds(20))
        _ = try await poll("the page lists both boxes", timeout: .seconds(10)) {
            try httpGet(port: listen, "/fleet.json").text.contains("box-2") ? true : nil
        }
        let dom = try await chromiumDOM(of: "http://127.0.0.1:\(listen)/", pageMilliseconds: 2000, workspace: ws, timeout: .seconds(60))
        let order = ["data-box=\"box-2\"", "data-box=\"box-1\""].map { dom.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order[0]! < order[1]!, "offline first: \(dom.prefix(3000))")
        #expect(dom.contains("data-status=\"offline\""))
        let images = dom.components(separatedBy: "<img").dropFirst()
        #expect(images.count == 2 && images.allSatisfy { $0.contains("data-natural-width=\"320\"") && $0.contains("data-natural-height=\"180\"") },
                "\(dom.prefix(4000))")
        let thumb = try httpGet(port: listen, "/thumb?box=box-1&display=lobby")
        #expect(thumb.status == 200 && thumb.headers["content-type"] == "image/jpeg" && thumb.body.count < 16_384, "\(thumb.body.count) bytes")
        #expect(try httpGet(port: listen, "/thumb?box=box-9&display=lobby").status == 404)
        _ = port1
    }
}

extension FleetCommandTests {
    @Test func whatABoxPublishesCannotForgeARowOrReachTheTerminal() async throws {
        let ws = try Workspace()
        let broker = try MosquittoBroker()
        try broker.start()
        let state = #"{"alerts":[],"at":"2026-12-07T00:00:00Z","boot":"b","box":"evil","displays":[{"items":{"main":"a\nbox-9  online  forged\u001b[2J"},"name":"lobby\u202e","powered":true,"profile":"lcd-1080p"}]}"#
        try ws.write("state.json", state)
        try ws.write("status.json", #"{"boot":"b","box":"evil","state":"online","version":"0.14.0"}"#)
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "oshirase/v1/box/evil/status", "-f", ws.path("status.json")])
        try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "oshirase/v1/box/evil/state", "-f", ws.path("state.json")])
        let run = try PushCommandTests.oshirase(["fleet", "status", "--broker", broker.url], in: ws)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdoutLines.count == 2, "a box forged a row: \(run.stdout)")
        #expect(!run.stdout.contains("\u{1b}") && !run.stdout.contains("\u{202e}"), "\(run.stdout.debugDescription)")
        #expect(run.stdout.contains("a?box-9  online  forged?[2J"), "\(run.stdout.debugDescription)")
    }
}

extension FleetCommandTests {
    /// A large fleet never goes quiet (thumbnails every few seconds from each box): `fleet status`
    /// takes the broker's retained copy and answers, instead of waiting for a pause that never
    /// comes until its timeout.
    @Test func fleetStatusAnswersWhileBoxesKeepPublishing() async throws {
        let ws = try Workspace()
        let broker = try MosquittoBroker()
        try broker.start()
        for box in ["lobby-1", "lobby-2", "lobby-3"] {
            try Self.mosquittoClient("mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "oshirase/v1/box/\(box)/status", "-m",
                                                       #"{"boot":"b","box":"\#(box)","since":"2026-12-07T09:00:00Z","site":"札幌市役所","state":"online","version":"0.14.0"}"#])
        }
        // A box that publishes a frame's thumbnail every 50 ms, for as long as the test runs.
        let live = Process()
        live.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
        live.arguments = ["-p", "\(broker.port)", "-q", "0", "-t", "oshirase/v1/box/lobby-1/display/lobby/thumb", "-l"]
        let lines = Pipe()
        live.standardInput = lines
        try live.run()
        let feeding = Task.detached {
            while !Task.isCancelled {
                try? lines.fileHandleForWriting.write(contentsOf: Data("新しいフレーム\n".utf8))
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer {
            feeding.cancel()
            try? lines.fileHandleForWriting.close()
            live.terminate()
            live.waitUntilExit()
        }
        try await Task.sleep(for: .milliseconds(300))

        let started = ContinuousClock.now
        let status = try PushCommandTests.oshirase(["fleet", "status", "--broker", broker.url, "--format", "json",
                                                    "--connect-timeout", "30s"], in: ws)
        let took = ContinuousClock.now - started
        #expect(status.status == 0, "\(status)")
        let boxes = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]], "\(status.stdout)")
        #expect(boxes.compactMap { $0["box"] as? String } == ["lobby-1", "lobby-2", "lobby-3"], "\(status.stdout)")
        #expect(boxes.allSatisfy { $0["status"] as? String == "online" })
        // Waiting for a pause would end only at the timeout (30 s + 5 s).
        #expect(took < .seconds(20), "fleet status took \(took)")
    }
}

extension FleetCommandTests {
    /// An alert no broker took was not sent: the command fails and the journal does not record
    /// it, so a later cancel cannot reference it. One a broker took is recorded.
    @Test func anAlertNoBrokerTookIsNotJournalled() async throws {
        let ws = try Workspace()
        _ = try PushCommandTests.keygen("cityhall", in: ws)
        let nobody = try freeLoopbackPort()
        let arguments = ["push", "--key", "cityhall.key", "--journal", ws.path("sent.jsonl"), "--title", "断水のお知らせ",
                         "--body", "本日14時から16時まで、北区の一部で断水します。", "--expires", "3h", "--connect-timeout", "1s", "--wait", "1s"]
        let lost = try PushCommandTests.oshirase(arguments + ["--broker", "mqtt://127.0.0.1:\(nobody)"], in: ws)
        #expect(lost.status == 1, "\(lost)")
        #expect(lost.stderr.contains("no broker took the alert; nothing was published"), "\(lost.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("sent.jsonl")), "the journal records an alert nobody has")

        let broker = try MosquittoBroker()
        try broker.start()
        let taken = try PushCommandTests.oshirase(arguments + ["--broker", broker.url], in: ws)
        #expect(taken.status == 0, "\(taken)")
        let journal = try String(contentsOfFile: ws.path("sent.jsonl"), encoding: .utf8)
        #expect(journal.split(separator: "\n").count == 1 && journal.contains(broker.url), "\(journal)")

        // A box that took it over HTTP has it on screen, whatever the brokers did: recorded.
        let pub = try String(contentsOfFile: ws.path("cityhall.pub"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let (box, port) = try await PushCommandTests.startDaemon(in: ws, trusting: [pub])
        defer { box.stop() }
        let both = try PushCommandTests.oshirase(arguments + ["--to", "http://127.0.0.1:\(port)", "--broker", "mqtt://127.0.0.1:\(nobody)"], in: ws)
        #expect(both.status == 1 && both.stderr.contains("no broker took the alert"), "\(both)")
        let after = try String(contentsOfFile: ws.path("sent.jsonl"), encoding: .utf8)
        #expect(after.split(separator: "\n").count == 2 && after.contains("127.0.0.1:\(port)"), "\(after)")
    }
}

extension FleetCommandTests {
    /// The page names a broker it cannot read, with why and since when, and stops naming it once
    /// it reads it again; `fleet status` warns of it.
    @Test func thePageNamesABrokerItCannotRead() async throws {
        let ws = try Workspace()
        let live = try MosquittoBroker()
        try live.start()
        let later = try MosquittoBroker()
        let listen = try freeLoopbackPort()
        let serve = try OshiraseProcess(["fleet", "serve", "--broker", live.url, later.url, "--listen", "127.0.0.1:\(listen)"],
                                        in: ws, label: "fleet-serve")
        defer { serve.stop() }
        _ = try await serve.waitForStdout("fleet page on http://127.0.0.1:\(listen)/", timeout: .seconds(20))
        let named = try await poll("the page names the broker that is not there", timeout: .seconds(10)) {
            let page = try httpGet(port: listen, "/").text
            return page.contains("id=\"brokers\"") && page.contains("\(later.url): Connection refused (since ") ? page : nil
        }
        #expect(!named.contains(live.url + ":"), "the live broker is named too")
        let status = try PushCommandTests.oshirase(["fleet", "status", "--broker", live.url, later.url, "--connect-timeout", "2s"], in: ws)
        #expect(status.status == 0 && status.stderr.contains("warning: not read: \(later.url)"), "\(status)")

        try later.start()
        _ = try await poll("the page reads both brokers", timeout: .seconds(30)) {
            try httpGet(port: listen, "/").text.contains("id=\"brokers\"") ? nil : true
        }
    }
}
