import Testing
@testable import OshiraseCore

@Suite("Theme contrast (WCAG 2)")
struct ThemeTests {
    @Test func whiteOnBlackIs21() {
        #expect(abs(RGB(hex: 0xFFFFFF).contrast(with: RGB(hex: 0x000000)) - 21) < 1e-9)
        #expect(abs(RGB(0, 0, 0).contrast(with: RGB(255, 255, 255)) - 21) < 1e-9, "order does not matter")
        #expect(RGB(hex: 0x777777).contrast(with: RGB(hex: 0x777777)) == 1)
    }

    @Test func knownMidGreyContrast() {
        // #767676 on white is the classic 4.54:1 AA threshold colour.
        let ratio = RGB(hex: 0x767676).contrast(with: RGB(hex: 0xFFFFFF))
        #expect(abs(ratio - 4.54) < 0.01, "\(ratio)")
    }

    @Test func hexAndDescriptionRoundTrip() {
        let c = RGB(hex: 0x0B3D91)
        #expect(c == RGB(0x0B, 0x3D, 0x91))
        #expect(c.description == "#0B3D91")
    }

    @Test(arguments: Theme.all)
    func textAndBandTextAreReadable(theme: Theme) {
        #expect(theme.text.contrast(with: theme.background) >= 4.5,
                "text \(theme.text) on \(theme.background) (\(theme.label))")
        #expect(theme.bandText.contrast(with: theme.band) >= 4.5,
                "band text \(theme.bandText) on \(theme.band) (\(theme.label))")
    }

    @Test func everyCategoryHasItsOwnTheme() {
        let themes = OshiraseCore.Category.allCases.map(Theme.forCategory)
        #expect(Set(themes).count == OshiraseCore.Category.allCases.count)
        #expect(Theme.all.count == OshiraseCore.Category.allCases.count + 3)
        #expect(Theme.forCategory(.emergency).label.contains("緊急"))
    }
}
