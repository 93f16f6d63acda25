import Foundation
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseRender
import Testing
import OshiraseStore
import OshiraseTestSupport

/// A small landscape LCD, so debug-build renders stay quick.
let smallLCD = DisplayProfile(name: "lcd-1080p", width: 480, height: 270, kind: .lcd, minimumTextSize: 12, tickerSpeed: 60)

func display(_ profile: DisplayProfile = smallLCD, fps: Int? = 10, transition: Transition = .cut,
             region: PixelRegion = .origin, brightness: [BrightnessWindow] = [], staticTickers: TimeWindow? = nil,
             power: PowerSchedule? = nil) -> DisplayConfig {
    DisplayConfig(name: "lobby", profile: profile, output: .memory, region: region, fps: fps, transition: transition,
                  brightness: brightness, staticTickers: staticTickers, power: power)
}

func window(_ a: Int, _ b: Int) -> TimeWindow {
    TimeWindow(start: TimeOfDay(hour: a, minute: 0)!, end: TimeOfDay(hour: b, minute: 0)!)
}

@Suite("Display loop")
struct DisplayLoopTests {
    @Test func firstFrameShowsTheScheduledItemAndAStillPictureIsNotRedrawn() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10), ("tax", "市民税の納付", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0))
        let next = h.step()
        #expect(h.output.frames.count == 1)
        #expect(h.state.status.items["main"] == "mynumber")
        #expect(next == jst(9, 0, 10), "a still card sleeps until its slot ends")
        h.clock.set(jst(9, 0, 3))
        h.step()
        #expect(h.output.frames.count == 1, "nothing changed, nothing is rendered")
        h.clock.set(jst(9, 0, 10))
        h.step()
        #expect(h.output.frames.count == 2)
        #expect(h.state.status.items["main"] == "tax")
    }

    @Test func everyPresentedFrameIsACompletePictureThroughChangesReloadsAndIdle() throws {
        let folder = try PlaylistFolder()
        let ticker = """
          - id: snow
            zone: ticker
            ticker: 本日は大雪のため市バスに遅れが出ています。
            duration: 30s
          - id: late
            duration: 4s
            schedule: { time: "09:00-09:01" }
            announcement: { category: notice, title: 窓口の受付時間, body: 平日8時45分から17時15分まで。 }

        """
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 3), ("tax", "市民税の納付", 3)],
                                                            layout: "main+ticker", extra: ticker))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0, 50))
        var checked: [(Date, Bitmap)] = []
        var reference = Renderer(phraseModel: nil)
        func capture(until time: Date) {
            var next = h.step()
            var seen = 0
            while true {
                if h.output.frames.count > seen {
                    let playlists = h.library.snapshot().playlists
                    let engine = ScheduleEngine(playlists: playlists, profile: smallLCD.name)
                    let now = h.clock.now()
                    let scene = engine.scene(for: smallLCD, at: now, siteName: "札幌市役所 本庁舎")
                    if let frame = h.output.frames.last, let full = try? reference.render(scene) {
                        checked.append((now, frame))
                        #expect(frame.blackFraction < 0.2, "frame at \(now) is mostly black")
                        #expect(frame.differingFraction(from: full) < 0.002, "frame at \(now) differs from a full render")
                    }
                    seen = h.output.frames.count
                }
                guard next <= time else { break }
                h.clock.set(max(next, h.clock.now()))
                next = h.step()
            }
        }
        capture(until: jst(9, 0, 58))          // the `late` item's window ends at 09:01
        reference = Renderer(phraseModel: nil)
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請（更新）", 3)],
                                                            layout: "main+ticker", extra: ticker))
        h.library.reload(file: "lobby.yaml")
        capture(until: jst(9, 1, 4))
        try folder.remove("lobby.yaml")
        h.library.reload(file: "lobby.yaml")
        capture(until: jst(9, 1, 6))           // idle: site name and clock, never black
        #expect(checked.count > 60)
        #expect(h.state.status.items["main"] == "idle")
    }

    @Test func aTickerAnimatesAtTheConfiguredRateAndRedrawsOnlyItsBand() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 60)], layout: "main+ticker", extra: """
          - id: snow
            zone: ticker
            ticker: 本日は大雪のため市バスに遅れが出ています。
            duration: 60s

        """))
        let h = LoopHarness(folder: folder, display: display(fps: 20), at: jst(9, 0))
        var deadlines: [Date] = []
        var next = h.step()
        for _ in 0..<10 {
            deadlines.append(next)
            h.clock.set(next)
            next = h.step()
        }
        #expect(h.output.frames.count == 11)
        #expect(abs(deadlines[1].timeIntervalSince(deadlines[0]) - 0.05) < 1e-6)
        let band = smallLCD.zones(for: .mainTicker).ticker!
        for rows in h.output.changedRows.dropFirst() {
            let rows = try #require(rows)
            #expect(rows.lowerBound >= Int(band.y) - 1 && rows.upperBound <= smallLCD.height, "only the ticker band changes")
        }
    }

    @Test func anInvalidSaveKeepsThePreviousVersionPlayingAndIsReported() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0))
        h.step()
        // An editor truncates the file first, then writes it: the empty file must not show idle.
        try folder.write("lobby.yaml", "")
        h.library.reload(file: "lobby.yaml")
        h.clock.set(jst(9, 0, 1))
        h.step()
        #expect(h.state.status.items["main"] == "mynumber")
        try folder.write("lobby.yaml", "name: 本庁舎\nitems:\n  - id: x\n    duration: 10x\n    announcement: { category: info, title: あ, body: い }\n")
        h.library.reload(file: "lobby.yaml")
        h.step()
        #expect(h.state.status.items["main"] == "mynumber")
        let status = try #require(h.library.statuses().first)
        #expect(status.errors.contains { $0.contains("lobby.yaml:4:15: error:") }, "\(status.errors)")
        #expect(status.name == "本庁舎1階ロビー")
        try folder.write("lobby.yaml", announcementPlaylist([("tax", "市民税の納付", 10)]))
        h.library.reload(file: "lobby.yaml")
        h.step()
        #expect(h.state.status.items["main"] == "tax")
        #expect(h.library.statuses().first?.errors == [])
    }

    @Test func aDeletedFileStopsItsItems() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        try folder.write("notice.yaml", announcementPlaylist([("tax", "市民税の納付", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0))
        h.step()
        #expect(h.state.status.items["main"] == "mynumber")
        try folder.remove("lobby.yaml")
        h.library.reload(file: "lobby.yaml")
        h.step()
        #expect(h.state.status.items["main"] == "tax")
        #expect(h.library.statuses().map(\.file) == ["notice.yaml"])
    }

    @Test func thePowerScheduleTurnsTheScreenOffAndBackOnTime() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        let h = LoopHarness(folder: folder, display: display(power: PowerSchedule(window: window(7, 22))), at: jst(21, 59, 50))
        h.run(until: jst(22, 5))
        #expect(h.output.powerCalls == [false])
        let framesWhileOff = h.output.frames.count
        #expect(h.state.status.powered == false)
        h.run(until: jst(6, 59, day: 28))
        #expect(h.output.frames.count == framesWhileOff, "nothing is drawn while off")
        h.run(until: jst(7, 0, 1, day: 28))
        #expect(h.output.powerCalls == [false, true])
        #expect(h.output.frames.count == framesWhileOff + 1)
        #expect(h.output.changedRows.last! == nil, "the first frame after power-on is whole")
        #expect(h.state.status.powered)
    }

    @Test func aClockBeforeTheBuildDatePlaysOnlyFallbackItems() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", """
            name: 本庁舎1階ロビー
            items:
              - id: office-hours
                schedule: { time: "00:00-23:59" }
                announcement: { category: info, title: 開庁時間, body: 平日8時45分から17時15分まで。 }
              - id: welcome
                fallback: true
                schedule: { dates: "2030-01-01.." }
                announcement: { category: info, title: ようこそ札幌市役所へ, body: ご用件は総合案内へどうぞ。 }

            """)
        // The box booted without RTC: the clock reads 1970 (the build date is far later).
        let h = LoopHarness(folder: folder, display: display(), at: Date(timeIntervalSince1970: 60), notBefore: jst(0, 0))
        h.step()
        #expect(h.state.status.items["main"] == "welcome")
        h.clock.set(jst(10, 0))   // NTP sets the clock
        h.step()
        #expect(h.state.status.items["main"] == "office-hours")
    }

    @Test func aClockBeforeTheBuildDateWithoutFallbackItemsShowsIdle() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: Date(timeIntervalSince1970: 60), notBefore: jst(0, 0))
        h.step()
        #expect(h.state.status.items["main"] == "idle")
        #expect(h.output.frames.last.map { $0.blackFraction < 0.2 } == true)
    }

    @Test func anLEDWallDimsAtNightHoldsItsTickerAndSitsAtItsRegion() throws {
        let folder = try PlaylistFolder()
        try folder.write("wall.yaml", """
            name: 地下歩行空間
            items:
              - id: snow
                ticker: 本日は大雪のため市バスに遅れが出ています。
                duration: 60s

            """)
        let led = DisplayProfile.ledVision
        let config = display(led, fps: 30, region: PixelRegion(x: 16, y: 8),
                             brightness: [BrightnessWindow(window: window(19, 6), percent: 30)], staticTickers: window(19, 6))
        let day = LoopHarness(folder: folder, display: config, at: jst(12, 0))
        let dayNext = day.step()
        #expect(abs(dayNext.timeIntervalSince(jst(12, 0)) - 1.0 / 30) < 1e-6, "the ticker scrolls by day")
        let night = LoopHarness(folder: folder, display: config, at: jst(20, 0))
        let nightNext = night.step()
        #expect(nightNext >= jst(20, 0, 1), "a still ticker at night: no animation frames")
        night.clock.set(jst(20, 0, 30))
        night.step()
        #expect(night.output.frames.count == 1, "nothing moves at night")
        let dayFrame = try #require(day.output.frames.first), nightFrame = try #require(night.output.frames.first)
        #expect(night.state.status.brightnessPercent == 30)
        #expect(day.state.status.brightnessPercent == 100)
        #expect(nightFrame.meanLevel < dayFrame.meanLevel * 0.5)
        // Outside the wall's region the output stays black.
        #expect(dayFrame.rows(0..<8).blackFraction == 1)
        #expect(dayFrame.pixel(x: 5, y: 100) == (0, 0, 0, 0))
        #expect(dayFrame.rows(8..<(8 + led.height)).blackFraction < 0.9)
    }

    @Test func aFadeBlendsTheOldItemIntoTheNew() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", """
            name: 本庁舎1階ロビー
            items:
              - id: warning
                duration: 5s
                announcement: { category: emergency, title: 大雪警報, body: 不要不急の外出は控えてください。 }
              - id: info
                duration: 5s
                announcement: { category: info, title: マイナンバーカード, body: オンライン申請を受け付けています。 }

            """)
        let h = LoopHarness(folder: folder, display: display(fps: 10, transition: .fade(seconds: 0.5)), at: jst(9, 0, 4))
        h.run(until: jst(9, 0, 6))
        let frames = h.output.frames
        #expect(frames.count >= 6, "\(frames.count) frames")
        let first = frames[0], last = frames[frames.count - 1]
        let middle = frames[frames.count / 2]
        let d = first.differingFraction(from: last)
        #expect(d > 0.3)
        #expect(middle.differingFraction(from: first) > 0.05 && middle.differingFraction(from: last) > 0.05,
                "a middle frame is neither the old nor the new picture")
        #expect(frames.allSatisfy { $0.blackFraction < 0.2 })
    }

    @Test func proofOfPlayRecordsEveryShowingWithItsBoundaries() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10), ("tax", "市民税の納付", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0, 5))
        h.run(until: jst(9, 0, 35))
        let records = h.sink.all
        #expect(records.map(\.item) == ["mynumber", "tax", "mynumber"])
        #expect(records.map(\.start) == [jst(9, 0, 5), jst(9, 0, 10), jst(9, 0, 20)], "the first showing starts when the daemon did")
        #expect(records.map(\.end) == [jst(9, 0, 10), jst(9, 0, 20), jst(9, 0, 30)])
        #expect(records.allSatisfy { $0.display == "lobby" && $0.playlist == "lobby.yaml" && $0.zone == "main" })
    }

    @Test func anOutputThatFailsIsOpenedAgainAndTheFailureIsShownInStatus() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0))
        h.output.failNextPresent = OutputError("/dev/fb0: write failed: No such device")
        let retry = h.step()
        #expect(h.state.status.error == "/dev/fb0: write failed: No such device")
        #expect(retry == jst(9, 0, 5))
        h.clock.set(retry)
        h.step()
        #expect(h.output.frames.count == 1)
        #expect(h.state.status.error == nil)
    }
}

@Suite("Display loop: clock steps and layout changes")
struct ClockStepTests {
    @Test func aClockSetByNTPEndsTheFallbackShowingAtTheLastReadingBeforeTheStep() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", """
            name: 本庁舎1階ロビー
            items:
              - id: welcome
                fallback: true
                duration: 20s
                announcement: { category: info, title: ようこそ札幌市役所へ, body: ご用件は総合案内へどうぞ。 }

            """)
        let boot = Date(timeIntervalSince1970: 60)
        let h = LoopHarness(folder: folder, display: display(), at: boot, notBefore: jst(0, 0))
        h.step()
        h.clock.set(boot.addingTimeInterval(5))
        h.step()
        h.clock.step(to: jst(10, 0, 3))   // NTP answers: 56 years forward, no time passed
        h.step()
        let first = try #require(h.sink.all.first)
        #expect(first.item == "welcome" && first.start == boot && first.end == boot.addingTimeInterval(5),
                "the record ends at the last reading before the step, not decades later: \(first)")
        h.run(until: jst(10, 0, 40))
        #expect(h.sink.all.count == 3)
        #expect(h.sink.all.allSatisfy { $0.end.timeIntervalSince($0.start) <= 20 })
    }

    @Test func aClockSetBackDoesNotFreezeAScrollingTicker() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 600)], layout: "main+ticker", extra: """
          - id: snow
            zone: ticker
            ticker: 本日は大雪のため市バスに遅れが出ています。
            duration: 600s

        """))
        let h = LoopHarness(folder: folder, display: display(fps: 10), at: jst(18, 0))
        h.step()
        h.clock.set(jst(18, 0, 0.1))
        h.step()
        h.clock.step(to: jst(9, 0))        // the RTC was read as local time: 9 h back
        let next = h.step()
        #expect(next > jst(9, 0) && next <= jst(9, 0, 0.1), "the next frame is due a frame after the new time, not 9 h later")
    }

    @Test func aTickerZoneThatGoesAwayEndsItsRecord() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 600)]))
        try folder.write("ticker.yaml", """
            name: お知らせテロップ
            layout: main+ticker
            items:
              - id: snow
                zone: ticker
                duration: 600s
                ticker: 本日は大雪のため市バスに遅れが出ています。

            """)
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0))
        h.step()
        h.clock.set(jst(9, 0, 30))
        try folder.remove("ticker.yaml")
        h.library.reload(file: "ticker.yaml")
        h.step()
        let ticker = try #require(h.sink.all.first { $0.zone == "ticker" })
        #expect(ticker.item == "snow" && ticker.end == jst(9, 0, 30))
    }
}

@Suite("Screenshots")
struct ScreenshotTests {
    @Test func aScreenshotIsTheFrameOnScreenWhenAskedAndIsCopiedOncePerChange() async throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10), ("tax", "市民税の納付", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0))
        h.step()
        // Nobody watched yet: no copy is kept; the request wakes the loop, which publishes one.
        let state = h.state
        async let shot = state.requestFrame(wake: {})
        #expect(await eventually { state.needsFrame })
        h.step()
        let first = try #require(await shot)
        #expect(first.differingFraction(from: try #require(h.output.frames.last), tolerance: 0) == 0)
        // While the picture stays, a request gets the kept copy without waiting for the loop.
        let again = try #require(await state.requestFrame(wake: {}, timeout: 0.05))
        #expect(again.differingFraction(from: first, tolerance: 0) == 0)
        // The next item: the copy handed out is forgotten, not copied again at every frame, and
        // no new one is made until someone asks; the next request gets the frame on screen then.
        h.clock.set(jst(9, 0, 10))
        h.step()
        #expect(!state.needsFrame, "nobody waits: no copy is made")
        async let later = state.requestFrame(wake: {})
        #expect(await eventually { state.needsFrame })
        h.step()
        let second = try #require(await later)
        #expect(second.differingFraction(from: try #require(h.output.frames.last), tolerance: 0) == 0)
        #expect(second.differingFraction(from: first) > 0.01, "the next item's title is on it")
    }

    @Test func aScreenshotOfAScreenTurnedOffIsBlack() async throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        let h = LoopHarness(folder: folder, display: display(power: PowerSchedule(window: window(7, 22))), at: jst(23, 0))
        h.step()
        let state = h.state
        async let shot = state.requestFrame(wake: {})
        #expect(await eventually { state.needsFrame })
        h.step()
        let frame = try #require(await shot)
        #expect(frame.blackFraction == 1)
    }

    @Test func aWatchedScreenTurnedOffShowsBlackInItsScreenshot() async throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        let h = LoopHarness(folder: folder, display: display(power: PowerSchedule(window: window(7, 22))), at: jst(21, 59, 58))
        h.step()
        let state = h.state
        async let lit = state.requestFrame(wake: {})
        #expect(await eventually { state.needsFrame })
        h.step()
        #expect(try #require(await lit).blackFraction < 0.2)
        h.clock.set(jst(22, 0))
        h.step()   // the screen goes off: the lit copy is forgotten
        async let dark = state.requestFrame(wake: {})
        #expect(await eventually { state.needsFrame })
        h.step()
        #expect(try #require(await dark).blackFraction == 1)
    }

    @Test func aScreenshotBeforeTheFirstFrameGivesNothing() async throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10)]))
        let h = LoopHarness(folder: folder, display: display(), at: jst(9, 0))
        #expect(await h.state.requestFrame(wake: {}, timeout: 0.05) == nil)
    }
}
