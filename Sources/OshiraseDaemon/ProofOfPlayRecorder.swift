package import Foundation
package import Logging
package import OshiraseCore
package import OshiraseStore
import Prometheus

/// Proof of play as the running daemon keeps it: a ``ProofOfPlayWriter`` whose losses and stalls
/// go to `/metrics` and to one log line each (metadata `component=proof-of-play`), never a line
/// per record. ``Daemon`` hands it finished showings and screening counts (docs/proof-of-play.md).
package final class ProofOfPlayRecorder: Sendable {
    /// Items that may wait in memory while the database cannot be written.
    package static let defaultCapacity = 4096

    private let writer: ProofOfPlayWriter
    private let metrics: DaemonMetrics

    /// Starts the writer thread on `store`.
    package init(store: StateStore, metrics: DaemonMetrics, logger: Logger, capacity: Int = defaultCapacity) {
        var logger = logger
        logger[metadataKey: "component"] = "proof-of-play"
        self.metrics = metrics
        writer = ProofOfPlayWriter(
            store: store, capacity: capacity,
            onError: { [logger] error in
                metrics.proofOfPlayLost.increment()
                logger.error("\(error)")
            },
            onStall: { [logger] error in
                metrics.proofOfPlayStalled.set(to: 1)
                logger.error("""
                    \(error); the screens keep playing, up to \(capacity) records wait in memory and the rest are counted \
                    in oshirase_proof_of_play_lost_total until the database can be written again
                    """)
            },
            onResume: { [logger] seconds, lost in
                metrics.proofOfPlayStalled.set(to: 0)
                logger.notice("writing again after \(Int(seconds.rounded())) s; \(lost) record(s) could not be kept meanwhile")
            })
    }

    /// Queues a finished showing; one that does not fit is counted as lost. Returns at once.
    @Sendable package func record(_ record: PlayRecord) {
        if !writer.enqueue(record) { metrics.proofOfPlayLost.increment() }
    }

    /// Queues one screening result for the hourly counts: its class and hour only, never the
    /// temperature. Returns at once.
    @Sendable package func countScreening(sensor: String, result: ScreeningResult, at time: Date) {
        if !writer.enqueue(screening: sensor, className: result.className, at: time) {
            metrics.proofOfPlayLost.increment()
        }
    }

    /// Writes what waits (as far as the database allows) and stops the writer thread.
    package func close() {
        writer.close()
    }
}
