import CDRM
import Glibc

/// A DRM device node on libdrm: owns the file descriptor and frees every object libdrm returns
/// before the call that fetched it returns.
///
/// libdrm's mode calls answer a negative errno; its getters answer NULL and leave errno set.
package final class LinuxDRMDevice: DRMDevice {
    package let path: String
    private var fd: Int32
    /// Where the page-flip handler counts completions. Its address travels with every flip as the
    /// event's user data, so it lives until the fd is closed (and no event can arrive any more).
    private let flips: UnsafeMutablePointer<oshirase_drm_flip_counter>
    /// Flips scheduled so far; all have completed when `flips.pointee.completed` reaches it.
    private var flipsRequested: UInt64 = 0

    /// Opens `path` for reading and writing (not inherited by child processes).
    package init(path: String) throws(DRMError) {
        let opened = open(path, O_RDWR | O_CLOEXEC)
        guard opened >= 0 else { throw DRMError("open", code: errno) }
        self.path = path
        self.fd = opened
        flips = .allocate(capacity: 1)
        flips.initialize(to: oshirase_drm_flip_counter())
    }

    deinit {
        close()
        flips.deallocate()
    }

    package func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    package func supportsDumbBuffers() -> Bool {
        var value: UInt64 = 0
        return drmGetCap(fd, oshirase_drm_cap_dumb_buffer, &value) == 0 && value != 0
    }

    package func isMaster() -> Bool {
        drmIsMaster(fd) != 0
    }

    package func acquireMaster() -> Bool {
        drmSetMaster(fd) == 0 && isMaster()
    }

    package func resources() throws(DRMError) -> DRMResources {
        guard let resources = drmModeGetResources(fd) else { throw DRMError("drmModeGetResources", code: errno) }
        defer { drmModeFreeResources(resources) }
        let value = resources.pointee
        return DRMResources(crtcs: Self.ids(value.crtcs, value.count_crtcs),
                            connectors: Self.ids(value.connectors, value.count_connectors),
                            encoders: Self.ids(value.encoders, value.count_encoders))
    }

    package func connector(id: UInt32) throws(DRMError) -> DRMConnector {
        guard let connector = drmModeGetConnector(fd, id) else { throw DRMError("drmModeGetConnector", code: errno) }
        defer { drmModeFreeConnector(connector) }
        let value = connector.pointee
        let connection: DRMConnection = switch value.connection {
        case DRM_MODE_CONNECTED: .connected
        case DRM_MODE_DISCONNECTED: .disconnected
        default: .unknown
        }
        var modes: [DRMMode] = []
        if let list = value.modes, value.count_modes > 0 {
            modes = UnsafeBufferPointer(start: list, count: Int(value.count_modes)).map(Self.mode(from:))
        }
        return DRMConnector(id: value.connector_id, type: value.connector_type, typeIndex: value.connector_type_id,
                            connection: connection, modes: modes,
                            encoders: Self.ids(value.encoders, value.count_encoders),
                            currentEncoder: value.encoder_id)
    }

    package func encoder(id: UInt32) throws(DRMError) -> DRMEncoder {
        guard let encoder = drmModeGetEncoder(fd, id) else { throw DRMError("drmModeGetEncoder", code: errno) }
        defer { drmModeFreeEncoder(encoder) }
        return DRMEncoder(id: encoder.pointee.encoder_id, crtc: encoder.pointee.crtc_id,
                          possibleCRTCs: encoder.pointee.possible_crtcs)
    }

    package func crtc(id: UInt32) throws(DRMError) -> DRMCRTCState {
        guard let crtc = drmModeGetCrtc(fd, id) else { throw DRMError("drmModeGetCrtc", code: errno) }
        defer { drmModeFreeCrtc(crtc) }
        let value = crtc.pointee
        return DRMCRTCState(id: value.crtc_id, framebuffer: value.buffer_id, x: value.x, y: value.y,
                            mode: value.mode_valid != 0 ? Self.mode(from: value.mode) : nil)
    }

    package func createDumbBuffer(width: UInt32, height: UInt32) throws(DRMError) -> DRMDumbBuffer {
        var handle: UInt32 = 0, pitch: UInt32 = 0, size: UInt64 = 0
        let result = oshirase_drm_create_dumb(fd, width, height, 32, &handle, &pitch, &size)
        guard result == 0 else { throw DRMError("DRM_IOCTL_MODE_CREATE_DUMB", code: -result) }
        return DRMDumbBuffer(handle: handle, pitch: pitch, size: size)
    }

    package func mapDumbBuffer(_ buffer: DRMDumbBuffer) throws(DRMError) -> UnsafeMutableRawBufferPointer {
        var offset: UInt64 = 0
        let result = oshirase_drm_map_dumb(fd, buffer.handle, &offset)
        guard result == 0 else { throw DRMError("DRM_IOCTL_MODE_MAP_DUMB", code: -result) }
        guard let size = Int(exactly: buffer.size), let fileOffset = off_t(exactly: offset) else {
            throw DRMError("mmap", code: EOVERFLOW)
        }
        let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, fileOffset)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw DRMError("mmap", code: errno)
        }
        return UnsafeMutableRawBufferPointer(start: address, count: size)
    }

    package func unmapDumbBuffer(_ memory: UnsafeMutableRawBufferPointer) {
        guard let base = memory.baseAddress else { return }
        _ = munmap(base, memory.count)
    }

    package func destroyDumbBuffer(_ buffer: DRMDumbBuffer) throws(DRMError) {
        let result = oshirase_drm_destroy_dumb(fd, buffer.handle)
        guard result == 0 else { throw DRMError("DRM_IOCTL_MODE_DESTROY_DUMB", code: -result) }
    }

    package func addFramebuffer(width: UInt32, height: UInt32, buffer: DRMDumbBuffer) throws(DRMError) -> UInt32 {
        var id: UInt32 = 0
        var handles: (UInt32, UInt32, UInt32, UInt32) = (buffer.handle, 0, 0, 0)
        var pitches: (UInt32, UInt32, UInt32, UInt32) = (buffer.pitch, 0, 0, 0)
        var offsets: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        let result = withUnsafePointer(to: &handles) { handles in
            withUnsafePointer(to: &pitches) { pitches in
                withUnsafePointer(to: &offsets) { offsets in
                    drmModeAddFB2(fd, width, height, oshirase_drm_format_xrgb8888,
                                  UnsafeRawPointer(handles).assumingMemoryBound(to: UInt32.self),
                                  UnsafeRawPointer(pitches).assumingMemoryBound(to: UInt32.self),
                                  UnsafeRawPointer(offsets).assumingMemoryBound(to: UInt32.self), &id, 0)
                }
            }
        }
        if result == 0 { return id }
        // Drivers without ADDFB2 take the legacy call, where depth 24 at 32 bpp means XRGB8888.
        let legacy = drmModeAddFB(fd, width, height, 24, 32, buffer.pitch, buffer.handle, &id)
        guard legacy == 0 else { throw DRMError("drmModeAddFB2", code: -result) }
        return id
    }

    package func removeFramebuffer(_ id: UInt32) throws(DRMError) {
        let result = drmModeRmFB(fd, id)
        guard result == 0 else { throw DRMError("drmModeRmFB", code: -result) }
    }

    package func setCRTC(_ crtc: UInt32, framebuffer: UInt32, x: UInt32, y: UInt32, connectors: [UInt32],
                        mode: DRMMode?) throws(DRMError) {
        var connectorIDs = connectors
        let result: Int32
        if var info = mode.map(Self.modeInfo(from:)) {
            result = connectorIDs.withUnsafeMutableBufferPointer { ids in
                drmModeSetCrtc(fd, crtc, framebuffer, x, y, ids.baseAddress, Int32(ids.count), &info)
            }
        } else {
            result = connectorIDs.withUnsafeMutableBufferPointer { ids in
                drmModeSetCrtc(fd, crtc, framebuffer, x, y, ids.baseAddress, Int32(ids.count), nil)
            }
        }
        guard result == 0 else { throw DRMError("drmModeSetCrtc", code: -result) }
    }

    package func pageFlip(crtc: UInt32, framebuffer: UInt32) throws(DRMError) {
        let result = oshirase_drm_page_flip(fd, crtc, framebuffer, flips)
        guard result == 0 else { throw DRMError("drmModePageFlip", code: -result) }
        flipsRequested += 1
    }

    package func waitForPageFlip(timeout: Duration) throws(DRMError) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while flips.pointee.completed < flipsRequested {
            let left = clock.now.duration(to: deadline)
            guard left > .zero else { return false }
            let result = oshirase_drm_handle_events(fd, Self.milliseconds(roundingUp: left))
            if result == -EINTR { continue }
            if result < 0 { throw DRMError("drmHandleEvent", code: -result) }
        }
        return true
    }

    package func connectorProperty(named name: String, connector: UInt32) throws(DRMError) -> UInt32? {
        guard let properties = drmModeObjectGetProperties(fd, connector, oshirase_drm_object_connector) else {
            throw DRMError("drmModeObjectGetProperties", code: errno)
        }
        defer { drmModeFreeObjectProperties(properties) }
        guard let ids = properties.pointee.props else { return nil }
        for index in 0..<Int(properties.pointee.count_props) {
            guard let property = drmModeGetProperty(fd, ids[index]) else { continue }
            defer { drmModeFreeProperty(property) }
            let propertyName = withUnsafeBytes(of: property.pointee.name) { Self.string(fromNulTerminated: $0) }
            if propertyName == name { return property.pointee.prop_id }
        }
        return nil
    }

    package func setConnectorProperty(connector: UInt32, property: UInt32, value: UInt64) throws(DRMError) {
        let result = drmModeConnectorSetProperty(fd, connector, property, value)
        guard result == 0 else { throw DRMError("drmModeConnectorSetProperty", code: -result) }
    }

    // MARK: - Conversions between libdrm's structs and our values

    /// poll's timeout for `duration`, rounded up so a wait under a millisecond still waits rather than spins.
    static func milliseconds(roundingUp duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let fraction = (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        guard seconds >= 0 else { return 0 }
        guard seconds < 2_000_000 else { return Int32.max }
        return Int32(seconds * 1000 + fraction)
    }

    private static func ids(_ list: UnsafeMutablePointer<UInt32>?, _ count: Int32) -> [UInt32] {
        guard let list, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: list, count: Int(count)))
    }

    private static func string(fromNulTerminated bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    static func mode(from info: drmModeModeInfo) -> DRMMode {
        DRMMode(clock: info.clock,
                hdisplay: info.hdisplay, hsyncStart: info.hsync_start, hsyncEnd: info.hsync_end,
                htotal: info.htotal, hskew: info.hskew,
                vdisplay: info.vdisplay, vsyncStart: info.vsync_start, vsyncEnd: info.vsync_end,
                vtotal: info.vtotal, vscan: info.vscan,
                vrefresh: info.vrefresh, flags: info.flags, type: info.type,
                name: withUnsafeBytes(of: info.name) { string(fromNulTerminated: $0) })
    }

    static func modeInfo(from mode: DRMMode) -> drmModeModeInfo {
        var info = drmModeModeInfo()
        info.clock = mode.clock
        info.hdisplay = mode.hdisplay
        info.hsync_start = mode.hsyncStart
        info.hsync_end = mode.hsyncEnd
        info.htotal = mode.htotal
        info.hskew = mode.hskew
        info.vdisplay = mode.vdisplay
        info.vsync_start = mode.vsyncStart
        info.vsync_end = mode.vsyncEnd
        info.vtotal = mode.vtotal
        info.vscan = mode.vscan
        info.vrefresh = mode.vrefresh
        info.flags = mode.flags
        info.type = mode.type
        withUnsafeMutableBytes(of: &info.name) { name in
            // Keep the last byte zero: the kernel expects a NUL-terminated name.
            for (index, byte) in mode.name.utf8.prefix(name.count - 1).enumerated() { name[index] = byte }
        }
        return info
    }
}
