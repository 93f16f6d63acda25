import Foundation
package import OshiraseCore
#if canImport(Glibc)
import Glibc
#endif

/// Parsers for the small value languages inside playlist files. Each returns the value or a
/// message saying what is wrong, without position (the caller knows the node).
package enum ValueParsers {
    /// A unit of the duration grammar, from the largest down.
    package enum DurationUnit: String, CaseIterable, Sendable {
        case d, h, m, s, ms

        package var seconds: Double {
            switch self {
            case .d: 86_400
            case .h: 3600
            case .m: 60
            case .s: 1
            case .ms: 0.001
            }
        }
    }

    /// The one grammar for spans of time, in playlists, the config, scenarios and the command line:
    /// numbers with units from the largest down, each unit at most once (`1d`, `1h30m`, `90s`,
    /// `0.4s`, `500ms`). A number is at most 9 ASCII digits, with one decimal point inside unless
    /// `wholeNumbers`. `units` are the ones the setting takes; `example` ends each message.
    /// Returns the seconds; zero stays zero, the range is the caller's to say.
    package static func span(_ text: String, units: [DurationUnit] = DurationUnit.allCases, wholeNumbers: Bool = false,
                            example: String) -> Result<Double, Message> {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { return .failure(Message("empty duration: \(example)")) }
        if trimmed.hasPrefix("-") { return .failure(Message("duration '\(text)' is negative: \(example)")) }
        let chars = Array(trimmed)
        var total = 0.0
        var lastRank = -1
        var i = 0
        while i < chars.count {
            var number = ""
            while i < chars.count, chars[i].isASCII, chars[i].isNumber || (chars[i] == "." && !wholeNumbers) {
                number.append(chars[i])
                i += 1
            }
            var name = ""
            while i < chars.count, chars[i].isASCII, chars[i].isLetter {
                name.append(chars[i])
                i += 1
            }
            guard !number.isEmpty, number.count <= 9, number.filter({ $0 == "." }).count <= 1,
                  number.first != ".", number.last != ".", let value = Double(number),
                  let unit = DurationUnit(rawValue: name), let rank = units.firstIndex(of: unit) else {
                return .failure(Message("bad duration '\(text)': \(example)"))
            }
            guard rank > lastRank else {
                let order = units.map(\.rawValue).joined(separator: ", ")
                return .failure(Message("bad duration '\(text)': units must come in the order \(order)"))
            }
            lastRank = rank
            total += value * unit.seconds
        }
        return .success(total)
    }

    /// `15s`, `2m`, `1h`, `1m30s`: a playlist item's time on screen, whole seconds, from 1 s to a day.
    package static func duration(_ text: String) -> Result<Int, Message> {
        span(text, units: [.h, .m, .s], wholeNumbers: true, example: "use a whole number with s, m or h, e.g. 15s, 2m, 1h30m")
            .flatMap { total in
                guard total > 0 else { return .failure(Message("duration '\(text)' is zero: an item must play for at least 1s")) }
                guard total <= 86_400 else { return .failure(Message("duration '\(text)' is longer than a day")) }
                return .success(Int(total))
            }
    }

    /// `500ms`, `0.4s`, `1s`, `1m30s`: a span of time in seconds, which may be fractional, for
    /// transitions, output intervals and the config's other times. Zero is returned as zero: the
    /// caller knows the allowed range and says it.
    package static func interval(_ text: String) -> Result<Double, Message> {
        span(text, units: [.h, .m, .s, .ms], example: "use a number with ms, s, m or h, e.g. 500ms, 0.4s, 1s, 1m30s")
    }

    /// `host:port` or `[IPv6]:port`, as in `api.listen`. IPv6 addresses come back in their
    /// shortest form (`::1`), so loopback checks compare like with like.
    package static func listenAddress(_ text: String) -> Result<(host: String, port: Int), Message> {
        let t = text.trimmingWhitespace
        let example = "write host:port, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or \"[::1]:8080\""
        let hostPart: String, portPart: String
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else {
                return .failure(Message("listen address '\(text)' opens '[' it never closes: \(example)"))
            }
            hostPart = String(t[t.index(after: t.startIndex)..<close])
            let rest = t[t.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return .failure(Message("listen address '\(text)' has no port after ']': \(example)"))
            }
            portPart = String(rest.dropFirst())
            guard let canonical = canonicalIPv6(hostPart) else {
                return .failure(Message("'\(hostPart)' in listen address '\(text)' is not an IPv6 address"))
            }
            return port(portPart, in: text, example: example).map { (canonical, $0) }
        }
        if !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return .failure(Message("listen address '\(text)' is only a port: \(example)"))
        }
        let colons = t.filter { $0 == ":" }.count
        if colons > 1 {
            return .failure(Message("listen address '\(text)': put an IPv6 address in brackets and quotes, e.g. \"[::1]:8080\""))
        }
        guard colons == 1, let colon = t.lastIndex(of: ":") else {
            return .failure(Message("listen address '\(text)' has no port: \(example)"))
        }
        hostPart = String(t[..<colon])
        portPart = String(t[t.index(after: colon)...])
        guard !hostPart.isEmpty else {
            return .failure(Message("listen address '\(text)' has no host: \(example) (0.0.0.0 listens on every IPv4 address)"))
        }
        let looksNumeric = hostPart.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        if looksNumeric {
            guard isIPv4(hostPart) else {
                return .failure(Message("'\(hostPart)' in listen address '\(text)' is not an IPv4 address (four numbers 0–255 with dots)"))
            }
        } else {
            let labels = hostPart.split(separator: ".", omittingEmptySubsequences: false)
            let valid = hostPart.count <= 253 && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
            guard valid else {
                return .failure(Message("'\(hostPart)' in listen address '\(text)' is neither an IP address nor a host name: \(example)"))
            }
        }
        return port(portPart, in: text, example: example).map { (hostPart, $0) }
    }

    private static func port(_ text: String, in address: String, example: String) -> Result<Int, Message> {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text) else {
            return .failure(Message("listen address '\(address)' has no valid port: \(example)"))
        }
        guard (1...65535).contains(n) else {
            return .failure(Message("port \(n) in listen address '\(address)' is out of range: use 1 to 65535"))
        }
        return .success(n)
    }

    private static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    /// The shortest text form of an IPv6 address, or nil when `text` is not one.
    private static func canonicalIPv6(_ text: String) -> String? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `HH:MM`, 00:00 to 23:59.
    package static func timeOfDay(_ text: String) -> Result<TimeOfDay, Message> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let h = Int(parts[0]), let m = Int(parts[1]) else {
            return .failure(Message("bad time '\(text)': write HH:MM, e.g. 08:45"))
        }
        guard let t = TimeOfDay(hour: h, minute: m) else {
            return .failure(Message("bad time '\(text)': hours go from 00 to 23 and minutes from 00 to 59"))
        }
        return .success(t)
    }

    /// `HH:MM-HH:MM`; the window may wrap midnight.
    package static func timeWindow(_ text: String) -> Result<TimeWindow, Message> {
        let parts = text.trimmingWhitespace.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(Message("bad time window '\(text)': write HH:MM-HH:MM, e.g. \"08:45-17:15\" or \"22:00-06:00\""))
        }
        let start: TimeOfDay, end: TimeOfDay
        switch timeOfDay(String(parts[0]).trimmingWhitespace) {
        case .success(let t): start = t
        case .failure(let m): return .failure(Message("in time window '\(text)': \(m.text)"))
        }
        switch timeOfDay(String(parts[1]).trimmingWhitespace) {
        case .success(let t): end = t
        case .failure(let m): return .failure(Message("in time window '\(text)': \(m.text)"))
        }
        guard start != end else {
            return .failure(Message("time window '\(text)' is empty: start and end are the same (leave out time to play all day)"))
        }
        return .success(TimeWindow(start: start, end: end))
    }

    /// `YYYY-MM-DD`.
    package static func date(_ text: String) -> Result<LocalDate, Message> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else {
            return .failure(Message("bad date '\(text)': write YYYY-MM-DD, e.g. 2026-11-01"))
        }
        guard let date = LocalDate(year: y, month: m, day: d) else {
            return .failure(Message("bad date '\(text)': there is no such day"))
        }
        return .success(date)
    }

    /// `FIRST..LAST` (inclusive; either end may be left out) or a single date.
    package static func dateRange(_ text: String) -> Result<DateRange, Message> {
        let t = text.trimmingWhitespace
        guard t.contains("..") else {
            return date(t).map { DateRange(first: $0, last: $0) }
        }
        guard let r = t.range(of: "..") else { return .failure(Message("bad date range '\(text)'")) }
        let a = String(t[..<r.lowerBound]).trimmingWhitespace, b = String(t[r.upperBound...]).trimmingWhitespace
        guard !(a.isEmpty && b.isEmpty) else {
            return .failure(Message("date range '\(text)' has neither start nor end: write 2026-11-01..2026-12-28"))
        }
        var first: LocalDate?, last: LocalDate?
        if !a.isEmpty {
            switch date(a) {
            case .success(let d): first = d
            case .failure(let m): return .failure(Message("in date range '\(text)': \(m.text)"))
            }
        }
        if !b.isEmpty {
            switch date(b) {
            case .success(let d): last = d
            case .failure(let m): return .failure(Message("in date range '\(text)': \(m.text)"))
            }
        }
        if let first, let last, last < first {
            return .failure(Message("date range '\(text)' ends (\(last)) before it starts (\(first))"))
        }
        return .success(DateRange(first: first, last: last))
    }

    /// A clock pattern (Unicode date-format letters; text in single quotes is shown as it is):
    /// it must show a time, with H, h, K, k or m outside quotes, and close every quote.
    package static func clockPattern(_ text: String) -> Result<String, Message> {
        var quoted = false
        var showsTime = false
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                if i + 1 < chars.count, chars[i + 1] == "'" {
                    i += 2  // '' is a literal quote, inside or outside quoted text
                    continue
                }
                quoted.toggle()
            } else if !quoted, "HhKkm".contains(c) {
                showsTime = true
            }
            i += 1
        }
        if quoted {
            return .failure(Message("clock format '\(text)' opens a quote (') it never closes"))
        }
        guard showsTime else {
            return .failure(Message("clock format '\(text)' shows no time: use letters such as HH:mm or HH:mm:ss (text in quotes is shown as it is)"))
        }
        return .success(text)
    }

    /// The literal text of a clock pattern (quoted parts and punctuation), which is drawn as it is.
    package static func clockLiterals(_ pattern: String) -> String {
        var out = ""
        var quoted = false
        for c in pattern {
            if c == "'" { quoted.toggle(); continue }
            if quoted || !(c.isASCII && c.isLetter) { out.append(c) }
        }
        return out
    }

    /// Whether text is an address with a scheme (`https:`, `tel:`, `mailto:`…) and no white space.
    package static func isAddress(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
              !text.contains(where: { $0.isWhitespace }) else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter else { return false }
        return scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            && text.index(after: colon) != text.endIndex
    }

    /// A message without a position.
    package struct Message: Error, Sendable, Equatable {
        package let text: String
        package init(_ text: String) { self.text = text }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
