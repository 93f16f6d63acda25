import CQREncode

/// A QR code's modules from libqrencode (error correction M, 8-bit mode), the one place the
/// library is called.
struct QRCode {
    /// Modules per side.
    let size: Int
    /// Dark modules, row by row.
    private let dark: [Bool]

    /// Nil when the text cannot be encoded (too long for any version).
    init?(encoding text: String) {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        guard width > 0, let data = code.pointee.data else { return nil }
        size = width
        dark = (0..<(width * width)).map { data[$0] & 1 == 1 }
    }

    func isDark(row: Int, column: Int) -> Bool { dark[row * size + column] }
}
