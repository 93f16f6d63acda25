/// The outputs this module opens. DRM/KMS is not among them: the `OshiraseDRM` module opens it,
/// and the caller picks that module for a `drm` output.
package enum OutputTarget: Sendable, Equatable {
    /// A Linux framebuffer device node, e.g. `/dev/fb0`; `pan`: double-buffer by panning where the
    /// driver offers room.
    case fbdev(device: String, pan: Bool = false)
    /// A PNG per display in `directory`, written at most once per `minimumInterval` seconds.
    case pngDirectory(directory: String, minimumInterval: Double)
    /// Frames kept in memory (tests, the preview).
    case memory

    /// As the config spells it: `fbdev`, `png-dir`, `memory`.
    package var kind: String {
        switch self {
        case .fbdev: "fbdev"
        case .pngDirectory: "png-dir"
        case .memory: "memory"
        }
    }
}

/// Opens the output a display's configuration names.
package enum OutputFactory {
    /// Opens `target` for the display `displayName`, whose frames are `frameSize` pixels.
    ///
    /// The framebuffer's screen is the device's own size (the frame is placed on it at the
    /// display's region); PNG and memory screens are the frame's size. Read `warnings` of a
    /// `FramebufferOutput` afterwards for problems that did not stop it.
    package static func open(_ target: OutputTarget, displayName: String,
                            frameSize: (width: Int, height: Int)) throws(OutputError) -> any FrameOutput {
        guard frameSize.width > 0, frameSize.height > 0 else {
            throw OutputError("\(target.kind) output of \(displayName): the frame has no pixels "
                + "(\(frameSize.width)×\(frameSize.height))")
        }
        switch target {
        case let .fbdev(device, pan):
            return try FramebufferOutput.open(path: device, pans: pan)
        case let .pngDirectory(directory, minimumInterval):
            return try PNGDirectoryOutput(directory: directory, name: displayName, width: frameSize.width,
                                          height: frameSize.height, minimumInterval: minimumInterval)
        case .memory:
            return MemoryOutput(width: frameSize.width, height: frameSize.height,
                                description: "memory \(displayName) \(frameSize.width)×\(frameSize.height)")
        }
    }
}
