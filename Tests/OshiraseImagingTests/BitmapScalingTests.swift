@testable import OshiraseImaging
import Testing

@Suite struct BitmapScalingTests {
    /// A bitmap whose left half is one colour and right half another.
    func halves(width: Int, height: Int) -> Bitmap {
        var pixels = [UInt8](repeating: 0, count: width * 4 * height)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 4
                let colour: [UInt8] = x < width / 2 ? [0x20, 0x40, 0x60, 0xff] : [0xf0, 0xe0, 0xd0, 0xff]
                pixels.replaceSubrange(i..<(i + 4), with: colour)
            }
        }
        return Bitmap(width: width, height: height, stride: width * 4, pixels: pixels)
    }

    @Test func fitsTheBoxKeepingTheAspectRatio() {
        let frame = halves(width: 1920, height: 1080)
        let small = frame.scaledDown(toFit: 320, 320)
        #expect((small.width, small.height) == (320, 180))
        let kiosk = halves(width: 1080, height: 1920).scaledDown(toFit: 320, 320)
        #expect((kiosk.width, kiosk.height) == (180, 320))
        let led = halves(width: 384, height: 216).scaledDown(toFit: 320, 320)
        #expect((led.width, led.height) == (320, 180))
    }

    @Test func eachPixelIsTheAverageOfWhatItCovers() {
        let small = halves(width: 1920, height: 1080).scaledDown(toFit: 320, 320)
        #expect(Array(small.pixels[0..<4]) == [0x20, 0x40, 0x60, 0xff])
        #expect(Array(small.pixels[(319 * 4)..<(320 * 4)]) == [0xf0, 0xe0, 0xd0, 0xff])
        // Three columns that straddle the border average both colours.
        let odd = halves(width: 6, height: 2).scaledDown(toFit: 2, 2)
        #expect((odd.width, odd.height) == (2, 1))
        #expect(Array(odd.pixels[0..<4]) == [0x20, 0x40, 0x60, 0xff])
        let mixed = halves(width: 4, height: 1).scaledDown(toFit: 1, 1)
        #expect(Array(mixed.pixels[0..<4]) == [0x88, 0x90, 0x98, 0xff])
    }

    @Test func aBitmapThatFitsIsReturnedAsItIs() {
        let frame = halves(width: 200, height: 100)
        #expect(frame.scaledDown(toFit: 320, 320) == frame)
    }
}
