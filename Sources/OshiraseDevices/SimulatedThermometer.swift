public import Foundation
public import OshiraseCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the simulator put on the line, reported just after each write: the benchmark times a
/// frame from here to the screen, and tests see what was meant.
public enum SimulatorEvent: Sendable, Equatable {
    /// A frame was written; `monotonic` is `monotonicSeconds()` just after the write.
    case frame(object: Double, ambient: Double, corrupted: Bool, monotonic: Double)
    /// Stray bytes were written.
    case garbage(count: Int)
    /// The device was unplugged: its link removed, then its pseudo-terminal closed.
    case unplugged
    /// The device was plugged in again (a new pseudo-terminal behind the same link).
    case replugged
}

/// The `simulated` thermometer backend (docs/sensors.md): plays a scenario as the GY-MCU90614's
/// bytes into a pseudo-terminal and reads them back with `GYMCU90614Thermometer`, so the serial
/// code path is the one exercised.
///
/// The simulated module behaves like the real one: it streams only once the reader has asked
/// for continuous output (`A5 45 EA`), and again after each replug; the scenario's clock waits
/// for that. An unplug closes the pseudo-terminal, so the reader sees the hang-up and reconnects
/// with its own backoff. When a scenario that does not repeat ends, the line stays quiet and the
/// kiosk goes offline, as with a module that stopped talking.
///
/// One consumer at a time: each `events()` plugs a new device in at `linkPath`.
public final class SimulatedThermometer: Thermometer {
    public let scenario: SensorScenario
    /// Where the symlink to the pseudo-terminal is, as udev names a USB adapter; the reader
    /// opens this path.
    package let linkPath: String
    /// Time scale: 2 plays the scenario twice as fast.
    package let speed: Double
    /// True when `linkPath` is in a folder made for this simulator, removed when it stops.
    private let ownsFolder: Bool
    private let observer: (@Sendable (SimulatorEvent) -> Void)?
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - linkPath: where to put the symlink to the pseudo-terminal; a fresh temporary folder
    ///     when nil. A symlink already there is replaced; any other file is left alone (and the
    ///     simulator reports it as disconnected).
    ///   - speed: time scale, above 1 faster (at least 0.01).
    ///   - observer: told about every write, on the simulator's thread.
    ///   - now: the clock that stamps readings.
    public init(scenario: SensorScenario, linkPath: String? = nil, speed: Double = 1,
                observer: (@Sendable (SimulatorEvent) -> Void)? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.scenario = scenario
        if let linkPath {
            self.linkPath = linkPath
            ownsFolder = false
        } else {
            self.linkPath = FileManager.default.temporaryDirectory
                .appendingPathComponent("oshirase-sim-\(UUID().uuidString)/ttyGY90614").path
            ownsFolder = true
        }
        self.speed = max(speed, 0.01)
        self.observer = observer
        self.now = now
    }

    public func events() -> AsyncStream<ThermometerEvent> {
        let (stream, continuation) = AsyncStream<ThermometerEvent>.makeStream(bufferingPolicy: .bufferingNewest(GYMCU90614Thermometer.bufferedEvents))
        let player = ScenarioPlayer(scenario: scenario, linkPath: linkPath, speed: speed, ownsFolder: ownsFolder,
                                    observer: observer)
        // Plugged in before the reader starts, so its first open finds the device.
        if let problem = player.plugIn() { continuation.yield(.disconnected(problem)) }
        let stopReader = GYMCU90614Thermometer(path: linkPath, now: now).start(into: continuation)
        continuation.onTermination = { _ in
            player.stop()
            stopReader()
            // The player notices within 50 ms; waiting for its tidy-up here means a daemon that
            // exits right after its services stop leaves no link or folder behind in /tmp.
            player.waitUntilFinished(seconds: 1)
        }
        let thread = Thread { player.run { continuation.yield($0) } }
        thread.name = "thermometer-sim"
        thread.start()
        return stream
    }
}

/// The simulated module on its own thread: owns the pseudo-terminal and writes the performance
/// to it on time.
///
/// `@unchecked Sendable`: `events()` plugs it in before starting its thread, and from then on
/// only that thread touches its state; `stop()` only sets an atomic flag.
private final class ScenarioPlayer: @unchecked Sendable {
    let linkPath: String
    let speed: Double
    let ownsFolder: Bool
    let observer: (@Sendable (SimulatorEvent) -> Void)?
    private var performer: ScenarioPerformer
    private let stopped = Atomic<Bool>(false)
    private var pty: PseudoTerminal?
    /// A descriptor of our own on the slave side: it shows how many bytes the reader has not
    /// read yet, and keeps the master from reporting a hang-up while the reader reconnects.
    private var monitor: Int32 = -1
    private var lastWrite = 0.0

    init(scenario: SensorScenario, linkPath: String, speed: Double, ownsFolder: Bool,
         observer: (@Sendable (SimulatorEvent) -> Void)?) {
        self.linkPath = linkPath
        self.speed = speed
        self.ownsFolder = ownsFolder
        self.observer = observer
        performer = ScenarioPerformer(scenario)
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Signalled once `run` has unplugged and removed its folder.
    private let finished = DispatchSemaphore(value: 0)

    /// Waits until `run` has tidied up, at most `seconds`.
    func waitUntilFinished(seconds: Double) {
        if finished.wait(timeout: .now() + seconds) == .success { finished.signal() }
    }
    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Plays until stopped, then unplugs and tidies up. `report` passes the simulator's own
    /// problems (no pseudo-terminal, the link path taken) to the consumer.
    func run(report: (ThermometerEvent) -> Void) {
        defer {
            unplug()
            if ownsFolder { rmdir((linkPath as NSString).deletingLastPathComponent) }
            finished.signal()
        }
        guard plugInPatiently(report: report), waitForCommand() else { return }
        // The real moment the scenario's time 0 happened; moved on while the reader reconnects,
        // so no part of the scenario is lost while nobody listens.
        var origin = monotonicSeconds()
        while let timed = performer.next() {
            // Sleeping until each action's own due time keeps the rate exact over hours.
            guard sleep(until: origin + timed.at / speed) else { return }
            switch timed.action {
            case .frame(let object, let ambient, let bytes, let corrupted):
                if send(bytes) {
                    observer?(.frame(object: object, ambient: ambient, corrupted: corrupted, monotonic: monotonicSeconds()))
                }
            case .bytes(let bytes):
                if send(bytes) { observer?(.garbage(count: bytes.count)) }
            case .unplug:
                drain()
                unplug()
                observer?(.unplugged)
            case .replug:
                guard plugInPatiently(report: report) else { return }
                observer?(.replugged)
                guard waitForCommand() else { return }
                origin = monotonicSeconds() - timed.at / speed
            }
        }
        // The scenario is over: a quiet line until the consumer stops.
        while !isStopped { usleep(50_000) }
    }

    // MARK: Plugging in and out

    /// Creates a pseudo-terminal and points the link at it; the problem when it cannot.
    func plugIn() -> String? {
        let terminal: PseudoTerminal
        do throws(SerialError) {
            terminal = try PseudoTerminal()
        } catch {
            return "simulated thermometer: \(error.message)"
        }
        let flags = fcntl(terminal.master, F_GETFL)
        // Non-blocking, so a reader that stopped reading can never stall the player.
        _ = fcntl(terminal.master, F_SETFL, flags | O_NONBLOCK)
        let folder = (linkPath as NSString).deletingLastPathComponent
        do throws(OutputError) {
            try POSIX.makeDirectories(folder)
        } catch {
            return "simulated thermometer: \(error.message)"
        }
        var info = stat()
        if lstat(linkPath, &info) == 0, info.st_mode & S_IFMT != S_IFLNK {
            return "simulated thermometer: \(linkPath) is taken by a file that is not a symlink; choose another link path"
        }
        // Made beside and renamed over, so the link always points at a whole device.
        let fresh = linkPath + ".new"
        unlink(fresh)
        guard symlink(terminal.slavePath, fresh) == 0 else {
            return "simulated thermometer: cannot create the link \(fresh): \(systemErrorText(errno))"
        }
        guard rename(fresh, linkPath) == 0 else {
            let problem = systemErrorText(errno)
            unlink(fresh)
            return "simulated thermometer: cannot create the link \(linkPath): \(problem)"
        }
        monitor = open(terminal.slavePath, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        pty = terminal
        return nil
    }

    /// Plugs in, trying again each second while it fails; false when stopped first.
    private func plugInPatiently(report: (ThermometerEvent) -> Void) -> Bool {
        var lastProblem: String?
        while pty == nil {
            if isStopped { return false }
            guard let problem = plugIn() else { break }
            if problem != lastProblem { report(.disconnected(problem)) }
            lastProblem = problem
            guard sleep(until: monotonicSeconds() + 1) else { return false }
        }
        return true
    }

    /// Removes the link, then closes the pseudo-terminal (the reader sees a hang-up). In that
    /// order, the reverse of a real unplug: the kernel gives a closed /dev/pts/N to the next
    /// terminal opened at once, and a link left pointing at it would let the reader reopen it and
    /// read someone else's bytes. Only our own link is removed.
    private func unplug() {
        if let pty, POSIX.symlinkTarget(linkPath) == pty.slavePath { unlink(linkPath) }
        if monitor >= 0 {
            close(monitor)
            monitor = -1
        }
        pty = nil
    }

    /// Waits until the reader has read what was written, at most 5 s: the bytes on the wire
    /// arrive before the plug comes out, and a hang-up would throw away what is unread. It ends
    /// as soon as the reader has read them; the bound is only for a reader that stopped reading.
    /// (Half a second was too short on a loaded machine: a flake hunt saw the last frame before
    /// an unplug lost.)
    private func drain() {
        let deadline = monotonicSeconds() + 5
        var emptySince: Double?
        while monotonicSeconds() < deadline, !isStopped {
            var unread: Int32 = 0
            guard monitor >= 0, ioctl(monitor, UInt(FIONREAD), &unread) == 0 else { return }
            // The kernel hands written bytes to the slave side a moment later (later still on a
            // busy machine), so the queue must stay empty for a while after the last write.
            let now = monotonicSeconds()
            if unread == 0 {
                let since = emptySince ?? now
                emptySince = since
                if now - since >= 0.05, now - lastWrite > 0.05 { return }
            } else {
                emptySince = nil
            }
            usleep(2_000)
        }
    }

    // MARK: The line

    /// Waits for the reader's continuous-output command; false when stopped first.
    private func waitForCommand() -> Bool {
        let command = GYMCU90614.continuousOutput
        var heard: [UInt8] = []
        while !isStopped {
            guard let pty else { return false }
            let started = monotonicSeconds()
            let bytes = pty.received(timeout: 0.05)
            if bytes.isEmpty {
                // Without a slave descriptor open, poll reports a hang-up at once: do not spin.
                if monotonicSeconds() - started < 0.01 { usleep(20_000) }
                continue
            }
            heard = Array((heard + bytes).suffix(64))
            if heard.count >= command.count,
               (0...(heard.count - command.count)).contains(where: { heard[$0..<($0 + command.count)].elementsEqual(command) }) {
                return true
            }
        }
        return false
    }

    /// Writes the bytes; false when they could not all go out (nobody reading, device gone). A
    /// failed write never stops the player.
    private func send(_ bytes: [UInt8]) -> Bool {
        guard let fd = pty?.master else { return false }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n > 0 {
                offset += n
                continue
            }
            let code = errno
            if n < 0, code == EINTR { continue }
            if n < 0, code == EAGAIN {
                // The line is full: a reader that keeps up never lets it fill, so wait a little,
                // then drop the rest as a real line would.
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&p, 1, 100) > 0 { continue }
            }
            return false
        }
        lastWrite = monotonicSeconds()
        return true
    }

    /// Sleeps until the monotonic time `due`, waking often enough to notice a stop; false when
    /// stopped.
    private func sleep(until due: Double) -> Bool {
        while !isStopped {
            let remaining = due - monotonicSeconds()
            if remaining <= 0 { return true }
            usleep(UInt32(min(remaining, 0.05) * 1_000_000))
        }
        return false
    }
}
