import Foundation
import Logging
import OshiraseCore
import OshiraseDevices
import Prometheus

/// Keeps one display's output open: opens it when needed, and after a failure closes it and
/// tries again every 5 s, logging each distinct error once.
final class OutputSupervisor {
    static let retryInterval = 5.0
    private let open: () throws(OutputError) -> FrameOutput
    private let state: DisplayState
    private let metrics: DisplayMetrics
    private let logger: Logger
    private let profile: DisplayProfile
    private(set) var output: FrameOutput?
    private(set) var retryAt: Date?
    private var lastError: String?

    init(profile: DisplayProfile, state: DisplayState, metrics: DisplayMetrics, logger: Logger,
         open: @escaping () throws(OutputError) -> FrameOutput) {
        self.profile = profile
        self.state = state
        self.metrics = metrics
        self.logger = logger
        self.open = open
    }

    /// The open output, opening it when it is closed and its retry is due; `opened` is true when
    /// it was opened by this call (everything must then be drawn anew). Nil while it cannot be opened.
    func current(at now: Date) -> (output: FrameOutput, opened: Bool)? {
        if let output { return (output, false) }
        if let retryAt, now < retryAt { return nil }
        do {
            let opened = try open()
            output = opened
            retryAt = nil
            lastError = nil
            logger.notice("showing \(profile.name) \(profile.width)×\(profile.height) on \(opened.description)")
            if let framebuffer = opened as? FramebufferOutput {
                for warning in framebuffer.warnings { logger.warning("\(warning)") }
            }
            state.update {
                $0.output = opened.description
                $0.error = nil
            }
            return (opened, true)
        } catch {
            failed(error, at: now)
            return nil
        }
    }

    /// The output failed: it is closed, counted and reported, and opened again in 5 s.
    func failed(_ error: OutputError, at now: Date) {
        metrics.outputErrors.increment()
        if lastError != error.message {
            logger.error("\(error.message); trying again every 5 s")
            lastError = error.message
        }
        state.update { $0.error = error.message }
        output = nil
        retryAt = now.addingTimeInterval(Self.retryInterval)
        state.dropFrame()
    }

    /// Closes the output: releasing it restores the console (fbdev) or the previous CRTC (DRM).
    func close() {
        if let deferred = output as? DeferredFrameOutput { try? deferred.flush() }
        output = nil
    }
}
