import Foundation

/// Software post-processing of a display's light output, for LED walls.
public struct LightOutput: Sendable, Equatable {
    /// 0…1 of full brightness.
    public var brightness: Double
    /// Map sRGB code values through CIE 1931 lightness, as LED sending cards expect linear PWM duty.
    public var cieGamma: Bool

    public init(brightness: Double = 1, cieGamma: Bool = true) {
        self.brightness = brightness
        self.cieGamma = cieGamma
    }

    /// The lookup table from a drawn code value to the value sent: CIE 1931 lightness to PWM duty
    /// (with `cieGamma`), times the brightness.
    var table: [UInt8] {
        var table = [UInt8](repeating: 0, count: 256)
        let scale = max(0, min(1, brightness))
        for i in 0..<256 {
            var v = Double(i) / 255
            if cieGamma {
                let l = v * 100
                v = l <= 8 ? l / 903.3 : pow((l + 16) / 116, 3)
            }
            table[i] = UInt8(max(0, min(255, (v * scale * 255).rounded())))
        }
        return table
    }

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
