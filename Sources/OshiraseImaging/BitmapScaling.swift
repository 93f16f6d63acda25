extension Bitmap {
    /// A copy at most `maxWidth` × `maxHeight`, the aspect ratio kept, each pixel the average of
    /// the source pixels it covers (a box filter: fine text blurs rather than flickers); the
    /// bitmap itself when it already fits. For the fleet's thumbnails.
    package func scaledDown(toFit maxWidth: Int, _ maxHeight: Int) -> Bitmap {
        guard width > 0, height > 0, maxWidth > 0, maxHeight > 0, width > maxWidth || height > maxHeight else { return self }
        let scale = min(Double(maxWidth) / Double(width), Double(maxHeight) / Double(height))
        let outWidth = max(1, min(maxWidth, Int((Double(width) * scale).rounded())))
        let outHeight = max(1, min(maxHeight, Int((Double(height) * scale).rounded())))
        // Source column range of each destination column, computed once.
        let columns = (0..<outWidth).map { x in (x * width / outWidth, max(x * width / outWidth + 1, (x + 1) * width / outWidth)) }
        var out = [UInt8](repeating: 0, count: outWidth * 4 * outHeight)
        pixels.withUnsafeBufferPointer { source in
            for y in 0..<outHeight {
                let top = y * height / outHeight
                let bottom = max(top + 1, (y + 1) * height / outHeight)
                for (x, (left, right)) in columns.enumerated() {
                    var sums = (0, 0, 0, 0)
                    for row in top..<bottom {
                        var i = row * stride + left * 4
                        for _ in left..<right {
                            sums.0 += Int(source[i]); sums.1 += Int(source[i + 1])
                            sums.2 += Int(source[i + 2]); sums.3 += Int(source[i + 3])
                            i += 4
                        }
                    }
                    let count = (bottom - top) * (right - left)
                    let o = (y * outWidth + x) * 4
                    out[o] = UInt8((sums.0 + count / 2) / count)
                    out[o + 1] = UInt8((sums.1 + count / 2) / count)
                    out[o + 2] = UInt8((sums.2 + count / 2) / count)
                    out[o + 3] = UInt8((sums.3 + count / 2) / count)
                }
            }
        }
        return Bitmap(width: outWidth, height: outHeight, stride: outWidth * 4, pixels: out)
    }
}
