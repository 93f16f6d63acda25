#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files replaced whole: written to a temporary name of their own beside the target (`O_EXCL`,
/// never another writer's file), then renamed over it, so a reader sees the old file or the new
/// one, never half of one. Frame outputs and the origin of published content both write so.
package enum AtomicFile {
    /// The step that failed, and the C library's words for why.
    package struct Failure: Error, Sendable {
        package enum Step: Sendable { case create, write, sync, close, replace }
        package var step: Step
        package var reason: String
        /// The folder the temporary file was made in.
        package var directory: String
    }

    /// `durable`: the file is synced before the rename and its folder after it, so a power cut
    /// leaves the old file or the new one (a frame output does not need that; an origin does).
    package static func write(_ bytes: [UInt8], to path: String, durable: Bool) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (directory.isEmpty ? "" : directory + "/")
            + ".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(step: .create, reason: systemErrorText(errno), directory: directory) }
        var failure: Failure?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = writeSome(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = Failure(step: .write, reason: systemErrorText(errno), directory: directory)
                    return
                }
                offset += n
            }
        }
        if durable && failure == nil && fsync(fd) != 0 {
            failure = Failure(step: .sync, reason: systemErrorText(errno), directory: directory)
        }
        if close(fd) != 0 && failure == nil {
            failure = Failure(step: .close, reason: systemErrorText(errno), directory: directory)
        }
        if failure == nil && rename(temporary, path) != 0 {
            failure = Failure(step: .replace, reason: systemErrorText(errno), directory: directory)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        if durable {
            // The rename itself outlives a power cut once the folder is synced; nothing to undo if not.
            let folder = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if folder >= 0 {
                fsync(folder)
                close(folder)
            }
        }
    }
}

/// write(2), named apart from ``AtomicFile/write(_:to:durable:)``.
private func writeSome(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, bytes, count)
}
