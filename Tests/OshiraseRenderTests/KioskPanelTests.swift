import Foundation
import OshiraseCore
import OshiraseRender
import Testing

@Suite("The kiosk's temperature-check panel")
struct KioskPanelTests {
    static let profile = DisplayProfile.dsignClean

    static let contents: [Content?] = [
        nil,
        announcement(.notice, title: "手指の消毒にご協力ください", body: "自動ディスペンサーの下に手をかざすと消毒液が出ます。", footer: "札幌市保健所"),
        .image(path: repoPath("fixtures/images/city-hall.png"), fit: .contain),
        .clock(format: "HH:mm"),
    ]

    @Test("The lower panel shows the Japanese and English prompts on the panel background", arguments: 0..<contents.count)
    func panelShowsPrompts(index: Int) throws {
        let result = try makeRenderer().renderWithReport(scene(Self.profile, main: Self.contents[index]))
        let panel = try #require(Self.profile.temperaturePanel)
        #expect(panel.maxY == Double(Self.profile.height) && panel.y > Double(Self.profile.height) / 2)

        let prompt = try #require(result.texts.first { $0.role == "prompt" })
        #expect(prompt.lines.joined() == "検温にご協力ください")
        #expect(panel.contains(prompt.extents))
        let english = try #require(result.texts.first { $0.role == "prompt-en" })
        let words = english.lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
        #expect(words == "Please check your temperature")
        #expect(panel.contains(english.extents))
        #expect(prompt.extents.maxY <= english.extents.y, "the English prompt is below the Japanese one")
        #expect(prompt.size >= Self.profile.minimumTextSize)

        // The main zone ends where the panel begins: nothing of the content overlaps the panel.
        #expect(Self.profile.zones(for: .full).main.maxY == panel.y)
        for t in result.texts where !["prompt", "prompt-en", "panel-label"].contains(t.role) {
            #expect(t.extents.maxY <= panel.y, "\(t.role) reaches into the panel")
        }

        // The panel background shows in the text-free margin left of the prompts.
        let bandHeight = (panel.height * 0.16).rounded()
        let pad = (panel.width * 0.06).rounded()
        let margin = Rect(x: panel.x + 4, y: panel.y + bandHeight + 4, width: pad - 8, height: panel.height - bandHeight - 8)
        let mean = result.frame.mean(in: margin)
        #expect(mean.isClose(to: Theme.temperaturePanel.background), "panel margin \(mean)")
        // Its band carries the panel's accent colour.
        let band = Rect(x: panel.x + 4, y: panel.y + 4, width: pad - 8, height: bandHeight - 8)
        #expect(result.frame.mean(in: band).isClose(to: Theme.temperaturePanel.band))
    }

    @Test("Profiles other than the kiosk have no temperature panel", arguments: [DisplayProfile.lcd1080p, .ledVision])
    func otherProfilesHaveNoPanel(profile: DisplayProfile) throws {
        #expect(profile.temperaturePanel == nil)
        let result = try makeRenderer().renderWithReport(scene(profile, main: nil))
        #expect(!result.texts.contains { $0.role.hasPrefix("prompt") })
    }

    struct PanelCase: Sendable, CustomTestStringConvertible {
        let panel: ScreeningPanel
        let value: String?
        let japanese: String
        let english: String
        let background: RGB
        var testDescription: String { japanese }
    }

    static let states: [PanelCase] = [
        PanelCase(panel: .result(Screening.classify(celsius: 36.43), until: .distantFuture), value: "36.4℃",
                  japanese: "正常です", english: "Normal", background: RGB(hex: 0x1B7F3B)),
        PanelCase(panel: .result(Screening.classify(celsius: 37.8), until: .distantFuture), value: "37.8℃",
                  japanese: "係員にお声がけください", english: "Please see a staff member", background: RGB(hex: 0xB00020)),
        PanelCase(panel: .result(.retry(.unstable), until: .distantFuture), value: nil,
                  japanese: "もう一度お願いします", english: "Please try again", background: RGB(hex: 0xFFC107)),
        PanelCase(panel: .offline, value: nil, japanese: "検温機は停止中です",
                  english: "Thermometer offline: please ask a staff member", background: RGB(hex: 0x5F6368)),
    ]

    @Test("Each screening state has its words, its colour, and a value only for a fresh result", arguments: states)
    func panelStates(_ state: PanelCase) throws {
        var s = scene(Self.profile, main: nil)
        s.panel = state.panel
        let result = try makeRenderer().renderWithReport(s)
        let panel = try #require(Self.profile.temperaturePanel)
        let value = result.texts.first { $0.role == "temperature" }
        #expect(value?.lines.joined() == state.value)
        if let value {
            let prompt = try #require(result.texts.first { $0.role == "prompt" })
            #expect(value.size > prompt.size, "the reading is the largest text on the panel")
            #expect(panel.contains(value.extents))
        }
        #expect(result.texts.first { $0.role == "prompt" }?.lines.joined() == state.japanese)
        let english = result.texts.first { $0.role == "prompt-en" }?.lines.joined(separator: " ")
            .split(separator: " ").joined(separator: " ")
        #expect(english == state.english)
        let bandHeight = (panel.height * 0.16).rounded()
        let pad = (panel.width * 0.06).rounded()
        let margin = Rect(x: panel.x + 4, y: panel.y + bandHeight + 4, width: pad - 8, height: panel.height - bandHeight - 8)
        #expect(result.frame.mean(in: margin).isClose(to: state.background), "panel colour \(result.frame.mean(in: margin))")
    }
}

@Suite("The privacy notice on the kiosk's temperature panel")
struct KioskPanelNoticeTests {
    static let profile = DisplayProfile.dsignClean

    /// The notice the city shows, in Japanese and English (docs/sensors.md).
    static let notice = "検温は感染症対策のためです。画像・個人の測定値は保存しません。/ "
        + "Temperature is checked for infection control; no images or individual readings are kept."

    struct NoticeCase: Sendable, CustomTestStringConvertible {
        let name: String
        let panel: ScreeningPanel
        let background: RGB
        /// The quieter colour the notice is drawn in on that background.
        let secondary: RGB
        var testDescription: String { name }
    }

    static let states: [NoticeCase] = [
        NoticeCase(name: "idle", panel: .idle, background: Theme.temperaturePanel.background, secondary: RGB(hex: 0x486581)),
        NoticeCase(name: "measuring", panel: .measuring, background: Theme.temperaturePanel.background,
                   secondary: RGB(hex: 0x486581)),
        NoticeCase(name: "normal", panel: .result(Screening.classify(celsius: 36.4), until: .distantFuture),
                   background: RGB(hex: 0x1B7F3B), secondary: RGB(hex: 0xFFFFFF)),
        NoticeCase(name: "fever", panel: .result(Screening.classify(celsius: 37.8), until: .distantFuture),
                   background: RGB(hex: 0xB00020), secondary: RGB(hex: 0xFCE4EC)),
        NoticeCase(name: "retry", panel: .result(.retry(.unstable), until: .distantFuture),
                   background: RGB(hex: 0xFFC107), secondary: RGB(hex: 0x4A3B00)),
        NoticeCase(name: "offline", panel: .offline, background: RGB(hex: 0x5F6368), secondary: RGB(hex: 0xE8EAED)),
    ]

    static func overlaps(_ a: Rect, _ b: Rect) -> Bool {
        a.x < b.maxX && b.x < a.maxX && a.y < b.maxY && b.y < a.maxY
    }

    static func render(_ panel: ScreeningPanel, notice: String?, profile: DisplayProfile = profile) throws -> RenderResult {
        var s = scene(profile, main: announcement(.notice, title: "手指の消毒にご協力ください",
                                                   body: "自動ディスペンサーの下に手をかざすと消毒液が出ます。"))
        s.panel = panel
        s.panelNotice = notice
        return try makeRenderer().renderWithReport(s)
    }

    @Test("The notice sits at the foot of the panel in every state, whole, below the prompts and clear of every other text",
          arguments: states)
    func noticeAtFootOfPanel(_ state: NoticeCase) throws {
        let result = try Self.render(state.panel, notice: Self.notice)
        let panel = try #require(Self.profile.temperaturePanel)
        let notice = try #require(result.texts.first { $0.role == "panel-notice" })
        #expect(panel.contains(notice.extents), "\(notice.extents) outside \(panel)")
        #expect(!notice.isEllipsized)
        #expect(notice.lines.count <= 2, "\(notice.lines)")
        #expect(notice.lines.joined().filter { !$0.isWhitespace } == Self.notice.filter { !$0.isWhitespace })
        #expect(notice.size >= Self.profile.minimumSecondaryTextSize)

        let prompts = result.texts.filter { ["temperature", "prompt", "prompt-en"].contains($0.role) }
        #expect(prompts.count == (state.name == "normal" || state.name == "fever" ? 3 : 2))
        for p in prompts { #expect(notice.extents.y >= p.extents.maxY, "\(p.role) reaches down to the notice") }
        for t in result.texts where t.role != "panel-notice" {
            #expect(!Self.overlaps(t.extents, notice.extents), "\(t.role) overlaps the notice")
        }
        // Making room for the notice costs the prompts neither their words nor their legibility.
        for t in result.texts where panel.contains(t.box) {
            #expect(!t.isEllipsized, "\(t.role) is cut short")
        }
        let japanese = try #require(result.texts.first { $0.role == "prompt" })
        #expect(japanese.size >= Self.profile.minimumTextSize)
        if let value = result.texts.first(where: { $0.role == "temperature" }) {
            #expect(value.size > japanese.size, "the reading stays the largest text on the panel")
        }
    }

    @Test("The notice is drawn in the state's quieter text colour, legible (at least 4.5:1) on its background",
          arguments: states)
    func noticeColour(_ state: NoticeCase) throws {
        #expect(state.secondary.contrast(with: state.background) >= 4.5)
        let result = try Self.render(state.panel, notice: Self.notice)
        let notice = try #require(result.texts.first { $0.role == "panel-notice" })
        // The solid cores of the glyphs have the text colour; the rest is the background.
        let ink = result.frame.count(in: notice.extents) { r, g, b in
            abs(Int(r) - Int(state.secondary.r)) <= 8 && abs(Int(g) - Int(state.secondary.g)) <= 8
                && abs(Int(b) - Int(state.secondary.b)) <= 8
        }
        #expect(ink > 500, "only \(ink) pixels of \(state.secondary) in the notice")
        let below = Rect(x: notice.box.x, y: notice.box.maxY + 2, width: notice.box.width,
                         height: (try #require(Self.profile.temperaturePanel)).maxY - notice.box.maxY - 4)
        #expect(result.frame.mean(in: below).isClose(to: state.background), "the panel's colour runs to its foot")
    }

    @Test("Without a notice there is none, and the panel is laid out as before")
    func noNoticeWithoutText() throws {
        for notice in [nil, "", "  \n "] as [String?] {
            let result = try Self.render(.idle, notice: notice)
            #expect(!result.texts.contains { $0.role == "panel-notice" })
            let plain = try Self.render(.idle, notice: nil)
            #expect(result.texts == plain.texts)
        }
        // With one, the prompts move up to make room.
        let with = try Self.render(.idle, notice: Self.notice)
        let without = try Self.render(.idle, notice: nil)
        let englishWith = try #require(with.texts.first { $0.role == "prompt-en" })
        let englishWithout = try #require(without.texts.first { $0.role == "prompt-en" })
        #expect(englishWith.box.maxY < englishWithout.box.maxY)
    }

    @Test("A line break in the notice starts its second line")
    func lineBreakStartsSecondLine() throws {
        let text = "検温は感染症対策のためです。画像・個人の測定値は保存しません。\n"
            + "Temperature is checked for infection control; no images or individual readings are kept."
        let result = try Self.render(.idle, notice: text)
        let notice = try #require(result.texts.first { $0.role == "panel-notice" })
        #expect(notice.lines.count == 2)
        #expect(notice.lines.first == "検温は感染症対策のためです。画像・個人の測定値は保存しません。")
        #expect(notice.lines.last?.hasPrefix("Temperature is checked") == true)
        #expect(!notice.isEllipsized)
    }

    @Test("A notice too long for two lines ends in an ellipsis and still stays clear of the prompts")
    func longNoticeIsCutNotOverflowing() throws {
        let long = String(repeating: "検温は感染症対策のためです。画像・個人の測定値は保存しません。", count: 4)
        let result = try Self.render(.offline, notice: long)
        let notice = try #require(result.texts.first { $0.role == "panel-notice" })
        #expect(notice.isEllipsized)
        #expect(notice.lines.count <= 2)
        #expect(notice.size >= Self.profile.minimumSecondaryTextSize)
        let english = try #require(result.texts.first { $0.role == "prompt-en" })
        #expect(notice.extents.y >= english.extents.maxY)
    }

    @Test("Displays without a temperature panel ignore the notice", arguments: [DisplayProfile.lcd1080p, .ledVision])
    func noPanelNoNotice(profile: DisplayProfile) throws {
        let result = try Self.render(.idle, notice: Self.notice, profile: profile)
        #expect(!result.texts.contains { $0.role == "panel-notice" })
    }
}
