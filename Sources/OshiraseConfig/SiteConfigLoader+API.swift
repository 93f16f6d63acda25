import Foundation
import Yams

/// The `api:` section: where the API listens and its bearer tokens (docs/config.md).
extension ConfigWalker {
    // MARK: API

    mutating func api(_ node: Node) -> APIConfig? {
        guard let f = fields(node, "api", allowed: ["listen", "tokens"]) else { return nil }
        var result = APIConfig()
        var listenOK = true
        if let l = f["listen"] {
            if let address = parsed(l.value, "listen", ValueParsers.listenAddress) {
                result.host = address.host
                result.port = address.port
            } else {
                listenOK = false
            }
        }
        var tokenNodes = 0
        if let t = f["tokens"], let nodes = list(t.value, "tokens", example: "e.g. [\"a-long-random-token\"]") {
            tokenNodes = nodes.count
            var firstUse: [String: Int] = [:]
            for n in nodes {
                guard let token = string(n, "token") else { continue }
                guard token.count >= 16, token.count <= 512,
                      token.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._~+/=".unicodeScalars.contains($0)) })
                else {
                    fail(n, "a token must be 16 to 512 of the characters A–Z, a–z, 0–9 and - . _ ~ + / = (it travels in an HTTP header); make one with: openssl rand -hex 32")
                    continue
                }
                if let line = firstUse[token] {
                    fail(n, "the same token is listed twice (first at line \(line))")
                    continue
                }
                firstUse[token] = n.mark?.line ?? 0
                result.tokens.append(token)
            }
        }
        // Reads from other machines must be authorised: a box on the city's network would
        // otherwise show its screens, status and proof of play to anyone who can reach it.
        if listenOK, !result.isLoopback, tokenNodes == 0 {
            let at = f["tokens"]?.value ?? f["listen"]?.value ?? node
            fail(at, "the API listens on \(result.host), which other machines can reach: add at least one bearer token under api.tokens (make one with: openssl rand -hex 32), or listen on 127.0.0.1")
        }
        return result
    }
}
