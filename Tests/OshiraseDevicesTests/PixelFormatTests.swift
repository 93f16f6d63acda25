import OshiraseDevices
import OshiraseImaging
import Testing

/// Reference bytes of four colours in each layout, worked out by hand from the bitfields.
///
/// 565 rounds each channel to nearest, round(c × max / 255): grey 0x80 → R 16, G 32, B 16;
/// DodgerBlue #1E90FF → R 4 (30 × 31 / 255 = 3.65), G 36 (144 × 63 / 255 = 35.6), B 31.
/// Pixel values are stored little-endian. The fourth byte of 32 bpp pixels is always 0xFF.
struct FormatCase: CustomTestStringConvertible, Sendable {
    let format: PixelFormat
    let name: String
    let red: [UInt8]
    let grey: [UInt8]
    let white: [UInt8]
    let dodgerBlue: [UInt8]
    var testDescription: String { name }

    static let all: [FormatCase] = [
        FormatCase(format: .xrgb8888, name: "XRGB8888",
                   red: [0x00, 0x00, 0xFF, 0xFF], grey: [0x80, 0x80, 0x80, 0xFF],
                   white: [0xFF, 0xFF, 0xFF, 0xFF], dodgerBlue: [0xFF, 0x90, 0x1E, 0xFF]),
        FormatCase(format: .argb8888, name: "ARGB8888",
                   red: [0x00, 0x00, 0xFF, 0xFF], grey: [0x80, 0x80, 0x80, 0xFF],
                   white: [0xFF, 0xFF, 0xFF, 0xFF], dodgerBlue: [0xFF, 0x90, 0x1E, 0xFF]),
        FormatCase(format: .bgrx8888, name: "BGRX8888",
                   red: [0xFF, 0xFF, 0x00, 0x00], grey: [0xFF, 0x80, 0x80, 0x80],
                   white: [0xFF, 0xFF, 0xFF, 0xFF], dodgerBlue: [0xFF, 0x1E, 0x90, 0xFF]),
        FormatCase(format: .xbgr8888, name: "XBGR8888",
                   red: [0xFF, 0x00, 0x00, 0xFF], grey: [0x80, 0x80, 0x80, 0xFF],
                   white: [0xFF, 0xFF, 0xFF, 0xFF], dodgerBlue: [0x1E, 0x90, 0xFF, 0xFF]),
        FormatCase(format: try! PixelFormat(bitsPerPixel: 32, red: .init(offset: 24, length: 8),
                                            green: .init(offset: 16, length: 8), blue: .init(offset: 8, length: 8),
                                            transp: .init(offset: 0, length: 8)),
                   name: "RGBA8888",
                   red: [0xFF, 0x00, 0x00, 0xFF], grey: [0xFF, 0x80, 0x80, 0x80],
                   white: [0xFF, 0xFF, 0xFF, 0xFF], dodgerBlue: [0xFF, 0xFF, 0x90, 0x1E]),
        FormatCase(format: .rgb565, name: "RGB565",
                   red: [0x00, 0xF8], grey: [0x10, 0x84], white: [0xFF, 0xFF], dodgerBlue: [0x9F, 0x24]),
        FormatCase(format: .bgr565, name: "BGR565",
                   red: [0x1F, 0x00], grey: [0x10, 0x84], white: [0xFF, 0xFF], dodgerBlue: [0x84, 0xFC]),
        FormatCase(format: .rgb888, name: "RGB888",
                   red: [0x00, 0x00, 0xFF], grey: [0x80, 0x80, 0x80], white: [0xFF, 0xFF, 0xFF],
                   dodgerBlue: [0xFF, 0x90, 0x1E]),
        FormatCase(format: .bgr888, name: "BGR888",
                   red: [0xFF, 0x00, 0x00], grey: [0x80, 0x80, 0x80], white: [0xFF, 0xFF, 0xFF],
                   dodgerBlue: [0x1E, 0x90, 0xFF]),
        // 1555: G = round(144 × 31 / 255) = 18, so DodgerBlue is 4 << 10 | 18 << 5 | 31 = 0x125F.
        FormatCase(format: try! PixelFormat(bitsPerPixel: 16, red: .init(offset: 10, length: 5),
                                            green: .init(offset: 5, length: 5), blue: .init(offset: 0, length: 5),
                                            transp: .init(offset: 15, length: 1)),
                   name: "ARGB1555",
                   red: [0x00, 0xFC], grey: [0x10, 0xC2], white: [0xFF, 0xFF], dodgerBlue: [0x5F, 0x92]),
    ]

    func bytes(_ colour: RGB) -> [UInt8] {
        switch colour {
        case .red: red
        case .grey: grey
        case .white: white
        case .dodgerBlue: dodgerBlue
        default: preconditionFailure("no reference bytes for \(colour)")
        }
    }
}

@Suite struct PixelFormatTests {
    @Test(arguments: FormatCase.all)
    func convertsEachColourToTheReferenceBytes(_ reference: FormatCase) {
        #expect(reference.format.name == reference.name)
        let colours: [RGB] = [.red, .grey, .white, .dodgerBlue]
        let source = frame([colours])
        let bpp = reference.format.bytesPerPixel
        var out = [UInt8](repeating: 0xAA, count: colours.count * bpp + 1)
        source.pixels.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                reference.format.convertRow(from: src.baseAddress!, to: dst.baseAddress!, count: colours.count)
            }
        }
        #expect(Array(out.prefix(colours.count * bpp)) == colours.flatMap(reference.bytes))
        #expect(out.last == 0xAA, "wrote past the row")
    }

    @Test(arguments: FormatCase.all)
    func blackIsAllZeroExceptAnOpaqueAlpha(_ reference: FormatCase) {
        let expected: [UInt8] = switch reference.name {
        case "ARGB8888": [0x00, 0x00, 0x00, 0xFF]
        case "RGBA8888": [0xFF, 0x00, 0x00, 0x00]
        case "ARGB1555": [0x00, 0x80]
        default: [UInt8](repeating: 0, count: reference.format.bytesPerPixel)
        }
        #expect(reference.format.blackPixel == expected)
    }

    @Test func roundsEveryLevelToTheNearest565Level() {
        let greys = (0...255).map { RGB(UInt32($0) * 0x010101) }
        let source = frame([greys])
        var out = [UInt8](repeating: 0, count: 256 * 2)
        source.pixels.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                PixelFormat.rgb565.convertRow(from: src.baseAddress!, to: dst.baseAddress!, count: 256)
            }
        }
        for level in 0...255 {
            let five = UInt16((Double(level) * 31 / 255).rounded())
            let six = UInt16((Double(level) * 63 / 255).rounded())
            let value = UInt16(out[level * 2]) | UInt16(out[level * 2 + 1]) << 8
            #expect(value == five << 11 | six << 5 | five, "level \(level)")
        }
    }

    @Test func convertsFromAndToUnalignedAddresses() {
        let source = frame([[.dodgerBlue, .red]])
        var shifted = [UInt8](repeating: 0, count: 1) + source.pixels
        var out = [UInt8](repeating: 0, count: 1 + 4)
        shifted.withUnsafeMutableBytes { src in
            out.withUnsafeMutableBytes { dst in
                PixelFormat.rgb565.convertRow(from: src.baseAddress! + 1, to: dst.baseAddress! + 1, count: 2)
            }
        }
        #expect(out == [0x00, 0x9F, 0x24, 0x00, 0xF8])
    }

    @Test func choosesTheLayoutFromTheBitfieldsNotTheDepth() throws {
        func format(_ bpp: Int, _ r: (Int, Int), _ g: (Int, Int), _ b: (Int, Int), _ a: (Int, Int) = (0, 0)) throws -> String {
            try PixelFormat(bitsPerPixel: bpp, red: .init(offset: r.0, length: r.1), green: .init(offset: g.0, length: g.1),
                            blue: .init(offset: b.0, length: b.1), transp: .init(offset: a.0, length: a.1)).name
        }
        #expect(try format(32, (16, 8), (8, 8), (0, 8)) == "XRGB8888")
        #expect(try format(32, (16, 8), (8, 8), (0, 8), (24, 8)) == "ARGB8888")
        #expect(try format(32, (8, 8), (16, 8), (24, 8)) == "BGRX8888")
        #expect(try format(32, (0, 8), (8, 8), (16, 8), (24, 8)) == "ABGR8888")
        #expect(try format(16, (11, 5), (5, 6), (0, 5)) == "RGB565")
        #expect(try format(16, (0, 5), (5, 6), (11, 5)) == "BGR565")
        #expect(try format(16, (10, 5), (5, 5), (0, 5)) == "XRGB1555")
        #expect(try format(24, (16, 8), (8, 8), (0, 8)) == "RGB888")
        #expect(try format(24, (0, 8), (8, 8), (16, 8)) == "BGR888")
    }

    @Test func readsTheFormatFromVariableInfo() throws {
        let info = FramebufferVariableInfo(width: 1920, height: 1080, format: .bgr565)
        #expect(try PixelFormat(info) == .bgr565)
    }

    @Test func refusesAnUnsupportedLayoutNamingItsBitfields() {
        // 30-bit colour: 10 bits per channel.
        let deep = #expect(throws: OutputError.self) {
            try PixelFormat(bitsPerPixel: 32, red: .init(offset: 20, length: 10), green: .init(offset: 10, length: 10),
                            blue: .init(offset: 0, length: 10), transp: .init(offset: 30, length: 2))
        }
        #expect(deep?.message.contains("unsupported pixel layout 32 bpp, red 20:10, green 10:10, blue 0:10, transp 30:2") == true)
        #expect(deep?.message.contains("fbset -depth 32") == true)
        // 8 bpp palette mode.
        let palette = #expect(throws: OutputError.self) {
            try PixelFormat(bitsPerPixel: 8, red: .init(offset: 0, length: 8), green: .init(offset: 0, length: 8),
                            blue: .init(offset: 0, length: 8))
        }
        #expect(palette?.message.contains("8 bpp, red 0:8, green 0:8, blue 0:8") == true)
        // Overlapping channels.
        let overlap = #expect(throws: OutputError.self) {
            try PixelFormat(bitsPerPixel: 16, red: .init(offset: 8, length: 8), green: .init(offset: 4, length: 8),
                            blue: .init(offset: 0, length: 4))
        }
        #expect(overlap?.message.contains("channels overlap") == true)
    }

    @Test func refusesGreyScaleAndNonStandardModes() {
        var grey = FramebufferVariableInfo(width: 8, height: 8, format: .xrgb8888)
        grey.grayscale = 1
        let greyError = #expect(throws: OutputError.self) { try PixelFormat(grey) }
        #expect(greyError?.message.contains("grey-scale") == true)
        var odd = FramebufferVariableInfo(width: 8, height: 8, format: .xrgb8888)
        odd.nonstd = 1
        let oddError = #expect(throws: OutputError.self) { try PixelFormat(odd) }
        #expect(oddError?.message.contains("non-standard") == true)
    }
}

@Suite struct RowDamageTests {
    @Test func mergesOverlappingAndTouchingRanges() {
        var damage = RowDamage()
        damage.add(10..<20)
        damage.add(30..<40)
        damage.add(20..<25)
        #expect(damage.ranges == [10..<25, 30..<40])
        damage.add(0..<0)
        damage.add(24..<31)
        #expect(damage.ranges == [10..<40])
    }

    @Test func keepsDisjointRangesSortedAndCollapsesPastTheLimit() {
        var damage = RowDamage()
        damage.add(50..<51)
        damage.add(0..<1)
        #expect(damage.ranges == [0..<1, 50..<51])
        for start in stride(from: 10, to: 80, by: 10) { damage.add(start..<(start + 1)) }
        #expect(damage.ranges.count == 8)
        // A ninth range merges everything into one.
        damage.add(80..<81)
        #expect(damage.ranges == [0..<81])
        damage.add(90..<91)
        #expect(damage.ranges == [0..<81, 90..<91])
        damage.removeAll()
        #expect(damage.isEmpty)
    }
}
