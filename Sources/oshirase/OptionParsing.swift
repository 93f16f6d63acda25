import ArgumentParser
import Foundation
import OshiraseConfig

// Option values the commands share: CAP enumerations and spans of time.

/// A CAP enumeration value, case-insensitively, or an error listing the allowed ones.
func enumeration<E: RawRepresentable & CaseIterable>(_: E.Type, _ text: String, option: String, what: String) throws -> E
    where E.RawValue == String {
    if let match = E.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) { return match }
    throw ValidationError("\(option) '\(text)' is not a CAP \(what); use one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
}

/// `2h`, `30m`, `90s`, `1d`, `1h30m`, `0.5s` as a duration (the config's grammar,
/// `ValueParsers.span`), within `range` seconds.
func parseDuration(_ text: String, option: String, range: ClosedRange<Double>) throws -> Duration {
    let example = "write e.g. 30m, 2h, 1d or 1h30m"
    guard case .success(let total) = ValueParsers.span(text, example: example) else {
        throw ValidationError("\(option) '\(text)' is not a duration; \(example) (units from the largest down, each once: d, h, m, s, ms)")
    }
    guard range.contains(total) else {
        throw ValidationError("\(option) '\(text)' is out of range (\(spanText(range.lowerBound)) to \(spanText(range.upperBound)))")
    }
    return .milliseconds(Int64((total * 1000).rounded()))
}

/// `90s`, `5m`, `1d`: a bound of an option's range, in the span grammar.
func spanText(_ seconds: Double) -> String {
    if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
    if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
    return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var timeInterval: TimeInterval {
        let (whole, atto) = components
        return TimeInterval(whole) + TimeInterval(atto) / 1e18
    }
}
