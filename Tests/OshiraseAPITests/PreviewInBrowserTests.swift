import Foundation
import Hummingbird
import OshiraseConfig
import OshiraseTestSupport
import Testing
@testable import OshiraseAPI
import OshiraseDaemon

/// Debian's Chromium, or `$CHROMIUM` when set.
let chromiumPath: String? = {
    let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// The preview page in headless Chromium: the page loads, each display's image appears and keeps
/// being replaced by newer frames, and the status text is refreshed.
///
/// Chromium runs with a virtual-time budget: its timers fast-forward while no request is pending,
/// so several seconds of the page's life take about two of real time, without the test sleeping.
@Suite(.enabled(if: chromiumPath != nil,
                "Chromium is not installed (apt-get install chromium; or set CHROMIUM=/path/to/chromium): preview page not tested in a browser"))
struct PreviewInBrowserTests {
    static let pageSeconds = 6

    @Test(.timeLimit(.minutes(1)))
    func everyDisplaysImageAppearsAndChangesOverTime() async throws {
        let inspector = FakeInspector(animated: true)
        let dom = try await withLiveAPI(inspector: inspector) { port in
            try await dumpDOM(of: "http://127.0.0.1:\(port)/")
        }
        try await checkLivePage(dom, inspector: inspector, token: nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func withATokenInTheURLThePagePassesItToEveryRequest() async throws {
        let inspector = FakeInspector(animated: true)
        // Needs a token although bound to loopback: the router is built for an exposed address.
        let dom = try await withLoopbackServer({ onListening in
            Application(router: makeAPIRouter(inspecting: inspector, config: exposedConfig, logger: quietLogger),
                        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                        logger: quietLogger)
        }) { port in
            try await dumpDOM(of: "http://127.0.0.1:\(port)/?token=s3cret-token")
        }
        try await checkLivePage(dom, inspector: inspector, token: "s3cret-token")
    }

    private func checkLivePage(_ dom: String, inspector: FakeInspector, token: String?) async throws {
        #expect(dom.contains("<title>札幌市役所 本庁舎 — お知らせプレビュー</title>"), "\(dom.prefix(2000))")
        let images = frameImages(in: dom)
        try #require(images.count == 3, "\(dom.prefix(4000))")
        let displays = await inspector.status().displays
        for (image, display) in zip(images, displays) {
            let source = image["src"] ?? ""
            #expect(source.hasPrefix("/v1/screenshot?display=\(display.name)&amp;"), "\(source)")
            if let token { #expect(source.contains("token=\(token)"), "\(source)") }
            let loads = Int(image["data-loads"] ?? "") ?? 0
            #expect(loads >= 3, "\(display.name) loaded \(loads) images in \(Self.pageSeconds) s of page time")
            // One refresh a second, never two loops of them.
            #expect(loads <= Self.pageSeconds + 1, "\(display.name) loaded \(loads) images in \(Self.pageSeconds) s")
            #expect(image["data-errors"] == "0", "\(display.name): \(image)")
            #expect(image["data-natural-width"] == String(display.width))
            #expect(image["data-natural-height"] == String(display.height))
            // The fake gives a new colour for every request, so each load was a different picture.
            let served = await inspector.screenshotRequests[display.name] ?? 0
            #expect(served >= loads, "\(display.name): \(served) frames served for \(loads) loads")
        }
        let updates = dom.firstMatch(of: /data-status-updates="(\d+)"/).flatMap { Int($0.output.1) } ?? 0
        #expect(updates >= 1, "the page never read /v1/status")
        #expect(dom.contains(#"id="problem" class="problem">02-broken.yaml:3:7: error"#)
            || dom.contains("02-broken.yaml:3:7: error"), "playlist errors are shown once status is read")
    }

    /// The page's DOM after `pageSeconds` of virtual time in headless Chromium.
    private func dumpDOM(of url: String) async throws -> String {
        let chromium = try #require(chromiumPath)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let run = try await HeadlessBrowser.gate.exclusively {
            try await runProgram(chromium, [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio", "--no-pings",
                "--user-data-dir=\(profile.path)", "--virtual-time-budget=\(Self.pageSeconds * 1000)", "--dump-dom", url,
            ], timeout: .seconds(60))
        }
        try #require(!run.timedOut, "Chromium did not finish within 60 s; stderr: \(run.stderr.suffix(2000))")
        try #require(run.status == 0, "Chromium exited with \(run.status); stderr: \(run.stderr.suffix(2000))")
        return run.stdout
    }
}
