import CLinuxDevices
import Foundation
package import Logging
import OshiraseCore
import OshiraseDevices
import ServiceLifecycle
import Synchronization

/// Watches the playlists folder with inotify and reloads a file once it has been quiet for a
/// moment, so an editor's save — truncate then write, or write a temporary file and rename it
/// over the old one, or move the old one away first (vim) — is read once, complete.
///
/// Runs on its own thread: loading a playlist decodes its images, which must not hold up the
/// HTTP server or a display.
package final class PlaylistWatcher: Service, Sendable {
    private let library: PlaylistLibrary
    private let logger: Logger
    /// Seconds a file must be quiet before it is read.
    private let settle: Double
    /// Seconds between full rescans, a safety net for lost events (queue overflow).
    private let rescanInterval: Double

    private let watching = Mutex(false)

    /// True once inotify watches the folder (tests wait for it before they save files).
    package var isWatching: Bool { watching.withLock { $0 } }

    package init(library: PlaylistLibrary, logger: Logger, settle: Double = 0.25, rescanInterval: Double = 60) {
        self.library = library
        var logger = logger
        logger[metadataKey: "component"] = "playlists"
        logger[metadataKey: "directory"] = "\(library.directory)"
        self.logger = logger
        self.settle = settle
        self.rescanInterval = rescanInterval
    }

    package func run() async throws {
        let inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else {
            logger.error("cannot watch the folder: inotify_init1: \(systemErrorText(errno)); rescanning every \(Int(rescanInterval)) s instead")
            try await rescanForever()
            return
        }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_MODIFY
            | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB)
        if inotify_add_watch(inotify, library.directory, mask) < 0 {
            logger.error("cannot watch the folder: \(systemErrorText(errno)); rescanning every \(Int(rescanInterval)) s instead")
            close(inotify)
            try await rescanForever()
            return
        }
        watching.withLock { $0 = true }
        defer { watching.withLock { $0 = false } }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            close(inotify)
            throw DaemonError("cannot create a pipe: \(systemErrorText(errno))")
        }
        let stopRead = pipeFDs[0], stopWrite = pipeFDs[1]
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let finished = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let thread = Thread { [library, logger, settle, rescanInterval] in
            Self.watch(inotify: inotify, stop: stopRead, library: library, logger: logger,
                       settle: settle, rescanInterval: rescanInterval)
            close(inotify)
            close(stopRead)
            finished.withLock { $0?.resume(); $0 = nil }
        }
        thread.name = "playlist-watcher"
        let stopThread: @Sendable () -> Void = {
            var byte: UInt8 = 1
            _ = write(stopWrite, &byte, 1)
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    finished.withLock { $0 = c }
                    thread.start()
                }
            } onGracefulShutdown: {
                stopThread()
            }
        } onCancel: {
            stopThread()
        }
        close(stopWrite)
    }

    private func rescanForever() async throws {
        let (library, interval) = (self.library, rescanInterval)
        // Graceful shutdown cancels the sleep, so SIGTERM does not wait for the next rescan.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                library.rescan()
                try await Task.sleep(for: .seconds(interval))
            }
        }
    }

    /// The watcher thread: collects file names from events and reloads each once it is quiet.
    private static func watch(inotify: Int32, stop: Int32, library: PlaylistLibrary, logger: Logger,
                              settle: Double, rescanInterval: Double) {
        var pending: [String: Double] = [:]  // name → monotonic time it becomes due
        var nextRescan = monotonicSeconds() + rescanInterval
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let now = monotonicSeconds()
            let due = pending.values.min().map { min($0, nextRescan) } ?? nextRescan
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
            let timeout = Int32(max(0, min(60_000, ((due - now) * 1000).rounded(.up))))
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR {
                logger.error("watching the playlists folder failed: \(systemErrorText(errno))")
                return
            }
            if fds[1].revents != 0 { return }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let n = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
                if n > 0 {
                    var overflow = false
                    var selfGone = false
                    let names = buffer.withUnsafeBytes { raw in
                        parseEvents(raw, count: n, overflow: &overflow, selfGone: &selfGone)
                    }
                    let at = monotonicSeconds() + settle
                    for name in names where PlaylistLibrary.isPlaylistFile(name) { pending[name] = at }
                    if overflow {
                        logger.warning("too many changes in the playlists folder at once; reading it all again")
                        nextRescan = monotonicSeconds() + settle
                    }
                    if selfGone {
                        logger.error("the playlists folder was removed or moved; the playlists loaded keep playing")
                    }
                }
            }
            let later = monotonicSeconds()
            for (name, time) in pending where time <= later {
                pending[name] = nil
                // A file moved away mid-save: look again when its grace ends.
                if let again = library.reload(file: name) { pending[name] = later + again }
            }
            if later >= nextRescan {
                library.rescan()
                nextRescan = later + rescanInterval
            }
        }
    }

    private static func parseEvents(_ raw: UnsafeRawBufferPointer, count: Int, overflow: inout Bool,
                                    selfGone: inout Bool) -> [String] {
        var names: [String] = []
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= count {
            let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            if mask & UInt32(IN_Q_OVERFLOW) != 0 { overflow = true }
            if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 { selfGone = true }
            let start = offset + header
            if length > 0, start + length <= count {
                let bytes = raw[start..<(start + length)].prefix { $0 != 0 }
                if let name = String(bytes: bytes, encoding: .utf8) { names.append(name) }
            }
            offset = start + length
        }
        return names
    }
}

/// A daemon failure a person can act on.
package struct DaemonError: Error, CustomStringConvertible, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
