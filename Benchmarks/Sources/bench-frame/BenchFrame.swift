import ArgumentParser
import BenchSupport
import Foundation
import OshiraseCore
import OshiraseRender

/// `scripts/bench-render`'s warm frame: one scene drawn again and again into the renderer's
/// reusable surface, as a display's frame loop draws it, with nothing copied out.
@main
struct BenchFrame: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-frame", abstract: "Time warm in-process rendering of one scene (for scripts/bench-render).")

    @Argument(help: "The playlists of the scene (scripts/bench-render passes its card).") var playlists: [String]
    @Option(help: "The instant, ISO 8601 with an offset.") var at: String
    @Option(help: "A built-in display profile.") var display = "lcd-1080p"
    @Option(help: "Frames timed after five warm-up frames.") var iterations = 200

    func run() throws {
        guard let instant = Instant.parse(at) else {
            throw ValidationError("--at '\(at)' is not a time: use ISO 8601 with an offset, e.g. 2026-11-27T09:00:00+09:00")
        }
        guard let profile = DisplayProfile.named(display) else {
            throw ValidationError("unknown display profile '\(display)' (known: \(DisplayProfile.builtIn.map(\.name).joined(separator: ", ")))")
        }
        let engine = ScheduleEngine(playlists: try benchPlaylists(playlists), profile: profile.name)
        let scene = engine.scene(for: profile, at: instant)
        let renderer = Renderer(phraseModel: benchPhraseModel())
        func drawn() throws { try renderer.withFrame(scene) { _, _ in } }
        for _ in 0..<5 { try drawn() }
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<max(1, iterations) {
            let t = clock.measure { try? drawn() }
            times.append(Double(t.components.attoseconds) / 1e15 + Double(t.components.seconds) * 1000)
        }
        times.sort()
        let median = times[times.count / 2], p90 = times[min(times.count - 1, times.count * 9 / 10)]
        print(String(format: "warm_frame_ms median=%.2f p90=%.2f iterations=%d", median, p90, times.count))
    }
}
