/// One headless Chromium at a time in the test process: two at once on a 2-core machine, beside
/// daemons and brokers, made one miss its time limit (a browser run is not what any test
/// measures).
package actor HeadlessBrowser {
    package static let gate = HeadlessBrowser()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` when no other browser runs.
    package func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        }
        busy = true
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
