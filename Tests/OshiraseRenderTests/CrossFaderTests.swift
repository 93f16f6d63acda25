import Foundation
import OshiraseCore
import OshiraseImaging
@testable import OshiraseRender
import Testing

@Suite("Cross-fades between frames")
struct CrossFaderTests {
    /// A 4×4 frame of one colour (BGRA bytes).
    static func frame(_ value: UInt8) -> Bitmap {
        Bitmap(width: 4, height: 4, stride: 16, pixels: [UInt8](repeating: value, count: 64))
    }

    /// What the fader hands out for `new` at `time`, as bytes, and whether it was a blend.
    static func shown(_ fader: CrossFader, _ new: Bitmap, at time: Date, crispFrom: Int = 4) -> [UInt8] {
        var out: [UInt8] = []
        new.withPixelView { view in
            fader.frame(view, at: time, crispFrom: crispFrom) { shown in out = Bitmap(copying: shown).pixels }
        }
        return out
    }

    @Test func halfWayIsHalfOfEachAndTheEndIsTheNewFrameItself() {
        let fader = CrossFader()
        let t0 = Date(timeIntervalSince1970: 1_795_737_600)
        #expect(Self.shown(fader, Self.frame(200), at: t0) == Self.frame(200).pixels, "without a fade, the frame as drawn")
        fader.begin(from: Self.frame(0).pixels, at: t0, duration: 0.4)
        #expect(fader.isFading && !fader.showsBlend)
        let half = Self.shown(fader, Self.frame(200), at: t0.addingTimeInterval(0.2))
        #expect(half.allSatisfy { $0 == 100 }, "\(half.prefix(8))")
        #expect(fader.showsBlend && fader.blendOnScreen == half, "the blend is what is on screen")
        let end = Self.shown(fader, Self.frame(200), at: t0.addingTimeInterval(0.5))
        #expect(end == Self.frame(200).pixels && !fader.isFading && fader.blendOnScreen == nil)
    }

    @Test func theRowsOfTheTemperaturePanelAreNeverFaded() {
        let fader = CrossFader()
        let t0 = Date(timeIntervalSince1970: 1_795_737_600)
        fader.begin(from: Self.frame(0).pixels, at: t0, duration: 1)
        let shown = Self.shown(fader, Self.frame(240), at: t0.addingTimeInterval(0.25), crispFrom: 2)
        #expect(shown[0..<32].allSatisfy { $0 == 60 }, "the upper rows fade: a quarter of the way")
        #expect(shown[32..<64].allSatisfy { $0 == 240 }, "the panel's rows appear whole at once")
    }

    @Test func stoppingCutsToTheNextFrame() {
        let fader = CrossFader()
        let t0 = Date(timeIntervalSince1970: 1_795_737_600)
        fader.begin(from: Self.frame(0).pixels, at: t0, duration: 1)
        _ = Self.shown(fader, Self.frame(240), at: t0.addingTimeInterval(0.5))
        fader.stop()
        #expect(!fader.isFading && fader.blendOnScreen == nil)
        #expect(Self.shown(fader, Self.frame(240), at: t0.addingTimeInterval(0.6)) == Self.frame(240).pixels)
    }
}
