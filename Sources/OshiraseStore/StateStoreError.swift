import Foundation
import GRDB

/// Why the proof-of-play database could not be opened, read or written, in words an operator can act on.
public struct StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (the report says "not run yet" for `.missing`).
    package enum Code: Sendable, Equatable {
        /// The state directory cannot be created or is not a directory.
        case directoryUnusable
        /// The process's user may not create, read or write a file or folder.
        case permissionDenied
        /// There is no database yet in the state directory (opening for reading only).
        case missing
        /// The file is not an SQLite database, or not Oshirase's, or is damaged.
        case notADatabase
        /// The disk is full.
        case diskFull
        /// The disk or its file system failed a read or write (a failing disk, a file system the
        /// kernel turned read-only after an error).
        case ioError
        /// Another connection held the write lock for longer than the busy timeout.
        case busy
        /// A write was asked of a store opened for reading only.
        case readOnly
        /// A record that cannot be stored (ends before it starts, an instant out of range).
        case invalidRecord
        /// Any other SQLite failure; the message carries SQLite's own words.
        case database
    }

    package let code: Code
    /// The file or folder concerned.
    public let path: String
    /// One line, naming the path and what to do.
    public let message: String

    package init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }

    /// Turns whatever SQLite or GRDB threw while working on `databasePath` into an error that names the file.
    static func wrapping(_ error: any Error, databasePath path: String, doing action: String) -> StateStoreError {
        if let error = error as? StateStoreError { return error }
        guard let error = error as? DatabaseError else {
            return StateStoreError(code: .database, path: path, message: "cannot \(action) \(path): \(error)")
        }
        let sqlite = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StateStoreError(
                code: .notADatabase, path: path,
                message: "\(path) is not a usable proof-of-play database (SQLite: \(sqlite)); "
                    + "stop the daemon, move the file aside (with its -wal and -shm files) and start it again to begin a new one")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return StateStoreError(
                code: .permissionDenied, path: path,
                message: "cannot \(action) \(path): \(sqlite); \(ProcessUser.current) needs write access to it, "
                    + "its -wal and -shm files and its folder")
        case .SQLITE_CANTOPEN:
            let folder = (path as NSString).deletingLastPathComponent
            return StateStoreError(
                code: .permissionDenied, path: path,
                message: "cannot \(action) \(path): \(sqlite); check that \(ProcessUser.current) may read it and write "
                    + "its folder \(folder) (SQLite keeps -wal and -shm files beside it)")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StateStoreError(
                code: .busy, path: path,
                message: "cannot \(action) \(path): another process holds its write lock (SQLite: \(sqlite)); "
                    + "close any sqlite3 shell on it and make sure only one daemon uses this state directory")
        case .SQLITE_IOERR:
            return StateStoreError(
                code: .ioError, path: path,
                message: "cannot \(action) \(path): \(sqlite) (the disk or its file system failed; see the kernel log)")
        case .SQLITE_FULL:
            return StateStoreError(
                code: .diskFull, path: path,
                message: "cannot \(action) \(path): the disk is full; free space on it or shorten the retention")
        default:
            return StateStoreError(code: .database, path: path, message: "cannot \(action) \(path): \(sqlite)")
        }
    }
}

/// The user this process runs as, for "who needs access" in error messages.
enum ProcessUser {
    /// `user 'oshirase' (uid 998)`, or `uid 998` when the name cannot be found.
    static var current: String {
        let uid = geteuid()
        return name(of: uid).map { "user '\($0)' (uid \(uid))" } ?? "uid \(uid)"
    }

    /// The name of the user owning `path`, if it can be found.
    static func owner(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return name(of: info.st_uid)
    }

    private static func name(of uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return nil
        }
        return String(cString: name)
    }
}
