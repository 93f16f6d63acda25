import FuzzSupport
import OshiraseDevices

// The GY-MCU90614 thermometer's byte stream, as the serial port delivers it: in chunks of any
// size. The low three bits of byte 0 say how many chunk sizes follow (bytes 1…n, each 1–64,
// used in turn); the rest is the stream.
//
// The decoder must not care how the bytes were cut: fed in chunks, it finds the same frames
// and counts the same skipped bytes and checksum errors as fed all at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let first = bytes.first else { return 0 }
    let sizeCount = Int(first & 0x07)
    guard bytes.count > sizeCount else { return 0 }
    let chunkSizes = bytes[1..<(sizeCount + 1)].map { Int($0 & 0x3F) + 1 }
    let stream = bytes[(sizeCount + 1)...]

    var chunked = GYMCU90614Decoder()
    var frames: [GYMCU90614Decoder.Frame] = []
    var position = stream.startIndex
    var turn = 0
    while position < stream.endIndex {
        let length = chunkSizes.isEmpty ? stream.count : chunkSizes[turn % chunkSizes.count]
        let end = min(stream.endIndex, position + length)
        frames += chunked.feed(stream[position..<end])
        position = end
        turn += 1
    }
    var whole = GYMCU90614Decoder()
    let once = whole.feed(stream)
    require(frames == once, "chunked feeding found \(frames.count) frames, feeding at once \(once.count)")
    require(chunked.skippedBytes == whole.skippedBytes && chunked.checksumErrors == whole.checksumErrors,
                 "chunked feeding counted other skipped bytes or checksum errors")
    return 0
}

runLibFuzzer(fuzz)
