package import Foundation
import OshiraseCore

/// How proof of play, screening counts and the push audit are written as JSON, by
/// `oshirase report --format json` and by the API alike: each record through its `Codable`
/// conformance, keys sorted, instants as ISO 8601 with `zone`'s offset (nil: UTC, with `Z`) and
/// milliseconds when they have some (docs/proof-of-play.md).
package enum RecordJSON {
    package static func encoder(timeZone zone: TimeZone?, pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(zone.map { Instant.format(date, in: $0, milliseconds: true) }
                                 ?? Instant.formatUTC(date, milliseconds: true))
        }
        return encoder
    }

    /// The length of a showing in seconds, exact to the millisecond (15, 10.5, 0.125).
    package static func seconds(from start: Date, to end: Date) -> Decimal {
        let ms = Int64((end.timeIntervalSince1970 * 1000).rounded()) - Int64((start.timeIntervalSince1970 * 1000).rounded())
        return Decimal(ms) / 1000
    }
}
