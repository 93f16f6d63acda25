import Foundation
import OshiraseCore
import OshiraseImaging
import OshiraseRender
import Testing

@Suite("Ticker scrolling")
struct TickerTests {
    static let text = "本日は大雪のため市バスに遅れが出ています。お出かけの際は最新の運行情報をご確認ください。"

    /// Per column of `rect`, how many pixels are ticker ink (the yellow text colour, gamma or not).
    static func inkColumns(_ frame: Bitmap, in rect: Rect) -> [Int] {
        (Int(rect.x)..<Int(rect.maxX)).map { x in
            var n = 0
            for y in Int(rect.y)..<Int(rect.maxY) {
                let p = frame.rgb(x, y)
                if p.r > 150 && p.g > 120 && p.b < 120 { n += 1 }
            }
            return n
        }
    }

    /// The leftward shift s (0...maxShift) that best maps `before` onto `after`: after[x] ≈ before[x + s].
    static func bestLeftShift(before: [Int], after: [Int], maxShift: Int) -> Int {
        var best = (shift: -1, cost: Double.infinity)
        for s in 0...maxShift {
            let overlap = before.count - s
            guard overlap > before.count / 3 else { break }
            var cost = 0.0
            for x in 0..<overlap { cost += Double(abs(after[x] - before[x + s])) }
            cost /= Double(overlap)
            if cost < best.cost { best = (s, cost) }
        }
        return best.shift
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let profile: DisplayProfile
        let speed: Double
        let inTickerZone: Bool
        var testDescription: String { "\(profile.name) speed \(speed) \(inTickerZone ? "ticker zone" : "main zone")" }
    }

    @Test("One second later the ticker text has moved left by its speed", arguments: [
        Case(profile: .lcd1080p, speed: 0, inTickerZone: true),
        Case(profile: .lcd1080p, speed: 120, inTickerZone: true),
        Case(profile: .dsignClean, speed: 0, inTickerZone: true),
        Case(profile: .ledVision, speed: 0, inTickerZone: true),
        Case(profile: .ledVision, speed: 30, inTickerZone: true),
        Case(profile: .lcd1080p, speed: 0, inTickerZone: false),
        Case(profile: .ledVision, speed: 0, inTickerZone: false),
    ])
    func textMovesLeftBySpeedEachSecond(c: Case) throws {
        let renderer = makeRenderer()
        let content = Content.ticker(text: Self.text, speed: c.speed)
        func frame(at elapsed: Double) throws -> Bitmap {
            c.inTickerZone
                ? try renderer.render(scene(c.profile, main: .clock(format: "HH:mm"), ticker: content, tickerElapsed: elapsed))
                : try renderer.render(scene(c.profile, main: content, mainElapsed: elapsed))
        }
        let zones = c.profile.zones(for: c.inTickerZone ? .mainTicker : .full)
        let rect = c.inTickerZone ? try #require(zones.ticker) : zones.main
        let first = try frame(at: 2), second = try frame(at: 3)
        let before = Self.inkColumns(first, in: rect), after = Self.inkColumns(second, in: rect)
        #expect(before != after, "the two frames one second apart are the same")
        #expect(before.reduce(0, +) > 100, "no ticker ink found")
        let speed = c.speed > 0 ? c.speed : c.profile.tickerSpeed
        let shift = Self.bestLeftShift(before: before, after: after, maxShift: Int(speed * 2))
        #expect(abs(Double(shift) - speed) <= 2, "moved \(shift) px in 1 s, expected \(speed)")
    }

    @Test("At the start of its slot the ticker text begins readable near the left edge")
    func tickerStartsAtTheLeftEdge() throws {
        let profile = DisplayProfile.lcd1080p
        let frame = try makeRenderer().render(scene(profile, main: .clock(format: "HH:mm"),
                                                    ticker: .ticker(text: Self.text, speed: 0), tickerElapsed: 0))
        let rect = try #require(profile.zones(for: .mainTicker).ticker)
        let columns = Self.inkColumns(frame, in: rect)
        let firstInk = try #require(columns.firstIndex { $0 > 0 })
        #expect(firstInk > 0 && Double(firstInk) < rect.height, "first ink column \(firstInk)")
    }

    @Test("Ticker ink never leaves the ticker band")
    func tickerInkStaysInItsBand() throws {
        let profile = DisplayProfile.lcd1080p
        let rect = try #require(profile.zones(for: .mainTicker).ticker)
        // A main zone in a theme without yellow, so any yellow outside the band would be ticker overflow.
        let frame = try makeRenderer().render(scene(profile, main: announcement(.info, title: "お知らせ", body: "本日の窓口"),
                                                    ticker: .ticker(text: Self.text, speed: 0), tickerElapsed: 1.5))
        let above = Rect(x: 0, y: 0, width: Double(profile.width), height: rect.y)
        #expect(frame.count(in: above) { $0 > 150 && $1 > 120 && $2 < 120 } == 0)
    }
}
