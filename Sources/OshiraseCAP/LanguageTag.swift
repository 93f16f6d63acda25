/// The language of a CAP info block (`<language>`, RFC 3066): a primary tag of 1–8 letters, then
/// subtags of 1–8 letters or digits, as in `ja-JP`, `en-US`, `zh-Hant-TW`. The one rule for what
/// the boxes accept, what the config's `alerts: languages` lists and what `oshirase push --lang`
/// sends, so a tag one of them takes is never refused by another.
package enum LanguageTag {
    /// Whether `tag` is a language tag.
    package static func isValid(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (1...8).contains(primary.count),
              primary.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { part in
            (1...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }

    /// Whether a block in `tag` is one for readers of `wanted`: the same language, or the same
    /// one more or less specific (`ja` and `ja-JP`), letter case aside.
    package static func matches(_ tag: String, _ wanted: String) -> Bool {
        let t = tag.lowercased(), w = wanted.lowercased()
        return t == w || t.hasPrefix(w + "-") || w.hasPrefix(t + "-")
    }
}
