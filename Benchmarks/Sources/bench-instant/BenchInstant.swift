import ArgumentParser
import Foundation
import OshiraseCore

/// ISO 8601 instants, read and written: Oshirase's `Instant` against swift-foundation's
/// `Date.ISO8601FormatStyle` (scripts/bench-instant, docs/benchmarks.md). `--cold` reads and
/// writes one instant and exits, for the script to time whole processes (with `--reader none`
/// as the process's own cost); otherwise many calls are timed in this process.
@main
struct BenchInstant: ParsableCommand {
    enum Reader: String, ExpressibleByArgument { case none, instant, foundation }

    @Option(help: "instant (Oshirase's), foundation (Date.ISO8601FormatStyle), or none (the process alone).")
    var reader: Reader = .instant

    @Flag(help: "One read and write, then exit.")
    var cold = false

    @Option(help: "Reads and writes to time when not --cold.")
    var calls = 200_000

    static let texts = ["2026-11-27T09:00:00+09:00", "2026-12-31T23:59:59+09:00", "2026-02-28T00:00:00Z",
                        "2027-01-01T06:30:15-03:30"]

    func run() throws {
        let tokyo = TimeZone(identifier: "Asia/Tokyo") ?? .current
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: tokyo)
        func roundTrip(_ text: String) throws -> String {
            switch reader {
            case .none:
                return text
            case .instant:
                guard let date = Instant.parse(text) else { throw ValidationError("'\(text)' not read") }
                return Instant.format(date, in: tokyo)
            case .foundation:
                return style.format(try style.parse(text))
            }
        }
        if cold {
            print(try roundTrip(Self.texts[0]))
            return
        }
        // Both must agree before either is timed.
        for text in Self.texts {
            let expected = Instant.parse(text).map { Instant.format($0, in: tokyo) }
            let got = try roundTrip(text)
            guard reader == .none || got == expected else {
                throw ValidationError("\(reader.rawValue) reads and writes '\(text)' as \(got), not \(expected ?? "nil")")
            }
        }
        var sink = 0
        let start = ContinuousClock.now
        for i in 0..<calls { sink &+= try roundTrip(Self.texts[i & 3]).utf8.count }
        let took = ContinuousClock.now - start
        let ns = (Double(took.components.seconds) * 1e9 + Double(took.components.attoseconds) / 1e9) / Double(calls)
        print(String(format: "warm %@: %.0f ns per read and write (%d calls, %d bytes)", reader.rawValue, ns, calls, sink))
    }
}
