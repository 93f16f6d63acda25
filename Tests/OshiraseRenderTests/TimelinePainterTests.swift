import Foundation
import OshiraseCore
import OshiraseImaging
import OshiraseRender
import Testing

@Suite("Timeline picture")
struct TimelinePainterTests {
    static let from = fridayMorning                       // 09:00
    static let to = fridayMorning.addingTimeInterval(3 * 3600)  // 12:00

    /// A lobby playlist: an info card 09:00–10:00, a warning card 10:00–11:00, nothing after; a ticker all day.
    static let playlist = Playlist(name: "本庁舎1階ロビー", path: "/tmp/01-lobby.yaml", layout: .mainTicker, items: [
        Item(id: "mynumber", content: .announcement(Announcement(category: .info, title: "マイナンバーカードの申請", body: "")),
             duration: 3600, schedule: Schedule(time: window("09:00", "10:00"))),
        Item(id: "snow-removal", content: .announcement(Announcement(category: .warning, title: "大雪に備えて", body: "")),
             duration: 3600, schedule: Schedule(time: window("10:00", "11:00"))),
        Item(id: "welcome", content: .ticker(text: "札幌市役所へようこそ。", speed: 0), duration: 600, zone: .ticker),
    ])

    static func window(_ a: String, _ b: String) -> TimeWindow {
        func t(_ s: String) -> TimeOfDay {
            let p = s.split(separator: ":").map { Int($0)! }
            return TimeOfDay(hour: p[0], minute: p[1])!
        }
        return TimeWindow(start: t(a), end: t(b))
    }

    @Test("The timeline has the documented size and one coloured block per slot, by category")
    func paintsColouredBlocks() throws {
        let engine = ScheduleEngine(playlists: [Self.playlist])
        let zones: [Zone] = [.main, .ticker]
        let slots = zones.flatMap { engine.timeline(in: $0, from: Self.from, to: Self.to) }
        #expect(slots.filter { $0.zone == .main }.map(\.label) == ["mynumber", "snow-removal", "idle"])

        let width = 1800
        let picture = try TimelinePainter(phraseModel: phraseModel)
            .paint(slots: slots, zones: zones, from: Self.from, to: Self.to, timeZone: .tokyo, title: "本庁舎1階ロビー — lcd-1080p", width: width)
        #expect(picture.width == width)
        #expect(picture.height == Int(110 + 2 * (90.0 + 16) + 90))

        // Geometry of the painter: 140 px of labels on the left, 30 on the right, rows of 90 from y = 110.
        let left = 140.0, plot = Double(width) - 140 - 30, top = 110.0
        func x(_ hours: Double) -> Double { left + plot * hours / 3 }
        /// The right part of a block, away from its label and hairline.
        func blockSample(hours: ClosedRange<Double>, row: Int) -> Rect {
            let x0 = x(hours.lowerBound), x1 = x(hours.upperBound)
            return Rect(x: x0 + (x1 - x0) * 0.6, y: top + Double(row) * 106 + 10, width: (x1 - x0) * 0.35, height: 70)
        }
        let info = picture.mean(in: blockSample(hours: 0...1, row: 0))
        let warning = picture.mean(in: blockSample(hours: 1...2, row: 0))
        let idle = picture.mean(in: blockSample(hours: 2...3, row: 0))
        #expect(info.isClose(to: Theme.forCategory(.info).background), "info block \(info)")
        #expect(warning.isClose(to: Theme.forCategory(.warning).background), "warning block \(warning)")
        #expect(idle.isClose(to: RGB(0xCF, 0xD8, 0xDC)), "idle block \(idle)")
        // The ticker row is filled in the ticker colour across the whole span.
        for block in 0..<18 {
            let start = Double(block) / 6
            let sample = Rect(x: x(start + 1.0 / 6 * 0.3), y: top + 106 + 3, width: x(start + 1.0 / 6 * 0.9) - x(start + 1.0 / 6 * 0.3), height: 8)
            #expect(picture.mean(in: sample).isClose(to: Theme.ticker.background), "ticker block \(block)")
        }
        // The background outside the rows is the light page colour.
        #expect(picture.mean(in: Rect(x: 2, y: Double(picture.height) - 10, width: 100, height: 8)).isClose(to: RGB(0xFA, 0xFA, 0xFA)))
        #expect(!picture.isAllBlack)
    }

    @Test("A wider picture and a single zone change the size accordingly")
    func sizeFollowsWidthAndZones() throws {
        let engine = ScheduleEngine(playlists: [Self.playlist])
        let slots = engine.timeline(in: .main, from: Self.from, to: Self.to)
        let picture = try TimelinePainter(phraseModel: phraseModel)
            .paint(slots: slots, zones: [.main], from: Self.from, to: Self.to, timeZone: .tokyo, title: "main", width: 2400)
        #expect(picture.width == 2400 && picture.height == Int(110 + 106 + 90))
    }

    @Test("Many short slots and long labels paint without trouble")
    func manyShortSlots() throws {
        let items = (0..<40).map { n in
            Item(id: "announcement-\(n)-本庁舎1階正面玄関にて検温と消毒にご協力ください", content: .clock(format: "HH:mm"), duration: 7)
        }
        let engine = ScheduleEngine(playlists: [Playlist(name: "札幌", path: "/tmp/a.yaml", items: items)])
        let slots = engine.timeline(in: .main, from: Self.from, to: Self.from.addingTimeInterval(3600))
        #expect(slots.count > 100)
        let picture = try TimelinePainter(phraseModel: phraseModel)
            .paint(slots: slots, zones: [.main], from: Self.from, to: Self.from.addingTimeInterval(3600), timeZone: .tokyo, title: "短い枠")
        #expect(picture.width == 1800 && picture.distinctColors() > 3)
    }

    @Test("Over a long span, a rotation of short slots is one block listing its items with their colours")
    func shortSlotsOverADayBecomeRotationBlocks() throws {
        let notice = Item(id: "counter-hours", content: .announcement(Announcement(category: .notice, title: "窓口の受付時間", body: "")),
                          duration: 30)
        let warning = Item(id: "snow-removal", content: .announcement(Announcement(category: .warning, title: "大雪に備えて", body: "")),
                           duration: 10)
        let engine = ScheduleEngine(playlists: [Playlist(name: "本庁舎", path: "/tmp/r.yaml", items: [notice, warning])])
        let end = Self.from.addingTimeInterval(12 * 3600)
        let slots = engine.timeline(in: .main, from: Self.from, to: end)
        let rotations = engine.rotations(in: .main, from: Self.from, to: end)
        #expect(rotations.count == 1 && rotations[0].entries.map(\.item.id) == ["counter-hours", "snow-removal"])
        let picture = try TimelinePainter(phraseModel: phraseModel)
            .paint(slots: slots, rotations: rotations, zones: [.main], from: Self.from, to: end, timeZone: .tokyo, title: "一日")
        // One light block (no strip pretending to be a time scale) whose label carries a square of
        // each item's colour.
        let left = 140.0, plot = 1800.0 - 140 - 30
        #expect(picture.mean(in: Rect(x: left + plot * 0.5, y: 175, width: 200, height: 10)).isClose(to: RGB(0xEC, 0xEF, 0xF1)))
        func hasColour(_ c: RGB) -> Bool {
            for y in 110..<200 {
                for x in 140..<1000 {
                    let p = picture.rgb(x, y)
                    if abs(Int(p.r) - Int(c.r)) <= 2 && abs(Int(p.g) - Int(c.g)) <= 2 && abs(Int(p.b) - Int(c.b)) <= 2 { return true }
                }
            }
            return false
        }
        #expect(hasColour(Theme.forCategory(.notice).background) && hasColour(Theme.forCategory(.warning).background))
    }

    /// Regression: marks were drawn on whole hours only, so a span of a few minutes had none.
    @Test("Short and long spans both get time marks", arguments: [180.0, 3600.0, 172_800.0])
    func spansGetTimeMarks(span: Double) throws {
        let engine = ScheduleEngine(playlists: [Self.playlist])
        let end = Self.from.addingTimeInterval(span)
        let picture = try TimelinePainter(phraseModel: phraseModel)
            .paint(slots: engine.timeline(in: .main, from: Self.from, to: end),
                   rotations: engine.rotations(in: .main, from: Self.from, to: end),
                   zones: [.main], from: Self.from, to: end, timeZone: .tokyo, title: "目盛り")
        // Mark lines cross the strip just above the rows (y 104) in light grey.
        var marks = 0, inMark = false
        for x in 0..<picture.width {
            let p = picture.rgb(x, 104)
            let grey = p.r < 220 && p.r > 150 && p.r == p.g && p.g == p.b
            if grey && !inMark { marks += 1 }
            inMark = grey
        }
        #expect(marks >= 3 && marks <= 26, "\(marks) marks over \(span) s")
    }
}
