import Dispatch
import Foundation
import OshiraseImaging

/// Turns display frames into PNG for `/v1/screenshot`, off Swift's cooperative threads and with
/// the last PNG of each display kept, so that polls of an unchanged screen cost a hash, not an encode.
///
/// A 1080p PNG takes tens of milliseconds of CPU. Done inline, it would hold one of the
/// cooperative pool's few threads (two on a signage box) that the frame loops also need, so the
/// work runs on one serial dispatch queue instead. Being serial, it also lets a second request
/// for the same frame find the PNG the first one made.
final class ScreenshotEncoder: @unchecked Sendable {
    // @unchecked: `latest` is read and written only by blocks on `queue`, which is serial.
    private let queue = DispatchQueue(label: "oshirase.api.screenshot-png", qos: .utility)
    private var latest: [String: Encoded] = [:]

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

    /// The frame as PNG, reusing the last PNG made for `display` when the pixels are the same.
    func png(of frame: Bitmap, display: String) async -> Result<[UInt8], ImageError> {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.encodeOnQueue(frame, display: display))
            }
        }
    }

    /// How many encodes have run so far, read in order with the encodes themselves.
    func encodes() async -> Int {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.encodeCount) }
        }
    }

    private func encodeOnQueue(_ frame: Bitmap, display: String) -> Result<[UInt8], ImageError> {
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
