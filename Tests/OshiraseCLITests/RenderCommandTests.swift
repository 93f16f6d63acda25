import Foundation
import OshiraseImaging
import Testing
import OshiraseTestSupport

/// A playlist that serves every profile: an info card all day.
let allProfilesPlaylist = """
    name: 本庁舎1階ロビー
    layout: main+ticker
    items:
      - id: mynumber
        announcement:
          category: info
          title: マイナンバーカードの申請
          body: オンライン申請を受け付けています。右のQRコードから申請ページをご覧ください。
          qr: https://www.city.sapporo.jp/mynumber/
      - id: welcome
        ticker: 札幌市役所へようこそ。本庁舎1階正面玄関にて検温と消毒にご協力ください。
        zone: ticker
    """

let morning = "2026-11-27T09:00:00+09:00"

@Suite("oshirase render")
struct RenderCommandTests {
    @Test("Each profile renders a PNG of the profile's size", arguments: profileSizes.map(\.name))
    func rendersPNGOfProfileSize(profile: String) throws {
        let size = try #require(profileSizes.first { $0.name == profile })
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", morning, "--display", profile, "--output", "out.png")
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.isEmpty, "\(run)")
        let image = try decodeOutput(ws.path("out.png"))
        #expect(image.format == .png)
        #expect(image.bitmap.width == size.width && image.bitmap.height == size.height)
        #expect(image.bitmap.isVisibleFrame())
    }

    @Test("Each sample playlist renders for the profiles it serves")
    func samplePlaylistsRender() throws {
        let ws = try Workspace()
        let serving = ["01": "lcd-1080p", "02": "led-vision", "03": "dsign-clean"]
        for playlist in samplePlaylists {
            let prefix = String((playlist as NSString).lastPathComponent.prefix(2))
            guard let profile = serving[prefix], let size = profileSizes.first(where: { $0.name == profile }) else { continue }
            let out = "\(prefix)-\(profile).png"
            let run = try ws.run("render", playlist, "--at", morning, "--display", profile, "--output", out)
            #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
            let image = try decodeOutput(ws.path(out))
            #expect(image.bitmap.width == size.width && image.bitmap.height == size.height)
            #expect(image.bitmap.isVisibleFrame())
        }
    }

    @Test("Without --display and --output the frame is a 1920×1080 frame.png")
    func defaultsAreLCDAndFramePNG() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", morning)
        #expect(run.status == 0, "\(run)")
        let image = try decodeOutput(ws.path("frame.png"))
        #expect(image.bitmap.width == 1920 && image.bitmap.height == 1080)
    }

    @Test("A .jpg or .jpeg output is a JPEG", arguments: ["frame.jpg", "frame.jpeg", "FRAME.JPG"])
    func jpegOutputIsJPEG(name: String) throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", morning, "--display", "dsign-clean", "--output", name)
        #expect(run.status == 0, "\(run)")
        let bytes = try #require(FileManager.default.contents(atPath: ws.path(name)))
        #expect(Array(bytes.prefix(3)) == [0xFF, 0xD8, 0xFF], "not a JPEG signature")
        if name.hasSuffix("jpg") || name.hasSuffix("jpeg") {
            let image = try decodeOutput(ws.path(name))
            #expect(image.format == .jpeg)
            #expect(image.bitmap.width == 1080 && image.bitmap.height == 1920)
        }
    }

    @Test("Times with an offset in any form are accepted",
          arguments: ["2026-11-27T09:00:00+09:00", "2026-11-27T00:00:00Z", "2026-11-27T09:00:00.250+09:00", "2026-11-26T19:00:00-05:00"])
    func isoInstantsAreAccepted(at: String) throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", at, "--output", "f.png")
        #expect(run.status == 0, "\(run)")
        #expect(ws.exists("f.png"))
    }

    @Test("A bad --at is a non-zero exit with a clear message naming --at, no stack trace, no frame",
          arguments: ["nope", "2026-11-27T09:00:00", "2026-11-27", "2026-13-01T09:00:00+09:00", "2026-11-27T25:00:00+09:00", "", "９時"])
    func badAtIsAClearError(at: String) throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", at, "--output", "f.png")
        #expect(run.status != 0)
        #expect(!run.looksLikeCrash, "\(run)")
        #expect(run.stdout.isEmpty)
        let first = try #require(run.stderrLines.first, "no message on stderr")
        #expect(first.contains("--at") && first.contains("ISO 8601"), "\(first)")
        #expect(!ws.exists("f.png"))
    }

    @Test("An unknown --display is an error that lists the known profiles")
    func unknownDisplayIsAnError() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", morning, "--display", "lcd-4k", "--output", "f.png")
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        let first = try #require(run.stderrLines.first)
        #expect(first.contains("lcd-4k") && first.contains("lcd-1080p") && first.contains("led-vision"), "\(first)")
        #expect(!ws.exists("f.png"))
    }

    @Test("An output that is neither .png nor .jpg is an error", arguments: ["x.gif", "x", "x.png.bak", "x.webp"])
    func unsupportedOutputIsAnError(output: String) throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", morning, "--output", output)
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(run.stderrLines.first?.contains(output) == true, "\(run)")
        #expect(!ws.exists(output))
    }

    @Test("--temperature renders the kiosk panel for a reading or a state; other displays and words are refused")
    func temperaturePanel() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        for value in ["36.4", "37.8", "retry", "measuring", "offline"] {
            let run = try ws.run("render", "lobby.yaml", "--at", morning, "--display", "dsign-clean", "--temperature", value,
                                 "--output", "k-\(value).png")
            #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
            #expect(ws.exists("k-\(value).png"))
        }
        let lcd = try ws.run("render", "lobby.yaml", "--at", morning, "--temperature", "36.4", "--output", "f.png")
        #expect(lcd.status != 0 && lcd.stderrLines == ["oshirase: error: --temperature needs a display with a temperature panel: use --display dsign-clean"])
        let word = try ws.run("render", "lobby.yaml", "--at", morning, "--display", "dsign-clean", "--temperature", "hot")
        #expect(word.status != 0 && word.stderrLines.first?.contains("'hot' is not a reading") == true, "\(word)")
    }

    @Test("--notice adds the privacy line to the kiosk panel, and is refused where there is no panel or no text")
    func privacyNotice() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let notice = "検温は感染症対策のために行っています。画像や個人の測定値は保存しません。"
        let plain = try ws.run("render", "lobby.yaml", "--at", morning, "--display", "dsign-clean", "--temperature", "37.8",
                               "--output", "plain.png")
        let with = try ws.run("render", "lobby.yaml", "--at", morning, "--display", "dsign-clean", "--temperature", "37.8",
                              "--notice", notice, "--output", "notice.png")
        #expect(plain.status == 0 && with.status == 0 && with.stderr.isEmpty, "\(with)")
        let a = try decodeOutput(ws.path("plain.png")).bitmap, b = try decodeOutput(ws.path("notice.png")).bitmap
        #expect(a.width == 1080 && b.height == 1920)
        // The line sits at the foot of the panel: the picture above the panel is the same.
        let panelTop = 1920 - 557
        var differingAbove = 0, differingFoot = 0
        for y in 0..<1920 {
            for x in Swift.stride(from: 0, to: 1080, by: 4)
            where a.pixels[y * a.stride + x * 4 ..< y * a.stride + x * 4 + 3] != b.pixels[y * b.stride + x * 4 ..< y * b.stride + x * 4 + 3] {
                if y < panelTop { differingAbove += 1 } else if y > 1920 - 140 { differingFoot += 1 }
            }
        }
        #expect(differingAbove == 0 && differingFoot > 100, "above \(differingAbove), foot \(differingFoot)")
        let lcd = try ws.run("render", "lobby.yaml", "--at", morning, "--notice", notice, "--output", "f.png")
        #expect(lcd.status != 0 && !lcd.looksLikeCrash && lcd.stderrLines.count == 1, "\(lcd)")
        let empty = try ws.run("render", "lobby.yaml", "--at", morning, "--display", "dsign-clean", "--notice", " ", "--output", "f.png")
        #expect(empty.status != 0 && !empty.looksLikeCrash && empty.stderrLines.count == 1, "\(empty)")
        #expect(!ws.exists("f.png"))
    }

    @Test("--alert renders the takeover a CAP file makes, and names what is wrong with a bad one")
    func alertOverlay() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let order = repoPath("fixtures/cap/sapporo-evacuation.xml")
        let run = try ws.run("render", "lobby.yaml", "--at", "2026-11-27T10:00:00+09:00", "--alert", order, "--output", "alert.png")
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        let frame = try decodeOutput(ws.path("alert.png")).bitmap
        let margin = (frame.height / 2) * frame.stride + 12
        // Extreme: alert level 5, black (#0C000C), over the whole screen.
        #expect(Array(frame.pixels[margin..<(margin + 3)]).map(Int.init).reduce(0, +) < 60)

        let cancelled = try ws.run("render", "lobby.yaml", "--at", "2026-11-27T10:00:00+09:00", "--alert", order,
                                   "--alert", repoPath("fixtures/cap/sapporo-evacuation-cancel.xml"), "--output", "c.png")
        #expect(cancelled.status != 0 && cancelled.stderr.contains("no alert is in effect"), "\(cancelled)")

        let hostile = try ws.run("render", "lobby.yaml", "--at", "2026-11-27T10:00:00+09:00",
                                 "--alert", repoPath("fixtures/cap/hostile-xxe.xml"), "--output", "x.png")
        #expect(hostile.status == 1 && !hostile.looksLikeCrash, "\(hostile)")
        #expect(hostile.stderrLines.first?.hasPrefix(repoPath("fixtures/cap/hostile-xxe.xml") + ":") == true, "\(hostile.stderr)")
        #expect(hostile.stderr.contains("DOCTYPE"), "\(hostile.stderr)")
        #expect(!ws.exists("x.png") && !ws.exists("c.png"))
    }

    @Test("A playlist with a corrupt image renders the rest, logging a FILE:LINE:COL error", arguments: ["lcd-1080p", "dsign-clean"])
    func corruptImageIsSkippedWithAWarning(profile: String) throws {
        let ws = try Workspace()
        let playlist = repoPath("fixtures/playlists-test/corrupt-image.yaml")
        // At 09:00:00 the broken photo would be first in the loop; it is skipped, so the card shows.
        let run = try ws.run("render", playlist, "--at", morning, "--display", profile, "--output", "f.png")
        #expect(run.status == 0, "\(run)")
        let warnings = run.stderrLines
        #expect(warnings.count == 1, "\(run)")
        let warning = try #require(warnings.first)
        #expect(warning.hasPrefix("\(playlist):6:12: error: ") && warning.hasSuffix("the item is skipped, the rest plays"), "\(warning)")
        #expect(warning.contains("not-an-image.jpg"))
        let image = try decodeOutput(ws.path("f.png"))
        #expect(image.bitmap.isVisibleFrame())
        // The info card's blue, not an idle or black frame, fills the screen's corner.
        let p = image.bitmap.pixel(x: 5, y: image.bitmap.height / 2)
        #expect(abs(Int(p.r) - 0x0B) <= 3 && abs(Int(p.g) - 0x3D) <= 3 && abs(Int(p.b) - 0x91) <= 3, "\(p)")
    }

    @Test("A missing or invalid playlist stops render with its errors and writes no frame")
    func invalidPlaylistStopsRender() throws {
        let ws = try Workspace()
        try ws.write("bad.yaml", "name: 本庁舎1階ロビー\nitems:\n  - id: clock\n    clok: \"HH:mm\"\n")
        let run = try ws.run("render", "bad.yaml", "missing.yaml", "--at", morning, "--output", "f.png")
        #expect(run.status == 1, "\(run)")
        #expect(run.stderrLines.contains { $0.hasPrefix("bad.yaml:4:5: error: ") }, "\(run)")
        #expect(run.stderrLines.contains { $0.hasPrefix("missing.yaml:1:1: error: ") }, "\(run)")
        #expect(!ws.exists("f.png"))
    }

    @Test("An output in a folder that does not exist is one clear error")
    func unwritableOutputIsAnError() throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run("render", "lobby.yaml", "--at", morning, "--output", "no/such/folder/f.png")
        #expect(run.status != 0 && !run.looksLikeCrash, "\(run)")
        #expect(run.stderrLines.count == 1 && run.stderrLines[0].contains("no/such/folder/f.png"), "\(run)")
    }

    @Test("Command-line errors are one line on stderr (docs/cli.md)", arguments: [
        ["render", "lobby.yaml", "--at", "nope"],
        ["render", "lobby.yaml", "--at", morning, "--display", "lcd-4k"],
        ["render", "lobby.yaml", "--at", morning, "--output", "x.gif"],
        ["render", "lobby.yaml", "--at", morning, "--temperature", "36.5"],
        ["schedule", "lobby.yaml", "--from", morning, "--to", "2026-11-27T08:00:00+09:00"],
    ])
    func errorsAreOneLine(arguments: [String]) throws {
        let ws = try Workspace()
        try ws.write("lobby.yaml", allProfilesPlaylist)
        let run = try ws.run(arguments)
        #expect(run.status != 0)
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        #expect(run.stderrLines.first?.hasPrefix("oshirase: error: ") == true, "\(run.stderr)")
    }
}

@Suite("Phrase model problems")
struct PhraseModelProblemTests {
    /// Regression: a broken model file was reported as "not found", naming no file.
    @Test("A phrase model that cannot be read is named with its reason, and the frame is still rendered")
    func unreadableModelIsNamed() throws {
        let ws = try Workspace()
        try ws.write("broken.json", "[1, 2, 3]")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: oshiraseBinary)
        process.arguments = ["render", repoPath("fixtures/bench/card.yaml"), "--at", "2026-11-27T10:00:00+09:00", "--output", "f.png"]
        process.currentDirectoryURL = ws.url
        process.environment = ["OSHIRASE_BUDOUX_MODEL": ws.path("broken.json"), "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        process.standardError = err
        try process.runTiedToTestProcess()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("OSHIRASE_BUDOUX_MODEL=\(ws.path("broken.json")) cannot be used"), "\(stderr)")
        #expect(ws.exists("f.png"))
    }
}
