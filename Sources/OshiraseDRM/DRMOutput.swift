import Glibc
package import OshiraseDevices
package import OshiraseImaging

/// Frames on a DRM/KMS connector: two dumb buffers in XRGB8888, page flips paced by the flip event.
///
/// Opening picks the named connector (or the first connected one), its preferred mode (else the
/// first), and a CRTC its encoders can drive; it sets the mode on a black buffer. Each `present`
/// draws into the buffer not on screen — only the rows that changed since that buffer was last
/// shown — then flips and returns once the kernel reports the flip. `close` (or releasing the
/// output) puts the console back and frees both buffers.
///
/// Rows are drawn through `ScreenLayout` as XRGB8888: Cairo's ARGB32 on a little-endian machine
/// has that byte order already (B, G, R, X), so it is a plain copy.
package final class DRMOutput: FrameOutput {
    package let description: String
    package let screenWidth: Int
    package let screenHeight: Int
    /// True: `present` returns once the flip event arrives (or after `flipTimeout`).
    package var pacesFrames: Bool { true }
    /// The connector shown on, e.g. `HDMI-A-1`.
    package let connectorName: String
    /// The mode set on it.
    package let mode: DRMMode

    private let device: any DRMDevice
    private let connectorID: UInt32
    private let crtcID: UInt32
    /// What the CRTC showed before we took it (the text console, usually), put back on close.
    private let savedCRTC: DRMCRTCState?
    private var buffers: [ScanoutBuffer]
    /// Both buffers' memory layout: the mode's size, the driver's pitch, XRGB8888.
    private let layout: ScreenLayout
    /// The index of the buffer on screen.
    private var front = 0
    /// A flip was scheduled and its event has not arrived yet.
    private var flipPending = false
    /// True after a flip event failed to arrive in time, until one arrives again (logs once per episode).
    private var flipsLate = false
    private let flipTimeout: Duration
    private var isOn = true
    /// Whether the screen was turned off through DPMS (else with a black frame).
    private var offThroughDPMS = false
    private var dpmsPropertyID: UInt32??
    private var isClosed = false
    private let warn: @Sendable (String) -> Void

    /// Opens the DRM device node at `device` and sets up `connector` (nil: the first connected one).
    ///
    /// - Parameters:
    ///   - flipTimeout: how long `present` waits for the flip event before carrying on without it.
    ///   - warn: receives one line when flips stop or start signalling again; stderr by default.
    package static func open(device path: String, connector: String?, flipTimeout: Duration = .milliseconds(100),
                            warn: @escaping @Sendable (String) -> Void = DRMOutput.warnOnStandardError)
        throws(OutputError) -> DRMOutput {
        try open(device: path, connector: connector, flipTimeout: flipTimeout, warn: warn) { path throws(DRMError) in
            try LinuxDRMDevice(path: path)
        }
    }

    /// `open(device:connector:)` with the device opened by `openDevice`, so tests can give a fake
    /// or an open failure.
    package static func open(device path: String, connector: String?, flipTimeout: Duration = .milliseconds(100),
                            warn: @escaping @Sendable (String) -> Void = DRMOutput.warnOnStandardError,
                            openDevice: (String) throws(DRMError) -> any DRMDevice) throws(OutputError) -> DRMOutput {
        let device: any DRMDevice
        do throws(DRMError) {
            device = try openDevice(path)
        } catch {
            throw DRMMessages.openFailed(path: path, error: error)
        }
        return try DRMOutput(device: device, connector: connector, flipTimeout: flipTimeout, warn: warn)
    }

    /// Sets up an open device; the output owns it from here and closes it, also when this throws.
    package init(device: any DRMDevice, connector requestedConnector: String?, flipTimeout: Duration = .milliseconds(100),
                warn: @escaping @Sendable (String) -> Void = DRMOutput.warnOnStandardError) throws(OutputError) {
        let path = device.path
        var made: [ScanoutBuffer] = []
        func abandon(_ error: OutputError) -> OutputError {
            for buffer in made { Self.release(buffer.parts, on: device) }
            device.close()
            return error
        }

        guard device.supportsDumbBuffers() else { throw abandon(DRMMessages.noDumbBuffers(path: path)) }
        guard device.isMaster() || device.acquireMaster() else { throw abandon(DRMMessages.notMaster(path: path)) }

        let resources: DRMResources
        do throws(DRMError) {
            resources = try device.resources()
        } catch {
            throw abandon(DRMMessages.noModeSetting(path: path, error: error))
        }
        var connectors: [DRMConnector] = []
        for id in resources.connectors {
            do throws(DRMError) {
                connectors.append(try device.connector(id: id))
            } catch where error.code == ENOENT {
                // Gone since the resources were read (a DisplayPort MST hub unplugged): not a candidate.
            } catch {
                throw abandon(DRMMessages.callFailed(path: path, error))
            }
        }
        let connector: DRMConnector
        switch Self.chooseConnector(named: requestedConnector, among: connectors, path: path) {
        case .success(let chosen): connector = chosen
        case .failure(let error): throw abandon(error)
        }
        guard let mode = connector.modes.first(where: \.isPreferred) ?? connector.modes.first else {
            throw abandon(DRMMessages.noModes(connector: connector, path: path))
        }
        guard let crtcID = Self.chooseCRTC(for: connector, resources: resources, device: device) else {
            throw abandon(DRMMessages.noCRTC(connector: connector.name, path: path))
        }
        let saved = try? device.crtc(id: crtcID)

        let width = Int(mode.hdisplay), height = Int(mode.vdisplay)
        for _ in 0..<2 {
            do throws(OutputError) {
                made.append(try Self.makeBuffer(on: device, width: width, height: height))
            } catch {
                throw abandon(error)
            }
        }
        do throws(DRMError) {
            try device.setCRTC(crtcID, framebuffer: made[0].framebuffer, x: 0, y: 0, connectors: [connector.id], mode: mode)
        } catch {
            throw abandon(DRMMessages.setCRTCFailed(path: path, connector: connector.name, mode: mode, error: error))
        }

        self.device = device
        self.connectorID = connector.id
        self.crtcID = crtcID
        self.savedCRTC = saved
        self.buffers = made
        self.layout = ScreenLayout(width: width, height: height, stride: made[0].pitch, format: .xrgb8888)
        self.mode = mode
        self.connectorName = connector.name
        self.screenWidth = width
        self.screenHeight = height
        self.flipTimeout = flipTimeout
        self.warn = warn
        self.description = "drm \(path) \(connector.name) \(mode.summary) XRGB8888"
    }

    deinit {
        close()
    }

    // MARK: - FrameOutput

    package func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) throws(OutputError) {
        guard !isClosed else { throw DRMMessages.closed(path: device.path) }
        // The frame loop does not present while the screen is off; a stray frame must not flip,
        // which would fail on a CRTC that DPMS turned off, or light it again.
        guard isOn else { return }
        guard frame.width >= 0, frame.height >= 0, frame.stride >= frame.width * 4,
              frame.height == 0 || frame.byteCount >= frame.stride * (frame.height - 1) + frame.width * 4 else {
            throw OutputError("frame \(frame.width)×\(frame.height) (stride \(frame.stride), \(frame.byteCount) bytes) "
                              + "is inconsistent; nothing was shown on \(device.path)")
        }
        let changed = changedRows?.clamped(to: 0..<frame.height) ?? 0..<frame.height
        for index in buffers.indices { buffers[index].damage.add(changed) }
        let back = 1 - front
        draw(frame, at: origin, into: back)
        try show(back)
    }

    package func setPower(on: Bool) throws(OutputError) {
        guard !isClosed else { throw DRMMessages.closed(path: device.path) }
        guard on != isOn else { return }
        if on {
            if offThroughDPMS, let property = try dpmsProperty() {
                try setDPMS(property, value: DPMS.on)
                // DPMS on brings the pipe back; setting the CRTC again restores scan-out on drivers
                // that dropped it while off, and changes nothing where it was kept.
                try setCRTC(framebuffer: buffers[front].framebuffer)
            }
            offThroughDPMS = false
            // Whatever the buffers hold is stale: draw everything on the next frames.
            for index in buffers.indices { buffers[index].content = .stale }
            isOn = true
        } else {
            try settlePendingFlip()
            if let property = try dpmsProperty() {
                try setDPMS(property, value: DPMS.off)
                offThroughDPMS = true
            } else {
                // No DPMS on this connector: show black instead.
                let back = 1 - front
                clear(back)
                try show(back)
            }
            isOn = false
        }
    }

    /// Puts back what the CRTC showed before (the console), removes both framebuffers, frees the
    /// buffers and closes the device. Safe to call more than once; later presents throw.
    package func close() {
        guard !isClosed else { return }
        isClosed = true
        // Restoring the CRTC while our flip is pending confuses some drivers; give it its timeout.
        if flipPending { _ = try? device.waitForPageFlip(timeout: flipTimeout) }
        if offThroughDPMS, let property = try? dpmsProperty() {
            try? device.setConnectorProperty(connector: connectorID, property: property, value: DPMS.on)
        }
        if let saved = savedCRTC, saved.framebuffer != 0, let mode = saved.mode {
            try? device.setCRTC(saved.id, framebuffer: saved.framebuffer, x: saved.x, y: saved.y,
                                connectors: [connectorID], mode: mode)
        }
        // Closing the fd would free all of this too; doing it explicitly keeps the order (restore
        // before removing the framebuffer on screen) and shows leaks in tests.
        for buffer in buffers { Self.release(buffer.parts, on: device) }
        buffers.removeAll()
        device.close()
    }

    /// Writes `message` as one `oshirase: warning:` line on stderr.
    package static func warnOnStandardError(_ message: String) {
        let line = "oshirase: warning: \(message)\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    // MARK: - Drawing

    /// Copies into buffer `index` what it lacks of `frame`: the rows changed since that buffer last
    /// showed it, or everything (on black) when the frame has moved, changed size or the buffer is stale.
    private func draw(_ frame: PixelView, at origin: PixelPoint, into index: Int) {
        let placement = Placement(origin: origin, width: frame.width, height: frame.height)
        let buffer = buffers[index]
        switch buffer.content {
        case .frame(let shown) where shown == placement:
            for rows in buffer.damage.ranges { layout.draw(frame, at: origin, rows: rows, into: buffer.memory) }
        case .black:
            layout.draw(frame, at: origin, rows: 0..<frame.height, into: buffer.memory)
        case .frame, .stale:
            layout.clear(buffer.memory)
            layout.draw(frame, at: origin, rows: 0..<frame.height, into: buffer.memory)
        }
        buffers[index].content = .frame(placement)
        buffers[index].damage.removeAll()
    }

    private func clear(_ index: Int) {
        layout.clear(buffers[index].memory)
        buffers[index].content = .black
        buffers[index].damage.removeAll()
    }

    // MARK: - Flipping

    /// Puts buffer `index` on screen at the next vertical blank and waits for the flip event.
    private func show(_ index: Int) throws(OutputError) {
        let framebuffer = buffers[index].framebuffer
        try settlePendingFlip()
        if flipPending {
            // The kernel still holds the earlier flip, so a new one would fail with EBUSY.
            try setCRTC(framebuffer: framebuffer)
            front = index
            return
        }
        do throws(DRMError) {
            try device.pageFlip(crtc: crtcID, framebuffer: framebuffer)
        } catch where error.code == EBUSY || error.code == EINVAL {
            // EBUSY: a flip we gave up on is still queued; EINVAL: the CRTC was turned off under us.
            // Setting the CRTC shows the frame either way, without waiting for vertical blank.
            if !flipsLate {
                flipsLate = true
                warn("page flip on \(device.path) \(connectorName) failed (\(error.reason)); setting the CRTC "
                     + "directly instead (frames may tear) until flips work again")
            }
            try setCRTC(framebuffer: framebuffer)
            front = index
            return
        } catch {
            throw DRMMessages.callFailed(path: device.path, error)
        }
        front = index
        flipPending = true
        try settlePendingFlip()
        if flipPending, !flipsLate {
            flipsLate = true
            warn("no page-flip event from \(device.path) \(connectorName) within \(flipTimeout); "
                 + "showing frames without waiting for it (they may tear) until events arrive again")
        }
    }

    /// Waits up to `flipTimeout` for a scheduled flip's event; leaves `flipPending` set if it did not come.
    private func settlePendingFlip() throws(OutputError) {
        guard flipPending else { return }
        let arrived: Bool
        do throws(DRMError) {
            arrived = try device.waitForPageFlip(timeout: flipTimeout)
        } catch {
            throw DRMMessages.callFailed(path: device.path, error)
        }
        guard arrived else { return }
        flipPending = false
        if flipsLate {
            flipsLate = false
            warn("page-flip events from \(device.path) \(connectorName) arrive again")
        }
    }

    private func setCRTC(framebuffer: UInt32) throws(OutputError) {
        do throws(DRMError) {
            try device.setCRTC(crtcID, framebuffer: framebuffer, x: 0, y: 0, connectors: [connectorID], mode: mode)
        } catch {
            throw DRMMessages.setCRTCFailed(path: device.path, connector: connectorName, mode: mode, error: error)
        }
    }

    // MARK: - Power

    private enum DPMS {
        static let on: UInt64 = 0   // DRM_MODE_DPMS_ON
        static let off: UInt64 = 3  // DRM_MODE_DPMS_OFF
    }

    /// The connector's "DPMS" property, looked up once.
    private func dpmsProperty() throws(OutputError) -> UInt32? {
        if let known = dpmsPropertyID { return known }
        do throws(DRMError) {
            let found = try device.connectorProperty(named: "DPMS", connector: connectorID)
            dpmsPropertyID = .some(found)
            return found
        } catch {
            throw DRMMessages.callFailed(path: device.path, error)
        }
    }

    private func setDPMS(_ property: UInt32, value: UInt64) throws(OutputError) {
        do throws(DRMError) {
            try device.setConnectorProperty(connector: connectorID, property: property, value: value)
        } catch {
            throw DRMMessages.callFailed(path: device.path, error)
        }
    }

    // MARK: - Choosing connector and CRTC

    static func chooseConnector(named name: String?, among connectors: [DRMConnector],
                                path: String) -> Result<DRMConnector, OutputError> {
        if let name {
            guard let named = connectors.first(where: { $0.name == name }) else {
                return .failure(DRMMessages.connectorNotFound(name, path: path, connectors: connectors))
            }
            return .success(named)
        }
        // libdrm's advice: use connected connectors; only when there are none, try those whose
        // state the driver cannot tell.
        if let connected = connectors.first(where: { $0.connection == .connected && !$0.modes.isEmpty }) {
            return .success(connected)
        }
        if let maybe = connectors.first(where: { $0.connection == .unknown && !$0.modes.isEmpty }) {
            return .success(maybe)
        }
        return .failure(DRMMessages.noConnectedConnector(path: path, connectors: connectors))
    }

    /// The CRTC already driving the connector; else the first its encoders can use that no other
    /// encoder is using; else the first they can use at all.
    static func chooseCRTC(for connector: DRMConnector, resources: DRMResources, device: any DRMDevice) -> UInt32? {
        if connector.currentEncoder != 0, let current = try? device.encoder(id: connector.currentEncoder),
           current.crtc != 0, resources.crtcs.contains(current.crtc) {
            return current.crtc
        }
        var busy: Set<UInt32> = []
        for id in resources.encoders where !connector.encoders.contains(id) {
            if let other = try? device.encoder(id: id), other.crtc != 0 { busy.insert(other.crtc) }
        }
        var candidates: [UInt32] = []
        for id in connector.encoders {
            guard let encoder = try? device.encoder(id: id) else { continue }
            for (index, crtc) in resources.crtcs.enumerated() where index < 32 {
                if encoder.possibleCRTCs & (1 << UInt32(index)) != 0, !candidates.contains(crtc) {
                    candidates.append(crtc)
                }
            }
        }
        return candidates.first(where: { !busy.contains($0) }) ?? candidates.first
    }

    // MARK: - Buffers

    /// A dumb buffer, mapped and cleared, with an XRGB8888 framebuffer over it; on failure, frees what it made.
    private static func makeBuffer(on device: any DRMDevice, width: Int, height: Int) throws(OutputError) -> ScanoutBuffer {
        let path = device.path
        let dumb: DRMDumbBuffer
        do throws(DRMError) {
            dumb = try device.createDumbBuffer(width: UInt32(width), height: UInt32(height))
        } catch {
            throw DRMMessages.callFailed(path: path, error)
        }
        var parts = ScanoutBuffer.Parts(dumb: dumb)
        func fail(_ error: OutputError) -> OutputError {
            release(parts, on: device)
            return error
        }
        guard Int(dumb.pitch) >= width * 4, UInt64(dumb.pitch) * UInt64(height) <= dumb.size else {
            throw fail(DRMMessages.badBuffer(path: path, dumb: dumb, width: width, height: height))
        }
        let memory: UnsafeMutableRawBufferPointer
        do throws(DRMError) {
            memory = try device.mapDumbBuffer(dumb)
        } catch {
            throw fail(DRMMessages.callFailed(path: path, error))
        }
        parts.memory = memory
        guard let base = memory.baseAddress, memory.count >= Int(dumb.pitch) * height else {
            throw fail(DRMMessages.badBuffer(path: path, dumb: dumb, width: width, height: height))
        }
        // Dumb buffers in video memory (bochs, VRAM helpers) are not zeroed by the kernel.
        base.initializeMemory(as: UInt8.self, repeating: 0, count: memory.count)
        let framebuffer: UInt32
        do throws(DRMError) {
            framebuffer = try device.addFramebuffer(width: UInt32(width), height: UInt32(height), buffer: dumb)
        } catch {
            throw fail(DRMMessages.callFailed(path: path, error))
        }
        return ScanoutBuffer(dumb: dumb, memory: memory, pitch: Int(dumb.pitch), framebuffer: framebuffer)
    }

    private static func release(_ parts: ScanoutBuffer.Parts, on device: any DRMDevice) {
        if let framebuffer = parts.framebuffer { try? device.removeFramebuffer(framebuffer) }
        if let memory = parts.memory { device.unmapDumbBuffer(memory) }
        try? device.destroyDumbBuffer(parts.dumb)
    }
}

/// Where a frame sits on the screen and how big it is.
struct Placement: Equatable {
    var origin: PixelPoint
    var width: Int
    var height: Int
}

/// What a scan-out buffer holds.
enum BufferContent: Equatable {
    /// Black everywhere (just cleared).
    case black
    /// A frame at this placement, up to the rows in the buffer's damage.
    case frame(Placement)
    /// Unknown (after the screen was off): cleared and drawn whole next time.
    case stale
}

/// One of the two scan-out buffers and what it holds.
struct ScanoutBuffer {
    /// The kernel objects behind a buffer, some possibly not made yet (while opening).
    struct Parts {
        var dumb: DRMDumbBuffer
        var memory: UnsafeMutableRawBufferPointer?
        var framebuffer: UInt32?
    }

    var dumb: DRMDumbBuffer
    var memory: UnsafeMutableRawBufferPointer
    var pitch: Int
    var framebuffer: UInt32
    var content: BufferContent = .black
    /// Frame rows changed since this buffer was last drawn.
    var damage = RowDamage()

    var parts: Parts { Parts(dumb: dumb, memory: memory, framebuffer: framebuffer) }
}
