import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseFrameComparison
import OshiraseImaging

/// `compare-frames`, a tool for `scripts/e2e-box` built beside the product: how closely screens
/// captured from the emulated box match frames `oshirase render` made of the same instants.
@main
struct CompareFrames: ParsableCommand {
    /// Every error ends as one line `compare-frames: error: …` and a non-zero status, as
    /// `oshirase`'s do (`exitWithOneLine`): scripts/e2e-box reads that line into its FAIL message.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exitWithOneLine(for: error, program: "compare-frames")
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "compare-frames",
        abstract: "Compare captured screens (PPM or PNG) with reference frames (for scripts/e2e-box).",
        discussion: """
            Each capture is compared with every --reference placed at --offset; the best one \
            counts. A pixel matches when each colour channel is within --tolerance levels. With \
            --outside-black, the capture outside the reference's rectangle must be black too. One \
            line per capture; exit 1 when any capture's share is below --minimum. With --rows, \
            each row of a capture must match the same row of one reference (a row is compared \
            whole, at --row-minimum); a capture whose rows come from two references is torn, \
            counted, and allowed up to --max-torn captures.
            """)

    @Option(help: "A frame the capture should show (PNG); repeat for frames either of which may be on screen.")
    var reference: [String] = []

    @Argument(help: "Captured screens: PPM (QEMU screendump) or PNG.")
    var captures: [String] = []

    @Option(help: "Where the reference's top-left corner sits in the capture: X,Y.")
    var offset = "0,0"

    @Option(help: "Levels per channel a pixel may differ by and still match.")
    var tolerance = 8

    @Option(help: "The least share of matching pixels, in percent.")
    var minimum = 99.5

    @Flag(help: "Also require the capture outside the reference's rectangle to be black.")
    var outsideBlack = false

    @Flag(help: "Judge row by row: every row must be a row of one reference; rows from two references make a tear.")
    var rows = false

    @Option(help: "With --rows: the least share of a row's pixels that must match, in percent.")
    var rowMinimum = 97.0

    @Option(help: "With --rows: how many captures may be torn (default: any number).")
    var maxTorn: Int?

    func validate() throws {
        if reference.isEmpty { throw ValidationError("give at least one --reference frame") }
        if captures.isEmpty { throw ValidationError("give at least one capture") }
        if !(0...255).contains(tolerance) { throw ValidationError("--tolerance must be 0 to 255 levels") }
        if !(0...100).contains(minimum) { throw ValidationError("--minimum must be 0 to 100 (percent)") }
        if !(0...100).contains(rowMinimum) { throw ValidationError("--row-minimum must be 0 to 100 (percent)") }
        if let maxTorn, maxTorn < 0 { throw ValidationError("--max-torn must be 0 or more") }
        if !rows && (maxTorn != nil) { throw ValidationError("--max-torn applies with --rows only") }
        _ = try parsedOffset()
    }

    func parsedOffset() throws -> (x: Int, y: Int) {
        let parts = offset.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1], x >= 0, y >= 0 else {
            throw ValidationError("--offset '\(offset)' is not X,Y in pixels, e.g. 100,60")
        }
        return (x, y)
    }

    func run() throws {
        let at = try parsedOffset()
        let references = try reference.map { ($0, try Self.load($0)) }
        if rows { return try runByRows(references: references.map(\.1), at: at) }
        var failed = 0
        // A series of captures of a still screen repeats itself byte for byte: a capture equal to
        // one of the last few distinct ones is not compared again (which matters in a debug build,
        // where a comparison takes a second). Four are kept: a series shows one item, then another.
        var seen: [(bytes: Data, verdict: (line: String, ok: Bool))] = []
        for path in captures {
            guard let bytes = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            let verdict: (line: String, ok: Bool)
            if let earlier = seen.first(where: { $0.bytes == bytes }) {
                verdict = earlier.verdict
            } else {
                verdict = try judge(try Self.decode(bytes, path: path), references: references, at: at)
                seen.append((bytes, verdict))
                if seen.count > 4 { seen.removeFirst() }
            }
            print("\(path): \(verdict.line)" + (verdict.ok ? "" : "  BELOW \(minimum) %"))
            if !verdict.ok { failed += 1 }
        }
        if failed > 0 {
            printError("compare-frames: error: \(failed) of \(captures.count) capture(s) do not match within \(tolerance) levels on \(minimum) % of pixels")
            throw ExitCode.failure
        }
    }

    /// `--rows`: one line per capture, then the count of torn captures.
    func runByRows(references: [Bitmap], at: (x: Int, y: Int)) throws {
        var failed = 0, torn = 0, tears = 0
        var seen: [(bytes: Data, result: RowComparison)] = []
        for path in captures {
            guard let bytes = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            let result: RowComparison
            if let earlier = seen.first(where: { $0.bytes == bytes }) {
                result = earlier.result
            } else {
                do {
                    result = try RowComparison.compare(references, with: try Self.decode(bytes, path: path), at: at,
                                                       tolerance: tolerance, rowMinimum: rowMinimum)
                } catch {
                    throw ValidationError("\(path): \(error)")
                }
                seen.append((bytes, result))
                if seen.count > 4 { seen.removeFirst() }
            }
            let ok = result.unmatchedRows.isEmpty && result.share >= minimum
            if result.isTorn {
                torn += 1
                tears += result.tears
            }
            let like = result.isTorn ? "torn" : "like \((reference[result.bands.first?.reference ?? 0] as NSString).lastPathComponent)"
            print("\(path): \(result) \(like)" + (ok ? "" : "  BELOW \(minimum) % OR A ROW MATCHES NO FRAME"))
            if !ok { failed += 1 }
        }
        print("torn: \(torn) of \(captures.count) capture(s), \(tears) tear(s)")
        if failed > 0 {
            printError("compare-frames: error: \(failed) of \(captures.count) capture(s) have rows that match no reference (within \(tolerance) levels on \(rowMinimum) % of a row) or match below \(minimum) %")
            throw ExitCode.failure
        }
        if let maxTorn, torn > maxTorn {
            printError("compare-frames: error: \(torn) of \(captures.count) capture(s) are torn; at most \(maxTorn) may be")
            throw ExitCode.failure
        }
    }

    /// The best of the references for one capture (the first that reaches --minimum, else the
    /// closest), and the surroundings when asked.
    func judge(_ capture: Bitmap, references: [(String, Bitmap)], at: (x: Int, y: Int)) throws -> (line: String, ok: Bool) {
        var best: (name: String, result: FrameComparison)?
        for (name, frame) in references {
            let result = try FrameComparison.compare(frame, with: capture, at: at, tolerance: tolerance)
            if best == nil || result.share > (best?.result.share ?? 0) { best = (name, result) }
            if result.share >= minimum { break }
        }
        guard let best else { return ("no reference", false) }
        var line = "\(best.result) like \((best.name as NSString).lastPathComponent)"
        var ok = best.result.share >= minimum
        if outsideBlack, let first = references.first?.1 {
            let around = FrameComparison.surroundings(of: capture, outside: at, size: (first.width, first.height), tolerance: tolerance)
            line += "; outside it \(around)"
            ok = ok && around.share >= minimum
        }
        return (line, ok)
    }

    /// A PNG or PPM file as a bitmap.
    static func load(_ path: String) throws -> Bitmap {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return try decode(data, path: path)
    }

    static func decode(_ data: Data, path: String) throws -> Bitmap {
        let bytes = [UInt8](data)
        do {
            if bytes.starts(with: Array("P6".utf8)) { return try PPM.decode(bytes) }
            return try ImageDecoder.decode(bytes).bitmap
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }
}
