import Foundation
import OshiraseMQTT
import OshiraseTestSupport
import Testing

/// A real Mosquitto with TLS, client certificates and the ACL of docs/fleet.md: each box writes
/// only its own topics and reads the alerts; only city hall's certificate writes alerts.
@Suite(.timeLimit(.minutes(2))) struct FleetACLTests {
    let certificates: FleetCertificates
    let broker: MosquittoBroker
    let loop: MQTTLoop

    init() throws {
        certificates = try FleetCertificates()
        try certificates.client("cityhall")
        try certificates.client("box-1")
        try certificates.client("box-2")
        broker = try MosquittoBroker(tls: try certificates.brokerConfig(boxGroups: ["box-1": ["honcho"]]))
        try broker.start()
        loop = try MQTTLoop()
    }

    func client(_ name: String?, subscriptions: [String] = [], ca: String? = nil) throws -> (MQTTClient, EventLog) {
        var settings = MQTTSettings(clientID: name ?? "anonymous", endpoints: [try MQTTEndpoint.parse(broker.url)])
        settings.tls = MQTTTLSFiles(certificateAuthority: ca ?? certificates.certificateAuthority,
                                    certificate: name.map { certificates.path("\($0).pem") }, key: name.map { certificates.path("\($0).key") })
        settings.subscriptions = subscriptions.map { MQTTSubscription($0) }
        settings.reconnectBase = .seconds(30)
        let events = EventLog()
        let client = try MQTTClient(settings: settings, loop: loop, onEvent: events.handler)
        client.start()
        return (client, events)
    }

    func outcome(of token: UInt64, in events: EventLog) async throws -> String? {
        try await events.wait("the broker's answer to message \(token)") { all in
            for event in all {
                if case .delivered(token, let refusal) = event { return .some(refusal) }
            }
            return nil
        }
    }

    @Test func eachPartyWritesOnlyWhatTheACLAllows() async throws {
        defer { loop.shutdown() }
        let (box, boxEvents) = try client("box-1", subscriptions: ["oshirase/v1/alerts/#"])
        let (cityhall, cityEvents) = try client("cityhall", subscriptions: ["oshirase/v1/box/#"])
        _ = try await boxEvents.waitForConnection()
        _ = try await cityEvents.waitForConnection()

        // The box's own topics: taken.
        box.publish(MQTTOutgoing(topic: "oshirase/v1/box/box-1/status", payload: Array("{\"state\":\"online\"}".utf8), retain: true, token: 1))
        box.publish(MQTTOutgoing(topic: "oshirase/v1/box/box-1/display/lobby/thumb", payload: [0xff, 0xd8], retain: true, token: 2))
        #expect(try await outcome(of: 1, in: boxEvents) == nil)
        #expect(try await outcome(of: 2, in: boxEvents) == nil)
        // Another box's topics, and the alerts: refused.
        box.publish(MQTTOutgoing(topic: "oshirase/v1/box/box-2/status", payload: Array("{\"state\":\"offline\"}".utf8), retain: true, token: 3))
        box.publish(MQTTOutgoing(topic: "oshirase/v1/alerts/bousai@city.sapporo.jp/forged", payload: Array("偽の避難指示".utf8), token: 4))
        #expect(try await outcome(of: 3, in: boxEvents)?.contains("Not authorized") == true)
        #expect(try await outcome(of: 4, in: boxEvents)?.contains("Not authorized") == true)

        // City hall's alert: taken, and delivered to the box; the box's forgery reached no one.
        cityhall.publish(MQTTOutgoing(topic: "oshirase/v1/alerts/bousai@city.sapporo.jp/JP-1", payload: Array("避難指示".utf8), token: 5))
        #expect(try await outcome(of: 5, in: cityEvents) == nil)
        let alert = try await boxEvents.waitForMessage(on: "oshirase/v1/alerts/bousai@city.sapporo.jp/JP-1")
        #expect(alert.payload == Array("避難指示".utf8))
        #expect(!boxEvents.messages.contains { $0.topic.hasSuffix("/forged") })
        // City hall reads the box's status; nobody wrote box-2's.
        _ = try await cityEvents.waitForMessage(on: "oshirase/v1/box/box-1/status")
        #expect(!cityEvents.messages.contains { $0.topic == "oshirase/v1/box/box-2/status" })
    }

    @Test func aBoxReadsNoOtherBoxAndNoGroupOfAnother() async throws {
        defer { loop.shutdown() }
        let (cityhall, cityEvents) = try client("cityhall")
        _ = try await cityEvents.waitForConnection()
        cityhall.publish(MQTTOutgoing(topic: "oshirase/v1/groups/honcho/manifest", payload: [1], retain: true, token: 1))
        cityhall.publish(MQTTOutgoing(topic: "oshirase/v1/groups/kuyakusho/manifest", payload: [2], retain: true, token: 2))
        #expect(try await outcome(of: 1, in: cityEvents) == nil)
        #expect(try await outcome(of: 2, in: cityEvents) == nil)
        let (box2, box2Events) = try client("box-2")
        _ = try await box2Events.waitForConnection()
        box2.publish(MQTTOutgoing(topic: "oshirase/v1/box/box-2/status", payload: Array("{\"state\":\"online\"}".utf8), retain: true, token: 3))
        #expect(try await outcome(of: 3, in: box2Events) == nil)
        let (_, boxEvents) = try client("box-1", subscriptions: ["oshirase/v1/groups/#", "oshirase/v1/box/#"])
        _ = try await boxEvents.waitForConnection()
        let own = try await boxEvents.waitForMessage(on: "oshirase/v1/groups/honcho/manifest")
        #expect(own.payload == [1])
        try await Task.sleep(for: .milliseconds(500))
        #expect(!boxEvents.messages.contains { $0.topic == "oshirase/v1/groups/kuyakusho/manifest" }, "another group's content reached box-1")
        #expect(!boxEvents.messages.contains { $0.topic == "oshirase/v1/box/box-2/status" }, "box-2's status reached box-1")
    }

    @Test func noCertificateOrAnotherCAsCertificateGetsNoConnection() async throws {
        defer { loop.shutdown() }
        let (_, anonymous) = try client(nil)
        let refusal = try await anonymous.wait("the anonymous client's failure") { all in
            all.compactMap { if case .disconnected(_, let reason, _) = $0 { reason } else { nil } }.first
        }
        #expect(anonymous.connections.isEmpty, "connected without a certificate (\(refusal))")

        // A broker certificate this client's CA did not sign is not trusted either.
        let other = try FleetCertificates()
        let (_, stranger) = try client("box-1", ca: other.certificateAuthority)
        let reason = try await stranger.wait("the failure against a foreign CA") { all in
            all.compactMap { if case .disconnected(_, let reason, _) = $0 { reason } else { nil } }.first
        }
        #expect(stranger.connections.isEmpty, "connected to a broker its CA did not sign (\(reason))")
    }
}
