import Foundation
package import Logging
package import OshiraseCore
import OshiraseDevices
import OshiraseConfig
import OshiraseRender
import Synchronization

/// The playlists the daemon plays: one version per file in the playlists folder, swapped as a
/// whole when a changed file validates, kept when it does not.
///
/// Display loops read `generation` at each frame boundary; a changed one tells them to take a
/// `snapshot()` and rebuild their schedule. Loading (YAML, image checks) happens on the caller's
/// thread: the watcher's, never a display's.
package final class PlaylistLibrary: Sendable {
    private struct FileState {
        var playlist: Playlist?
        var loadedAt: Date?
        var errors: [String] = []
        /// Monotonic seconds when the file was first found missing, while its items still play.
        var missingSince: Double?
    }
    private struct State {
        var generation = 0
        var files: [String: FileState] = [:]
        var listeners: [@Sendable () -> Void] = []
        /// The last reason the folder could not be listed, so it is logged once, not every minute.
        var listingProblem: String?
    }

    /// The folder watched, absolute.
    package let directory: String
    private let loader: PlaylistLoader
    private let clock: any WallClock
    private let logger: Logger
    private let onReloadError: @Sendable () -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - profiles: names a playlist's `displays:` may use (built-in and configured profiles).
    ///   - onReloadError: called once per file version that fails to load (for metrics).
    /// Seconds a playlist file may be missing before its items stop: an editor that moves the
    /// old file away before writing the new one (vim) leaves a gap, which must not show idle.
    package let deletionGrace: Double

    package init(directory: String, profiles: [String], clock: any WallClock, logger: Logger,
                deletionGrace: Double = 2, onReloadError: @escaping @Sendable () -> Void = {}) {
        self.directory = directory
        self.deletionGrace = deletionGrace
        var loader = PlaylistLoader(knownProfiles: profiles, skipsBrokenAssets: true)
        loader.checkText = FontCoverage.problem(in:)
        self.loader = loader
        self.clock = clock
        var logger = logger
        logger[metadataKey: "component"] = "playlists"
        self.logger = logger
        self.onReloadError = onReloadError
    }

    /// Whether a file name in the folder is a playlist: `*.yaml` or `*.yml`, not hidden (editors'
    /// swap and backup files are hidden or end otherwise).
    package static func isPlaylistFile(_ name: String) -> Bool {
        !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml"))
    }

    /// The generation of the playing set: it changes whenever the set does. Display loops read
    /// it at every frame, and take a `snapshot()` only when it moved.
    package var generation: Int {
        state.withLock { $0.generation }
    }

    /// The playlists now playing, in file-name order, and the generation they belong to.
    ///
    /// This and `statuses()` hold the lock only to take the files (a copy-on-write reference),
    /// and sort them after: `/v1/status` can ask thousands of times a second, and the display
    /// loops must not wait behind it.
    package func snapshot() -> (generation: Int, playlists: [Playlist]) {
        let (generation, files) = state.withLock { s in (s.generation, s.files) }
        return (generation, files.keys.sorted().compactMap { files[$0]?.playlist })
    }

    /// Every playlist file known, for `/v1/status`.
    package func statuses() -> [PlaylistStatus] {
        let files = state.withLock { $0.files }
        return files.keys.sorted().map { name in
            let f = files[name] ?? FileState()
            return PlaylistStatus(file: name, name: f.playlist?.name, items: f.playlist?.items.count ?? 0,
                                  loadedAt: f.loadedAt, errors: f.errors)
        }
    }

    /// Calls `listener` (on the reloading thread) after every change of the playing set.
    package func onChange(_ listener: @escaping @Sendable () -> Void) {
        state.withLock { $0.listeners.append(listener) }
    }

    /// Reads every playlist file in the folder and forgets files that are gone.
    package func rescan() {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter(Self.isPlaylistFile)
        } catch {
            let reason = systemErrorText(of: error)
            let first = state.withLock { s -> Bool in
                defer { s.listingProblem = reason }
                return s.listingProblem != reason
            }
            if first {
                logger.error("cannot read the playlists folder: \(reason); \(state.withLock { $0.files.isEmpty } ? "the displays show their idle screen until it can be read" : "the playlists loaded before keep playing")",
                             metadata: ["directory": "\(directory)"])
            }
            return
        }
        let known = state.withLock { s -> Set<String> in
            if s.listingProblem != nil {
                logger.notice("the playlists folder can be read again", metadata: ["directory": "\(directory)"])
                s.listingProblem = nil
            }
            return Set(s.files.keys)
        }
        for name in Set(names).union(known).sorted() { reload(file: name) }  // a missing file: the next rescan
    }

    /// Brings one file up to date: a valid file replaces its previous version, an invalid one is
    /// reported and leaves the previous version playing, a deleted one stops its items once it
    /// has been missing for `deletionGrace` seconds.
    /// - Returns: when the file is missing but still playing, the seconds after which to look again.
    @discardableResult
    package func reload(file name: String) -> Double? {
        guard Self.isPlaylistFile(name), !name.contains("/") else { return nil }
        let path = (directory as NSString).appendingPathComponent(name)
        var info = stat()
        guard stat(path, &info) == 0 else {
            let now = monotonicSeconds()
            let (removed, again) = state.withLock { s -> (Bool, Double?) in
                guard var file = s.files[name] else { return (false, nil) }
                let since = file.missingSince ?? now
                if now - since < deletionGrace {
                    file.missingSince = since
                    s.files[name] = file
                    return (false, deletionGrace - (now - since))
                }
                s.files[name] = nil
                s.generation += 1
                return (true, nil)
            }
            if removed {
                logger.notice("removed; its items stop", metadata: ["file": "\(path)"])
                notify()
            }
            return again
        }
        do {
            let (playlist, skipped) = try loader.loadForPlayback(path: path)
            let problems = skipped.map { $0.description + "; the item is skipped, the rest plays" }
            let now = clock.now()
            let (changed, newProblems) = state.withLock { s -> (Bool, Bool) in
                let old = s.files[name]
                s.files[name] = FileState(playlist: playlist, loadedAt: old?.playlist == playlist ? old?.loadedAt ?? now : now,
                                          errors: problems)
                let newProblems = old?.errors != problems
                guard old?.playlist != playlist else { return (false, newProblems) }
                s.generation += 1
                return (true, newProblems)
            }
            // The folder is read again every minute: say each problem once, not every minute.
            if newProblems { for problem in problems { logger.error("\(problem)", metadata: ["file": "\(path)"]) } }
            if changed {
                logger.notice("loaded \(playlist.items.count) items of \(playlist.name)", metadata: ["file": "\(path)"])
                notify()
            }
            return nil
        } catch {
            let lines = error.errors.map(\.description)
            let (hadVersion, isNew) = state.withLock { s -> (Bool, Bool) in
                var f = s.files[name] ?? FileState()
                f.missingSince = nil
                let isNew = f.errors != lines
                f.errors = lines
                s.files[name] = f
                return (f.playlist != nil, isNew)
            }
            guard isNew else { return nil }
            onReloadError()
            for line in lines { logger.error("\(line)", metadata: ["file": "\(path)"]) }
            logger.error("not loaded; \(hadVersion ? "the previous version keeps playing" : "it plays nothing until it is fixed")",
                         metadata: ["file": "\(path)"])
            return nil
        }
    }

    private func notify() {
        for listener in state.withLock({ $0.listeners }) { listener() }
    }
}
