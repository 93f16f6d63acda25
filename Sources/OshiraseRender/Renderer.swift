import CPangoCairo
import CQREncode
import Foundation
import OshiraseCore
import OshiraseImaging

/// Where a block of text ended up, for checks and tests.
public struct TextPlacement: Sendable, Equatable {
    /// What the text is: title, body, footer, label, ticker, clock, prompt…
    public let role: String
    /// The box the text had to stay in.
    public let box: Rect
    /// The pixels its ink and logical extents cover.
    public let extents: Rect
    /// The text of each line, as laid out.
    public let lines: [String]
    public let size: Double
    public let isEllipsized: Bool
}

/// A rendered frame and the report of how its text was set.
public struct RenderResult: Sendable {
    public let frame: Bitmap
    public let texts: [TextPlacement]
    /// Problems met while rendering (an image that could not be shown…), already worked around.
    public let problems: [String]
}

/// Software post-processing of a display's light output, for LED walls.
public struct LightOutput: Sendable, Equatable {
    /// 0…1 of full brightness.
    public var brightness: Double
    /// Map sRGB code values through CIE 1931 lightness, as LED sending cards expect linear PWM duty.
    public var cieGamma: Bool

    public init(brightness: Double = 1, cieGamma: Bool = true) {
        self.brightness = brightness
        self.cieGamma = cieGamma
    }
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
public final class Renderer {
    private let planner: LineBreakPlanner
    private var canvases: [String: Canvas] = [:]
    /// The layout last drawn on each canvas, so a partial redraw knows the rest is still valid.
    private var canvasLayouts: [String: Layout] = [:]
    /// Decoded images by path, with the file's identity when decoded, so a replaced file is
    /// decoded again; at most `imageCacheLimit` are kept.
    private var images: [String: (identity: FileIdentity?, surface: ImageSurface)] = [:]
    private var brokenImages: [String: (identity: FileIdentity?, reason: String)] = [:]
    private let imageCacheLimit = 16
    /// Pixel bytes the image cache may hold (four images at the largest kept size).
    private let imageCacheBytes = 4 * ImageSurface.maxPixels * 4
    private var formatters: [String: DateFormatter] = [:]
    private var placements: [TextPlacement] = []
    private var problems: [String] = []

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
    public func renderWithReport(_ scene: Scene, light: LightOutput? = nil) throws(RenderError) -> RenderResult {
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
    public func withLastFrame<T>(of profile: DisplayProfile, _ body: (PixelView) throws -> T) throws -> T? {
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
        let takenOver = scene.alert?.presentation == .takeover
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
        let output = light ?? (p.kind == .led ? LightOutput() : nil)
        if let output { apply(output, to: canvas) }
        canvasLayouts[p.name] = scene.layout
        return canvas
    }

    // MARK: Zones

    private func drawZone(_ content: ZoneContent, in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
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

    private func drawTicker(_ content: ZoneContent, in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
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

    // MARK: Templates

    private func drawAnnouncement(_ a: Announcement, in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
        let theme = Theme.forCategory(a.category)
        let p = scene.profile
        canvas.fill(rect, theme.background)
        let led = p.kind == .led
        let pad = (min(rect.width, rect.height) * (led ? 0.04 : 0.06)).rounded()
        var content = rect

        if led {
            // A thin stripe in the band colour tells the category at a glance from far away.
            let stripe = max(3, (rect.height * 0.03).rounded())
            canvas.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: stripe), theme.band)
            content = Rect(x: rect.x, y: rect.y + stripe, width: rect.width, height: rect.height - stripe)
        } else {
            let bandHeight = (min(rect.height, Double(p.height)) * 0.085).rounded()
            let band = Rect(x: rect.x, y: rect.y, width: rect.width, height: bandHeight)
            canvas.fill(band, theme.band)
            try placeText(theme.label, role: "label",
                          in: Rect(x: band.x + pad, y: band.y, width: band.width - 2 * pad, height: band.height).inset(by: bandHeight * 0.12),
                          style: TextStyle(color: theme.bandText, bold: true, maxSize: bandHeight * 0.5,
                                           minSize: p.minimumSecondaryTextSize, verticalCenter: true, maxLines: 1), canvas: canvas)
            content = Rect(x: rect.x, y: band.maxY, width: rect.width, height: rect.height - bandHeight)
            if let footer = a.footer {
                let footerBand = Rect(x: rect.x, y: rect.maxY - bandHeight, width: rect.width, height: bandHeight)
                canvas.fill(footerBand, theme.band)
                try placeText(footer, role: "footer",
                              in: Rect(x: footerBand.x + pad, y: footerBand.y, width: footerBand.width - 2 * pad,
                                       height: footerBand.height).inset(by: bandHeight * 0.12),
                              style: TextStyle(color: theme.bandText, maxSize: bandHeight * 0.45,
                                               minSize: p.minimumSecondaryTextSize, alignment: PANGO_ALIGN_RIGHT,
                                               verticalCenter: true, maxLines: 1), canvas: canvas)
                content.height -= bandHeight
            }
        }
        var text = content.inset(by: pad)
        if let qr = a.qr, !led {
            let qrRect: Rect
            if p.height > p.width {
                // Portrait screens (the kiosk): the code sits centred below the text, large enough to scan.
                let side = min(text.width * 0.5, text.height * 0.42).rounded(.down)
                qrRect = Rect(x: text.x + ((text.width - side) / 2).rounded(), y: text.maxY - side, width: side, height: side)
                text.height -= side + pad
            } else {
                let side = min(text.height, text.width * 0.3).rounded(.down)
                qrRect = Rect(x: text.maxX - side, y: text.y + (text.height - side) / 2, width: side, height: side)
                text.width -= side + pad
            }
            if !drawQR(qr, in: qrRect, canvas: canvas) { problems.append("QR code for \(qr) could not be encoded") }
        }
        // Two lines, or as many as the operator broke the title into, up to four; the title's
        // share of the card grows with its lines so it stays larger than the body.
        let titleLines = Int32(min(4, max(2, a.title.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(whereSeparator: \.isNewline).count)))
        let titleShare = led ? 0.45 : [2: 0.38, 3: 0.5, 4: 0.6][Int(titleLines)] ?? 0.38
        let titleBox = Rect(x: text.x, y: text.y, width: text.width, height: (text.height * titleShare).rounded())
        let title = try placeText(a.title, role: "title", in: titleBox,
                                  style: TextStyle(color: theme.text, bold: true,
                                                   maxSize: led ? rect.height * 0.2 : Double(min(p.width, p.height)) * 0.09,
                                                   minSize: p.minimumTextSize * (led ? 1 : 1.25), lineSpacing: 1.15, maxLines: titleLines),
                                  canvas: canvas)
        let gap = led ? pad / 2 : pad * 0.6
        let bodyTop = text.y + min(title.height, titleBox.height) + gap
        guard !a.body.isEmpty, text.maxY - bodyTop >= p.minimumTextSize * 1.3 else { return }
        let bodyBox = Rect(x: text.x, y: bodyTop, width: text.width, height: text.maxY - bodyTop)
        try placeText(a.body, role: "body", in: bodyBox,
                      style: TextStyle(color: theme.text,
                                       maxSize: led ? rect.height * 0.12 : Double(min(p.width, p.height)) * 0.056,
                                       minSize: p.minimumTextSize, lineSpacing: 1.35), canvas: canvas)
    }

    private func drawIdle(in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
        try drawClock(format: "HH:mm", in: rect, scene: scene, canvas: canvas, title: scene.siteName)
    }

    private func drawClock(format: String, in rect: Rect, scene: Scene, canvas: Canvas, title: String?) throws(RenderError) {
        let theme = Theme.idle
        let p = scene.profile
        canvas.fill(rect, theme.background)
        let pad = (min(rect.width, rect.height) * 0.06).rounded()
        let inner = rect.inset(by: pad)
        var top = inner.y
        if let title {
            let box = Rect(x: inner.x, y: inner.y, width: inner.width, height: (inner.height * 0.22).rounded())
            let placed = try placeText(title, role: "site", in: box,
                                       style: TextStyle(color: theme.text, bold: true, maxSize: box.height * 0.7,
                                                        minSize: p.minimumTextSize, alignment: PANGO_ALIGN_CENTER,
                                                        verticalCenter: true, maxLines: 2), canvas: canvas)
            top = placed.extents.maxY + pad * 0.3
        }
        let dateBox = Rect(x: inner.x, y: inner.maxY - (inner.height * 0.16).rounded(), width: inner.width,
                           height: (inner.height * 0.16).rounded())
        let clockBox = Rect(x: inner.x, y: top, width: inner.width, height: max(0, dateBox.y - top))
        try placeText(formatted(scene.time, format, scene.timeZone), role: "clock", in: clockBox,
                      style: TextStyle(color: theme.text, bold: true, maxSize: clockBox.height * 0.8,
                                       minSize: p.minimumTextSize, alignment: PANGO_ALIGN_CENTER,
                                       verticalCenter: true, lineSpacing: 1, maxLines: 1), canvas: canvas)
        try placeText(formatted(scene.time, "yyyy年M月d日（E）", scene.timeZone), role: "date", in: dateBox,
                      style: TextStyle(color: theme.bandText, maxSize: dateBox.height * 0.6,
                                       minSize: p.minimumSecondaryTextSize, alignment: PANGO_ALIGN_CENTER,
                                       verticalCenter: true, maxLines: 1), canvas: canvas)
    }

    private func drawTemperaturePanel(in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
        let theme = Theme.temperaturePanel
        let p = scene.profile
        canvas.fill(rect, theme.background)
        let bandHeight = (rect.height * 0.16).rounded()
        let band = Rect(x: rect.x, y: rect.y, width: rect.width, height: bandHeight)
        canvas.fill(band, theme.band)
        let pad = (rect.width * 0.06).rounded()
        try placeText("検温  Temperature check", role: "panel-label",
                      in: Rect(x: band.x + pad, y: band.y, width: band.width - 2 * pad, height: band.height).inset(by: bandHeight * 0.12),
                      style: TextStyle(color: theme.bandText, bold: true, maxSize: bandHeight * 0.5,
                                       minSize: p.minimumSecondaryTextSize, verticalCenter: true, maxLines: 1), canvas: canvas)
        let area = Rect(x: rect.x, y: band.maxY, width: rect.width, height: rect.height - bandHeight)
        let look = PanelLook(scene.panel)
        if let background = look.background { canvas.fill(area, background) }
        var body = area.inset(by: pad)
        let text = look.text ?? theme.text
        let notice = scene.panelNotice?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !notice.isEmpty {
            // The privacy notice takes a strip at the foot of the panel, wider than the prompts
            // (an English sentence needs the width at secondary size), and the value and prompts
            // share what is left above it: the notice never covers them.
            let size = max(p.minimumSecondaryTextSize, (rect.height * 0.045).rounded())
            let spacing = 1.05
            // Two lines of Noto Sans CJK, whose line box is about 1.45 em.
            let height = min((size * 1.45 * (1 + spacing)).rounded(.up) + 2, (area.height * 0.3).rounded())
            let side = (pad / 3).rounded()
            let box = Rect(x: rect.x + side, y: area.maxY - (pad * 0.3).rounded() - height,
                           width: rect.width - 2 * side, height: height)
            body.height = max(0, box.y - (pad * 0.2).rounded() - body.y)
            try placeText(notice, role: "panel-notice", in: box,
                          style: TextStyle(color: look.secondary ?? PanelLook.secondaryOnPanel, maxSize: size,
                                           minSize: p.minimumSecondaryTextSize, alignment: PANGO_ALIGN_CENTER,
                                           verticalCenter: true, lineSpacing: spacing, maxLines: 2), canvas: canvas)
        }
        var top = body.y
        if let value = look.value {
            // The reading itself, as large as fits: the first thing a visitor looks for.
            let valueBox = Rect(x: body.x, y: body.y, width: body.width, height: (body.height * 0.45).rounded())
            try placeText(value, role: "temperature", in: valueBox,
                          style: TextStyle(color: text, bold: true, maxSize: valueBox.height * 0.9,
                                           minSize: p.minimumTextSize, alignment: PANGO_ALIGN_CENTER,
                                           verticalCenter: true, lineSpacing: 1, maxLines: 1), canvas: canvas)
            top = valueBox.maxY
        }
        let rest = Rect(x: body.x, y: top, width: body.width, height: body.maxY - top)
        let jaBox = Rect(x: rest.x, y: rest.y, width: rest.width, height: (rest.height * 0.6).rounded())
        try placeText(look.japanese, role: "prompt", in: jaBox,
                      style: TextStyle(color: text, bold: true, maxSize: look.value == nil ? jaBox.height * 0.55 : min(jaBox.height * 0.55, body.height * 0.2),
                                       minSize: p.minimumTextSize, alignment: PANGO_ALIGN_CENTER,
                                       verticalCenter: true, maxLines: 2), canvas: canvas)
        let enBox = Rect(x: rest.x, y: jaBox.maxY, width: rest.width, height: rest.maxY - jaBox.maxY)
        try placeText(look.english, role: "prompt-en", in: enBox,
                      style: TextStyle(color: text, maxSize: look.value == nil ? enBox.height * 0.45 : min(enBox.height * 0.45, body.height * 0.1),
                                       minSize: p.minimumSecondaryTextSize, alignment: PANGO_ALIGN_CENTER,
                                       verticalCenter: true, maxLines: 2), canvas: canvas)
    }

    // MARK: Emergency messages

    /// An emergency message: over the whole content area (a kiosk's temperature panel stays) or
    /// as a band over the ticker zone, in its alert level's colours, with a 訓練 / EXERCISE band
    /// on an exercise. An LED wall shows the headline alone, as large as fits, to be read from afar.
    private func drawAlert(_ alert: AlertOverlay, zones: (main: Rect, ticker: Rect?), scene: Scene,
                           canvas: Canvas) throws(RenderError) {
        let p = scene.profile
        // A takeover may cover a kiosk's panel (configured); a banner never does.
        let content = alert.coversPanel && alert.presentation == .takeover
            ? p.bounds
            : Rect(x: 0, y: 0, width: Double(p.width), height: zones.ticker?.maxY ?? zones.main.maxY)
        var area: Rect
        switch alert.presentation {
        case .takeover:
            area = content
        case .banner:
            let bandHeight = (min(Double(p.width), Double(p.height)) * (p.kind == .led ? 0.3 : 0.16)).rounded()
            // Exactly over the ticker zone, so the playlist's main zone stays whole; without a
            // ticker, a band at the foot of the content.
            area = zones.ticker ?? Rect(x: 0, y: content.maxY - bandHeight, width: content.width, height: bandHeight)
        }
        canvas.fill(area, alert.background)
        if alert.isExercise {
            // A stripe across the top of a takeover; the left end of a band.
            let band: Rect
            if alert.presentation == .takeover {
                // Tall enough for the smallest text this screen allows (an LED wall's 216 rows).
                let stripe = max((area.height * 0.09).rounded(), (p.minimumSecondaryTextSize * 2).rounded())
                band = Rect(x: area.x, y: area.y, width: area.width, height: stripe)
                area = Rect(x: area.x, y: band.maxY, width: area.width, height: area.height - stripe)
            } else {
                let width = (area.width * 0.22).rounded()
                band = Rect(x: area.x, y: area.y, width: width, height: area.height)
                area = Rect(x: band.maxX, y: area.y, width: area.width - width, height: area.height)
            }
            canvas.fill(band, AlertLevelColours.exercise.background)
            // 訓練 alone where both words do not fit whole (a band on a small LED wall).
            try placeText(["訓練 / EXERCISE", "訓練"], role: "alert-exercise", in: band.inset(by: min(band.width, band.height) * 0.12),
                          style: TextStyle(color: AlertLevelColours.exercise.text, bold: true,
                                           maxSize: min(band.height * 0.7, band.width * 0.2),
                                           minSize: p.minimumSecondaryTextSize, alignment: PANGO_ALIGN_CENTER,
                                           verticalCenter: true, lineSpacing: 1.05, maxLines: 2), canvas: canvas)
        }
        let pad = (min(area.width, area.height) * (alert.presentation == .takeover ? 0.05 : 0.08)).rounded()
        let inner = area.inset(by: pad)
        if p.kind == .led || alert.presentation == .banner {
            // One or two lines: the headline, then (on a banner with room) the first words of the body.
            // A band tall enough gets a line of the message under the headline.
            let roomy = alert.presentation == .banner && p.kind != .led && inner.height >= 3 * p.minimumTextSize
            let headlineBox = roomy ? Rect(x: inner.x, y: inner.y, width: inner.width, height: (inner.height * 0.55).rounded()) : inner
            try placeText(alert.headline, role: "alert-headline", in: headlineBox,
                          style: TextStyle(color: alert.text, bold: true, maxSize: headlineBox.height * 0.8,
                                           minSize: p.minimumTextSize, alignment: PANGO_ALIGN_CENTER,
                                           verticalCenter: true, lineSpacing: 1.1, maxLines: 2), canvas: canvas)
            if headlineBox.height < inner.height, !alert.body.isEmpty {
                let rest = Rect(x: inner.x, y: headlineBox.maxY, width: inner.width, height: inner.maxY - headlineBox.maxY)
                try placeText(alert.body, role: "alert-body", in: rest,
                              style: TextStyle(color: alert.text, maxSize: rest.height * 0.7, minSize: p.minimumSecondaryTextSize,
                                               alignment: PANGO_ALIGN_CENTER, verticalCenter: true, maxLines: 1), canvas: canvas)
            }
            return
        }
        // Takeover on an LCD or kiosk: event, headline large, then what to do, then who says so.
        // An event that only repeats the headline (a message composed with a title alone) is not
        // shown twice.
        let showsEvent = alert.event.trimmingCharacters(in: .whitespacesAndNewlines)
            != alert.headline.trimmingCharacters(in: .whitespacesAndNewlines)
        let eventBox = Rect(x: inner.x, y: inner.y, width: inner.width, height: showsEvent ? (inner.height * 0.1).rounded() : 0)
        if showsEvent {
            try placeText(alert.event, role: "alert-event", in: eventBox,
                          style: TextStyle(color: alert.text, bold: true, maxSize: eventBox.height * 0.7,
                                           minSize: p.minimumSecondaryTextSize, verticalCenter: true, maxLines: 1), canvas: canvas)
        }
        let headlineBox = Rect(x: inner.x, y: eventBox.maxY, width: inner.width, height: (inner.height * 0.3).rounded())
        try placeText(alert.headline, role: "alert-headline", in: headlineBox,
                      style: TextStyle(color: alert.text, bold: true, maxSize: headlineBox.height * 0.45,
                                       minSize: p.minimumTextSize, verticalCenter: true, lineSpacing: 1.1, maxLines: 2),
                      canvas: canvas)
        let footHeight = alert.senderName == nil ? 0 : (inner.height * 0.08).rounded()
        let bodyBox = Rect(x: inner.x, y: headlineBox.maxY + pad * 0.5, width: inner.width,
                           height: max(0, inner.maxY - footHeight - headlineBox.maxY - pad * 0.5))
        if !alert.body.isEmpty {
            try placeText(alert.body, role: "alert-body", in: bodyBox,
                          style: TextStyle(color: alert.text, maxSize: max(p.minimumTextSize, (inner.height * 0.06).rounded()),
                                           minSize: p.minimumTextSize, lineSpacing: 1.3), canvas: canvas)
        }
        if let sender = alert.senderName {
            let foot = Rect(x: inner.x, y: inner.maxY - footHeight, width: inner.width, height: footHeight)
            try placeText(sender, role: "alert-sender", in: foot,
                          style: TextStyle(color: alert.text, maxSize: foot.height * 0.6, minSize: p.minimumSecondaryTextSize,
                                           alignment: PANGO_ALIGN_RIGHT, verticalCenter: true, maxLines: 1), canvas: canvas)
        }
    }

    // MARK: Pieces

    @discardableResult
    private func placeText(_ text: String, role: String, in box: Rect, style: TextStyle, canvas: Canvas) throws(RenderError) -> FittedText {
        try placeText([text], role: role, in: box, style: style, canvas: canvas)
    }

    /// Places the first of `texts` that fits whole (not ellipsized), else the last one.
    @discardableResult
    private func placeText(_ texts: [String], role: String, in box: Rect, style: TextStyle, canvas: Canvas) throws(RenderError) -> FittedText {
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
    private func drawScrollingText(_ text: String, in rect: Rect, speed: Double, elapsed: Double, scene: Scene,
                                   canvas: Canvas) throws(RenderError) {
        guard let layout = pango_cairo_create_layout(canvas.cr) else { throw RenderError("cannot create a text layout") }
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let size = max(scene.profile.minimumSecondaryTextSize, (rect.height * 0.58).rounded())
        if let desc = pango_font_description_new() {
            pango_font_description_set_family(desc, fontFamily)
            pango_font_description_set_weight(desc, PANGO_WEIGHT_BOLD)
            pango_font_description_set_absolute_size(desc, size * Double(PANGO_SCALE))
            pango_layout_set_font_description(layout, desc)
            pango_font_description_free(desc)
        }
        // One line; a ticker longer than 1000 characters (validate refuses it) is cut, since Pango's
        // coordinates overflow around two million pixels.
        let oneLine = String(text.split(whereSeparator: \.isNewline).joined(separator: "　").prefix(1000))
        pango_layout_set_text(layout, oneLine, -1)
        var logical = PangoRectangle()
        pango_layout_get_pixel_extents(layout, nil, &logical)
        let textWidth = Double(logical.width)
        let pxPerSecond = speed > 0 ? speed : scene.profile.tickerSpeed
        // The text starts readable at the left edge, scrolls out, then re-enters from the right.
        let travel = max(textWidth + rect.width, 1)
        let start = rect.x + (rect.height * 0.3).rounded()
        let phase = (max(0, elapsed) * pxPerSecond + (rect.maxX - start)).truncatingRemainder(dividingBy: travel)
        let x = (rect.maxX - phase).rounded()
        let y = (rect.y + (rect.height - Double(logical.height)) / 2).rounded()
        canvas.clipped(to: rect) {
            cairo_set_source_rgb(canvas.cr, Theme.ticker.text.red, Theme.ticker.text.green, Theme.ticker.text.blue)
            cairo_move_to(canvas.cr, x, y)
            pango_cairo_show_layout(canvas.cr, layout)
        }
    }

    private func drawQR(_ text: String, in rect: Rect, canvas: Canvas) -> Bool {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return false }
        defer { QRcode_free(code) }
        let modules = Int(code.pointee.width)
        let quiet = 4
        let module = (rect.width / Double(modules + 2 * quiet)).rounded(.down)
        guard module >= 1, let data = code.pointee.data else { return false }
        let side = module * Double(modules + 2 * quiet)
        let origin = (x: (rect.x + (rect.width - side) / 2).rounded(), y: (rect.y + (rect.height - side) / 2).rounded())
        canvas.fill(Rect(x: origin.x, y: origin.y, width: side, height: side), RGB(255, 255, 255))
        cairo_set_source_rgb(canvas.cr, 0, 0, 0)
        for row in 0..<modules {
            for col in 0..<modules where data[row * modules + col] & 1 == 1 {
                cairo_rectangle(canvas.cr, origin.x + Double(col + quiet) * module, origin.y + Double(row + quiet) * module,
                                module, module)
            }
        }
        cairo_fill(canvas.cr)
        return true
    }

    /// Draws an image; false (and a recorded problem) when it cannot be shown.
    private func drawImage(path: String, fit: ImageFit, in rect: Rect, canvas: Canvas) -> Bool {
        let image: ImageSurface
        let identity: FileIdentity? = FileIdentity(path: path)
        if let cached = images[path], cached.identity == identity {
            image = cached.surface
        } else if let broken = brokenImages[path], broken.identity == identity {
            problems.append("image \(path) skipped: \(broken.reason)")
            return false
        } else {
            do {
                image = try ImageSurface(decoded: try ImageDecoder.decodeFile(atPath: path))
                if images.count >= imageCacheLimit
                    || images.values.reduce(image.byteCount, { $0 + $1.surface.byteCount }) > imageCacheBytes {
                    images.removeAll()
                }
                images[path] = (identity, image)
                brokenImages[path] = nil
            } catch {
                if brokenImages.count >= imageCacheLimit { brokenImages.removeAll() }
                brokenImages[path] = (identity, "\(error)")
                images[path] = nil
                problems.append("image \(path) skipped: \(error)")
                return false
            }
        }
        canvas.fill(rect, RGB(0x10, 0x10, 0x10))
        let (w, h) = image.uprightSize
        let sx = rect.width / Double(w), sy = rect.height / Double(h)
        let scale = fit == .cover ? max(sx, sy) : min(sx, sy)
        let drawnW = Double(w) * scale, drawnH = Double(h) * scale
        canvas.clipped(to: rect) {
            let cr = canvas.cr
            cairo_save(cr)
            cairo_translate(cr, rect.x + (rect.width - drawnW) / 2, rect.y + (rect.height - drawnH) / 2)
            cairo_scale(cr, scale, scale)
            image.applyOrientation(cr)
            cairo_set_source_surface(cr, image.surface, 0, 0)
            cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
            cairo_paint(cr)
            cairo_restore(cr)
        }
        return true
    }

    /// LED walls: CIE 1931 lightness to PWM duty and brightness, through one lookup table.
    private func apply(_ light: LightOutput, to canvas: Canvas) {
        var table = [UInt8](repeating: 0, count: 256)
        for i in 0..<256 {
            var v = Double(i) / 255
            if light.cieGamma {
                let l = v * 100
                v = l <= 8 ? l / 903.3 : pow((l + 16) / 116, 3)
            }
            table[i] = UInt8(max(0, min(255, (v * max(0, min(1, light.brightness)) * 255).rounded())))
        }
        canvas.withPixels { pixels, stride in
            for y in 0..<canvas.height {
                let row = y * stride
                for x in 0..<canvas.width {
                    let o = row + x * 4
                    pixels[o] = table[Int(pixels[o])]
                    pixels[o + 1] = table[Int(pixels[o + 1])]
                    pixels[o + 2] = table[Int(pixels[o + 2])]
                }
            }
        }
    }

    private func formatted(_ date: Date, _ pattern: String, _ zone: TimeZone) -> String {
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

/// What tells one version of a file from another: size and modification time (nil when the file
/// cannot be seen).
struct FileIdentity: Equatable {
    let size: Int64
    let modified: Int
    let modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modified = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }
}

/// A decoded image as a Cairo surface, with its EXIF orientation.
final class ImageSurface {
    let surface: OpaquePointer
    let width: Int
    let height: Int
    let orientation: ExifOrientation

    /// Images are kept at most this many pixels (3840×2160's worth: twice a 1080p screen each
    /// way, enough for any zone and fit), so a 49-megapixel photo costs 33 MB in the cache rather
    /// than 196 MB, while a long banner keeps its full height for `cover`.
    static let maxPixels = 3840 * 2160

    /// Bytes of pixels the surface holds.
    var byteCount: Int { Int(cairo_image_surface_get_stride(surface)) * height }

    init(decoded: DecodedImage) throws(RenderError) {
        let bitmap = decoded.bitmap
        let scale = min(1, (Double(ImageSurface.maxPixels) / Double(max(1, bitmap.width * bitmap.height))).squareRoot())
        let w = max(1, Int((Double(bitmap.width) * scale).rounded())), h = max(1, Int((Double(bitmap.height) * scale).rounded()))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(h)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw RenderError("cannot create a \(w)×\(h) image surface")
        }
        // Paint the decoded pixels, read in place (no second full-size copy), into the surface.
        let painted: Bool = bitmap.pixels.withUnsafeBytes { (src: UnsafeRawBufferPointer) -> Bool in
            guard let base = src.baseAddress,
                  let source = cairo_image_surface_create_for_data(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self)),
                                                                   CAIRO_FORMAT_ARGB32, Int32(bitmap.width),
                                                                   Int32(bitmap.height), Int32(bitmap.stride)),
                  cairo_surface_status(source) == CAIRO_STATUS_SUCCESS,
                  let cr = cairo_create(surface) else { return false }
            defer {
                cairo_destroy(cr)
                cairo_surface_finish(source)
                cairo_surface_destroy(source)
            }
            cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
            cairo_scale(cr, Double(w) / Double(bitmap.width), Double(h) / Double(bitmap.height))
            cairo_set_source_surface(cr, source, 0, 0)
            cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
            cairo_paint(cr)
            return cairo_status(cr) == CAIRO_STATUS_SUCCESS
        }
        guard painted else {
            cairo_surface_destroy(surface)
            throw RenderError("cannot copy a \(bitmap.width)×\(bitmap.height) image into a surface")
        }
        cairo_surface_flush(surface)
        self.surface = surface
        width = w
        height = h
        orientation = decoded.orientation
    }

    deinit { cairo_surface_destroy(surface) }

    /// Orientations 5–8 swap width and height.
    var uprightSize: (Int, Int) { orientation.rawValue >= 5 ? (height, width) : (width, height) }

    /// Transforms the context so the stored pixels appear upright in a (uprightSize) box at the origin.
    func applyOrientation(_ cr: OpaquePointer) {
        let w = Double(width), h = Double(height)
        switch orientation.rawValue {
        case 2: cairo_translate(cr, w, 0); cairo_scale(cr, -1, 1)
        case 3: cairo_translate(cr, w, h); cairo_rotate(cr, Double.pi)
        case 4: cairo_translate(cr, 0, h); cairo_scale(cr, 1, -1)
        case 5: cairo_rotate(cr, Double.pi / 2); cairo_scale(cr, 1, -1)
        case 6: cairo_translate(cr, h, 0); cairo_rotate(cr, Double.pi / 2)
        case 7: cairo_translate(cr, h, w); cairo_rotate(cr, -Double.pi / 2); cairo_scale(cr, 1, -1)
        case 8: cairo_translate(cr, 0, w); cairo_rotate(cr, -Double.pi / 2)
        default: break
        }
    }
}

/// How the temperature panel looks in each state: the words in Japanese and English, the value
/// (only for a fresh result), and the colours that carry the class at a glance.
struct PanelLook {
    var japanese: String
    var english: String
    var value: String?
    var background: RGB?
    var text: RGB?
    /// Quieter text (the privacy notice) on this state's background; nil on the plain panel,
    /// which uses ``secondaryOnPanel``. Each is at least 4.5:1 on its background.
    var secondary: RGB?

    /// Secondary text on the panel's own background (#F5F7FA): 5.7:1.
    static let secondaryOnPanel = RGB(hex: 0x486581)

    init(_ panel: ScreeningPanel) {
        switch panel {
        case .idle:
            self.init(japanese: "検温にご協力ください", english: "Please check your temperature")
        case .measuring:
            self.init(japanese: "測定しています", english: "Measuring…")
        case .offline:
            // No number at all: an old reading must never look like the current visitor's.
            self.init(japanese: "検温機は停止中です", english: "Thermometer offline: please ask a staff member",
                      background: RGB(hex: 0x5F6368), text: RGB(hex: 0xFFFFFF), secondary: RGB(hex: 0xE8EAED))
        case .result(let result, _):
            switch result {
            case .normal(let c):
                // White is the only light text with 4.5:1 on this green, so secondary text keeps it.
                self.init(japanese: "正常です", english: "Normal", value: PanelLook.celsius(c),
                          background: RGB(hex: 0x1B7F3B), text: RGB(hex: 0xFFFFFF), secondary: RGB(hex: 0xFFFFFF))
            case .fever(let c):
                self.init(japanese: "係員にお声がけください", english: "Please see a staff member", value: PanelLook.celsius(c),
                          background: RGB(hex: 0xB00020), text: RGB(hex: 0xFFFFFF), secondary: RGB(hex: 0xFCE4EC))
            case .retry:
                self.init(japanese: "もう一度お願いします", english: "Please try again",
                          background: RGB(hex: 0xFFC107), text: RGB(hex: 0x1A1A1A), secondary: RGB(hex: 0x4A3B00))
            }
        }
    }

    init(japanese: String, english: String, value: String? = nil, background: RGB? = nil, text: RGB? = nil,
         secondary: RGB? = nil) {
        self.japanese = japanese
        self.english = english
        self.value = value
        self.background = background
        self.text = text
        self.secondary = secondary
    }

    static func celsius(_ value: Double) -> String { String(format: "%.1f℃", value) }
}
