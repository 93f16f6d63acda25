import Foundation
package import OshiraseMQTT
import Yams

/// The `fleet:` section: the broker this box dials out to, who it is there, and its
/// certificates (docs/fleet.md).
package struct FleetConfig: Sendable, Equatable {
    /// Tried in turn; all `mqtts://`, or all `mqtt://` on this machine.
    package var brokers: [MQTTEndpoint]
    /// The box's id in topics and the broker's client id: letters, digits and `-._`.
    package var id: String
    /// The groups whose content this box plays.
    package var groups: [String] = []
    /// The TLS files: the CA of the brokers, the box's certificate and key.
    package var tls: MQTTTLSFiles?
    /// Seconds between keepalive pings: the broker reports the box offline after about 1.5 times this.
    package var keepalive: Int = 30

    package init(brokers: [MQTTEndpoint], id: String) {
        self.brokers = brokers
        self.id = id
    }

    /// Box ids and group names: they become topic levels and client ids, and appear in ACLs.
    package static func isName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".")
        } && text.first != "."
    }
}

extension ConfigWalker {
    static let fleetKeys = ["brokers", "id", "groups", "ca", "cert", "key", "keepalive"]

    /// `{ brokers: [mqtts://broker.city.lan:8883], id: lobby-1, groups: [honcho], ca: ca.pem, cert: box.crt, key: box.key, keepalive: 30s }`.
    mutating func fleet(_ node: Node) -> FleetConfig? {
        guard let f = fields(node, "fleet", allowed: ConfigWalker.fleetKeys) else { return nil }
        let before = errors.count
        var brokers: [MQTTEndpoint] = []
        if let b = f["brokers"], let nodes = list(b.value, "brokers", example: "e.g. [mqtts://broker.city.lan:8883]") {
            for n in nodes {
                guard let text = string(n, "a broker") else { continue }
                do {
                    let endpoint = try MQTTEndpoint.parse(text)
                    if brokers.contains(endpoint) { fail(n, "broker \(endpoint) is listed twice") } else { brokers.append(endpoint) }
                } catch {
                    fail(n, error.description)
                }
            }
            if nodes.isEmpty { fail(b.value, "fleet.brokers lists no broker: give at least one, e.g. [mqtts://broker.city.lan:8883]") }
            if Set(brokers.map(\.usesTLS)).count > 1 {
                fail(b.value, "the brokers mix mqtts:// and mqtt://: mqtt:// is for a broker on this machine (tests, the demo) and cannot be mixed with real ones")
            }
        } else if f["brokers"] == nil {
            fail(node, "fleet needs 'brokers' (e.g. brokers: [mqtts://broker.city.lan:8883])")
        }

        var id: String?
        if let i = f["id"], let text = string(i.value, "id") {
            if FleetConfig.isName(text) { id = text } else {
                fail(i.value, "fleet id '\(text.prefix(80))' must be 1 to 64 of the characters A–Z, a–z, 0–9, - _ . (not starting with .): it names the box's topics, e.g. sapporo-honcho-1f")
            }
        } else if f["id"] == nil {
            fail(node, "fleet needs the box's 'id' (e.g. id: sapporo-honcho-1f), unique in the city")
        }

        var groups: [String] = []
        if let g = f["groups"], let nodes = list(g.value, "groups", example: "e.g. [honcho, lobby]") {
            for n in nodes {
                guard let name = string(n, "a group") else { continue }
                if !FleetConfig.isName(name) {
                    fail(n, "group '\(name.prefix(80))' must be 1 to 64 of the characters A–Z, a–z, 0–9, - _ .")
                } else if groups.contains(name) {
                    fail(n, "group '\(name)' is listed twice")
                } else {
                    groups.append(name)
                }
            }
        }

        var keepalive = 30
        if let k = f["keepalive"], let seconds = parsed(k.value, "keepalive", ValueParsers.interval) {
            if (5.0...3600.0).contains(seconds), seconds == seconds.rounded() { keepalive = Int(seconds) } else {
                fail(k.value, "fleet keepalive must be whole seconds from 5s to 1h (the broker reports a box offline after 1.5 times it)")
            }
        }

        var files: [String: String] = [:]
        for key in ["ca", "cert", "key"] {
            guard let entry = f[key], let file = path(entry.value, key) else { continue }
            let problem: String? = switch key {
            case "ca": CertificateFile.problem(file)
            case "cert": CertificateFile.certificateProblem(file)
            default: CertificateFile.keyProblem(file)
            }
            if let problem { fail(entry.value, problem) } else { files[key] = file }
        }
        let usesTLS = brokers.first?.usesTLS ?? true
        if usesTLS, !brokers.isEmpty {
            for key in ["ca", "cert", "key"] where f[key] == nil {
                fail(node, "mqtts:// brokers need fleet.\(key): \(["ca": "the CA that signed the brokers' certificates", "cert": "this box's certificate (its identity at the broker)", "key": "this box's private key"][key] ?? key)")
            }
        } else if !usesTLS, let extra = ["ca", "cert", "key"].first(where: { f[$0] != nil }), let entry = f[extra] {
            fail(entry.key, "fleet.\(extra) is for mqtts:// brokers; these are plain mqtt:// on this machine")
        }

        guard errors.count == before, let id else { return nil }
        var config = FleetConfig(brokers: brokers, id: id)
        config.groups = groups
        config.keepalive = keepalive
        if let ca = files["ca"] { config.tls = MQTTTLSFiles(certificateAuthority: ca, certificate: files["cert"], key: files["key"]) }
        return config
    }
}
