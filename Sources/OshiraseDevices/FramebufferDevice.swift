/// What a framebuffer reports about its mode (`FBIOGET_VSCREENINFO`), in our own types.
package struct FramebufferVariableInfo: Sendable, Equatable {
    /// Visible resolution.
    package var xres: Int
    package var yres: Int
    /// Resolution of the whole drawable area; `yresVirtual ≥ 2 × yres` leaves room for a second buffer.
    package var xresVirtual: Int
    package var yresVirtual: Int
    /// Where the visible area starts inside the virtual one (changed by panning).
    package var xoffset: Int
    package var yoffset: Int
    /// Bits per pixel; with the bitfields below it decides the `PixelFormat`.
    package var bitsPerPixel: Int
    /// 0: colour; 1: grey-scale; more: a fourcc code.
    package var grayscale: Int
    /// Where each channel sits in a pixel value; `transp` is alpha (length 0 when absent).
    package var red: PixelBitfield
    package var green: PixelBitfield
    package var blue: PixelBitfield
    package var transp: PixelBitfield
    /// Non-zero for a driver-specific pixel format.
    package var nonstd: Int

    /// Every field as the kernel names it.
    package init(xres: Int, yres: Int, xresVirtual: Int, yresVirtual: Int, xoffset: Int = 0, yoffset: Int = 0,
                bitsPerPixel: Int, grayscale: Int = 0, red: PixelBitfield, green: PixelBitfield,
                blue: PixelBitfield, transp: PixelBitfield = .none, nonstd: Int = 0) {
        self.xres = xres
        self.yres = yres
        self.xresVirtual = xresVirtual
        self.yresVirtual = yresVirtual
        self.xoffset = xoffset
        self.yoffset = yoffset
        self.bitsPerPixel = bitsPerPixel
        self.grayscale = grayscale
        self.red = red
        self.green = green
        self.blue = blue
        self.transp = transp
        self.nonstd = nonstd
    }

    /// A mode of `width`×`height` in `format`, with a virtual height of `virtualHeight` (default: `height`).
    package init(width: Int, height: Int, virtualHeight: Int? = nil, format: PixelFormat) {
        self.init(xres: width, yres: height, xresVirtual: width, yresVirtual: virtualHeight ?? height,
                  bitsPerPixel: format.bitsPerPixel, red: format.red, green: format.green, blue: format.blue,
                  transp: format.transp)
    }
}

/// What a framebuffer reports about its memory (`FBIOGET_FSCREENINFO`), in our own types.
package struct FramebufferFixedInfo: Sendable, Equatable {
    /// The driver's name, e.g. `simpledrmdrmfb`, `EFI VGA`.
    package var id: String
    /// Bytes of framebuffer memory (`smem_len`), the length to map.
    package var memoryLength: Int
    /// Layout of the memory; only `packedPixels` is supported.
    package var type: Int
    /// How pixel values become colours; only `trueColor` is supported.
    package var visual: Int
    /// Granularity of panning; `ypanstep == 0` means the driver cannot pan vertically.
    package var xpanstep: Int
    package var ypanstep: Int
    package var ywrapstep: Int
    /// Bytes from one row to the next (`line_length`), at least `xres × bytes per pixel`.
    package var lineLength: Int

    /// `FB_TYPE_PACKED_PIXELS`.
    package static let packedPixels = 0
    /// `FB_VISUAL_TRUECOLOR`.
    package static let trueColor = 2

    /// Every field as the kernel names it; type and visual default to the supported ones.
    package init(id: String = "", memoryLength: Int, type: Int = FramebufferFixedInfo.packedPixels,
                visual: Int = FramebufferFixedInfo.trueColor, xpanstep: Int = 0, ypanstep: Int = 0,
                ywrapstep: Int = 0, lineLength: Int) {
        self.id = id
        self.memoryLength = memoryLength
        self.type = type
        self.visual = visual
        self.xpanstep = xpanstep
        self.ypanstep = ypanstep
        self.ywrapstep = ywrapstep
        self.lineLength = lineLength
    }
}

/// The few framebuffer and console operations an fbdev output needs, behind a protocol so the same
/// output code runs on `/dev/fbN` (`LinuxFramebufferDevice`) and on a memory-mapped file in tests
/// (`FileBackedFramebuffer`).
///
/// Used from one thread. `close()` is idempotent and also runs when the device is released.
package protocol FramebufferDevice: AnyObject {
    /// The device node or file, for messages: `/dev/fb0`.
    var path: String { get }
    /// The mode as last read or panned to.
    var variableInfo: FramebufferVariableInfo { get }
    var fixedInfo: FramebufferFixedInfo { get }
    /// The framebuffer memory, `fixedInfo.memoryLength` bytes, mapped shared: writes show on screen.
    /// Empty once closed.
    var mapped: UnsafeMutableRawBufferPointer { get }
    /// True when `waitForVSync()` works on this device (probed when it was opened).
    var supportsVSyncWait: Bool { get }
    /// Makes the area starting at row `yOffset` of the virtual screen visible (`FBIOPAN_DISPLAY`);
    /// the driver applies it at the next vertical blank.
    func pan(yOffset: Int) throws(OutputError)
    /// Returns after the next vertical blank (`FBIO_WAITFORVSYNC`).
    func waitForVSync() throws(OutputError)
    /// Blanks (powers down) or unblanks the display (`FBIOBLANK`); many drivers refuse.
    func setBlanked(_ blanked: Bool) throws(OutputError)
    /// Switches the text console to graphics mode (`KDSETMODE KD_GRAPHICS` on `/dev/tty0`), so the
    /// kernel stops drawing its cursor and messages over the picture, or back to text.
    func setConsoleGraphicsMode(_ graphics: Bool) throws(OutputError)
    /// Restores the console and unblanks if this device changed them, then unmaps and closes.
    func close()
}
