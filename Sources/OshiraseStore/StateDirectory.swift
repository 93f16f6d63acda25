import Foundation
import OshiraseCore

/// Checks on the state directory made before SQLite sees it, so that a missing folder or a
/// missing permission is reported with the folder's name and the user who needs access, rather
/// than as SQLite's "unable to open database file".
enum StateDirectory {
    /// Creates `directory` and any missing parents, and checks that this process may write in it.
    static func prepare(_ directory: String) throws(StateStoreError) {
        guard !directory.isEmpty else {
            throw StateStoreError(code: .directoryUnusable, path: directory,
                                        message: "the state directory is empty: set `state:` in the config")
        }
        try create(directory)
        if access(directory, W_OK | X_OK) != 0 {
            throw notWritable(directory, code: errno)
        }
    }

    /// Why `directory` cannot be written, with what to do: a read-only file system is the disk's
    /// or the mount's doing, not a permission a chown would give.
    static func notWritable(_ directory: String, code: Int32) -> StateStoreError {
        let reason = systemErrorText(code)
        if code == EROFS {
            return StateStoreError(
                code: .directoryUnusable, path: directory,
                message: "the state directory \(directory) is on a read-only file system: under systemd's ProtectSystem=strict "
                    + "(the unit in docs/systemd) only /var/lib/oshirase is writable, so use it or add the folder to ReadWritePaths=; "
                    + "otherwise the kernel turned the file system read-only after a disk error (see journalctl -k) or it was "
                    + "mounted so: check it and mount it read-write")
        }
        return StateStoreError(
            code: .permissionDenied, path: directory,
            message: "the state directory \(directory) is not writable (\(reason)); \(ProcessUser.current) needs write access to it "
                + "(for example: chown that user \(directory))")
    }

    /// Whether `path` exists and is a folder; an error when it exists as something else.
    static func isDirectory(_ path: String) throws(StateStoreError) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return false }
            let reason = systemErrorText(errno)
            throw StateStoreError(code: errno == EACCES ? .permissionDenied : .directoryUnusable, path: path,
                                        message: "cannot look at the state directory \(path): \(reason); "
                                            + "\(ProcessUser.current) needs access to it and the folders above it")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw StateStoreError(code: .directoryUnusable, path: path,
                                        message: "the state directory \(path) is a file, not a folder: move it aside or set `state:` in the config to another folder")
        }
        return true
    }

    /// mkdir -p, one level at a time, so the error names the level that failed.
    private static func create(_ directory: String) throws(StateStoreError) {
        if try isDirectory(directory) { return }
        let parent = (directory as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != directory { try create(parent) }
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            let code = errno
            let reason = systemErrorText(code)
            let user = ProcessUser.current
            let parentName = parent.isEmpty ? "." : parent
            let advice = (code == EACCES || code == EPERM)
                ? "; \(user) needs write access to \(parentName), or create \(directory) and give that user write access to it"
                : ""
            throw StateStoreError(code: (code == EACCES || code == EPERM) ? .permissionDenied : .directoryUnusable,
                                        path: directory,
                                        message: "cannot create the state directory \(directory): \(reason)\(advice)")
        }
    }
}
