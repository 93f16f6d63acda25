import Glibc
import OshiraseDRM
import OshiraseDevices
import OshiraseImaging

/// A DRM device in memory: records every call, keeps dumb buffers as real memory, and models what
/// the kernel shows (the framebuffer set on the CRTC, a flip taking effect when its event is read).
final class FakeDRMDevice: DRMDevice {
    enum Call: Equatable, CustomStringConvertible {
        case supportsDumbBuffers, isMaster, acquireMaster, resources
        case connector(UInt32), encoder(UInt32), crtc(UInt32)
        case createDumb(width: UInt32, height: UInt32), map(handle: UInt32), unmap(handle: UInt32)
        case destroyDumb(handle: UInt32)
        case addFramebuffer(handle: UInt32), removeFramebuffer(UInt32)
        case setCRTC(crtc: UInt32, framebuffer: UInt32, connectors: [UInt32], mode: String?)
        case pageFlip(crtc: UInt32, framebuffer: UInt32), waitForPageFlip
        case property(String), setProperty(connector: UInt32, property: UInt32, value: UInt64)
        case close

        var description: String {
            switch self {
            case .supportsDumbBuffers: "supportsDumbBuffers"
            case .isMaster: "isMaster"
            case .acquireMaster: "acquireMaster"
            case .resources: "resources"
            case .connector(let id): "connector \(id)"
            case .encoder(let id): "encoder \(id)"
            case .crtc(let id): "crtc \(id)"
            case .createDumb(let w, let h): "createDumb \(w)×\(h)"
            case .map(let handle): "map \(handle)"
            case .unmap(let handle): "unmap \(handle)"
            case .destroyDumb(let handle): "destroyDumb \(handle)"
            case .addFramebuffer(let handle): "addFramebuffer \(handle)"
            case .removeFramebuffer(let id): "removeFramebuffer \(id)"
            case .setCRTC(let crtc, let fb, let connectors, let mode):
                "setCRTC \(crtc) fb \(fb) \(connectors) \(mode ?? "off")"
            case .pageFlip(let crtc, let fb): "pageFlip \(crtc) fb \(fb)"
            case .waitForPageFlip: "waitForPageFlip"
            case .property(let name): "property \(name)"
            case .setProperty(let connector, let property, let value): "setProperty \(connector) \(property)=\(value)"
            case .close: "close"
            }
        }
    }

    /// A dumb buffer's memory; filled with 0xAB so that a missing clear shows.
    final class Buffer {
        let handle: UInt32
        let width: Int, height: Int, pitch: Int
        let memory: UnsafeMutableRawBufferPointer
        var mapped = false

        init(handle: UInt32, width: Int, height: Int, pitch: Int, size: Int) {
            self.handle = handle
            self.width = width
            self.height = height
            self.pitch = pitch
            memory = .allocate(byteCount: size, alignment: 16)
            memory.initializeMemory(as: UInt8.self, repeating: 0xAB)
        }

        deinit { memory.deallocate() }

        /// The 32-bit XRGB word at (x, y), as the display reads it.
        func word(x: Int, y: Int) -> UInt32 {
            UInt32(littleEndian: memory.loadUnaligned(fromByteOffset: y * pitch + x * 4, as: UInt32.self))
        }
    }

    let path: String
    private(set) var calls: [Call] = []

    // What the device offers.
    var dumbBuffersSupported = true
    var master = true
    var masterAvailable = false
    var resourcesError: DRMError?
    var crtcIDs: [UInt32] = [31, 32]
    var connectors: [DRMConnector] = []
    var encoders: [DRMEncoder] = []
    var savedCRTCs: [UInt32: DRMCRTCState] = [:]
    /// Bytes the driver adds to each row beyond width × 4 (drivers align pitch).
    var pitchPadding = 24
    var dpmsProperty: UInt32? = 7
    /// Answers for the next calls of the named kind ("setCRTC", "pageFlip", …), one per call:
    /// an error to throw, or nil to let that call succeed.
    var failures: [String: [DRMError?]] = [:]
    /// Whether the next flips' events arrive in time; the last entry repeats.
    var flipEventsArrive: [Bool] = [true]

    // What the device holds.
    private(set) var buffers: [UInt32: Buffer] = [:]
    private(set) var framebuffers: [UInt32: UInt32] = [:]
    /// The framebuffer the CRTC scans out.
    private(set) var scannedOut: UInt32?
    private(set) var pendingFlip: UInt32?
    private(set) var dpmsValue: UInt64?
    private(set) var isClosed = false
    private(set) var created = 0, destroyed = 0, mapped = 0, unmapped = 0, added = 0, removed = 0
    private var nextHandle: UInt32 = 1
    private var nextFramebuffer: UInt32 = 100

    init(path: String = "/dev/dri/card0") {
        self.path = path
    }

    /// A card with a disconnected HDMI-A-1 and a connected Virtual-1 (lit by CRTC 31, as the
    /// console leaves it) whose preferred mode, 8×6, is its second.
    static func standard() -> FakeDRMDevice {
        let device = FakeDRMDevice()
        device.connectors = [
            DRMConnector(id: 40, type: 11, typeIndex: 1, connection: .disconnected, modes: [], encoders: [50]),
            DRMConnector(id: 41, type: 15, typeIndex: 1, connection: .connected,
                         modes: [DRMMode(hdisplay: 16, vdisplay: 12, vrefresh: 75),
                                 DRMMode(hdisplay: 8, vdisplay: 6, vrefresh: 60, type: DRMMode.typePreferred)],
                         encoders: [51], currentEncoder: 51),
        ]
        device.encoders = [DRMEncoder(id: 50, crtc: 0, possibleCRTCs: 0b11),
                           DRMEncoder(id: 51, crtc: 31, possibleCRTCs: 0b01)]
        device.savedCRTCs[31] = DRMCRTCState(id: 31, framebuffer: 9, mode: DRMMode(hdisplay: 8, vdisplay: 6))
        return device
    }

    /// The buffer behind framebuffer `id`.
    func buffer(framebuffer id: UInt32) -> Buffer? {
        framebuffers[id].flatMap { buffers[$0] }
    }

    /// The word the display shows at (x, y).
    func screenWord(x: Int, y: Int) -> UInt32? {
        scannedOut.flatMap { buffer(framebuffer: $0) }?.word(x: x, y: y)
    }

    /// Calls made since the last `clearCalls`.
    func clearCalls() { calls.removeAll() }

    private func check(_ name: String) throws(DRMError) {
        if isClosed { throw DRMError(name, code: EBADF) }
        if var queued = failures[name], !queued.isEmpty {
            let error = queued.removeFirst()
            failures[name] = queued
            if let error { throw error }
        }
    }

    // MARK: - DRMDevice

    func supportsDumbBuffers() -> Bool {
        calls.append(.supportsDumbBuffers)
        return dumbBuffersSupported
    }

    func isMaster() -> Bool {
        calls.append(.isMaster)
        return master
    }

    func acquireMaster() -> Bool {
        calls.append(.acquireMaster)
        if masterAvailable { master = true }
        return master
    }

    func resources() throws(DRMError) -> DRMResources {
        calls.append(.resources)
        try check("resources")
        if let resourcesError { throw resourcesError }
        return DRMResources(crtcs: crtcIDs, connectors: connectors.map(\.id), encoders: encoders.map(\.id))
    }

    func connector(id: UInt32) throws(DRMError) -> DRMConnector {
        calls.append(.connector(id))
        try check("connector")
        guard let found = connectors.first(where: { $0.id == id }) else { throw DRMError("connector", code: ENOENT) }
        return found
    }

    func encoder(id: UInt32) throws(DRMError) -> DRMEncoder {
        calls.append(.encoder(id))
        try check("encoder")
        guard let found = encoders.first(where: { $0.id == id }) else { throw DRMError("encoder", code: ENOENT) }
        return found
    }

    func crtc(id: UInt32) throws(DRMError) -> DRMCRTCState {
        calls.append(.crtc(id))
        try check("crtc")
        return savedCRTCs[id] ?? DRMCRTCState(id: id, framebuffer: 0, mode: nil)
    }

    func createDumbBuffer(width: UInt32, height: UInt32) throws(DRMError) -> DRMDumbBuffer {
        calls.append(.createDumb(width: width, height: height))
        try check("createDumb")
        let handle = nextHandle
        nextHandle += 1
        let pitch = Int(width) * 4 + pitchPadding
        let size = pitch * Int(height)
        buffers[handle] = Buffer(handle: handle, width: Int(width), height: Int(height), pitch: pitch, size: size)
        created += 1
        return DRMDumbBuffer(handle: handle, pitch: UInt32(pitch), size: UInt64(size))
    }

    func mapDumbBuffer(_ buffer: DRMDumbBuffer) throws(DRMError) -> UnsafeMutableRawBufferPointer {
        calls.append(.map(handle: buffer.handle))
        try check("map")
        guard let stored = buffers[buffer.handle] else { throw DRMError("map", code: ENOENT) }
        stored.mapped = true
        mapped += 1
        return stored.memory
    }

    func unmapDumbBuffer(_ memory: UnsafeMutableRawBufferPointer) {
        guard let stored = buffers.values.first(where: { $0.memory.baseAddress == memory.baseAddress }) else { return }
        calls.append(.unmap(handle: stored.handle))
        stored.mapped = false
        unmapped += 1
    }

    func destroyDumbBuffer(_ buffer: DRMDumbBuffer) throws(DRMError) {
        calls.append(.destroyDumb(handle: buffer.handle))
        try check("destroyDumb")
        // The kernel keeps an object alive while a framebuffer still refers to it; the memory here
        // stays for inspection either way.
        guard buffers[buffer.handle] != nil else { throw DRMError("destroyDumb", code: ENOENT) }
        destroyed += 1
    }

    func addFramebuffer(width: UInt32, height: UInt32, buffer: DRMDumbBuffer) throws(DRMError) -> UInt32 {
        calls.append(.addFramebuffer(handle: buffer.handle))
        try check("addFramebuffer")
        let id = nextFramebuffer
        nextFramebuffer += 1
        framebuffers[id] = buffer.handle
        added += 1
        return id
    }

    func removeFramebuffer(_ id: UInt32) throws(DRMError) {
        calls.append(.removeFramebuffer(id))
        try check("removeFramebuffer")
        guard framebuffers.removeValue(forKey: id) != nil else { throw DRMError("removeFramebuffer", code: ENOENT) }
        removed += 1
        // Removing the framebuffer on screen turns the CRTC off.
        if scannedOut == id { scannedOut = nil }
    }

    func setCRTC(_ crtc: UInt32, framebuffer: UInt32, x: UInt32, y: UInt32, connectors: [UInt32],
                 mode: DRMMode?) throws(DRMError) {
        calls.append(.setCRTC(crtc: crtc, framebuffer: framebuffer, connectors: connectors, mode: mode?.summary))
        try check("setCRTC")
        scannedOut = framebuffer == 0 ? nil : framebuffer
    }

    func pageFlip(crtc: UInt32, framebuffer: UInt32) throws(DRMError) {
        calls.append(.pageFlip(crtc: crtc, framebuffer: framebuffer))
        try check("pageFlip")
        if pendingFlip != nil { throw DRMError("drmModePageFlip", code: EBUSY) }
        pendingFlip = framebuffer
    }

    func waitForPageFlip(timeout: Duration) throws(DRMError) -> Bool {
        calls.append(.waitForPageFlip)
        try check("waitForPageFlip")
        guard let pending = pendingFlip else { return true }
        let arrives = flipEventsArrive.count > 1 ? flipEventsArrive.removeFirst() : (flipEventsArrive.first ?? true)
        guard arrives else { return false }
        scannedOut = pending
        pendingFlip = nil
        return true
    }

    func connectorProperty(named name: String, connector: UInt32) throws(DRMError) -> UInt32? {
        calls.append(.property(name))
        try check("property")
        return name == "DPMS" ? dpmsProperty : nil
    }

    func setConnectorProperty(connector: UInt32, property: UInt32, value: UInt64) throws(DRMError) {
        calls.append(.setProperty(connector: connector, property: property, value: value))
        try check("setProperty")
        if property == dpmsProperty { dpmsValue = value }
    }

    func close() {
        calls.append(.close)
        isClosed = true
    }
}

/// A frame whose rows are each one colour (0xRRGGBB), in Cairo's ARGB32 layout, with `extra`
/// bytes of padding per row.
func drmTestFrame(width: Int, rows: [UInt32], extra: Int = 8) -> Bitmap {
    let stride = width * 4 + extra
    var pixels = [UInt8](repeating: 0x55, count: stride * rows.count)
    for (y, colour) in rows.enumerated() {
        let word: UInt32 = 0xFF00_0000 | colour  // native-endian, as Cairo stores it
        for x in 0..<width {
            withUnsafeBytes(of: word) { bytes in
                for index in 0..<4 { pixels[y * stride + x * 4 + index] = bytes[index] }
            }
        }
    }
    return Bitmap(width: width, height: rows.count, stride: stride, pixels: pixels)
}

/// Collects an output's warnings; tests are single-threaded.
final class DRMWarnings: @unchecked Sendable {
    private(set) var lines: [String] = []
    func record(_ line: String) { lines.append(line) }
}

extension DRMOutput {
    /// Presents a bitmap at `origin`.
    func presentBitmap(_ bitmap: Bitmap, at origin: PixelPoint = .zero, changedRows: Range<Int>? = nil) throws(OutputError) {
        try bitmap.withPixelView { (view) throws(OutputError) in
            try present(view, at: origin, changedRows: changedRows)
        }
    }
}
