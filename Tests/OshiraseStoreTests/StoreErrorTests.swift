import Foundation
import GRDB
@testable import OshiraseStore
import Testing

@Suite("Proof-of-play store errors")
struct StoreErrorTests {
    static let notADatabase = Data(String(repeating: "これはデータベースではありません。", count: 200).utf8)

    @Test("A file that is not a database gives a clear error naming it, for writing and for reading")
    func corruptFileIsAClearError() throws {
        let folder = try TemporaryFolder()
        let path = folder.sub("oshirase.sqlite")
        try Self.notADatabase.write(to: URL(fileURLWithPath: path))
        for open in [{ try StateStore(directory: folder.path) }, { try StateStore(readingFrom: folder.path) }] {
            let error = #expect(throws: StateStoreError.self) { _ = try open() }
            #expect(error?.code == .notADatabase)
            #expect(error?.message.contains(path) == true, "\(String(describing: error))")
            #expect(error?.message.contains("not a database") == true, "\(String(describing: error))")
        }
        // Nothing was changed: the file is still what it was.
        #expect(FileManager.default.contents(atPath: path) == Self.notADatabase)
    }

    @Test("An SQLite file of someone else's is not taken for proof of play by a report")
    func foreignDatabaseIsNamed() throws {
        let folder = try TemporaryFolder()
        // A valid SQLite file with a table of another program, as a mistyped --state could find.
        try FileManager.default.createDirectory(atPath: folder.sub("state"), withIntermediateDirectories: true)
        let other = try DatabaseQueue(path: folder.sub("state/oshirase.sqlite"))
        try other.write { db in try db.execute(sql: "CREATE TABLE 住民 (名前 TEXT)") }
        let error = #expect(throws: StateStoreError.self) { _ = try StateStore(readingFrom: folder.sub("state")) }
        #expect(error?.code == .notADatabase)
        #expect(error?.message.contains("no proof-of-play table") == true, "\(String(describing: error))")
    }

    @Test("Reading a state directory where the daemon never ran says so and creates nothing")
    func missingDatabaseForReading() throws {
        let folder = try TemporaryFolder()
        for directory in [folder.path, folder.sub("never-created")] {
            let error = #expect(throws: StateStoreError.self) { _ = try StateStore(readingFrom: directory) }
            #expect(error?.code == .missing)
            #expect(error?.message.contains(directory) == true)
            #expect(error?.message.contains("has not run") == true)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("A state directory path that is a file is named, with what to do")
    func stateDirectoryIsAFile() throws {
        let folder = try TemporaryFolder()
        let file = folder.sub("state")
        try Data("ファイル".utf8).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: StateStoreError.self) { _ = try StateStore(directory: file) }
        #expect(error?.code == .directoryUnusable)
        #expect(error?.message.contains(file) == true)

        let below = folder.sub("state/oshirase")
        let nested = #expect(throws: StateStoreError.self) { _ = try StateStore(directory: below) }
        #expect(nested?.code == .directoryUnusable)
        #expect(nested?.message.contains(file) == true, "\(String(describing: nested))")
    }

    @Test("A state directory on a read-only file system says so and what to do, not to chown it")
    func readOnlyFileSystemIsNotAPermission() {
        let readOnly = StateDirectory.notWritable("/var/lib/oshirase", code: EROFS)
        #expect(readOnly.code == .directoryUnusable)
        #expect(readOnly.message.contains("/var/lib/oshirase is on a read-only file system") && readOnly.message.contains("journalctl -k"))
        #expect(readOnly.message.contains("ProtectSystem=strict") && readOnly.message.contains("ReadWritePaths="),
                "the service's own sandbox is the likeliest cause: \(readOnly)")
        #expect(!readOnly.message.contains("chown"), "\(readOnly)")
        let denied = StateDirectory.notWritable("/var/lib/oshirase", code: EACCES)
        #expect(denied.code == .permissionDenied)
        #expect(denied.message.contains("needs write access") && denied.message.contains("chown"), "\(denied)")
    }

    @Test("A state directory the user may not write names the folder and the user who needs access",
          .enabled(if: geteuid() != 0, "root may write to any folder, so the permission check cannot fail when tests run as root"))
    func unwritableStateDirectory() throws {
        let folder = try TemporaryFolder()
        let parent = folder.sub("readonly")
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let existing = folder.sub("readonly/existing")
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: true)
        chmod(existing, 0o555)
        chmod(parent, 0o555)
        defer {
            chmod(parent, 0o755)
            chmod(existing, 0o755)
        }

        let create = #expect(throws: StateStoreError.self) { _ = try StateStore(directory: folder.sub("readonly/new")) }
        #expect(create?.code == .permissionDenied)
        #expect(create?.message.contains(parent) == true && create?.message.contains("needs write access") == true,
                "\(String(describing: create))")

        let write = #expect(throws: StateStoreError.self) { _ = try StateStore(directory: existing) }
        #expect(write?.code == .permissionDenied)
        #expect(write?.message.contains(existing) == true && write?.message.contains("needs write access") == true,
                "\(String(describing: write))")
    }
}
