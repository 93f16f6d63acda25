import Foundation
import Testing

/// `oshirase run` with a simulated thermometer on a kiosk, as an operator runs it: results in
/// `/v1/status`, hourly counts in the state database read back with `report --screening`, and no
/// temperature in the log.
@Suite("oshirase run with a kiosk thermometer")
struct KioskCommandTests {
    struct SensorSnapshot: Decodable {
        struct Sensor: Decodable {
            var name: String
            var kind: String
            var connected: Bool
            var panel: String
            var counts: [String: Int]
        }
        var sensors: [Sensor]
    }

    static let scenario = """
        # 玄関の来庁者4人 / four visitors at the entrance
        name: 玄関の来庁者
        rate: 50
        ambient: 21.5
        steps:
          - empty: 0.5s
          - visitor: 36.4
            stand: 0.4s
          - empty: 0.4s
          - visitor: 37.9
            stand: 0.4s
          - empty: 0.4s
          - visitor: 36.6
            stand: 0.4s
            ambient: 5
          - empty: 0.4s
          - visitor: 36.7
            stand: 0.4s
          - empty: 1s
        """

    static let kiosk = """
          - name: entrance
            profile: dsign-clean
            output: { kind: memory }
        sensors:
          - name: entrance-thermometer
            kind: simulated
            scenario: visitors.yaml
            displays: [entrance]
            hold: 500ms
            notice: true
        """

    @Test("visitors' results reach /v1/status and the hourly counts, and no reading reaches the log")
    func resultsAreCountedAndNeverLogged() async throws {
        let ws = try Workspace()
        try ws.write("playlists/entrance.yaml", DaemonCommandTests.lobbyPlaylist)
        try ws.write("visitors.yaml", Self.scenario)
        let started = Date()
        let (daemon, port) = try await DaemonCommandTests.startDaemon(in: ws, displays: Self.kiosk, label: "kiosk")
        defer { daemon.stop() }

        let sensor = try await poll("four results", timeout: .seconds(60), context: { daemon.output }) { () throws -> SensorSnapshot.Sensor? in
            let answer = try httpGet(port: port, "/v1/status")
            let status = try JSONDecoder().decode(SensorSnapshot.self, from: Data(answer.body))
            guard let sensor = status.sensors.first, sensor.counts.values.reduce(0, +) == 4 else { return nil }
            return sensor
        }
        #expect(sensor.name == "entrance-thermometer" && sensor.kind == "simulated" && sensor.connected)
        #expect(sensor.counts == ["normal": 2, "fever": 1, "retry": 1])
        // The scenario has ended: 3 s of silence later the panel is offline.
        _ = try await poll("the panel offline after the scenario", timeout: .seconds(30), context: { daemon.output }) { () throws -> Bool? in
            let status = try JSONDecoder().decode(SensorSnapshot.self, from: Data(try httpGet(port: port, "/v1/status").body))
            return status.sensors.first?.panel == "offline" ? true : nil
        }

        daemon.send(SIGTERM)
        let exit = try await daemon.waitForExit(timeout: .seconds(30))
        #expect(exit?.status == 0 && exit?.bySignal == false)

        let from = commandLineInstant(started.addingTimeInterval(-3600))
        let to = commandLineInstant(Date().addingTimeInterval(3600))
        let report = try ws.run("report", "--screening", "--state", ws.path("state"), "--from", from, "--to", to)
        #expect(report.status == 0, "\(report)")
        #expect(report.stdoutLines.first == "sensor,hour,class,count")
        var totals: [String: Int] = [:]
        for line in report.stdoutLines.dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            #expect(fields.count == 4 && fields[0] == "entrance-thermometer" && fields[1].hasSuffix(":00:00+09:00"), "\(line)")
            if fields.count == 4 { totals[fields[2], default: 0] += Int(fields[3]) ?? 0 }
        }
        #expect(totals == ["normal": 2, "fever": 1, "retry": 1], "\(report.stdout)")

        let log = daemon.stdout + daemon.stderr
        #expect(log.contains("thermometer connected"))
        for value in ["36.4", "37.9", "36.6", "36.7"] { #expect(!log.contains(value), "\(value) is in the log") }
    }

    @Test("report --screening refuses --display, and --sensor without --screening")
    func reportOptionsAreChecked() throws {
        let ws = try Workspace()
        let a = try ws.run("report", "--screening", "--display", "lobby", "--state", ws.path("state"),
                           "--from", "2026-11-27T00:00:00+09:00", "--to", "2026-11-28T00:00:00+09:00")
        #expect(a.status != 0 && a.stderr.contains("with --screening use --sensor"), "\(a)")
        let b = try ws.run("report", "--sensor", "entrance-thermometer", "--state", ws.path("state"),
                           "--from", "2026-11-27T00:00:00+09:00", "--to", "2026-11-28T00:00:00+09:00")
        #expect(b.status != 0 && b.stderr.contains("--sensor goes with --screening"), "\(b)")
    }
}
