import Foundation
import OshiraseImaging
import OshiraseTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `oshirase run` and `oshirase demo` end to end, through the built executable: real processes,
/// real signals, the real inotify watcher and SQLite file, the API on 127.0.0.1.
///
/// Serialized: each test runs a daemon that renders frames, and their timing checks (a reload
/// within 2 s, a status poll every 20 ms) should not compete with each other for the CPU.
@Suite("oshirase run and demo", .serialized)
struct DaemonCommandTests {
    // MARK: Config errors

    /// A config with problems, and where each must be reported (`LINE:COL` and part of the message).
    struct BrokenConfig: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var problems: [(at: String, message: String)]
        var testDescription: String { name }
    }

    static let brokenConfigs: [BrokenConfig] = [
        BrokenConfig(name: "an unknown key and a bad fps", yaml: """
            site: 札幌市役所 本庁舎
            playlists: playlists
            state: state
            api:
              listen: 127.0.0.1:8080
            displays:
              - name: lobby
                profile: lcd-1080p
                output: { kind: memory }
                fps: 500
                transiton: fade

            """, problems: [
                ("10:10", "fps 500 is out of range"),
                ("11:5", "unknown key 'transiton' in a display; did you mean 'transition'?"),
            ]),
        BrokenConfig(name: "no displays, and a typo for playlists", yaml: """
            site: 札幌市役所 本庁舎
            playlist: playlists
            state: state

            """, problems: [
                ("1:1", "missing required key 'playlists'"),
                ("1:1", "missing required key 'displays'"),
                ("2:1", "unknown key 'playlist' in the config; did you mean 'playlists'?"),
            ]),
        BrokenConfig(name: "an unknown profile and a region on a memory output", yaml: """
            site: 札幌市役所 本庁舎
            playlists: playlists
            state: state
            displays:
              - name: lobby
                profile: lcd-1080
                output: { kind: memory }
              - name: led-wall
                profile: led-vision
                output: { kind: memory }
                region: { x: 0, y: 0 }

            """, problems: [
                ("6:14", "unknown profile 'lcd-1080'; did you mean 'lcd-1080p'?"),
                ("11:5", "'region' applies only to drm and fbdev outputs"),
            ]),
    ]

    @Test("run with config errors: exit 1, each problem as FILE:LINE:COL: error: on stderr, nothing started",
          .timeLimit(.minutes(1)), arguments: brokenConfigs)
    func runRefusesABrokenConfig(_ broken: BrokenConfig) throws {
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.path("playlists"), withIntermediateDirectories: true)
        try ws.write("config.yaml", broken.yaml)
        let run = try ws.run(["run", "--config", "config.yaml"], timeout: 20)

        #expect(run.status == 1, "\(run)")
        #expect(!run.looksLikeCrash, "\(run)")
        let lines = run.stderrLines
        let problems = lines.filter { $0.hasPrefix("config.yaml:") }
        // Every line is a located problem, except the closing one saying the daemon did not start.
        #expect(problems.count == lines.count - 1, "\(run)")
        for line in problems {
            #expect(matches(line, #"^config\.yaml:[0-9]+:[0-9]+: error: \S"#), "not FILE:LINE:COL: error: …: \(line)")
        }
        for problem in broken.problems {
            #expect(problems.contains { $0.hasPrefix("config.yaml:\(problem.at): error: ") && $0.contains(problem.message) },
                    "no error at \(problem.at) saying “\(problem.message)”:\n\(run.stderr)")
        }
        #expect(lines.last?.hasPrefix("oshirase: error: config.yaml has") == true, "\(run)")
        #expect(lines.last?.hasSuffix("the daemon did not start") == true, "\(run)")
        // Nothing started: no state folder (the database is the first thing the daemon creates),
        // no API announced.
        #expect(!ws.exists("state"), "the state folder was created although the config is invalid")
        #expect(!run.stdout.contains("preview and API on"), "\(run)")
    }

    // MARK: A running daemon

    static let site = "札幌市役所 本庁舎"

    /// `config.yaml` for `oshirase run`: playlists and state in the workspace, the API on `port`.
    static func config(port: Int, displays: String) -> String {
        """
        site: \(site)
        timezone: Asia/Tokyo
        playlists: playlists
        state: state
        api:
          listen: 127.0.0.1:\(port)
        displays:
        \(displays)
        """
    }

    static let lobbyAndLEDWall = """
          - name: lobby
            profile: lcd-1080p
            output: { kind: memory }
          - name: led-wall
            profile: led-vision
            output: { kind: memory }
        """

    static let lobbyOnly = """
          - name: lobby
            profile: lcd-1080p
            output: { kind: memory }
        """

    /// Writes the config with a free port and starts `oshirase run` on it; the port the API announced.
    static func startDaemon(in ws: Workspace, displays: String, label: String = "run") async throws -> (OshiraseProcess, Int) {
        try await startDaemonOnFreePort(in: ws, config: "config.yaml", label: label) { port in config(port: port, displays: displays) }
    }

    /// The announcement playlist used where the content does not matter much: a main item and a
    /// ticker, each playing for an hour.
    static let lobbyPlaylist = """
        # 本庁舎1階ロビー
        name: 本庁舎1階ロビー
        layout: main+ticker
        items:
          - id: mynumber
            announcement:
              category: info
              title: マイナンバーカードの申請
              body: オンライン申請を受け付けています。右のQRコードから申請ページをご覧ください。
              footer: 札幌市 デジタル戦略推進局
            duration: 1h
          - id: welcome
            ticker: 札幌市役所へようこそ。本庁舎1階正面玄関にて検温と消毒にご協力ください。
            zone: ticker
            duration: 1h

        """

    @Test("render of an LED wall is the frame the box shows: the same gamma, and --brightness darkens it",
          .timeLimit(.minutes(1)))
    func renderOfAnLEDWallMatchesTheBox() async throws {
        let ws = try Workspace()
        // One still item, no ticker and no clock: every instant of the hour looks the same.
        try ws.write("playlists/wall.yaml", """
            name: 地下鉄大通駅 LEDビジョン
            layout: full
            items:
              - id: snow-festival
                announcement:
                  category: info
                  title: さっぽろ雪まつり
                  body: 2月4日から11日まで大通公園で開催
                duration: 1h
            """)
        let (daemon, port) = try await Self.startDaemon(in: ws, displays: """
              - name: led-wall
                profile: led-vision
                output: { kind: memory }
            """)
        defer { daemon.stop() }
        let shot = try await poll("a frame of the wall", timeout: .seconds(15), context: { daemon.output }) {
            let answer = try httpGet(port: port, "/v1/screenshot?display=led-wall")
            return answer.status == 200 ? answer.body : nil
        }
        let now = ISO8601DateFormatter().string(from: Date())
        let render = try ws.run("render", "playlists/wall.yaml", "--display", "led-vision", "--at", now, "--output", "wall.png")
        #expect(render.status == 0, "\(render)")
        let box = try ImageDecoder.decode(shot).bitmap
        let rendered = try decodeOutput(ws.path("wall.png")).bitmap
        #expect(differingPixels(box, rendered) == 0, "the box applies CIE 1931 gamma at 100 %; so does render")

        let plain = try ws.run("render", "playlists/wall.yaml", "--display", "led-vision", "--at", now, "--gamma", "none", "--output", "plain.png")
        let dim = try ws.run("render", "playlists/wall.yaml", "--display", "led-vision", "--at", now, "--brightness", "30", "--output", "dim.png")
        #expect(plain.status == 0 && dim.status == 0, "\(plain)\n\(dim)")
        func mean(_ b: Bitmap) -> Double {
            var sum = 0
            for y in stride(from: 0, to: b.height, by: 2) { for x in stride(from: 0, to: b.width, by: 2) {
                let p = b.pixel(x: x, y: y)
                sum += Int(p.r) + Int(p.g) + Int(p.b)
            } }
            return Double(sum)
        }
        #expect(try differingPixels(decodeOutput(ws.path("plain.png")).bitmap, rendered) > 0)
        #expect(try mean(decodeOutput(ws.path("dim.png")).bitmap) < 0.5 * mean(rendered))
        let lcd = try ws.run("render", "playlists/wall.yaml", "--at", now, "--brightness", "30")
        #expect(lcd.status != 0 && lcd.stderr.contains("apply to LED walls only"), "\(lcd)")
    }

    @Test("run serves status and screenshots of every display, and stops with exit 0 on SIGTERM",
          .timeLimit(.minutes(1)))
    func runServesEveryDisplayAndStopsOnSIGTERM() async throws {
        let ws = try Workspace()
        try ws.write("playlists/01-lobby.yaml", Self.lobbyPlaylist)
        let (daemon, port) = try await Self.startDaemon(in: ws, displays: Self.lobbyAndLEDWall)
        defer { daemon.stop() }

        let status = try await poll("both displays presenting frames", timeout: .seconds(15), context: { daemon.output }) {
            () throws -> StatusSnapshot? in
            let status = try fetchStatus(port: port)
            let presenting = ["lobby", "led-wall"].allSatisfy { (status.display($0)?.framesPresented ?? 0) > 0 }
            return presenting ? status : nil
        }
        #expect(status.site == Self.site)
        #expect(status.displays.map(\.name) == ["lobby", "led-wall"])
        for display in status.displays {
            #expect(display.items == ["main": "mynumber", "ticker": "welcome"], "\(display.name): \(display.items)")
            #expect(display.error == nil, "\(display.name): \(display.error ?? "")")
        }
        #expect(status.playlists.map(\.file) == ["01-lobby.yaml"])
        #expect(status.playlists.first?.errors == [])
        #expect(status.playlists.first?.items == 2)

        for (name, width, height) in [("lobby", 1920, 1080), ("led-wall", 384, 216)] {
            let answer = try httpGet(port: port, "/v1/screenshot?display=\(name)", timeout: 10)
            #expect(answer.status == 200, "\(name): \(answer.text.prefix(500))")
            #expect(answer.headers["content-type"] == "image/png", "\(name): \(answer.headers)")
            let image = try ImageDecoder.decode(answer.body)
            #expect(image.format == .png)
            #expect(image.bitmap.width == width && image.bitmap.height == height,
                    "\(name): \(image.bitmap.width)×\(image.bitmap.height), expected \(width)×\(height)")
            #expect(image.bitmap.isVisibleFrame(), "\(name): the screenshot is blank")
        }
        let unknown = try httpGet(port: port, "/v1/screenshot?display=%E5%8F%97%E4%BB%98")  // 受付
        #expect(unknown.status == 404, "\(unknown.text)")

        let stopping = ContinuousClock.now
        daemon.send(SIGTERM)
        let exit = try await daemon.waitForExit(timeout: .seconds(10))
        let exited = try #require(exit, "still running 10 s after SIGTERM\n\(daemon.output)")
        #expect(exited.status == 0 && !exited.bySignal, "exit \(exited)\n\(daemon.output)")
        #expect(ContinuousClock.now - stopping < .seconds(5), "took \(ContinuousClock.now - stopping) to stop")
        #expect(daemon.stdout.split(separator: "\n").last?.hasSuffix("stopped") == true, "\(daemon.output)")
        #expect(!daemon.stderr.contains("Fatal error"), "\(daemon.output)")
    }

    @Test("run: the frame loops keep the process's priority, the HTTP API runs 5 nice steps below, the screenshot encoder 10",
          .timeLimit(.minutes(1)))
    func theScreensComeFirst() async throws {
        let ws = try Workspace()
        try ws.write("playlists/01-lobby.yaml", Self.lobbyPlaylist)
        let (daemon, port) = try await Self.startDaemon(in: ws, displays: Self.lobbyAndLEDWall)
        defer { daemon.stop() }
        // One answer: the server's threads have taken requests.
        _ = try fetchStatus(port: port)
        // NIO's event-loop threads lower themselves when they run their first job after start.
        let threads = try await poll("the daemon's threads named, and NIO's event loops lowered", timeout: .seconds(10),
                                     context: { "\(daemon.threadNiceness())\n\(daemon.output)" }) {
            () -> [(name: String, nice: Int)]? in
            let threads = daemon.threadNiceness()
            let names = Set(threads.map(\.name))
            let main = threads.first { $0.name.hasPrefix("oshirase") }?.nice ?? 0
            let eventLoops = threads.filter { $0.name.hasPrefix("NIO-") }
            let named = ["display-lobby", "display-led-wal", "http-api", "screenshot-png"].allSatisfy(names.contains)
            return named && !eventLoops.isEmpty && eventLoops.allSatisfy({ $0.nice == min(19, main + 5) }) ? threads : nil
        }
        // Relative to the process's main thread: the test may itself run niced.
        let base = threads.first { $0.name.hasPrefix("oshirase") }?.nice ?? 0
        func nice(_ name: String) -> Int? { threads.first { $0.name == name }?.nice }
        #expect(nice("display-lobby") == base && nice("display-led-wal") == base, "\(threads)")
        #expect(nice("http-api") == min(19, base + 5), "\(threads)")
        #expect(nice("screenshot-png") == min(19, base + 10), "\(threads)")
        // A new thread takes its creator's nice value: after requests have gone through the
        // lowered threads, no other thread may have been started lowered (Swift's shared pool,
        // the proof-of-play writer, the playlist watcher run at the process's level).
        for _ in 0..<5 {
            _ = try httpGet(port: port, "/v1/screenshot?display=lobby", timeout: 10)
            _ = try fetchStatus(port: port)
        }
        // libdispatch itself runs its utility and background queues' workers a little lower.
        let lowered: Set<String> = ["http-api", "screenshot-png"]
        let others = daemon.threadNiceness().filter {
            !lowered.contains($0.name) && !$0.name.hasPrefix("NIO-") && !$0.name.hasSuffix("utility-qos")
                && !$0.name.hasSuffix("background-qos")
        }
        #expect(others.allSatisfy { $0.nice <= base }, "threads started lowered: \(others)")
    }

    // MARK: Proof of play and kill -9

    /// Three one-second announcements on one display, so items change every second.
    static let threeSecondsPlaylist = """
        name: 本庁舎1階ロビー
        items:
          - id: madoguchi
            announcement:
              category: info
              title: 窓口のご案内
              body: 各種証明書は1階の市民課窓口で受け付けています。
            duration: 1s
          - id: kenon
            announcement:
              category: notice
              title: 検温のお願い
              body: 正面玄関の検温機で検温と手指の消毒にご協力ください。
            duration: 1s
          - id: josetsu
            announcement:
              category: warning
              title: 大雪に備えて
              body: 路上駐車は除雪作業の妨げになります。
            duration: 1s

        """
    static let threeItems = ["madoguchi", "kenon", "josetsu"]

    /// Proof-of-play records of the main zone read from the API, started at or after `since`.
    static func recordsFromAPI(port: Int, since: Date) throws -> Int {
        let from = commandLineInstant(since.addingTimeInterval(-2)), to = commandLineInstant(Date().addingTimeInterval(3600))
        let answer = try httpGet(port: port, "/v1/proof-of-play?from=\(from)&to=\(to)")
        guard answer.status == 200 else { throw DaemonTestFailure("/v1/proof-of-play answered \(answer.status): \(answer.text)") }
        // The same records, in the same shape, as `report --format json` prints.
        let records = try JSONDecoder().decode([ReportRecord].self, from: Data(answer.body))
        // Compare with a second's slack.
        let floor = Int64((since.timeIntervalSince1970 - 1) * 1000)
        return records.filter { $0.zone == "main" && $0.startMs >= floor }.count
    }

    /// The proof of play as `oshirase report` prints it; fails unless the report exits 0 with a clean stderr.
    static func report(_ ws: Workspace, from: Date) throws -> [ReportRecord] {
        let run = try ws.run(["report", "--state", ws.path("state"), "--from", commandLineInstant(from),
                              "--to", commandLineInstant(Date().addingTimeInterval(3600)), "--format", "json"], timeout: 20)
        guard run.status == 0, run.stderr.isEmpty else { throw DaemonTestFailure("report failed: \(run)") }
        do {
            return try JSONDecoder().decode([ReportRecord].self, from: Data(run.stdout.utf8))
        } catch {
            throw DaemonTestFailure("report --format json printed what is not the documented JSON (\(error)): \(run.stdout.prefix(2000))")
        }
    }

    /// Checks the main zone's records against the kills so far: each showing has a length, a
    /// daemon's records follow each other without a gap and in playlist order, and the only gaps
    /// are at kills, where at most the item in progress (one second) is missing.
    static func checkProofOfPlay(_ all: [ReportRecord], kills: [Date], restarts: [Date]) {
        let records = all.filter { $0.display == "lobby" && $0.zone == "main" }.sorted { $0.startMs < $1.startMs }
        #expect(records.count == all.count, "records of other displays or zones: \(all)")
        let listing = records.map(\.description).joined(separator: "\n")
        for r in records {
            #expect(r.startMs > 0 && r.endMs > r.startMs, "a record without a length: \(r)")
            #expect(r.endMs - r.startMs <= 1000, "a one-second item recorded longer: \(r)")
            #expect(r.playlist == "lobby.yaml", "\(r)")
            #expect(threeItems.contains(r.item), "\(r)")
        }
        var gaps: [(before: ReportRecord, after: ReportRecord)] = []
        for (a, b) in zip(records, records.dropFirst()) {
            if b.startMs == a.endMs {
                // Within one daemon's life: the next item of the loop, starting on a second.
                let next = threeItems[((threeItems.firstIndex(of: a.item) ?? 0) + 1) % threeItems.count]
                #expect(b.item == next, "\(b) follows \(a), expected \(next)")
                #expect(b.startMs % 1000 == 0, "an item that follows another starts on a whole second: \(b)")
            } else {
                #expect(b.startMs > a.endMs, "records overlap: \(a) and \(b)\n\(listing)")
                gaps.append((a, b))
            }
        }
        let msKills = kills.map { Int64($0.timeIntervalSince1970 * 1000) }
        let msRestarts = restarts.map { Int64($0.timeIntervalSince1970 * 1000) }
        // A gap per kill followed by a restart that has recorded something, and none elsewhere.
        let expectedGaps = zip(msKills, msRestarts).filter { _, restart in records.contains { $0.startMs >= restart } }.count
        #expect(gaps.count == expectedGaps, "\(gaps.count) gaps for \(expectedGaps) restarts:\n\(listing)")
        for gap in gaps {
            guard let kill = msKills.first(where: { gap.before.endMs <= $0 && $0 <= gap.after.startMs }) else {
                Issue.record("a gap between \(gap.before) and \(gap.after) with no kill in it\n\(listing)")
                continue
            }
            // The item in progress at the kill (at most one second of it) is what may be missing,
            // plus the few milliseconds a finished record waits for the writer.
            #expect(kill - gap.before.endMs <= 1250,
                    "\(kill - gap.before.endMs) ms before the kill are missing (the last record ends \(gap.before.end)):\n\(listing)")
        }
        // The last daemon killed: its last record also ends less than an item before the kill.
        if let kill = msKills.last, let lastBefore = records.last(where: { $0.endMs <= kill }),
           !records.contains(where: { $0.startMs >= kill }) {
            #expect(kill - lastBefore.endMs <= 1250,
                    "\(kill - lastBefore.endMs) ms before the kill are missing (last record \(lastBefore)):\n\(listing)")
        }
    }

    @Test("proof of play survives kill -9 at any moment: the database opens, at most the item in progress is missing, a restart keeps appending",
          .timeLimit(.minutes(1)))
    func proofOfPlaySurvivesKillNine() async throws {
        let ws = try Workspace()
        try ws.write("playlists/lobby.yaml", Self.threeSecondsPlaylist)
        let from = Date().addingTimeInterval(-60)
        var kills: [Date] = []
        var restarts: [Date] = []
        // Where in the one-second item the kill lands: just after a change (the record of the item
        // that ended may still be on its way to the database), mid-item, just before a change.
        let offsets = [0.02, 0.5, 0.93]
        for (round, offset) in offsets.enumerated() {
            let started = Date()
            let (daemon, port) = try await Self.startDaemon(in: ws, displays: Self.lobbyOnly, label: "run-\(round)")
            defer { daemon.stop() }
            if round > 0 { restarts.append(started) }
            let wanted = round == 0 ? 4 : 2
            _ = try await poll("\(wanted) records in round \(round + 1)", timeout: .seconds(12), every: .milliseconds(100),
                               context: { daemon.output }) { () throws -> Int? in
                let count = try Self.recordsFromAPI(port: port, since: started)
                return count >= wanted ? count : nil
            }
            // Items change on whole seconds (one-second items looping from midnight).
            let now = Date().timeIntervalSince1970
            let killAt = now.rounded(.down) + 1 + offset
            try await Task.sleep(for: .milliseconds(Int((killAt - now) * 1000)))
            daemon.send(SIGKILL)
            kills.append(Date())
            let exit = try await daemon.waitForExit(timeout: .seconds(5))
            #expect(exit?.bySignal == true && exit?.status == SIGKILL, "\(String(describing: exit))\n\(daemon.output)")

            let records = try Self.report(ws, from: from)
            #expect(records.count >= wanted, "\(records)")
            Self.checkProofOfPlay(records, kills: kills, restarts: restarts)
        }

        // A daemon started after the last kill keeps appending to the same database.
        let restarted = Date()
        restarts.append(restarted)
        let (daemon, port) = try await Self.startDaemon(in: ws, displays: Self.lobbyOnly, label: "run-last")
        defer { daemon.stop() }
        _ = try await poll("records after the last restart", timeout: .seconds(10), every: .milliseconds(100),
                           context: { daemon.output }) { () throws -> Int? in
            let count = try Self.recordsFromAPI(port: port, since: restarted)
            return count >= 2 ? count : nil
        }
        daemon.send(SIGTERM)
        let exit = try await daemon.waitForExit(timeout: .seconds(10))
        #expect(exit?.status == 0 && exit?.bySignal == false, "\(String(describing: exit))\n\(daemon.output)")
        let records = try Self.report(ws, from: from)
        let restartMs = Int64(restarted.timeIntervalSince1970 * 1000)
        #expect(records.filter { $0.startMs >= restartMs }.count >= 2, "no records after the restart: \(records)")
        Self.checkProofOfPlay(records, kills: kills, restarts: restarts)
    }

    @Test("proof of play: a display's first record starts when its first frame is presented, not before",
          .timeLimit(.minutes(1)))
    func proofOfPlayStartsAtTheFirstFrame() async throws {
        let ws = try Workspace()
        try ws.write("playlists/lobby.yaml", Self.threeSecondsPlaylist)
        let from = Date().addingTimeInterval(-60)
        let (daemon, port) = try await Self.startDaemon(in: ws, displays: Self.lobbyOnly)
        defer { daemon.stop() }
        // The daemon logs how long after the process started its first frame was presented; the
        // process started after `launchedAt`, so the frame was presented after launchedAt + that.
        let line = try await daemon.waitForStdout(#"first frame presented [0-9]+ ms after the process started"#,
                                                  timeout: .seconds(15))
        let age = try #require(line.firstMatch(of: /presented (\d+) ms/).flatMap { Int($0.output.1) })
        let firstFrameMs = Int64(daemon.launchedAt.timeIntervalSince1970 * 1000) + Int64(age)
        _ = try await poll("2 records", timeout: .seconds(10), every: .milliseconds(100), context: { daemon.output }) {
            () throws -> Int? in
            let count = try Self.recordsFromAPI(port: port, since: from)
            return count >= 2 ? count : nil
        }
        daemon.send(SIGTERM)
        let exit = try await daemon.waitForExit(timeout: .seconds(10))
        #expect(exit?.status == 0 && exit?.bySignal == false, "\(String(describing: exit))\n\(daemon.output)")

        let records = try Self.report(ws, from: from).sorted { $0.startMs < $1.startMs }
        let first = try #require(records.first)
        // 50 ms for the 10 ms clock ticks the process age is measured in.
        #expect(first.startMs >= firstFrameMs - 50,
                """
                the first record starts \(firstFrameMs - first.startMs) ms before the first frame was presented \
                (process launched at \(commandLineInstant(daemon.launchedAt, milliseconds: true)), \
                first frame \(age) ms later): \(first)\(first.endMs <= firstFrameMs ? " was never on the screen" : "")
                \(records.map(\.description).joined(separator: "\n"))
                """)
    }

    // MARK: Hot reload through inotify

    /// A one-item playlist whose item plays for an hour: the main zone shows `id` as long as it loads.
    static func reloadPlaylist(id: String, title: String, duration: String = "1h") -> String {
        """
        # 本庁舎1階ロビー
        name: 本庁舎1階ロビー
        items:
          - id: \(id)
            announcement:
              title: \(title)
              body: お近くの窓口でお尋ねください。
            duration: \(duration)

        """
    }

    /// What `/v1/status` said about the lobby, polled every 20 ms over a window.
    struct Observation {
        var at: Duration
        var main: String?
        var errors: [String]
        var failure: String?
    }

    /// Polls the lobby's status every ~20 ms for `window` while `save` runs (from the start of the window).
    static func observe(port: Int, for window: Duration, while save: () async throws -> Void) async throws -> [Observation] {
        let start = ContinuousClock.now
        let watcher = Task { () -> [Observation] in
            var seen: [Observation] = []
            while ContinuousClock.now - start < window {
                let at = ContinuousClock.now - start
                do {
                    let status = try fetchStatus(port: port, timeout: 2)
                    seen.append(Observation(at: at, main: status.display("lobby")?.items["main"],
                                            errors: status.playlists.first { $0.file == "lobby.yaml" }?.errors ?? [],
                                            failure: nil))
                } catch {
                    seen.append(Observation(at: at, main: nil, errors: [], failure: "\(error)"))
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return seen
        }
        do {
            try await save()
        } catch {
            watcher.cancel()
            _ = await watcher.value
            throw error
        }
        return await watcher.value
    }

    /// Checks one editor's save: the screen went from `old` straight to `new` within 2 s, never idle.
    static func checkSave(_ how: String, _ seen: [Observation], from old: String, to new: String) {
        let timeline = seen.map { "\($0.at): \($0.main ?? $0.failure ?? "?")" }.joined(separator: "\n")
        #expect(seen.count >= 25, "\(how): only \(seen.count) status reads in the window")
        #expect(seen.allSatisfy { $0.failure == nil }, "\(how): status failed:\n\(timeline)")
        #expect(!seen.contains { $0.main == "idle" }, "\(how): the display went idle during the save:\n\(timeline)")
        guard let first = seen.firstIndex(where: { $0.main == new }) else {
            Issue.record("\(how): \(new) never appeared:\n\(timeline)")
            return
        }
        #expect(seen[first].at <= .seconds(2), "\(how): \(new) appeared only after \(seen[first].at)")
        #expect(seen[..<first].allSatisfy { $0.main == old }, "\(how): something else showed before \(new):\n\(timeline)")
        #expect(seen[first...].allSatisfy { $0.main == new }, "\(how): \(new) did not stay:\n\(timeline)")
        #expect(seen.last.map { $0.at - seen[first].at >= .seconds(0.5) } == true,
                "\(how): too little watched after the change:\n\(timeline)")
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test("hot reload: editors' saves never show idle, an invalid save keeps the previous version and reports FILE:LINE:COL, a deleted file stops",
          .timeLimit(.minutes(1)))
    func hotReloadAsEditorsSave() async throws {
        let ws = try Workspace()
        let file = ws.path("playlists/lobby.yaml")
        try ws.write("playlists/lobby.yaml", Self.reloadPlaylist(id: "kaichou", title: "本日は8時45分から開庁しています"))
        let (daemon, port) = try await Self.startDaemon(in: ws, displays: Self.lobbyOnly)
        defer { daemon.stop() }
        _ = try await poll("the first item on screen", timeout: .seconds(15), context: { daemon.output }) { () throws -> Bool? in
            try fetchStatus(port: port).display("lobby")?.items["main"] == "kaichou" ? true : nil
        }
        let window = Duration.milliseconds(2600)

        // (a) In place: truncate, a pause, then the new text (editors that rewrite the file).
        var seen = try await Self.observe(port: port, for: window) {
            let fd = open(file, O_WRONLY | O_TRUNC)
            guard fd >= 0 else { throw DaemonTestFailure("cannot truncate \(file)") }
            close(fd)
            try await Task.sleep(for: .milliseconds(100))
            try Self.write(Self.reloadPlaylist(id: "zeikin", title: "市税の納期限は今月末です"), to: file)
        }
        Self.checkSave("truncate then write", seen, from: "kaichou", to: "zeikin")

        // (b) A temporary file renamed over the playlist (atomic savers, e.g. GNOME's).
        seen = try await Self.observe(port: port, for: window) {
            let temporary = ws.path("playlists/.goutputstream-7Q2XKZ")
            try Self.write(Self.reloadPlaylist(id: "gomi", title: "年末年始のごみ収集日"), to: temporary)
            guard rename(temporary, file) == 0 else { throw DaemonTestFailure("rename: \(String(cString: strerror(errno)))") }
        }
        Self.checkSave("write temporary then rename", seen, from: "zeikin", to: "gomi")

        // (c) vim: the original moved away to a backup, a new file written, the backup removed.
        seen = try await Self.observe(port: port, for: window) {
            guard rename(file, file + "~") == 0 else { throw DaemonTestFailure("rename: \(String(cString: strerror(errno)))") }
            try Self.write(Self.reloadPlaylist(id: "josetsu", title: "除雪にご協力ください"), to: file)
            unlink(file + "~")
        }
        Self.checkSave("rename away then write (vim)", seen, from: "gomi", to: "josetsu")

        // An invalid version: the previous one keeps playing, the problem shows in /v1/status.
        let invalid = Self.reloadPlaylist(id: "bus", title: "市バスの運行情報", duration: "10x")
        let badLine = (invalid.components(separatedBy: "\n").firstIndex { $0.contains("duration: 10x") } ?? 0) + 1
        seen = try await Self.observe(port: port, for: window) { try Self.write(invalid, to: file) }
        let timeline = seen.map { "\($0.at): \($0.main ?? $0.failure ?? "?") \($0.errors)" }.joined(separator: "\n")
        #expect(seen.allSatisfy { $0.failure == nil && $0.main == "josetsu" },
                "the previous version must keep playing:\n\(timeline)")
        let reported = seen.first { !$0.errors.isEmpty }
        #expect(reported.map { $0.at <= .seconds(2) } == true, "no errors in /v1/status within 2 s:\n\(timeline)")
        let errors = reported?.errors ?? []
        #expect(errors.contains { $0.contains("lobby.yaml:\(badLine):15: error: ") && $0.contains("10x") },
                "expected lobby.yaml:\(badLine):15: error: … about '10x', got \(errors)")
        #expect(errors.allSatisfy { matches($0, #"lobby\.yaml:[0-9]+:[0-9]+: error: "#) }, "\(errors)")
        #expect(daemon.stdout.contains("lobby.yaml:\(badLine):15: error: "), "the error is logged too\n\(daemon.output)")

        // The file deleted: after the 2 s grace an editor's move-away save gets, its items stop,
        // nothing else is scheduled, the display shows idle.
        guard unlink(file) == 0 else { throw DaemonTestFailure("unlink: \(String(cString: strerror(errno)))") }
        let deleted = ContinuousClock.now
        _ = try await poll("the display going idle after the playlist was deleted", timeout: .seconds(6),
                           every: .milliseconds(20), context: { daemon.output }) { () throws -> Bool? in
            try fetchStatus(port: port).display("lobby")?.items["main"] == "idle" ? true : nil
        }
        let gone = ContinuousClock.now - deleted
        #expect(gone >= .seconds(2) && gone <= .seconds(4), "idle after \(gone)")
        let status = try fetchStatus(port: port)
        #expect(!status.playlists.contains { $0.file == "lobby.yaml" && $0.items > 0 }, "\(status.playlists)")

        daemon.send(SIGTERM)
        let exit = try await daemon.waitForExit(timeout: .seconds(10))
        #expect(exit?.status == 0 && exit?.bySignal == false, "\(String(describing: exit))\n\(daemon.output)")
    }

    // MARK: The demo

    /// Starts `oshirase demo --port 0` from the repository (it finds docs/config/demo.yaml there).
    static func startDemo(in ws: Workspace) async throws -> (OshiraseProcess, Int) {
        let demo = try OshiraseProcess(["demo", "--port", "0"], in: ws, workingDirectory: repoRoot.path, label: "demo")
        // The demo's own line for people, on stdout beside the log.
        let line = try await demo.waitForStdout(#"Oshirase demo: open http://127\.0\.0\.1:[0-9]+/"#, timeout: .seconds(30))
        guard let port = line.split(separator: ":").last.flatMap({ Int($0.dropLast()) }), port > 0 else {
            throw DaemonTestFailure("no port in '\(line)'")
        }
        return (demo, port)
    }

    static let demoDisplays = [("lobby", 1920, 1080), ("entrance", 1080, 1920), ("led-wall", 384, 216)]

    /// Waits until every demo display has presented a frame.
    static func waitForDemoFrames(_ demo: OshiraseProcess, port: Int) async throws -> StatusSnapshot {
        try await poll("every demo display presenting", timeout: .seconds(20), context: { demo.output }) { () throws -> StatusSnapshot? in
            let status = try fetchStatus(port: port)
            return demoDisplays.allSatisfy({ (status.display($0.0)?.framesPresented ?? 0) > 0 }) ? status : nil
        }
    }

    @Test("demo: all three displays present, the lobby's ticker moves, SIGINT stops it with exit 0",
          .timeLimit(.minutes(1)))
    func demoIsLiveAndStopsOnSIGINT() async throws {
        let ws = try Workspace()
        let (demo, port) = try await Self.startDemo(in: ws)
        defer { demo.stop() }
        let status = try await Self.waitForDemoFrames(demo, port: port)
        #expect(status.displays.map(\.name) == Self.demoDisplays.map(\.0))
        #expect(status.playlists.allSatisfy { $0.errors.isEmpty }, "the sample playlists have errors: \(status.playlists)")
        for display in status.displays {
            #expect(display.items["main"].map { !$0.isEmpty } == true, "\(display.name): \(display.items)")
            #expect(display.error == nil, "\(display.name): \(display.error ?? "")")
        }

        // The ticker scrolls: a later screenshot of the lobby differs from the first.
        let first = try httpGet(port: port, "/v1/screenshot?display=lobby", timeout: 10)
        #expect(first.status == 200 && first.headers["content-type"] == "image/png", "\(first.status) \(first.headers)")
        let firstImage = try ImageDecoder.decode(first.body)
        #expect(firstImage.bitmap.width == 1920 && firstImage.bitmap.height == 1080)
        let taken = ContinuousClock.now
        _ = try await poll("a different lobby frame", timeout: .seconds(5), every: .milliseconds(250),
                           context: { demo.output }) { () throws -> Bool? in
            guard ContinuousClock.now - taken >= .milliseconds(500) else { return nil }
            let later = try httpGet(port: port, "/v1/screenshot?display=lobby", timeout: 10)
            return later.status == 200 && later.body != first.body ? true : nil
        }

        demo.send(SIGINT)
        let exit = try await demo.waitForExit(timeout: .seconds(10))
        let exited = try #require(exit, "the demo still runs 10 s after SIGINT\n\(demo.output)")
        #expect(exited.status == 0 && !exited.bySignal, "exit \(exited)\n\(demo.output)")
        #expect(demo.stdout.contains("stopped"), "\(demo.output)")
    }

    @Test("demo preview in headless Chromium: the page loads, every display's image appears at its size and keeps changing",
          .enabled(if: chromiumExecutable != nil,
                   "Chromium is not installed (apt-get install chromium, or set CHROMIUM=/path): the demo's preview page is not tested in a browser"),
          .timeLimit(.minutes(1)))
    func demoPreviewInChromium() async throws {
        let ws = try Workspace()
        let (demo, port) = try await Self.startDemo(in: ws)
        defer { demo.stop() }
        _ = try await Self.waitForDemoFrames(demo, port: port)

        let pageSeconds = 6
        let dom = try await chromiumDOM(of: "http://127.0.0.1:\(port)/", pageMilliseconds: pageSeconds * 1000,
                                        workspace: ws, timeout: .seconds(30))
        #expect(dom.contains("<title>\(Self.site) — お知らせプレビュー</title>"), "\(dom.prefix(2000))")
        #expect(dom.contains(#"<html lang="ja""#), "\(dom.prefix(500))")
        let images = frameImages(inDOM: dom)
        #expect(images.compactMap { $0["data-display"] } == Self.demoDisplays.map(\.0), "\(images)")
        for (name, width, height) in Self.demoDisplays {
            guard let image = images.first(where: { $0["data-display"] == name }) else {
                Issue.record("no image of \(name) in the page:\n\(dom.prefix(4000))")
                continue
            }
            let loads = Int(image["data-loads"] ?? "") ?? 0
            // The page replaces each screenshot about once a second: several in its six seconds.
            #expect(loads >= 2, "\(name): \(loads) images loaded in \(pageSeconds) s of page time: \(image)")
            #expect(image["data-errors"] == "0", "\(name): \(image)")
            #expect(image["data-natural-width"] == String(width) && image["data-natural-height"] == String(height),
                    "\(name): natural size \(image["data-natural-width"] ?? "?")×\(image["data-natural-height"] ?? "?"), expected \(width)×\(height)")
        }
        let updates = dom.firstMatch(of: /data-status-updates="(\d+)"/).flatMap { Int($0.output.1) } ?? 0
        #expect(updates >= 1, "the page never read /v1/status")

        demo.send(SIGINT)
        let exit = try await demo.waitForExit(timeout: .seconds(10))
        #expect(exit?.status == 0 && exit?.bySignal == false, "\(String(describing: exit))\n\(demo.output)")
    }
}
