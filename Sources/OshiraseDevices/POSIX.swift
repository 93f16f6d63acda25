#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OshiraseCore

/// Small POSIX helpers shared by the outputs; no Foundation needed.
@usableFromInline
enum POSIX {
    /// Writes every byte to `fd`, retrying short writes and EINTR and waiting out EAGAIN on a
    /// non-blocking descriptor; nil when done, else the errno that stopped it (ETIMEDOUT when
    /// the descriptor took nothing for `timeout` seconds: a serial line held by flow control).
    static func writeAll(_ bytes: [UInt8], to fd: Int32, timeout: Double = .infinity) -> Int32? {
        var offset = 0
        let deadline = monotonicSeconds() + timeout
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN {
                    if monotonicSeconds() >= deadline { return ETIMEDOUT }
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 100)
                    continue
                }
                return code
            }
            offset += n
        }
        return nil
    }

    /// Creates `path` and any missing parents, as `mkdir -p` does.
    static func makeDirectories(_ path: String) throws(OutputError) {
        guard !path.isEmpty else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 {
                let code = errno
                var info = stat()
                let isDirectory = stat(prefix, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                if code != EEXIST || !isDirectory {
                    let why = code == EEXIST ? "a file of that name is in the way" : systemErrorText(code)
                    throw OutputError("cannot create the folder \(prefix): \(why)")
                }
            }
            prefix += "/"
        }
    }

    /// Where the symlink at `path` points, or nil when there is no symlink there.
    static func symlinkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
