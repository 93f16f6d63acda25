import Foundation
import Testing
@testable import OshiraseCore

@Suite("Scenes")
struct SceneTests {
    @Test func mainIsIdleWhenNothingIsEligible() {
        let e = engine([notice("mynumber", time: "08:45-17:15")])
        let scene = e.scene(for: .lcd1080p, at: local("2026-11-27 20:00"))
        #expect(scene.main == .idle)
        #expect(scene.ticker == nil)
        #expect(scene.layout == .full)
        #expect(scene.siteName == "本庁舎1階ロビー")
        #expect(scene.timeZone == tokyoZone)
        #expect(scene.profile == .lcd1080p)
    }

    @Test func tickerContentOnlyWithMainPlusTickerLayout() {
        let items = [notice("mynumber", 15, title: "マイナンバーカードの申請"), tickerItem("bus", 60)]
        let t = local("2026-11-27 09:00:05")

        let full = engine(items, layout: .full).scene(for: .lcd1080p, at: t)
        #expect(full.ticker == nil)

        let split = engine(items, layout: .mainTicker).scene(for: .lcd1080p, at: t)
        #expect(split.layout == .mainTicker)
        #expect(split.main == .item(items[0], elapsed: 5))
        #expect(split.ticker == .item(items[1], elapsed: 5))
    }

    @Test func tickerIsIdleWhenNoTickerItemIsEligible() {
        let items = [notice("mynumber"), tickerItem("bus", 60, time: "07:00-09:00")]
        let scene = engine(items, layout: .mainTicker).scene(for: .lcd1080p, at: local("2026-11-27 12:00"))
        #expect(scene.ticker == .idle)
        #expect(scene.main == .item(items[0], elapsed: 0))
    }

    @Test func anyPlaylistAskingForATickerGivesTheDisplayOne() {
        let a = playlist([notice("a")], file: "01-a.yaml", layout: .full)
        let b = playlist([tickerItem("bus")], file: "02-b.yaml", layout: .mainTicker)
        #expect(ScheduleEngine(playlists: [a, b]).layout == .mainTicker)
        #expect(ScheduleEngine(playlists: [a]).layout == .full)
    }

    @Test func sceneCarriesTimeAndSiteNameOverride() {
        let t = local("2026-11-27 10:00")
        let scene = engine([notice("a")]).scene(for: .dsignClean, at: t, siteName: "本庁舎正面玄関")
        #expect(scene.time == t)
        #expect(scene.siteName == "本庁舎正面玄関")
    }

    @Test func elapsedCountsFromTheSlotStart() {
        let items = [notice("a", 11), notice("b", 12)]
        let scene = engine(items).scene(for: .lcd1080p, at: local("2026-11-27 00:00:15"))
        #expect(scene.main == .item(items[1], elapsed: 4))
    }
}
