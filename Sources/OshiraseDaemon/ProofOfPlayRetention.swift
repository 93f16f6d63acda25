package import Foundation
package import Logging
package import OshiraseCore
package import OshiraseStore
import ServiceLifecycle

/// Deletes proof-of-play records older than the configured number of days: at start, then once
/// a day, so a box that runs for years keeps a bounded database.
package final class ProofOfPlayRetention: Service, Sendable {
    private let store: StateStore
    private let days: Int
    private let clock: any WallClock
    private let logger: Logger

    package init(store: StateStore, days: Int, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.store = store
        self.days = days
        self.clock = clock
        self.logger = logger
    }

    /// Deletes what ended more than `days` days before `now`; returns how many records went.
    @discardableResult
    package func trim(now: Date) -> Int {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        var deleted = 0
        do {
            deleted = try store.deleteRecords(before: cutoff)
            if deleted > 0 {
                logger.notice("deleted \(deleted) records older than \(days) days", metadata: ["component": "proof-of-play"])
            }
        } catch {
            logger.error("could not delete records older than \(days) days: \(error)", metadata: ["component": "proof-of-play"])
        }
        // Alert messages and the push audit age out with the same setting: a flood of forged
        // pushes cannot grow the audit for ever.
        do {
            let messages = try store.deleteAlertMessages(receivedBefore: cutoff)
            let audit = try store.deleteAuditEntries(before: cutoff)
            if messages + audit > 0 {
                logger.notice("deleted \(messages) alert message(s) and \(audit) alert audit line(s) older than \(days) days",
                              metadata: ["component": "alerts"])
            }
        } catch {
            logger.error("could not delete alert messages older than \(days) days: \(error)", metadata: ["component": "alerts"])
        }
        return deleted
    }

    package func run() async throws {
        let clock = self.clock
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // The delete runs on a queue of its own: a large first trim must not hold up a
                // thread the HTTP server shares.
                let now = clock.now()
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global(qos: .utility).async {
                        self.trim(now: now)
                        c.resume()
                    }
                }
                try await clock.sleep(until: now.addingTimeInterval(86_400))
            }
        }
    }
}
