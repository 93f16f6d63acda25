package import Foundation
import OshiraseCore
package import OshiraseImaging

/// A cross-fade from the frame on screen to the frames drawn after it: the old frame is kept, and
/// each new one is blended into a buffer of this fader's own until the fade's time is up. Each
/// channel moves linearly from old to new (``CrossFade/blend(old:new:into:count:weight:)``). The
/// rows from `crispFrom` down (a kiosk's temperature panel) are never faded: a visitor's result
/// appears whole at once. Not thread-safe: one fader per display, beside its renderer.
package final class CrossFader {
    private struct Fade {
        var from: [UInt8]
        var start: Date
        var duration: Double
    }
    private var fade: Fade?
    private var blend: [UInt8] = []
    /// True when the frame handed out last was a blend (mid-fade), not the renderer's canvas.
    package private(set) var showsBlend = false

    package init() {}

    /// True while a fade is under way.
    package var isFading: Bool { fade != nil }

    /// Starts fading from `pixels` (a whole frame, rows `width × 4` bytes apart) over `duration` seconds.
    package func begin(from pixels: [UInt8], at start: Date, duration: Double) {
        fade = Fade(from: pixels, start: start, duration: duration)
    }

    /// Ends any fade at once: the next frame is shown as drawn.
    package func stop() {
        fade = nil
        showsBlend = false
    }

    /// Hands `present` the frame to show at `now`: `view` faded in from the old frame, or, once the
    /// fade's time is up, `view` itself (the fade then ends). Without a fade, `view` itself.
    package func frame(_ view: PixelView, at now: Date, crispFrom: Int, _ present: (PixelView) throws -> Void) rethrows {
        guard let f = fade else {
            try present(view)
            return
        }
        let progress = min(1, max(0, now.timeIntervalSince(f.start) / f.duration))
        guard progress < 1 else {
            stop()
            try present(view)
            return
        }
        let count = view.width * 4 * view.height
        if blend.count != count { blend = [UInt8](repeating: 0, count: count) }
        let weight = UInt32((progress * 256).rounded())
        let rowBytes = view.width * 4
        f.from.withUnsafeBytes { from in
            blend.withUnsafeMutableBytes { out in
                guard let fromBase = from.baseAddress, let outBase = out.baseAddress, from.count >= count else { return }
                for y in 0..<view.height {
                    let src = view.base + y * view.stride
                    let dst = outBase + y * rowBytes
                    if y >= crispFrom {
                        dst.copyMemory(from: src, byteCount: rowBytes)
                    } else {
                        CrossFade.blend(old: fromBase + y * rowBytes, new: src, into: dst, count: rowBytes, weight: weight)
                    }
                }
            }
        }
        showsBlend = true
        try blend.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            try present(PixelView(base: base, width: view.width, height: view.height, stride: rowBytes, byteCount: count))
        }
    }

    /// The blend on screen (rows `width × 4` bytes apart) while ``showsBlend``; else nil.
    package var blendOnScreen: [UInt8]? { showsBlend ? blend : nil }
}
