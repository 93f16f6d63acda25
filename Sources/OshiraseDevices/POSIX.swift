#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small POSIX helpers shared by the outputs; no Foundation needed.
@usableFromInline
enum POSIX {
    /// `strerror`'s text for an errno value.
    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Seconds on the monotonic clock: the default time source of rate-limited outputs.
    @usableFromInline
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
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
                    let why = code == EEXIST ? "a file of that name is in the way" : errorText(code)
                    throw OutputError("cannot create the folder \(prefix): \(why)")
                }
            }
            prefix += "/"
        }
    }
}
