import OshiraseCore
import OshiraseDevices
import Testing

@Suite("GY-MCU90614 byte protocol")
struct GYMCU90614Tests {
    @Test func commandsCarryTheirChecksum() {
        #expect(GYMCU90614.continuousOutput == [0xA5, 0x45, 0xEA])
        #expect(GYMCU90614.queryOnce == [0xA5, 0x15, 0xBA])
    }

    @Test func theDatasheetExampleDecodesAndEncodes() {
        let bytes: [UInt8] = [0x5A, 0x5A, 0x45, 0x04, 0x0C, 0x78, 0x0D, 0x19, 0xA7]
        var decoder = GYMCU90614Decoder()
        #expect(decoder.feed(bytes) == [.init(object: 31.92, ambient: 33.53)])
        #expect(GYMCU90614.frame(object: 31.92, ambient: 33.53) == bytes)
    }

    @Test func temperaturesBelowZeroAreSigned() {
        var decoder = GYMCU90614Decoder()
        let frames = decoder.feed(GYMCU90614.frame(object: -5.25, ambient: -12.5))
        #expect(frames == [.init(object: -5.25, ambient: -12.5)])
    }

    @Test func aFrameSplitAcrossReadsIsAssembled() {
        var decoder = GYMCU90614Decoder()
        let bytes = GYMCU90614.frame(object: 36.4, ambient: 22.0)
        #expect(decoder.feed(bytes[0..<4]).isEmpty)
        #expect(decoder.feed(bytes[4..<8]).isEmpty)
        #expect(decoder.feed(bytes[8...]) == [.init(object: 36.4, ambient: 22.0)])
    }

    @Test func garbageBeforeAndBetweenFramesIsSkipped() {
        var decoder = GYMCU90614Decoder()
        let garbage: [UInt8] = [0x00, 0x5A, 0xFF, 0x5A, 0x5A, 0x45]
        let stream = garbage + GYMCU90614.frame(object: 36.5, ambient: 21.0) + [0x5A] + GYMCU90614.frame(object: 36.6, ambient: 21.0)
        #expect(decoder.feed(stream).map(\.object) == [36.5, 36.6])
        #expect(decoder.skippedBytes == garbage.count + 1)
    }

    @Test func aBadChecksumIsCountedAndTheNextGoodFrameIsKept() {
        var decoder = GYMCU90614Decoder()
        var bad = GYMCU90614.frame(object: 38.0, ambient: 21.0)
        bad[8] &+= 1
        // A damaged frame cut short, then a good one right behind it.
        let stream = Array(bad) + Array(bad.prefix(6)) + GYMCU90614.frame(object: 36.2, ambient: 21.0)
        #expect(decoder.feed(stream) == [.init(object: 36.2, ambient: 21.0)])
        #expect(decoder.checksumErrors >= 1)
    }

    @Test func tenThousandFramesWithCorruptedBytesNeverYieldAValueThatWasNotSent() {
        var generator = SplitMix64(seed: 20261127)
        var sent = Set<[UInt8]>()
        var stream: [UInt8] = []
        for _ in 0..<10_000 {
            let object = Double(3400 + Int(generator.next() % 800)) / 100
            let frame = GYMCU90614.frame(object: object, ambient: 22.5)
            sent.insert(Array(frame[4..<8]))
            // One byte in ten is replaced: a single changed byte always breaks the checksum.
            stream += frame.map { byte in generator.next() % 10 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : byte }
        }
        var decoder = GYMCU90614Decoder()
        var decoded: [GYMCU90614Decoder.Frame] = []
        for chunk in stride(from: 0, to: stream.count, by: 37) {
            decoded += decoder.feed(stream[chunk..<min(stream.count, chunk + 37)])
        }
        let wrong = decoded.filter { frame in !sent.contains(Array(GYMCU90614.frame(object: frame.object, ambient: frame.ambient)[4..<8])) }
        #expect(decoded.count > 3_000, "about 0.9^9 of the frames survive intact")
        #expect(wrong.count <= decoded.count / 200, "\(wrong.count) of \(decoded.count) decoded frames were never sent")
        #expect(decoder.checksumErrors > 0)
    }
}
