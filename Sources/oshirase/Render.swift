import ArgumentParser
import Foundation
import OshiraseCAP
import OshiraseCommandLine
import OshiraseCore
import OshiraseConfig
import OshiraseImaging
import OshiraseRender

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the exact frame a display shows at an instant, as PNG or JPEG.")

    @Argument(help: "Playlist files; several merge per zone in file-name order.")
    var playlists: [String]

    @Option(help: "The instant, ISO 8601 with offset, e.g. 2026-11-27T09:00:00+09:00.")
    var at: String

    @Option(help: "Display profile: lcd-1080p, dsign-clean or led-vision, or one the --config defines.")
    var display = "lcd-1080p"

    @Option(help: "The daemon's config: --display may then name a profile defined under its `profiles:`.")
    var config: String?

    @Option(help: "Output file; .png, .jpg or .jpeg.")
    var output = "frame.png"

    @Option(help: "A CAP 1.2 alert to show over the playlists as the box would at --at (repeat for updates and cancels, in the order sent).")
    var alert: [String] = []

    @Option(help: "What the kiosk's temperature panel shows: a reading in °C (e.g. 36.4, classed as on the box), or retry, measuring, offline.")
    var temperature: String?

    @Option(help: "A privacy notice at the foot of the kiosk's temperature panel (one or two short lines; a line break starts the second).")
    var notice: String?

    @Option(help: "LED walls only: the brightness in percent (1–100) the wall's schedule gives at --at; default 100.")
    var brightness: Double?

    @Option(help: "LED walls only: cie1931 (default, as the box does) or none, as the display's `gamma` in the config.")
    var gamma: String?

    func validate() throws {
        if playlists.isEmpty { throw ValidationError("give at least one playlist file") }
        let ext = (output as NSString).pathExtension.lowercased()
        guard ["png", "jpg", "jpeg"].contains(ext) else {
            throw ValidationError("--output '\(output)' must end in .png, .jpg or .jpeg")
        }
        if let temperature { _ = try Render.panel(for: temperature) }
        if let notice, notice.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--notice is empty: give the notice's text, or leave the option out")
        }
        if let brightness, !(1...100).contains(brightness) {
            throw ValidationError("--brightness \(brightness) is out of range: give 1 to 100 (percent)")
        }
        if let gamma, gamma != "cie1931" && gamma != "none" {
            throw ValidationError("--gamma '\(gamma)' is not a curve: give cie1931 or none")
        }
    }

    /// What an LED wall's output does to the frame, as the box does it: full brightness and CIE
    /// 1931 gamma unless told otherwise; nil on other displays.
    func light(for profile: DisplayProfile) throws -> LightOutput? {
        guard profile.kind == .led else {
            if brightness != nil || gamma != nil {
                throw ValidationError("--brightness and --gamma apply to LED walls only: use --display led-vision")
            }
            return nil
        }
        return LightOutput.forDisplay(profile, percent: brightness, cieGamma: gamma.map { $0 == "cie1931" })
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
        let site = try config.map { try loadSiteConfig($0) }
        let defined = site?.profiles ?? []
        let profile = try profile(named: display, defined: defined)
        let loaded = try loadPlaylists(playlists, profiles: defined.map(\.name))
        let engine = ScheduleEngine(playlists: loaded, profile: profile.name)
        warnIfNothingServes(engine, profile: profile)
        // With --config, the site's name and zone, as the box uses them.
        var scene = engine.scene(for: profile, at: instant, siteName: site?.site, siteTimeZone: site?.timeZone)
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
        let light = try light(for: profile)
        let renderer = Renderer(phraseModel: loadPhraseModel())
        if !alert.isEmpty { scene.alert = try alertOverlay(at: instant, policy: site?.alerts.policy ?? AlertPolicy()) }
        try renderer.withFrame(scene, light: light) { pixels, problems in
            for problem in problems { printError("oshirase: warning: \(problem)") }
            do {
                try ImageEncoder.write(pixels, toPath: output)
            } catch {
                printError("oshirase: error: cannot write \(output): \(error)")
                throw ExitCode(1)
            }
        }
    }

    /// What the box would draw at `instant` for the `--alert` files, read and checked as a push
    /// is (without the envelope), in a book with the box's policy (the config's, with --config);
    /// exercises are shown, with their band.
    func alertOverlay(at instant: Date, policy: AlertPolicy) throws -> AlertOverlay {
        var policy = policy
        policy.showsExercises = true
        var book = AlertBook(policy: policy)
        for path in alert {
            let parsed = try readCAPFile(path, consequence: "nothing was rendered").alert
            switch book.admit(parsed, at: min(instant, parsed.sent.date)) {
            case .rejected(let reason), .notShown(let reason):
                throw ValidationError("\(path): \(reason)")
            case .conflict:
                throw ValidationError("\(path): another --alert file has the same sender, identifier and sent")
            case .stored, .duplicate:
                break
            }
        }
        guard let overlay = book.overlay(at: instant).overlay else {
            throw ValidationError("no alert is in effect at \(formatInstant(instant, in: .tokyo)) for these files (before effective, after expires, or cancelled)")
        }
        return overlay
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
