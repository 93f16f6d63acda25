import OshiraseCAP
import Testing

/// One language-tag rule for the boxes, the config and `oshirase push`.
@Suite("Language tags")
struct LanguageTagTests {
    @Test(arguments: ["ja-JP", "en-US", "ja", "zh-Hant-TW", "x-klingon", "i-default", "EN-us", "ko-KR"])
    func tagsCAPAllows(_ tag: String) {
        #expect(LanguageTag.isValid(tag))
    }

    @Test(arguments: ["", "日本語", "ja_JP", "ja-", "-JP", "123", "1a-JP", "ja--JP", "toolongprimary-JP", "ja-toolongsub"])
    func notTags(_ tag: String) {
        #expect(!LanguageTag.isValid(tag))
    }

    @Test func aReaderOfALanguageGetsItsMoreOrLessSpecificTags() {
        #expect(LanguageTag.matches("ja-JP", "ja-JP"))
        #expect(LanguageTag.matches("ja-jp", "JA-JP"))
        #expect(LanguageTag.matches("ja", "ja-JP"))
        #expect(LanguageTag.matches("ja-JP", "ja"))
        #expect(!LanguageTag.matches("jam", "ja"))
        #expect(!LanguageTag.matches("en-US", "ja-JP"))
    }
}
