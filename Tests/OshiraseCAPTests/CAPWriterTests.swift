import Foundation
import Testing
@testable import OshiraseCAP

@Suite("What CAPWriter writes, CAPParser reads back unchanged")
struct CAPWriterTests {
    @Test func anAlertWithEveryEscapedCharacterReadsBackAsWritten() throws {
        let sent = CAPWriter.dateTime(Date(timeIntervalSince1970: 1_795_737_600), offsetFrom: TimeZone(identifier: "Asia/Tokyo") ?? .current)
        #expect(sent == "2026-11-27T09:00:00+09:00")
        var xml = CAPWriter(identifier: "city-20261127T000000Z-0000abcd", sender: "bousai@city.sapporo.jp", sent: sent,
                            status: .exercise, msgType: .alert)
        xml.open("info")
        xml.element("language", "ja-JP")
        xml.element("category", CAPCategory.safety.rawValue)
        xml.element("event", "避難訓練")
        xml.element("urgency", CAPUrgency.immediate.rawValue)
        xml.element("severity", CAPSeverity.severe.rawValue)
        xml.element("certainty", CAPCertainty.observed.rawValue)
        xml.element("headline", "【訓練】本庁舎 <1階> & \"ロビー\" の'避難'")
        xml.element("description", "落ち着いて、係員の指示に従ってください。\r\n北口から出てください。")
        xml.close("info")

        let alert = try CAPParser.parse(xml.finish())
        #expect(alert.identifier == "city-20261127T000000Z-0000abcd")
        #expect(alert.sender == "bousai@city.sapporo.jp")
        #expect(alert.sent.text == sent)
        #expect(alert.status == .exercise && alert.msgType == .alert && alert.scope == .public)
        let info = try #require(alert.infos.first)
        #expect(info.event == "避難訓練")
        #expect(info.headline == "【訓練】本庁舎 <1階> & \"ロビー\" の'避難'")
        #expect(info.description == "落ち着いて、係員の指示に従ってください。\n北口から出てください。", "CR LF is written as LF")
    }

    @Test func aDateTimeCarriesTheZonesOffsetAndNeverZ() {
        let instant = Date(timeIntervalSince1970: 1_795_737_600)
        #expect(CAPWriter.dateTime(instant, offsetFrom: TimeZone(secondsFromGMT: 0) ?? .current) == "2026-11-27T00:00:00+00:00")
        #expect(CAPWriter.dateTime(instant, offsetFrom: TimeZone(identifier: "America/St_Johns") ?? .current) == "2026-11-26T20:30:00-03:30")
    }

    @Test func controlCharactersAreNotXMLCharacters() {
        #expect(CAPWriter.isXMLCharacter("あ") && CAPWriter.isXMLCharacter("\t") && CAPWriter.isXMLCharacter("\n"))
        #expect(!CAPWriter.isXMLCharacter(Unicode.Scalar(0x07)) && !CAPWriter.isXMLCharacter(Unicode.Scalar(0xFFFE) ?? "a"))
    }
}
