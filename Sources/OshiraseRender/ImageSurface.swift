import CPangoCairo
import OshiraseCore
import OshiraseImaging

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

    /// Paints the image upright, centred in `rect`, scaled to fit inside it or to cover it, and
    /// clipped to it.
    func paint(on canvas: Canvas, in rect: Rect, fit: ImageFit) {
        let (w, h) = uprightSize
        let sx = rect.width / Double(w), sy = rect.height / Double(h)
        let scale = fit == .cover ? max(sx, sy) : min(sx, sy)
        let drawnW = Double(w) * scale, drawnH = Double(h) * scale
        canvas.clipped(to: rect) {
            let cr = canvas.cr
            cairo_save(cr)
            cairo_translate(cr, rect.x + (rect.width - drawnW) / 2, rect.y + (rect.height - drawnH) / 2)
            cairo_scale(cr, scale, scale)
            applyOrientation(cr)
            cairo_set_source_surface(cr, surface, 0, 0)
            cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
            cairo_paint(cr)
            cairo_restore(cr)
        }
    }
}
