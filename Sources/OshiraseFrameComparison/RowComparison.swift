package import OshiraseImaging

/// A captured screen judged row by row against the frames that may be on it (for
/// `scripts/e2e-box`): every row must be a row of one of them, and a capture whose rows come from
/// more than one frame is *torn*.
///
/// Where a driver gives no way to present without tearing (a single-buffered framebuffer whose
/// copy to the screen the capture can interrupt), this is exactly what can be promised: the
/// screen shows the old frame above and the new one below the row being copied, never black or
/// garbage. The row being copied when the capture was taken may itself be part old, part new: it
/// is a *mixed* row, accepted when each of its pixels matches one of the frames and it lies
/// alone between a band of one frame and a band of the other.
package struct RowComparison: Sendable, Equatable, CustomStringConvertible {
    /// One run of consecutive rows that all match one frame.
    package struct Band: Sendable, Equatable {
        /// Index of the frame (in the order given) these rows match.
        package var reference: Int
        package var rows: Range<Int>
    }

    /// Rows compared (the references' height).
    package var rows: Int
    /// The capture as bands of rows, top to bottom; a capture of one frame is one band.
    package var bands: [Band]
    /// Rows that match no frame whole but each of whose pixels matches one, each alone between
    /// bands of two different frames (a copy caught mid-row).
    package var mixedRows: [Int]
    /// Rows that match no frame, even pixel by pixel: black, garbage, or something else drawn.
    package var unmatchedRows: [Int]
    /// The share of pixels matching the frame chosen for their row (mixed rows: any frame), in percent.
    package var share: Double
    /// The lowest share of any single row, in percent.
    package var worstRowShare: Double

    /// True when the rows come from more than one frame.
    package var isTorn: Bool { Set(bands.map(\.reference)).count > 1 }

    /// Where the capture changes from one frame to another (the number of tears).
    package var tears: Int { max(0, bands.count - 1) }

    package var description: String {
        var text = "\(formatted(share)) % row by row (worst row \(formatted(worstRowShare)) %)"
        if !unmatchedRows.isEmpty { text += "; \(unmatchedRows.count) row(s) match no frame, first \(unmatchedRows[0])" }
        if isTorn {
            text += "; torn: " + bands.map { "rows \($0.rows.lowerBound)–\($0.rows.upperBound - 1) of #\($0.reference + 1)" }
                .joined(separator: ", ")
        }
        if !mixedRows.isEmpty { text += "; mixed row(s) \(mixedRows.map(String.init).joined(separator: ", "))" }
        return text
    }

    /// Compares each row of `capture` (the part at `offset`) with the same row of every reference.
    ///
    /// A row matches a reference when at least `rowMinimum` percent of its pixels are within
    /// `tolerance` on every channel. Bands are chosen so that a capture is split into as few as
    /// possible: a row that matches several references (where they are alike) joins the band
    /// around it.
    package static func compare(_ references: [Bitmap], with capture: Bitmap, at offset: (x: Int, y: Int) = (0, 0),
                               tolerance: Int, rowMinimum: Double) throws(ImageError) -> RowComparison {
        guard let first = references.first else {
            throw ImageError(.corrupt, "no reference frame to compare with")
        }
        for reference in references where reference.width != first.width || reference.height != first.height {
            throw ImageError(.corrupt, "the reference frames differ in size (\(first.width)×\(first.height) and \(reference.width)×\(reference.height))")
        }
        guard offset.x >= 0, offset.y >= 0, offset.x + first.width <= capture.width, offset.y + first.height <= capture.height else {
            throw ImageError(.tooLarge, "a \(first.width)×\(first.height) frame at (\(offset.x), \(offset.y)) does not fit in the \(capture.width)×\(capture.height) capture")
        }
        let width = first.width
        var result = RowComparison(rows: first.height, bands: [], mixedRows: [], unmatchedRows: [], share: 100, worstRowShare: 100)
        guard width > 0, first.height > 0 else { return result }
        var matchingTotal = 0
        // Per row: the references it matches, and the pixels matching the chosen one.
        var candidates: [[Int]] = []
        var perReference: [[Int]] = []
        var anyMatching: [Int] = []
        candidates.reserveCapacity(first.height)
        for y in 0..<first.height {
            var counts = [Int](repeating: 0, count: references.count)
            var union = 0
            let capRow = (y + offset.y) * capture.stride + offset.x * 4
            capture.pixels.withUnsafeBufferPointer { cap in
                for x in 0..<width {
                    var matchedAny = false
                    for (index, reference) in references.enumerated() {
                        let refBase = y * reference.stride + x * 4
                        let capBase = capRow + x * 4
                        let r = abs(Int(reference.pixels[refBase + PixelLayout.red]) - Int(cap[capBase + PixelLayout.red]))
                        let g = abs(Int(reference.pixels[refBase + PixelLayout.green]) - Int(cap[capBase + PixelLayout.green]))
                        let b = abs(Int(reference.pixels[refBase + PixelLayout.blue]) - Int(cap[capBase + PixelLayout.blue]))
                        if max(r, g, b) <= tolerance {
                            counts[index] += 1
                            matchedAny = true
                        }
                    }
                    if matchedAny { union += 1 }
                }
            }
            let needed = Double(width) * rowMinimum / 100
            candidates.append(counts.indices.filter { Double(counts[$0]) >= needed })
            perReference.append(counts)
            anyMatching.append(union)
        }

        // Bands, top to bottom: keep the references every row of the band matches; when none is
        // left, a new band starts. Mixed and unmatched rows belong to no band.
        var bandStart = 0
        var alive: Set<Int>? = nil
        var open: [(rows: Range<Int>, alive: Set<Int>)] = []
        func closeBand(at end: Int) {
            if let set = alive, end > bandStart { open.append((bandStart..<end, set)) }
            alive = nil
        }
        for y in 0..<first.height {
            let set = Set(candidates[y])
            if set.isEmpty {
                closeBand(at: y)
                bandStart = y + 1
                if Double(anyMatching[y]) >= Double(width) * rowMinimum / 100 {
                    result.mixedRows.append(y)
                } else {
                    result.unmatchedRows.append(y)
                }
                matchingTotal += anyMatching[y]
                result.worstRowShare = min(result.worstRowShare, Double(anyMatching[y]) * 100 / Double(width))
                continue
            }
            if let current = alive {
                let both = current.intersection(set)
                if both.isEmpty {
                    closeBand(at: y)
                    bandStart = y
                    alive = set
                } else {
                    alive = both
                }
            } else {
                bandStart = y
                alive = set
            }
        }
        closeBand(at: first.height)
        // Neighbouring bands separated only by mixed rows that could be one frame are still one.
        for band in open {
            let reference = band.alive.min() ?? 0
            if let last = result.bands.last, last.reference == reference || band.alive.contains(last.reference) {
                result.bands[result.bands.count - 1].rows = last.rows.lowerBound..<band.rows.upperBound
            } else {
                result.bands.append(Band(reference: reference, rows: band.rows))
            }
            for y in band.rows where !result.mixedRows.contains(y) && !result.unmatchedRows.contains(y) {
                let count = perReference[y][result.bands[result.bands.count - 1].reference]
                matchingTotal += count
                result.worstRowShare = min(result.worstRowShare, Double(count) * 100 / Double(width))
            }
        }
        // A mixed row is the one row a copy was writing when the capture was taken: alone, between
        // a band of one frame and a band of the other. Anywhere else it matches no frame.
        let lonelyMixed = result.mixedRows.filter { y in
            guard let above = result.bands.first(where: { $0.rows.upperBound == y }),
                  let below = result.bands.first(where: { $0.rows.lowerBound == y + 1 }) else { return false }
            return above.reference != below.reference
        }
        result.unmatchedRows = (result.unmatchedRows + result.mixedRows.filter { !lonelyMixed.contains($0) }).sorted()
        result.mixedRows = lonelyMixed
        result.share = Double(matchingTotal) * 100 / Double(width * first.height)
        return result
    }
}
