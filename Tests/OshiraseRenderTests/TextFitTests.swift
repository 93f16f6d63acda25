import Foundation
import OshiraseCore
import OshiraseRender
import Testing

/// Japanese prose of any length, cut from real municipal notices.
func japanese(_ count: Int) -> String {
    let source = "各種証明書の窓口は平日8時45分から17時15分まで受け付けています。コンビニ交付は毎日6時30分から23時まで利用できます。"
        + "路上駐車は除雪作業の妨げになります。車は敷地内に停めてください。夜間・休日の届出は東側の夜間受付で受け付けています。"
        + "本庁舎1階正面玄関にて検温と消毒にご協力ください。マイナンバーカードの申請はオンラインでも受け付けています。"
    var text = ""
    while text.count < count { text += source }
    return String(text.prefix(count))
}

/// A long URL-like string with no place to break between words.
func unbrokenLatin(_ count: Int) -> String {
    let source = "https://www.city.sapporo.jp/shimin/koseki/mynumber/online-application/index.html?ref=lobby-signage&lang=ja"
    var text = ""
    while text.count < count { text += source }
    return String(text.prefix(count))
}


@Suite("Text stays inside its box")
struct TextFitTests {
    static let lengths = [1, 2, 5, 12, 30, 60, 120, 250, 500, 1000, 2000]

    /// Every placement's ink stays in its box; body text is never set below the profile's floor.
    func checkPlacements(_ result: RenderResult, profile: DisplayProfile, context: String) {
        #expect(!result.texts.isEmpty, "\(context): no text was placed")
        // No two blocks of text overlap.
        for (i, a) in result.texts.enumerated() {
            for b in result.texts[(i + 1)...] {
                let overlap = a.extents.x < b.extents.maxX && b.extents.x < a.extents.maxX
                    && a.extents.y < b.extents.maxY && b.extents.y < a.extents.maxY
                #expect(!overlap, "\(context): \(a.role) \(a.extents) overlaps \(b.role) \(b.extents)")
            }
        }
        for t in result.texts {
            #expect(t.box.contains(t.extents), "\(context): \(t.role) ink \(t.extents) leaves its box \(t.box)")
            #expect(t.size >= 4, "\(context): \(t.role) set at \(t.size) px")
            // Secondary text keeps its own floor (16 px on LED walls, 24 px on LCDs), unless its
            // box is shorter than one line at that size.
            #expect(t.size >= profile.minimumSecondaryTextSize || t.box.height < profile.minimumSecondaryTextSize * 1.4,
                    "\(context): \(t.role) at \(t.size) px in a \(t.box.height) px box")
            if t.role == "title" {
                #expect(t.size >= profile.minimumTextSize, "\(context): title at \(t.size) px")
            }
            if t.role == "body" {
                #expect(t.size >= profile.minimumTextSize,
                        "\(context): body at \(t.size) px, below the \(profile.minimumTextSize) px floor (ellipsized: \(t.isEllipsized))")
            }
        }
    }

    @Test("Body text of any length stays in its box, ellipsized when too long",
          arguments: allProfiles, lengths)
    func bodyOfAnyLengthStaysInsideItsBox(profile: DisplayProfile, length: Int) throws {
        let renderer = makeRenderer()
        let body = japanese(length)
        for qr: String? in [nil, "https://www.city.sapporo.jp/mynumber/"] {
            let result = try renderer.renderWithReport(scene(profile, main: announcement(
                .notice, title: "窓口の受付時間", body: body, footer: "市民課", qr: qr)))
            let context = "\(profile.name) body \(length) chars qr=\(qr != nil)"
            checkPlacements(result, profile: profile, context: context)
            let placed = result.texts.first { $0.role == "body" }
            if length >= 1000 {
                #expect(placed?.isEllipsized == true, "\(context): a \(length)-character body should end in an ellipsis")
            }
            if let placed, !placed.isEllipsized {
                #expect(placed.lines.joined() == body, "\(context): body text lost without an ellipsis")
            }
        }
    }

    @Test("Title text of any length stays in its box, at most two lines",
          arguments: allProfiles, lengths)
    func titleOfAnyLengthStaysInsideItsBox(profile: DisplayProfile, length: Int) throws {
        let renderer = makeRenderer()
        let title = japanese(length)
        let result = try renderer.renderWithReport(scene(profile, main: announcement(
            .warning, title: title, body: "路上駐車は除雪作業の妨げになります。")))
        let context = "\(profile.name) title \(length) chars"
        checkPlacements(result, profile: profile, context: context)
        let placed = try #require(result.texts.first { $0.role == "title" })
        #expect(placed.lines.count <= 2, "\(context): title has \(placed.lines.count) lines")
        if length >= 250 { #expect(placed.isEllipsized, "\(context): title should end in an ellipsis") }
    }

    @Test("An unbroken Latin URL-like string stays in its box",
          arguments: allProfiles, [20, 80, 300, 2000])
    func unbrokenLatinStaysInsideItsBox(profile: DisplayProfile, length: Int) throws {
        let renderer = makeRenderer()
        let text = unbrokenLatin(length)
        for main in [announcement(.info, title: text, body: text, footer: text), announcement(.info, title: "申請ページ", body: text)] {
            let result = try renderer.renderWithReport(scene(profile, main: main))
            checkPlacements(result, profile: profile, context: "\(profile.name) latin \(length)")
        }
    }

    @Test("A long site name on the idle screen and a long clock pattern stay in their boxes",
          arguments: allProfiles, [1, 30, 500])
    func idleAndClockTextsStayInside(profile: DisplayProfile, length: Int) throws {
        let renderer = makeRenderer()
        let idle = try renderer.renderWithReport(scene(profile, main: nil, layout: .mainTicker, siteName: japanese(length)))
        checkPlacements(idle, profile: profile, context: "\(profile.name) idle site \(length)")
        let clock = try renderer.renderWithReport(scene(profile, main: .clock(format: "yyyy年M月d日 HH:mm:ss"),
                                                        ticker: .clock(format: "HH:mm")))
        checkPlacements(clock, profile: profile, context: "\(profile.name) clock")
    }

    struct Overflow: CustomTestStringConvertible, Sendable {
        let profile: DisplayProfile
        let length: Int
        var testDescription: String { "\(profile.name) \(length) chars" }
    }

    /// Regression: Pango's positive layout height ignores line spacing, so ellipsizing by height
    /// overflowed the box and the fitter then shrank the text below the floor.
    @Test("A body too long for its box is ellipsized at the profile's minimum size, inside its box", arguments: [
        Overflow(profile: .lcd1080p, length: 1000), Overflow(profile: .dsignClean, length: 1000),
        Overflow(profile: .ledVision, length: 250), Overflow(profile: .ledVision, length: 2000),
    ])
    func bodyTooLongIsEllipsizedAtTheFloor(c: Overflow) throws {
        let result = try makeRenderer().renderWithReport(scene(c.profile, main: announcement(
            .notice, title: "窓口の受付時間", body: japanese(c.length))))
        let body = try #require(result.texts.first { $0.role == "body" })
        #expect(body.isEllipsized && body.size >= c.profile.minimumTextSize && body.box.contains(body.extents),
                "ellipsized: \(body.isEllipsized), size \(body.size) px (floor \(c.profile.minimumTextSize)), ink \(body.extents) in box \(body.box)")
    }

    /// Regression: Pango limits ellipsized lines per paragraph, so a body of many short lines
    /// (newlines from a YAML `|` block) overflowed its box or shrank far below the floor.
    @Test("Text with many newlines stays in its box at the floor, ellipsized", arguments: allProfiles, [3, 12, 40])
    func manyLinesStayInsideAtTheFloor(profile: DisplayProfile, lines: Int) throws {
        let body = (1...lines).map { "\($0)月の窓口はお休みです。" }.joined(separator: "\n") + "\n"
        let result = try makeRenderer().renderWithReport(scene(profile, main: announcement(
            .notice, title: "年末年始の\n窓口受付時間\n変更のお知らせ\n", body: body)))
        let context = "\(profile.name) \(lines) lines"
        checkPlacements(result, profile: profile, context: context)
        let title = try #require(result.texts.first { $0.role == "title" })
        #expect(title.lines == ["年末年始の", "窓口受付時間", "変更のお知らせ"], "\(context): \(title.lines)")
        #expect(title.size >= profile.minimumTextSize * (profile.kind == .led ? 1 : 1.25), "\(context): title at \(title.size) px")
        if lines == 40 {
            let placed = try #require(result.texts.first { $0.role == "body" })
            #expect(placed.isEllipsized && placed.lines.last?.hasSuffix("…") == true, "\(context): \(placed.lines)")
        }
    }

    /// Regression: a four-line title (an evacuation order broken into lines by the operator) was
    /// capped at three lines, set at the floor below the body's size, and lost its last line.
    @Test("A title the operator breaks into four lines keeps all of them, larger than the body", arguments: [DisplayProfile.lcd1080p, .dsignClean])
    func fourLineTitleKeepsItsLines(profile: DisplayProfile) throws {
        let result = try makeRenderer().renderWithReport(scene(profile, main: announcement(
            .emergency, title: "避難指示\n（警戒レベル4）\n北区・東区の全域\n直ちに避難\n", body: "安全な場所へ直ちに避難してください。")))
        let title = try #require(result.texts.first { $0.role == "title" })
        let body = try #require(result.texts.first { $0.role == "body" })
        #expect(title.lines == ["避難指示", "（警戒レベル4）", "北区・東区の全域", "直ちに避難"] && !title.isEllipsized, "\(title.lines)")
        #expect(title.size > body.size, "title \(title.size) px, body \(body.size) px")
    }
}
