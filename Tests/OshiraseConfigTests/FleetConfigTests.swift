import Foundation
import OshiraseMQTT
@testable import OshiraseConfig
import Testing

/// The `fleet:` section: the broker a box dials out to, its id, groups and certificates.
@Suite("The fleet in the config")
struct FleetConfigTests {
    /// A lobby (lines 5–7), then `fleet:` at line 8.
    static let head = configHead + """
          - name: lobby
            profile: lcd-1080p
            output: { kind: memory }
        fleet:

        """
    static let tls = repositoryRoot.appendingPathComponent("fixtures/tls").path

    @Test func noFleetSectionNoBroker() throws {
        #expect(try siteConfig(configHead + "  - name: lobby\n    profile: lcd-1080p\n    output: { kind: memory }\n").fleet == nil)
    }

    @Test func everyKeyIsRead() throws {
        let config = try siteConfig(Self.head + """
              brokers: [mqtts://broker-1.city.lan:8883, "mqtts://[fd00::2]"]
              id: sapporo-honcho-1f
              groups: [honcho, lobby]
              ca: \(Self.tls)/ca.pem
              cert: \(Self.tls)/server.pem
              key: \(Self.tls)/server-key.pem
              keepalive: 1m
            """)
        let fleet = try #require(config.fleet)
        #expect(fleet.brokers == [MQTTEndpoint(host: "broker-1.city.lan", port: 8883, usesTLS: true),
                                  MQTTEndpoint(host: "fd00::2", port: 8883, usesTLS: true)])
        #expect(fleet.id == "sapporo-honcho-1f" && fleet.groups == ["honcho", "lobby"] && fleet.keepalive == 60)
        #expect(fleet.tls == MQTTTLSFiles(certificateAuthority: "\(Self.tls)/ca.pem", certificate: "\(Self.tls)/server.pem",
                                          key: "\(Self.tls)/server-key.pem"))
    }

    @Test func aLoopbackBrokerNeedsNoCertificates() throws {
        let fleet = try #require(try siteConfig(Self.head + "  brokers: [mqtt://127.0.0.1:1883]\n  id: demo\n").fleet)
        #expect(fleet.tls == nil && fleet.keepalive == 30 && fleet.groups.isEmpty)
    }

    @Test(arguments: [
        ("  brokers: [mqtt://10.0.0.5:1883]\n  id: a\n", 9, 13, "plain mqtt:// is accepted for this machine only"),
        ("  brokers: []\n  id: a\n", 9, 12, "lists no broker"),
        ("  id: a\n", 9, 3, "fleet needs 'brokers'"),
        ("  brokers: [mqtt://127.0.0.1:1]\n", 9, 3, "needs the box's 'id'"),
        ("  brokers: [mqtt://127.0.0.1:1]\n  id: 1f/lobby\n", 10, 7, "must be 1 to 64 of the characters"),
        ("  brokers: [mqtt://127.0.0.1:1]\n  id: a\n  groups: [\"#\"]\n", 11, 12, "group '#'"),
        ("  brokers: [mqtt://127.0.0.1:1, mqtt://127.0.0.1:1]\n  id: a\n", 9, 33, "listed twice"),
        ("  brokers: [mqtt://127.0.0.1:1]\n  id: a\n  keepalive: 2s\n", 11, 14, "from 5s to 1h"),
        ("  brokers: [mqtt://127.0.0.1:1]\n  id: a\n  ca: /etc/ssl/certs/none.pem\n", 11, 3, "for mqtts:// brokers"),
        ("  brokers: [mqtts://broker:8883]\n  id: a\n", 9, 3, "need fleet.ca"),
        ("  brokers: [mqtt://127.0.0.1:1]\n  id: a\n  port: 1883\n", 11, 3, "unknown key 'port'"),
    ])
    func refusesWhatCannotWork(yaml: String, line: Int, column: Int, words: String) throws {
        let found = configProblems(Self.head + yaml)
        let match = found.first { $0.message.contains(words) }
        let error = try #require(match, "no problem with '\(words)' among \(found.map(\.description))")
        #expect(error.line == line && error.column == column, "\(error.description)")
    }

    @Test func saysWhichCertificateFileIsWrong() throws {
        let found = configProblems(Self.head + """
              brokers: [mqtts://broker:8883]
              id: a
              ca: \(Self.tls)/server-key.pem
              cert: \(Self.tls)/server-key.pem
              key: \(Self.tls)/server.pem
            """)
        #expect(found.count == 3, "\(found.map(\.description))")
        #expect(found.contains { $0.line == 11 && $0.message.contains("holds a private key") })
        #expect(found.contains { $0.line == 12 && $0.message.contains("holds no PEM certificate") })
        #expect(found.contains { $0.line == 13 && $0.message.contains("holds no PEM private key") })
        // Nothing of a key file's content reaches a message.
        let keyText = try String(contentsOfFile: "\(Self.tls)/server-key.pem", encoding: .utf8)
        let secret = keyText.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        #expect(!found.contains { $0.message.contains(secret) })
    }
}
