import Foundation
@testable import OshiraseCAP
import Testing
import OshiraseCore

/// 2026-11-27 at a JST time, as CAP writes it.
private func jst(_ hour: Int, _ minute: Int) -> CAPDateTime {
    let text = String(format: "2026-11-27T%02d:%02d:00+09:00", hour, minute)
    let date = Date(timeIntervalSince1970: 1_795_737_600 + Double(hour * 3600 + minute * 60) - 9 * 3600)
    return CAPDateTime(date: date, text: text)
}

/// 札幌市中央区役所 (Chuo ward office), and a point in 旭川 (Asahikawa), 120 km away.
private let chuo = CAPPoint(latitude: 43.0556, longitude: 141.3406)
private let asahikawa = CAPPoint(latitude: 43.7706, longitude: 142.3650)

private func evacuation(_ id: String = "sapporo-2026-001", sent: CAPDateTime = jst(9, 0), status: CAPStatus = .actual,
                        msgType: CAPMessageType = .alert, severity: CAPSeverity = .extreme, expires: CAPDateTime? = jst(12, 0),
                        areas: [CAPArea] = [], references: [CAPReference] = [], headline: String = "避難指示") -> CAPAlert {
    let ja = CAPInfo(language: "ja-JP", categories: [.met], event: "土砂災害", responseTypes: [.evacuate], urgency: .immediate,
                     severity: severity, certainty: .observed, expires: expires, headline: headline,
                     description: "南区の一部に避難指示を発令しました。", areas: areas)
    var en = ja
    en.language = "en-US"
    en.headline = "Evacuation order"
    var ko = ja
    ko.language = "ko-KR"
    ko.headline = "대피 지시"
    return CAPAlert(identifier: id, sender: "bousai@city.sapporo.jp", sent: sent, status: status, msgType: msgType,
                    scope: .public, references: references, infos: [en, ko, ja])
}

@Suite("Alert semantics")
struct AlertBookTests {
    @Test func anActualAlertIsShownFromSentToExpiresInTheConfiguredLanguageOrder() {
        var book = AlertBook()
        #expect(book.admit(evacuation(), at: jst(9, 0).date) == .stored)
        #expect(book.active(at: jst(8, 59).date).isEmpty, "effective defaults to sent")
        let shown = book.active(at: jst(10, 0).date)
        #expect(shown.count == 1)
        #expect(shown.first?.infos.map(\.language) == ["ja-JP", "en-US", "ko-KR"], "ja-JP, en-US, zh-CN, ko-KR order")
        #expect(shown.first?.presentation == .takeover && shown.first?.isExercise == false)
        #expect(book.active(at: jst(12, 0).date).isEmpty, "gone at expires")
        #expect(book.nextChange(after: jst(10, 0).date) == jst(12, 0).date)
    }

    @Test func withoutExpiresTheLocalMaximumBoundsIt() {
        var book = AlertBook(policy: AlertPolicy(maximumDuration: 3600))
        _ = book.admit(evacuation(expires: nil), at: jst(9, 0).date)
        #expect(!book.active(at: jst(9, 59).date).isEmpty)
        #expect(book.active(at: jst(10, 0).date).isEmpty)
    }

    @Test func moderateAndMinorAreABannerAndTheMappingIsConfigurable() {
        var book = AlertBook()
        _ = book.admit(evacuation(severity: .moderate, headline: "大雪注意報"), at: jst(9, 0).date)
        #expect(book.active(at: jst(9, 30).date).first?.presentation == .banner)
        var strict = AlertBook(policy: AlertPolicy(takeover: [.extreme]))
        _ = strict.admit(evacuation(severity: .severe), at: jst(9, 0).date)
        #expect(strict.active(at: jst(9, 30).date).first?.presentation == .banner)
    }

    @Test func statusesAreHandledAsTheStandardSays() {
        var book = AlertBook()
        #expect(book.admit(evacuation("d", status: .draft), at: jst(9, 0).date) == .rejected("status Draft: a draft is not sent to screens"))
        if case .notShown = book.admit(evacuation("t", status: .test), at: jst(9, 0).date) {} else { Issue.record("Test is shown") }
        if case .notShown = book.admit(evacuation("s", status: .system), at: jst(9, 0).date) {} else { Issue.record("System is shown") }
        if case .notShown = book.admit(evacuation("x", status: .exercise), at: jst(9, 0).date) {} else { Issue.record("Exercise shown where not configured") }
        #expect(book.active(at: jst(9, 30).date).isEmpty)

        var drills = AlertBook(policy: AlertPolicy(showsExercises: true))
        #expect(drills.admit(evacuation("x", status: .exercise), at: jst(9, 0).date) == .stored)
        #expect(drills.active(at: jst(9, 30).date).first?.isExercise == true)
    }

    @Test func anUpdateReplacesWhatItReferencesAndACancelRemovesIt() {
        var book = AlertBook()
        let original = evacuation()
        _ = book.admit(original, at: jst(9, 0).date)
        let update = evacuation("sapporo-2026-002", sent: jst(9, 30), msgType: .update, references: [original.reference],
                                headline: "避難指示（対象地域拡大）")
        #expect(book.admit(update, at: jst(9, 30).date) == .stored)
        #expect(book.active(at: jst(10, 0).date).map(\.alert.identifier) == ["sapporo-2026-002"])
        let cancel = CAPAlert(identifier: "sapporo-2026-003", sender: "bousai@city.sapporo.jp", sent: jst(10, 30), status: .actual,
                              msgType: .cancel, scope: .public, references: [update.reference])
        #expect(book.admit(cancel, at: jst(10, 30).date) == .stored)
        #expect(book.active(at: jst(10, 31).date).isEmpty)
    }

    @Test func aCancelIsRememberedSoALateOriginalIsNeverShown() {
        var book = AlertBook()
        let original = evacuation()
        let cancel = CAPAlert(identifier: "sapporo-2026-003", sender: original.sender, sent: jst(9, 5), status: .actual,
                              msgType: .cancel, scope: .public, references: [original.reference])
        _ = book.admit(cancel, at: jst(9, 5).date)
        _ = book.admit(original, at: jst(9, 6).date)  // delayed by a feed
        #expect(book.active(at: jst(9, 10).date).isEmpty)
    }

    @Test func anExerciseCancelNeverWithdrawsARealAlert() {
        var book = AlertBook(policy: AlertPolicy(showsExercises: true))
        let original = evacuation()
        _ = book.admit(original, at: jst(9, 0).date)
        let drill = CAPAlert(identifier: "drill-cancel", sender: original.sender, sent: jst(9, 5), status: .exercise,
                             msgType: .cancel, scope: .public, references: [original.reference])
        _ = book.admit(drill, at: jst(9, 5).date)
        #expect(book.active(at: jst(9, 10).date).count == 1, "the real evacuation order stays")
    }

    @Test func aCancelFromAnotherSenderWithdrawsNothing() {
        var book = AlertBook()
        let original = evacuation()
        let forged = CAPAlert(identifier: "x", sender: "someone@example.org", sent: jst(9, 5), status: .actual, msgType: .cancel,
                              scope: .public, references: [original.reference])
        _ = book.admit(original, at: jst(9, 0).date)
        guard case .notShown(let why) = book.admit(forged, at: jst(9, 5).date) else {
            Issue.record("a Cancel that withdraws nothing should say so")
            return
        }
        #expect(why == "someone@example.org cannot withdraw messages of bousai@city.sapporo.jp: a sender withdraws only its own; nothing was withdrawn")
        #expect(book.active(at: jst(9, 10).date).count == 1)
    }

    @Test func theSameIdentityIsADuplicateWhenEqualAndAConflictOtherwise() {
        var book = AlertBook()
        _ = book.admit(evacuation(), at: jst(9, 0).date)
        #expect(book.admit(evacuation(), at: jst(9, 1).date) == .duplicate)
        #expect(book.admit(evacuation(headline: "避難指示（訂正）"), at: jst(9, 1).date) == .conflict)
    }

    @Test func anExpiredAlertIsRejected() {
        var book = AlertBook()
        #expect(book.admit(evacuation(expires: jst(9, 30)), at: jst(10, 0).date) == .rejected("expired: every info block's expires is in the past"))
        #expect(book.messages.isEmpty)
    }

    @Test func areasAreMatchedAgainstTheBoxsLocation() {
        // A 10 km circle around 札幌駅, and a square polygon around 中央区.
        let circle = CAPArea(areaDesc: "札幌市中心部", circles: [CAPCircle(center: CAPPoint(latitude: 43.0687, longitude: 141.3508), radiusKilometres: 10)])
        let square = CAPArea(areaDesc: "中央区", polygons: [[
            CAPPoint(latitude: 43.00, longitude: 141.25), CAPPoint(latitude: 43.00, longitude: 141.40),
            CAPPoint(latitude: 43.10, longitude: 141.40), CAPPoint(latitude: 43.10, longitude: 141.25),
            CAPPoint(latitude: 43.00, longitude: 141.25),
        ]])
        for area in [circle, square] {
            var here = AlertBook(policy: AlertPolicy(location: chuo))
            _ = here.admit(evacuation(areas: [area]), at: jst(9, 0).date)
            #expect(here.active(at: jst(9, 30).date).count == 1, "\(area.areaDesc) contains 中央区役所")
            var there = AlertBook(policy: AlertPolicy(location: asahikawa))
            _ = there.admit(evacuation(areas: [area]), at: jst(9, 30).date)
            #expect(there.active(at: jst(9, 30).date).isEmpty, "\(area.areaDesc) does not contain 旭川")
        }
        var anywhere = AlertBook(policy: AlertPolicy(location: asahikawa))
        _ = anywhere.admit(evacuation(areas: []), at: jst(9, 0).date)
        #expect(anywhere.active(at: jst(9, 30).date).count == 1, "no area: everywhere")
        let asahikawaCode = CAPArea(areaDesc: "旭川市", geocodes: [CAPValuePair(valueName: "JIS", value: "01204")])
        var coded = AlertBook(policy: AlertPolicy(location: asahikawa, geocodes: [CAPValuePair(valueName: "JIS", value: "01204")]))
        _ = coded.admit(evacuation(areas: [asahikawaCode]), at: jst(9, 0).date)
        #expect(coded.active(at: jst(9, 30).date).count == 1, "a geocode naming the box's place")
        var elsewhere = AlertBook(policy: AlertPolicy(location: chuo, geocodes: [CAPValuePair(valueName: "JIS", value: "01101")]))
        _ = elsewhere.admit(evacuation(areas: [asahikawaCode]), at: jst(9, 0).date)
        #expect(elsewhere.active(at: jst(9, 30).date).isEmpty, "both name places by code, and they differ")
        var unsure = AlertBook(policy: AlertPolicy(location: chuo))
        _ = unsure.admit(evacuation(areas: [asahikawaCode]), at: jst(9, 0).date)
        #expect(unsure.active(at: jst(9, 30).date).count == 1, "a geocode-only area a box without geocodes cannot judge: shown")
    }

    @Test func theMostSevereComesFirst() {
        var book = AlertBook()
        _ = book.admit(evacuation("a", severity: .minor, headline: "大雪注意報"), at: jst(9, 0).date)
        _ = book.admit(evacuation("b", sent: jst(9, 1), severity: .extreme), at: jst(9, 1).date)
        #expect(book.active(at: jst(9, 30).date).map(\.alert.identifier) == ["b", "a"])
    }

    @Test func haversineAndPolygonEdges() {
        let d = Geometry.distanceKilometres(chuo, asahikawa)
        #expect(d > 110 && d < 125, "\(d) km")
        let ring = [CAPPoint(latitude: 0, longitude: 0), CAPPoint(latitude: 0, longitude: 1), CAPPoint(latitude: 1, longitude: 1),
                    CAPPoint(latitude: 1, longitude: 0), CAPPoint(latitude: 0, longitude: 0)]
        #expect(Geometry.contains(ring, CAPPoint(latitude: 0.5, longitude: 0.5)))
        #expect(Geometry.contains(ring, CAPPoint(latitude: 0, longitude: 0.5)), "on an edge")
        #expect(!Geometry.contains(ring, CAPPoint(latitude: 1.5, longitude: 0.5)))
    }
}
