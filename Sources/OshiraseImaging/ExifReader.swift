/// Finds the EXIF orientation in a JPEG's APP1 "Exif" segment.
///
/// Every read is bounds-checked: any malformed input gives `nil`, never a trap. Public so that the
/// fuzz harness (Fuzz/) can reach it on its own; ``ImageDecoder`` is its only caller in the product.
public enum ExifReader {
    /// The orientation recorded in the JPEG's first Exif segment, or `nil` when there is none or it is unreadable.
    ///
    /// Reads only the marker segments before the start of scan; the pixels are never touched.
    public static func orientation(inJPEG data: [UInt8]) -> ExifOrientation? {
        guard data.count >= 4, data[0] == 0xFF, data[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= data.count {
            guard data[i] == 0xFF else { return nil }
            let marker = data[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte before a marker
            // Markers without a length: TEM, RSTn, and the start of scan ends the headers.
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(data[i + 2]) << 8 | Int(data[i + 3])
            guard length >= 2 else { return nil }
            let start = i + 4, end = i + 2 + length
            guard end <= data.count else { return nil }
            if marker == 0xE1 {
                let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]  // "Exif\0\0"
                if end - start >= exifHeader.count + 8,
                   Array(data[start..<start + exifHeader.count]) == exifHeader {
                    return orientation(inTIFF: data[(start + exifHeader.count)..<end])
                }
            }
            i = end
        }
        return nil
    }

    /// Reads tag 0x0112 from IFD0 of a TIFF structure (the body of an Exif segment).
    static func orientation(inTIFF slice: ArraySlice<UInt8>) -> ExifOrientation? {
        let tiff = TIFFBytes(bytes: Array(slice))
        guard tiff.bytes.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff.bytes[0], tiff.bytes[1]) {
        case (0x49, 0x49): littleEndian = true   // "II"
        case (0x4D, 0x4D): littleEndian = false  // "MM"
        default: return nil
        }
        guard tiff.uint16(at: 2, littleEndian: littleEndian) == 42,
              let ifdOffset = tiff.uint32(at: 4, littleEndian: littleEndian),
              let count = tiff.uint16(at: Int(ifdOffset), littleEndian: littleEndian)
        else { return nil }
        let entries = Int(ifdOffset) + 2
        for n in 0..<Int(count) {
            let entry = entries + n * 12
            guard let tag = tiff.uint16(at: entry, littleEndian: littleEndian),
                  let type = tiff.uint16(at: entry + 2, littleEndian: littleEndian)
            else { return nil }
            guard tag == 0x0112 else { continue }
            // SHORT (3) as the standard says; tolerate LONG (4) from sloppy writers.
            let value: Int?
            switch type {
            case 3: value = tiff.uint16(at: entry + 8, littleEndian: littleEndian).map(Int.init)
            case 4: value = tiff.uint32(at: entry + 8, littleEndian: littleEndian).map(Int.init)
            default: value = nil
            }
            return value.flatMap(ExifOrientation.init(rawValue:))
        }
        return nil
    }
}

/// Bounds-checked integer reads from a TIFF byte buffer.
private struct TIFFBytes {
    let bytes: [UInt8]

    func uint16(at offset: Int, littleEndian: Bool) -> UInt16? {
        guard offset >= 0, offset <= bytes.count - 2 else { return nil }
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return littleEndian ? (b << 8 | a) : (a << 8 | b)
    }

    func uint32(at offset: Int, littleEndian: Bool) -> UInt32? {
        guard let first = uint16(at: offset, littleEndian: littleEndian),
              let second = uint16(at: offset + 2, littleEndian: littleEndian)
        else { return nil }
        return littleEndian ? (UInt32(second) << 16 | UInt32(first)) : (UInt32(first) << 16 | UInt32(second))
    }
}
