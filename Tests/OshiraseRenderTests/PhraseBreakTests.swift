import Foundation
import OshiraseCore
import OshiraseRender
import Testing

@Suite("Japanese lines break between phrases")
struct PhraseBreakTests {
    static let entrance = "本庁舎1階正面玄関にて検温と消毒にご協力ください。"
    static let online = "オンライン申請を受け付けています。"
    /// Words a reader must never see cut across two lines.
    static let words = ["玄関", "受け付けています", "ください", "検温", "消毒", "協力"]
    /// Prefixes that shift where the line ends fall.
    static let prefixes = ["", "お", "ご案内", "ご来庁の皆さまへ", "市民の皆さまへのお知らせ：", "本日は大雪です。", "札幌市役所からのお願い。"]

    /// Character offsets in `text` where one line ends and the next begins.
    static func lineBoundaries(_ lines: [String]) -> [Int] {
        var offsets: [Int] = []
        var total = 0
        for line in lines.dropLast() {
            total += line.count
            offsets.append(total)
        }
        return offsets
    }

    /// The problems with how `lines` cut `text`: words split across lines, lines starting with 。 or 、.
    static func breakProblems(text: String, lines: [String]) -> [String] {
        var problems: [String] = []
        let chars = Array(text)
        let boundaries = lineBoundaries(lines)
        for word in words {
            let w = Array(word)
            guard w.count <= chars.count else { continue }
            for start in 0...(chars.count - w.count) where Array(chars[start..<start + w.count]) == w {
                for b in boundaries where b > start && b < start + w.count {
                    problems.append("'\(word)' split across lines: \(lines)")
                }
            }
        }
        for (n, line) in lines.enumerated() where n > 0 {
            if let first = line.first, "。、，．）」』".contains(first) {
                problems.append("line \(n + 1) starts with \(first): \(lines)")
            }
        }
        return problems
    }

    @Test("Body lines never split 玄関, 受け付けています or ください, and never start with 。 or 、",
          arguments: [DisplayProfile.dsignClean, .ledVision, .lcd1080p])
    func bodyBreaksBetweenPhrases(profile: DisplayProfile) throws {
        #expect(phraseModel != nil, "BudouX model missing at .data/budoux/ja.json: run scripts/bootstrap")
        let renderer = makeRenderer()
        var wrappedInsideSentences = 0
        for prefix in Self.prefixes {
            for qr: String? in [nil, "https://www.city.sapporo.jp/mynumber/"] {
                for body in [prefix + Self.entrance + Self.online, prefix + Self.online + Self.entrance,
                             prefix + Self.entrance + Self.entrance] {
                    let result = try renderer.renderWithReport(scene(profile, main: announcement(
                        .info, title: "検温のご案内", body: body, qr: qr)))
                    let placed = try #require(result.texts.first { $0.role == "body" })
                    guard !placed.isEllipsized else { continue }
                    #expect(placed.lines.joined() == body)
                    let problems = Self.breakProblems(text: body, lines: placed.lines)
                    #expect(problems.isEmpty, "\(profile.name) at \(placed.size) px, qr=\(qr != nil): \(problems)")
                    if placed.lines.count > 1 { wrappedInsideSentences += 1 }
                }
            }
        }
        // The check means something only if the text really wrapped.
        #expect(wrappedInsideSentences >= 10, "\(profile.name): only \(wrappedInsideSentences) bodies wrapped")
    }

    @Test("Two-line titles break between phrases too", arguments: [DisplayProfile.dsignClean, .ledVision, .lcd1080p])
    func titleBreaksBetweenPhrases(profile: DisplayProfile) throws {
        let renderer = makeRenderer()
        for prefix in Self.prefixes {
            for title in [prefix + Self.entrance, prefix + Self.online] {
                let result = try renderer.renderWithReport(scene(profile, main: announcement(.notice, title: title, body: "")))
                let placed = try #require(result.texts.first { $0.role == "title" })
                guard !placed.isEllipsized else { continue }
                #expect(placed.lines.joined() == title)
                let problems = Self.breakProblems(text: title, lines: placed.lines)
                #expect(problems.isEmpty, "\(profile.name) title at \(placed.size) px: \(problems)")
            }
        }
    }

    @Test("The checker itself catches a word cut across lines and a line that starts with 。")
    func checkerCatchesBadBreaks() {
        let text = Self.online
        #expect(!Self.breakProblems(text: text, lines: ["オンライン申請を受け付け", "ています。"]).isEmpty)
        #expect(!Self.breakProblems(text: text, lines: ["オンライン申請を受け付けています", "。"]).isEmpty)
        #expect(Self.breakProblems(text: text, lines: ["オンライン申請を", "受け付けています。"]).isEmpty)
    }
}
