import Foundation
import OshiraseCore
import OshiraseRender
import Testing

@Suite("Announcement colours follow the category theme")
struct ThemeColourTests {
    /// A text-free square in the bottom-left corner of the main zone: the card's padding.
    static func paddingSample(_ profile: DisplayProfile, layout: Layout = .full) -> Rect {
        let rect = profile.zones(for: layout).main
        let pad = (min(rect.width, rect.height) * (profile.kind == .led ? 0.04 : 0.06)).rounded()
        return Rect(x: rect.x + 2, y: rect.maxY - pad + 2, width: pad - 4, height: pad - 4)
    }

    static func card(_ category: Category) -> Content {
        announcement(category, title: "大雪に備えて", body: "路上駐車は除雪作業の妨げになります。車は敷地内に停めてください。")
    }

    @Test("Each category fills the main zone with its theme background",
          arguments: [DisplayProfile.lcd1080p, .dsignClean], Category.allCases)
    func categoryFillsZoneWithThemeBackground(profile: DisplayProfile, category: Category) throws {
        let frame = try makeRenderer().render(scene(profile, main: Self.card(category)))
        let expected = Theme.forCategory(category).background
        let mean = frame.mean(in: Self.paddingSample(profile))
        #expect(mean.isClose(to: expected), "\(profile.name) \(category): mean \(mean), theme \(expected)")
        // The same colour is also the bulk of the zone: the middle-left strip below the title.
        let zone = profile.zones(for: .full).main
        let strip = Rect(x: zone.x + 2, y: zone.y + zone.height * 0.5, width: 20, height: zone.height * 0.3)
        #expect(frame.mean(in: strip).isClose(to: expected))
    }

    @Test("On an LED wall the theme background goes through the CIE gamma table", arguments: Category.allCases)
    func ledBackgroundIsGammaMapped(category: Category) throws {
        let renderer = makeRenderer()
        let sample = Self.paddingSample(.ledVision)
        let theme = Theme.forCategory(category).background

        let linear = try renderer.render(scene(.ledVision, main: Self.card(category)), light: LightOutput(brightness: 1, cieGamma: false))
        #expect(linear.mean(in: sample).isClose(to: theme), "without gamma: \(linear.mean(in: sample)) vs \(theme)")

        let led = try renderer.render(scene(.ledVision, main: Self.card(category)))
        let mean = led.mean(in: sample)
        #expect(mean.isClose(to: cieGamma(theme)), "LED: \(mean), expected \(cieGamma(theme)) from \(theme)")
    }

    @Test("LED frames are darker than the same scene on an LCD", arguments: Category.allCases)
    func ledFrameIsDarkerThanLCD(category: Category) throws {
        let renderer = makeRenderer()
        let lcdBackground = try renderer.render(scene(.lcd1080p, main: Self.card(category)))
            .mean(in: Self.paddingSample(.lcd1080p))
        let ledFrame = try renderer.render(scene(.ledVision, main: Self.card(category)))
        let ledBackground = ledFrame.mean(in: Self.paddingSample(.ledVision))
        #expect(ledBackground.luminanceSum < lcdBackground.luminanceSum - 10,
                "LED \(ledBackground) should be darker than LCD \(lcdBackground)")
        for (led, lcd) in [(ledBackground.r, lcdBackground.r), (ledBackground.g, lcdBackground.g), (ledBackground.b, lcdBackground.b)] {
            #expect(led <= lcd + 1)
        }
        // And the whole LED frame is darker than itself without the gamma step.
        let plain = try renderer.render(scene(.ledVision, main: Self.card(category)), light: LightOutput(brightness: 1, cieGamma: false))
        let whole = Rect(x: 0, y: 0, width: 384, height: 216)
        #expect(ledFrame.mean(in: whole).luminanceSum < plain.mean(in: whole).luminanceSum)
    }

    @Test("Half brightness halves the LED light output")
    func halfBrightnessHalvesOutput() throws {
        let renderer = makeRenderer()
        let content = Self.card(.info)
        let full = try renderer.render(scene(.ledVision, main: content), light: LightOutput(brightness: 1, cieGamma: false))
        let half = try renderer.render(scene(.ledVision, main: content), light: LightOutput(brightness: 0.5, cieGamma: false))
        let sample = Self.paddingSample(.ledVision)
        let f = full.mean(in: sample), h = half.mean(in: sample)
        #expect(abs(h.r - f.r / 2) <= 1.5 && abs(h.g - f.g / 2) <= 1.5 && abs(h.b - f.b / 2) <= 1.5, "full \(f), half \(h)")
    }
}
