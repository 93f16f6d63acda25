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

    /// Writes to a temporary file beside `path`, then renames it over `path` (``AtomicFile``).
    ///
    /// There is no fsync: the rename keeps readers from seeing a partial file, which is
    /// what frame outputs need; surviving power loss mid-write is not a goal.
    static func writeAtomically(_ data: [UInt8], toPath path: String) throws(ImageError) {
        do {
            try AtomicFile.write(data, to: path, durable: false)
        } catch {
            let text = switch error.step {
            case .create: "cannot create a temporary file in \(error.directory): \(error.reason)"
            case .write, .sync: "cannot write the image: \(error.reason)"
            case .close: "cannot finish writing the image: \(error.reason)"
            case .replace: "cannot replace the file: \(error.reason)"
            }
            throw ImageError(.writeFailed, text)
        }
    }
}
