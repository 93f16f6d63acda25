import Foundation
import OshiraseImaging
import Testing

/// `compare-frames --rows` (the tool built beside `oshirase`), as `scripts/e2e-box` calls it on the emulated box's captures.
@Suite("compare-frames row by row")
struct CompareFramesCommandTests {
    let compareFrames = toolBinary("compare-frames")

    /// A P6 capture of `width`×`height` pixels, each `pixel(x, y)`.
    static func ppm(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> Data {
        var bytes = Array("P6\n\(width) \(height)\n255\n".utf8)
        for y in 0..<height { for x in 0..<width { let p = pixel(x, y); bytes += [p.0, p.1, p.2] } }
        return Data(bytes)
    }

    func workspaceWithFrames() throws -> Workspace {
        let ws = try Workspace()
        try ImageEncoder.write(Bitmap(width: 40, height: 30, fill: (230, 230, 230, 255)), toPath: ws.path("welcome.png"))
        try ImageEncoder.write(Bitmap(width: 40, height: 30, fill: (30, 60, 140, 255)), toPath: ws.path("mynumber.png"))
        try Self.ppm(40, 30) { _, _ in (231, 229, 230) }.write(to: URL(fileURLWithPath: ws.path("whole.ppm")))
        // The new item above row 12, the old one below: a tear, every row accounted for.
        try Self.ppm(40, 30) { _, y in y < 12 ? (30, 60, 140) : (230, 230, 230) }.write(to: URL(fileURLWithPath: ws.path("torn.ppm")))
        try Self.ppm(40, 30) { _, y in y == 20 ? (0, 0, 0) : (230, 230, 230) }.write(to: URL(fileURLWithPath: ws.path("black-row.ppm")))
        return ws
    }

    @Test("Tears are counted and allowed unless --max-torn says otherwise; a row of no frame always fails")
    func tearsAreCountedAndBoundedAndForeignRowsFail() throws {
        let ws = try workspaceWithFrames()
        let references = ["--reference", "welcome.png", "--reference", "mynumber.png", "--rows"]

        let allowed = try ws.run(references + ["whole.ppm", "torn.ppm"], executable: compareFrames)
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.stdoutLines.first?.hasSuffix("like welcome.png") == true, "\(allowed)")
        #expect(allowed.stdoutLines.contains { $0.contains("torn.ppm: ") && $0.contains("torn: rows 0–11 of #2, rows 12–29 of #1") }, "\(allowed)")
        #expect(allowed.stdoutLines.last == "torn: 1 of 2 capture(s), 1 tear(s)", "\(allowed)")

        let strict = try ws.run(references + ["--max-torn", "0", "whole.ppm", "torn.ppm"], executable: compareFrames)
        #expect(strict.status == 1, "\(strict)")
        #expect(strict.stderr.contains("1 of 2 capture(s) are torn; at most 0 may be"), "\(strict)")

        let black = try ws.run(references + ["black-row.ppm"], executable: compareFrames)
        #expect(black.status == 1 && !black.looksLikeCrash, "\(black)")
        #expect(black.stdout.contains("1 row(s) match no frame, first 20"), "\(black)")

        let misused = try ws.run(["--reference", "welcome.png", "--max-torn", "0", "whole.ppm"], executable: compareFrames)
        #expect(misused.status != 0 && misused.stderr.contains("--max-torn applies with --rows only"), "\(misused)")
        // One line, which scripts/e2e-box puts in its FAIL message.
        #expect(misused.stderrLines.count == 1 && misused.stderrLines.first?.hasPrefix("compare-frames: error: ") == true, "\(misused)")
    }
}
