import Foundation
import OshiraseCore
@testable import OshiraseImaging
import OshiraseRender

/// The repository root, found from this file's path (Tests/OshiraseRenderTests/…).
let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

func repoPath(_ relative: String) -> String { repoRoot.appendingPathComponent(relative).path }

/// BudouX's Japanese model from `.data/budoux/ja.json` (made by scripts/bootstrap), loaded once.
let phraseModel: PhraseModel? = try? PhraseModel(contentsOf: repoPath(".data/budoux/ja.json"))

/// A renderer with the phrase model; one per test, as renderers are not thread-safe.
func makeRenderer() -> Renderer { Renderer(phraseModel: phraseModel) }

let allProfiles: [DisplayProfile] = [.lcd1080p, .dsignClean, .ledVision]

/// 2026-11-27 09:00 in Tokyo, a Friday morning.
let fridayMorning = Date(timeIntervalSince1970: 1_795_737_600)

func item(_ id: String, _ content: Content, zone: Zone = .main, duration: Int = 10) -> Item {
    Item(id: id, content: content, duration: duration, zone: zone)
}

/// A scene that shows `content` in the main zone (and optionally `ticker` in the ticker zone).
func scene(_ profile: DisplayProfile, main: Content?, ticker: Content? = nil, layout: Layout? = nil,
           mainElapsed: Double = 0, tickerElapsed: Double = 0, siteName: String = "札幌市役所 本庁舎1階ロビー",
           time: Date = fridayMorning) -> Scene {
    let layout = layout ?? (ticker == nil ? .full : .mainTicker)
    let mainZone: ZoneContent = main.map { .item(item("main-item", $0), elapsed: mainElapsed) } ?? .idle
    let tickerZone: ZoneContent? = layout == .mainTicker
        ? (ticker.map { .item(item("ticker-item", $0, zone: .ticker), elapsed: tickerElapsed) } ?? .idle) : nil
    return Scene(profile: profile, layout: layout, main: mainZone, ticker: tickerZone, siteName: siteName,
                 time: time, timeZone: .tokyo)
}

func announcement(_ category: Category = .info, title: String, body: String, footer: String? = nil,
                  qr: String? = nil) -> Content {
    .announcement(Announcement(category: category, title: title, body: body, footer: footer, qr: qr))
}

// MARK: Pixel measurements

struct MeanColor: CustomStringConvertible {
    var r: Double, g: Double, b: Double
    var description: String { String(format: "(%.1f, %.1f, %.1f)", r, g, b) }
    var luminanceSum: Double { r + g + b }

    func isClose(to c: RGB, tolerance: Double = 3) -> Bool {
        abs(r - Double(c.r)) <= tolerance && abs(g - Double(c.g)) <= tolerance && abs(b - Double(c.b)) <= tolerance
    }
}

extension Bitmap {
    /// Opaque frame pixel as (r, g, b).
    @inline(__always)
    func rgb(_ x: Int, _ y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let o = y * stride + x * 4
        return (pixels[o + PixelLayout.red], pixels[o + PixelLayout.green], pixels[o + PixelLayout.blue])
    }

    /// The mean colour of the pixels inside `rect` (clamped to the bitmap).
    func mean(in rect: Rect) -> MeanColor {
        let x0 = max(0, Int(rect.x.rounded(.up))), y0 = max(0, Int(rect.y.rounded(.up)))
        let x1 = min(width, Int(rect.maxX.rounded(.down))), y1 = min(height, Int(rect.maxY.rounded(.down)))
        var sr = 0.0, sg = 0.0, sb = 0.0, n = 0.0
        guard x1 > x0, y1 > y0 else { return MeanColor(r: .nan, g: .nan, b: .nan) }
        for y in y0..<y1 {
            for x in x0..<x1 {
                let p = rgb(x, y)
                sr += Double(p.r); sg += Double(p.g); sb += Double(p.b); n += 1
            }
        }
        return MeanColor(r: sr / n, g: sg / n, b: sb / n)
    }

    /// The number of pixels in `rect` for which `predicate` holds.
    func count(in rect: Rect? = nil, where predicate: (UInt8, UInt8, UInt8) -> Bool) -> Int {
        let r = rect ?? Rect(x: 0, y: 0, width: Double(width), height: Double(height))
        var n = 0
        for y in max(0, Int(r.y))..<min(height, Int(r.maxY)) {
            for x in max(0, Int(r.x))..<min(width, Int(r.maxX)) {
                let p = rgb(x, y)
                if predicate(p.r, p.g, p.b) { n += 1 }
            }
        }
        return n
    }

    /// Whether every pixel is pure black.
    var isAllBlack: Bool { count { $0 != 0 || $1 != 0 || $2 != 0 } == 0 }

    /// The number of distinct colours, stopping once `limit` are seen.
    func distinctColors(limit: Int = 16) -> Int {
        var seen = Set<UInt32>()
        for y in Swift.stride(from: 0, to: height, by: 2) {
            for x in Swift.stride(from: 0, to: width, by: 2) {
                let p = rgb(x, y)
                seen.insert(UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b))
                if seen.count >= limit { return seen.count }
            }
        }
        return seen.count
    }

    /// The fraction of pixels that are pure black.
    var blackFraction: Double {
        Double(count { $0 == 0 && $1 == 0 && $2 == 0 }) / Double(max(1, width * height))
    }
}

/// What the CIE 1931 lightness mapping of `LightOutput(cieGamma: true)` makes of an 8-bit value.
func cieGamma(_ v: UInt8) -> Double {
    let l = Double(v) / 255 * 100
    let out = l <= 8 ? l / 903.3 : pow((l + 16) / 116, 3)
    return (out * 255).rounded()
}

func cieGamma(_ c: RGB) -> RGB {
    RGB(UInt8(cieGamma(c.r)), UInt8(cieGamma(c.g)), UInt8(cieGamma(c.b)))
}

/// A temporary directory removed when the value goes away.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
