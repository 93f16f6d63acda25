import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import OshiraseDaemon
import OshiraseConfig
import OshiraseImaging
import OshiraseStore
import Testing
@testable import OshiraseAPI

/// A daemon as the API sees it: fixed status, frames that are fixed or change on every request.
actor FakeInspector: DaemonInspecting {
    var currentStatus: DaemonStatus
    /// Frames by display; a display missing here has no frame yet.
    var frames: [String: Bitmap]
    /// When true, every screenshot is a new colour, as an animated screen gives.
    let animated: Bool
    var metrics = "# TYPE oshirase_frames_presented_total counter\noshirase_frames_presented_total{display=\"lobby\"} 42\n"
    var records: [PlayRecord] = []
    var proofFailure: String?
    private(set) var proofQueries: [(from: Date, to: Date)] = []
    private(set) var screenshotRequests: [String: Int] = [:]

    init(status: DaemonStatus = sampleStatus(), frames: [String: Bitmap]? = nil, animated: Bool = false) {
        currentStatus = status
        self.frames = frames ?? Dictionary(uniqueKeysWithValues: status.displays.map {
            ($0.name, Bitmap(width: $0.width, height: $0.height, fill: (r: 11, g: 61, b: 145, a: 255)))
        })
        self.animated = animated
    }

    func status() -> DaemonStatus { currentStatus }

    func screenshot(display: String) -> Bitmap? {
        guard let frame = frames[display] else { return nil }
        let count = screenshotRequests[display, default: 0] + 1
        screenshotRequests[display] = count
        guard animated else { return frame }
        // A colour per request, so consecutive screenshots always differ.
        let level = UInt8(truncatingIfNeeded: count * 37)
        return Bitmap(width: frame.width, height: frame.height, fill: (r: level, g: 255 &- level, b: 128, a: 255))
    }

    func metricsText() -> String { metrics }

    func proofOfPlay(from: Date, to: Date) throws -> [PlayRecord] {
        proofQueries.append((from, to))
        if proofFailure == "too large" { throw ProofOfPlayTooLarge() }
        if let proofFailure { throw FakeStoreError(message: proofFailure) }
        return records.filter { $0.end > from && $0.start < to }
    }

    /// Pushes seen, and the answer every push gets.
    private(set) var pushes: [(body: [UInt8], headers: [String: String], source: String)] = []
    var pushAnswer = AlertIntakeOutcome.kept(KeptAlert(identifier: "sapporo-2026-001", state: "active", reason: nil,
                                                       isDuplicate: false))

    func pushAlert(body: [UInt8], headers: [String: String], source: String) -> AlertIntakeOutcome {
        pushes.append((body, headers, source))
        return pushAnswer
    }

    func alertListing() -> [AlertListing] { [] }
    func setPushAnswer(_ answer: AlertIntakeOutcome) { pushAnswer = answer }

    func setRecords(_ records: [PlayRecord]) { self.records = records }
    func setProofFailure(_ message: String) { proofFailure = message }
    func setFrame(_ frame: Bitmap?, for display: String) { frames[display] = frame }
    func setStatus(_ status: DaemonStatus) { currentStatus = status }
}

struct FakeStoreError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// 2026-11-27T09:00:00+09:00.
let opening = Date(timeIntervalSince1970: 1_795_737_600)

/// Three displays, one per profile, at small sizes that keep their real aspect ratios.
func sampleStatus(site: String = "札幌市役所 本庁舎") -> DaemonStatus {
    var status = DaemonStatus(
        site: site, startedAt: opening, uptimeSeconds: 3723, clockTrusted: true,
        displays: [
            DisplayStatus(name: "lobby", profile: "lcd-1080p", output: "memory 192×108", width: 192, height: 108,
                          powered: true, items: ["main": "窓口のご案内", "ticker": "本日の休館日"], framesPresented: 120,
                          frameRate: 59.9, configuredFrameRate: 60, lastFrameAt: opening.addingTimeInterval(3723)),
            DisplayStatus(name: "entrance", profile: "dsign-clean", output: "memory 108×192", width: 108, height: 192,
                          powered: true, items: ["main": "検温のお願い"], framesPresented: 3, frameRate: 0,
                          configuredFrameRate: 60),
            DisplayStatus(name: "led-wall", profile: "led-vision", output: "memory 96×48", width: 96, height: 48,
                          powered: false, items: ["main": "idle"], framesPresented: 0, frameRate: 0,
                          configuredFrameRate: 30, brightnessPercent: 30, error: nil),
        ],
        playlists: [
            PlaylistStatus(file: "01-city-hall-lobby.yaml", name: "本庁舎ロビー", items: 4, loadedAt: opening, errors: []),
            PlaylistStatus(file: "02-broken.yaml", name: nil, items: 0, loadedAt: nil,
                           errors: ["02-broken.yaml:3:7: error: unknown key “titel”; did you mean “title”?"]),
        ])
    status.displays[0].renderMillisecondsMedian = 2.44
    status.displays[0].renderMillisecondsP99 = 6.08
    return status
}

let quietLogger: Logger = {
    var logger = Logger(label: "oshirase.api.tests")
    logger.logLevel = .critical
    return logger
}()

/// An application over the API's router, for HummingbirdTesting's `.router` and `.live` frameworks.
func testApplication(_ inspector: FakeInspector, config: APIConfig = APIConfig())
    -> Application<RouterResponder<APIRequestContext>> {
    Application(router: makeAPIRouter(inspecting: inspector, config: config, logger: quietLogger), logger: quietLogger)
}

/// A config listening on all interfaces, which needs a token (never bound in these tests).
let exposedConfig = APIConfig(host: "0.0.0.0", port: 8080, tokens: ["b64+token/value==", "s3cret-token"])

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The `error` member of a JSON error body, or nil when the body is not one.
    var errorMessage: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        return object["error"] as? String
    }

    var bytes: [UInt8] { Array(buffer: body) }
}

extension Array where Element == UInt8 {
    init(buffer: ByteBuffer) {
        self = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }
}

/// A test could not be set up.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
