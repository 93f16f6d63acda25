#if canImport(Glibc)
import Glibc
#endif
import OshiraseCore

/// A failed DRM call: what was attempted and the errno the kernel answered.
package struct DRMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call, e.g. `drmModeSetCrtc`.
    package var operation: String
    /// The errno value (`EACCES`, `EBUSY`, …).
    package var code: Int32

    package init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// The C library's text for `code`, e.g. "Permission denied".
    package var reason: String { systemErrorText(code) }

    package var description: String { "\(operation): \(reason)" }
}

/// The mode-setting objects of a DRM device, by id.
package struct DRMResources: Sendable, Equatable {
    package var crtcs: [UInt32]
    package var connectors: [UInt32]
    package var encoders: [UInt32]

    package init(crtcs: [UInt32], connectors: [UInt32], encoders: [UInt32]) {
        self.crtcs = crtcs
        self.connectors = connectors
        self.encoders = encoders
    }
}

/// Whether a display is plugged into a connector, as the kernel's last probe saw it.
package enum DRMConnection: Sendable, Equatable, CustomStringConvertible {
    case connected
    case disconnected
    /// The driver cannot tell (some VGA and composite outputs).
    case unknown

    package var description: String {
        switch self {
        case .connected: "connected"
        case .disconnected: "disconnected"
        case .unknown: "unknown"
        }
    }
}

/// A display timing as the kernel describes it (`drm_mode_modeinfo`), kept whole so it can be
/// handed back to `drmModeSetCrtc` unchanged.
package struct DRMMode: Sendable, Equatable {
    /// Pixel clock in kHz.
    package var clock: UInt32
    package var hdisplay: UInt16, hsyncStart: UInt16, hsyncEnd: UInt16, htotal: UInt16, hskew: UInt16
    package var vdisplay: UInt16, vsyncStart: UInt16, vsyncEnd: UInt16, vtotal: UInt16, vscan: UInt16
    /// Refresh rate in Hz, rounded by the kernel.
    package var vrefresh: UInt32
    /// `DRM_MODE_FLAG_*` bits (sync polarity, interlace, …).
    package var flags: UInt32
    /// `DRM_MODE_TYPE_*` bits; `preferred` is among them.
    package var type: UInt32
    /// The kernel's name, e.g. `1920x1080`.
    package var name: String

    /// `DRM_MODE_TYPE_PREFERRED`: the display's native mode from its EDID.
    package static let typePreferred: UInt32 = 1 << 3

    package init(clock: UInt32 = 0,
                hdisplay: UInt16, hsyncStart: UInt16 = 0, hsyncEnd: UInt16 = 0, htotal: UInt16 = 0, hskew: UInt16 = 0,
                vdisplay: UInt16, vsyncStart: UInt16 = 0, vsyncEnd: UInt16 = 0, vtotal: UInt16 = 0, vscan: UInt16 = 0,
                vrefresh: UInt32 = 60, flags: UInt32 = 0, type: UInt32 = 0, name: String? = nil) {
        self.clock = clock
        self.hdisplay = hdisplay
        self.hsyncStart = hsyncStart
        self.hsyncEnd = hsyncEnd
        self.htotal = htotal
        self.hskew = hskew
        self.vdisplay = vdisplay
        self.vsyncStart = vsyncStart
        self.vsyncEnd = vsyncEnd
        self.vtotal = vtotal
        self.vscan = vscan
        self.vrefresh = vrefresh
        self.flags = flags
        self.type = type
        self.name = name ?? "\(hdisplay)x\(vdisplay)"
    }

    /// True for the display's preferred (native) mode.
    package var isPreferred: Bool { type & DRMMode.typePreferred != 0 }

    /// e.g. `1920×1080@60`.
    package var summary: String { "\(hdisplay)×\(vdisplay)@\(vrefresh)" }
}

/// A connector (an HDMI, DisplayPort, VGA or virtual output) with what was probed on it.
package struct DRMConnector: Sendable, Equatable {
    package var id: UInt32
    /// `DRM_MODE_CONNECTOR_*`, e.g. 11 for HDMI-A.
    package var type: UInt32
    /// The number among connectors of the same type, from 1.
    package var typeIndex: UInt32
    package var connection: DRMConnection
    /// The modes the display offers, as the kernel lists them.
    package var modes: [DRMMode]
    /// The encoders that can feed this connector.
    package var encoders: [UInt32]
    /// The encoder feeding it now; 0 when none.
    package var currentEncoder: UInt32

    package init(id: UInt32, type: UInt32, typeIndex: UInt32, connection: DRMConnection, modes: [DRMMode],
                encoders: [UInt32], currentEncoder: UInt32 = 0) {
        self.id = id
        self.type = type
        self.typeIndex = typeIndex
        self.connection = connection
        self.modes = modes
        self.encoders = encoders
        self.currentEncoder = currentEncoder
    }

    /// The kernel's name for it, as in `/sys/class/drm/card0-HDMI-A-1`: `HDMI-A-1`, `Virtual-1`.
    package var name: String { DRMConnectorName.name(type: type, typeIndex: typeIndex) }
}

/// Names of connector types, the same the kernel and `drmModeGetConnectorTypeName` use.
package enum DRMConnectorName {
    /// Indexed by `DRM_MODE_CONNECTOR_*` (drm_mode.h).
    static let typeNames = [
        "Unknown", "VGA", "DVI-I", "DVI-D", "DVI-A", "Composite", "SVIDEO", "LVDS", "Component", "DIN",
        "DP", "HDMI-A", "HDMI-B", "TV", "eDP", "Virtual", "DSI", "DPI", "Writeback", "SPI", "USB",
    ]

    /// The name of a connector type; a type newer than this table is named by its number.
    package static func typeName(_ type: UInt32) -> String {
        type < typeNames.count ? typeNames[Int(type)] : "Type\(type)"
    }

    /// `HDMI-A` and 1 → `HDMI-A-1`.
    package static func name(type: UInt32, typeIndex: UInt32) -> String {
        "\(typeName(type))-\(typeIndex)"
    }
}

/// An encoder, which routes a CRTC's pixels to a connector.
package struct DRMEncoder: Sendable, Equatable {
    package var id: UInt32
    /// The CRTC it is fed by now; 0 when none.
    package var crtc: UInt32
    /// Bit i set: the i-th CRTC of `DRMResources.crtcs` can feed it.
    package var possibleCRTCs: UInt32

    package init(id: UInt32, crtc: UInt32, possibleCRTCs: UInt32) {
        self.id = id
        self.crtc = crtc
        self.possibleCRTCs = possibleCRTCs
    }
}

/// What a CRTC scans out, saved at open so closing can put it back (usually the text console).
package struct DRMCRTCState: Sendable, Equatable {
    package var id: UInt32
    /// 0 when the CRTC shows nothing.
    package var framebuffer: UInt32
    package var x: UInt32
    package var y: UInt32
    /// nil when the CRTC is off.
    package var mode: DRMMode?

    package init(id: UInt32, framebuffer: UInt32, x: UInt32 = 0, y: UInt32 = 0, mode: DRMMode?) {
        self.id = id
        self.framebuffer = framebuffer
        self.x = x
        self.y = y
        self.mode = mode
    }
}

/// A dumb buffer: linear memory the kernel can scan out, created by `DRM_IOCTL_MODE_CREATE_DUMB`.
package struct DRMDumbBuffer: Sendable, Equatable {
    package var handle: UInt32
    /// Bytes per row, as the driver chose it (≥ width × 4).
    package var pitch: UInt32
    /// Bytes to map.
    package var size: UInt64

    package init(handle: UInt32, pitch: UInt32, size: UInt64) {
        self.handle = handle
        self.pitch = pitch
        self.size = size
    }
}

/// The DRM/KMS calls `DRMOutput` makes, on our own value types, so the same sequence runs on a
/// kernel device (`LinuxDRMDevice`) and on a fake in tests.
///
/// Calls throw `DRMError` carrying the kernel's errno; the output turns them into messages.
package protocol DRMDevice: AnyObject {
    /// The device node, e.g. `/dev/dri/card0`.
    var path: String { get }
    /// Whether the driver can create dumb buffers (`DRM_CAP_DUMB_BUFFER`).
    func supportsDumbBuffers() -> Bool
    /// Whether this open file is the DRM master, the one client allowed to set modes.
    func isMaster() -> Bool
    /// Tries to become master (succeeds only when no other client holds it); true when it is now.
    func acquireMaster() -> Bool
    func resources() throws(DRMError) -> DRMResources
    /// Probes the connector (EDID) and returns it with its modes.
    func connector(id: UInt32) throws(DRMError) -> DRMConnector
    func encoder(id: UInt32) throws(DRMError) -> DRMEncoder
    func crtc(id: UInt32) throws(DRMError) -> DRMCRTCState
    /// A 32-bit-per-pixel dumb buffer of `width` × `height`.
    func createDumbBuffer(width: UInt32, height: UInt32) throws(DRMError) -> DRMDumbBuffer
    /// Maps the whole buffer for writing; valid until `unmapDumbBuffer`.
    func mapDumbBuffer(_ buffer: DRMDumbBuffer) throws(DRMError) -> UnsafeMutableRawBufferPointer
    func unmapDumbBuffer(_ memory: UnsafeMutableRawBufferPointer)
    func destroyDumbBuffer(_ buffer: DRMDumbBuffer) throws(DRMError)
    /// A framebuffer of format XRGB8888 over the buffer; returns its id.
    func addFramebuffer(width: UInt32, height: UInt32, buffer: DRMDumbBuffer) throws(DRMError) -> UInt32
    func removeFramebuffer(_ id: UInt32) throws(DRMError)
    /// Sets the mode: `framebuffer` at (0, 0) on `crtc`, driving `connectors` (empty with a nil mode: off).
    func setCRTC(_ crtc: UInt32, framebuffer: UInt32, x: UInt32, y: UInt32, connectors: [UInt32],
                 mode: DRMMode?) throws(DRMError)
    /// Schedules `framebuffer` for the next vertical blank and asks for a flip event.
    func pageFlip(crtc: UInt32, framebuffer: UInt32) throws(DRMError)
    /// Waits until every flip scheduled so far has signalled its event; false when `timeout` passed first.
    func waitForPageFlip(timeout: Duration) throws(DRMError) -> Bool
    /// The id of the connector's property named `name` (e.g. "DPMS"); nil when it has none.
    func connectorProperty(named name: String, connector: UInt32) throws(DRMError) -> UInt32?
    func setConnectorProperty(connector: UInt32, property: UInt32, value: UInt64) throws(DRMError)
    /// Closes the device; every other call fails afterwards.
    func close()
}
