import Foundation
import Testing
@testable import OshiraseCAP

@Suite("CAP 1.2 documents that are accepted")
struct CAPValidAlertTests {
    @Test func sapporoEvacuationOrderReadsEveryLanguageAndArea() throws {
        let alert = try parsedFixture("sapporo-evacuation.xml")
        #expect(alert.identifier == "JP-SAPPORO-20261127-001")
        #expect(alert.sender == "bousai@city.sapporo.jp")
        #expect(alert.sent.text == "2026-11-27T09:00:00+09:00")
        #expect(alert.sent.date == Date(timeIntervalSince1970: 1_795_737_600))
        #expect(alert.status == .actual)
        #expect(alert.msgType == .alert)
        #expect(alert.scope == .public)
        #expect(alert.source == "札幌市危機管理局")
        #expect(alert.codes == ["JP-LEVEL-4"])
        #expect(alert.infos.map(\.language) == ["ja-JP", "en-US", "zh-CN", "ko-KR"])

        let japanese = try #require(alert.infos.first)
        #expect(japanese.event == "避難指示")
        #expect(japanese.categories == [.geo, .safety])
        #expect(japanese.responseTypes == [.evacuate])
        #expect(japanese.urgency == .immediate && japanese.severity == .extreme && japanese.certainty == .observed)
        #expect(japanese.eventCodes == [CAPValuePair(valueName: "JP-LEVEL", value: "4")])
        #expect(japanese.headline == "【警戒レベル4】札幌市中央区に避難指示")
        #expect(japanese.expires?.text == "2026-11-27T21:00:00+09:00")
        #expect(japanese.web == "https://www.city.sapporo.jp/kikikanri/")

        let area = try #require(japanese.areas.first)
        #expect(area.areaDesc == "札幌市中央区")
        #expect(area.polygons.count == 1)
        #expect(area.polygons.first?.count == 5)
        #expect(area.polygons.first?.first == CAPPoint(latitude: 43.08, longitude: 141.30))
        #expect(area.circles == [CAPCircle(center: CAPPoint(latitude: 43.06, longitude: 141.35), radiusKilometres: 5)])
        #expect(area.geocodes == [CAPValuePair(valueName: "JIS X0402", value: "01101")])

        #expect(alert.infos[1].headline == "[Alert level 4] Evacuation order for Chuo Ward, Sapporo")
        #expect(alert.infos[2].event == "避难指示")
        #expect(alert.infos[3].areas.first?.areaDesc == "삿포로시 주오구")
    }

    @Test func snowAdvisoryWithPrefixesCDATAAndDefaultLanguage() throws {
        let alert = try parsedFixture("snow-advisory.xml")
        #expect(alert.infos.count == 2)
        let japanese = alert.infos[0]
        #expect(japanese.event == "大雪注意報")
        #expect(japanese.categories == [.met])
        #expect(japanese.severity == .minor && japanese.urgency == .expected && japanese.certainty == .likely)
        #expect(japanese.description?.hasPrefix("27日夜から28日朝にかけて") == true)
        #expect(japanese.areas.isEmpty)
        #expect(alert.infos[1].language == "en-US", "an info without <language> is en-US, as the standard says")
        #expect(alert.infos[1].headline == "Heavy snow advisory for Ishikari & Sapporo")
    }

    @Test func updateCarriesTheReferenceOfTheOriginal() throws {
        let original = try parsedFixture("sapporo-evacuation.xml")
        let update = try parsedFixture("sapporo-evacuation-update.xml")
        #expect(update.msgType == .update)
        #expect(update.references == [original.reference])
    }

    @Test func cancelMayReferToSeveralMessagesAcrossLines() throws {
        let cancel = try parsedFixture("sapporo-evacuation-cancel.xml")
        #expect(cancel.msgType == .cancel)
        #expect(cancel.infos.isEmpty)
        #expect(cancel.note == "避難指示を解除しました。")
        #expect(cancel.references.map(\.identifier) == ["JP-SAPPORO-20261127-001", "JP-SAPPORO-20261127-002"])
        #expect(cancel.references.last?.sent == "2026-11-27T10:15:00+09:00")
    }

    @Test(arguments: [("exercise.xml", CAPStatus.exercise), ("test.xml", .test), ("draft.xml", .draft)])
    func everyStatusParsesAndIsLeftToTheStoreToJudge(file: String, status: CAPStatus) throws {
        // Draft is refused by the store's semantics (docs/alerts.md), not by the parser.
        let alert = try parsedFixture(file)
        #expect(alert.status == status)
    }

    @Test func exerciseCarriesItsJapaneseTrainingLabel() throws {
        let alert = try parsedFixture("exercise.xml")
        #expect(alert.infos.first?.event == "【訓練】避難指示")
    }

    @Test func byteOrderMarkCRLFAndCommentsAreFine() throws {
        let text = alert("  <!-- 札幌市 -->\n  <note>改行\nあり</note>").replacingOccurrences(of: "\n", with: "\r\n")
        let alert = try CAPParser.parse([0xEF, 0xBB, 0xBF] + Array(text.utf8))
        #expect(alert.note == "改行\nあり")
    }

    @Test func predefinedAndNumericReferencesAreDecoded() throws {
        let alert = try CAPParser.parse(Array(alert("  <note>&#x907F;&#38627; &lt;A&gt; &amp; &quot;B&apos;</note>").utf8))
        #expect(alert.note == "避難 <A> & \"B'")
    }

    @Test func restrictedAndPrivateScopesWithWhatTheyRequire() throws {
        let restricted = alertHead.replacingOccurrences(of: "<scope>Public</scope>", with:
            "<scope>Restricted</scope>\n  <restriction>札幌市職員のみ</restriction>") + "</alert>"
        #expect(try CAPParser.parse(Array(restricted.utf8)).restriction == "札幌市職員のみ")
        let privateScope = alertHead.replacingOccurrences(of: "<scope>Public</scope>", with:
            "<scope>Private</scope>\n  <addresses>kiosk-1 \"lobby display\"</addresses>") + "</alert>"
        #expect(try CAPParser.parse(Array(privateScope.utf8)).addresses == "kiosk-1 \"lobby display\"")
    }

    @Test func xmlSignatureAtTheEndOfAlertIsSkipped() throws {
        let text = alert("""
              <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>
            """)
        #expect(try CAPParser.parse(Array(text.utf8)).identifier == "JP-SAPPORO-TEST-001")
    }

    @Test func dataOverloadParsesTheSame() throws {
        let bytes = try fixture("sapporo-evacuation.xml")
        #expect(try CAPParser.parse(Data(bytes)) == CAPParser.parse(bytes))
    }

    @Test(arguments: [
        ("2026-11-27T09:00:00+09:00", 1_795_737_600.0),
        ("2026-11-27T00:00:00-00:00", 1_795_737_600.0),
        ("2024-02-29T12:00:00+00:00", 1_709_208_000.0),
        ("1970-01-01T00:00:00-05:30", 19_800.0),
    ])
    func dateTimesBecomeTheInstantTheyName(text: String, seconds: Double) {
        let value = CAPParser.dateTime(text)
        #expect(value?.date == Date(timeIntervalSince1970: seconds))
        #expect(value?.text == text)
    }
}

@Suite("Every fixture is either accepted or refused, as its name says")
struct CAPFixtureInventoryTests {
    static let accepted: Set<String> = [
        "sapporo-evacuation.xml", "sapporo-evacuation-update.xml", "sapporo-evacuation-cancel.xml",
        "snow-advisory.xml", "exercise.xml", "test.xml", "draft.xml",
    ]

    @Test func acceptedFixturesParseAndAllOthersAreRefusedWithAPlace() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: capFixtures.path).filter { $0.hasSuffix(".xml") }
        #expect(names.count >= 20)
        for name in names.sorted() {
            let errors = try rejection(fixture: name)
            if Self.accepted.contains(name) {
                #expect(errors.isEmpty, "\(name): \(errors)")
            } else {
                #expect(!errors.isEmpty, "\(name) should be refused")
                #expect(errors.allSatisfy { $0.line > 0 && !$0.message.isEmpty }, "\(name): \(errors)")
            }
        }
    }
}
