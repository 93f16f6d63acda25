import Foundation
import Testing
@testable import OshiraseCore

@Suite("Priority tiers, file and merge order, loop restarts")
struct PlayOrderTests {
    // MARK: Priority

    let office = [
        notice("mynumber", 10, title: "マイナンバーカードの申請"),
        notice("hygiene", 10, title: "検温にご協力ください"),
        notice("snow", 20, title: "大雪のため市バスに遅れ", category: .warning, priority: 1, time: "10:00-10:30"),
    ]

    @Test func onlyTheHighestEligiblePriorityPlays() {
        let e = engine(office)
        #expect(e.ids(at: local("2026-11-27 10:10")) == ["snow"])
        #expect(e.label(at: local("2026-11-27 10:10")) == "snow")
    }

    @Test func ineligibleHighPriorityItemDoesNotHideLowerTier() {
        let e = engine(office)
        #expect(e.ids(at: local("2026-11-27 09:00")) == ["mynumber", "hygiene"])
    }

    @Test func lowerTierResumesFromItsFirstItemWhenTheHigherTierEnds() {
        let e = engine(office)
        let last = e.slot(in: .main, at: local("2026-11-27 10:29:59"))
        #expect(last.label == "snow")
        #expect(last.end == local("2026-11-27 10:30"))
        let resumed = e.slot(in: .main, at: local("2026-11-27 10:30"))
        #expect(resumed.label == "mynumber")
        #expect(resumed.start == local("2026-11-27 10:30"))
        #expect(resumed.end == local("2026-11-27 10:30:10"))
        #expect(e.label(at: local("2026-11-27 10:30:10")) == "hygiene")
    }

    @Test func itemsOfTheSamePriorityShareTheTier() {
        let e = engine([
            notice("normal", priority: 0),
            notice("snow", priority: 2, time: "10:00-11:00"),
            notice("bus", priority: 2, time: "10:00-11:00"),
            notice("low-high", priority: 1),
        ])
        #expect(e.ids(at: local("2026-11-27 10:30")) == ["snow", "bus"])
        #expect(e.ids(at: local("2026-11-27 12:00")) == ["low-high"])
    }

    @Test func negativePriorityIsAFallback() {
        let e = engine([notice("fallback", priority: -1), notice("office", time: "09:00-17:00")])
        #expect(e.ids(at: local("2026-11-27 08:00")) == ["fallback"])
        #expect(e.ids(at: local("2026-11-27 09:00")) == ["office"])
    }

    // MARK: File order and merge order

    @Test func itemsPlayInFileOrderEachForItsDurationLooping() {
        let e = engine([notice("a", 11), notice("b", 12)])
        let first = e.slot(in: .main, at: local("2026-11-27 00:00:05"))
        #expect(first.label == "a")
        #expect(first.start == local("2026-11-27 00:00:00"))
        #expect(first.end == local("2026-11-27 00:00:11"))
        #expect(e.label(at: local("2026-11-27 00:00:11")) == "b")
        #expect(e.label(at: local("2026-11-27 00:00:22")) == "b")
        #expect(e.label(at: local("2026-11-27 00:00:23")) == "a")
        // 100 rounds of 23 s later: 00:38:20.
        let later = e.slot(in: .main, at: local("2026-11-27 00:38:31"))
        #expect(later.label == "b")
        #expect(later.start == local("2026-11-27 00:38:31"))
    }

    @Test func playlistsMergeByFileNameNotArgumentOrder() {
        let subway = playlist([notice("subway-1"), notice("subway-2")], name: "大通駅", file: "20-subway.yaml")
        let lobby = playlist([notice("lobby-1")], name: "本庁舎1階ロビー", file: "10-lobby.yaml")
        let e = ScheduleEngine(playlists: [subway, lobby])
        #expect(e.playlists.map(\.name) == ["本庁舎1階ロビー", "大通駅"])
        #expect(e.entries(in: .main).map(\.item.id) == ["lobby-1", "subway-1", "subway-2"])
        #expect(e.label(at: local("2026-11-27 00:00:00")) == "lobby-1")
        #expect(e.label(at: local("2026-11-27 00:00:10")) == "subway-1")
        #expect(e.label(at: local("2026-11-27 00:00:20")) == "subway-2")
        #expect(e.siteName == "本庁舎1階ロビー")
    }

    @Test func mergeOrderUsesTheFileNameNotTheFolder() {
        let b = Playlist(name: "B", path: "/a/02-b.yaml", items: [notice("from-b")])
        let a = Playlist(name: "A", path: "/z/01-a.yaml", items: [notice("from-a")])
        let e = ScheduleEngine(playlists: [b, a])
        #expect(e.entries(in: .main).map(\.item.id) == ["from-a", "from-b"])
    }

    @Test func playlistsForOtherProfilesAreLeftOut() {
        let led = playlist([notice("led")], file: "02-led.yaml", displays: ["led-vision"])
        let lobby = playlist([notice("lobby")], file: "01-lobby.yaml", displays: ["lcd-1080p"])
        let everywhere = playlist([notice("all")], file: "03-all.yaml")
        let e = ScheduleEngine(playlists: [led, lobby, everywhere], profile: "lcd-1080p")
        #expect(e.entries(in: .main).map(\.item.id) == ["lobby", "all"])
    }

    // MARK: Loop restarts

    /// a 11 s, b 12 s always; c 10 s from 09:00 to 10:00. The 23 s loop does not divide 09:00.
    let morning = [notice("a", 11), notice("b", 12), notice("c", 10, time: "09:00-10:00")]

    @Test func slotBeforeAChangeIsCutAtTheChange() {
        let e = engine(morning)
        let s = e.slot(in: .main, at: local("2026-11-27 08:59:59"))
        #expect(s.label == "b")
        #expect(s.start == local("2026-11-27 08:59:55"))
        #expect(s.end == local("2026-11-27 09:00:00"))
    }

    @Test func loopRestartsFromTheFirstItemWhenAWindowOpens() {
        let e = engine(morning)
        let s = e.slot(in: .main, at: local("2026-11-27 09:00:00"))
        #expect(s.label == "a")
        #expect(s.start == local("2026-11-27 09:00:00"))
        #expect(s.end == local("2026-11-27 09:00:11"))
        #expect(e.label(at: local("2026-11-27 09:00:11")) == "b")
        #expect(e.label(at: local("2026-11-27 09:00:23")) == "c")
        #expect(e.label(at: local("2026-11-27 09:00:33")) == "a")
    }

    @Test func loopRestartsFromTheFirstItemWhenAWindowCloses() {
        let e = engine(morning)
        let s = e.slot(in: .main, at: local("2026-11-27 10:00:05"))
        #expect(s.label == "a")
        #expect(s.start == local("2026-11-27 10:00:00"))
    }

    @Test func loopRestartsAtLocalMidnight() {
        let e = engine([notice("a", 11), notice("b", 12)])
        // 86 399 s after Friday's midnight is 11 s into the 3757th round: b, cut at midnight.
        let before = e.slot(in: .main, at: local("2026-11-27 23:59:59"))
        #expect(before.label == "b")
        #expect(before.end == local("2026-11-28 00:00"))
        let after = e.slot(in: .main, at: local("2026-11-28 00:00"))
        #expect(after.label == "a")
        #expect(after.start == local("2026-11-28 00:00"))
    }

    @Test func midnightIsTheEnginesZoneMidnight() {
        let e = ScheduleEngine(playlists: [playlist([notice("a", 11), notice("b", 12)], zone: tokyoZone)],
                               timeZone: utcZone)
        #expect(e.timeZone == utcZone)
        let s = e.slot(in: .main, at: instant("2026-11-27T00:00:00Z"))
        #expect(s.label == "a")
        #expect(s.start == instant("2026-11-27T00:00:00Z"))
    }

    @Test func engineZoneDefaultsToTheFirstPlaylists() {
        let e = ScheduleEngine(playlists: [playlist([notice("a")], zone: berlinZone)])
        #expect(e.timeZone == berlinZone)
        #expect(ScheduleEngine(playlists: []).timeZone == TimeZone.tokyo)
    }

    // MARK: Idle

    @Test func nothingEligibleGivesAnIdleSlot() {
        let e = engine([notice("mynumber", days: [.mon, .tue, .wed, .thu, .fri], time: "08:45-17:15")])
        let evening = e.slot(in: .main, at: local("2026-11-27 20:00"))
        #expect(evening.entry == nil)
        #expect(evening.label == "idle")
        #expect(evening.start == local("2026-11-27 17:15"))
        #expect(evening.end == local("2026-11-28 00:00"))
        let saturday = e.slot(in: .main, at: local("2026-11-28 12:00"))
        #expect(saturday.entry == nil)
        #expect(saturday.start == local("2026-11-28 00:00"))
        #expect(saturday.end == local("2026-11-29 00:00"))
    }

    @Test func idleSlotEndsWhenSomethingBecomesEligible() {
        let e = engine([notice("mynumber", time: "08:45-17:15")])
        let s = e.slot(in: .main, at: local("2026-11-27 03:00"))
        #expect(s.entry == nil)
        #expect(s.start == local("2026-11-27 00:00"))
        #expect(s.end == local("2026-11-27 08:45"))
    }

    @Test func emptyEngineIsIdleAllDay() {
        let e = ScheduleEngine(playlists: [])
        let s = e.slot(in: .main, at: local("2026-11-27 12:00"))
        #expect(s.entry == nil)
        #expect(s.start == local("2026-11-27 00:00"))
        #expect(s.end == local("2026-11-28 00:00"))
        #expect(e.siteName == "Oshirase")
    }

    @Test func tickerZoneLoopsIndependently() {
        let e = engine([notice("main-a", 11), notice("main-b", 12), tickerItem("welcome", 60), tickerItem("bus", 30, time: "07:00-09:00")],
                       layout: .mainTicker)
        #expect(e.ids(at: local("2026-11-27 08:00"), in: .ticker) == ["welcome", "bus"])
        #expect(e.ids(at: local("2026-11-27 08:00"), in: .main) == ["main-a", "main-b"])
        let s = e.slot(in: .ticker, at: local("2026-11-27 09:00:30"))
        #expect(s.label == "welcome")
        #expect(s.start == local("2026-11-27 09:00"))
        // The ticker's change does not restart the main loop, which still counts from midnight.
        let main = e.slot(in: .main, at: local("2026-11-27 09:00:05"))
        #expect(main.label == "main-b")
        #expect(main.start == local("2026-11-27 08:59:55"))
    }
}
