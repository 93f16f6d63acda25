import Foundation
import OshiraseImaging

/// What tells one version of a file from another: size and modification time (nil when the file
/// cannot be seen).
struct FileIdentity: Equatable {
    let size: Int64
    let modified: Int
    let modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modified = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }
}

/// Decoded images by path, each with the file's identity when decoded, so a replaced file is
/// decoded again; a file that cannot be shown is remembered with its reason until it changes.
final class ImageCache {
    private var images: [String: (identity: FileIdentity?, surface: ImageSurface)] = [:]
    private var broken: [String: (identity: FileIdentity?, reason: String)] = [:]
    /// At most this many images (and as many broken files) are kept.
    let countLimit = 16
    /// Pixel bytes the cache may hold (four images at the largest kept size).
    let byteLimit = 4 * ImageSurface.maxPixels * 4

    /// The image at `path`, decoded now or before, or why it cannot be shown.
    func surface(at path: String) -> Result<ImageSurface, RenderError> {
        let identity = FileIdentity(path: path)
        if let cached = images[path], cached.identity == identity { return .success(cached.surface) }
        if let known = broken[path], known.identity == identity { return .failure(RenderError(known.reason)) }
        do {
            let image = try ImageSurface(decoded: try ImageDecoder.decodeFile(atPath: path))
            if images.count >= countLimit
                || images.values.reduce(image.byteCount, { $0 + $1.surface.byteCount }) > byteLimit {
                images.removeAll()
            }
            images[path] = (identity, image)
            broken[path] = nil
            return .success(image)
        } catch {
            if broken.count >= countLimit { broken.removeAll() }
            broken[path] = (identity, "\(error)")
            images[path] = nil
            return .failure(RenderError("\(error)"))
        }
    }
}
