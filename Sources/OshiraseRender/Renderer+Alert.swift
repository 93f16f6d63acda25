import CPangoCairo
import Foundation
import OshiraseCore

extension Renderer {
    /// An emergency message: over the whole content area (a kiosk's temperature panel stays) or
    /// as a band over the ticker zone, in its alert level's colours, with a 訓練 / EXERCISE band
    /// on an exercise. An LED wall shows the headline alone, as large as fits, to be read from afar.
    func drawAlert(_ alert: AlertOverlay, zones: (main: Rect, ticker: Rect?), scene: Scene,
                           canvas: Canvas) throws(RenderError) {
        let p = scene.profile
        // A takeover may cover a kiosk's panel (configured); a banner never does.
        let content = alert.coversTemperaturePanel
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
}
