import Foundation
import Testing
@testable import OshiraseCAP

@Suite("CAP 1.2 validation: every rejection names the element, the reason and the place")
struct CAPValidationTests {
    @Test func wrongNamespaceIsNamed() throws {
        let errors = try rejection(fixture: "wrong-namespace.xml")
        #expect(errors.count == 1)
        expectError(errors.first, .namespace, path: "alert", line: 2, column: 1, containing: "urn:example:not-cap")
    }

    @Test func noNamespaceIsRefused() {
        let errors = rejection("<alert><identifier>x</identifier></alert>")
        expectError(errors.first, .namespace, path: "alert", line: 1, column: 1, containing: "has no namespace")
    }

    @Test func cap11GetsItsOwnMessage() throws {
        let errors = try rejection(fixture: "cap11.xml")
        expectError(errors.first, .unsupportedVersion, path: "alert", line: 2, column: 1,
                    containing: "CAP 1.1 is not accepted: send CAP 1.2")
    }

    @Test func missingRequiredElementsAreAllListed() throws {
        let errors = try rejection(fixture: "missing-required.xml")
        #expect(errors.count == 3, "\(errors)")
        expectError(errors.first, .missingElement, path: "alert", line: 2, column: 1, containing: "<sent>")
        expectError(errors.dropFirst().first, .missingElement, path: "alert", line: 2, column: 1, containing: "<scope>")
        expectError(errors.last, .missingElement, path: "alert/info", line: 7, column: 3, containing: "<certainty>")
    }

    @Test func catastrophicIsNotASeverity() throws {
        let errors = try rejection(fixture: "bad-severity.xml")
        expectError(errors.first, .invalidEnumeration, path: "alert/info/severity", line: 13, column: 5,
                    containing: "'Catastrophic' is not a CAP 1.2 severity")
        #expect(errors.first?.message.contains("Extreme, Severe, Moderate, Minor, Unknown") == true)
    }

    @Test(arguments: [
        ("status", "Actual", "actual"), ("msgType", "Alert", "Updated"), ("scope", "Public", "PUBLIC"),
    ])
    func enumerationsMustBeSpelledAsTheStandardDoes(element: String, original: String, value: String) {
        let text = alertHead.replacingOccurrences(of: "<\(element)>\(original)</\(element)>",
                                                  with: "<\(element)>\(value)</\(element)>") + "</alert>"
        let errors = rejection(text)
        #expect(errors.first?.code == .invalidEnumeration, "\(errors)")
        #expect(errors.first?.path == "alert/\(element)")
    }

    @Test(arguments: [
        ("<category>Weather</category>", "category"), ("<responseType>Run</responseType>", "responseType"),
    ])
    func infoEnumerationsAreChecked(extra: String, element: String) {
        let text = alertWithInfo("").replacingOccurrences(of: "<category>Geo</category>", with: "<category>Geo</category>\n"
            + (element == "category" ? extra : ""))
            .replacingOccurrences(of: "<event>避難指示</event>", with: "<event>避難指示</event>"
            + (element == "responseType" ? extra : ""))
        let errors = rejection(text)
        #expect(errors.first?.code == .invalidEnumeration, "\(errors)")
        #expect(errors.first?.path.hasPrefix("alert/info/\(element)") == true, "\(errors)")
    }

    @Test func zuluDateTimeIsRefusedWithTheExpectedForm() throws {
        let errors = try rejection(fixture: "bad-datetime-z.xml")
        expectError(errors.first, .invalidDateTime, path: "alert/sent", line: 5, column: 3,
                    containing: "'2026-11-27T09:00:00Z' is not a CAP date-time")
        #expect(errors.first?.message.contains("no Z") == true)
    }

    @Test func february30IsNotARealDate() throws {
        let errors = try rejection(fixture: "bad-datetime-feb30.xml")
        expectError(errors.first, .invalidDateTime, path: "alert/sent", line: 5, column: 3,
                    containing: "day 30 does not exist: 2026-02 has 28 days")
    }

    @Test(arguments: [
        "2026-11-27T09:00:00.5+09:00", "2026-11-27 09:00:00+09:00", "2026-11-27T09:00+09:00", "2026-11-27T24:00:00+09:00",
        "2026-13-01T09:00:00+09:00", "2026-11-27T09:00:60+09:00", "2026-11-27T09:00:00+15:00", "2026-11-27T09:00:00+0900",
        "２０２６-11-27T09:00:00+09:00", "2025-02-29T09:00:00+09:00",
    ])
    func malformedDateTimesAreRefused(text: String) {
        #expect(CAPParser.dateTime(text) == nil)
    }

    @Test func openPolygonIsRefusedAtItsPath() throws {
        let errors = try rejection(fixture: "polygon-open.xml")
        expectError(errors.first, .invalidValue, path: "alert/info[2]/area/polygon", line: 26, column: 7,
                    containing: "the polygon is not closed")
    }

    @Test func threePairPolygonIsTooShort() throws {
        let errors = try rejection(fixture: "polygon-three-pairs.xml")
        expectError(errors.first, .invalidValue, path: "alert/info[2]/area/polygon", line: 26, column: 7,
                    containing: "at least 4 lat,lon pairs")
    }

    @Test(arguments: [
        ("<polygon>91,141 91,142 90,142 91,141</polygon>", "latitude 91"),
        ("<polygon>43,181 43,182 44,182 43,181</polygon>", "longitude 181"),
        ("<polygon>43;141 43,142 44,142 43;141</polygon>", "'43;141' is not a lat,lon pair"),
        ("<circle>43.06,141.35</circle>", "is not a circle"),
        ("<circle>43.06,141.35 -1</circle>", "radius '-1'"),
        ("<circle>43.06,141.35 1e3</circle>", "radius '1e3'"),
    ])
    func badCoordinatesAreRefused(shape: String, words: String) {
        let errors = rejection(alertWithInfo("    <area><areaDesc>札幌市</areaDesc>\(shape)</area>"))
        #expect(errors.first?.code == .invalidValue, "\(errors)")
        #expect(errors.first?.message.contains(words) == true, "\(errors)")
    }

    @Test func updateWithoutReferencesIsRefused() throws {
        let errors = try rejection(fixture: "update-without-references.xml")
        expectError(errors.first, .inconsistent, path: "alert/msgType", line: 7, column: 3,
                    containing: "msgType Update needs <references>")
    }

    @Test func cancelWithoutReferencesIsRefused() {
        let text = alertHead.replacingOccurrences(of: "<msgType>Alert</msgType>", with: "<msgType>Cancel</msgType>") + "</alert>"
        expectError(rejection(text).first, .inconsistent, path: "alert/msgType", line: 7, column: 3,
                    containing: "msgType Cancel needs <references>")
    }

    @Test(arguments: [
        ("bousai@city.sapporo.jp,JP-001", "found 2 parts"),
        ("bousai@city.sapporo.jp,JP-001,2026-11-27T09:00:00Z", "is not a CAP date-time"),
        (",JP-001,2026-11-27T09:00:00+09:00", "the sender must not be empty"),
        ("a,b,c,d", "found 4 parts"),
    ])
    func malformedReferencesAreRefused(references: String, words: String) {
        let text = alert("  <references>\(references)</references>")
        let errors = rejection(text)
        expectError(errors.first, errors.first?.code == .invalidDateTime ? .invalidDateTime : .invalidValue,
                    path: "alert/references", line: 9, column: 3, containing: words)
    }

    @Test func restrictionWithoutRestrictedScopeIsRefused() throws {
        let errors = try rejection(fixture: "restriction-without-restricted.xml")
        expectError(errors.first, .inconsistent, path: "alert/restriction", line: 9, column: 3,
                    containing: "only allowed with scope Restricted, not Public")
    }

    @Test func restrictedScopeNeedsARestriction() {
        let text = alertHead.replacingOccurrences(of: "<scope>Public</scope>", with: "<scope>Restricted</scope>") + "</alert>"
        expectError(rejection(text).first, .inconsistent, path: "alert/scope", line: 8, column: 3,
                    containing: "scope Restricted needs a <restriction>")
    }

    @Test func privateScopeNeedsAddresses() {
        let text = alertHead.replacingOccurrences(of: "<scope>Public</scope>", with: "<scope>Private</scope>") + "</alert>"
        expectError(rejection(text).first, .inconsistent, path: "alert/scope", line: 8, column: 3,
                    containing: "scope Private needs <addresses>")
    }

    @Test func outOfOrderElementIsNamed() throws {
        let errors = try rejection(fixture: "out-of-order.xml")
        #expect(errors.count == 1, "\(errors)")
        expectError(errors.first, .outOfOrder, path: "alert/sender", line: 5, column: 3,
                    containing: "<sender> is out of place: the standard's order puts it before <sent>")
    }

    @Test(arguments: ["JP SAPPORO", "JP,001", "JP&lt;001", "JP&amp;001", ""])
    func identifiersWithForbiddenCharactersAreRefused(identifier: String) {
        let text = alertHead.replacingOccurrences(of: "JP-SAPPORO-TEST-001", with: identifier) + "</alert>"
        let errors = rejection(text)
        expectError(errors.first, .invalidValue, path: "alert/identifier", line: 3, column: 3, containing: "<identifier>")
    }

    @Test func unknownCAPElementIsRefused() {
        let errors = rejection(alert("  <priority>高</priority>"))
        expectError(errors.first, .unexpectedElement, path: "alert/priority", line: 9, column: 3,
                    containing: "CAP 1.2 defines no <priority> inside <alert>")
    }

    @Test func elementFromAnotherNamespaceIsRefused() {
        let errors = rejection(alertWithInfo("    <jma:level xmlns:jma=\"urn:example:jma\">4</jma:level>"))
        expectError(errors.first, .namespace, path: "alert/info/level", line: 16, column: 5,
                    containing: "<jma:level> is in namespace urn:example:jma")
    }

    @Test func duplicateSingleElementIsRefused() {
        let errors = rejection(alert("  <note>一</note>\n  <note>二</note>"))
        expectError(errors.first, .unexpectedElement, path: "alert/note[2]", line: 10, column: 3,
                    containing: "<note> may appear only once in <alert>")
    }

    @Test func attributesOnCAPElementsAreRefused() {
        let errors = rejection(alert("  <note lang=\"ja\">注意</note>"))
        expectError(errors.first, .unexpectedAttribute, path: "alert/note", line: 9, column: 9,
                    containing: "attribute 'lang' is not part of CAP 1.2")
    }

    @Test func textBetweenElementsIsRefused() {
        let errors = rejection(alert("  余計な文字"))
        expectError(errors.first, .unexpectedText, path: "alert", line: 9, column: 3,
                    containing: "text is not allowed directly inside <alert>")
    }

    @Test func elementInsideASimpleValueIsRefused() {
        let errors = rejection(alert("  <note>注意<b>太字</b></note>"))
        expectError(errors.first, .unexpectedElement, path: "alert/note/b", line: 9, column: 11,
                    containing: "<note> holds text only, not <b>")
    }

    @Test func ceilingNeedsAltitude() {
        let errors = rejection(alertWithInfo("    <area><areaDesc>札幌市</areaDesc><ceiling>100</ceiling></area>"))
        expectError(errors.first, .inconsistent, path: "alert/info/area/ceiling", line: 16, column: 35,
                    containing: "<ceiling> is only allowed together with <altitude>")
    }

    @Test func badLanguageTagIsRefused() {
        let text = alertWithInfo("").replacingOccurrences(of: "<language>ja-JP</language>", with: "<language>日本語</language>")
        expectError(rejection(text).first, .invalidValue, path: "alert/info/language", line: 10, column: 5,
                    containing: "'日本語' is not a language tag")
    }

    @Test func manyProblemsAreReportedTogetherUpToTwenty() {
        let notes = (1...30).map { "  <code>C\($0)</code>\n  <bogus\($0)/>" }.joined(separator: "\n")
        let errors = rejection(alert(notes))
        #expect(errors.count == CAPLimits.maximumReportedErrors)
        #expect(errors.first?.path == "alert/bogus1")
        #expect(zip(errors, errors.dropFirst()).allSatisfy { $0.line <= $1.line }, "in document order")
    }

    @Test func errorDescriptionNamesPathPlaceAndReason() throws {
        let errors = try rejection(fixture: "bad-severity.xml")
        #expect(errors.first?.description
                == "alert/info/severity (line 13, column 5): 'Catastrophic' is not a CAP 1.2 severity; "
                + "use one of Extreme, Severe, Moderate, Minor, Unknown (spelled exactly so)")
    }
}
