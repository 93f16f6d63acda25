import Foundation
import CPangoCairo

/// Which characters the display font can draw, so a playlist that would show empty boxes
/// (an emoji, a rare symbol) is caught by `validate` rather than on the screen.
public enum FontCoverage {
    /// The characters of `text` that Noto Sans CJK JP has no glyph for, each once, in order.
    /// White space, controls, joiners and variation selectors are not drawn and never count.
    package static func missingCharacters(in text: String) -> [Unicode.Scalar] {
        guard let charset = characterSet.charset else { return [] }
        var seen = Set<Unicode.Scalar>()
        var missing: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            // Control characters (a vertical tab pasted from a spreadsheet) draw as boxes too.
            let drawnAsBox = isStrayControl(scalar)
                || (!isInvisible(scalar) && FcCharSetHasChar(charset, FcChar32(scalar.value)) == FcFalse)
            if drawnAsBox, seen.insert(scalar).inserted { missing.append(scalar) }
        }
        return missing
    }

    /// One line naming missing characters, e.g. `🚌 (U+1F68C)`, or nil when every one can be drawn.
    public static func problem(in text: String) -> String? {
        let missing = missingCharacters(in: text)
        guard !missing.isEmpty else { return nil }
        let list = missing.prefix(5).map { scalar in
            let code = String(format: "U+%04X", scalar.value)
            return isStrayControl(scalar) ? "the control character \(code)" : "\(Character(scalar)) (\(code))"
        }.joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
        return "contains \(list), which the display font (Noto Sans CJK JP) cannot draw; the screen would show empty boxes"
    }

    /// A control character other than tab, newline and carriage return.
    private static func isStrayControl(_ s: Unicode.Scalar) -> Bool {
        s.properties.generalCategory == .control && !["\t", "\n", "\r"].contains(s)
    }

    private static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        if s.properties.isWhitespace || s.properties.generalCategory == .control || s.properties.generalCategory == .format {
            return true
        }
        return s.properties.isVariationSelector
    }

    /// The character set of Noto Sans CJK JP Regular under the renderer's font configuration.
    private final class FontCharset: @unchecked Sendable {
        // Read-only after creation; fontconfig character sets are immutable once built.
        let charset: OpaquePointer?

        init() {
            _ = FontSetup.configured
            var charset: OpaquePointer?
            if let pattern = FcNameParse("Noto Sans CJK JP") {
                FcConfigSubstitute(nil, pattern, FcMatchPattern)
                FcDefaultSubstitute(pattern)
                var result = FcResultMatch
                if let font = FcFontMatch(nil, pattern, &result) {
                    var found: OpaquePointer?
                    if FcPatternGetCharSet(font, FC_CHARSET, 0, &found) == FcResultMatch, let found {
                        charset = FcCharSetCopy(found)
                    }
                    FcPatternDestroy(font)
                }
                FcPatternDestroy(pattern)
            }
            self.charset = charset
        }
    }

    private static let characterSet = FontCharset()
}
