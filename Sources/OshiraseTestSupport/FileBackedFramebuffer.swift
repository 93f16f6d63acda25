#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import OshiraseDevices
import OshiraseCore

/// A framebuffer stand-in for tests: a regular file of `memoryLength` bytes mapped shared, with the
/// geometry and format the test chooses, and a record of pans, vsync waits, blanking and console
/// mode changes.
///
/// Panning checks what a kernel driver checks (the step and the virtual height) and throws
/// otherwise, so an output that pans wrongly fails its tests. The file keeps its last bytes after
/// `close()`; remove its folder when done.
package final class FileBackedFramebuffer: FramebufferDevice {
    package let path: String
    package private(set) var variableInfo: FramebufferVariableInfo
    package let fixedInfo: FramebufferFixedInfo
    /// The mapped file; empty after `close()`.
    package private(set) var mapped: UnsafeMutableRawBufferPointer
    package let supportsVSyncWait: Bool
    /// Every `yOffset` panned to, in order.
    package private(set) var pans: [Int] = []
    /// How many times `waitForVSync()` was called.
    package private(set) var vsyncWaits = 0
    /// True between `setBlanked(true)` and `setBlanked(false)`.
    package private(set) var isBlanked = false
    /// When set, `setBlanked` throws as a driver without `FBIOBLANK` does.
    package var refusesBlanking = false
    /// True while the console is in graphics mode.
    package private(set) var consoleInGraphicsMode = false
    /// Every console mode set, true for graphics, in order.
    package private(set) var consoleModeChanges: [Bool] = []
    package private(set) var isClosed = false
    /// Called on each pan, before it takes effect (tests use it to see the screen as it was).
    package var onPan: ((Int) -> Void)?
    /// Called on each wait for vertical blank (tests use it to see the screen at that moment).
    package var onVSyncWait: (() -> Void)?
    private var fd: Int32

    /// Creates (or truncates) the file at `path`, sizes it to `fixedInfo.memoryLength` and maps it.
    package init(path: String, variableInfo: FramebufferVariableInfo, fixedInfo: FramebufferFixedInfo,
                supportsVSyncWait: Bool = false) throws(OutputError) {
        guard fixedInfo.memoryLength > 0 else {
            throw OutputError("\(path): a framebuffer needs some memory (memoryLength is 0)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputError("cannot create the framebuffer file \(path): \(systemErrorText(errno))")
        }
        guard ftruncate(fd, off_t(fixedInfo.memoryLength)) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw OutputError("cannot size the framebuffer file \(path): \(systemErrorText(code))")
        }
        let address = mmap(nil, fixedInfo.memoryLength, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else {
            let code = errno
            Glibc.close(fd)
            throw OutputError("cannot map the framebuffer file \(path): \(systemErrorText(code))")
        }
        self.path = path
        self.fd = fd
        self.variableInfo = variableInfo
        self.fixedInfo = fixedInfo
        self.mapped = UnsafeMutableRawBufferPointer(start: address, count: fixedInfo.memoryLength)
        self.supportsVSyncWait = supportsVSyncWait
    }

    /// A `width`×`height` framebuffer in `format` with file `fb` in `directory`.
    ///
    /// `lineLength` defaults to `width × bytes per pixel` (pass more for padded rows);
    /// `virtualHeight` defaults to `height` (pass `2 × height` or more for room to pan);
    /// `ypanstep` 0 means the "driver" cannot pan.
    package convenience init(directory: String, width: Int, height: Int, format: PixelFormat,
                            lineLength: Int? = nil, virtualHeight: Int? = nil, ypanstep: Int = 1,
                            supportsVSyncWait: Bool = false) throws(OutputError) {
        let line = lineLength ?? width * format.bytesPerPixel
        let variable = FramebufferVariableInfo(width: width, height: height, virtualHeight: virtualHeight,
                                               format: format)
        let fixed = FramebufferFixedInfo(id: "file", memoryLength: line * variable.yresVirtual,
                                         xpanstep: 0, ypanstep: ypanstep, lineLength: line)
        try self.init(path: directory + "/fb", variableInfo: variable, fixedInfo: fixed,
                      supportsVSyncWait: supportsVSyncWait)
    }

    deinit { close() }

    package func pan(yOffset: Int) throws(OutputError) {
        guard !isClosed else { throw OutputError("\(path) is closed") }
        let step = fixedInfo.ypanstep
        guard step > 0, yOffset >= 0, yOffset % step == 0,
              yOffset + variableInfo.yres <= variableInfo.yresVirtual else {
            throw OutputError("\(path): panning to row \(yOffset) failed: Invalid argument "
                + "(ypanstep \(step), yres \(variableInfo.yres), yres_virtual \(variableInfo.yresVirtual))")
        }
        onPan?(yOffset)
        pans.append(yOffset)
        variableInfo.xoffset = 0
        variableInfo.yoffset = yOffset
    }

    package func waitForVSync() throws(OutputError) {
        guard supportsVSyncWait else {
            throw OutputError("\(path): waiting for vertical blank failed: Inappropriate ioctl for device")
        }
        vsyncWaits += 1
        onVSyncWait?()
    }

    package func setBlanked(_ blanked: Bool) throws(OutputError) {
        if refusesBlanking {
            throw OutputError("\(path): \(blanked ? "blanking" : "unblanking") the display failed: Invalid argument")
        }
        isBlanked = blanked
    }

    package func setConsoleGraphicsMode(_ graphics: Bool) throws(OutputError) {
        consoleInGraphicsMode = graphics
        consoleModeChanges.append(graphics)
    }

    package func close() {
        guard !isClosed else { return }
        if consoleInGraphicsMode {
            consoleInGraphicsMode = false
            consoleModeChanges.append(false)
        }
        isBlanked = false
        munmap(mapped.baseAddress, mapped.count)
        mapped = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        Glibc.close(fd)
        fd = -1
        isClosed = true
    }

    /// The rows the display shows now: `yres` rows of `xres` pixels from the current pan offset,
    /// without row padding (read from the file once closed).
    package func visibleBytes() -> [UInt8] {
        rowsBytes(startingAt: variableInfo.yoffset)
    }

    /// `yres` rows of `xres` pixels starting at virtual row `firstRow`, without row padding (read
    /// from the file once closed).
    package func rowsBytes(startingAt firstRow: Int) -> [UInt8] {
        let rowBytes = variableInfo.xres * variableInfo.bitsPerPixel / 8
        let memory: [UInt8]
        if isClosed {
            do {
                memory = try fileBytes()
            } catch {
                preconditionFailure("\(error)")
            }
        } else {
            memory = Array(mapped)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(rowBytes * variableInfo.yres)
        for row in firstRow..<(firstRow + variableInfo.yres) {
            let start = row * fixedInfo.lineLength
            bytes.append(contentsOf: memory[start..<(start + rowBytes)])
        }
        return bytes
    }

    /// The whole file as read through `pread`, independent of the mapping (which shares its pages).
    package func fileBytes() throws(OutputError) -> [UInt8] {
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw OutputError("cannot read \(path): \(systemErrorText(errno))") }
        defer { Glibc.close(reader) }
        var bytes = [UInt8](repeating: 0, count: fixedInfo.memoryLength)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(reader, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw OutputError("cannot read \(path): \(n < 0 ? systemErrorText(errno) : "file too short")") }
            done += n
        }
        return bytes
    }
}
