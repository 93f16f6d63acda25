import Foundation
import OshiraseImaging
import OshiraseSigning
import Testing

/// The daemon's frame loops and `oshirase render` build their scenes with one function
/// (`ScheduleEngine.scene`) and their alert overlays with another (`AlertBook.overlay`): a
/// running box's screenshot is the frame `render` draws for the same instant, on every profile,
/// with and without an alert.
@Suite("A running box's screenshot equals render of the same instant", .serialized)
struct ScreenshotMatchesRenderTests {
    /// One still announcement for every profile: no ticker, no clock, so any instant of the hour
    /// looks the same.
    static let playlist = """
        name: 本庁舎 共通のお知らせ
        layout: full
        items:
          - id: tax
            announcement:
              category: info
              title: 市民税・道民税の納期限
              body: 第3期の納期限は12月28日（月）です。口座振替のご利用が便利です。
              footer: 札幌市 財政局税政部
            duration: 1h
        """

    static let displays = [(name: "lobby", profile: "lcd-1080p"), (name: "kiosk", profile: "dsign-clean"),
                           (name: "led-wall", profile: "led-vision")]

    @Test("every profile, before and after a pushed takeover", .timeLimit(.minutes(2)))
    func screenshotsEqualRenders() async throws {
        let ws = try Workspace()
        try ws.write("playlists/common.yaml", Self.playlist)
        let keygen = try ws.run("keygen", "--out", "city")
        #expect(keygen.status == 0, "\(keygen)")
        let pub = try String(contentsOfFile: ws.path("city.pub"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try KeyFiles.loadSigningKey(path: ws.path("city.key"))
        let displays = Self.displays.map { "      - name: \($0.name)\n        profile: \($0.profile)\n        output: { kind: memory }" }
            .joined(separator: "\n") + "\nalerts:\n  keys:\n    - \"\(pub)\"\n"
        let (daemon, port) = try await DaemonCommandTests.startDaemon(in: ws, displays: displays, label: "same-as-render")
        defer { daemon.stop() }

        func screenshot(_ display: String, unlike old: Bitmap? = nil) async throws -> Bitmap {
            try await poll("a frame of \(display)", timeout: .seconds(20), context: { daemon.output }) {
                let answer = try httpGet(port: port, "/v1/screenshot?display=\(display)")
                guard answer.status == 200 else { return nil }
                let frame = try ImageDecoder.decode(answer.body).bitmap
                return frame.pixels == old?.pixels ? nil : frame
            }
        }
        func render(_ display: (name: String, profile: String), alert: String?) throws -> Bitmap {
            var arguments = ["render", "playlists/common.yaml", "--config", "config.yaml", "--display", display.profile,
                             "--at", ISO8601DateFormatter().string(from: Date()), "--output", "\(display.name).png"]
            // No sensor feeds this kiosk: the box says its thermometer is offline.
            if display.profile == "dsign-clean" { arguments += ["--temperature", "offline"] }
            if let alert { arguments += ["--alert", alert] }
            let result = try ws.run(arguments)
            #expect(result.status == 0, "\(result)")
            return try decodeOutput(ws.path("\(display.name).png")).bitmap
        }

        var before: [String: Bitmap] = [:]
        for display in Self.displays {
            let shot = try await screenshot(display.name)
            let drawn = try render(display, alert: nil)
            #expect(differingPixels(shot, drawn) == 0, "\(display.name): the box's frame differs from render's")
            before[display.name] = shot
        }

        let body = freshEvacuationOrder(identifier: "JP-SAPPORO-SAME-\(UUID().uuidString.prefix(8))")
        try ws.write("alert.xml", String(decoding: body, as: UTF8.self))
        let headers = try PushEnvelope.sign(body: body, key: key, timestamp: Int64(Date().timeIntervalSince1970)).httpHeaders
        let answer = try httpRequest(port: port, "POST", "/v1/alerts",
                                     headers: headers.merging(["Content-Type": "application/cap+xml"]) { a, _ in a }, body: body)
        #expect(answer.status == 202, "\(answer.text)")
        for display in Self.displays {
            let shot = try await screenshot(display.name, unlike: before[display.name])
            let drawn = try render(display, alert: "alert.xml")
            #expect(differingPixels(shot, drawn) == 0, "\(display.name): the box's takeover differs from render --alert's")
        }
    }
}
