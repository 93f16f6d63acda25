import Foundation
import Testing
@testable import OshiraseCAP

/// The repository's `fixtures/cap` folder, found from this file so tests run from any directory.
let capFixtures: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/cap")

func fixture(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: capFixtures.appendingPathComponent(name)))
}

/// Parses a fixture that must be valid.
func parsedFixture(_ name: String) throws -> CAPAlert {
    try CAPParser.parse(fixture(name))
}

/// The errors a document is refused with; empty when it is accepted.
func rejection(_ bytes: [UInt8], limits: CAPLimits = .standard) -> [CAPError] {
    do {
        _ = try CAPParser.parse(bytes, limits: limits)
        return []
    } catch {
        return error.errors
    }
}

func rejection(_ text: String, limits: CAPLimits = .standard) -> [CAPError] {
    rejection(Array(text.utf8), limits: limits)
}

func rejection(fixture name: String) throws -> [CAPError] {
    rejection(try fixture(name))
}

/// A valid alert's opening, up to and including `<scope>`, for tests that add one thing after it.
let alertHead = """
    <?xml version="1.0" encoding="UTF-8"?>
    <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
      <identifier>JP-SAPPORO-TEST-001</identifier>
      <sender>bousai@city.sapporo.jp</sender>
      <sent>2026-11-27T09:00:00+09:00</sent>
      <status>Actual</status>
      <msgType>Alert</msgType>
      <scope>Public</scope>

    """

/// A whole alert with `body` after `<scope>` (line 9 onwards).
func alert(_ body: String) -> String {
    alertHead + body + "\n</alert>\n"
}

/// An alert whose one info block holds `extra` after `<certainty>` (line 16 onwards).
func alertWithInfo(_ extra: String) -> String {
    alert("""
          <info>
            <language>ja-JP</language>
            <category>Geo</category>
            <event>避難指示</event>
            <urgency>Immediate</urgency>
            <severity>Extreme</severity>
            <certainty>Observed</certainty>
        \(extra)
          </info>
        """)
}

/// Compares an error's place and kind in one expectation, so a failure shows all of it.
func expectError(_ error: CAPError?, _ code: CAPError.Code, path: String, line: Int, column: Int,
                 containing words: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else {
        Issue.record("expected \(code) at \(path) \(line):\(column), but the document was accepted",
                     sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    #expect(error.path == path, "\(error)", sourceLocation: sourceLocation)
    #expect(error.line == line && error.column == column, "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.contains(words), "\(error)", sourceLocation: sourceLocation)
}
