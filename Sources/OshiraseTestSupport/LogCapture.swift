package import Logging
import Synchronization

/// Log lines kept in memory, each with the metadata it carried (the logger's and the call's), so
/// a test can check what a service said and with which context (`component`, `display`, `file`…).
package final class LogCapture: Sendable {
    /// One log call.
    package struct Line: Sendable {
        package let level: Logger.Level
        package let message: String
        package let metadata: [String: String]
    }

    private let kept = Mutex<[Line]>([])

    package init() {}

    /// Every line so far, oldest first.
    package var lines: [Line] { kept.withLock { $0 } }

    /// A logger at trace level whose lines this capture keeps.
    package var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    fileprivate func keep(_ line: Line) {
        kept.withLock { $0.append(line) }
    }

    /// A value, as swift-log expects: each logger copy keeps its own metadata.
    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, call in call }
            capture.keep(Line(level: event.level, message: "\(event.message)",
                              metadata: merged.mapValues { "\($0)" }))
        }
    }
}
