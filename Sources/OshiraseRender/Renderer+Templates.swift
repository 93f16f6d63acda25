import CPangoCairo
import Foundation
import OshiraseCore

/// The templates of a zone: an announcement (title, body, footer, QR code), the idle screen, a
/// clock, and the kiosk's temperature panel.
extension Renderer {
    func drawAnnouncement(_ a: Announcement, in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
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

    func drawIdle(in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
        try drawClock(format: "HH:mm", in: rect, scene: scene, canvas: canvas, title: scene.siteName)
    }

    func drawClock(format: String, in rect: Rect, scene: Scene, canvas: Canvas, title: String?) throws(RenderError) {
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

    func drawTemperaturePanel(in rect: Rect, scene: Scene, canvas: Canvas) throws(RenderError) {
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
