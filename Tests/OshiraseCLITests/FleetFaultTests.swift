import Foundation
import OshiraseTestSupport
import Testing

/// The fleet when things break: a broker killed and restarted, a broker that dies while another
/// works (docs/fleet.md). The box away during an Alert, its Update and a Cancel, and a replayed
/// expired alert are in `FleetCommandTests`; a cut link in `FleetLinkCutTests`.
@Suite("the fleet broker when things break", .serialized)
struct FleetFaultTests {
    /// How often `daemon` has logged `text` so far.
    static func count(_ text: String, in daemon: OshiraseProcess) -> Int {
        daemon.stdout.components(separatedBy: text).count - 1
    }

    @Test func aBrokerKilledAndRestartedKeepsItsRetainedAlertAndEveryBoxComesBack() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let broker = try MosquittoBroker(persistence: true)
        try broker.start()
        let (box1, _) = try await FleetCommandTests.startBox("box-1", broker: broker, trusting: [pub], in: ws)
        defer { box1.stop() }
        let push = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"), "--title", "避難指示",
             "--body", "豊平川の水位が上がっています。", "--severity", "Extreme", "--expires", "1h", "--boxes", "box-1"], in: ws)
        #expect(push.status == 0, "\(push)")
        let first = try #require(push.stdoutLines.first?.split(separator: " ").dropFirst().first.map(String.init))

        broker.kill()
        _ = try await poll("box-1 saw the broker go", timeout: .seconds(15), context: { box1.stdout }) {
            box1.stdout.contains("lost the connection to \(broker.url)") ? true : nil
        }
        try broker.start()
        _ = try await poll("box-1 back on the restarted broker", timeout: .seconds(30), context: { box1.stdout }) {
            Self.count("connected to \(broker.url)", in: box1) >= 2 ? true : nil
        }
        // Retained across kill -9: a box new to the broker gets the alert.
        let (box2, port2) = try await FleetCommandTests.startBox("box-2", broker: broker, trusting: [pub], in: ws)
        defer { box2.stop() }
        _ = try await poll("box-2 got the retained alert", timeout: .seconds(10)) {
            try PushCommandTests.listedAlerts(port: port2).contains { $0.identifier == first } ? true : nil
        }
        let next = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"), "--title", "大雪警報",
             "--body", "不要不急の外出は控えてください。", "--severity", "Severe", "--expires", "1h", "--boxes", "box-1,box-2"], in: ws)
        #expect(next.status == 0, "after the restart: \(next)")
    }

    @Test func whenTheFirstBrokerDiesTheBoxesMoveToTheSecondAndTheAlertStillArrives() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let first = try MosquittoBroker(), second = try MosquittoBroker()
        try first.start()
        try second.start()
        let (box, port) = try await FleetCommandTests.startBox("box-1", broker: first, trusting: [pub], in: ws, failover: [second])
        defer { box.stop() }
        first.kill()
        _ = try await poll("box-1 on the second broker", timeout: .seconds(30), context: { box.stdout }) {
            box.stdout.contains("connected to \(second.url)") ? true : nil
        }
        let push = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", first.url, second.url, "--journal", ws.path("sent.jsonl"), "--title", "避難指示",
             "--body", "豊平川の水位が上がっています。", "--severity", "Extreme", "--expires", "1h", "--boxes", "box-1",
             "--connect-timeout", "2s"], in: ws)
        #expect(push.status == 0, "\(push)")
        #expect(push.stdoutLines.contains { $0.hasPrefix(first.url) && $0.contains("not reached") }, "\(push.stdout)")
        #expect(push.stdoutLines.contains { $0.hasPrefix(second.url) && $0.hasSuffix("published") }, "\(push.stdout)")
        #expect(push.stderr.contains("1 of 2 brokers did not take the alert"), "\(push.stderr)")
        #expect(try PushCommandTests.listedAlerts(port: port).count == 1)
        // City hall's view reads both brokers: the dead one is left out, the box is online.
        let status = try PushCommandTests.oshirase(["fleet", "status", "--broker", first.url, second.url, "--connect-timeout", "2s"], in: ws)
        #expect(status.status == 0 && status.stdoutLines.contains { $0.hasPrefix("box-1") && $0.contains("online") }, "\(status)")
    }
}
