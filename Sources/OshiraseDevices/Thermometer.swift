package import Foundation
public import OshiraseCore
import Synchronization

/// What a thermometer says: readings, and how the device is doing. Numbers only, never images.
public enum ThermometerEvent: Sendable, Equatable {
    case reading(ThermometerReading)
    /// The device is open and continuous output was asked for (the path it was opened at).
    case connected(String)
    /// The device went away or cannot be opened; the reader keeps trying, with backoff.
    case disconnected(String)
    /// Running totals of damaged frames and stray bytes since the reader started.
    case errors(checksum: Int, skipped: Int)
}

/// A source of thermometer events (docs/sensors.md): the GY-MCU90614 on a serial line, or the
/// simulator speaking the same bytes through a pseudo-terminal.
public protocol Thermometer: Sendable {
    /// Events until the consuming task stops iterating.
    func events() -> AsyncStream<ThermometerEvent>
}

/// The GY-MCU90614 module on a serial line: asks for continuous output on open, decodes frames
/// (resynchronising after garbage), and reopens the device with backoff when it disappears.
/// Reads happen on a thread of its own, so nothing waits on the device but that thread.
package final class GYMCU90614Thermometer: Thermometer {
    package let path: String
    package let baud: Int
    private let now: @Sendable () -> Date
    /// Seconds between reopening attempts: 0.5, 1, 2, 4, then 8 s.
    static let backoff: [Double] = [0.5, 1, 2, 4, 8]
    /// Events kept while the consumer is busy (about 20 minutes at 14 frames a second, or 16 s
    /// of the simulator at 1000); beyond that the oldest go.
    package static let bufferedEvents = 16_384
    /// Seconds without a valid frame after which continuous output is asked for again.
    static let silenceBeforeAsking = 3.0

    package init(path: String, baud: Int = 9600, now: @escaping @Sendable () -> Date = { Date() }) {
        self.path = path
        self.baud = baud
        self.now = now
    }

    package func events() -> AsyncStream<ThermometerEvent> {
        let (stream, continuation) = AsyncStream<ThermometerEvent>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferedEvents))
        let stop = start(into: continuation)
        continuation.onTermination = { _ in stop() }
        return stream
    }

    /// Starts the reader's thread, which yields straight into `continuation` (no task in
    /// between: a busy cooperative pool must not delay a reading) and finishes it when stopped.
    /// Returns what stops it.
    func start(into continuation: AsyncStream<ThermometerEvent>.Continuation) -> @Sendable () -> Void {
        let stopped = Mutex(false)
        let (path, baud, now) = (self.path, self.baud, self.now)
        let thread = Thread {
            var attempt = 0
            var lastProblem: String?
            var counts = (checksum: 0, skipped: 0)
            func isStopped() -> Bool { stopped.withLock { $0 } }
            while !isStopped() {
                do throws(SerialError) {
                    let port = try SerialPort(path: path, baud: baud)
                    try port.write(GYMCU90614.continuousOutput)
                    continuation.yield(.connected(path))
                    lastProblem = nil
                    var decoder = GYMCU90614Decoder()
                    var reported = (checksum: 0, skipped: 0)
                    var lastFrame = monotonicSeconds()
                    while !isStopped() {
                        let bytes = try port.read(timeout: 0.2)
                        let frames = decoder.feed(bytes)
                        for frame in frames {
                            continuation.yield(.reading(ThermometerReading(object: frame.object, ambient: frame.ambient, time: now())))
                        }
                        if !frames.isEmpty {
                            // Only a device that delivers resets the backoff: an adapter that
                            // opens and then fails at once is retried ever more slowly.
                            attempt = 0
                            lastFrame = monotonicSeconds()
                        } else if monotonicSeconds() - lastFrame >= Self.silenceBeforeAsking {
                            // A module that browned out forgets continuous output: ask again.
                            try port.write(GYMCU90614.continuousOutput)
                            lastFrame = monotonicSeconds()
                        }
                        if (decoder.checksumErrors, decoder.skippedBytes) != reported {
                            let added = (decoder.checksumErrors - reported.checksum, decoder.skippedBytes - reported.skipped)
                            reported = (decoder.checksumErrors, decoder.skippedBytes)
                            counts = (counts.checksum + added.0, counts.skipped + added.1)
                            continuation.yield(.errors(checksum: counts.checksum, skipped: counts.skipped))
                        }
                    }
                } catch {
                    if lastProblem != error.message {
                        continuation.yield(.disconnected(error.message))
                        lastProblem = error.message
                    }
                    let wait = Self.backoff[min(attempt, Self.backoff.count - 1)]
                    attempt += 1
                    var waited = 0.0
                    while waited < wait && !isStopped() {
                        usleep(50_000)
                        waited += 0.05
                    }
                }
            }
            continuation.finish()
        }
        thread.name = "thermometer"
        thread.start()
        return { stopped.withLock { $0 = true } }
    }
}
