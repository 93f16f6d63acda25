import OshiraseDevices
import OshiraseImaging
import OshiraseTestSupport
import Testing

/// The bytes a screen of `rows` should hold in `reference`'s layout, rows packed without padding;
/// nil is black.
private func expected(_ reference: FormatCase, _ rows: [[RGB?]]) -> [UInt8] {
    rows.flatMap { row in row.flatMap { $0.map(reference.bytes) ?? reference.format.blackPixel } }
}

private func reference(_ name: String) -> FormatCase {
    FormatCase.all.first { $0.name == name }!
}

private let colours: [[RGB]] = [[.red, .grey, .white, .dodgerBlue], [.dodgerBlue, .white, .grey, .red]]

@Suite struct FramebufferOutputTests {
    @Test(arguments: FormatCase.all)
    func presentWritesConvertedPixelsToTheFramebufferFile(_ reference: FormatCase) throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 4, height: 2, format: reference.format)
        let output = try FramebufferOutput(device: fb, pans: true)
        try output.show(frame(colours))
        #expect(try fb.fileBytes() == expected(reference, colours))
        #expect(output.format == reference.format)
    }

    @Test func usesLineLengthAsStrideAndLeavesRowPaddingAlone() throws {
        let dir = try TemporaryDirectory()
        let rgb565 = reference("RGB565")
        // 2 pixels × 2 bytes, padded to 7 bytes per row.
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .rgb565, lineLength: 7)
        let output = try FramebufferOutput(device: fb, pans: true)
        for row in 0..<2 { for i in 4..<7 { fb.mapped[row * 7 + i] = 0x5A } }
        try output.show(frame([[.red, .dodgerBlue], [.white, .grey]]))
        #expect(try fb.fileBytes() == [0x00, 0xF8, 0x9F, 0x24, 0x5A, 0x5A, 0x5A,
                                        0xFF, 0xFF, 0x10, 0x84, 0x5A, 0x5A, 0x5A])
        #expect(fb.visibleBytes() == expected(rgb565, [[.red, .dodgerBlue], [.white, .grey]]))
    }

    @Test func placesASmallFrameAtItsOriginWithBlackAround() throws {
        let dir = try TemporaryDirectory()
        let bgr888 = reference("BGR888")
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 5, height: 4, format: .bgr888)
        let output = try FramebufferOutput(device: fb, pans: true)
        try output.show(frame([[.red, .white], [.grey, .dodgerBlue]]), at: PixelPoint(x: 2, y: 1))
        #expect(try fb.fileBytes() == expected(bgr888, [
            [nil, nil, nil, nil, nil],
            [nil, nil, .red, .white, nil],
            [nil, nil, .grey, .dodgerBlue, nil],
            [nil, nil, nil, nil, nil],
        ]))
    }

    @Test func clipsAFrameThatRunsOffAnyEdge() throws {
        let dir = try TemporaryDirectory()
        let xrgb = reference("XRGB8888")
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 3, height: 3, format: .xrgb8888)
        let output = try FramebufferOutput(device: fb, pans: true)
        let picture = frame([[.red, .grey], [.white, .dodgerBlue]])
        try output.show(picture, at: PixelPoint(x: 2, y: 2))
        #expect(fb.visibleBytes() == expected(xrgb, [[nil, nil, nil], [nil, nil, nil], [nil, nil, .red]]))
        try output.show(picture, at: PixelPoint(x: -1, y: -1))
        #expect(fb.visibleBytes() == expected(xrgb, [[.dodgerBlue, nil, nil], [nil, nil, nil], [nil, nil, nil]]))
        // Entirely off the screen: nothing drawn, nothing crashes.
        try output.show(picture, at: PixelPoint(x: 3, y: 0))
        try output.show(picture, at: PixelPoint(x: 0, y: -2))
        #expect(fb.visibleBytes() == expected(xrgb, Array(repeating: [nil, nil, nil], count: 3)))
    }

    @Test func movingTheFrameBlacksOutWhereItWas() throws {
        let dir = try TemporaryDirectory()
        let xrgb = reference("XRGB8888")
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 4, height: 2, format: .xrgb8888)
        let output = try FramebufferOutput(device: fb, pans: true)
        let picture = frame([[.red, .white]])
        try output.show(picture)
        try output.show(picture, at: PixelPoint(x: 2, y: 1), changedRows: 0..<0)
        #expect(fb.visibleBytes() == expected(xrgb, [[nil, nil, nil, nil], [nil, nil, .red, .white]]))
    }

    @Test func clearsTheWholeScreenBlackWhenOpened() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 3, height: 2, format: .argb8888,
                                           virtualHeight: 4)
        for i in fb.mapped.indices { fb.mapped[i] = 0x5A }
        let output = try FramebufferOutput(device: fb, pans: true)
        #expect(output.isDoubleBuffered)
        // Both buffers, with opaque black: bytes B, G, R, A = 00 00 00 FF.
        let black: [UInt8] = [0x00, 0x00, 0x00, 0xFF]
        #expect(fb.rowsBytes(startingAt: 0) == Array([[UInt8]](repeating: black, count: 6).joined()))
        #expect(fb.rowsBytes(startingAt: 2) == Array([[UInt8]](repeating: black, count: 6).joined()))
    }

    @Test func changedRowsLimitWhichRowsAreWritten() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 4, format: .rgb565)
        let output = try FramebufferOutput(device: fb, pans: true)
        #expect(!output.isDoubleBuffered)
        try output.show(frame(width: 2, height: 4, .red))
        for i in fb.mapped.indices { fb.mapped[i] = 0x5A }
        try output.show(frame(width: 2, height: 4, .white), changedRows: 1..<3)
        let poison: [UInt8] = [0x5A, 0x5A, 0x5A, 0x5A]
        let white: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(try fb.fileBytes() == poison + white + white + poison)
    }

    @Test func withoutBeingAskedItDoesNotPanEvenWhereThereIsRoom() throws {
        // A driver may accept a pan and keep showing the first buffer (bochs-drm's fbdev
        // emulation, Linux 6.1): the screen would stay black. Panning is asked for in the config.
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .xrgb8888, virtualHeight: 4)
        let output = try FramebufferOutput(device: fb)
        #expect(!output.isDoubleBuffered)
        try output.show(frame(width: 2, height: 2, .white))
        #expect(fb.pans.isEmpty)
        #expect(fb.visibleBytes() == expected(reference("XRGB8888"), [[.white, .white], [.white, .white]]))
    }

    @Test func singleBufferedTheScreenHoldsTheOldFrameUntilTheNewOneIsConvertedWhole() throws {
        let dir = try TemporaryDirectory()
        let rgb565 = reference("RGB565")
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 3, format: .rgb565, supportsVSyncWait: true)
        let output = try FramebufferOutput(device: fb)
        try output.show(frame(width: 2, height: 3, .red))
        let red = expected(rgb565, Array(repeating: [RGB.red, .red], count: 3))
        var seenAtVSync: [[UInt8]] = []
        fb.onVSyncWait = { seenAtVSync.append(fb.visibleBytes()) }
        try output.show(frame(width: 2, height: 3, .dodgerBlue))
        // The wait comes after the conversion and before the copy: the screen was still all red.
        #expect(seenAtVSync == [red])
        #expect(fb.visibleBytes() == expected(rgb565, Array(repeating: [RGB.dodgerBlue, .dodgerBlue], count: 3)))
    }

    @Test func doubleBufferingDrawsTheWholeFrameIntoTheHiddenHalfBeforePanning() throws {
        let dir = try TemporaryDirectory()
        let xrgb = reference("XRGB8888")
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .xrgb8888,
                                           virtualHeight: 4)
        let output = try FramebufferOutput(device: fb, pans: true)
        #expect(output.isDoubleBuffered)
        #expect(fb.pans == [0])
        let sequence: [RGB] = [.red, .white, .dodgerBlue, .grey]
        var shown: [UInt8] = expected(xrgb, [[nil, nil], [nil, nil]])
        var incoming: [UInt8] = []
        var checkedPans = 0
        fb.onPan = { yOffset in
            // At the moment of the pan the visible half still holds the whole previous frame and
            // the half about to be shown holds the whole new one.
            #expect(fb.visibleBytes() == shown)
            #expect(fb.rowsBytes(startingAt: yOffset) == incoming)
            checkedPans += 1
        }
        for (index, colour) in sequence.enumerated() {
            incoming = expected(xrgb, [[colour, colour], [colour, colour]])
            let changed: Range<Int>? = index == 0 ? nil : 0..<2
            try output.show(frame(width: 2, height: 2, colour), changedRows: changed)
            shown = incoming
            #expect(fb.visibleBytes() == shown)
        }
        #expect(fb.pans == [0, 2, 0, 2, 0])
        #expect(checkedPans == 4)
    }

    @Test func doubleBufferingRedrawsTheRowsTheBackBufferMissed() throws {
        let dir = try TemporaryDirectory()
        let xrgb = reference("XRGB8888")
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 1, height: 4, format: .xrgb8888,
                                           virtualHeight: 8)
        let output = try FramebufferOutput(device: fb, pans: true)
        var rows: [[RGB]] = Array(repeating: [.red], count: 4)
        try output.show(frame(rows))                                   // into buffer 1
        rows[0] = [.white]
        try output.show(frame(rows), changedRows: 0..<1)                // into buffer 0 (full: first use)
        rows[3] = [.dodgerBlue]
        try output.show(frame(rows), changedRows: 3..<4)                // into buffer 1: missed row 0 too
        #expect(fb.visibleBytes() == expected(xrgb, rows))
        rows[1] = [.grey]
        try output.show(frame(rows), changedRows: 1..<2)                // into buffer 0: missed row 3
        #expect(fb.visibleBytes() == expected(xrgb, rows))
        // Poison the hidden buffer's unchanged rows: only the rows it missed are rewritten.
        let hidden = fb.variableInfo.yoffset == 0 ? 4 : 0
        for row in hidden..<(hidden + 4) { for i in 0..<4 { fb.mapped[row * 4 + i] = 0x5A } }
        rows[2] = [.white]
        try output.show(frame(rows), changedRows: 2..<3)                // missed row 1, changed row 2
        let poison: [UInt8] = [0x5A, 0x5A, 0x5A, 0x5A]
        #expect(fb.visibleBytes() == poison + expected(xrgb, [[.grey], [.white]]) + poison)
    }

    @Test func panStepDecidesWhereTheSecondBufferStarts() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 6, format: .rgb565,
                                           virtualHeight: 14, ypanstep: 4)
        let output = try FramebufferOutput(device: fb, pans: true)
        try output.show(frame(width: 2, height: 6, .red))
        #expect(fb.pans == [0, 8])

        let short = try TemporaryDirectory()
        let tight = try FileBackedFramebuffer(directory: short.path, width: 2, height: 6, format: .rgb565,
                                              virtualHeight: 12, ypanstep: 4)
        #expect(try !FramebufferOutput(device: tight, pans: true).isDoubleBuffered)
    }

    @Test func copiesStraightToTheScreenWhenTheDriverCannotPanOrHasNoRoom() throws {
        let dir = try TemporaryDirectory()
        let noPan = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .xrgb8888,
                                              virtualHeight: 4, ypanstep: 0)
        let output = try FramebufferOutput(device: noPan, pans: true)
        try output.show(frame(width: 2, height: 2, .white))
        #expect(!output.isDoubleBuffered)
        #expect(noPan.pans.isEmpty)
        #expect(noPan.visibleBytes() == [UInt8](repeating: 0xFF, count: 16))

        let other = try TemporaryDirectory()
        let noRoom = try FileBackedFramebuffer(directory: other.path, width: 2, height: 2, format: .xrgb8888,
                                               virtualHeight: 3)
        #expect(try !FramebufferOutput(device: noRoom, pans: true).isDoubleBuffered)
    }

    @Test func powerOffShowsBlackAndPowerOnRedrawsEverything() throws {
        let dir = try TemporaryDirectory()
        let rgb565 = reference("RGB565")
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .rgb565,
                                           virtualHeight: 4)
        let output = try FramebufferOutput(device: fb, pans: true)
        let picture = frame([[.red, .white], [.grey, .dodgerBlue]])
        try output.show(picture)
        try output.setPower(on: false)
        #expect(fb.isBlanked)
        #expect(try fb.fileBytes() == [UInt8](repeating: 0, count: 16))
        try output.setPower(on: true)
        #expect(!fb.isBlanked)
        // Nothing changed in the frame, yet the screen must come back whole.
        try output.show(picture, changedRows: 0..<0)
        #expect(fb.visibleBytes() == expected(rgb565, [[.red, .white], [.grey, .dodgerBlue]]))
    }

    @Test func powerOffShowsBlackEvenWhenTheDriverCannotBlank() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 1, format: .xrgb8888)
        fb.refusesBlanking = true
        let output = try FramebufferOutput(device: fb, pans: true)
        try output.show(frame(width: 2, height: 1, .white))
        try output.setPower(on: false)
        #expect(fb.visibleBytes() == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(output.warnings.contains { $0.contains("blanking the display failed") && $0.contains("black instead") })
        try output.setPower(on: true)
        try output.show(frame(width: 2, height: 1, .white))
        #expect(fb.visibleBytes() == [UInt8](repeating: 0xFF, count: 8))
    }

    @Test func waitsForVerticalBlankAfterEachPanWhenTheDriverCan() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .xrgb8888,
                                           virtualHeight: 4, supportsVSyncWait: true)
        let output = try FramebufferOutput(device: fb, pans: true)
        #expect(output.pacesFrames)
        for _ in 0..<3 { try output.show(frame(width: 2, height: 2, .red)) }
        #expect(fb.vsyncWaits == 3)
    }

    @Test func doesNotWaitTwiceWhenThePanItselfWaitedForTheBlank() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .xrgb8888,
                                           virtualHeight: 4, supportsVSyncWait: true)
        // Every reading of the clock is 10 ms after the previous one: each pan looks blocking.
        let time = TestTime(step: 0.010)
        let output = try FramebufferOutput(device: fb, pans: true, now: time.read)
        for _ in 0..<3 { try output.show(frame(width: 2, height: 2, .red)) }
        #expect(fb.vsyncWaits == 0)
        #expect(fb.pans.count == 4)
    }

    @Test func waitsBeforeCopyingWhenSingleBufferedWithVSync() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .xrgb8888,
                                           supportsVSyncWait: true)
        let output = try FramebufferOutput(device: fb, pans: true)
        try output.show(frame(width: 2, height: 2, .red))
        try output.show(frame(width: 2, height: 2, .red), changedRows: 0..<0)
        #expect(fb.vsyncWaits == 2)
        #expect(output.pacesFrames)

        let other = try TemporaryDirectory()
        let plain = try FileBackedFramebuffer(directory: other.path, width: 2, height: 2, format: .xrgb8888)
        #expect(try !FramebufferOutput(device: plain, pans: true).pacesFrames)
    }

    @Test func switchesTheConsoleToGraphicsModeAndBackAtClose() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 2, height: 2, format: .xrgb8888)
        var output: FramebufferOutput? = try FramebufferOutput(device: fb, pans: true)
        #expect(fb.consoleInGraphicsMode)
        #expect(output != nil)
        output = nil
        #expect(fb.consoleModeChanges == [true, false])
        #expect(fb.isClosed)
    }

    @Test func describesDeviceSizeFormatAndBuffering() throws {
        let dir = try TemporaryDirectory()
        let fb = try FileBackedFramebuffer(directory: dir.path, width: 4, height: 2, format: .bgr565,
                                           virtualHeight: 4)
        let output = try FramebufferOutput(device: fb, pans: true)
        #expect(output.description == "fbdev \(fb.path) 4×2 BGR565 double-buffered (driver file)")
        #expect(output.screenWidth == 4 && output.screenHeight == 2)
        #expect(output.warnings.isEmpty)
    }

    @Test func refusesAnUnsupportedFormatNamingTheDeviceAndBitfields() throws {
        let dir = try TemporaryDirectory()
        let bitfield = PixelBitfield(offset: 0, length: 8)
        let variable = FramebufferVariableInfo(xres: 4, yres: 4, xresVirtual: 4, yresVirtual: 4, bitsPerPixel: 8,
                                               red: bitfield, green: bitfield, blue: bitfield)
        let fb = try FileBackedFramebuffer(path: dir.path + "/fb", variableInfo: variable,
                                           fixedInfo: FramebufferFixedInfo(memoryLength: 16, lineLength: 4))
        let error = #expect(throws: OutputError.self) { try FramebufferOutput(device: fb, pans: true) }
        #expect(error?.message.hasPrefix("fbdev \(dir.path)/fb: unsupported pixel layout 8 bpp, red 0:8") == true)
        #expect(fb.isClosed)
    }

    @Test func refusesAFramebufferWhoseMemoryCannotHoldTheScreen() throws {
        let dir = try TemporaryDirectory()
        let variable = FramebufferVariableInfo(width: 4, height: 4, format: .xrgb8888)
        let fb = try FileBackedFramebuffer(path: dir.path + "/fb", variableInfo: variable,
                                           fixedInfo: FramebufferFixedInfo(memoryLength: 40, lineLength: 16))
        let error = #expect(throws: OutputError.self) { try FramebufferOutput(device: fb, pans: true) }
        #expect(error?.message.contains("too small for 4×4") == true)

        let other = try TemporaryDirectory()
        let narrow = try FileBackedFramebuffer(path: other.path + "/fb", variableInfo: variable,
                                               fixedInfo: FramebufferFixedInfo(memoryLength: 64, lineLength: 12))
        let lineError = #expect(throws: OutputError.self) { try FramebufferOutput(device: narrow, pans: true) }
        #expect(lineError?.message.contains("line_length 12 is below one row of 4 pixels") == true)
    }
}
