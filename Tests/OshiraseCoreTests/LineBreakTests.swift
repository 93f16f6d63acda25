import Foundation
import Testing
@testable import OshiraseCore

@Suite("Japanese phrases and kinsoku")
struct LineBreakTests {
    static let modelPath = repositoryRoot.appendingPathComponent(".data/budoux/ja.json").path
    static let lobby = "本庁舎1階正面玄関にて検温と消毒にご協力ください。"
    static let mynumber = "マイナンバーカードの申請はオンラインでも受け付けています。"

    /// BudouX's Japanese model, fetched by scripts/bootstrap.
    func model() throws -> PhraseModel {
        try #require(FileManager.default.fileExists(atPath: Self.modelPath),
                     "run scripts/bootstrap to fetch the BudouX model to .data/budoux/ja.json")
        return try PhraseModel(contentsOf: Self.modelPath)
    }

    /// The scalar offsets at which phrases begin (0 excluded).
    func boundaryOffsets(_ phrases: [String]) -> Set<Int> {
        var offsets = Set<Int>(), n = 0
        for p in phrases.dropLast() {
            n += p.unicodeScalars.count
            offsets.insert(n)
        }
        return offsets
    }

    /// The gaps strictly inside `word` where it occurs in `text`.
    func gapsInside(_ word: String, of text: String) throws -> Range<Int> {
        let scalars = Array(text.unicodeScalars), w = Array(word.unicodeScalars)
        let start = try #require((0...(scalars.count - w.count)).first { Array(scalars[$0..<$0 + w.count]) == w },
                                 "\(word) is not in \(text)")
        return (start + 1)..<(start + w.count)
    }

    @Test(arguments: [
        (lobby, ["玄関", "検温", "消毒", "ください", "協力"]),
        (mynumber, ["受け付けています", "申請", "オンライン"]),
    ])
    func phrasesKeepWordsWhole(text: String, words: [String]) throws {
        let phrases = try model().phrases(text)
        #expect(phrases.joined() == text)
        #expect(phrases.count > 2, "the sentence is cut into phrases: \(phrases)")
        let cuts = boundaryOffsets(phrases)
        for word in words {
            let inside = try gapsInside(word, of: text)
            #expect(cuts.isDisjoint(with: inside), "a phrase boundary falls inside \(word): \(phrases)")
        }
    }

    @Test func knownPhrasesOfTheLobbySentence() throws {
        let phrases = try model().phrases(Self.lobby)
        #expect(phrases.last?.hasSuffix("ください。") == true, "\(phrases)")
        #expect(phrases.contains { $0.contains("玄関") }, "\(phrases)")
    }

    @Test func matchesBudouXsOwnExample() throws {
        // The example of BudouX's README.
        #expect(try model().phrases("今日は天気です。") == ["今日は", "天気です。"])
    }

    /// Phrases the reference parser (the `budoux` 0.10.1 Python package, `Parser.parse`) gives for
    /// the same model; the Swift scorer must agree with it exactly.
    @Test(arguments: [
        ["本庁舎1階正面玄関に", "て", "検温と", "消毒に", "ご協力ください。"],
        ["マイナンバーカードの", "申請は", "オンラインでも", "受け付けています。"],
        ["本日は", "大雪の", "ため市バスに", "遅れが", "出ています。"],
        ["夜間・休日の", "届出は", "東側の", "夜間受付で", "受け付けています。"],
        ["37.5℃以上の", "方は", "係員に", "お声がけください。"],
        ["さっぽろ", "雪まつりは", "2月4日から", "11日まで", "大通公園で", "開催します。"],
    ])
    func matchesTheReferenceParser(expected: [String]) throws {
        #expect(try model().phrases(expected.joined()) == expected)
    }

    /// Regression: BudouX's model puts a phrase boundary in 8時45|分, so a line could end "8時45".
    @Test(arguments: ["受付は平日8時45分から17時15分までです。", "コンビニ交付は毎日6時30分から23時まで。", "３０分後に再開します。"])
    func numbersKeepTheirCounters(text: String) throws {
        let scalars = Array(text.unicodeScalars)
        let allowed = LineBreakPlanner(model: try model()).allowedBreaks(scalars)
        for i in 1..<scalars.count where LineBreakPlanner.isDigit(scalars[i - 1]) {
            #expect(!allowed[i], "a break is allowed after \(String(String.UnicodeScalarView(scalars[..<i])))")
        }
    }

    @Test func emptyAndOneCharacterTexts() throws {
        let m = try model()
        #expect(m.phrases("").isEmpty)
        #expect(m.phrases("雪") == ["雪"])
        #expect(m.boundaries([]) == [])
    }

    @Test func malformedModelIsAnError() {
        #expect(throws: PhraseModelError.self) { try PhraseModel(json: Data("[1, 2]".utf8)) }
        #expect(throws: PhraseModelError.self) { try PhraseModel(json: Data(#"{"UW1": 3}"#.utf8)) }
        #expect(throws: PhraseModelError.self) { try PhraseModel(json: Data(#"{"UW1": {"あ": "x"}}"#.utf8)) }
        #expect(throws: PhraseModelError.self) { try PhraseModel(contentsOf: "/nonexistent/ja.json") }
    }

    // MARK: Kinsoku

    static let kinsokuTexts = [
        lobby, mynumber,
        "「マイナンバーカード」の申請は、オンラインでも受け付けています。",
        "キャッシュレス決済がご利用いただけます。ちゃんと並んでください、よろしくお願いします。",
        "ごみの出し方をしっかり守ってください。（大雪のため収集が遅れます）",
    ]
    static let neverBefore: [Unicode.Scalar] = ["。", "、", "」", "ー", "ッ", "っ", "ゃ", "ャ", "）"]
    static let neverAfter: [Unicode.Scalar] = ["「", "（"]

    func expectKinsoku(_ planner: LineBreakPlanner, _ text: String) {
        let s = Array(text.unicodeScalars)
        let allowed = planner.allowedBreaks(s)
        #expect(allowed.count == s.count)
        #expect(allowed.first == false)
        for i in 1..<s.count {
            if Self.neverBefore.contains(s[i]) {
                #expect(!allowed[i], "break allowed before \(s[i]) in \(text)")
            }
            if Self.neverAfter.contains(s[i - 1]) {
                #expect(!allowed[i], "break allowed after \(s[i - 1]) in \(text)")
            }
        }
    }

    @Test(arguments: kinsokuTexts)
    func kinsokuHoldsWithThePhraseModel(text: String) throws {
        expectKinsoku(LineBreakPlanner(model: try model()), text)
    }

    @Test(arguments: kinsokuTexts)
    func kinsokuHoldsWithoutAModel(text: String) {
        expectKinsoku(LineBreakPlanner(model: nil), text)
    }

    @Test func withoutAModelEveryOtherGapMayBreak() {
        let s = Array("「検温」ください。".unicodeScalars)
        #expect(LineBreakPlanner(model: nil).allowedBreaks(s)
            == [false, false, true, false, true, true, true, true, false])
    }

    @Test func breaksWithTheModelAreOnlyAtPhraseBoundaries() throws {
        let m = try model()
        let s = Array(Self.mynumber.unicodeScalars)
        let phrase = m.boundaries(s)
        let allowed = LineBreakPlanner(model: m).allowedBreaks(s)
        for i in s.indices where allowed[i] {
            #expect(phrase[i], "break allowed inside a phrase at \(i)")
        }
    }

    @Test func allowedBreaksOfTinyInputs() {
        let planner = LineBreakPlanner(model: nil)
        #expect(planner.allowedBreaks([]) == [])
        #expect(planner.allowedBreaks(["雪"]) == [false])
    }

    // MARK: prepare

    @Test func prepareJoinsForbiddenGapsWithWordJoiners() {
        let planner = LineBreakPlanner(model: nil)
        #expect(planner.prepare("「検温」にご協力ください。")
            == "「\u{2060}検温\u{2060}」にご協力ください\u{2060}。")
    }

    @Test func prepareKeepsNewlines() {
        let planner = LineBreakPlanner(model: nil)
        #expect(planner.prepare("検温。\n消毒。\n\n以上") == "検温\u{2060}。\n消毒\u{2060}。\n\n以上")
    }

    @Test func prepareLeavesLatinAndSpacesAlone() {
        let planner = LineBreakPlanner(model: nil)
        #expect(planner.prepare("QR code") == "QR code")
        #expect(planner.prepare("QR コード") == "QR コ\u{2060}ード", "only the gap before ー is joined")
    }

    @Test func prepareWithTheModelKeepsPhrasesWhole() throws {
        let m = try model()
        let planner = LineBreakPlanner(model: m)
        for text in [Self.lobby, Self.mynumber] {
            let prepared = planner.prepare(text)
            let joiner = Character(LineBreakPlanner.wordJoiner)
            #expect(prepared.filter { $0 != joiner } == text)
            // Breakable gaps are exactly those without a joiner.
            var breakable = Set<Int>(), n = 0
            var previousWasJoiner = false
            for scalar in prepared.unicodeScalars {
                if scalar == LineBreakPlanner.wordJoiner { previousWasJoiner = true; continue }
                if n > 0, !previousWasJoiner { breakable.insert(n) }
                previousWasJoiner = false
                n += 1
            }
            let s = Array(text.unicodeScalars)
            let allowed = planner.allowedBreaks(s)
            #expect(breakable == Set(s.indices.filter { allowed[$0] }))
            // No break inside 玄関 or ください.
            for word in ["玄関", "ください", "受け付けています"] where text.contains(word) {
                let inside = try gapsInside(word, of: text)
                #expect(breakable.isDisjoint(with: inside), "\(word) may break in \(prepared)")
            }
        }
    }

    @Test(arguments: [
        "葛\u{E0100}飾区役所で申請してください。",        // an ideographic variation sequence (IVS)
        "辻\u{FE00}さんへのお知らせです。",               // a standardized variation sequence
        "ハ\u{309A}スホ\u{309A}ートの申請",              // パスポート with combining handakuten
    ])
    func prepareNeverSplitsACharacter(text: String) throws {
        for planner in [LineBreakPlanner(model: try model()), LineBreakPlanner(model: nil)] {
            let prepared = Array(planner.prepare(text).unicodeScalars)
            for (a, b) in zip(prepared, prepared.dropFirst()) where a == LineBreakPlanner.wordJoiner {
                #expect(!b.properties.isGraphemeExtend, "a word joiner before U+\(String(b.value, radix: 16, uppercase: true))")
            }
            #expect(planner.prepare(text).count == text.count + prepared.filter { $0 == LineBreakPlanner.wordJoiner }.count)
        }
    }

    @Test func prepareWithTheModelKeepsNewlinesAndAddsNoJoinerAroundThem() throws {
        let planner = LineBreakPlanner(model: try model())
        let text = Self.lobby + "\n" + Self.mynumber
        let prepared = planner.prepare(text)
        #expect(prepared.filter { $0 == "\n" }.count == 1)
        #expect(!prepared.contains("\u{2060}\n") && !prepared.contains("\n\u{2060}"))
        #expect(prepared.filter { $0 != Character(LineBreakPlanner.wordJoiner) } == text)
    }
}
