import ArgumentParser
import Foundation
import OshiraseCore
import OshiraseImaging
import OshiraseRender

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the exact frame a display shows at an instant, as PNG or JPEG.")

    @Argument(help: "Playlist files; several merge per zone in file-name order.")
    var playlists: [String]

    @Option(help: "The instant, ISO 8601 with offset, e.g. 2026-11-27T09:00:00+09:00.")
    var at: String

    @Option(help: "Display profile: lcd-1080p, dsign-clean or led-vision.")
    var display = "lcd-1080p"

    @Option(help: "Output file; .png, .jpg or .jpeg.")
    var output = "frame.png"

    @Option(help: "A CAP 1.2 alert to show (not supported yet).")
    var alert: [String] = []

    @Option(help: "A thermometer reading to show on the kiosk panel, in °C (not supported yet).")
    var temperature: Double?

    func validate() throws {
        if playlists.isEmpty { throw ValidationError("give at least one playlist file") }
        let ext = (output as NSString).pathExtension.lowercased()
        guard ["png", "jpg", "jpeg"].contains(ext) else {
            throw ValidationError("--output '\(output)' must end in .png, .jpg or .jpeg")
        }
        if !alert.isEmpty {
            throw ValidationError("--alert is not supported yet: emergency messages arrive with the CAP issue")
        }
        if temperature != nil {
            throw ValidationError("--temperature is not supported yet: the temperature panel arrives with the kiosk issue")
        }
    }

    func run() throws {
        let instant = try parseInstant(at, option: "--at")
        let profile = try profile(named: display)
        let loaded = try loadPlaylists(playlists)
        let engine = ScheduleEngine(playlists: loaded, profile: profile.name)
        warnIfNothingServes(engine, profile: profile)
        let scene = engine.scene(for: profile, at: instant)
        let renderer = Renderer(phraseModel: loadPhraseModel())
        try renderer.withFrame(scene) { pixels, problems in
            for problem in problems { printError("oshirase: warning: \(problem)") }
            do {
                try ImageEncoder.write(pixels, toPath: output)
            } catch {
                printError("oshirase: error: cannot write \(output): \(error)")
                throw ExitCode(1)
            }
        }
    }
}

/// BudouX's model, or a warning that says why there is none and that line breaks fall back to
/// kinsoku rules alone.
func loadPhraseModel() -> PhraseModel? {
    do {
        return try PhraseModel.loadDefaultOrExplain()
    } catch {
        printError("oshirase: warning: \(error); Japanese lines may break inside words")
        return nil
    }
}
