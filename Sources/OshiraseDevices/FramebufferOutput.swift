import OshiraseCore
package import OshiraseImaging

/// Frames on a Linux framebuffer (`/dev/fbN`), or on any `FramebufferDevice`.
///
/// Geometry and pixel format come from the device; `line_length` is the stride. When asked to
/// (`pans`), and the virtual screen has room for a second buffer and the driver can pan
/// (`yres_virtual ≥ 2 × yres`, `ypanstep ≠ 0`), each frame is drawn into the hidden half and then
/// panned to, so the screen never shows a half-drawn frame. Otherwise each frame is converted into a copy of the screen in
/// ordinary memory and its changed rows then copied to the visible area in one go, so the screen
/// shows a mix of two frames only while that copy runs (a fraction of the conversion's time;
/// such a driver gives no way to avoid it altogether). Only changed rows are converted, plus
/// whatever the buffer being drawn missed while the other one was shown.
///
/// Pacing: when the driver can wait for vertical blank, `present` waits for it (after the pan when
/// double-buffered, before the copy when not) and `pacesFrames` is true. Drivers whose pan itself
/// waits for the blank (DRM's fbdev emulation) are not made to wait twice: a pan that took longer
/// than 4 ms is taken to have waited already.
package final class FramebufferOutput: FrameOutput {
    package let description: String
    package let screenWidth: Int
    package let screenHeight: Int
    /// True while the driver's vertical-blank wait works and `present` waits on it.
    package var pacesFrames: Bool { waitsForVSync }
    /// The device's pixel layout.
    package let format: PixelFormat
    /// True when frames are drawn into a hidden buffer and panned to.
    package let isDoubleBuffered: Bool
    /// Problems that do not stop the output (console mode, blanking, a pan that failed at open);
    /// the caller logs them.
    package private(set) var warnings: [String] = []

    private let device: any FramebufferDevice
    private let layout: ScreenLayout
    /// Byte offset of each buffer in the mapped memory: one, or two when double-buffered.
    private let bufferOffsets: [Int]
    /// The virtual row each buffer starts at (what to pan to).
    private let bufferRows: [Int]
    private var visibleBuffer = 0
    /// Per buffer: rows that changed since it was last drawn.
    private var damage: [RowDamage]
    /// Per buffer: the whole screen must be redrawn (cleared, then every frame row).
    private var needsFullRedraw: [Bool]
    private var lastPlacement: Placement?
    private var isPoweredOn = true
    private var isBlanked = false
    private var waitsForVSync: Bool
    private let now: () -> Double
    private var isClosed = false
    /// Single-buffered: the screen's contents, converted here first and then copied out.
    private var staging: UnsafeMutableRawBufferPointer?

    private struct Placement: Equatable {
        var origin: PixelPoint
        var width: Int
        var height: Int
    }

    /// A pan that took at least this long has already waited for the vertical blank.
    static let blockingPanSeconds = 0.004

    /// Opens the framebuffer device node at `path` (e.g. `/dev/fb0`).
    package static func open(path: String, pans: Bool = false) throws(OutputError) -> FramebufferOutput {
        let device = try LinuxFramebufferDevice(path: path)
        return try FramebufferOutput(device: device, pans: pans)
    }

    /// Takes over `device`: checks its format and geometry, switches the console to graphics mode,
    /// clears the screen black and (when double-buffered) pans to the first buffer.
    ///
    /// The output owns the device from here (also when this throws) and closes it in `close()` or
    /// when released.
    /// `now` is a monotonic time source in seconds, used only to tell a pan that waited for the
    /// vertical blank from one that did not.
    /// - Parameter pans: double-buffer by panning when the driver offers room for a second buffer.
    ///   Off by default: a driver may accept a pan and keep showing the first buffer (bochs-drm's
    ///   fbdev emulation in Linux 6.1 does), which would leave the screen black.
    package init(device: any FramebufferDevice, pans: Bool = false, now: @escaping () -> Double = monotonicSeconds) throws(OutputError) {
        let variable = device.variableInfo
        let fixed = device.fixedInfo
        let path = device.path
        let format: PixelFormat
        do {
            format = try PixelFormat(variable)
        } catch {
            device.close()
            throw OutputError("fbdev \(path): \(error.message)")
        }
        func fail(_ message: String) -> OutputError {
            device.close()
            return OutputError("fbdev \(path): \(message)")
        }
        guard fixed.type == FramebufferFixedInfo.packedPixels, fixed.visual == FramebufferFixedInfo.trueColor else {
            throw fail("unsupported memory layout (type \(fixed.type), visual \(fixed.visual)); only packed-pixel "
                + "true-colour framebuffers are supported (type \(FramebufferFixedInfo.packedPixels), visual "
                + "\(FramebufferFixedInfo.trueColor)); use a 16, 24 or 32 bpp mode (e.g. `fbset -depth 32`)")
        }
        guard variable.xres > 0, variable.yres > 0 else {
            throw fail("the framebuffer reports no visible area (\(variable.xres)×\(variable.yres))")
        }
        guard fixed.lineLength >= variable.xres * format.bytesPerPixel else {
            throw fail("line_length \(fixed.lineLength) is below one row of \(variable.xres) pixels "
                + "at \(format.bitsPerPixel) bpp")
        }
        let layout = ScreenLayout(width: variable.xres, height: variable.yres, stride: fixed.lineLength, format: format)
        let memory = min(device.mapped.count, fixed.memoryLength)
        func fits(_ offset: Int) -> Bool { offset >= 0 && offset + layout.requiredBytes <= memory }

        var warnings: [String] = []
        // The second buffer starts at the first row past the first buffer that the pan step allows.
        let step = fixed.ypanstep
        let secondRow = step > 0 ? (variable.yres + step - 1) / step * step : 0
        var double = pans && step > 0 && variable.yresVirtual >= secondRow + variable.yres
            && fits(secondRow * fixed.lineLength)
        if pans && step > 0 && variable.yresVirtual >= 2 * variable.yres && !double {
            warnings.append("fbdev \(path): the virtual screen is tall enough for two buffers but the memory "
                + "(\(fixed.memoryLength) bytes) is not; copying each frame to the visible screen instead")
        }
        if double {
            do {
                try device.pan(yOffset: 0)
            } catch {
                warnings.append("\(error.message); copying each frame to the visible screen instead")
                double = false
            }
        }
        let visibleVariable = device.variableInfo
        let rows = double ? [0, secondRow] : [visibleVariable.yoffset]
        let offsets = double
            ? [0, secondRow * fixed.lineLength]
            : [visibleVariable.yoffset * fixed.lineLength + visibleVariable.xoffset * format.bytesPerPixel]
        guard fits(offsets[0]) else {
            throw fail("the framebuffer memory (\(fixed.memoryLength) bytes) is too small for "
                + "\(variable.xres)×\(variable.yres) at \(fixed.lineLength) bytes per row")
        }

        self.device = device
        self.format = format
        self.layout = layout
        self.screenWidth = variable.xres
        self.screenHeight = variable.yres
        self.isDoubleBuffered = double
        self.bufferRows = rows
        self.bufferOffsets = offsets
        self.damage = Array(repeating: RowDamage(), count: rows.count)
        self.needsFullRedraw = Array(repeating: true, count: rows.count)
        self.waitsForVSync = device.supportsVSyncWait
        self.now = now
        self.description = "fbdev \(path) \(variable.xres)×\(variable.yres) \(format.name)"
            + (double ? " double-buffered" : "") + (device.supportsVSyncWait ? " vsync" : "")
            + (fixed.id.isEmpty ? "" : " (driver \(fixed.id))")

        do {
            try device.setConsoleGraphicsMode(true)
        } catch {
            warnings.append(error.message)
        }
        self.warnings = warnings
        if !double {
            staging = UnsafeMutableRawBufferPointer.allocate(byteCount: layout.requiredBytes, alignment: 16)
        }
        clearAllBuffers()
    }

    deinit {
        close()
        staging?.deallocate()
    }

    /// Restores the console and closes the device. Idempotent; also runs when the output is released.
    package func close() {
        guard !isClosed else { return }
        isClosed = true
        device.close()
    }

    package func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) throws(OutputError) {
        guard !isClosed, device.mapped.count >= (bufferOffsets.last ?? 0) + layout.requiredBytes else {
            throw OutputError("fbdev \(device.path) is closed")
        }
        if !isPoweredOn { try setPower(on: true) }

        let placement = Placement(origin: origin, width: frame.width, height: frame.height)
        if placement != lastPlacement {
            // Moved or resized: the old frame's area must become black in every buffer.
            for index in needsFullRedraw.indices { needsFullRedraw[index] = true }
            lastPlacement = placement
        }
        let changed = (changedRows ?? 0..<frame.height).clamped(to: 0..<frame.height)
        for index in damage.indices where !needsFullRedraw[index] { damage[index].add(changed) }

        let target = isDoubleBuffered ? 1 - visibleBuffer : 0
        let buffer = staging ?? bufferMemory(target)
        var screenRows: [Range<Int>]
        if needsFullRedraw[target] {
            layout.clear(buffer)
            layout.draw(frame, at: origin, rows: 0..<frame.height, into: buffer)
            screenRows = [0..<layout.height]
        } else {
            screenRows = []
            for rows in damage[target].ranges {
                layout.draw(frame, at: origin, rows: rows, into: buffer)
                screenRows.append(layout.screenRows(frameRows: rows, frameHeight: frame.height, origin: origin))
            }
        }
        damage[target].removeAll()
        needsFullRedraw[target] = false
        if let staging {
            // Converted; now the copy the screen may show half of, as short as a copy can be.
            try waitForVSyncIfAvailable()
            // Row by row: the padding past each row's pixels belongs to the driver.
            let screen = bufferMemory(0)
            let rowBytes = layout.width * layout.format.bytesPerPixel
            if let from = staging.baseAddress, let to = screen.baseAddress {
                for rows in screenRows {
                    for row in rows.clamped(to: 0..<layout.height) {
                        (to + row * layout.stride).copyMemory(from: from + row * layout.stride, byteCount: rowBytes)
                    }
                }
            }
        }

        if isDoubleBuffered {
            let started = now()
            try device.pan(yOffset: bufferRows[target])
            visibleBuffer = target
            if now() - started < Self.blockingPanSeconds { try waitForVSyncIfAvailable() }
        }
    }

    package func setPower(on: Bool) throws(OutputError) {
        guard !isClosed else { throw OutputError("fbdev \(device.path) is closed") }
        if on {
            guard !isPoweredOn else { return }
            if isBlanked {
                try device.setBlanked(false)
                isBlanked = false
            }
            isPoweredOn = true
        } else {
            guard isPoweredOn else { return }
            // fbdev has no DPMS of its own: the black frame is what turns the screen off; blanking,
            // where the driver has it, also saves the panel's power.
            clearAllBuffers()
            do {
                try device.setBlanked(true)
                isBlanked = true
            } catch {
                warnings.append("\(error.message); the screen shows black instead")
            }
            isPoweredOn = false
        }
    }

    private func bufferMemory(_ index: Int) -> UnsafeMutableRawBufferPointer {
        let offset = bufferOffsets[index]
        return UnsafeMutableRawBufferPointer(rebasing: device.mapped[offset..<(offset + layout.requiredBytes)])
    }

    private func clearAllBuffers() {
        if let staging { layout.clear(staging) }
        for index in bufferOffsets.indices {
            layout.clear(bufferMemory(index))
            damage[index].removeAll()
            needsFullRedraw[index] = true
        }
    }

    private func waitForVSyncIfAvailable() throws(OutputError) {
        guard waitsForVSync else { return }
        do {
            try device.waitForVSync()
        } catch {
            // It worked when probed; if it stops working, carry on unpaced rather than fail frames.
            waitsForVSync = false
            warnings.append("\(error.message); no longer waiting for vertical blank")
        }
    }
}
