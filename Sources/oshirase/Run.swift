import ArgumentParser
import Foundation
import Logging
import OshiraseAPI
import OshiraseCommandLine
import OshiraseCore
import OshiraseDaemon
import OshiraseConfig
import OshiraseRender
import OshiraseStore
import ServiceLifecycle
import UnixSignals

/// The config file `run` and `report` read when `--config` is not given.
func defaultConfigPath() -> String {
    ProcessInfo.processInfo.environment["OSHIRASE_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/oshirase/config.yaml"
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the signage daemon: every configured display, playlist reloads, proof of play and the HTTP API.",
        discussion: "Stops cleanly on SIGTERM or SIGINT. Logs go to standard output (journald under systemd).")

    @Option(help: "The config file (default: $OSHIRASE_CONFIG, else /etc/oshirase/config.yaml).")
    var config: String?

    func run() async throws {
        try await runDaemon(configPath: config ?? defaultConfigPath())
    }
}

/// Loads the config and runs the daemon until SIGTERM/SIGINT. A config with errors prints each as
/// `FILE:LINE:COL: error: …` and exits 1 before anything starts.
/// `adjust` changes the loaded config before anything starts (the demo's own broker).
func runDaemon(configPath: String, port: Int? = nil, adjust: (inout SiteConfig) -> Void = { _ in },
               announce: (@Sendable (String) -> Void)? = nil) async throws {
    var config: SiteConfig
    do {
        var loader = SiteConfigLoader()
        loader.checkText = FontCoverage.problem(in:)
        config = try loader.load(path: configPath)
    } catch {
        for e in error.errors { printError(e.description) }
        printError("oshirase: error: \(configPath) has \(error.errors.count == 1 ? "an error" : "\(error.errors.count) errors"); the daemon did not start")
        throw ExitCode(1)
    }
    if let port { config.api.port = port }
    adjust(&config)
    let logger = daemonLogger()
    if !ProcessMemory.returnLargeBlocksWhenFreed() {
        logger.warning("malloc refused a fixed mmap threshold: frame-sized buffers may stay allocated after use")
    }
    let store: StateStore
    do {
        store = try StateStore(directory: config.stateDirectory)
    } catch {
        throw ValidationError("\(error); the daemon did not start")
    }
    let metrics = DaemonMetrics()
    let proof = ProofOfPlayRecorder(store: store, metrics: metrics, logger: logger)
    let daemon = Daemon(config: config, logger: logger, phraseModel: loadPhraseModel(), metrics: metrics,
                        record: proof.record,
                        proofQuery: Daemon.proofOfPlayQuery(store),
                        countScreening: proof.countScreening,
                        store: store)
    logger.notice("starting: \(config.displays.count) display(s), \(config.sensors.count) sensor(s), playlists in \(config.playlistsDirectory), state in \(config.stateDirectory)",
                  metadata: ["site": "\(config.site)"])
    daemon.loadPlaylists()
    let host = config.api.host.contains(":") ? "[\(config.api.host)]" : config.api.host
    let api = makeAPI(inspecting: daemon, config: config.api, logger: logger, onListening: { port in
        let url = "http://\(host):\(port)/"
        logger.notice("preview and API on \(url)")
        announce?(url)
    })
    let retention = ProofOfPlayRetention(store: store, days: config.proofOfPlayDays, logger: logger)
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(
        services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            + [ServiceGroupConfiguration.ServiceConfiguration(service: LowerPriorityService(api)),
               ServiceGroupConfiguration.ServiceConfiguration(service: retention)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
    do {
        try await group.run()
    } catch {
        proof.close()
        throw ValidationError("the daemon stopped: \(error)")
    }
    proof.close()
    logger.notice("stopped")
}

/// Log lines on standard output, one per event, for journald.
func daemonLogger() -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardOutput(label: label)
        handler.logLevel = ProcessInfo.processInfo.environment["OSHIRASE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return handler
    }
    return Logger(label: "oshirase")
}
