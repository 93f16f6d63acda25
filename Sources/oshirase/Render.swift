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

    @Option(help: "What the kiosk's temperature panel shows: a reading in °C (e.g. 36.4, classed as on the box), or retry, measuring, offline.")
    var temperature: String?

    @Option(help: "A privacy notice at the foot of the kiosk's temperature panel (one or two short lines; a line break starts the second).")
    var notice: String?

    func validate() throws {
        if playlists.isEmpty { throw ValidationError("give at least one playlist file") }
        let ext = (output as NSString).pathExtension.lowercased()
        guard ["png", "jpg", "jpeg"].contains(ext) else {
            throw ValidationError("--output '\(output)' must end in .png, .jpg or .jpeg")
        }
        if !alert.isEmpty {
            throw ValidationError("--alert is not supported yet: emergency messages arrive with the CAP issue")
        }
        if let temperature { _ = try Render.panel(for: temperature) }
        if let notice, notice.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--notice is empty: give the notice's text, or leave the option out")
        }
    }

    /// The panel state `--temperature` asks for.
    static func panel(for text: String) throws -> ScreeningPanel {
        switch text.lowercased() {
        case "retry": return .result(.retry(.unstable), until: .distantFuture)
        case "measuring": return .measuring
        case "offline": return .offline
        case "idle": return .idle
        default:
            guard let celsius = Double(text), celsius.isFinite else {
                throw ValidationError("--temperature '\(text)' is not a reading: give °C such as 36.4, or retry, measuring, offline, idle")
            }
            return .result(Screening.classify(celsius: celsius), until: .distantFuture)
        }
    }

    func run() throws {
        let instant = try parseInstant(at, option: "--at")
        let profile = try profile(named: display)
        let loaded = try loadPlaylists(playlists)
        let engine = ScheduleEngine(playlists: loaded, profile: profile.name)
        warnIfNothingServes(engine, profile: profile)
        var scene = engine.scene(for: profile, at: instant)
        if let temperature {
            guard profile.temperaturePanel != nil else {
                throw ValidationError("--temperature needs a display with a temperature panel: use --display dsign-clean")
            }
            scene.panel = try Render.panel(for: temperature)
        }
        if let notice {
            guard profile.temperaturePanel != nil else {
                throw ValidationError("--notice needs a display with a temperature panel: use --display dsign-clean")
            }
            scene.panelNotice = notice
        }
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
