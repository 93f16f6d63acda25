#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import OshiraseCore

/// Bounded file reads and atomic writes on POSIX calls, so no Foundation is needed.
enum FileIO {
    /// Reads a whole regular file, refusing one above `limit` bytes before reading it.
    static func readAll(path: String, limit: Int) throws(ImageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImageError(.unreadable, "cannot open the file: \(systemErrorText(errno))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ImageError(.unreadable, "cannot inspect the file: \(systemErrorText(errno))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ImageError(.unreadable, "this is a directory, not an image file")
        }
        let size = Int(info.st_size)
        if size > limit {
            throw ImageError(.tooLarge,
                             "file is \(ImageLimits.describeBytes(size)), more than the \(ImageLimits.describeBytes(limit)) limit")
        }
        // Read up to one byte past the limit: a file that grows (or a pipe) is caught too.
        var data = [UInt8]()
        data.reserveCapacity(size + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageError(.unreadable, "cannot read the file: \(systemErrorText(errno))")
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
            if data.count > limit {
                throw ImageError(.tooLarge,
                                 "file is more than the \(ImageLimits.describeBytes(limit)) limit")
            }
        }
        return data
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`.
    ///
    /// There is no fsync: the rename keeps readers from seeing a partial file, which is
    /// what frame outputs need; surviving power loss mid-write is not a goal.
    static func writeAtomically(_ data: [UInt8], toPath path: String) throws(ImageError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (directory.isEmpty ? "" : directory + "/")
            + ".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ImageError(.writeFailed, "cannot create a temporary file in \(directory): \(systemErrorText(errno))")
        }
        var failure: ImageError?
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = ImageError(.writeFailed, "cannot write the image: \(systemErrorText(errno))")
                    return
                }
                offset += n
            }
        }
        if close(fd) != 0 && failure == nil {
            failure = ImageError(.writeFailed, "cannot finish writing the image: \(systemErrorText(errno))")
        }
        if failure == nil && rename(temporary, path) != 0 {
            failure = ImageError(.writeFailed, "cannot replace the file: \(systemErrorText(errno))")
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}
