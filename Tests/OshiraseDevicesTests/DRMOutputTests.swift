import Glibc
import OshiraseDRM
import OshiraseDevices
import OshiraseImaging
import Testing

/// Opens the standard fake (8×6 Virtual-1 on CRTC 31) and forgets the opening calls.
private func openStandard(_ device: FakeDRMDevice = .standard(), warnings: DRMWarnings = DRMWarnings())
    throws -> DRMOutput {
    let output = try DRMOutput(device: device, connector: nil, warn: { warnings.record($0) })
    device.clearCalls()
    return output
}

/// The message `DRMOutput` refuses to open with, or nil when it opens.
private func openingError(_ device: FakeDRMDevice, connector: String? = nil) -> String? {
    do {
        _ = try DRMOutput(device: device, connector: connector)
        return nil
    } catch {
        return error.message
    }
}

private let colourA: UInt32 = 0x2040_60, colourB: UInt32 = 0xC0_FFEE, colourC: UInt32 = 0x12_3456
private let colourD: UInt32 = 0xFE_DCBA

/// The colour of row `y`, column `x` of a buffer; the X byte is dropped, as the display ignores it
/// (black may be 0x00000000 or 0xFF000000).
private func rgb(_ buffer: FakeDRMDevice.Buffer?, x: Int = 0, y: Int) -> UInt32? {
    buffer.map { $0.word(x: x, y: y) & 0x00FF_FFFF }
}

@Suite("DRM connector names")
struct DRMConnectorNameTests {
    @Test func namesFollowTheKernelsTypeNamesAndNumbers() {
        #expect(DRMConnectorName.name(type: 11, typeIndex: 1) == "HDMI-A-1")
        #expect(DRMConnectorName.name(type: 15, typeIndex: 1) == "Virtual-1")
        #expect(DRMConnectorName.name(type: 10, typeIndex: 2) == "DP-2")
        #expect(DRMConnectorName.name(type: 14, typeIndex: 1) == "eDP-1")
        #expect(DRMConnectorName.name(type: 2, typeIndex: 1) == "DVI-I-1")
        #expect(DRMConnectorName.name(type: 1, typeIndex: 1) == "VGA-1")
        #expect(DRMConnectorName.name(type: 0, typeIndex: 1) == "Unknown-1")
        #expect(DRMConnectorName.name(type: 20, typeIndex: 3) == "USB-3")
    }

    @Test func aTypeNewerThanTheTableIsNamedByItsNumber() {
        #expect(DRMConnectorName.name(type: 42, typeIndex: 1) == "Type42-1")
    }

    @Test func aConnectorIsNamedFromItsTypeAndIndex() {
        let connector = DRMConnector(id: 77, type: 12, typeIndex: 2, connection: .connected, modes: [], encoders: [])
        #expect(connector.name == "HDMI-B-2")
    }
}

@Suite("DRM output opening")
struct DRMOutputOpeningTests {
    @Test func opensThePreferredModeOfTheFirstConnectedConnectorOnTwoBuffers() throws {
        let device = FakeDRMDevice.standard()
        let output = try DRMOutput(device: device, connector: nil)
        #expect(device.calls == [
            .supportsDumbBuffers, .isMaster, .resources, .connector(40), .connector(41), .encoder(51), .crtc(31),
            .createDumb(width: 8, height: 6), .map(handle: 1), .addFramebuffer(handle: 1),
            .createDumb(width: 8, height: 6), .map(handle: 2), .addFramebuffer(handle: 2),
            .setCRTC(crtc: 31, framebuffer: 100, connectors: [41], mode: "8×6@60"),
        ])
        #expect(output.screenWidth == 8 && output.screenHeight == 6)
        #expect(output.connectorName == "Virtual-1")
        #expect(output.description == "drm /dev/dri/card0 Virtual-1 8×6@60 XRGB8888")
        #expect(output.pacesFrames)
        #expect(device.scannedOut == 100)
    }

    @Test func bothBuffersStartBlack() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        for framebuffer: UInt32 in [100, 101] {
            let buffer = try #require(device.buffer(framebuffer: framebuffer))
            let nonBlack = (0..<6).flatMap { y in (0..<8).map { x in rgb(buffer, x: x, y: y) ?? 1 } }.filter { $0 != 0 }
            #expect(nonBlack.isEmpty, "framebuffer \(framebuffer)")
        }
        _ = output
    }

    @Test func theFirstModeIsUsedWhenNoneIsPreferred() throws {
        let device = FakeDRMDevice.standard()
        device.connectors[1].modes = [DRMMode(hdisplay: 10, vdisplay: 4, vrefresh: 50), DRMMode(hdisplay: 8, vdisplay: 6)]
        let output = try DRMOutput(device: device, connector: nil)
        #expect(output.mode.summary == "10×4@50")
        #expect(device.calls.contains(.createDumb(width: 10, height: 4)))
    }

    @Test func aNamedConnectorGetsACRTCNoOtherEncoderUses() throws {
        let device = FakeDRMDevice.standard()
        device.connectors[0].connection = .connected
        device.connectors[0].modes = [DRMMode(hdisplay: 4, vdisplay: 2, type: DRMMode.typePreferred)]
        let output = try DRMOutput(device: device, connector: "HDMI-A-1")
        #expect(output.connectorName == "HDMI-A-1")
        // CRTC 31 lights Virtual-1 (encoder 51), so HDMI-A-1's encoder 50 takes CRTC 32.
        #expect(device.calls.last == .setCRTC(crtc: 32, framebuffer: 100, connectors: [40], mode: "4×2@60"))
    }

    @Test func aConnectorOfUnknownStateIsTriedWhenNoneIsConnected() throws {
        let device = FakeDRMDevice.standard()
        device.connectors[1].connection = .disconnected
        device.connectors[0].connection = .unknown
        device.connectors[0].modes = [DRMMode(hdisplay: 4, vdisplay: 2)]
        let output = try DRMOutput(device: device, connector: nil)
        #expect(output.connectorName == "HDMI-A-1")
    }

    @Test func masterIsTakenWhenNoOtherProgramHoldsIt() throws {
        let device = FakeDRMDevice.standard()
        device.master = false
        device.masterAvailable = true
        _ = try DRMOutput(device: device, connector: nil)
        #expect(Array(device.calls.prefix(3)) == [.supportsDumbBuffers, .isMaster, .acquireMaster])
    }

    @Test func theFactoryOpensTheDeviceItIsGiven() throws {
        let device = FakeDRMDevice.standard()
        var opened: [String] = []
        let output = try DRMOutput.open(device: "/dev/dri/card0", connector: "Virtual-1") { path throws(DRMError) -> any DRMDevice in
            opened.append(path)
            return device
        }
        #expect(opened == ["/dev/dri/card0"])
        #expect(output.connectorName == "Virtual-1")
    }
}

@Suite("DRM output errors")
struct DRMOutputErrorTests {
    private func factoryError(_ code: Int32) -> String? {
        do {
            _ = try DRMOutput.open(device: "/dev/dri/card0", connector: nil) { _ throws(DRMError) -> any DRMDevice in
                throw DRMError("open", code: code)
            }
            return nil
        } catch {
            return error.message
        }
    }

    @Test func aMissingDeviceAsksWhetherTheDriverIsLoaded() {
        #expect(factoryError(ENOENT)
            == "no DRM device at /dev/dri/card0: No such file or directory; is the kms driver loaded? (ls /dev/dri)")
    }

    @Test func aDeniedDeviceNamesTheVideoGroup() throws {
        let message = try #require(factoryError(EACCES))
        #expect(message.hasPrefix("no permission to open /dev/dri/card0: Permission denied;"))
        #expect(message.contains("'video' group"))
        #expect(message.contains("DeviceAllow=/dev/dri/card0 rw"))
    }

    @Test func anotherMasterIsReportedWithWhatToDo() throws {
        let device = FakeDRMDevice.standard()
        device.master = false
        let message = try #require(openingError(device))
        #expect(message == "cannot drive the display on /dev/dri/card0: oshirase is not DRM master; another program — "
            + "a desktop or another oshirase — holds the display; stop it or run on a free VT")
        #expect(device.created == 0)
        #expect(device.isClosed)
    }

    @Test func aRefusedModeSetIsReportedAsNotMasterAndFreesTheBuffers() throws {
        let device = FakeDRMDevice.standard()
        device.failures["setCRTC"] = [DRMError("drmModeSetCrtc", code: EACCES)]
        let message = try #require(openingError(device))
        #expect(message.contains("not DRM master"))
        #expect(device.created == 2 && device.destroyed == 2)
        #expect(device.added == 2 && device.removed == 2)
        #expect(device.mapped == 2 && device.unmapped == 2)
        #expect(device.isClosed)
    }

    @Test func noConnectedDisplayListsEveryConnectorAndItsState() throws {
        let device = FakeDRMDevice.standard()
        device.connectors[1].connection = .disconnected
        #expect(openingError(device) == "no display connected to /dev/dri/card0; its connectors: "
            + "HDMI-A-1 (disconnected), Virtual-1 (disconnected); plug a display in and switch it on, "
            + "or name a connector in the display's output config")
        #expect(device.isClosed)
    }

    @Test func anUnknownConnectorNameListsTheNamesThereAre() {
        let device = FakeDRMDevice.standard()
        #expect(openingError(device, connector: "HDMI-A-2")
            == "no connector named HDMI-A-2 on /dev/dri/card0; its connectors: HDMI-A-1 (disconnected), Virtual-1 (connected)")
    }

    @Test func aNamedConnectorWithoutModesSaysSo() {
        let device = FakeDRMDevice.standard()
        #expect(openingError(device, connector: "HDMI-A-1")
            == "connector HDMI-A-1 on /dev/dri/card0 offers no display modes (disconnected); plug a display in and switch it on")
    }

    @Test func aDeviceWithoutModeSettingPointsAtTheCardNode() throws {
        let device = FakeDRMDevice.standard()
        device.resourcesError = DRMError("drmModeGetResources", code: EOPNOTSUPP)
        let message = try #require(openingError(device))
        #expect(message.hasPrefix("/dev/dri/card0 cannot set display modes (drmModeGetResources: "))
        #expect(message.hasSuffix("not a render node"))
    }

    @Test func aDeviceWithoutDumbBuffersIsRefused() throws {
        let device = FakeDRMDevice.standard()
        device.dumbBuffersSupported = false
        let message = try #require(openingError(device))
        #expect(message.contains("cannot create dumb buffers"))
        #expect(device.calls == [.supportsDumbBuffers, .close])
    }

    @Test func noUsableCRTCIsReported() {
        let device = FakeDRMDevice.standard()
        device.connectors[1].currentEncoder = 0
        device.encoders[1].possibleCRTCs = 0
        #expect(openingError(device) == "no CRTC of /dev/dri/card0 can drive connector Virtual-1")
    }

    @Test func aFailureWhileMakingTheSecondBufferFreesTheFirst() throws {
        let device = FakeDRMDevice.standard()
        device.failures["addFramebuffer"] = [nil, DRMError("drmModeAddFB2", code: ENOMEM)]
        let message = try #require(openingError(device))
        #expect(message == "/dev/dri/card0: drmModeAddFB2: Cannot allocate memory")
        #expect(device.created == 2 && device.destroyed == 2)
        #expect(device.mapped == 2 && device.unmapped == 2)
        #expect(device.added == 1 && device.removed == 1)
        #expect(device.isClosed)
    }

    @Test func aDumbBufferSmallerThanTheModeIsRefused() throws {
        let device = FakeDRMDevice.standard()
        device.pitchPadding = -4
        let message = try #require(openingError(device))
        #expect(message.contains("too small for 8×6"))
        #expect(device.created == 1 && device.destroyed == 1 && device.mapped == 0)
    }
}

@Suite("DRM output presenting")
struct DRMOutputPresentTests {
    @Test func presentFlipsToTheOtherBufferAndWaitsForTheFlipEvent() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        let frame = drmTestFrame(width: 8, rows: Array(repeating: colourA, count: 6))
        var shown: [UInt32?] = []
        for _ in 0..<3 {
            try output.presentBitmap(frame)
            shown.append(device.scannedOut)
        }
        #expect(device.calls == [
            .pageFlip(crtc: 31, framebuffer: 101), .waitForPageFlip,
            .pageFlip(crtc: 31, framebuffer: 100), .waitForPageFlip,
            .pageFlip(crtc: 31, framebuffer: 101), .waitForPageFlip,
        ])
        #expect(shown == [101, 100, 101])
        #expect(device.pendingFlip == nil)
    }

    @Test func theFrameLandsAtItsOriginOnABlackScreen() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        try output.presentBitmap(drmTestFrame(width: 3, rows: [colourB, colourC]), at: PixelPoint(x: 2, y: 1))
        let screen = try #require(device.buffer(framebuffer: 101))
        #expect(device.scannedOut == 101)
        #expect(rgb(screen, x: 2, y: 1) == colourB)
        #expect(rgb(screen, x: 4, y: 1) == colourB)
        #expect(rgb(screen, x: 2, y: 2) == colourC)
        #expect(rgb(screen, x: 4, y: 2) == colourC)
        for (x, y) in [(1, 1), (5, 1), (2, 0), (2, 3), (0, 0), (7, 5)] {
            #expect(rgb(screen, x: x, y: y) == 0, "(\(x), \(y))")
        }
    }

    @Test func framesPartlyOffScreenAreClipped() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        // 4×4 at (-2, 4): its columns 2 and 3 of rows 0 and 1 show at the bottom-left corner.
        try output.presentBitmap(drmTestFrame(width: 4, rows: [colourA, colourB, colourC, colourD]),
                                 at: PixelPoint(x: -2, y: 4))
        let screen = try #require(device.buffer(framebuffer: 101))
        #expect(rgb(screen, x: 0, y: 4) == colourA)
        #expect(rgb(screen, x: 1, y: 5) == colourB)
        #expect(rgb(screen, x: 2, y: 4) == 0)
        #expect(rgb(screen, x: 0, y: 3) == 0)
        // Entirely outside: a black screen, no crash.
        try output.presentBitmap(drmTestFrame(width: 4, rows: [colourA]), at: PixelPoint(x: 100, y: 100))
        let other = try #require(device.buffer(framebuffer: 100))
        #expect((0..<6).allSatisfy { y in (0..<8).allSatisfy { x in rgb(other, x: x, y: y) == 0 } })
    }

    @Test func eachBufferGetsTheRowsChangedSinceItWasLastShown() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        let plain = Array(repeating: colourA, count: 6)
        try output.presentBitmap(drmTestFrame(width: 8, rows: plain))                                   // → 101
        try output.presentBitmap(drmTestFrame(width: 8, rows: plain))                                   // → 100
        var rows = plain
        rows[1] = colourB
        try output.presentBitmap(drmTestFrame(width: 8, rows: rows), changedRows: 1..<2)                // → 101
        rows[4] = colourC
        // Row 5 differs but is not reported changed: a buffer must not copy it, which shows what was copied.
        var unreported = rows
        unreported[5] = colourD
        try output.presentBitmap(drmTestFrame(width: 8, rows: unreported), changedRows: 4..<5)          // → 100
        let buffer100 = device.buffer(framebuffer: 100), buffer101 = device.buffer(framebuffer: 101)
        // 100 last showed the second frame: it gets the rows of the third and of the fourth.
        #expect(device.scannedOut == 100)
        #expect((0..<6).map { rgb(buffer100, x: 7, y: $0) } == [colourA, colourB, colourA, colourA, colourC, colourA])
        #expect((0..<6).map { rgb(buffer101, x: 7, y: $0) } == [colourA, colourB, colourA, colourA, colourA, colourA])
        rows[5] = colourD
        try output.presentBitmap(drmTestFrame(width: 8, rows: rows), changedRows: 5..<6)               // → 101
        #expect(device.scannedOut == 101)
        #expect((0..<6).map { rgb(buffer101, x: 0, y: $0) } == [colourA, colourB, colourA, colourA, colourC, colourD])
    }

    @Test func aFrameThatMovesIsRedrawnWholeOnBlack() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        let full = drmTestFrame(width: 8, rows: Array(repeating: colourA, count: 6))
        try output.presentBitmap(full)
        try output.presentBitmap(full)
        try output.presentBitmap(drmTestFrame(width: 2, rows: [colourB, colourB]), at: PixelPoint(x: 3, y: 3),
                                 changedRows: 0..<0)
        let screen = try #require(device.buffer(framebuffer: 101))
        #expect(device.scannedOut == 101)
        #expect(rgb(screen, x: 0, y: 0) == 0)
        #expect(rgb(screen, x: 7, y: 5) == 0)
        #expect(rgb(screen, x: 3, y: 3) == colourB)
        #expect(rgb(screen, x: 4, y: 4) == colourB)
    }

    @Test func aMissingFlipEventFallsBackWithoutHangingAndSaysSoOnce() throws {
        let device = FakeDRMDevice.standard()
        let warnings = DRMWarnings()
        let output = try openStandard(device, warnings: warnings)
        device.flipEventsArrive = [false, false, true]
        let frame = drmTestFrame(width: 8, rows: Array(repeating: colourA, count: 6))
        try output.presentBitmap(frame)
        try output.presentBitmap(frame)
        #expect(warnings.lines.count == 1)
        #expect(warnings.lines.first?.hasPrefix("no page-flip event from /dev/dri/card0 Virtual-1 within") == true)
        try output.presentBitmap(frame)
        #expect(device.calls == [
            .pageFlip(crtc: 31, framebuffer: 101), .waitForPageFlip,
            // Still pending: the kernel would refuse another flip, so the frame goes straight to the CRTC.
            .waitForPageFlip, .setCRTC(crtc: 31, framebuffer: 100, connectors: [41], mode: "8×6@60"),
            .waitForPageFlip, .pageFlip(crtc: 31, framebuffer: 101), .waitForPageFlip,
        ])
        #expect(warnings.lines.count == 2)
        #expect(warnings.lines.last == "page-flip events from /dev/dri/card0 Virtual-1 arrive again")
    }

    @Test func aBusyFlipFallsBackToSettingTheCRTC() throws {
        let device = FakeDRMDevice.standard()
        let warnings = DRMWarnings()
        let output = try openStandard(device, warnings: warnings)
        device.failures["pageFlip"] = [DRMError("drmModePageFlip", code: EBUSY)]
        try output.presentBitmap(drmTestFrame(width: 8, rows: Array(repeating: colourA, count: 6)))
        #expect(device.calls == [.pageFlip(crtc: 31, framebuffer: 101),
                                 .setCRTC(crtc: 31, framebuffer: 101, connectors: [41], mode: "8×6@60")])
        #expect(device.scannedOut == 101)
        #expect(warnings.lines.count == 1)
    }

    @Test func otherFlipErrorsAreThrownWithTheDevice() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        device.failures["pageFlip"] = [DRMError("drmModePageFlip", code: ENOMEM)]
        #expect(throws: OutputError("/dev/dri/card0: drmModePageFlip: Cannot allocate memory")) {
            try output.presentBitmap(drmTestFrame(width: 8, rows: [colourA]))
        }
    }

    @Test func losingMasterIsReportedAsSuch() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        device.failures["pageFlip"] = [DRMError("drmModePageFlip", code: EACCES)]
        do {
            try output.presentBitmap(drmTestFrame(width: 8, rows: [colourA]))
            Issue.record("present succeeded without master")
        } catch {
            #expect(error.message.contains("not DRM master"))
        }
    }
}

@Suite("DRM output power and teardown")
struct DRMOutputPowerTests {
    @Test func dpmsTurnsTheScreenOffAndOnAgain() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        let frameA = drmTestFrame(width: 8, rows: Array(repeating: colourA, count: 6))
        try output.presentBitmap(frameA)
        try output.presentBitmap(frameA)
        device.clearCalls()

        try output.setPower(on: false)
        #expect(device.calls == [.property("DPMS"), .setProperty(connector: 41, property: 7, value: 3)])
        #expect(device.dpmsValue == 3)
        device.clearCalls()
        try output.presentBitmap(frameA)
        #expect(device.calls.isEmpty, "nothing is flipped while the screen is off")

        try output.setPower(on: true)
        #expect(device.calls == [.setProperty(connector: 41, property: 7, value: 0),
                                 .setCRTC(crtc: 31, framebuffer: 100, connectors: [41], mode: "8×6@60")])
        #expect(device.dpmsValue == 0)
        // After turning on, the next frame is drawn whole even where rows are not reported changed.
        try output.presentBitmap(drmTestFrame(width: 8, rows: Array(repeating: colourB, count: 6)), changedRows: 2..<3)
        let screen = device.buffer(framebuffer: 101)
        #expect(device.scannedOut == 101)
        #expect((0..<6).map { rgb(screen, y: $0) } == Array(repeating: colourB, count: 6))
    }

    @Test func withoutDPMSTurningOffShowsBlack() throws {
        let device = FakeDRMDevice.standard()
        device.dpmsProperty = nil
        let output = try openStandard(device)
        try output.presentBitmap(drmTestFrame(width: 8, rows: Array(repeating: colourA, count: 6)))
        try output.setPower(on: false)
        let screen = try #require(device.scannedOut.flatMap { device.buffer(framebuffer: $0) })
        #expect(device.scannedOut == 100)
        #expect((0..<6).allSatisfy { y in (0..<8).allSatisfy { x in rgb(screen, x: x, y: y) == 0 } })
        device.clearCalls()
        try output.setPower(on: true)
        #expect(device.calls.isEmpty)
        try output.presentBitmap(drmTestFrame(width: 8, rows: Array(repeating: colourB, count: 6)), changedRows: 0..<1)
        #expect((0..<6).map { rgb(device.buffer(framebuffer: 101), y: $0) } == Array(repeating: colourB, count: 6))
    }

    @Test func closingRestoresTheConsoleAndFreesEverything() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        try output.presentBitmap(drmTestFrame(width: 8, rows: [colourA]))
        device.clearCalls()
        output.close()
        #expect(device.calls == [
            .setCRTC(crtc: 31, framebuffer: 9, connectors: [41], mode: "8×6@60"),
            .removeFramebuffer(100), .unmap(handle: 1), .destroyDumb(handle: 1),
            .removeFramebuffer(101), .unmap(handle: 2), .destroyDumb(handle: 2),
            .close,
        ])
        #expect(device.scannedOut == 9)
        #expect(device.created == device.destroyed && device.added == device.removed && device.mapped == device.unmapped)
        output.close()
        #expect(device.calls.count == 8, "closing twice does nothing more")
        #expect(throws: OutputError("the DRM output on /dev/dri/card0 is closed")) {
            try output.presentBitmap(drmTestFrame(width: 8, rows: [colourA]))
        }
    }

    @Test func releasingTheOutputFreesEverything() throws {
        let device = FakeDRMDevice.standard()
        do {
            let output = try openStandard(device)
            try output.presentBitmap(drmTestFrame(width: 8, rows: [colourA]))
        }
        #expect(device.isClosed)
        #expect(device.created == 2 && device.destroyed == 2)
        #expect(device.added == 2 && device.removed == 2)
        #expect(device.mapped == 2 && device.unmapped == 2)
    }

    @Test func closingWhileOffTurnsTheScreenBackOnForTheConsole() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device)
        try output.setPower(on: false)
        device.clearCalls()
        output.close()
        #expect(Array(device.calls.prefix(2)) == [.setProperty(connector: 41, property: 7, value: 0),
                                           .setCRTC(crtc: 31, framebuffer: 9, connectors: [41], mode: "8×6@60")])
        #expect(device.dpmsValue == 0)
    }

    @Test func closingWaitsForAPendingFlipFirst() throws {
        let device = FakeDRMDevice.standard()
        let output = try openStandard(device, warnings: DRMWarnings())
        device.flipEventsArrive = [false, true]
        try output.presentBitmap(drmTestFrame(width: 8, rows: [colourA]))
        device.clearCalls()
        output.close()
        #expect(device.calls.first == .waitForPageFlip)
        #expect(device.pendingFlip == nil)
    }
}

/// The libdrm path on what this machine has: no DRM device, and a file that is not one.
@Suite("DRM output on libdrm")
struct LinuxDRMDeviceTests {
    @Test func aMissingDeviceNodeIsReportedByTheRealOpen() {
        #expect(throws: OutputError("no DRM device at /nonexistent/dri/card0: No such file or directory; "
                                    + "is the kms driver loaded? (ls /dev/dri)")) {
            try DRMOutput.open(device: "/nonexistent/dri/card0", connector: nil)
        }
    }

    @Test func aFileThatIsNotADRMDeviceIsRefused() throws {
        let device = try LinuxDRMDevice(path: "/dev/null")
        #expect(!device.supportsDumbBuffers())
        #expect(throws: DRMError.self) { try device.resources() }
        device.close()
        #expect(throws: OutputError("/dev/null cannot create dumb buffers (DRM_CAP_DUMB_BUFFER), which oshirase "
                                    + "draws into; give the card node of a KMS display driver (ls /dev/dri)")) {
            try DRMOutput.open(device: "/dev/null", connector: nil)
        }
    }
}
