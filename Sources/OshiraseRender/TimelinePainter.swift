import CPangoCairo
package import Foundation
package import OshiraseCore
package import OshiraseImaging

/// Draws a schedule as a picture: one row per zone, a block per slot labelled with its item and
/// coloured by category, hours marked along the top. Where slots are too short to read (a day of
/// 15 s items), a rotation (a span with the same items looping) becomes one block that lists its
/// items in order (繰り返し ■ a → ■ b → ■ c), each after a square of its colour.
package struct TimelinePainter {
    private let planner: LineBreakPlanner

    /// Width of the time axis in a default-width picture, and the narrowest slot drawn on its own.
    package static let plotWidth = 1800.0 - 140 - 30
    package static let minimumSlotWidth = 40.0

    package init(phraseModel: PhraseModel?) {
        planner = LineBreakPlanner(model: phraseModel)
        _ = FontSetup.configured
    }

    /// - Parameter rotations: the zones' rotations (`ScheduleEngine.rotations`); with none, every
    ///   slot is drawn on its own.
    package func paint(slots: [Slot], rotations: [Rotation] = [], zones: [Zone], from: Date, to: Date, timeZone: TimeZone,
                      title: String, width: Int = 1800) throws(RenderError) -> Bitmap {
        let left = 140.0, right = 30.0, top = 110.0, rowHeight = 90.0, rowGap = 16.0
        let height = Int(top + Double(zones.count) * (rowHeight + rowGap) + 90)
        let canvas = try Canvas(width: width, height: height)
        canvas.fill(Rect(x: 0, y: 0, width: Double(width), height: Double(height)), RGB(0xFA, 0xFA, 0xFA))
        let span = to.timeIntervalSince(from)
        let plotWidth = Double(width) - left - right
        func x(_ d: Date) -> Double { left + plotWidth * d.timeIntervalSince(from) / span }

        try text(title, in: Rect(x: 20, y: 12, width: Double(width) - 40, height: 40), size: 26, bold: true, color: ink, canvas: canvas)

        // Time marks on the display's wall clock, as dense as their labels leave room for.
        let calendar = Calendar.gregorian(in: timeZone)
        let labelWidth = span > 86_400 ? 110.0 : 60.0
        let maxMarks = max(2, plotWidth / (labelWidth + 20))
        let steps = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]
        let step = steps.first { span / Double($0 * 60) <= maxMarks } ?? 1440
        let formatter = DateFormatter()
        formatter.timeZone = timeZone
        formatter.dateFormat = step >= 1440 ? "M/d" : span > 86_400 ? "M/d HH:mm" : "HH:mm"
        let gridBottom = top + Double(zones.count) * (rowHeight + rowGap)
        var mark = calendar.startOfDay(for: from)
        var lastLabelEnd = -Double.infinity
        while mark <= to {
            if mark >= from {
                let px = x(mark).rounded() + 0.5
                canvas.line(from: (px, top - 8), to: (px, gridBottom), width: 1, RGB(0xBF, 0xBF, 0xBF))
                let labelX = min(max(px - labelWidth / 2, 4), Double(width) - labelWidth - 4)
                // A label pushed against the right edge may meet the one before it: leave it out.
                if labelX >= lastLabelEnd + 8 {
                    try text(formatter.string(from: mark), in: Rect(x: labelX, y: top - 44, width: labelWidth, height: 30),
                             size: 16, bold: false, color: ink, canvas: canvas, centered: true)
                    lastLabelEnd = labelX + labelWidth
                }
            }
            let next = step >= 1440 ? calendar.date(byAdding: .day, value: 1, to: mark)
                                    : calendar.date(byAdding: .minute, value: step, to: mark)
            guard let next, next > mark else { break }
            mark = next
        }

        for (row, zone) in zones.enumerated() {
            let y = top + Double(row) * (rowHeight + rowGap)
            try text(zone.rawValue, in: Rect(x: 16, y: y, width: left - 24, height: rowHeight), size: 22, bold: true,
                     color: ink, canvas: canvas, verticalCenter: true)
            if rotations.isEmpty {
                for slot in slots where slot.zone == zone {
                    try drawSlot(slot, x0: x(slot.start), x1: x(slot.end), y: y, height: rowHeight, canvas: canvas)
                }
            }
            for rotation in rotations where rotation.zone == zone {
                let inside = slots.filter { $0.zone == zone && $0.start >= rotation.start && $0.end <= rotation.end }
                let span = Rect(x: x(rotation.start), y: y, width: max(1, x(rotation.end) - x(rotation.start)), height: rowHeight)
                if !rotation.entries.isEmpty, inside.isEmpty || span.width / Double(inside.count) < Self.minimumSlotWidth {
                    try drawRotation(rotation, in: span, canvas: canvas)
                } else {
                    for slot in inside { try drawSlot(slot, x0: x(slot.start), x1: x(slot.end), y: y, height: rowHeight, canvas: canvas) }
                }
            }
        }

        // Legend: announcement categories, the other kinds of item, idle.
        var legend: [(String, RGB)] = Category.allCases.map { ($0.rawValue, Theme.forCategory($0).background) }
        legend += [("image", Self.imageColour), ("clock", Theme.idle.background), ("ticker", Theme.ticker.background),
                   ("idle", idleColour)]
        var lx = left
        let ly = gridBottom + 24
        for (name, colour) in legend {
            canvas.fill(Rect(x: lx, y: ly, width: 28, height: 28), colour)
            try text(name, in: Rect(x: lx + 36, y: ly, width: 140, height: 28), size: 18, bold: false,
                     color: ink, canvas: canvas, verticalCenter: true)
            lx += 180
        }
        return canvas.bitmap()
    }

    private func drawSlot(_ slot: Slot, x0: Double, x1: Double, y: Double, height: Double, canvas: Canvas) throws(RenderError) {
        let block = Rect(x: x0, y: y, width: max(1, x1 - x0), height: height)
        let colour: (background: RGB, text: RGB) = slot.entry.map { Self.colours(of: $0.item) } ?? (idleColour, ink)
        canvas.fill(block, colour.background)
        // A hairline between consecutive blocks keeps short slots apart.
        canvas.fill(Rect(x: x0, y: y, width: 1, height: height), RGB(0xFF, 0xFF, 0xFF), alpha: 0.6)
        if block.width >= 40 {
            try text(slot.label, in: block.inset(by: 6), size: 16, bold: false,
                     color: colour.text, canvas: canvas, verticalCenter: true, maxLines: 1)
        }
    }

    /// A loop of slots too short to draw one by one: one light block whose label lists the items
    /// in order, each after a square of its colour.
    private func drawRotation(_ rotation: Rotation, in span: Rect, canvas: Canvas) throws(RenderError) {
        canvas.fill(span, rotationColour)
        canvas.fill(Rect(x: span.x, y: span.y, width: 1, height: span.height), RGB(0x90, 0xA4, 0xAE))
        guard span.width >= 40 else { return }
        let items = rotation.entries.map { entry in
            "<span foreground=\"\(Self.colours(of: entry.item).background)\">■</span> \(Self.escaped(entry.item.id))"
        }
        try text("繰り返し " + items.joined(separator: " → "), in: span.inset(by: 6), size: 15, bold: false, color: ink,
                 canvas: canvas, verticalCenter: true, markup: true)
    }

    /// The colours of an item in the picture: announcements by category, other kinds their own.
    static func colours(of item: Item) -> (background: RGB, text: RGB) {
        switch item.content {
        case .announcement(let a):
            let theme = Theme.forCategory(a.category)
            return (theme.background, theme.text)
        case .image: return (imageColour, RGB(0xFF, 0xFF, 0xFF))
        case .clock: return (Theme.idle.background, Theme.idle.text)
        case .ticker: return (Theme.ticker.background, Theme.ticker.text)
        }
    }

    static let imageColour = RGB(0x6A, 0x1B, 0x9A)

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private let ink = RGB(0x1A, 0x1A, 0x1A)
    private let idleColour = RGB(0xCF, 0xD8, 0xDC)
    private let rotationColour = RGB(0xEC, 0xEF, 0xF1)

    private func text(_ s: String, in box: Rect, size: Double, bold: Bool, color: RGB, canvas: Canvas,
                      centered: Bool = false, verticalCenter: Bool = false, maxLines: Int32 = 3,
                      markup: Bool = false) throws(RenderError) {
        guard box.width > 4, box.height > 4 else { return }
        var style = TextStyle(color: color, bold: bold, maxSize: size, minSize: min(size, 10),
                              alignment: centered ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT, verticalCenter: verticalCenter)
        style.maxLines = maxLines
        let fitted = try FittedText(s, in: box, style: style, planner: planner, cr: canvas.cr, markup: markup)
        fitted.draw(canvas, color: color)
    }
}
