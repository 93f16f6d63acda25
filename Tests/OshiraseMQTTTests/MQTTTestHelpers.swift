import Foundation
import OshiraseMQTT
import Synchronization

/// Every event one client reported, in order, with waits for the one a test needs.
final class EventLog: Sendable {
    private let events = Mutex<[MQTTEvent]>([])

    var handler: @Sendable (MQTTEvent) -> Void { { [self] event in events.withLock { $0.append(event) } } }
    var all: [MQTTEvent] { events.withLock { $0 } }

    var messages: [MQTTMessage] {
        all.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }
    var connections: [MQTTConnection] {
        all.compactMap { if case .connected(let connection) = $0 { connection } else { nil } }
    }

    /// Waits until `check` finds what it looks for in the events so far.
    @discardableResult
    func wait<T>(_ what: String, timeout: Duration = .seconds(10), _ check: ([MQTTEvent]) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = check(all) { return found }
            guard ContinuousClock.now < deadline else {
                throw MQTTTestFailure("\(what) did not happen within \(timeout); events: \(all)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func waitForConnection(number: Int = 1, timeout: Duration = .seconds(10)) async throws -> MQTTConnection {
        try await wait("connection \(number)", timeout: timeout) { _ in
            let connections = self.connections
            return connections.count >= number ? connections[number - 1] : nil
        }
    }

    func waitForMessage(on topic: String, timeout: Duration = .seconds(10)) async throws -> MQTTMessage {
        try await wait("a message on \(topic)", timeout: timeout) { _ in self.messages.first { $0.topic == topic } }
    }
}

struct MQTTTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
