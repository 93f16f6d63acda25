import Foundation
@testable import OshiraseCore
import OshiraseDevices
import Synchronization
import Testing

/// The simulated thermometer: a scenario's bytes through a real pseudo-terminal, read back by
/// the GY-MCU90614 reader exactly as a USB serial adapter would be.
@Suite("Simulated thermometer", .timeLimit(.minutes(2)))
struct SimulatedThermometerTests {
    /// What the simulator reports, collected from its thread.
    final class Recorder: Sendable {
        private let events = Mutex<[SimulatorEvent]>([])
        func record(_ event: SimulatorEvent) { events.withLock { $0.append(event) } }
        var all: [SimulatorEvent] { events.withLock { $0 } }
    }

    /// Events until `done` says the collection is complete, or 10 s pass.
    func collect(_ iterator: inout AsyncStream<ThermometerEvent>.Iterator,
                 until done: ([ThermometerEvent]) -> Bool) async -> [ThermometerEvent] {
        // Generous: with the whole suite running on two cores the test's task may wait long for a thread.
        let deadline = Date().addingTimeInterval(90)
        var seen: [ThermometerEvent] = []
        while Date() < deadline, !done(seen) {
            guard let event = await iterator.next() else { break }
            seen.append(event)
        }
        return seen
    }

    /// Waits until `condition` holds, or 90 s pass: for what the simulator's thread reports.
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(90)
        while !condition(), Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return condition()
    }

    func readings(_ events: [ThermometerEvent]) -> [GYMCU90614Decoder.Frame] {
        events.compactMap { if case .reading(let r) = $0 { .init(object: r.object, ambient: r.ambient) } else { nil } }
    }

    /// The valid frames a scenario sends, in order.
    func validFrames(_ scenario: SensorScenario) -> [GYMCU90614Decoder.Frame] {
        ScenarioPerformer(scenario).compactMap {
            if case .frame(let object, let ambient, _, false) = $0.action { .init(object: object, ambient: ambient) } else { nil }
        }
    }

    @Test func bothFrameEncodersAgreeByteForByte() {
        var values: [Double] = [0, -0.005, 0.005, 36.125, 36.135, -12.345, 31.92, 33.53, 327.67, -327.68]
        values += stride(from: -40.0, through: 100.0, by: 0.37)
        for object in values {
            for ambient in [-40.0, -5.255, 0, 22.5, 33.53, 60] {
                #expect(ThermometerWire.frame(object: object, ambient: ambient) == GYMCU90614.frame(object: object, ambient: ambient),
                        "\(object) / \(ambient)")
            }
        }
    }

    @Test("Every valid frame reaches the reader in order; garbage and bad checksums are counted, never read")
    func validFramesArriveInOrderAndDamageIsCounted() async throws {
        let scenario = SensorScenario(name: "窓口", rate: 14, ambient: 22.0, noise: 0.05, seed: 4, steps: [
            .empty(seconds: 0.5), .visitor(celsius: 36.4, stand: 0.5), .garbage(bytes: 40), .badChecksum(frames: 3),
            .visitor(celsius: 37.8, stand: 0.5), .empty(seconds: 0.3),
        ])
        let recorder = Recorder()
        let folder = try TemporaryDirectory()
        let link = folder.path + "/ttyGY"
        let thermometer = SimulatedThermometer(scenario: scenario, linkPath: link, speed: 10, observer: recorder.record)
        let expected = validFrames(scenario)
        var events = thermometer.events().makeAsyncIterator()
        func lastErrors(_ seen: [ThermometerEvent]) -> (checksum: Int, skipped: Int)? {
            seen.compactMap { if case .errors(let checksum, let skipped) = $0 { (checksum: checksum, skipped: skipped) } else { nil } }.last
        }
        let seen = await collect(&events) { readings($0).count >= expected.count && (lastErrors($0)?.checksum ?? 0) >= 3 }

        #expect(seen.first == .connected(link))
        #expect(readings(seen) == expected)
        let errors = lastErrors(seen)
        #expect(errors?.checksum == 3, "three bad checksums: \(String(describing: errors))")
        #expect((errors?.skipped ?? 0) >= 40, "the stray bytes are skipped")
        #expect(recorder.all.contains(.garbage(count: 40)))
        let cleanFrames = { recorder.all.filter { if case .frame(_, _, false, _) = $0 { true } else { false } }.count }
        #expect(try await eventually { cleanFrames() == expected.count }, "the observer hears of every frame written")
    }

    @Test func whenItsReaderStopsTheSimulatorHasRemovedItsLinkAndFolder() async throws {
        let scenario = SensorScenario(name: "終わりなき列", rate: 14, steps: [.visitor(celsius: 36.5, stand: 60)])
        let thermometer = SimulatedThermometer(scenario: scenario)
        let folder = (thermometer.linkPath as NSString).deletingLastPathComponent
        let stream = thermometer.events()
        let readingsSeen = Mutex(0)
        let consumer = Task {
            for await event in stream {
                if case .reading = event { readingsSeen.withLock { $0 += 1 } }
            }
        }
        #expect(try await eventually { readingsSeen.withLock { $0 } >= 2 })
        #expect(FileManager.default.fileExists(atPath: thermometer.linkPath))
        // The consumer stops, as the daemon's sensor service does on SIGTERM: once that is done,
        // so is the tidy-up, and a process that exits at once leaves nothing in /tmp.
        consumer.cancel()
        await consumer.value
        #expect(!FileManager.default.fileExists(atPath: folder), "\(folder) is left behind")
    }

    @Test func aDisconnectIsSeenAndTheReaderComesBack() async throws {
        let scenario = SensorScenario(name: "抜き差し", rate: 14, steps: [
            .empty(seconds: 0.3), .disconnect(seconds: 1), .visitor(celsius: 36.6, stand: 0.3),
        ])
        let recorder = Recorder()
        let folder = try TemporaryDirectory()
        let link = folder.path + "/ttyGY"
        let thermometer = SimulatedThermometer(scenario: scenario, linkPath: link, speed: 10, observer: recorder.record)
        let expected = validFrames(scenario)
        var events = thermometer.events().makeAsyncIterator()
        let seen = await collect(&events) { readings($0).count >= expected.count }

        #expect(readings(seen) == expected, "no frame is lost to the unplug, and the scenario waits for the reader")
        let health = seen.filter { if case .reading = $0 { false } else { true } }
        let firstDisconnect = health.firstIndex { if case .disconnected = $0 { true } else { false } }
        let lastConnect = health.lastIndex(of: .connected(link))
        #expect(health.first == .connected(link))
        #expect(firstDisconnect.flatMap { down in lastConnect.map { down < $0 } } == true, "connected again after the unplug: \(health)")
        #expect(recorder.all.filter { $0 == .unplugged || $0 == .replugged } == [.unplugged, .replugged])
    }

    @Test("Through the pty the reader decodes exactly what the damaged bytes on the line carry")
    func corruptedBytesDecodeAsOnTheWire() async throws {
        let scenario = SensorScenario(name: "雑音", rate: 100, corruption: 0.05, seed: 21, steps: [
            .empty(seconds: 0.5), .visitor(celsius: 36.5, stand: 1), .garbage(bytes: 30), .empty(seconds: 0.5),
        ])
        var decoder = GYMCU90614Decoder()
        var expected: [GYMCU90614Decoder.Frame] = []
        var damaged = 0
        for timed in ScenarioPerformer(scenario) {
            switch timed.action {
            case .frame(_, _, let bytes, let corrupted):
                expected += decoder.feed(bytes)
                if corrupted { damaged += 1 }
            case .bytes(let bytes): expected += decoder.feed(bytes)
            case .unplug, .replug: break
            }
        }
        #expect(damaged > 10)
        let folder = try TemporaryDirectory()
        let thermometer = SimulatedThermometer(scenario: scenario, linkPath: folder.path + "/ttyGY", speed: 2)
        var events = thermometer.events().makeAsyncIterator()
        let seen = await collect(&events) { readings($0).count >= expected.count }
        #expect(readings(seen) == expected)
    }

    @Test func framesAreNeverEarlyAndKeepTheirRate() async throws {
        let scenario = SensorScenario(name: "時間", rate: 50, steps: [.empty(seconds: 0.6)])
        let recorder = Recorder()
        let thermometer = SimulatedThermometer(scenario: scenario, observer: recorder.record)
        var events = thermometer.events().makeAsyncIterator()
        _ = await collect(&events) { readings($0).count >= 30 }
        #expect(try await eventually { recorder.all.count == 30 })
        let times = recorder.all.compactMap { if case .frame(_, _, _, let t) = $0 { t } else { nil } }
        #expect(times.count == 30)
        guard let first = times.first, let last = times.last else { return }
        for (i, t) in times.enumerated() {
            // Measured from the first write, which may itself be late on a busy machine: allow that.
            #expect(t - first >= Double(i) / 50 - 0.05, "frame \(i) written \(t - first) s after the first")
        }
        #expect(last - first < 29.0 / 50 + 0.5, "no drift: \(last - first) s for 29 periods")
    }

    @Test func stoppingTheConsumerUnplugsAndRemovesTheLink() async throws {
        let thermometer = SimulatedThermometer(scenario: .random(seed: 3), speed: 5)
        let link = thermometer.linkPath
        var stream: AsyncStream<ThermometerEvent>? = thermometer.events()
        var events = stream?.makeAsyncIterator()
        var connected = false
        if var it = events {
            connected = await collect(&it) { $0.contains(.connected(link)) }.contains(.connected(link))
            events = it
        }
        #expect(connected)
        var info = stat()
        #expect(lstat(link, &info) == 0, "the link is there while the simulator plays")
        events = nil
        stream = nil
        _ = (events, stream)
        let deadline = Date().addingTimeInterval(90)
        while lstat(link, &info) == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(lstat(link, &info) != 0, "the link and its folder are gone once nobody listens")
        #expect(!FileManager.default.fileExists(atPath: (link as NSString).deletingLastPathComponent))
    }

    @Test func aFileInTheWayIsReportedNotReplaced() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path + "/ttyGY"
        try "設定ファイル".write(toFile: path, atomically: true, encoding: .utf8)
        let thermometer = SimulatedThermometer(scenario: .random(seed: 1), linkPath: path)
        var events = thermometer.events().makeAsyncIterator()
        let first = await events.next()
        guard case .disconnected(let message)? = first else {
            Issue.record("expected a disconnect, got \(String(describing: first))")
            return
        }
        #expect(message.contains(path) && message.contains("not a symlink"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "設定ファイル")
    }
}
