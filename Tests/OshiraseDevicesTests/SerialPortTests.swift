import Foundation
import OshiraseDevices
import Testing

/// The serial path a real GY-MCU90614 uses, exercised through a pseudo-terminal.
@Suite("Serial port over a pseudo-terminal")
struct SerialPortTests {
    @Test func theModulesBytesArriveThroughTheSerialPathAndCommandsGoBack() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort(path: pty.slavePath, baud: 9600)
        try port.write(GYMCU90614.continuousOutput)
        #expect(pty.received(timeout: 5) == [0xA5, 0x45, 0xEA])

        pty.send([0x00, 0xFF] + GYMCU90614.frame(object: 36.4, ambient: 22.1) + GYMCU90614.frame(object: 36.5, ambient: 22.1))
        var decoder = GYMCU90614Decoder()
        var frames: [GYMCU90614Decoder.Frame] = []
        let deadline = Date().addingTimeInterval(10)
        while frames.count < 2 && Date() < deadline {
            frames += decoder.feed(try port.read(timeout: 0.5))
        }
        #expect(frames == [.init(object: 36.4, ambient: 22.1), .init(object: 36.5, ambient: 22.1)])
        #expect(decoder.skippedBytes == 2)
    }

    @Test func aBinaryFrameIsNotChangedByTerminalProcessing() throws {
        // Raw mode: 0x0D, 0x0A, 0x11 (XON) and 0x7F must pass untouched.
        let pty = try PseudoTerminal()
        let port = try SerialPort(path: pty.slavePath, baud: 115200)
        let bytes: [UInt8] = [0x0D, 0x0A, 0x11, 0x13, 0x7F, 0x03, 0x1A, 0x5A]
        pty.send(bytes)
        var got: [UInt8] = []
        let deadline = Date().addingTimeInterval(10)
        while got.count < bytes.count && Date() < deadline { got += try port.read(timeout: 0.5) }
        #expect(got == bytes)
    }

    @Test func aDeviceThatGoesAwayIsAnErrorAndAMissingOneSaysSo() throws {
        var pty: PseudoTerminal? = try PseudoTerminal()
        let path = try #require(pty?.slavePath)
        let port = try SerialPort(path: path, baud: 9600)
        pty = nil  // the "USB adapter" is unplugged: the master side closes
        let deadline = Date().addingTimeInterval(10)
        var failure: SerialError?
        while failure == nil && Date() < deadline {
            do { _ = try port.read(timeout: 0.5) } catch { failure = error }
        }
        #expect(failure?.code == EIO, "\(String(describing: failure))")
        #expect(throws: SerialError.self) { try SerialPort(path: "/dev/oshirase-no-such-tty", baud: 9600) }
        #expect(throws: SerialError.self) { try SerialPort(path: "/dev/null", baud: 9600) }
        // A path to nothing: the closed /dev/pts/N may already be another test's terminal.
        #expect(throws: SerialError.self) { try SerialPort(path: "/dev/oshirase-no-such-tty", baud: 12345) }
    }
}
