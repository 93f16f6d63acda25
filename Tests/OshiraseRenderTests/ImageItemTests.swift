import Foundation
import OshiraseCore
import OshiraseImaging
import OshiraseRender
import Testing

/// The colour of the bars around a contained image.
let letterbox = RGB(0x10, 0x10, 0x10)

/// Where an image of `w`×`h` lands in `zone` for a fit, as the renderer places it (centred).
func placement(width w: Int, height h: Int, in zone: Rect, fit: ImageFit) -> (rect: Rect, scale: Double) {
    let sx = zone.width / Double(w), sy = zone.height / Double(h)
    let scale = fit == .cover ? max(sx, sy) : min(sx, sy)
    let dw = Double(w) * scale, dh = Double(h) * scale
    return (Rect(x: zone.x + (zone.width - dw) / 2, y: zone.y + (zone.height - dh) / 2, width: dw, height: dh), scale)
}

/// The fraction of sample points in the visible part of the image whose colour in `frame` matches
/// the upright source pixel they come from (3×3 means, ±30 per channel).
func matchFraction(frame: Bitmap, zone: Rect, upright: Bitmap, fit: ImageFit) -> Double {
    let (drawn, scale) = placement(width: upright.width, height: upright.height, in: zone, fit: fit)
    let visible = Rect(x: max(drawn.x, zone.x) + 6, y: max(drawn.y, zone.y) + 6,
                       width: min(drawn.maxX, zone.maxX) - max(drawn.x, zone.x) - 12,
                       height: min(drawn.maxY, zone.maxY) - max(drawn.y, zone.y) - 12)
    var matched = 0, total = 0
    let steps = 24
    for i in 0..<steps {
        for j in 0..<steps {
            let fx = visible.x + visible.width * (Double(i) + 0.5) / Double(steps)
            let fy = visible.y + visible.height * (Double(j) + 0.5) / Double(steps)
            let f = frame.mean(in: Rect(x: fx.rounded(.down) - 1, y: fy.rounded(.down) - 1, width: 3, height: 3))
            let sx = min(max(1, Int((fx - drawn.x) / scale)), upright.width - 2)
            let sy = min(max(1, Int((fy - drawn.y) / scale)), upright.height - 2)
            let s = upright.mean(in: Rect(x: Double(sx - 1), y: Double(sy - 1), width: 3, height: 3))
            total += 1
            if abs(f.r - s.r) <= 30 && abs(f.g - s.g) <= 30 && abs(f.b - s.b) <= 30 { matched += 1 }
        }
    }
    return Double(matched) / Double(max(1, total))
}

/// The EXIF fixture with its orientation tag rewritten to `value` (1…8).
func exifFixture(orientation value: UInt8) throws -> [UInt8] {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: repoPath("fixtures/images/rotated-exif6.jpg"))))
    // Big-endian TIFF entry: tag 0x0112, type SHORT, count 1, value.
    let entry: [UInt8] = [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00]
    let at = try #require((0..<(bytes.count - entry.count)).first { Array(bytes[$0..<$0 + entry.count]) == entry })
    bytes[at + entry.count] = value
    return bytes
}

@Suite("Image items")
struct ImageItemTests {
    static let cityHall = repoPath("fixtures/images/city-hall.png")   // 800×600
    static let snow = repoPath("fixtures/images/snow.jpg")            // 960×540
    static let rotated = repoPath("fixtures/images/rotated-exif6.jpg") // 480×360 stored, orientation 6

    struct Case: CustomTestStringConvertible, Sendable {
        let profile: DisplayProfile
        let path: String
        let fit: ImageFit
        var testDescription: String { "\((path as NSString).lastPathComponent) \(fit) on \(profile.name)" }
    }

    static let cases: [Case] = allProfiles.flatMap { p in
        [cityHall, snow].flatMap { path in ImageFit.allCases.map { Case(profile: p, path: path, fit: $0) } }
    }

    @Test("Contain shows the whole image with letterbox bars; cover fills the zone", arguments: cases)
    func fitPlacesTheImage(c: Case) throws {
        let upright = try ImageDecoder.decodeFile(atPath: c.path).oriented()
        let light = LightOutput(brightness: 1, cieGamma: false)  // compare colours without the LED gamma
        let result = try makeRenderer().renderWithReport(scene(c.profile, main: .image(path: c.path, fit: c.fit)), light: light)
        #expect(result.problems.isEmpty)
        let zone = c.profile.zones(for: .full).main
        let fraction = matchFraction(frame: result.frame, zone: zone, upright: upright, fit: c.fit)
        #expect(fraction >= 0.9, "only \(Int(fraction * 100))% of the image matches where it should be")

        let (drawn, _) = placement(width: upright.width, height: upright.height, in: zone, fit: c.fit)
        // The bars: the parts of the zone the image does not cover (at least 3 px wide to sample).
        let bars = [Rect(x: zone.x, y: zone.y, width: drawn.x - zone.x - 1, height: zone.height),
                    Rect(x: drawn.maxX + 1, y: zone.y, width: zone.maxX - drawn.maxX - 1, height: zone.height),
                    Rect(x: zone.x, y: zone.y, width: zone.width, height: drawn.y - zone.y - 1),
                    Rect(x: zone.x, y: drawn.maxY + 1, width: zone.width, height: zone.maxY - drawn.maxY - 1)]
            .filter { $0.width >= 3 && $0.height >= 3 }
        switch c.fit {
        case .contain:
            let sameShape = abs(Double(upright.width) / Double(upright.height) - zone.width / zone.height) < 0.01
            #expect(bars.isEmpty == sameShape, "a \(upright.width)×\(upright.height) image in \(zone): bars \(bars)")
            for bar in bars {
                #expect(result.frame.mean(in: bar).isClose(to: letterbox), "bar \(bar): \(result.frame.mean(in: bar))")
            }
        case .cover:
            #expect(bars.isEmpty)
            // Every edge of the zone shows picture, not letterbox.
            let edges = [Rect(x: zone.x, y: zone.y, width: zone.width, height: 3),
                         Rect(x: zone.x, y: zone.maxY - 3, width: zone.width, height: 3),
                         Rect(x: zone.x, y: zone.y, width: 3, height: zone.height),
                         Rect(x: zone.maxX - 3, y: zone.y, width: 3, height: zone.height)]
            for edge in edges {
                #expect(!result.frame.mean(in: edge).isClose(to: letterbox, tolerance: 6), "edge \(edge) is letterbox")
            }
        }
    }

    @Test("An EXIF orientation 6 photo appears upright: red band on top, green below, arrow pointing up")
    func exifRotatedPhotoIsUpright() throws {
        // Stored 480×360: red band left, green band right, blue arrow pointing left.
        // Orientation 6 turns it 90° clockwise: 360×480, red on top, arrow pointing up.
        let profile = DisplayProfile.lcd1080p
        let frame = try makeRenderer().render(scene(profile, main: .image(path: Self.rotated, fit: .contain)))
        let (drawn, scale) = placement(width: 360, height: 480, in: profile.bounds, fit: .contain)
        #expect(abs(drawn.width - 810) < 1 && abs(drawn.height - 1080) < 1)
        let top = frame.mean(in: Rect(x: drawn.x + 20, y: 10, width: drawn.width - 40, height: 80 * scale))
        let bottom = frame.mean(in: Rect(x: drawn.x + 20, y: drawn.maxY - 80 * scale, width: drawn.width - 40, height: 70 * scale))
        #expect(top.r > 170 && top.g < 80 && top.b < 80, "top band \(top) is not red")
        #expect(bottom.g > 120 && bottom.r < 80 && bottom.b < 110, "bottom band \(bottom) is not green")
        // Portrait: letterbox left and right of the picture.
        #expect(frame.mean(in: Rect(x: 0, y: 0, width: drawn.x - 1, height: 1080)).isClose(to: letterbox))
        // Arrow up: the head (upper) is much wider than the shaft (lower).
        func blueWidth(row: Double) -> Int {
            frame.count(in: Rect(x: drawn.x, y: row, width: drawn.width, height: 1)) { r, _, b in b > 150 && r < 90 }
        }
        let head = blueWidth(row: 240 * scale), shaft = blueWidth(row: 330 * scale)
        #expect(shaft > 50 && head > 2 * shaft, "head \(head) px, shaft \(shaft) px: the arrow does not point up")
    }

    @Test("Every EXIF orientation is drawn upright", arguments: 1...8)
    func everyOrientationIsUpright(orientation: Int) throws {
        let dir = try TempDir()
        let path = dir.path("orientation-\(orientation).jpg")
        try Data(exifFixture(orientation: UInt8(orientation))).write(to: URL(fileURLWithPath: path))
        let decoded = try ImageDecoder.decodeFile(atPath: path)
        #expect(decoded.orientation.rawValue == orientation)
        let upright = decoded.oriented()
        for fit in ImageFit.allCases {
            let frame = try makeRenderer().render(scene(.lcd1080p, main: .image(path: path, fit: fit)))
            let fraction = matchFraction(frame: frame, zone: DisplayProfile.lcd1080p.bounds, upright: upright, fit: fit)
            #expect(fraction >= 0.9, "orientation \(orientation) \(fit): \(Int(fraction * 100))% match")
        }
    }

    static let broken = ["fixtures/images/does-not-exist.png", "fixtures/images/corrupt/not-an-image.jpg",
                         "fixtures/images/corrupt/zero-bytes.png", "fixtures/images/corrupt/bomb.png",
                         "fixtures/images/corrupt/png-named.jpg", "fixtures/images/corrupt/truncated.png",
                         "fixtures/images/corrupt/truncated.jpg"]

    @Test("A missing or corrupt image falls back to the idle screen with a problem, never black",
          arguments: broken, [DisplayProfile.lcd1080p, .ledVision])
    func brokenImageFallsBack(relative: String, profile: DisplayProfile) throws {
        let path = repoPath(relative)
        let renderer = makeRenderer()
        for _ in 0..<2 {  // the second time comes from the renderer's memory of broken files
            let result = try renderer.renderWithReport(scene(profile, main: .image(path: path, fit: .contain)))
            #expect(!result.frame.isAllBlack)
            #expect(result.frame.distinctColors() >= 3)
            #expect(result.frame.blackFraction < 0.25)
            #expect(result.problems.contains { $0.contains(path) }, "\(relative): \(result.problems)")
            #expect(Set(result.texts.map(\.role)).isSuperset(of: ["site", "clock"]), "no idle screen instead")
        }
    }

    @Test("A broken image in the ticker zone leaves the ticker band, not a black strip")
    func brokenImageInTickerZone() throws {
        let profile = DisplayProfile.lcd1080p
        let result = try makeRenderer().renderWithReport(scene(profile, main: .clock(format: "HH:mm"),
            ticker: .image(path: repoPath("fixtures/images/corrupt/zero-bytes.png"), fit: .cover)))
        let band = try #require(profile.zones(for: .mainTicker).ticker)
        #expect(result.frame.mean(in: band).isClose(to: Theme.ticker.background))
        #expect(!result.problems.isEmpty)
    }
}

@Suite("Image cache")
struct ImageCacheTests {
    /// Runs `body` with a poster path in a fresh folder, one renderer, and a scene showing the poster.
    func withPoster(_ body: (_ path: String, _ renderer: Renderer, _ scene: Scene) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("poster.png").path
        try body(path, makeRenderer(), scene(.lcd1080p, main: .image(path: path, fit: .cover)))
    }

    let centre = Rect(x: 900, y: 500, width: 100, height: 60)

    /// Regression: the renderer kept the first decode of a path forever, so a signage box never
    /// showed an image an operator replaced on disk.
    @Test("An image replaced on disk is shown again by the same renderer")
    func replacedImageIsDecodedAgain() throws {
        try withPoster { path, renderer, imageScene in
            try ImageEncoder.write(Bitmap(width: 64, height: 36, fill: (r: 200, g: 20, b: 20, a: 255)), toPath: path)
            let red = try renderer.render(imageScene).mean(in: centre)
            // A different size too, so the file's identity changes even within one second.
            try ImageEncoder.write(Bitmap(width: 80, height: 45, fill: (r: 20, g: 20, b: 200, a: 255)), toPath: path)
            let blue = try renderer.render(imageScene).mean(in: centre)
            #expect(red.r > 150 && red.b < 60, "first poster: \(red)")
            #expect(blue.b > 150 && blue.r < 60, "replaced poster: \(blue)")
        }
    }

    @Test("An image that becomes readable after a failure is shown")
    func brokenThenFixedImageIsShown() throws {
        try withPoster { path, renderer, imageScene in
            #expect(FileManager.default.createFile(atPath: path, contents: Data("not yet".utf8)))
            let broken = try renderer.renderWithReport(imageScene)
            #expect(!broken.problems.isEmpty)
            try ImageEncoder.write(Bitmap(width: 64, height: 36, fill: (r: 20, g: 180, b: 20, a: 255)), toPath: path)
            let fixed = try renderer.renderWithReport(imageScene)
            #expect(fixed.problems.isEmpty, "\(fixed.problems)")
            let green = fixed.frame.mean(in: centre)
            #expect(green.g > 150 && green.r < 60, "\(green)")
        }
    }
}
