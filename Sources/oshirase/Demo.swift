import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseCore
import OshiraseConfig
import OshiraseImaging
import OshiraseMQTT
import OshiraseRender

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon on the demo config: the sample playlists on all three profiles, simulated visitors at the kiosk's thermometer, and the live preview on http://127.0.0.1:8080/.",
        discussion: """
            With --out or --at, renders frames instead and exits: every sample playlist for every profile it \
            serves, the frame at the instant, then one frame per item of the loop playing then.
            """)

    @Option(help: "The demo config (default: docs/config/demo.yaml, found from the working folder or the binary).")
    var config: String?

    @Option(help: "The preview's port (default: the config's, 8080).")
    var port: Int?

    @Option(help: ArgumentHelp("A broker on this machine (mqtt://127.0.0.1:PORT) the demo box dials out to as 'demo-box', for the fleet page (scripts/demo starts one).", valueName: "URL"))
    var broker: String?

    @Option(help: "Frames mode: the folder of sample playlists.")
    var playlists = "playlists"

    @Option(help: "Frames mode: where the PNG files go.")
    var out: String?

    @Option(help: "Frames mode: the instant to render, ISO 8601 with offset (default: now).")
    var at: String?

    func run() async throws {
        if out != nil || at != nil {
            try renderFrames(out: out ?? "out/demo")
            return
        }
        guard let path = config ?? Demo.findDemoConfig() else {
            throw ValidationError("cannot find docs/config/demo.yaml; run from the repository or pass --config FILE")
        }
        let fleetBroker = try broker.map { text in
            let endpoint: MQTTEndpoint
            do { endpoint = try MQTTEndpoint.parse(text) } catch { throw ValidationError("--broker \(error)") }
            // The demo box has no certificates: a broker on this machine without TLS only.
            guard !endpoint.usesTLS else { throw ValidationError("--broker '\(text)': the demo takes mqtt:// on a loopback address only") }
            return endpoint
        }
        try await runDaemon(configPath: path, port: port, adjust: { config in
            // The demo box: one broker, its id, a short keepalive so the page sees it go at once.
            guard let fleetBroker else { return }
            var fleet = FleetConfig(brokers: [fleetBroker], id: "demo-box")
            fleet.keepalive = 10
            config.fleet = fleet
        }, announce: { url in
            _ = writeAll(Array("Oshirase demo: open \(url) to watch every display. Ctrl-C stops it.\n".utf8), to: STDOUT_FILENO)
        })
    }

    /// docs/config/demo.yaml under the working folder or above the binary (.build/release/oshirase).
    static func findDemoConfig() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.map { ($0 as NSString).appendingPathComponent("docs/config/demo.yaml") }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    private func renderFrames(out: String) throws {
        let instant = try at.map { try parseInstant($0, option: "--at") } ?? Date()
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: playlists)) ?? [])
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }.sorted()
        guard !files.isEmpty else { throw ValidationError("no playlists (*.yaml) in \(playlists)") }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // Paths are printed absolute, so they can be opened from wherever the demo was started.
        let out = URL(fileURLWithPath: out).standardizedFileURL.path
        let loaded = try loadPlaylists(files.map { "\(playlists)/\($0)" })
        let renderer = Renderer(phraseModel: loadPhraseModel())
        var written = 0
        for playlist in loaded {
            let base = ((playlist.path as NSString).lastPathComponent as NSString).deletingPathExtension
            for profile in DisplayProfile.builtIn where playlist.serves(profile: profile.name) {
                let engine = ScheduleEngine(playlists: [playlist], profile: profile.name)
                // The instant itself, then each slot of the main zone's loop from there on, a
                // second into it (so a ticker has started to move).
                var frames: [(name: String, at: Date)] = [("", instant)]
                let loop = engine.rotations(in: .main, from: instant, to: instant.addingTimeInterval(86_400)).first
                let cycle = loop?.entries.reduce(0) { $0 + $1.item.duration } ?? 0
                if cycle > 0 {
                    var seen = Set<String>()
                    for slot in engine.timeline(in: .main, from: instant, to: instant.addingTimeInterval(Double(cycle) + 1)) {
                        guard let id = slot.entry?.item.id, slot.end.timeIntervalSince(slot.start) > 1,
                              seen.insert(id).inserted else { continue }
                        frames.append(("-" + id, slot.start.addingTimeInterval(1)))
                    }
                }
                for frame in frames {
                    let path = "\(out)/\(base)-\(profile.name)\(frame.name).png"
                    try renderer.withFrame(engine.scene(for: profile, at: frame.at)) { pixels, problems in
                        for problem in problems { printError("oshirase: warning: \(problem)") }
                        try ImageEncoder.write(pixels, toPath: path)
                    }
                    print("\(path)  \(profile.width)×\(profile.height)  \(formatInstant(frame.at, in: engine.timeZone))")
                    written += 1
                }
            }
        }
        print("\(written) frames at \(formatInstant(instant, in: loaded.first?.timeZone ?? .tokyo)) in \(out)/")
    }
}
