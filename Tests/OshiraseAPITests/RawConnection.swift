import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to 127.0.0.1 that sends whatever bytes a test gives, however broken,
/// and reads what comes back: what a misbehaving client does, which no HTTP client library will.
/// Blocking calls run on a thread of their own, never on one the test server's tasks need.
final class RawConnection: @unchecked Sendable {
    // @unchecked: the descriptor is used by one thread at a time (each call waits for its thread).
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawConnectionError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RawConnectionError("connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    deinit { close(fd) }

    /// Sends `bytes`; a peer that has closed makes this return false rather than fail the test.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        await onThread {
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(self.fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }
                sent += n
            }
            return true
        }
    }

    @discardableResult
    func send(_ text: String) async -> Bool { await send(Array(text.utf8)) }

    /// Sends FIN: the client will send nothing more.
    func shutdownWriting() { shutdown(fd, Int32(SHUT_WR)) }

    /// Everything the peer sends until it closes, or until `timeout` passes; and whether it closed.
    func readToEnd(timeout: Duration) async -> (bytes: [UInt8], closed: Bool) {
        await onThread {
            let deadline = ContinuousClock.now + timeout
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return (received, false) }
                var descriptor = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(min(1000, max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
                if poll(&descriptor, 1, milliseconds) <= 0 { continue }
                let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { return (received, true) }  // closed, or reset
                received += buffer[0..<n]
            }
        }
    }

    /// The status code and body of the answer read until the peer closes (or `timeout`).
    func answer(timeout: Duration = .seconds(10)) async -> (status: Int?, body: String, closed: Bool) {
        let (bytes, closed) = await readToEnd(timeout: timeout)
        let text = String(decoding: bytes, as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (text.hasPrefix("HTTP/1.1 ") ? status : nil, body, closed)
    }

    private func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}

struct RawConnectionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
