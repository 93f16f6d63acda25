import Foundation
import CPangoCairo
import OshiraseCore

/// The typeface every template uses: Noto Sans CJK JP from Debian's fonts-noto-cjk.
let fontFamily = "Noto Sans CJK JP"

/// How a block of text is set inside a box.
struct TextStyle {
    var color: RGB
    var bold = false
    /// Largest and smallest sizes in pixels; the text shrinks between them to fit.
    var maxSize: Double
    var minSize: Double
    var alignment: PangoAlignment = PANGO_ALIGN_LEFT
    var verticalCenter = false
    var lineSpacing = 1.25
    var maxLines: Int32 = 0
}

/// A Pango layout of one text block that fits its box: phrase-aware breaks (BudouX + kinsoku,
/// through word joiners), shrink to fit down to the minimum size, then ellipsis.
final class FittedText {
    let layout: OpaquePointer
    let box: Rect
    let size: Double
    /// Where the block's top-left corner is drawn.
    let origin: (x: Double, y: Double)

    init(_ text: String, in box: Rect, style: TextStyle, planner: LineBreakPlanner, cr: OpaquePointer) throws(RenderError) {
        guard let layout = pango_cairo_create_layout(cr) else { throw RenderError("cannot create a text layout") }
        self.layout = layout
        self.box = box
        let prepared = planner.prepare(text)
        pango_layout_set_text(layout, prepared, -1)
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_alignment(layout, style.alignment)
        pango_layout_set_line_spacing(layout, Float(style.lineSpacing))

        // Glyph ink may overhang its advance by a little (italics, ℃, kana tails): lay out in a
        // slightly narrower width and centre that inside the box, then check ink and logical extents.
        var margin = 0.0
        func apply(size: Double) -> Rect {
            margin = (size * 0.08).rounded(.up)
            pango_layout_set_width(layout, Int32(max(1, box.width - 2 * margin) * Double(PANGO_SCALE)))
            guard let desc = pango_font_description_new() else { return Rect(x: 0, y: 0, width: .infinity, height: .infinity) }
            pango_font_description_set_family(desc, fontFamily)
            pango_font_description_set_weight(desc, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
            pango_font_description_set_absolute_size(desc, size * Double(PANGO_SCALE))
            pango_layout_set_font_description(layout, desc)
            pango_font_description_free(desc)
            return FittedText.bounds(layout, offsetX: margin)
        }
        func fits(_ r: Rect) -> Bool {
            r.x >= 0 && r.y >= 0 && r.maxX <= box.width && r.maxY <= box.height
                && (style.maxLines == 0 || pango_layout_get_line_count(layout) <= style.maxLines)
        }

        // Largest size that fits, by bisection on whole pixels.
        var lo = max(1, style.minSize.rounded(.down)), hi = max(lo, style.maxSize.rounded(.down))
        var chosen = lo
        if fits(apply(size: hi)) {
            chosen = hi
        } else if fits(apply(size: lo)) {
            while hi - lo > 1 {
                let mid = ((lo + hi) / 2).rounded(.down)
                if fits(apply(size: mid)) { lo = mid } else { hi = mid }
            }
            chosen = lo
        } else {
            // Too long even at the smallest legible size: keep what fits and end with an ellipsis.
            chosen = lo
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
            var limit = Int32(box.height * Double(PANGO_SCALE))
            if style.maxLines > 0 { limit = -style.maxLines }
            pango_layout_set_height(layout, limit)
        }
        var m = apply(size: chosen)
        // Ellipsized text whose single line is still too tall shrinks below the floor rather than overflow.
        var size = chosen
        while !fits(m), size > 4 {
            size -= 1
            m = apply(size: size)
        }
        self.size = size
        let used = FittedText.bounds(layout, offsetX: margin)
        let top = style.verticalCenter ? ((box.height - used.maxY) / 2).rounded(.down) : 0
        origin = (box.x + margin, box.y + max(0, top))
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(layout)) }

    /// The pixel box the text's ink and logical extents cover, in canvas coordinates.
    var extents: Rect {
        let r = FittedText.bounds(layout, offsetX: 0)
        return Rect(x: origin.x + r.x, y: origin.y + r.y, width: r.width, height: r.height)
    }

    /// The union of a layout's ink and logical pixel extents, shifted right by `offsetX`.
    static func bounds(_ layout: OpaquePointer, offsetX: Double) -> Rect {
        var ink = PangoRectangle(), logical = PangoRectangle()
        pango_layout_get_pixel_extents(layout, &ink, &logical)
        let x0 = Double(min(ink.x, logical.x)), y0 = Double(min(ink.y, logical.y))
        let x1 = Double(max(ink.x + ink.width, logical.x + logical.width))
        let y1 = Double(max(ink.y + ink.height, logical.y + logical.height))
        return Rect(x: x0 + offsetX, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The height the laid-out text takes.
    var height: Double {
        var logical = PangoRectangle()
        pango_layout_get_pixel_extents(layout, nil, &logical)
        return Double(logical.height)
    }

    var isEllipsized: Bool { pango_layout_is_ellipsized(layout) != 0 }

    /// The text of each laid-out line, without the word joiners.
    var lines: [String] {
        guard let text = pango_layout_get_text(layout) else { return [] }
        let bytes = Array(String(cString: text).utf8)
        var result: [String] = []
        for n in 0..<pango_layout_get_line_count(layout) {
            guard let line = pango_layout_get_line_readonly(layout, n) else { continue }
            let start = Int(line.pointee.start_index), end = start + Int(line.pointee.length)
            guard start >= 0, start <= end, end <= bytes.count else { continue }
            let piece = String(decoding: bytes[start..<end], as: UTF8.self)
            result.append(piece.replacingOccurrences(of: "\u{2060}", with: "").replacingOccurrences(of: "\n", with: ""))
        }
        return result
    }

    func draw(_ canvas: Canvas, color: RGB) {
        cairo_set_source_rgb(canvas.cr, color.red, color.green, color.blue)
        cairo_move_to(canvas.cr, origin.x, origin.y)
        pango_cairo_show_layout(canvas.cr, layout)
    }
}

