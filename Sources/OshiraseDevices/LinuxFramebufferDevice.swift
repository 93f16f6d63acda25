import CLinuxDevices
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OshiraseCore

/// A Linux framebuffer device node, `/dev/fbN`: its mode, its memory mapped, panning and vsync.
package final class LinuxFramebufferDevice: FramebufferDevice {
    package let path: String
    package private(set) var variableInfo: FramebufferVariableInfo
    package let fixedInfo: FramebufferFixedInfo
    /// The framebuffer memory; empty after `close()`.
    package private(set) var mapped: UnsafeMutableRawBufferPointer
    package let supportsVSyncWait: Bool
    private var fd: Int32
    /// The kernel's own struct, kept to hand back to FBIOPAN_DISPLAY with only the offsets changed.
    private var kernelInfo: fb_var_screeninfo
    private var console: Console?
    private var blanked = false

    /// Opens `path` read-write, reads its mode and maps its memory.
    ///
    /// Throws with a message that says what to do: no such device, permission denied (the
    /// `video` group), not a framebuffer, or memory that cannot be mapped.
    package init(path: String) throws(OutputError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw LinuxFramebufferDevice.openError(path: path, errno: errno) }
        var variable = fb_var_screeninfo()
        var fixed = fb_fix_screeninfo()
        guard oshirase_fb_get_variable_info(fd, &variable) == 0,
              oshirase_fb_get_fixed_info(fd, &fixed) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw OutputError("\(path) is not a framebuffer device (its mode cannot be read: "
                + "\(systemErrorText(code))); give the fbdev output a /dev/fbN node")
        }
        let length = Int(fixed.smem_len)
        guard length > 0 else {
            Glibc.close(fd)
            throw OutputError("\(path) reports no framebuffer memory (smem_len 0); the driver cannot be drawn to with fbdev")
        }
        let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else {
            let code = errno
            Glibc.close(fd)
            throw OutputError("cannot map the memory of \(path) (\(length) bytes): \(systemErrorText(code))")
        }
        self.fd = fd
        self.kernelInfo = variable
        self.variableInfo = LinuxFramebufferDevice.convert(variable)
        self.fixedInfo = LinuxFramebufferDevice.convert(fixed)
        self.mapped = UnsafeMutableRawBufferPointer(start: address, count: length)
        // Probe once: drivers without vsync answer at once with ENOTTY or EINVAL; with it, this
        // costs at most one refresh at start-up.
        self.supportsVSyncWait = oshirase_fb_wait_for_vsync(fd, 0) == 0
    }

    deinit { close() }

    /// The message for a failed open of a framebuffer node.
    static func openError(path: String, errno code: Int32) -> OutputError {
        switch code {
        case ENOENT, ENODEV, ENXIO:
            OutputError("no framebuffer at \(path): \(systemErrorText(code)); check that a framebuffer driver "
                + "is loaded (`ls /dev/fb*`) or name the right device in the config")
        case EACCES, EPERM:
            OutputError("cannot open \(path): \(systemErrorText(code)); add the service's user to the `video` "
                + "group (`usermod -aG video USER`, or `SupplementaryGroups=video` in the systemd unit)")
        case EBUSY:
            OutputError("cannot open \(path): the device is busy; stop the other program drawing on it")
        default:
            OutputError("cannot open \(path): \(systemErrorText(code))")
        }
    }

    package func pan(yOffset: Int) throws(OutputError) {
        guard fd >= 0 else { throw OutputError("\(path) is closed") }
        var info = kernelInfo
        info.xoffset = 0
        info.yoffset = UInt32(clamping: yOffset)
        guard oshirase_fb_pan_display(fd, &info) == 0 else {
            throw OutputError("\(path): panning to row \(yOffset) failed: \(systemErrorText(errno))")
        }
        kernelInfo = info
        variableInfo.xoffset = 0
        variableInfo.yoffset = yOffset
    }

    package func waitForVSync() throws(OutputError) {
        guard fd >= 0 else { throw OutputError("\(path) is closed") }
        while oshirase_fb_wait_for_vsync(fd, 0) != 0 {
            if errno == EINTR { continue }
            throw OutputError("\(path): waiting for vertical blank failed: \(systemErrorText(errno))")
        }
    }

    package func setBlanked(_ blanked: Bool) throws(OutputError) {
        guard fd >= 0 else { throw OutputError("\(path) is closed") }
        let level = Int32(blanked ? FB_BLANK_POWERDOWN : FB_BLANK_UNBLANK)
        guard oshirase_fb_blank(fd, level) == 0 else {
            throw OutputError("\(path): \(blanked ? "blanking" : "unblanking") the display failed: \(systemErrorText(errno))")
        }
        self.blanked = blanked
    }

    package func setConsoleGraphicsMode(_ graphics: Bool) throws(OutputError) {
        if graphics {
            if console == nil { console = try Console.open() }
            try console?.setGraphics()
        } else {
            console?.restore()
            console = nil
        }
    }

    package func close() {
        guard fd >= 0 else { return }
        console?.restore()
        console = nil
        if blanked { _ = oshirase_fb_blank(fd, Int32(FB_BLANK_UNBLANK)) }
        munmap(mapped.baseAddress, mapped.count)
        mapped = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        Glibc.close(fd)
        fd = -1
    }

    /// The active virtual terminal, switched to graphics mode while the output runs.
    private final class Console {
        static let path = "/dev/tty0"
        let fd: Int32
        /// The mode before we changed it (text when it could not be read), restored at close;
        /// nil while we have not changed it.
        var modeToRestore: Int32?

        private init(fd: Int32) { self.fd = fd }

        static func open() throws(OutputError) -> Console {
            let fd = Glibc.open(path, O_RDWR | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else {
                let code = errno
                let hint = code == EACCES || code == EPERM
                    ? "; add the service's user to the `tty` group" : ""
                throw OutputError("cannot switch the console to graphics mode (\(path): \(systemErrorText(code))\(hint)); "
                    + "the console's cursor may blink over the picture")
            }
            return Console(fd: fd)
        }

        func setGraphics() throws(OutputError) {
            if modeToRestore == nil {
                var mode = Int32(KD_TEXT)
                modeToRestore = oshirase_kd_get_mode(fd, &mode) == 0 ? mode : Int32(KD_TEXT)
            }
            guard oshirase_kd_set_mode(fd, Int32(KD_GRAPHICS)) == 0 else {
                throw OutputError("cannot switch the console to graphics mode (\(Console.path): "
                    + "\(systemErrorText(errno))); the console's cursor may blink over the picture")
            }
        }

        func restore() {
            guard let mode = modeToRestore else { return }
            _ = oshirase_kd_set_mode(fd, mode)
            modeToRestore = nil
        }

        deinit {
            restore()
            Glibc.close(fd)
        }
    }

    private static func convert(_ field: fb_bitfield) -> PixelBitfield {
        PixelBitfield(offset: Int(field.offset), length: Int(field.length), msbRight: field.msb_right != 0)
    }

    private static func convert(_ info: fb_var_screeninfo) -> FramebufferVariableInfo {
        FramebufferVariableInfo(
            xres: Int(info.xres), yres: Int(info.yres), xresVirtual: Int(info.xres_virtual),
            yresVirtual: Int(info.yres_virtual), xoffset: Int(info.xoffset), yoffset: Int(info.yoffset),
            bitsPerPixel: Int(info.bits_per_pixel), grayscale: Int(info.grayscale),
            red: convert(info.red), green: convert(info.green), blue: convert(info.blue),
            transp: convert(info.transp), nonstd: Int(info.nonstd))
    }

    private static func convert(_ info: fb_fix_screeninfo) -> FramebufferFixedInfo {
        // The id is a fixed char[16], NUL-terminated only when shorter.
        let id = withUnsafeBytes(of: info.id) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return FramebufferFixedInfo(
            id: id, memoryLength: Int(info.smem_len), type: Int(info.type), visual: Int(info.visual),
            xpanstep: Int(info.xpanstep), ypanstep: Int(info.ypanstep), ywrapstep: Int(info.ywrapstep),
            lineLength: Int(info.line_length))
    }
}
