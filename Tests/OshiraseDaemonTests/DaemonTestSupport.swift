import Foundation
import Logging
import OshiraseAPI
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseStore
import OshiraseTestSupport
import Synchronization

/// An output that keeps a copy of every screen it was given, and what it was told about power.
final class RecordingOutput: FrameOutput {
    let screenWidth: Int
    let screenHeight: Int
    let pacesFrames = false
    var description: String { "recording \(screenWidth)×\(screenHeight)" }
    private(set) var screen: [UInt8]
    private(set) var frames: [Bitmap] = []
    private(set) var changedRows: [Range<Int>?] = []
    private(set) var powerCalls: [Bool] = []
    var failNextPresent: OutputError?

    init(width: Int, height: Int) {
        screenWidth = width
        screenHeight = height
        screen = [UInt8](repeating: 0, count: width * height * 4)
    }

    func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) throws(OutputError) {
        if let failure = failNextPresent {
            failNextPresent = nil
            throw failure
        }
        for y in 0..<frame.height where origin.y + y < screenHeight {
            let rowBytes = min(frame.width, screenWidth - origin.x) * 4
            screen.withUnsafeMutableBytes { dst in
                let d = dst.baseAddress! + ((origin.y + y) * screenWidth + origin.x) * 4
                d.copyMemory(from: frame.base + y * frame.stride, byteCount: rowBytes)
            }
        }
        frames.append(Bitmap(width: screenWidth, height: screenHeight, stride: screenWidth * 4, pixels: screen))
        self.changedRows.append(changedRows)
    }

    func setPower(on: Bool) throws(OutputError) {
        powerCalls.append(on)
    }
}

/// A playlists folder in a temporary directory.
final class PlaylistFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-daemon-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ yaml: String) throws {
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: (path as NSString).appendingPathComponent(name)))
    }
    func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: (path as NSString).appendingPathComponent(name))
    }
}

/// 2026-11-27 (Friday) at a JST wall-clock time.
func jst(_ hour: Int, _ minute: Int, _ second: Double = 0, day: Int = 27) -> Date {
    let c = DateComponents(timeZone: .tokyo, year: 2026, month: 11, day: day, hour: hour, minute: minute)
    return Calendar.gregorian(in: .tokyo).date(from: c)!.addingTimeInterval(second)
}

/// Collects proof-of-play records.
final class RecordSink: Sendable {
    private let records = Mutex<[PlayRecord]>([])
    var all: [PlayRecord] { records.withLock { $0 } }
    func add(_ r: PlayRecord) { records.withLock { $0.append(r) } }
}

let quietLogger: Logger = {
    var l = Logger(label: "test")
    l.logLevel = .critical
    return l
}()

/// One display loop on a manual clock, stepped by the test.
final class LoopHarness {
    let folder: PlaylistFolder
    let clock: ManualClock
    let library: PlaylistLibrary
    let output: RecordingOutput
    let state: DisplayState
    let sink = RecordSink()
    let loop: DisplayLoop
    let config: DisplayConfig

    init(folder: PlaylistFolder, display: DisplayConfig, at start: Date, notBefore: Date = jst(0, 0, day: 1),
         sensor: SensorState? = nil, alerts: ((ManualClock) -> AlertCenter)? = nil) {
        self.folder = folder
        config = display
        clock = ManualClock(start)
        library = PlaylistLibrary(directory: folder.path, profiles: builtInProfileNames, clock: clock, logger: quietLogger,
                                  deletionGrace: 0)
        library.rescan()
        let output = RecordingOutput(width: display.profile.width + display.region.x,
                                     height: display.profile.height + display.region.y)
        self.output = output
        let sink = self.sink
        let context = DisplayContext(site: "札幌市役所 本庁舎", timeZone: .tokyo, clockNotBefore: notBefore,
                                     library: library, clock: clock, phraseModel: nil, logger: quietLogger,
                                     record: { sink.add($0) }, alerts: alerts?(clock))
        state = DisplayState(status: DisplayStatus(name: display.name, profile: display.profile.name, output: "test",
                                                   width: display.profile.width, height: display.profile.height,
                                                   powered: true, items: [:], framesPresented: 0, frameRate: 0,
                                                   configuredFrameRate: display.fps))
        loop = DisplayLoop(config: display, context: context, state: state, metrics: DaemonMetrics().display(display.name),
                           wakeup: Wakeup(), openOutput: { () throws(OutputError) -> FrameOutput in output }, sensor: sensor)
    }

    /// Steps the loop at the current time; returns the deadline it asked for.
    @discardableResult
    func step() -> Date { loop.step() }

    /// Steps at every deadline the loop asks for until `time`.
    func run(until time: Date, maxSteps: Int = 100_000) {
        var next = step()
        var steps = 0
        while next <= time && steps < maxSteps {
            clock.set(max(next, clock.now()))
            next = step()
            steps += 1
        }
        clock.set(time)
    }
}

func announcementPlaylist(_ items: [(id: String, title: String, duration: Int)], layout: String = "full",
                          extra: String = "") -> String {
    var yaml = "name: 本庁舎1階ロビー\nlayout: \(layout)\nitems:\n"
    for i in items {
        yaml += "  - id: \(i.id)\n    duration: \(i.duration)s\n    announcement:\n      category: info\n      title: \(i.title)\n      body: 本日は市役所にお越しいただきありがとうございます。\n"
    }
    return yaml + extra
}

extension Bitmap {
    /// Fraction of pixels that are pure black.
    var blackFraction: Double {
        var black = 0
        for i in Swift.stride(from: 0, to: pixels.count, by: 4) where pixels[i] == 0 && pixels[i + 1] == 0 && pixels[i + 2] == 0 {
            black += 1
        }
        return Double(black) / Double(width * height)
    }

    /// Mean of the R, G and B bytes over the whole picture.
    var meanLevel: Double {
        var sum = 0
        for i in Swift.stride(from: 0, to: pixels.count, by: 4) { sum += Int(pixels[i]) + Int(pixels[i + 1]) + Int(pixels[i + 2]) }
        return Double(sum) / Double(width * height * 3)
    }

    /// Fraction of pixels whose channels differ from `other`'s by more than `tolerance`.
    func differingFraction(from other: Bitmap, tolerance: Int = 8) -> Double {
        precondition(width == other.width && height == other.height)
        var differing = 0
        for y in 0..<height {
            for x in 0..<width {
                let a = y * stride + x * 4, b = y * other.stride + x * 4
                if abs(Int(pixels[a]) - Int(other.pixels[b])) > tolerance
                    || abs(Int(pixels[a + 1]) - Int(other.pixels[b + 1])) > tolerance
                    || abs(Int(pixels[a + 2]) - Int(other.pixels[b + 2])) > tolerance {
                    differing += 1
                }
            }
        }
        return Double(differing) / Double(width * height)
    }

    /// A copy of rows `rows`.
    func rows(_ rows: Range<Int>) -> Bitmap {
        Bitmap(width: width, height: rows.count, stride: stride, pixels: Array(pixels[(rows.lowerBound * stride)..<(rows.upperBound * stride)]))
    }
}

/// How long a test waits for something another thread does. Generous: with the whole suite
/// running in parallel on two cores, tests that wait for child processes can hold the shared
/// threads for many seconds.
let patience: Double = 90

/// Polls `condition` every 5 ms until it holds or `patience` runs out.
func eventually(_ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(patience)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return false
}

/// An outcome as the API answers it, so tests read the status and JSON fields a sender sees.
extension AlertIntakeOutcome {
    var status: Int { PushAnswer(self).status }
    var fields: [String: String] { PushAnswer(self).fields }
}
