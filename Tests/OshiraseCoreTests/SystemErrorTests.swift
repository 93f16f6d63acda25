import Foundation
import OshiraseCore
import Testing

/// One wording for what the system said, in every message about a file, device or socket.
@Suite("System error text")
struct SystemErrorTests {
    @Test("An errno reads as the C library words it")
    func errnoReadsAsTheCLibraryWordsIt() {
        #expect(systemErrorText(ENOENT) == "No such file or directory")
        #expect(systemErrorText(EACCES) == "Permission denied")
        #expect(systemErrorText(EROFS) == "Read-only file system")
        #expect(!systemErrorText(99_999).isEmpty)
    }

    @Test("A Foundation file error reads as the errno behind it")
    func foundationFileErrorsReadAsTheirErrno() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-missing-\(UUID().uuidString)").path
        let listing = #expect(throws: (any Error).self) { _ = try FileManager.default.contentsOfDirectory(atPath: missing) }
        #expect(listing.map(systemErrorText(of:)) == "No such file or directory")
        let reading = #expect(throws: (any Error).self) { _ = try Data(contentsOf: URL(fileURLWithPath: missing)) }
        #expect(reading.map(systemErrorText(of:)) == "No such file or directory")
        #expect(systemErrorText(of: CocoaError(.fileReadNoPermission)) == "Permission denied")
    }
}
