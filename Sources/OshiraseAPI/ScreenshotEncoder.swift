import Foundation
import OshiraseDaemon
import OshiraseImaging
import Synchronization

/// Turns display frames into PNG for `/v1/screenshot`, off Swift's cooperative threads and with
/// the last PNG of each display kept, so that polls of an unchanged screen cost a hash, not an encode.
///
/// A 1080p PNG takes tens of milliseconds of CPU. Done inline, it would hold one of the
/// cooperative pool's few threads (two on a signage box) that the frame loops also need, so the
/// work runs on a thread of its own at nice 10: when clients poll screenshots as fast as they can,
/// the frame loops (nice 0) still get the cores first, and screenshots get what is left. The one
/// thread also makes the work serial, so a second request for the same frame finds the PNG the
/// first one made.
final class ScreenshotEncoder: @unchecked Sendable {
    // @unchecked: `latest` and `encodeCount` are read and written only by jobs on `worker`,
    // whose one thread runs them one at a time.
    private let worker = ThreadExecutor(name: "screenshot-png", niceness: ScreenshotEncoder.niceness)
    private var latest: [String: Encoded] = [:]

    /// The encoding thread's nice value.
    static let niceness: Int32 = 10

    deinit { worker.shutdown() }

    private struct Encoded {
        var key: FrameKey
        var png: [UInt8]
    }

    /// Identifies a frame by its size and a hash of every pixel byte. Holding a hash rather than
    /// the frame keeps the cache at one PNG per display instead of one 8 MB frame as well.
    struct FrameKey: Equatable {
        var width: Int
        var height: Int
        var stride: Int
        var pixelHash: Int

        init(_ frame: Bitmap) {
            width = frame.width
            height = frame.height
            stride = frame.stride
            var hasher = Hasher()
            frame.pixels.withUnsafeBytes { hasher.combine(bytes: $0) }
            pixelHash = hasher.finalize()
        }
    }

    /// How many PNGs have been encoded (the rest were served from the cache); for tests.
    private var encodeCount = 0

    /// What a screenshot request gets.
    enum Screenshot: Sendable {
        case png([UInt8])
        /// The display has presented no frame (or there is no such display).
        case noFrame
        case failed(ImageError)
    }

    /// The screenshot being taken per display, which requests arriving meanwhile share.
    private let inFlight = Mutex<[String: Task<Screenshot, Never>]>([:])
    /// Requests that joined a screenshot already being taken; for tests.
    private let joined = Atomic<Int>(0)

    /// How many requests have shared a screenshot another request was taking.
    var joinedRequests: Int { joined.load(ordering: .relaxed) }

    /// The latest frame of `display` as PNG, `fetch` asking the daemon for the frame.
    ///
    /// Requests for a display that arrive while its screenshot is being taken share that one:
    /// one frame copy (8 MB at 1080p) and one encode, however many clients poll at once. Without
    /// that, 16 clients polling as fast as they could held 16 copies and 16 encodes at a time
    /// (measured: RSS 113 → 278 MB, and the lobby's frame rate down to 93 %). A request that
    /// joins gets a frame at most one encode older than the moment it arrived.
    func screenshot(display: String, fetch: @escaping @Sendable () async -> Bitmap?) async -> Screenshot {
        let task = inFlight.withLock { tasks -> Task<Screenshot, Never> in
            if let running = tasks[display] {
                joined.add(1, ordering: .relaxed)
                return running
            }
            let task = Task { () -> Screenshot in
                guard let frame = await fetch() else { return .noFrame }
                switch await self.png(of: frame, display: display) {
                case .success(let png): return .png(png)
                case .failure(let error): return .failed(error)
                }
            }
            tasks[display] = task
            return task
        }
        let outcome = await task.value
        inFlight.withLock { tasks in
            if tasks[display] == task { tasks[display] = nil }
        }
        return outcome
    }

    /// The frame as PNG, reusing the last PNG made for `display` when the pixels are the same.
    func png(of frame: Bitmap, display: String) async -> Result<[UInt8], ImageError> {
        // The body does not suspend, so it runs on the worker's thread as one job.
        await withTaskExecutorPreference(worker) { self.encodeOnWorker(frame, display: display) }
    }

    /// How many encodes have run so far, read in order with the encodes themselves.
    func encodes() async -> Int {
        await withTaskExecutorPreference(worker) { self.encodeCount }
    }

    /// The nice value of the thread that encodes, as the kernel reports it; for tests.
    func encodingThreadNiceness() async -> Int32 {
        await withTaskExecutorPreference(worker) { ThreadExecutor.currentThreadNiceness }
    }

    private func encodeOnWorker(_ frame: Bitmap, display: String) -> Result<[UInt8], ImageError> {
        let key = FrameKey(frame)
        if let cached = latest[display], cached.key == key {
            return .success(cached.png)
        }
        do throws(ImageError) {
            let png = try ImageEncoder.png(frame)
            encodeCount += 1
            latest[display] = Encoded(key: key, png: png)
            return .success(png)
        } catch {
            return .failure(error)
        }
    }
}
