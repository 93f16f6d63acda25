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
    /// Whether the text was cut short and ends with an ellipsis.
    private(set) var ellipsized = false
    /// Where the block's top-left corner is drawn.
    let origin: (x: Double, y: Double)

    /// - Parameter markup: `text` is Pango markup (our own labels only, never playlist text) and is
    ///   set as it is, without phrase preparation.
    init(_ text: String, in box: Rect, style: TextStyle, planner: LineBreakPlanner, cr: OpaquePointer,
         markup: Bool = false) throws(RenderError) {
        guard let layout = pango_cairo_create_layout(cr) else { throw RenderError("cannot create a text layout") }
        self.layout = layout
        self.box = box
        // A YAML block scalar (`title: |`) ends in a newline that is no line of text.
        var source = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Text far longer than the box holds at the smallest size is cut before layout (it will end
        // in an ellipsis anyway): laying out 20,000 lines to show 20 took most of a minute.
        let floorSize = max(1, style.minSize.rounded(.down))
        let lineCapacity = Int(box.height / (floorSize * style.lineSpacing)) + 2
        let charCapacity = lineCapacity * (Int(box.width / (floorSize * 0.5)) + 1) + 64
        var cutByCapacity = false
        if !markup, source.unicodeScalars.count > charCapacity {
            source = String(String.UnicodeScalarView(source.unicodeScalars.prefix(charCapacity)))
            cutByCapacity = true
        }
        let paragraphs = source.split(separator: "\n", omittingEmptySubsequences: false)
        if !markup, paragraphs.count > lineCapacity {
            source = paragraphs.prefix(lineCapacity).joined(separator: "\n")
            cutByCapacity = true
        }
        let prepared: String
        if markup {
            pango_layout_set_markup(layout, text, -1)
            prepared = pango_layout_get_text(layout).map { String(cString: $0) } ?? ""
        } else {
            prepared = planner.prepare(source)
            pango_layout_set_text(layout, prepared, -1)
        }
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
        let bytes = Array(prepared.utf8)
        let joiner: [UInt8] = [0xE2, 0x81, 0xA0]  // U+2060 in UTF-8
        /// Whether Pango had to break a line next to a word joiner: inside a phrase, because the
        /// phrase is wider than the line.
        func splitsPhrase() -> Bool {
            var split = false
            FittedText.forEachLine(layout) { start, _ in
                guard start > 0 else { return }
                if start >= 3, start <= bytes.count, Array(bytes[(start - 3)..<start]) == joiner { split = true }
                if start + 3 <= bytes.count, Array(bytes[start..<(start + 3)]) == joiner { split = true }
            }
            return split
        }
        func fits(_ r: Rect, wholePhrases: Bool = false) -> Bool {
            r.x >= 0 && r.y >= 0 && r.maxX <= box.width && r.maxY <= box.height
                && (style.maxLines == 0 || pango_layout_get_line_count(layout) <= style.maxLines)
                && (!wholePhrases || !splitsPhrase())
        }
        /// The largest whole-pixel size in lo...hi that passes `test`, by bisection, or nil.
        func largest(_ lo: Double, _ hi: Double, _ test: (Double) -> Bool) -> Double? {
            if test(hi) { return hi }
            guard test(lo) else { return nil }
            var good = lo, bad = hi
            while bad - good > 1 {
                let mid = ((good + bad) / 2).rounded(.down)
                if test(mid) { good = mid } else { bad = mid }
            }
            return good
        }

        let floor = max(1, style.minSize.rounded(.down)), ceiling = max(floor, style.maxSize.rounded(.down))
        var size: Double
        // Prefer the largest size at which every phrase stays whole; else the largest that fits
        // with a phrase broken (a long URL); else ellipsize at the smallest legible size.
        if !cutByCapacity, let whole = largest(floor, ceiling, { fits(apply(size: $0), wholePhrases: true) }) {
            size = whole
        } else if !cutByCapacity, let any = largest(floor, ceiling, { fits(apply(size: $0)) }) {
            size = any
        } else {
            // Too long even at the floor: keep the lines that fit, cut after the last of them and
            // end with an ellipsis. (Pango's own ellipsizing limits lines per paragraph, so text
            // with newlines would still overflow.)
            size = floor
            _ = apply(size: size)
            var keep = FittedText.linesThatFit(layout, height: box.height, maxLines: style.maxLines)
            if keep == 0 {
                // The box is shorter than one line at the floor: smaller text beats overflow.
                keep = 1
                while size > 4, FittedText.linesThatFit(layout, height: box.height, maxLines: 1) == 0 {
                    size -= 1
                    _ = apply(size: size)
                }
            }
            var cut = Array(bytes[0..<FittedText.endOfLine(layout, keep - 1, limit: bytes.count)])
            while true {
                FittedText.trimEnd(&cut)
                let candidate = cut + Array("…".utf8)
                candidate.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { pango_layout_set_text(layout, $0.baseAddress, Int32($0.count)) }
                }
                if fits(apply(size: size)) || cut.isEmpty { break }
                FittedText.dropLastScalar(&cut)
            }
            ellipsized = true
        }
        _ = apply(size: size)
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

    var isEllipsized: Bool { ellipsized }

    /// How many leading lines fit in `height` (and `maxLines`, when not 0).
    private static func linesThatFit(_ layout: OpaquePointer, height: Double, maxLines: Int32) -> Int {
        guard let iter = pango_layout_get_iter(layout) else { return 0 }
        defer { pango_layout_iter_free(iter) }
        var count = 0
        repeat {
            var ink = PangoRectangle(), logical = PangoRectangle()
            pango_layout_iter_get_line_extents(iter, &ink, &logical)
            let bottom = Double(max(logical.y + logical.height, ink.y + ink.height)) / Double(PANGO_SCALE)
            if bottom > height { break }
            count += 1
            if maxLines > 0, count >= Int(maxLines) { break }
        } while pango_layout_iter_next_line(iter) != 0
        return count
    }

    /// The byte index where line `n` of the layout ends.
    private static func endOfLine(_ layout: OpaquePointer, _ n: Int, limit: Int) -> Int {
        guard let line = pango_layout_get_line_readonly(layout, Int32(n)) else { return 0 }
        return min(limit, max(0, Int(line.pointee.start_index) + Int(line.pointee.length)))
    }

    /// Drops trailing white space, newlines and word joiners (UTF-8 bytes).
    private static func trimEnd(_ bytes: inout [UInt8]) {
        while true {
            if let last = bytes.last, [0x20, 0x0A, 0x0D, 0x09].contains(last) {
                bytes.removeLast()
            } else if bytes.count >= 3, Array(bytes.suffix(3)) == [0xE2, 0x81, 0xA0] {
                bytes.removeLast(3)
            } else if bytes.count >= 3, Array(bytes.suffix(3)) == [0xE3, 0x80, 0x80] {
                bytes.removeLast(3)  // U+3000 IDEOGRAPHIC SPACE
            } else {
                return
            }
        }
    }

    /// Drops the last Unicode scalar (UTF-8 bytes).
    private static func dropLastScalar(_ bytes: inout [UInt8]) {
        while let last = bytes.popLast(), last & 0xC0 == 0x80 {}
    }

    /// The text of each laid-out line, without the word joiners.
    var lines: [String] {
        guard let text = pango_layout_get_text(layout) else { return [] }
        let bytes = Array(String(cString: text).utf8)
        var result: [String] = []
        FittedText.forEachLine(layout) { start, length in
            let end = start + length
            guard start >= 0, start <= end, end <= bytes.count else { return }
            let piece = String(decoding: bytes[start..<end], as: UTF8.self)
            result.append(piece.replacingOccurrences(of: "\u{2060}", with: "").replacingOccurrences(of: "\n", with: ""))
        }
        return result
    }

    /// Calls `body` with each line's byte range, walking Pango's line list once (asking for line
    /// n by number walks the list from the start each time: quadratic in long texts).
    static func forEachLine(_ layout: OpaquePointer, _ body: (_ start: Int, _ length: Int) -> Void) {
        var node = pango_layout_get_lines_readonly(layout)
        while let current = node {
            if let data = current.pointee.data {
                let line = data.assumingMemoryBound(to: PangoLayoutLine.self)
                body(Int(line.pointee.start_index), Int(line.pointee.length))
            }
            node = current.pointee.next
        }
    }

    func draw(_ canvas: Canvas, color: RGB) {
        cairo_set_source_rgb(canvas.cr, color.red, color.green, color.blue)
        cairo_move_to(canvas.cr, origin.x, origin.y)
        pango_cairo_show_layout(canvas.cr, layout)
    }
}

/// One line of bold text for a scrolling ticker, laid out once; owns its Pango layout.
final class TickerLine {
    private let layout: OpaquePointer
    /// The line's logical width and height in pixels.
    let width: Double
    let height: Double

    init(_ text: String, size: Double, canvas: Canvas) throws(RenderError) {
        guard let layout = pango_cairo_create_layout(canvas.cr) else { throw RenderError("cannot create a text layout") }
        self.layout = layout
        if let desc = pango_font_description_new() {
            pango_font_description_set_family(desc, fontFamily)
            pango_font_description_set_weight(desc, PANGO_WEIGHT_BOLD)
            pango_font_description_set_absolute_size(desc, size * Double(PANGO_SCALE))
            pango_layout_set_font_description(layout, desc)
            pango_font_description_free(desc)
        }
        pango_layout_set_text(layout, text, -1)
        var logical = PangoRectangle()
        pango_layout_get_pixel_extents(layout, nil, &logical)
        width = Double(logical.width)
        height = Double(logical.height)
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(layout)) }

    /// Draws the line with its top-left corner at (x, y).
    func draw(on canvas: Canvas, x: Double, y: Double, color: RGB) {
        cairo_set_source_rgb(canvas.cr, color.red, color.green, color.blue)
        cairo_move_to(canvas.cr, x, y)
        pango_cairo_show_layout(canvas.cr, layout)
    }
}
