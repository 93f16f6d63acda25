import OshiraseRender
import Testing

@Suite("Font coverage")
struct FontCoverageTests {
    @Test("Japanese, Latin, full-width forms and signage symbols are all drawable")
    func municipalTextIsCovered() {
        let text = "札幌市役所 本庁舎1階正面玄関にて検温と消毒にご協力ください。37.5℃以上の方は係員へ → 受付（平日）… ABC abc ０１２ ・「」〒"
        #expect(FontCoverage.missingCharacters(in: text).isEmpty)
        #expect(FontCoverage.problem(in: text) == nil)
    }

    @Test("Emoji are reported once each, with their code points")
    func emojiAreReported() throws {
        #expect(FontCoverage.missingCharacters(in: "🚌 市バス 🚌 🙏") == ["🚌", "🙏"])
        let problem = try #require(FontCoverage.problem(in: "大雪 ❄️ のため"))
        #expect(problem.contains("❄ (U+2744)") && problem.contains("cannot draw"), "\(problem)")
    }

    @Test("White space, joiners and variation selectors are never reported")
    func invisibleCharactersAreIgnored() {
        #expect(FontCoverage.missingCharacters(in: "検温\u{2060}に\u{200B}ご協力\n\t\u{3000}\u{FE0F}ください").isEmpty)
    }

    /// Regression: control characters (often pasted from a spreadsheet) passed validate and drew as boxes.
    @Test("Control characters other than tab and newline are reported")
    func strayControlsAreReported() throws {
        #expect(FontCoverage.missingCharacters(in: "制御\u{07}文字\u{0B}と\u{85}\t\n\r") == ["\u{07}", "\u{0B}", "\u{85}"])
        let problem = try #require(FontCoverage.problem(in: "本文\u{0B}"))
        #expect(problem.contains("the control character U+000B"), "\(problem)")
    }
}
