import OshiraseMQTT
import Testing

@Suite struct MQTTEndpointTests {
    @Test func readsTLSURLsWithAndWithoutPort() throws {
        #expect(try MQTTEndpoint.parse("mqtts://broker.city.sapporo.jp") == MQTTEndpoint(host: "broker.city.sapporo.jp", port: 8883, usesTLS: true))
        #expect(try MQTTEndpoint.parse("mqtts://10.1.2.3:18883/") == MQTTEndpoint(host: "10.1.2.3", port: 18883, usesTLS: true))
        #expect(try MQTTEndpoint.parse("mqtts://[fd00::5]:8883") == MQTTEndpoint(host: "fd00::5", port: 8883, usesTLS: true))
        #expect(try MQTTEndpoint.parse("mqtts://[fd00::5]:8883").description == "mqtts://[fd00::5]:8883")
    }

    @Test func plainMQTTOnlyOnThisMachine() throws {
        #expect(try MQTTEndpoint.parse("mqtt://127.0.0.1:1884").port == 1884)
        #expect(try MQTTEndpoint.parse("mqtt://localhost").port == 1883)
        #expect(try MQTTEndpoint.parse("mqtt://[::1]:2000").isLoopback)
        #expect(try MQTTEndpoint.parse("mqtt://127.8.9.10").isLoopback)
        for remote in ["mqtt://10.0.0.1:1883", "mqtt://broker.example", "mqtt://127.0.0.1.example.com", "mqtt://1270.0.0.1"] {
            let error = #expect(throws: MQTTEndpointError.self) { try MQTTEndpoint.parse(remote) }
            #expect(error?.description.contains("plain mqtt:// is accepted for this machine only") == true, "\(remote)")
        }
    }

    @Test func refusesWhatIsNotABrokerURL() {
        for (text, words) in [
            ("https://broker:8883", "is not a broker URL"),
            ("mqtts://", "names no host"),
            ("mqtts://user@broker", "only a host and a port"),
            ("mqtts://broker/topic", "only a host and a port"),
            ("mqtts://broker:0", "from 1 to 65535"),
            ("mqtts://broker:70000", "from 1 to 65535"),
            ("mqtts://broker:x", "from 1 to 65535"),
            ("mqtts://[fd00::5", "closing ']'"),
        ] {
            let error = #expect(throws: MQTTEndpointError.self) { try MQTTEndpoint.parse(text) }
            #expect(error?.description.contains(words) == true, "\(text): \(String(describing: error))")
        }
    }
}

@Suite struct MQTTBackoffTests {
    @Test func growsWithEachFailureUpToTheCapAndIsSpreadByTheDraw() {
        let base = Duration.seconds(2), cap = Duration.seconds(60)
        #expect(MQTTClient.backoff(failures: 1, base: base, cap: cap, unit: 0) == .milliseconds(100))
        #expect(MQTTClient.backoff(failures: 1, base: base, cap: cap, unit: 1) == .seconds(2))
        #expect(MQTTClient.backoff(failures: 3, base: base, cap: cap, unit: 1) == .seconds(8))
        #expect(MQTTClient.backoff(failures: 10, base: base, cap: cap, unit: 1) == .seconds(60))
        #expect(MQTTClient.backoff(failures: 1000, base: base, cap: cap, unit: 1) == .seconds(60))
        // A thousand boxes dropped at once come back spread over the whole first window.
        let first = (0...10).map { MQTTClient.backoff(failures: 1, base: base, cap: cap, unit: Double($0) / 10) }
        #expect(Set(first).count == 11)
        #expect(first.allSatisfy { $0 >= .milliseconds(100) && $0 <= .seconds(2) })
    }
}
