import CMosquitto
import Foundation
import Synchronization

/// One thread that drives any number of MQTT clients with `poll(2)`: libmosquitto's own loops
/// use `select(2)` and fail once a descriptor number reaches 1024, and a thread per client does
/// not scale to the simulator's thousands of boxes. Every libmosquitto call for a client happens
/// on this thread; other threads hand it commands through a queue and wake it through a pipe.
public final class MQTTLoop: Sendable {
    private enum Command {
        case start(MQTTClient)
        case publish(MQTTClient, MQTTOutgoing)
        case stop(MQTTClient, publishingWill: Bool)
        case shutdown
    }

    private let commands = Mutex<[Command]>([])
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let finished = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(true)

    /// Starts the thread, named `name` in `top -H`.
    public init(name: String = "mqtt") throws(MQTTError) {
        _ = MQTTLibrary.initialised
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw MQTTError("cannot make the MQTT loop's wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Stops every client still running (with its will, as a stopped box says it is offline) and
    /// ends the thread; waits for it, at most 5 s (the thread may be inside a host name lookup
    /// that takes longer; it ends after). Further calls return at once.
    public func shutdown() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        send(.shutdown)
        _ = finished.wait(timeout: .now() + 5)
    }

    func start(_ client: MQTTClient) { send(.start(client)) }
    func publish(_ message: MQTTOutgoing, by client: MQTTClient) { send(.publish(client, message)) }
    func stop(_ client: MQTTClient, publishingWill: Bool) { send(.stop(client, publishingWill: publishingWill)) }

    private func send(_ command: Command) {
        commands.withLock { $0.append(command) }
        var byte: UInt8 = 1
        // A full pipe already holds a wake-up: nothing to add.
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: The thread

    private func run() {
        var clients: [ObjectIdentifier: MQTTClient] = [:]
        var lastHousekeeping = ContinuousClock.now - .seconds(1)
        var pollSet: [pollfd] = []
        var polled: [MQTTClient] = []
        while true {
            var drain = [UInt8](repeating: 0, count: 256)
            while read(wakeRead, &drain, drain.count) > 0 {}
            for command in commands.withLock({ queue in defer { queue.removeAll() }; return queue }) {
                switch command {
                case .start(let client):
                    clients[ObjectIdentifier(client)] = client
                    client.begin()
                case .publish(let client, let message):
                    client.send(message)
                case .stop(let client, let will):
                    client.finish(publishingWill: will)
                    clients[ObjectIdentifier(client)] = nil
                case .shutdown:
                    for client in clients.values { client.finish(publishingWill: true) }
                    return
                }
            }

            let now = ContinuousClock.now
            // Keepalive pings and timeouts: every client every 100 ms is enough, and with
            // thousands of clients not every wake-up should visit them all.
            var nextWake = now + .milliseconds(100)
            if now - lastHousekeeping >= .milliseconds(100) {
                lastHousekeeping = now
                for client in clients.values {
                    if let due = client.housekeeping(now: now), due < nextWake { nextWake = due }
                }
            }

            pollSet.removeAll(keepingCapacity: true)
            polled.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            for client in clients.values {
                guard let events = client.pollEvents() else { continue }
                pollSet.append(pollfd(fd: events.fd, events: events.events, revents: 0))
                polled.append(client)
            }
            let timeout = max(0, min(1000, Int32((nextWake - ContinuousClock.now).milliseconds)))
            let ready = poll(&pollSet, nfds_t(pollSet.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                // Nothing the loop can do about a failing poll but wait and try again.
                usleep(10_000)
                continue
            }
            guard ready > 0 else { continue }
            for (index, client) in polled.enumerated() where pollSet[index + 1].revents != 0 {
                client.handle(revents: pollSet[index + 1].revents)
            }
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// libmosquitto's one-time set-up, run before the first client.
enum MQTTLibrary {
    static let initialised: Bool = mosquitto_lib_init() == MOSQ_ERR_SUCCESS.rawValue
}

/// A client or loop that cannot be made.
public struct MQTTError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
