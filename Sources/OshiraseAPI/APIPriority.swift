import NIOPosix
import OshiraseDaemon
package import ServiceLifecycle
import NIOCore

/// How many nice steps the API's threads run below the frame loops.
private let apiNiceness: Int32 = 5

/// Runs the HTTP API below the frame loops in the kernel's eyes: the screens come first.
///
/// On a 2-core box, a client polling `/v1/status` thousands of times a second keeps both cores
/// busy. At equal priority the frame loops then got only their fair share and dropped frames
/// at every item change (docs/reliability.md). Here the API's Swift tasks (routing, JSON, alert
/// intake) run on a thread of their own, and NIO's event-loop threads (sockets, HTTP parsing)
/// are lowered too, by `niceness` steps each; the screenshot encoder sits lower still.
package struct LowerPriorityService<Wrapped: Service>: Service {
    /// How many nice steps the API's threads are below the frame loops.
    package static var niceness: Int32 { apiNiceness }

    private let wrapped: Wrapped
    private let name: String

    package init(_ wrapped: Wrapped, name: String = "http-api") {
        self.wrapped = wrapped
        self.name = name
    }

    package func run() async throws {
        let executor = ThreadExecutor(name: name, niceness: Self.niceness)
        defer { executor.shutdown() }
        _ = EventLoopThreads.lowered
        // Child tasks (one per connection) inherit the preference, so all of the server's
        // work runs on `executor`, except what it hands to other executors.
        try await withTaskExecutorPreference(executor) { try await wrapped.run() }
    }
}

/// The process's NIO event-loop threads (the group Hummingbird uses), lowered once however
/// many services start.
private enum EventLoopThreads {
    static let lowered: Void = {
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            loop.execute { ThreadExecutor.lowerCurrentThreadPriority(by: apiNiceness) }
        }
    }()
}
