import CPangoCairo
import Foundation
public import OshiraseCore
public import OshiraseImaging

/// Where a block of text ended up, for checks and tests.
package struct TextPlacement: Sendable, Equatable {
    /// What the text is: title, body, footer, label, ticker, clock, prompt…
    package let role: String
    /// The box the text had to stay in.
    package let box: Rect
    /// The pixels its ink and logical extents cover.
    package let extents: Rect
    /// The text of each line, as laid out.
    package let lines: [String]
    package let size: Double
    package let isEllipsized: Bool
}

/// A rendered frame and the report of how its text was set.
package struct RenderResult: Sendable {
    package let frame: Bitmap
    package let texts: [TextPlacement]
    /// Problems met while rendering (an image that could not be shown…), already worked around.
    package let problems: [String]
}

/// The parts of a display that can be redrawn on their own.
public struct DisplayParts: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let main = DisplayParts(rawValue: 1)
    public static let ticker = DisplayParts(rawValue: 2)
    /// The kiosk's temperature-check panel.
    public static let panel = DisplayParts(rawValue: 4)
    public static let all: DisplayParts = [.main, .ticker, .panel]
}

/// Turns scenes into frames with Cairo and Pango. Not thread-safe: one renderer per display.
///
/// This file holds the frame and its zones; Renderer+Templates draws announcements, clocks, idle
/// screens and the temperature panel, Renderer+Alert the emergency overlay. Cairo and Pango are
/// called only through `Canvas`, `FittedText`, `TickerLine` and `ImageSurface`.
public final class Renderer {
    let planner: LineBreakPlanner
    private var canvases: [String: Canvas] = [:]
    /// The layout last drawn on each canvas, so a partial redraw knows the rest is still valid.
    private var canvasLayouts: [String: Layout] = [:]
    /// Decoded images, by path and file version.
    let images = ImageCache()
    /// Date formatters by pattern and zone.
    private var formatters: [String: DateFormatter] = [:]
    /// Where each text of the frame being drawn went.
    var placements: [TextPlacement] = []
    /// What the frame being drawn worked around.
    var problems: [String] = []

    /// - Parameter phraseModel: BudouX's Japanese model; without it only kinsoku rules guide breaks.
    public init(phraseModel: PhraseModel?) {
        planner = LineBreakPlanner(model: phraseModel)
        _ = FontSetup.configured
    }

    /// Renders a scene into a new frame.
    public func render(_ scene: Scene, light: LightOutput? = nil) throws(RenderError) -> Bitmap {
        try renderWithReport(scene, light: light).frame
    }

    /// Renders a scene and reports where each text went.
    package func renderWithReport(_ scene: Scene, light: LightOutput? = nil) throws(RenderError) -> RenderResult {
        let canvas = try draw(scene, light: light)
        return RenderResult(frame: canvas.bitmap(), texts: placements, problems: problems)
    }

    /// Renders a scene and lends the drawing surface's pixels to `body`, without copying them:
    /// the fastest way to encode or present a frame. `problems` lists what was worked around.
    public func withFrame<T>(_ scene: Scene, light: LightOutput? = nil,
                             _ body: (_ pixels: PixelView, _ problems: [String]) throws -> T) throws -> T {
        let canvas = try draw(scene, light: light)
        return try canvas.withPixelView { view in try body(view, problems) }
    }

    /// Redraws only `parts` of the frame drawn last for this profile (a scrolling ticker over a
    /// still announcement costs a band, not a screen), then lends the pixels to `body` with the
    /// rows that changed. Everything is drawn when the canvas is new, the layout changed, or a
    /// light output (LED gamma, brightness) applies, since that rewrites the whole frame.
    public func withFrame<T>(_ scene: Scene, light: LightOutput?, redrawing parts: DisplayParts,
                             _ body: (_ pixels: PixelView, _ changedRows: Range<Int>, _ problems: [String]) throws -> T) throws -> T {
        let p = scene.profile
        let known = canvases[p.name].map { $0.width == p.width && $0.height == p.height } ?? false
        let whole = !known || canvasLayouts[p.name] != scene.layout || light != nil || p.kind == .led
        let chosen: DisplayParts = whole ? .all : parts
        let canvas = try draw(scene, light: light, parts: chosen)
        var rows = 0..<0
        if whole {
            rows = 0..<p.height
        } else {
            let zones = p.zones(for: scene.layout)
            var rects: [Rect] = []
            if chosen.contains(.main) { rects.append(zones.main) }
            if chosen.contains(.ticker), let t = zones.ticker { rects.append(t) }
            if chosen.contains(.panel), let panel = p.temperaturePanel { rects.append(panel) }
            if let low = rects.map(\.y).min(), let high = rects.map(\.maxY).max() {
                rows = max(0, Int(low.rounded(.down)))..<min(p.height, Int(high.rounded(.up)))
            }
        }
        return try canvas.withPixelView { view in try body(view, rows, problems) }
    }

    /// Lends the pixels of the frame last drawn for `profile`, as they are (nil when none was
    /// drawn, or the last drawing failed halfway).
    package func withLastFrame<T>(of profile: DisplayProfile, _ body: (PixelView) throws -> T) throws -> T? {
        guard let canvas = canvases[profile.name], canvasLayouts[profile.name] != nil else { return nil }
        return try canvas.withPixelView(body)
    }

    private func draw(_ scene: Scene, light: LightOutput?, parts: DisplayParts = .all) throws(RenderError) -> Canvas {
        placements = []
        problems = []
        let p = scene.profile
        let canvas: Canvas
        if let existing = canvases[p.name], existing.width == p.width, existing.height == p.height {
            canvas = existing
        } else {
            canvas = try Canvas(width: p.width, height: p.height)
            canvases[p.name] = canvas
        }
        let zones = p.zones(for: scene.layout)
        // Unknown until the drawing succeeds: a failed draw leaves a frame the next partial
        // redraw must not build on.
        canvasLayouts[p.name] = nil
        // Under a takeover the playlist is not drawn at all: nothing of it may show through.
        let takenOver = scene.alert?.coversPlaylists == true
        if parts.contains(.main), !takenOver {
            try drawZone(scene.main, in: zones.main, scene: scene, canvas: canvas)
        }
        if let tickerRect = zones.ticker, parts.contains(.ticker), !takenOver {
            try drawTicker(scene.ticker ?? .idle, in: tickerRect, scene: scene, canvas: canvas)
        }
        if let panel = p.temperaturePanel, parts.contains(.panel) {
            try drawTemperaturePanel(in: panel, scene: scene, canvas: canvas)
        }
        if let alert = scene.alert, parts.contains(.main) || parts.contains(.ticker) {
            try drawAlert(alert, zones: zones, scene: scene, canvas: canvas)
        }
        let output = light ?? LightOutput.forDisplay(p)
        output?.apply(to: canvas)
        canvasLayouts[p.name] = scene.layout
        return canvas
    }

    // MARK: Zones

    func drawZone(_ content: ZoneContent, in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
        switch content {
        case .idle:
            try drawIdle(in: rect, scene: scene, canvas: canvas)
        case .item(let item, let elapsed):
            switch item.content {
            case .announcement(let a):
                try drawAnnouncement(a, in: rect, scene: scene, canvas: canvas)
            case .image(let path, let fit):
                if !drawImage(path: path, fit: fit, in: rect, canvas: canvas) {
                    try drawIdle(in: rect, scene: scene, canvas: canvas)
                }
            case .ticker(let text, let speed):
                canvas.fill(rect, Theme.ticker.background)
                let band = Rect(x: rect.x, y: rect.y + rect.height * 0.35, width: rect.width, height: rect.height * 0.3)
                try drawScrollingText(text, in: band, speed: speed, elapsed: elapsed, scene: scene, canvas: canvas)
            case .clock(let format):
                try drawClock(format: format, in: rect, scene: scene, canvas: canvas, title: nil)
            }
        }
    }

    func drawTicker(_ content: ZoneContent, in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
        canvas.fill(rect, Theme.ticker.background)
        switch content {
        case .item(let item, let elapsed):
            switch item.content {
            case .ticker(let text, let speed):
                try drawScrollingText(text, in: rect, speed: speed, elapsed: elapsed, scene: scene, canvas: canvas)
            case .announcement(let a):
                try drawScrollingText(a.title + "　" + a.body, in: rect, speed: 0, elapsed: elapsed, scene: scene, canvas: canvas)
            case .clock(let format):
                try placeText(formatted(scene.time, format, scene.timeZone), role: "ticker", in: rect.inset(by: rect.height * 0.15),
                              style: TextStyle(color: Theme.ticker.bandText, bold: true, maxSize: rect.height * 0.6,
                                               minSize: scene.profile.minimumSecondaryTextSize, alignment: PANGO_ALIGN_CENTER,
                                               verticalCenter: true, maxLines: 1), canvas: canvas)
            case .image(let path, let fit):
                _ = drawImage(path: path, fit: fit, in: rect, canvas: canvas)
            }
        case .idle:
            let text = formatted(scene.time, "yyyy年M月d日（E） HH:mm", scene.timeZone) + "　" + scene.siteName
            try placeText(text, role: "ticker", in: rect.inset(by: rect.height * 0.15),
                          style: TextStyle(color: Theme.ticker.bandText, maxSize: rect.height * 0.5,
                                           minSize: scene.profile.minimumSecondaryTextSize, alignment: PANGO_ALIGN_CENTER,
                                           verticalCenter: true, maxLines: 1), canvas: canvas)
        }
    }

    // MARK: Pieces

    @discardableResult
    func placeText(_ text: String, role: String, in box: Rect, style: TextStyle, canvas: Canvas) throws(RenderError) -> FittedText {
        try placeText([text], role: role, in: box, style: style, canvas: canvas)
    }

    /// Places the first of `texts` that fits whole (not ellipsized), else the last one.
    @discardableResult
    func placeText(_ texts: [String], role: String, in box: Rect, style: TextStyle, canvas: Canvas) throws(RenderError) -> FittedText {
        var fitted = try FittedText(texts.first ?? "", in: box, style: style, planner: planner, cr: canvas.cr)
        for shorter in texts.dropFirst() where fitted.isEllipsized {
            fitted = try FittedText(shorter, in: box, style: style, planner: planner, cr: canvas.cr)
        }
        fitted.draw(canvas, color: style.color)
        placements.append(TextPlacement(role: role, box: box, extents: fitted.extents, lines: fitted.lines,
                                        size: fitted.size, isEllipsized: fitted.isEllipsized))
        return fitted
    }

    /// One line of text moving right to left: the frame at `elapsed` seconds at `speed` px/s.
    func drawScrollingText(_ text: String, in rect: Rect, speed: Double, elapsed: Double, scene: Scene,
                           canvas: Canvas) throws(RenderError) {
        let size = max(scene.profile.minimumSecondaryTextSize, (rect.height * 0.58).rounded())
        // One line; a ticker longer than 1000 characters (validate refuses it) is cut, since Pango's
        // coordinates overflow around two million pixels.
        let oneLine = String(text.split(whereSeparator: \.isNewline).joined(separator: "　").prefix(1000))
        let line = try TickerLine(oneLine, size: size, canvas: canvas)
        let pxPerSecond = speed > 0 ? speed : scene.profile.tickerSpeed
        // The text starts readable at the left edge, scrolls out, then re-enters from the right.
        let travel = max(line.width + rect.width, 1)
        let start = rect.x + (rect.height * 0.3).rounded()
        let phase = (max(0, elapsed) * pxPerSecond + (rect.maxX - start)).truncatingRemainder(dividingBy: travel)
        let x = (rect.maxX - phase).rounded()
        let y = (rect.y + (rect.height - line.height) / 2).rounded()
        canvas.clipped(to: rect) {
            line.draw(on: canvas, x: x, y: y, color: Theme.ticker.text)
        }
    }

    /// A QR code centred in `rect` with its 4-module quiet zone, on white; false when the text
    /// cannot be encoded or the code would need modules under a pixel.
    func drawQR(_ text: String, in rect: Rect, canvas: Canvas) -> Bool {
        guard let code = QRCode(encoding: text) else { return false }
        let quiet = 4
        let module = (rect.width / Double(code.size + 2 * quiet)).rounded(.down)
        guard module >= 1 else { return false }
        let side = module * Double(code.size + 2 * quiet)
        let origin = (x: (rect.x + (rect.width - side) / 2).rounded(), y: (rect.y + (rect.height - side) / 2).rounded())
        canvas.fill(Rect(x: origin.x, y: origin.y, width: side, height: side), RGB(255, 255, 255))
        var dark: [Rect] = []
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) {
                dark.append(Rect(x: origin.x + Double(column + quiet) * module, y: origin.y + Double(row + quiet) * module,
                                 width: module, height: module))
            }
        }
        canvas.fill(dark, RGB(0, 0, 0))
        return true
    }

    /// Draws an image; false (and a recorded problem) when it cannot be shown.
    func drawImage(path: String, fit: ImageFit, in rect: Rect, canvas: Canvas) -> Bool {
        switch images.surface(at: path) {
        case .failure(let reason):
            problems.append("image \(path) skipped: \(reason)")
            return false
        case .success(let image):
            canvas.fill(rect, RGB(0x10, 0x10, 0x10))
            image.paint(on: canvas, in: rect, fit: fit)
            return true
        }
    }

    /// `date` in `pattern` (Unicode date fields, Japanese names) in `zone`.
    func formatted(_ date: Date, _ pattern: String, _ zone: TimeZone) -> String {
        let key = pattern + "|" + zone.identifier
        let formatter: DateFormatter
        if let f = formatters[key] {
            formatter = f
        } else {
            formatter = DateFormatter()
            formatter.locale = Locale(identifier: "ja_JP")
            formatter.calendar = Calendar.gregorian(in: zone)
            formatter.timeZone = zone
            formatter.dateFormat = pattern
            formatters[key] = formatter
        }
        return formatter.string(from: date)
    }
}
