import OshiraseCore

extension LightOutput {
    /// Rewrites every pixel of `canvas` through ``table`` (alpha kept).
    func apply(to canvas: Canvas) {
        let table = self.table
        canvas.withPixels { pixels, stride in
            for y in 0..<canvas.height {
                let row = y * stride
                for x in 0..<canvas.width {
                    let o = row + x * 4
                    pixels[o] = table[Int(pixels[o])]
                    pixels[o + 1] = table[Int(pixels[o + 1])]
                    pixels[o + 2] = table[Int(pixels[o + 2])]
                }
            }
        }
    }
}
