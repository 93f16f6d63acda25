import Glibc
import OshiraseDevices

/// The errors `DRMOutput` reports, each naming the device and what a person can do about it.
enum DRMMessages {
    static func openFailed(path: String, error: DRMError) -> OutputError {
        switch error.code {
        case ENOENT, ENODEV, ENXIO:
            OutputError("no DRM device at \(path): \(error.reason); is the kms driver loaded? (ls /dev/dri)")
        case EACCES, EPERM:
            OutputError("no permission to open \(path): \(error.reason); add the user running oshirase to the "
                        + "'video' group (usermod -aG video USER; 'render' only opens /dev/dri/renderD* nodes, "
                        + "which cannot set modes), or give its systemd unit SupplementaryGroups=video and "
                        + "DeviceAllow=\(path) rw")
        default:
            OutputError("cannot open \(path): \(error.reason)")
        }
    }

    static func notMaster(path: String) -> OutputError {
        OutputError("cannot drive the display on \(path): oshirase is not DRM master; another program — "
                    + "a desktop or another oshirase — holds the display; stop it or run on a free VT")
    }

    static func noDumbBuffers(path: String) -> OutputError {
        OutputError("\(path) cannot create dumb buffers (DRM_CAP_DUMB_BUFFER), which oshirase draws into; "
                    + "give the card node of a KMS display driver (ls /dev/dri)")
    }

    static func noModeSetting(path: String, error: DRMError) -> OutputError {
        OutputError("\(path) cannot set display modes (\(error)); give the card node of a KMS display driver "
                    + "(/dev/dri/cardN), not a render node")
    }

    static func connectorNotFound(_ name: String, path: String, connectors: [DRMConnector]) -> OutputError {
        OutputError("no connector named \(name) on \(path); \(listing(connectors))")
    }

    static func noConnectedConnector(path: String, connectors: [DRMConnector]) -> OutputError {
        OutputError("no display connected to \(path); \(listing(connectors)); plug a display in and switch it on, "
                    + "or name a connector in the display's output config")
    }

    static func noModes(connector: DRMConnector, path: String) -> OutputError {
        OutputError("connector \(connector.name) on \(path) offers no display modes (\(connector.connection)); "
                    + "plug a display in and switch it on")
    }

    static func noCRTC(connector: String, path: String) -> OutputError {
        OutputError("no CRTC of \(path) can drive connector \(connector)")
    }

    static func badBuffer(path: String, dumb: DRMDumbBuffer, width: Int, height: Int) -> OutputError {
        OutputError("\(path) gave a dumb buffer too small for \(width)×\(height) at 32 bits per pixel "
                    + "(pitch \(dumb.pitch), \(dumb.size) bytes); the display driver is at fault")
    }

    static func setCRTCFailed(path: String, connector: String, mode: DRMMode, error: DRMError) -> OutputError {
        if error.code == EACCES || error.code == EPERM { return notMaster(path: path) }
        return OutputError("cannot show \(mode.summary) on \(connector) of \(path): \(error)")
    }

    static func callFailed(path: String, _ error: DRMError) -> OutputError {
        if error.code == EACCES || error.code == EPERM { return notMaster(path: path) }
        return OutputError("\(path): \(error)")
    }

    static func closed(path: String) -> OutputError {
        OutputError("the DRM output on \(path) is closed")
    }

    /// `its connectors: HDMI-A-1 (connected), DP-1 (disconnected)`.
    static func listing(_ connectors: [DRMConnector]) -> String {
        guard !connectors.isEmpty else { return "it has no connectors" }
        return "its connectors: " + connectors.map { "\($0.name) (\($0.connection))" }.joined(separator: ", ")
    }
}
