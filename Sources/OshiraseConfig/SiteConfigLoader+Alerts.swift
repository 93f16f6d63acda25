import Foundation
import OshiraseCAP
import OshiraseCore
import OshiraseSigning
import Yams

/// The `alerts:` section: trusted keys, the box's area, languages, takeover, levels and feeds (docs/alerts.md).
extension ConfigWalker {
    // MARK: Alerts

    static let alertKeys = ["keys", "location", "geocodes", "exercises", "max-duration", "languages", "takeover", "levels",
                            "rotate", "kiosk-panel", "feeds"]

    mutating func alerts(_ node: Node) -> AlertsConfig? {
        guard let f = fields(node, "alerts", allowed: ConfigWalker.alertKeys) else { return nil }
        var result = AlertsConfig()
        if let k = f["keys"], let nodes = list(k.value, "keys", example: "one line per key, as `oshirase keygen` prints it in NAME.pub") {
            // Two keys may share an id while city hall rotates (the old and the new); the same
            // key twice is a copy-and-paste slip.
            var seen: [[UInt8]: Int] = [:]
            for n in nodes {
                // A key line, or { key: LINE, senders: [...] } to limit the CAP senders it speaks for.
                var keyNode = n
                var senders: [String] = []
                if n.mapping != nil {
                    guard let entry = fields(n, "a key", allowed: ["key", "senders"]) else { continue }
                    guard let k = entry["key"] else {
                        fail(n, "a key entry needs its 'key' (the .pub line)")
                        continue
                    }
                    keyNode = k.value
                    if let sn = entry["senders"] { senders = self.senders(sn.value) }
                }
                guard let line = string(keyNode, "key") else { continue }
                var key: PublicKeyLine
                do {
                    let trusted = try TrustedKey.parse(line)
                    key = PublicKeyLine(id: trusted.keyID, publicKey: trusted.publicKeyBytes)
                } catch {
                    let why = error.kind == .privateKeyGiven ? "this is the private key (.key): never put it in the config" : error.message
                    fail(keyNode, "a key must be the line `oshirase keygen` writes to NAME.pub, oshirase-ed25519 KEYID BASE64: \(why)")
                    continue
                }
                key.senders = senders
                if let first = seen[key.publicKey] {
                    fail(n, "this key is listed twice (first at line \(first))")
                    continue
                }
                seen[key.publicKey] = n.mark?.line ?? 0
                result.keys.append(key)
            }
        }
        if let l = f["location"] { result.policy.location = location(l.value) }
        if let g = f["geocodes"], let nodes = list(g.value, "geocodes", example: "e.g. - { name: JIS, value: \"01101\" }") {
            for n in nodes {
                guard let pair = fields(n, "a geocode", allowed: ["name", "value"]) else { continue }
                guard let name = pair["name"].flatMap({ string($0.value, "name") }),
                      let value = pair["value"].flatMap({ string($0.value, "value") }) else {
                    if pair["name"] == nil || pair["value"] == nil { fail(n, "a geocode needs its 'name' (the CAP valueName) and 'value'") }
                    continue
                }
                result.policy.geocodes.append(CAPValuePair(valueName: name, value: value))
            }
        }
        if let e = f["exercises"], let value = boolean(e.value, "exercises") { result.policy.showsExercises = value }
        if let d = f["max-duration"], let seconds = parsed(d.value, "max-duration", ValueParsers.interval) {
            if (60.0...(7 * 86400.0)).contains(seconds) { result.policy.maximumDuration = seconds } else {
                fail(d.value, "max-duration must be from 1m to 7 days (168h): how long an alert without expires stays on screen")
            }
        }
        if let l = f["languages"], let nodes = list(l.value, "languages", example: "e.g. [ja-JP, en-US, zh-CN, ko-KR]") {
            var languages: [String] = []
            for n in nodes {
                guard let tag = string(n, "language") else { continue }
                if LanguageTag.isValid(tag) { languages.append(tag) } else { fail(n, "'\(tag)' is not a language tag: write it as CAP does, e.g. ja-JP or en-US") }
            }
            if nodes.isEmpty { fail(l.value, "languages is empty: leave it out for ja-JP, en-US, zh-CN, ko-KR") }
            if !languages.isEmpty { result.policy.languages = languages }
        }
        if let t = f["takeover"], let nodes = list(t.value, "takeover", example: "e.g. [Extreme, Severe]") {
            var set = Set<CAPSeverity>()
            for n in nodes { if let s = severity(n) { set.insert(s) } }
            result.policy.takeover = set
        }
        if let l = f["levels"], let levels = fields(l.value, "levels", allowed: CAPSeverity.allCases.map(\.rawValue)) {
            for (name, pair) in levels {
                guard let severity = CAPSeverity(rawValue: name), let level = integer(pair.value, "level", in: 1...5) else { continue }
                result.policy.levels[severity] = level
            }
        }
        if let r = f["rotate"], let seconds = parsed(r.value, "rotate", ValueParsers.interval) {
            if (2.0...120.0).contains(seconds) { result.policy.rotateSeconds = seconds } else {
                fail(r.value, "rotate must be from 2s to 2m: how long each language of an alert stays")
            }
        }
        if let fe = f["feeds"], let nodes = list(fe.value, "feeds", example: "e.g. - { url: https://bousai.city.sapporo.jp/cap/index.atom }") {
            var firstLine: [String: Int] = [:]
            for n in nodes {
                // Repeats are found by the URL as written, so they show with the feeds' other problems.
                if let urlNode = n.mapping?["url"], let url = urlNode.scalar?.string {
                    // Scheme and host are compared without case, as URLs are.
                    var key = url
                    if var parts = URLComponents(string: url) {
                        let (scheme, host) = (parts.scheme?.lowercased(), parts.host?.lowercased())
                        parts.scheme = scheme
                        parts.host = host
                        key = parts.string ?? url
                    }
                    if let line = firstLine[key] {
                        fail(urlNode, "feed \(url) is listed twice (first at line \(line)): each feed is polled once")
                        continue
                    }
                    firstLine[key] = n.mark?.line ?? 0
                }
                if let feed = feed(n) { result.feeds.append(feed) }
            }
        }
        if let k = f["kiosk-panel"] {
            switch string(k.value, "kiosk-panel") {
            case "keep": result.policy.kioskKeepsPanel = true
            case "cover": result.policy.kioskKeepsPanel = false
            case let other?: fail(k.value, "kiosk-panel must be keep (the thermometer keeps working under a takeover) or cover, not '\(other)'")
            case nil: break
            }
        }
        return result
    }

    /// `{ url: https://…, interval: 1m, senders: [bousai@city.sapporo.jp], proxy: http://proxy:8080, ca: city-ca.pem }`.
    mutating func feed(_ node: Node) -> FeedConfig? {
        guard let f = fields(node, "a feed", allowed: ["url", "interval", "senders", "proxy", "ca"]) else { return nil }
        let before = errors.count
        var url: String?
        if let u = f["url"], let text = string(u.value, "url") {
            let lower = text.lowercased()
            let parts = URLComponents(string: text)
            if parts?.user != nil || parts?.password != nil {
                fail(u.value, "feed url '\(parts?.host ?? "")…' carries a user name or password: it would end up in logs and the audit; give the feed a URL without credentials")
            } else if (lower.hasPrefix("http://") || lower.hasPrefix("https://")), parts?.host?.isEmpty == false, !text.contains(" ") {
                url = text
            } else {
                fail(u.value, "feed url '\(text)' must be an http:// or https:// address of an Atom index or a CAP document")
            }
        } else if f["url"] == nil {
            fail(node, "a feed needs its 'url'")
        }
        var feed = FeedConfig(url: url ?? "")
        if let i = f["interval"], let seconds = parsed(i.value, "interval", ValueParsers.interval) {
            if (10.0...3600.0).contains(seconds) { feed.interval = seconds } else {
                fail(i.value, "a feed interval must be from 10s to 1h")
            }
        }
        if let sn = f["senders"] {
            feed.senders = senders(sn.value)
            if !feed.senders.isEmpty, let url, !url.lowercased().hasPrefix("https://") {
                fail(sn.key, "senders are trusted only over https: this feed is plain http, so only signed messages are accepted from it")
            }
        }
        if let p = f["proxy"], let text = string(p.value, "proxy") {
            let parts = URLComponents(string: text)
            let schemes = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]
            if text == "none" {
                feed.proxy = ""
            } else if let scheme = parts?.scheme?.lowercased(), schemes.contains(scheme), parts?.host?.isEmpty == false {
                feed.proxy = text
            } else {
                fail(p.value, "proxy '\(text)' must be a proxy URL such as http://proxy.city.lan:8080 (schemes: \(schemes.joined(separator: ", "))), or none to connect directly whatever the environment says")
            }
        }
        if let c = f["ca"], let file = path(c.value, "ca") {
            if let problem = CertificateFile.problem(file) { fail(c.value, problem) } else { feed.caFile = file }
        }
        guard errors.count == before, url != nil else { return nil }
        return feed
    }

    /// A list of CAP senders (`[bousai@city.sapporo.jp]`), each one the standard allows, none twice.
    mutating func senders(_ node: Node) -> [String] {
        guard let nodes = list(node, "senders", example: "e.g. [bousai@city.sapporo.jp]") else { return [] }
        var result: [String] = []
        for n in nodes {
            guard let sender = string(n, "sender") else { continue }
            if let problem = CAPParser.identifierProblem(sender) {
                fail(n, "sender '\(sender)' \(problem) (a CAP sender looks like bousai@city.sapporo.jp)")
            } else if result.contains(sender) {
                fail(n, "sender '\(sender)' is listed twice")
            } else {
                result.append(sender)
            }
        }
        return result
    }

    mutating func severity(_ node: Node) -> CAPSeverity? {
        guard let text = string(node, "severity") else { return nil }
        if let s = CAPSeverity(rawValue: text) { return s }
        let names = CAPSeverity.allCases.map(\.rawValue)
        var message = "unknown severity '\(text)'"
        if let guess = closest(text, in: names) { message += "; did you mean '\(guess)'?" }
        fail(node, message + " (CAP's: \(names.joined(separator: ", ")))")
        return nil
    }

    /// `{ latitude: 43.0556, longitude: 141.3406 }`: where the box is, for alert areas.
    mutating func location(_ node: Node) -> CAPPoint? {
        guard let f = fields(node, "location", allowed: ["latitude", "longitude"]) else { return nil }
        guard let lat = f["latitude"].flatMap({ number($0.value, "latitude") }),
              let lon = f["longitude"].flatMap({ number($0.value, "longitude") }) else {
            if f["latitude"] == nil || f["longitude"] == nil {
                fail(node, "location needs 'latitude' and 'longitude' in degrees (WGS 84), e.g. { latitude: 43.0556, longitude: 141.3406 }")
            }
            return nil
        }
        guard (-90.0...90.0).contains(lat), (-180.0...180.0).contains(lon) else {
            fail(node, "location \(lat), \(lon) is not on Earth: latitude is -90 to 90, longitude -180 to 180 (Sapporo is 43.06, 141.35)")
            return nil
        }
        return CAPPoint(latitude: lat, longitude: lon)
    }
}
