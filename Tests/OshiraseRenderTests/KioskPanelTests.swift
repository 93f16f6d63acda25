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
