import Foundation
import OshiraseStore

/// A scratch folder removed when the value goes away.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit {
        // Undo any chmod a test made, so the folder can be removed.
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }

    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// 2026-11-27 at hh:mm:ss Japan time.
func tokyo(_ hour: Int, _ minute: Int, _ second: Double = 0) -> Date {
    // 2026-11-27T00:00:00+09:00 is 2026-11-26T15:00:00Z.
    Date(timeIntervalSince1970: 1_795_705_200 + Double(hour * 3600 + minute * 60) + second)
}

/// A record on the lobby display's main zone unless told otherwise.
func play(_ item: String, _ start: Date, _ end: Date, display: String = "本庁舎ロビー", zone: String = "main",
          playlist: String = "01-本庁舎1階ロビー.yaml") -> PlayRecord {
    PlayRecord(display: display, zone: zone, playlist: playlist, item: item, start: start, end: end)
}

/// `count` back-to-back 15-second records from 09:00 Japan time.
func sequence(_ count: Int, display: String = "本庁舎ロビー") -> [PlayRecord] {
    (0..<count).map { i in
        play("お知らせ-\(i)", tokyo(9, 0, Double(i * 15)), tokyo(9, 0, Double(i * 15 + 15)), display: display)
    }
}

let allTime = (from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 4_000_000_000))
