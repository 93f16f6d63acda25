import OshiraseImaging
import Testing

@Suite struct CrossFadeTests {
    /// The formula, one byte at a time.
    private static func reference(_ old: [UInt8], _ new: [UInt8], weight: UInt32) -> [UInt8] {
        zip(old, new).map { a, b in UInt8(truncatingIfNeeded: (UInt32(a) * (256 - weight) + UInt32(b) * weight) >> 8) }
    }

    private static func blended(_ old: [UInt8], _ new: [UInt8], weight: UInt32) -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: old.count)
        old.withUnsafeBytes { o in
            new.withUnsafeBytes { n in
                out.withUnsafeMutableBytes { d in
                    guard let ob = o.baseAddress, let nb = n.baseAddress, let db = d.baseAddress else { return }
                    CrossFade.blend(old: ob, new: nb, into: db, count: old.count, weight: weight)
                }
            }
        }
        return out
    }

    @Test("Every weight from 0 to 256 gives the byte-by-byte formula, across the 8-byte words and the tail",
          arguments: [0, 1, 7, 8, 9, 15, 16, 17, 33, 7680, 7683])
    func matchesTheFormula(count: Int) {
        // A fixed sequence (SplitMix64), so that a failure is the same on every run; the first
        // bytes are 0 and 255, the extremes.
        var state: UInt64 = 0x5EED_0000_0000_0000 &+ UInt64(count)
        func next() -> UInt8 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
        var old = (0..<count).map { _ in next() }
        var new = (0..<count).map { _ in next() }
        if count >= 2 {
            (old[0], new[0]) = (0, 255)
            (old[1], new[1]) = (255, 0)
        }
        for weight in UInt32(0)...256 {
            #expect(Self.blended(old, new, weight: weight) == Self.reference(old, new, weight: weight), "weight \(weight)")
        }
    }

    @Test("The ends: weight 0 is the old frame, 256 the new; the extremes of a byte do not overflow")
    func ends() {
        let old = [UInt8](repeating: 255, count: 40), new = [UInt8](repeating: 0, count: 40)
        #expect(Self.blended(old, new, weight: 0) == old)
        #expect(Self.blended(old, new, weight: 256) == new)
        #expect(Self.blended(new, old, weight: 256) == old)
        #expect(Self.blended(old, old, weight: 128) == old, "255 blended with 255 stays 255")
        // Out of range weights count as 256.
        #expect(Self.blended(old, new, weight: 1000) == new)
    }
}
