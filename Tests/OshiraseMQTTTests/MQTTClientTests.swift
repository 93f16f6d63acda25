import Foundation
import OshiraseMQTT
import OshiraseTestSupport
import Synchronization
import Testing

/// The client against a real Mosquitto on loopback.
@Suite(.timeLimit(.minutes(2))) struct MQTTClientTests {
    /// A client started on `loop` and connected, with the log of its events.
    func connected(_ settings: MQTTSettings, on loop: MQTTLoop) async throws -> (MQTTClient, EventLog) {
        let events = EventLog()
        let client = try MQTTClient(settings: settings, loop: loop, onEvent: events.handler)
        client.start()
        _ = try await events.waitForConnection()
        return (client, events)
    }

    func settings(_ id: String, _ broker: MosquittoBroker, subscriptions: [String] = []) throws -> MQTTSettings {
        var settings = MQTTSettings(clientID: id, endpoints: [try MQTTEndpoint.parse(broker.url)])
        settings.subscriptions = subscriptions.map { MQTTSubscription($0) }
        settings.reconnectBase = .milliseconds(300)
        // A broker restarted on a loaded machine may take seconds to listen: retry at least every
        // 2 s, so waits here are not spent in a backoff grown towards its 60 s cap.
        settings.reconnectCap = .seconds(2)
        return settings
    }

    @Test func deliversAMessageFromOneClientToAnotherAndReportsTheAcknowledgement() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        let received = EventLog(), sent = EventLog()
        let subscriber = try MQTTClient(settings: try settings("札幌-ロビー-1", broker, subscriptions: ["oshirase/v1/alerts/#"]),
                                        loop: loop, onEvent: received.handler)
        subscriber.start()
        let connection = try await received.waitForConnection()
        #expect(connection.refusedSubscriptions.isEmpty)
        #expect(!connection.sessionPresent)

        let publisher = try MQTTClient(settings: try settings("cityhall", broker), loop: loop, onEvent: sent.handler)
        publisher.start()
        _ = try await sent.waitForConnection()
        let body = Array("<alert>避難指示 豊平川</alert>".utf8)
        publisher.publish(MQTTOutgoing(topic: "oshirase/v1/alerts/bousai/JP-1", payload: body, qos: 1, token: 7))
        try await sent.wait("the acknowledgement") { events in
            events.contains(.delivered(token: 7, refusal: nil)) ? true : nil
        }
        let message = try await received.waitForMessage(on: "oshirase/v1/alerts/bousai/JP-1")
        #expect(message.payload == body)
        #expect(!message.retained)
    }

    @Test func aRetainedMessageReachesALaterSubscriberAndExpiresOnTime() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        let (publisher, sent) = try await connected(try settings("cityhall", broker), on: loop)
        publisher.publish(MQTTOutgoing(topic: "t/kept", payload: Array("残る".utf8), retain: true, token: 1))
        publisher.publish(MQTTOutgoing(topic: "t/brief", payload: Array("消える".utf8), retain: true, expiry: 1, token: 2))
        try await sent.wait("both acknowledgements") { events in
            events.contains(.delivered(token: 1, refusal: nil)) && events.contains(.delivered(token: 2, refusal: nil)) ? true : nil
        }
        try await Task.sleep(for: .milliseconds(2100))
        let later = EventLog()
        let subscriber = try MQTTClient(settings: try settings("box-1", broker, subscriptions: ["t/#"]), loop: loop,
                                        onEvent: later.handler)
        subscriber.start()
        let kept = try await later.waitForMessage(on: "t/kept")
        #expect(kept.retained && kept.payload == Array("残る".utf8))
        try await Task.sleep(for: .milliseconds(300))
        #expect(!later.messages.contains { $0.topic == "t/brief" }, "the message past its expiry was delivered")
    }

    @Test func aDurableSessionGetsWhatWasPublishedWhileAway() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        var boxSettings = try settings("box-durable", broker, subscriptions: ["oshirase/v1/alerts/#"])
        boxSettings.sessionExpiry = 3 * 86400
        let (box, first) = try await connected(boxSettings, on: loop)
        box.stop()
        try await first.wait("the stop") { $0.contains(.stopped) ? true : nil }

        let (publisher, sent) = try await connected(try settings("cityhall", broker), on: loop)
        publisher.publish(MQTTOutgoing(topic: "oshirase/v1/alerts/bousai/queued", payload: Array("留守中".utf8), token: 1))
        try await sent.wait("the acknowledgement") { $0.contains(.delivered(token: 1, refusal: nil)) ? true : nil }

        let second = EventLog()
        let back = try MQTTClient(settings: boxSettings, loop: loop, onEvent: second.handler)
        back.start()
        let connection = try await second.waitForConnection()
        #expect(connection.sessionPresent, "the broker kept no session: the session expiry was not sent")
        let queued = try await second.waitForMessage(on: "oshirase/v1/alerts/bousai/queued")
        #expect(queued.payload == Array("留守中".utf8) && !queued.retained)
    }

    @Test func aCleanSessionGetsNothingFromWhileAway() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        let boxSettings = try settings("box-clean", broker, subscriptions: ["a/#"])
        let (box, first) = try await connected(boxSettings, on: loop)
        box.stop()
        try await first.wait("the stop") { $0.contains(.stopped) ? true : nil }
        let (publisher, sent) = try await connected(try settings("cityhall", broker), on: loop)
        publisher.publish(MQTTOutgoing(topic: "a/b", payload: [1], token: 1))
        try await sent.wait("the acknowledgement") { $0.contains(.delivered(token: 1, refusal: nil)) ? true : nil }
        let second = EventLog()
        let back = try MQTTClient(settings: boxSettings, loop: loop, onEvent: second.handler)
        back.start()
        #expect(try await second.waitForConnection().sessionPresent == false)
        try await Task.sleep(for: .milliseconds(300))
        #expect(second.messages.isEmpty)
    }

    @Test func theWillIsPublishedWhenAClientStopsWithIt() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        let (_, watcher) = try await connected(try settings("watch", broker, subscriptions: ["box/+/status"]), on: loop)
        var boxSettings = try settings("box-7", broker)
        boxSettings.will = MQTTOutgoing(topic: "box/7/status", payload: Array("offline".utf8), retain: true)
        let (box, _) = try await connected(boxSettings, on: loop)
        box.publish(MQTTOutgoing(topic: "box/7/status", payload: Array("online".utf8), retain: true, token: 1))
        try await watcher.wait("online") { _ in watcher.messages.first { $0.payload == Array("online".utf8) } }
        box.stop(publishingWill: true)
        try await watcher.wait("the will") { _ in watcher.messages.first { $0.payload == Array("offline".utf8) } }
    }

    @Test func aLoopShutDownStopsItsClientsWithTheirWills() async throws {
        // A daemon cancelled rather than stopped gracefully still says its box is offline.
        let broker = try MosquittoBroker()
        try broker.start()
        let watchLoop = try MQTTLoop()
        defer { watchLoop.shutdown() }
        let (_, watcher) = try await connected(try settings("watch", broker, subscriptions: ["box/+/status"]), on: watchLoop)
        let boxLoop = try MQTTLoop()
        var boxSettings = try settings("box-8", broker)
        boxSettings.will = MQTTOutgoing(topic: "box/8/status", payload: Array("offline".utf8), retain: true)
        _ = try await connected(boxSettings, on: boxLoop)
        boxLoop.shutdown()
        try await watcher.wait("the will") { _ in watcher.messages.first { $0.payload == Array("offline".utf8) } }
    }

    @Test func movesToTheNextBrokerWhenTheFirstDoesNotAnswer() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let dead = try freeLoopbackPort()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        var failover = try settings("box-failover", broker)
        failover.endpoints.insert(try MQTTEndpoint.parse("mqtt://127.0.0.1:\(dead)"), at: 0)
        let events = EventLog()
        let box = try MQTTClient(settings: failover, loop: loop, onEvent: events.handler)
        box.start()
        let connection = try await events.waitForConnection()
        #expect(connection.endpoint.port == broker.port)
        let failures = events.all.compactMap { if case .disconnected(let endpoint, let reason, _) = $0 { (endpoint, reason) } else { nil } }
        #expect(failures.first?.0.port == dead)
        #expect(failures.first?.1.lowercased().contains("refused") == true, "\(failures)")
    }

    @Test func reconnectsAfterTheBrokerIsKilledAndComesBack() async throws {
        let broker = try MosquittoBroker(persistence: true)
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        var boxSettings = try settings("box-reconnect", broker, subscriptions: ["a/#"])
        boxSettings.sessionExpiry = 86400
        let (_, events) = try await connected(boxSettings, on: loop)
        broker.kill()
        try await events.wait("the disconnection") { events in
            events.contains { if case .disconnected = $0 { true } else { false } } ? true : nil
        }
        try broker.start()
        let again = try await events.waitForConnection(number: 2, timeout: .seconds(20))
        #expect(again.sessionPresent, "the persisted session was lost across kill -9")
    }

    @Test func aClientConnectedWhenTheBrokerIsKilledStillGetsWhatIsPublishedAfterTheRestart() async throws {
        // Its session, saved by the broker, is read back at the restart: what is published
        // while the client cannot reach the broker waits for it there.
        let broker = try MosquittoBroker(persistence: true)
        try broker.start()
        let home = broker.port
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        var boxSettings = try settings("box-crash", broker, subscriptions: ["oshirase/v1/alerts/#"])
        boxSettings.sessionExpiry = 86400
        boxSettings.reconnectBase = .milliseconds(300)
        let (_, events) = try await connected(boxSettings, on: loop)
        try await Task.sleep(for: .milliseconds(300))
        broker.kill()
        // Back on another port, where the box cannot reach it, for the publish.
        try broker.move(to: try freeLoopbackPort())
        try broker.start()
        let (publisher, sent) = try await connected(try settings("cityhall", broker), on: loop)
        publisher.publish(MQTTOutgoing(topic: "oshirase/v1/alerts/bousai/after-restart", payload: Array("再起動後".utf8), retain: true, token: 1))
        try await sent.wait("the acknowledgement") { $0.contains(.delivered(token: 1, refusal: nil)) ? true : nil }
        publisher.stop()
        try await broker.waitUntilSaved("oshirase/v1/alerts/bousai/after-restart")
        broker.kill()
        try broker.move(to: home)
        try broker.start()
        let again = try await events.waitForConnection(number: 2, timeout: .seconds(20))
        #expect(again.sessionPresent, "the broker did not keep the session: this test no longer shows what it is for")
        let message = try await events.waitForMessage(on: "oshirase/v1/alerts/bousai/after-restart", timeout: .seconds(10))
        #expect(message.payload == Array("再起動後".utf8))
    }

    @Test func worksWithDescriptorNumbersAbove1024() async throws {
        // libmosquitto's own loops use select(2), which fails from descriptor 1024 on.
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur >= 1200 || { limit.rlim_cur = min(limit.rlim_max, 4096); return setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 }() else {
            Issue.record("cannot raise the descriptor limit to 1200 (hard limit \(limit.rlim_max))")
            return
        }
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        while held.last.map({ $0 < 1100 }) ?? true {
            let fd = open("/dev/null", O_RDONLY)
            guard fd >= 0 else { Issue.record("open: \(String(cString: strerror(errno)))"); return }
            held.append(fd)
        }
        let broker = try MosquittoBroker()
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        let (box, events) = try await connected(try settings("box-high-fd", broker, subscriptions: ["x"]), on: loop)
        box.publish(MQTTOutgoing(topic: "x", payload: Array("高い番号".utf8), token: 1))
        #expect(try await events.waitForMessage(on: "x").payload == Array("高い番号".utf8))
    }

    @Test func refusesSettingsItCannotUse() throws {
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        let tls = try MQTTEndpoint.parse("mqtts://broker.example")
        let plain = try MQTTEndpoint.parse("mqtt://127.0.0.1:1883")
        func error(_ settings: MQTTSettings) -> String? {
            #expect(throws: MQTTError.self) { _ = try MQTTClient(settings: settings, loop: loop) { _ in } }?.description
        }
        #expect(error(MQTTSettings(clientID: "a", endpoints: []))?.contains("no broker") == true)
        #expect(error(MQTTSettings(clientID: "a", endpoints: [tls, plain]))?.contains("same scheme") == true)
        #expect(error(MQTTSettings(clientID: "a", endpoints: [tls]))?.contains("certificate authority") == true)
        var missing = MQTTSettings(clientID: "a", endpoints: [tls])
        missing.tls = MQTTTLSFiles(certificateAuthority: "/nonexistent/ca.pem")
        #expect(error(missing) == "/nonexistent/ca.pem: cannot be read (no such file)")
        var keepalive = MQTTSettings(clientID: "a", endpoints: [plain])
        keepalive.keepalive = 2
        #expect(error(keepalive)?.contains("from 5 to 65535") == true)
    }
}

extension MQTTClientTests {
    /// A fleet view subscribes to every box's retained topics at once. Mosquitto drops QoS 0
    /// messages for a client once `max_queued_messages` packets wait for it (1,000 by default:
    /// this view then got 2,836 of 4,001 reading a packet per wake-up, 3,932 to all of them
    /// reading up to 256), so a fleet's broker sizes it (docs/fleet.md) and the view gets all.
    @Test func aFleetViewGetsEveryRetainedMessageFromABrokerSizedForTheFleet() async throws {
        let broker = try MosquittoBroker(maxQueuedMessages: 20_000)
        try broker.start()
        let loop = try MQTTLoop()
        defer { loop.shutdown() }
        let (publisher, sent) = try await connected(try settings("fleet-boxes", broker), on: loop)
        let count = 4000
        let thumbnail = [UInt8](repeating: 0xD8, count: 3302)
        for index in 0..<count {
            publisher.publish(MQTTOutgoing(topic: "oshirase/v1/box/light-\(index)/display/lobby/thumb", payload: thumbnail, qos: 0, retain: true))
        }
        // In order after them: once it is acknowledged, the broker holds them all.
        publisher.publish(MQTTOutgoing(topic: "oshirase/v1/box/last/status", payload: Array("online".utf8), qos: 1, retain: true, token: 7))
        try await sent.wait("the acknowledgement", timeout: .seconds(30)) { $0.contains(.delivered(token: 7, refusal: nil)) ? true : nil }

        // The view counts and does nothing else, as a view takes each message into its directory.
        let received = Counter()
        var viewSettings = try settings("fleet-view", broker)
        viewSettings.subscriptions = [MQTTSubscription("oshirase/v1/box/#", qos: 0)]
        let viewer = try MQTTClient(settings: viewSettings, loop: try MQTTLoop(name: "view")) { event in
            if case .message(let message) = event, message.retained { received.value.add(1, ordering: .relaxed) }
        }
        viewer.start()
        defer { viewer.stop() }
        let deadline = ContinuousClock.now + .seconds(30)
        while received.value.load(ordering: .relaxed) < count + 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(received.value.load(ordering: .relaxed) == count + 1, "the view got only some of the retained messages")
    }
}

/// A count shared with a client's loop thread.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
