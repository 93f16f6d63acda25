import Foundation
import OshiraseCore
@testable import OshiraseDaemon
import OshiraseDevices
import OshiraseConfig
import OshiraseImaging
import OshiraseRender
import OshiraseTestSupport
import ServiceLifecycle
import Testing
import OshiraseStore

/// The daemon's services in a real `ServiceGroup`: display loop on its own thread, watcher,
/// a framebuffer stand-in (a memory-mapped file) in RGB565, and a manual clock.
@Suite("Daemon services")
struct DaemonServiceTests {
    @Test func theDaemonPlaysOnAnRGB565FramebufferFollowsItsClockAndStopsGracefully() async throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 10), ("tax", "市民税の納付", 10)]))
        let device = folder.path + "/device"
        try FileManager.default.createDirectory(atPath: device, withIntermediateDirectories: true)
        let clock = ManualClock(jst(9, 0))
        let sink = RecordSink()
        let lobby = DisplayConfig(name: "lobby", profile: smallLCD, output: .fbdev(device: device + "/fb"), fps: 10)
        let config = SiteConfig(site: "札幌市役所 本庁舎", playlistsDirectory: folder.path, stateDirectory: folder.path,
                                displays: [lobby])
        let daemon = Daemon(config: config, clock: clock, logger: quietLogger, phraseModel: nil, clockNotBefore: jst(0, 0),
                            record: { sink.add($0) },
                            openOutput: { _ in
                                { () throws(OutputError) -> FrameOutput in
                                    let fb = try FileBackedFramebuffer(directory: device, width: 480, height: 270, format: .rgb565)
                                    return try FramebufferOutput(device: fb)
                                }
                            })
        daemon.loadPlaylists()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: quietLogger))
        let running = Task { try await group.run() }

        #expect(await eventually { await daemon.status().displays.first?.framesPresented == 1 })
        #expect(await daemon.status().displays.first?.items["main"] == "mynumber")
        // What the file holds is the frame, converted to RGB565, pixel for pixel.
        let engine = ScheduleEngine(playlists: daemon.library.snapshot().playlists, profile: smallLCD.name)
        let reference = try Renderer(phraseModel: nil).render(engine.scene(for: smallLCD, at: jst(9, 0), siteName: "札幌市役所 本庁舎"))
        var expected = [UInt8](repeating: 0, count: 480 * 270 * 2)
        reference.pixels.withUnsafeBytes { src in
            expected.withUnsafeMutableBytes { dst in
                for y in 0..<270 {
                    PixelFormat.rgb565.convertRow(from: src.baseAddress! + y * reference.stride,
                                                  to: dst.baseAddress! + y * 960, count: 480)
                }
            }
        }
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: device + "/fb")))
        #expect(Array(file.prefix(expected.count)) == expected)

        // The loop sleeps on the clock until the slot ends; moving the clock there shows the next item.
        #expect(await eventually { clock.nextDeadline == jst(9, 0, 10) })
        clock.set(jst(9, 0, 10))
        #expect(await eventually { await daemon.status().displays.first?.items["main"] == "tax" })

        // A screenshot is the frame on screen.
        let shot = try #require(await daemon.screenshot(display: "lobby"))
        #expect(shot.width == 480 && shot.height == 270 && shot.blackFraction < 0.2)
        #expect(await daemon.screenshot(display: "nowhere") == nil)

        clock.set(jst(9, 0, 12))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(sink.all.map(\.item) == ["mynumber", "tax"], "the item on screen is recorded at shutdown")
        #expect(sink.all.last?.end == jst(9, 0, 12))
    }

    @Test func aDisplayStuckInItsOutputHoldsUpNeitherTheOtherDisplayNorTheStatus() async throws {
        let folder = try PlaylistFolder()
        try folder.write("lobby.yaml", announcementPlaylist([("mynumber", "マイナンバーカードの申請", 600)], layout: "main+ticker", extra: """
          - id: snow
            zone: ticker
            ticker: 本日は大雪のため市バスに遅れが出ています。
            duration: 600s

        """))
        let stuck = DisplayConfig(name: "stuck", profile: smallLCD, output: .memory, fps: 10)
        let lively = DisplayConfig(name: "lively", profile: smallLCD, output: .memory, fps: 10)
        let config = SiteConfig(site: "札幌市役所 本庁舎", playlistsDirectory: folder.path, stateDirectory: folder.path,
                                displays: [stuck, lively])
        // Stuck until the test lets it go, however long the other display takes on a loaded
        // machine (it once took over 3 s to present its 10 frames, the stuck one's old timeout).
        let release = DispatchSemaphore(value: 0)
        let daemon = Daemon(config: config, logger: quietLogger, phraseModel: nil, clockNotBefore: jst(0, 0),
                            openOutput: { display in
                                { () throws(OutputError) -> FrameOutput in
                                    display.name == "stuck" ? StuckOutput(until: release) : MemoryOutput(width: 480, height: 270, description: "memory")
                                }
                            })
        daemon.loadPlaylists()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }, logger: quietLogger))
        let running = Task { try await group.run() }
        // The stuck display is inside its first present; meanwhile the other animates.
        #expect(await eventually { await daemon.status().displays.last?.framesPresented ?? 0 >= 10 })
        let asked = ContinuousClock.now
        let status = await daemon.status()
        #expect(ContinuousClock.now - asked < .milliseconds(200), "status answers at once")
        #expect(status.displays.first?.framesPresented == 0)
        release.signal()
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

/// An output whose first present blocks its thread until `release` is signalled, as a wedged
/// device driver would.
final class StuckOutput: FrameOutput {
    let release: DispatchSemaphore
    let screenWidth = 480, screenHeight = 270, pacesFrames = false
    var description: String { "stuck" }
    init(until release: DispatchSemaphore) { self.release = release }
    func present(_ frame: PixelView, at origin: PixelPoint, changedRows: Range<Int>?) throws(OutputError) {
        release.wait()
        release.signal()  // once let go, never stuck again
    }
    func setPower(on: Bool) throws(OutputError) {}
}
