import Foundation
import OshiraseTestSupport
import Testing

/// A box behind a cut link: the box runs in a network namespace of its own, joined to the
/// broker's by a veth pair; taking the pair down cuts the link as a failed switch would
/// (docs/fleet.md). The broker reports the box offline after about 1.5 keepalives, and when the
/// link returns the box catches up on what was published meanwhile.
@Suite("a box behind a cut link", .serialized)
struct FleetLinkCutTests {
    /// A network namespace and a veth pair: `hostAddress` on this side, `boxAddress` inside.
    final class Namespace: Sendable {
        let name: String
        let hostSide: String
        let hostAddress: String
        let boxAddress: String

        init() throws {
            let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            name = "oshirase-\(tag)"
            hostSide = "osh\(tag.prefix(6))h"
            let boxSide = "osh\(tag.prefix(6))b"
            let (a, b) = (Int.random(in: 16...250), Int.random(in: 0...63) * 4)
            hostAddress = "10.\(a).\(b / 256).\(b % 256 + 1)"
            boxAddress = "10.\(a).\(b / 256).\(b % 256 + 2)"
            try Self.ip(["netns", "add", name])
            try Self.ip(["link", "add", hostSide, "type", "veth", "peer", "name", boxSide])
            try Self.ip(["link", "set", boxSide, "netns", name])
            try Self.ip(["addr", "add", "\(hostAddress)/30", "dev", hostSide])
            try Self.ip(["link", "set", hostSide, "up"])
            try Self.ip(["netns", "exec", name, "ip", "addr", "add", "\(boxAddress)/30", "dev", boxSide])
            try Self.ip(["netns", "exec", name, "ip", "link", "set", boxSide, "up"])
            try Self.ip(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
        }

        deinit {
            try? Self.ip(["link", "del", hostSide])
            try? Self.ip(["netns", "del", name])
        }

        /// `ip link set … down` or `up` on this side of the pair.
        func link(up: Bool) throws { try Self.ip(["link", "set", hostSide, up ? "up" : "down"]) }

        var wrapper: [String] { ["/usr/sbin/ip", "netns", "exec", name] }

        static func ip(_ arguments: [String]) throws {
            let run = try runTool("/usr/sbin/ip", arguments)
            guard run.status == 0 else {
                throw DaemonTestFailure("ip \(arguments.joined(separator: " ")): \(run.stderr) (the test needs root and iproute2)")
            }
        }
    }

    /// Box `box`'s entry in `fleet status --format json`, as city hall sees it.
    static func fleetEntry(_ box: String, broker: MosquittoBroker, tls: [String], in ws: Workspace) throws -> [String: Any]? {
        let run = try PushCommandTests.oshirase(["fleet", "status", "--broker", broker.url, "--format", "json"] + tls, in: ws)
        guard run.status == 0 else { throw DaemonTestFailure("fleet status: \(run)") }
        let boxes = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        return boxes?.first { $0["box"] as? String == box }
    }

    @Test func theBrokerReportsTheBoxOfflineAndItCatchesUpWhenTheLinkReturns() async throws {
        let ws = try Workspace()
        let pub = try PushCommandTests.keygen("cityhall", in: ws)
        let net = try Namespace()
        let pki = try FleetCertificates(brokerAddresses: [net.hostAddress])
        let cityhall = try pki.client("cityhall")
        let (boxCertificate, boxKey) = try pki.client("box-1")
        let broker = try MosquittoBroker(tls: try pki.brokerConfig(), host: net.hostAddress)
        try broker.start()
        let tls = ["--cacert", pki.certificateAuthority, "--cert", cityhall.certificate, "--cert-key", cityhall.key]

        try FileManager.default.createDirectory(atPath: ws.path("box-1/playlists"), withIntermediateDirectories: true)
        try ws.write("box-1/config.yaml", """
            site: 札幌市役所 本庁舎
            playlists: playlists
            state: state
            api: { listen: "127.0.0.1:8080" }
            displays:
              - { name: lobby, profile: lcd-1080p, output: { kind: memory } }
            alerts:
              keys: ["\(pub)"]
            fleet:
              brokers: [\(broker.url)]
              id: box-1
              ca: \(pki.certificateAuthority)
              cert: \(boxCertificate)
              key: \(boxKey)
              keepalive: 5s
            """)
        let box = try OshiraseProcess(["run", "--config", ws.path("box-1/config.yaml")], in: ws, label: "box-1", wrapper: net.wrapper)
        defer { box.stop() }
        _ = try await poll("box-1 connected over the veth pair", timeout: .seconds(20), context: { box.stdout + box.stderr }) {
            box.stdout.contains("connected to \(broker.url)") ? true : nil
        }
        _ = try await poll("box-1 online", timeout: .seconds(10)) {
            try Self.fleetEntry("box-1", broker: broker, tls: tls, in: ws)?["status"] as? String == "online" ? true : nil
        }

        try net.link(up: false)
        let cut = ContinuousClock.now
        _ = try await poll("box-1 reported offline", timeout: .seconds(30), every: .milliseconds(500)) {
            try Self.fleetEntry("box-1", broker: broker, tls: tls, in: ws)?["status"] as? String == "offline" ? true : nil
        }
        let detected = ContinuousClock.now - cut
        // The broker's will fires after 1.5 keepalives without a packet (7.5 s here), and each poll
        // takes about a second. How long it takes is measured in scripts/bench-fleet, not here
        // (a shared machine's timing is no test); this bound only says it happens.
        #expect(detected <= .seconds(40), "offline detection took \(detected)")

        let push = try PushCommandTests.oshirase(
            ["push", "--key", "cityhall.key", "--broker", broker.url, "--journal", ws.path("sent.jsonl"), "--title", "避難指示",
             "--body", "豊平川の水位が上がっています。", "--severity", "Extreme", "--expires", "1h", "--boxes", "box-1", "--wait", "1s"] + tls, in: ws)
        #expect(push.status == 1 && push.stderr.contains("did not answer"), "\(push)")
        let identifier = try #require(push.stdoutLines.first?.split(separator: " ").dropFirst().first.map(String.init))

        try net.link(up: true)
        _ = try await poll("box-1 back with the alert", timeout: .seconds(90), every: .seconds(1), context: { box.stdout }) {
            let entry = try Self.fleetEntry("box-1", broker: broker, tls: tls, in: ws)
            let alerts = (entry?["alerts"] as? [[String: Any]])?.compactMap { $0["identifier"] as? String } ?? []
            return entry?["status"] as? String == "online" && alerts.contains(identifier) ? true : nil
        }
        #expect(box.stdout.contains("the broker kept this box's session"), "\(box.stdout.suffix(2000))")
    }
}
