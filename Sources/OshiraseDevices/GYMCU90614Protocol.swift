/// The byte protocol of the GY-MCU90614 module (an MLX90614 behind a small MCU on a UART),
/// pure and shared by the serial reader and the simulator that speaks it (docs/sensors.md).
///
/// Commands are three bytes `A5 cmd sum`, sum the low byte of the first two. Each reading is the
/// 9-byte frame `5A 5A 45 04 TOh TOl TAh TAl SUM`: object and ambient temperatures as signed
/// 16-bit big-endian hundredths of °C, SUM the low byte of the sum of bytes 0–7.
package enum GYMCU90614 {
    /// Ask for continuous output (about 14 readings a second).
    package static let continuousOutput: [UInt8] = command(0x45)
    /// Ask for one reading.
    package static let queryOnce: [UInt8] = command(0x15)

    package static let frameLength = 9
    static let header: [UInt8] = [0x5A, 0x5A, 0x45, 0x04]

    static func command(_ code: UInt8) -> [UInt8] {
        [0xA5, code, UInt8(truncatingIfNeeded: 0xA5 + Int(code))]
    }

    /// The frame the module sends for these temperatures (rounded to hundredths, clamped to
    /// the 16-bit range).
    package static func frame(object: Double, ambient: Double) -> [UInt8] {
        func word(_ celsius: Double) -> (UInt8, UInt8) {
            let hundredths = Int16(clamping: Int((celsius * 100).rounded()))
            let bits = UInt16(bitPattern: hundredths)
            return (UInt8(bits >> 8), UInt8(bits & 0xFF))
        }
        let (oh, ol) = word(object), (ah, al) = word(ambient)
        var bytes = header + [oh, ol, ah, al]
        bytes.append(UInt8(truncatingIfNeeded: bytes.reduce(0) { $0 + Int($1) }))
        return bytes
    }
}

/// Turns a byte stream from the module into readings, whatever arrives: it resynchronises after
/// garbage and after a frame with a bad checksum without losing the good frame that follows.
public struct GYMCU90614Decoder: Sendable {
    /// One decoded frame: object and ambient °C.
    public struct Frame: Sendable, Equatable {
        public var object: Double
        public var ambient: Double
        public init(object: Double, ambient: Double) {
            self.object = object
            self.ambient = ambient
        }
    }

    /// Frames whose checksum did not match.
    public private(set) var checksumErrors = 0
    /// Bytes skipped because they were not part of a frame.
    public private(set) var skippedBytes = 0
    private var buffer: [UInt8] = []

    public init() {}

    /// Feeds bytes as they come off the wire; returns every complete valid frame among them.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [Frame] where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var frames: [Frame] = []
        var start = 0
        let header = GYMCU90614.header
        while buffer.count - start >= GYMCU90614.frameLength {
            guard buffer[start..<(start + header.count)].elementsEqual(header) else {
                start += 1
                skippedBytes += 1
                continue
            }
            let sum = buffer[start..<(start + 8)].reduce(0) { $0 + Int($1) }
            guard UInt8(truncatingIfNeeded: sum) == buffer[start + 8] else {
                // Not a frame after all (or a damaged one): look for the next header from the
                // following byte, so a good frame hidden inside is still found.
                checksumErrors += 1
                start += 1
                skippedBytes += 1
                continue
            }
            func celsius(_ high: UInt8, _ low: UInt8) -> Double {
                Double(Int16(bitPattern: UInt16(high) << 8 | UInt16(low))) / 100
            }
            frames.append(Frame(object: celsius(buffer[start + 4], buffer[start + 5]),
                                ambient: celsius(buffer[start + 6], buffer[start + 7])))
            start += GYMCU90614.frameLength
        }
        // What is left is shorter than a frame: it may be the start of the next one.
        if start > 0 { buffer.removeFirst(start) }
        return frames
    }
}
