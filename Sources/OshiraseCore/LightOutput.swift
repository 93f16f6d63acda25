import Foundation

/// Software post-processing of a display's light output, for LED walls, and the one place its
/// defaults are decided: the config, the frame loop, the renderer and `oshirase render` all ask
/// ``forDisplay(_:percent:cieGamma:)``.
public struct LightOutput: Sendable, Equatable {
    /// 0…1 of full brightness.
    package var brightness: Double
    /// Map sRGB code values through CIE 1931 lightness, as LED sending cards expect linear PWM duty.
    package var cieGamma: Bool

    /// Brightness outside every `brightness` window of the config, and `render`'s without
    /// `--brightness`: full.
    package static let defaultPercent = 100.0
    /// The curve unless the config says `gamma: none` (or `render --gamma none`).
    public static let defaultCIEGamma = true

    package init(brightness: Double = LightOutput.defaultPercent / 100, cieGamma: Bool = LightOutput.defaultCIEGamma) {
        self.brightness = brightness
        self.cieGamma = cieGamma
    }

    /// What a display of `profile` sends: nil on LCDs and kiosks, which send what is drawn; on an
    /// LED wall, `percent` (default full) through the curve (default CIE 1931).
    package static func forDisplay(_ profile: DisplayProfile, percent: Double? = nil, cieGamma: Bool? = nil) -> LightOutput? {
        guard profile.kind == .led else { return nil }
        return LightOutput(brightness: (percent ?? defaultPercent) / 100, cieGamma: cieGamma ?? defaultCIEGamma)
    }

    /// The lookup table from a drawn code value to the value sent: CIE 1931 lightness to PWM duty
    /// (with `cieGamma`), times the brightness.
    package var table: [UInt8] {
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
}
