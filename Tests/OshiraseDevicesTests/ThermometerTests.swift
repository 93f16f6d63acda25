import Foundation
import OshiraseCore
import OshiraseDevices
import Testing

/// The GY-MCU90614 reader on the serial path, fed by a pseudo-terminal behind a symlink (as udev
/// gives a USB adapter a stable name), unplugged and plugged in again.
@Suite("GY-MCU90614 thermometer", .timeLimit(.minutes(2)))
struct ThermometerTests {
    /// The next event, or nil after 90 s (generous: the suite shares two cores).
    func next(_ iterator: inout AsyncStream<ThermometerEvent>.Iterator, where match: (ThermometerEvent) -> Bool) async -> ThermometerEvent? {
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            guard let event = await iterator.next() else { return nil }
            if match(event) { return event }
        }
        return nil
    }

    @Test func readingsArriveAndTheReaderComesBackAfterAnUnplug() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-tty-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let link = folder + "/ttyGY"
        var pty: PseudoTerminal? = try PseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try #require(pty?.slavePath))

        let thermometer = GYMCU90614Thermometer(path: link)
        var events = thermometer.events().makeAsyncIterator()
        #expect(await next(&events) { $0 == .connected(link) } != nil)
        #expect(isOnlyContinuousOutputCommands(pty?.received(timeout: 5) ?? []), "continuous output is asked for on open")

        var bad = GYMCU90614.frame(object: 39.0, ambient: 22.0)
        bad[8] &+= 1
        pty?.send(bad + GYMCU90614.frame(object: 36.4, ambient: 22.0))
        // The reading and the count of the damaged frame, in either order: a read that returns
        // the damaged frame alone reports the error before the good frame has arrived.
        var readings: [ThermometerReading] = []
        var checksumErrors = 0
        let deadline = Date().addingTimeInterval(90)
        while (readings.isEmpty || checksumErrors < 1) && Date() < deadline, let event = await events.next() {
            if case .reading(let r) = event { readings.append(r) }
            if case .errors(let checksum, _) = event { checksumErrors = checksum }
        }
        #expect(readings.map(\.object) == [36.4] && readings.map(\.ambient) == [22.0],
                "the damaged frame is dropped, the good one behind it kept: \(readings)")
        #expect(checksumErrors >= 1)

        // The link goes before the pseudo-terminal closes, the reverse of a real unplug: the
        // kernel gives a closed /dev/pts/N to the next terminal opened at once, and a link left
        // pointing at it let the reader reopen it as another test's terminal and read that test's
        // frames (seen in a flake hunt).
        try FileManager.default.removeItem(atPath: link)
        pty = nil
        #expect(await next(&events) { if case .disconnected = $0 { return true } else { return false } } != nil)

        let replugged = try PseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: replugged.slavePath)
        #expect(await next(&events) { $0 == .connected(link) } != nil, "reopened after the backoff")
        // Asked again every 3 s of silence: a slow test may see the command more than once.
        #expect(isOnlyContinuousOutputCommands(replugged.received(timeout: 5)))
        replugged.send(GYMCU90614.frame(object: 36.6, ambient: 21.5))
        let again = await next(&events) { if case .reading = $0 { return true } else { return false } }
        #expect(again.map { if case .reading(let r) = $0 { return r.object == 36.6 } else { return false } } == true,
                "the frame sent after the replug: \(String(describing: again))")
    }
}

@Suite("GY-MCU90614 thermometer: a silent module", .timeLimit(.minutes(2)))
struct SilentModuleTests {
    @Test func aModuleThatFallsSilentIsAskedForContinuousOutputAgain() async throws {
        let pty = try PseudoTerminal()
        let thermometer = GYMCU90614Thermometer(path: pty.slavePath)
        var events = thermometer.events().makeAsyncIterator()
        #expect(await events.next() == .connected(pty.slavePath))
        // Asked at once, then again after every 3 s of silence: a test slowed down by a loaded
        // machine may read the command twice before its first frame (seen in a flake hunt).
        #expect(isOnlyContinuousOutputCommands(pty.received(timeout: 5)))
        pty.send(GYMCU90614.frame(object: 24.0, ambient: 22.0))
        guard case .reading? = await events.next() else {
            Issue.record("no reading")
            return
        }
        // Then nothing, as from a module that browned out and forgot it was streaming.
        var asked: [UInt8] = []
        let deadline = Date().addingTimeInterval(10)
        while asked.count < 3, Date() < deadline { asked += pty.received(timeout: 1) }
        // Asked again every 3 s of silence: a test thread held up for over 3 s (a loaded
        // machine) sees the command twice in one read.
        #expect(isOnlyContinuousOutputCommands(asked), "asked again after 3 s of silence: \(asked)")
    }
}

/// True for one or more `A5 45 EA` commands and nothing else.
func isOnlyContinuousOutputCommands(_ bytes: [UInt8]) -> Bool {
    !bytes.isEmpty && bytes.count % 3 == 0
        && stride(from: 0, to: bytes.count, by: 3).allSatisfy { Array(bytes[$0..<($0 + 3)]) == GYMCU90614.continuousOutput }
}
