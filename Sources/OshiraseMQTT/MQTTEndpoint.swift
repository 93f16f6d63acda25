/// One broker a client may connect to: `mqtts://host:8883` (TLS) or, on a loopback address only,
/// `mqtt://127.0.0.1:1883` (tests and the demo). Parsed once here for the box's config and for
/// city hall's tools alike.
public struct MQTTEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address, without IPv6 brackets.
    public var host: String
    /// The TCP port: 8883 for `mqtts` and 1883 for `mqtt` unless the URL says otherwise.
    public var port: Int
    /// True for `mqtts://`.
    public var usesTLS: Bool

    public init(host: String, port: Int, usesTLS: Bool) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// The URL, as an operator writes it.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(usesTLS ? "mqtts" : "mqtt")://\(shownHost):\(port)"
    }

    /// True when `host` names this machine: `localhost`, 127.0.0.0/8 or `::1`.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
        }
    }

    /// Reads `mqtts://host[:port][/]` or `mqtt://loopback[:port][/]`.
    public static func parse(_ text: String) throws(MQTTEndpointError) -> MQTTEndpoint {
        let usesTLS: Bool
        let rest: Substring
        if text.hasPrefix("mqtts://") {
            (usesTLS, rest) = (true, text.dropFirst("mqtts://".count))
        } else if text.hasPrefix("mqtt://") {
            (usesTLS, rest) = (false, text.dropFirst("mqtt://".count))
        } else {
            throw MQTTEndpointError("'\(text.prefix(100))' is not a broker URL: write mqtts://HOST:8883 (or mqtt://127.0.0.1:PORT on this machine)")
        }
        var authority = rest
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        if authority.contains(where: { "/?#@ \t".contains($0) }) {
            throw MQTTEndpointError("'\(text.prefix(100))': a broker URL holds only a host and a port (no user, path or query)")
        }
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw MQTTEndpointError("'\(text.prefix(100))': an IPv6 address needs its closing ']'")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw MQTTEndpointError("'\(text.prefix(100))': expected ':PORT' after the address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw MQTTEndpointError("'\(text.prefix(100))' names no host") }
        var port = usesTLS ? 8883 : 1883
        if let portText {
            guard let value = Int(portText), portText.allSatisfy(\.isASCII), (1...65535).contains(value) else {
                throw MQTTEndpointError("'\(text.prefix(100))': the port must be a number from 1 to 65535")
            }
            port = value
        }
        let endpoint = MQTTEndpoint(host: String(host), port: port, usesTLS: usesTLS)
        if !usesTLS && !endpoint.isLoopback {
            throw MQTTEndpointError("'\(text.prefix(100))': plain mqtt:// is accepted for this machine only (127.0.0.1, ::1, localhost); a broker elsewhere needs mqtts:// with certificates")
        }
        return endpoint
    }
}

/// A broker URL that cannot be used, with the reason.
public struct MQTTEndpointError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
