import Foundation
import OshiraseCore
import OshiraseImaging
import OshiraseRender
import Testing

/// Every kind of thing a zone can show.
enum Template: String, CaseIterable, CustomTestStringConvertible {
    case idle, announcement, imageContain, imageCover, ticker, clock, mainWithTicker

    var testDescription: String { rawValue }

    func scene(_ profile: DisplayProfile) -> Scene {
        switch self {
        case .idle:
            return ScheduleEngine(playlists: [], profile: profile.name).scene(for: profile, at: fridayMorning)
        case .announcement:
            return OshiraseRenderTests.scene(profile, main: OshiraseRenderTests.announcement(
                .emergency, title: "避難指示", body: "豊平川の水位が上昇しています。直ちに避難してください。", footer: "札幌市危機管理局"))
        case .imageContain:
            return OshiraseRenderTests.scene(profile, main: .image(path: repoPath("fixtures/images/city-hall.png"), fit: .contain))
        case .imageCover:
            return OshiraseRenderTests.scene(profile, main: .image(path: repoPath("fixtures/images/snow.jpg"), fit: .cover))
        case .ticker:
            return OshiraseRenderTests.scene(profile, main: .ticker(text: "本日は大雪のため市バスに遅れが出ています。", speed: 0), mainElapsed: 3)
        case .clock:
            return OshiraseRenderTests.scene(profile, main: .clock(format: "HH:mm"))
        case .mainWithTicker:
            return OshiraseRenderTests.scene(profile, main: .clock(format: "HH:mm:ss"),
                                             ticker: .ticker(text: "札幌市役所へようこそ。", speed: 0), tickerElapsed: 1)
        }
    }
}

@Suite("Frames are never black")
struct FrameSanityTests {
    @Test("Every template on every profile gives a frame that is neither black nor uniform",
          arguments: Template.allCases, allProfiles)
    func frameIsNotBlackNorUniform(template: Template, profile: DisplayProfile) throws {
        let result = try makeRenderer().renderWithReport(template.scene(profile))
        let frame = result.frame
        #expect(frame.width == profile.width && frame.height == profile.height)
        #expect(!frame.isAllBlack, "\(template) on \(profile.name) is all black")
        #expect(frame.distinctColors() >= 3, "\(template) on \(profile.name) is (nearly) one colour")
        #expect(frame.blackFraction < 0.25, "\(template) on \(profile.name) is \(Int(frame.blackFraction * 100))% pure black")
        #expect(result.problems.isEmpty, "\(result.problems)")
    }

    @Test("The idle screen with no playlists shows the site name, the clock and the date", arguments: allProfiles)
    func idleScreenShowsSiteAndClock(profile: DisplayProfile) throws {
        let idle = ScheduleEngine(playlists: [], profile: profile.name).scene(for: profile, at: fridayMorning)
        #expect(idle.main == .idle)
        let result = try makeRenderer().renderWithReport(idle)
        let roles = Set(result.texts.map(\.role))
        #expect(roles.isSuperset(of: ["site", "clock", "date"]), "\(roles)")
        #expect(result.texts.first { $0.role == "clock" }?.lines == ["09:00"])
        #expect(result.texts.first { $0.role == "date" }?.lines.joined() == "2026年11月27日（金）")
        // The idle theme, not black, fills the zone's padding.
        let zone = profile.zones(for: idle.layout).main
        let corner = Rect(x: zone.x + 1, y: zone.y + 1, width: 4, height: 4)
        let expected = profile.kind == .led ? cieGamma(Theme.idle.background) : Theme.idle.background
        #expect(result.frame.mean(in: corner).isClose(to: expected))
    }

    @Test("An idle ticker zone shows the date, the time and the site name")
    func idleTickerShowsDateAndSite() throws {
        let result = try makeRenderer().renderWithReport(scene(.lcd1080p, main: .clock(format: "HH:mm"), layout: .mainTicker))
        let ticker = try #require(result.texts.first { $0.role == "ticker" })
        #expect(ticker.lines.joined().contains("2026年11月27日"))
        #expect(ticker.lines.joined().contains("札幌市役所"))
    }
}
