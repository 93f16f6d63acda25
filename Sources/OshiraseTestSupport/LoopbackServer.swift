package import Hummingbird
import Logging
import OshiraseDaemon
import ServiceLifecycle

/// A test server did not start, or did not stop in time.
package struct LoopbackServerFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Runs the application `makeApp` builds (handing it the callback that reports the bound port) in
/// a service group for the length of `body`, then stops it by graceful shutdown and waits until it
/// has stopped, whether `body` returned or threw.
///
/// Never by cancelling its task: a connection accepted while the serving task is cancelled is
/// dropped before anything finishes its writer, and swift-nio then traps ("Deinited
/// NIOAsyncWriter without calling finish()", apple/swift-nio#3481). Graceful shutdown closes the
/// listener and lets every accepted connection end its request first.
///
/// The server's tasks run on a thread of their own: tests that block a thread (waiting for a
/// child process, a libcurl transfer) must not starve the server of the two cooperative threads a
/// 2-core machine has, or its answers arrive late and the test fails for no fault of the code.
///
/// - Parameter shutdownLimit: how long graceful shutdown may take (a client holding a request
///   open); past it the group cancels the server and this throws, naming the limit.
package func withLoopbackServer<App: ApplicationProtocol, T: Sendable>(
    shutdownLimit: Duration = .seconds(20),
    _ makeApp: (@escaping @Sendable (Int) async -> Void) throws -> App,
    _ body: (Int) async throws -> T
) async throws -> T {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = try makeApp { port in
        portContinuation.yield(port)
        portContinuation.finish()
    }
    var logger = Logger(label: "test-server-group")
    logger.logLevel = .critical
    var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
    configuration.maximumGracefulShutdownDuration = shutdownLimit
    let group = ServiceGroup(configuration: configuration)
    let executor = ThreadExecutor(name: "test-server")
    defer { executor.shutdown() }
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask(executorPreference: executor) {
            // Stopped (or failed to bind) before it listened: no port will come.
            defer { portContinuation.finish() }
            try await group.run()
        }
        let outcome: Result<T, any Error>
        var iterator = ports.makeAsyncIterator()
        if let port = await iterator.next() {
            do {
                outcome = .success(try await body(port))
            } catch {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(LoopbackServerFailure("the test server did not start listening"))
        }
        await group.triggerGracefulShutdown()
        // Wait here: leaving the task group by a throw would cancel the server instead.
        do {
            try await tasks.waitForAll()
        } catch {
            if case .failure(let bodyError) = outcome { throw bodyError }
            throw LoopbackServerFailure("the test server did not stop within \(shutdownLimit) of graceful shutdown: \(error)")
        }
        return try outcome.get()
    }
}
