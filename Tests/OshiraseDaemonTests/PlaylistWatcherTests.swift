import Foundation
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseTestSupport
import Testing

/// Real inotify on a temporary folder: the watcher must read an editor's save once, complete,
/// and the playlist must never disappear while it is being saved.
@Suite("Playlist watcher")
struct PlaylistWatcherTests {
    func playlist(_ id: String) -> String {
        announcementPlaylist([(id, "マイナンバーカードの申請", 10)])
    }

    /// Polls the library every 2 ms until `done` or `patience` runs out; fails if the file's
    /// playlist was ever absent.
    func watch(_ library: PlaylistLibrary, until done: ([String]) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(patience)
        while Date() < deadline {
            let ids = library.snapshot().playlists.flatMap { $0.items.map(\.id) }
            #expect(!ids.isEmpty, "the playlist vanished during a save")
            if done(ids) { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    @Test func editorSavesAreReadOnceCompleteAndNeverLeaveTheScreenEmpty() async throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", playlist("first"))
        let library = PlaylistLibrary(directory: folder.path, profiles: ["lcd-1080p"], clock: SystemWallClock(),
                                      logger: quietLogger)
        library.rescan()
        let watcher = PlaylistWatcher(library: library, logger: quietLogger, settle: 0.1)
        let task = Task { try await watcher.run() }
        defer { task.cancel() }
        #expect(await eventually { watcher.isWatching })
        let path = (folder.path as NSString).appendingPathComponent("lobby.yaml")

        // Truncate, pause, then write (as `cat > file` or many editors do).
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        usleep(30_000)  // blocking, so a busy thread pool cannot stretch the editor's pause
        try handle.write(contentsOf: Data(playlist("second").utf8))
        try handle.close()
        #expect(await watch(library) { $0 == ["second"] })

        // Write a temporary file, then rename it over the playlist.
        try Data(playlist("third").utf8).write(to: URL(fileURLWithPath: folder.path + "/.lobby.yaml.tmp"))
        #expect(rename(folder.path + "/.lobby.yaml.tmp", path) == 0)
        #expect(await watch(library) { $0 == ["third"] })

        // Move the original away first, then write a new file (vim with backupcopy=no).
        #expect(rename(path, path + "~") == 0)
        usleep(20_000)
        try Data(playlist("fourth").utf8).write(to: URL(fileURLWithPath: path))
        #expect(await watch(library) { $0 == ["fourth"] })
        #expect(library.statuses().map(\.file) == ["lobby.yaml"], "backup files are not playlists")

        // An invalid save keeps the last good version and is reported.
        try Data("name: 本庁舎\nitems: []\n".utf8).write(to: URL(fileURLWithPath: path))
        let reported = await watch(library) { _ in library.statuses().first?.errors.isEmpty == false }
        #expect(reported)
        #expect(library.snapshot().playlists.first?.items.map(\.id) == ["fourth"])
        #expect(library.statuses().first?.errors.first?.hasPrefix(path + ":2:8: error:") == true,
                "\(library.statuses().first?.errors ?? [])")

        // Deleting the file stops its items.
        try FileManager.default.removeItem(atPath: path)
        #expect(await eventually { library.snapshot().playlists.isEmpty })
    }

    @Test func aFileMissingForLessThanTheGraceKeepsPlaying() throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", playlist("first"))
        let library = PlaylistLibrary(directory: folder.path, profiles: ["lcd-1080p"], clock: SystemWallClock(),
                                      logger: quietLogger, deletionGrace: 0.2)
        library.rescan()
        try folder.remove("lobby.yaml")
        let again = try #require(library.reload(file: "lobby.yaml"), "missing within the grace: look again later")
        #expect(again > 0 && again <= 0.2)
        #expect(library.snapshot().playlists.count == 1, "still playing")
        usleep(250_000)
        #expect(library.reload(file: "lobby.yaml") == nil)
        #expect(library.snapshot().playlists.isEmpty, "gone once the grace has passed")
        #expect(library.reload(file: "lobby.yaml") == nil, "an unknown missing file needs no second look")
    }
}
