import OshiraseCore
@testable import OshiraseDaemon
import OshiraseImaging
import Testing

/// The fleet thumbnail: small, and without a kiosk's temperature panel.
@Suite struct FleetThumbnailTests {
    /// A frame of `profile`'s size: dark blue above, noisy (a visitor's result, say) everywhere.
    func noisyFrame(_ profile: DisplayProfile) -> Bitmap {
        var generator = SystemRandomNumberGenerator()
        let pixels = (0..<(profile.width * profile.height)).flatMap { _ -> [UInt8] in
            let v = UInt8.random(in: 0...255, using: &generator)
            return [v, v / 2, 255 - v, 255]
        }
        return Bitmap(width: profile.width, height: profile.height, stride: profile.width * 4, pixels: pixels)
    }

    @Test func aKioskThumbnailShowsItsTemperaturePanelEmpty() throws {
        let kiosk = DisplayProfile.dsignClean
        let jpeg = try #require(FleetLink.thumbnail(of: noisyFrame(kiosk), profile: kiosk))
        let thumb = try ImageDecoder.decode(jpeg).bitmap
        #expect((thumb.width, thumb.height) == (180, 320))
        let panel = try #require(kiosk.temperaturePanel)
        // JPEG codes 16-row blocks: the rows of the block that straddles the panel's edge mix both.
        let firstPanelRow = Int((panel.y / Double(kiosk.height) * Double(thumb.height)).rounded(.up)) + 16
        let background = Theme.temperaturePanel.background
        var noisy: [String] = []
        for y in firstPanelRow..<thumb.height {
            for x in 0..<thumb.width {
                let i = y * thumb.stride + x * 4
                let (b, g, r) = (Int(thumb.pixels[i]), Int(thumb.pixels[i + 1]), Int(thumb.pixels[i + 2]))
                if abs(r - Int(background.r)) > 8 || abs(g - Int(background.g)) > 8 || abs(b - Int(background.b)) > 8 {
                    noisy.append("(\(x), \(y)): \(r),\(g),\(b)")
                }
            }
        }
        let noisyCount = noisy.count
        #expect(noisyCount == 0, "\(noisy.count) panel pixels are not its empty background, e.g. \(noisy.prefix(5))")
        // Above it, the frame is there (noise averages to grey-blue, not the panel's near-white).
        let above = thumb.pixels[(10 * thumb.stride)..<(10 * thumb.stride + 4)]
        #expect(Int(above[above.startIndex + 2]) < 200, "the content above the panel is gone")
    }

    @Test func aLobbyThumbnailIsTheWholeFrameInAFewKiB() throws {
        let lobby = DisplayProfile.lcd1080p
        var flat = Bitmap(width: lobby.width, height: lobby.height, stride: lobby.width * 4,
                          pixels: [UInt8](repeating: 0x80, count: lobby.width * lobby.height * 4))
        flat.pixels[0] = 0
        let jpeg = try #require(FleetLink.thumbnail(of: flat, profile: lobby))
        let thumb = try ImageDecoder.decode(jpeg).bitmap
        #expect((thumb.width, thumb.height) == (320, 180))
        #expect(jpeg.count < 4096, "\(jpeg.count) bytes")
    }
}
