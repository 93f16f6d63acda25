import CLinuxDevices
package import Glibc
import OshiraseCore

/// Why a serial device could not be opened, configured or read; the message names the device.
package struct SerialError: Error, Sendable, Equatable, CustomStringConvertible {
    package let message: String
    /// The errno behind it (ENOENT: unplugged; EIO or a hang-up: gone while open).
    package let code: Int32
    package init(_ message: String, code: Int32 = 0) {
        self.message = message
        self.code = code
    }
    package var description: String { message }
}

/// A serial line in raw 8N1 mode (termios), read with a timeout so its reader never blocks for
/// long. One thread uses it at a time.
package final class SerialPort {
    package let path: String
    private var fd: Int32

    /// Baud rates the thermometer modules use.
    package static let supportedBauds: [Int: speed_t] = [9600: speed_t(B9600), 19200: speed_t(B19200),
                                                        38400: speed_t(B38400), 57600: speed_t(B57600),
                                                        115200: speed_t(B115200)]

    package init(path: String, baud: Int) throws(SerialError) {
        guard let speed = Self.supportedBauds[baud] else {
            throw SerialError("\(path): unsupported baud rate \(baud) (use 9600 or 115200)")
        }
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let hint = code == EACCES ? " (add the service's user to the dialout group)" : ""
            throw SerialError("cannot open \(path): \(systemErrorText(code))\(hint)", code: code)
        }
        var tio = termios()
        guard tcgetattr(fd, &tio) == 0 else {
            let code = errno
            close(fd)
            throw SerialError("\(path) is not a serial device: \(systemErrorText(code))", code: code)
        }
        cfmakeraw(&tio)
        // No flow control of any kind: the module has no RTS/CTS wires, and a flag left on by
        // another program would hold every write back.
        tio.c_cflag &= ~tcflag_t(CRTSCTS)
        tio.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
        tio.c_cflag &= ~tcflag_t(PARENB | CSTOPB | CSIZE)
        tio.c_cflag |= tcflag_t(CS8)
        cfsetispeed(&tio, speed)
        cfsetospeed(&tio, speed)
        guard tcsetattr(fd, TCSANOW, &tio) == 0 else {
            let code = errno
            close(fd)
            throw SerialError("cannot set \(path) to \(baud) 8N1: \(systemErrorText(code))", code: code)
        }
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Writes all of `bytes`, giving up after a second in which the line takes nothing.
    package func write(_ bytes: [UInt8]) throws(SerialError) {
        if let code = POSIX.writeAll(bytes, to: fd, timeout: 1) {
            throw SerialError("writing to \(path) failed: \(systemErrorText(code))", code: code)
        }
    }

    /// Waits up to `timeout` seconds for bytes and returns what came (empty on timeout). Throws
    /// when the device is gone (hang-up, EIO).
    package func read(timeout: Double) throws(SerialError) -> [UInt8] {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(max(0, timeout * 1000)))
        if ready < 0 {
            if errno == EINTR { return [] }
            throw SerialError("waiting for \(path) failed: \(systemErrorText(errno))", code: errno)
        }
        if ready == 0 { return [] }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 { return Array(buffer[0..<n]) }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return [] }
        if p.revents & Int16(POLLHUP | POLLERR) != 0 || n == 0 || n < 0 {
            let code = n < 0 ? errno : EIO
            throw SerialError("\(path) went away: \(systemErrorText(code))", code: code)
        }
        return []
    }
}

/// A pseudo-terminal pair: the kernel's stand-in for a serial thermometer. The simulator writes
/// the module's bytes to `master`; the reader opens `slavePath` as it would /dev/ttyUSB0.
package final class PseudoTerminal {
    package let master: Int32
    package let slavePath: String

    package init() throws(SerialError) {
        let fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw SerialError("cannot open a pseudo-terminal (/dev/ptmx): \(systemErrorText(errno))", code: errno) }
        var number: UInt32 = 0
        guard oshirase_pty_unlock(fd) == 0, oshirase_pty_number(fd, &number) == 0 else {
            let code = errno
            close(fd)
            throw SerialError("cannot unlock a pseudo-terminal: \(systemErrorText(code))", code: code)
        }
        let name = "/dev/pts/\(number)"
        master = fd
        slavePath = name
    }

    /// Writes bytes as the device would send them.
    package func send(_ bytes: [UInt8]) {
        _ = POSIX.writeAll(bytes, to: master)
    }

    /// Reads what the host sent to the device (commands), waiting up to `timeout` seconds.
    package func received(timeout: Double) -> [UInt8] {
        var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    deinit { close(master) }
}
