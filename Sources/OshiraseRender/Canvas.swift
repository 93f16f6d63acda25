import CPangoCairo
import OshiraseCore
import OshiraseImaging

/// A Cairo image surface and its drawing context; owns both C pointers.
final class Canvas {
    let width: Int
    let height: Int
    let surface: OpaquePointer
    let cr: OpaquePointer

    init(width: Int, height: Int) throws(RenderError) {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw RenderError("cannot create a \(width)×\(height) drawing surface")
        }
        guard let cr = cairo_create(surface), cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw RenderError("cannot create a Cairo context")
        }
        self.width = width
        self.height = height
        self.surface = surface
        self.cr = cr
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// A copy of the pixels as a `Bitmap` (Cairo's ARGB32 layout).
    func bitmap() -> Bitmap {
        (try? withPixelView { Bitmap(copying: $0) })
            ?? Bitmap(width: width, height: height, stride: width * 4, pixels: [UInt8](repeating: 0, count: width * height * 4))
    }

    /// Lends the surface's pixels, read-only, for the duration of `body`.
    func withPixelView<T>(_ body: (PixelView) throws -> T) throws -> T {
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else {
            throw RenderError("the drawing surface has no pixel data")
        }
        return try body(PixelView(base: UnsafeRawPointer(data), width: width, height: height, stride: stride,
                                  byteCount: stride * height))
    }

    /// Runs `body` with the surface's pixels for in-place post-processing (gamma, brightness).
    func withPixels(_ body: (UnsafeMutableBufferPointer<UInt8>, Int) -> Void) {
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { return }
        body(UnsafeMutableBufferPointer(start: data, count: stride * height), stride)
        cairo_surface_mark_dirty(surface)
    }

    func fill(_ rect: Rect, _ color: RGB, alpha: Double = 1) {
        cairo_set_source_rgba(cr, color.red, color.green, color.blue, alpha)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(cr)
    }

    /// Fills every rectangle in one path (a QR code's modules).
    func fill(_ rects: [Rect], _ color: RGB) {
        cairo_set_source_rgb(cr, color.red, color.green, color.blue)
        for rect in rects { cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height) }
        cairo_fill(cr)
    }

    /// A straight line, stroked `width` pixels wide.
    func line(from start: (x: Double, y: Double), to end: (x: Double, y: Double), width: Double, _ color: RGB) {
        cairo_set_source_rgb(cr, color.red, color.green, color.blue)
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, start.x, start.y)
        cairo_line_to(cr, end.x, end.y)
        cairo_stroke(cr)
    }

    func roundedRect(_ rect: Rect, radius: Double, _ color: RGB) {
        let r = min(radius, rect.width / 2, rect.height / 2)
        cairo_new_sub_path(cr)
        cairo_arc(cr, rect.maxX - r, rect.y + r, r, -Double.pi / 2, 0)
        cairo_arc(cr, rect.maxX - r, rect.maxY - r, r, 0, Double.pi / 2)
        cairo_arc(cr, rect.x + r, rect.maxY - r, r, Double.pi / 2, Double.pi)
        cairo_arc(cr, rect.x + r, rect.y + r, r, Double.pi, 3 * Double.pi / 2)
        cairo_close_path(cr)
        cairo_set_source_rgb(cr, color.red, color.green, color.blue)
        cairo_fill(cr)
    }

    /// Confines drawing to `rect` while `body` runs.
    func clipped(to rect: Rect, _ body: () -> Void) {
        cairo_save(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
        body()
        cairo_restore(cr)
    }
}

/// A rendering failure that is not the input's fault (out of memory, a broken library).
public struct RenderError: Error, CustomStringConvertible, Sendable {
    public let description: String
    package init(_ message: String) { description = message }
}
