import Foundation
import OshiraseCore
import OshiraseRender
import Testing

/// Emergency messages on each kind of display.
@Suite("Alert overlays")
struct AlertOverlayTests {
    static func evacuation(_ presentation: AlertPresentation = .takeover, level: Int = 4,
                           exercise: Bool = false) -> AlertOverlay {
        let colours = AlertLevelColours.colours(level: level)
        return AlertOverlay(presentation: presentation, event: "土砂災害", headline: "避難指示（警戒レベル4）南区全域",
                            body: "南区全域に避難指示を発令しました。直ちに安全な場所へ避難してください。避難所は各区の小中学校です。",
                            language: "ja-JP", senderName: "札幌市危機管理局", isExercise: exercise,
                            background: colours.background, text: colours.text)
    }

    static let tickerText: Content = .ticker(text: "地下鉄東西線は平常どおり運行しています", speed: 180)

    @Test("A takeover covers the content area in its level's colour; a kiosk keeps its temperature panel",
          arguments: [DisplayProfile.lcd1080p, .dsignClean])
    func takeoverCoversTheScreen(profile: DisplayProfile) throws {
        var s = scene(profile, main: announcement(title: "マイナンバーカードの申請", body: "1階8番窓口へ"), ticker: Self.tickerText)
        s.alert = Self.evacuation()
        let result = try makeRenderer().renderWithReport(s)
        let contentBottom = profile.temperaturePanel?.y ?? Double(profile.height)
        let margin = Rect(x: 2, y: Double(profile.height) * 0.5, width: 8, height: 20)
        #expect(result.frame.mean(in: margin).isClose(to: AlertLevelColours.colours(level: 4).background), "purple: level 4")
        let headline = try #require(result.texts.first { $0.role == "alert-headline" })
        #expect(headline.lines.joined() == "避難指示（警戒レベル4）南区全域" && !headline.isEllipsized)
        #expect(result.texts.contains { $0.role == "alert-body" && !$0.isEllipsized })
        #expect(result.texts.contains { $0.role == "alert-sender" })
        #expect(!result.texts.contains { $0.role == "title" || $0.role == "ticker" }, "nothing of the playlist shows through")
        for t in result.texts where t.role.hasPrefix("alert") { #expect(t.extents.maxY <= contentBottom) }
        if let panel = profile.temperaturePanel {
            #expect(result.texts.contains { $0.role == "prompt" }, "the thermometer keeps working below")
            #expect(!result.frame.mean(in: Rect(x: 2, y: panel.y + panel.height * 0.5, width: 8, height: 20))
                .isClose(to: AlertLevelColours.colours(level: 4).background))
        }
    }

    @Test func theEventLineShowsOnlyWhenItSaysMoreThanTheHeadline() throws {
        var s = scene(.lcd1080p, main: announcement(title: "マイナンバーカードの申請", body: "1階8番窓口へ"))
        s.alert = Self.evacuation()
        let distinct = try makeRenderer().renderWithReport(s)
        #expect(distinct.texts.first { $0.role == "alert-event" }?.lines.joined() == "土砂災害")
        let withEvent = try #require(distinct.texts.first { $0.role == "alert-headline" })

        // `oshirase push --title 避難指示` without --event makes the event the title.
        s.alert?.event = "避難指示（警戒レベル4）南区全域"
        let repeated = try makeRenderer().renderWithReport(s)
        #expect(!repeated.texts.contains { $0.role == "alert-event" }, "not said twice")
        let alone = try #require(repeated.texts.first { $0.role == "alert-headline" })
        #expect(alone.box.y < withEvent.box.y, "the headline moves up into the room")
    }

    @Test func anLEDWallShowsTheHeadlineAloneAsLargeAsFits() throws {
        var s = scene(.ledVision, main: announcement(title: "さっぽろ雪まつり", body: "2月4日から"))
        s.alert = Self.evacuation(level: 5)
        let result = try makeRenderer().renderWithReport(s)
        let headline = try #require(result.texts.first { $0.role == "alert-headline" })
        #expect(!result.texts.contains { $0.role == "alert-body" })
        #expect(headline.size >= 24, "\(headline.size) px on a 384×216 wall")
    }

    @Test func aBannerSitsOverTheTickerZoneAndLeavesTheMainZone() throws {
        var s = scene(.lcd1080p, main: announcement(title: "マイナンバーカードの申請", body: "1階8番窓口へ"), ticker: Self.tickerText)
        s.alert = Self.evacuation(.banner, level: 2)
        let result = try makeRenderer().renderWithReport(s)
        let zones = DisplayProfile.lcd1080p.zones(for: .mainTicker)
        let ticker = try #require(zones.ticker)
        #expect(result.texts.contains { $0.role == "title" }, "the announcement stays")
        let headline = try #require(result.texts.first { $0.role == "alert-headline" })
        #expect(headline.extents.y >= ticker.y && headline.extents.maxY <= ticker.maxY, "inside the ticker zone")
        #expect(result.texts.filter { $0.role == "title" }.allSatisfy { $0.extents.maxY <= ticker.y })
        #expect(result.frame.mean(in: Rect(x: 2, y: ticker.maxY - 6, width: 8, height: 4)).isClose(to: AlertLevelColours.colours(level: 2).background))
    }

    @Test("An exercise always carries the 訓練 / EXERCISE band", arguments: [AlertPresentation.takeover, .banner])
    func exerciseBand(presentation: AlertPresentation) throws {
        var s = scene(.lcd1080p, main: nil, ticker: Self.tickerText)
        s.alert = Self.evacuation(presentation, exercise: true)
        let result = try makeRenderer().renderWithReport(s)
        let band = try #require(result.texts.first { $0.role == "alert-exercise" })
        #expect(band.lines.joined(separator: " ").split(separator: " ").joined(separator: " ") == "訓練 / EXERCISE" && !band.isEllipsized)
        let headline = try #require(result.texts.first { $0.role == "alert-headline" })
        if presentation == .takeover {
            #expect(band.extents.maxY <= headline.extents.y, "the band is above the message")
        } else {
            #expect(band.extents.maxX <= headline.extents.x, "the band is left of the message")
        }
    }

    @Test("On an LED wall's band, where both words do not fit whole, 訓練 alone, never cut",
          arguments: [AlertPresentation.takeover, .banner])
    func exerciseBandOnAnLEDWall(presentation: AlertPresentation) throws {
        var s = scene(.ledVision, main: announcement(title: "さっぽろ雪まつり", body: "2月4日から"), ticker: Self.tickerText)
        s.alert = Self.evacuation(presentation, level: 2, exercise: true)
        let result = try makeRenderer().renderWithReport(s)
        let band = try #require(result.texts.first { $0.role == "alert-exercise" })
        #expect(!band.isEllipsized, "\(band.lines)")
        let text = band.lines.joined(separator: " ")
        #expect(text.hasPrefix("訓練") && (text == "訓練" || text.contains("EXERCISE")), "\(band.lines)")
        #expect(result.texts.filter { $0.role == "alert-exercise" }.count == 1)
    }

    @Test func theLevelColoursFollowTheJapaneseScale() {
        #expect(AlertLevelColours.colours(level: 5).background == RGB(hex: 0x0C000C))
        #expect(AlertLevelColours.colours(level: 4).background == RGB(hex: 0xAA00AA))
        #expect(AlertLevelColours.colours(level: 3).background == RGB(hex: 0xD7000F))
        #expect(AlertLevelColours.colours(level: 2).background == RGB(hex: 0xF2E700))
        #expect(AlertLevelColours.colours(level: 9) == AlertLevelColours.colours(level: 5))
    }
}
