import OshiraseDevices
import OshiraseImaging
import Testing

@Suite struct MemoryOutputTests {
    @Test func keepsTheLatestScreenAndCountsPresents() throws {
        let output = MemoryOutput(width: 3, height: 2)
        #expect(output.latestScreen == nil)
        try output.show(frame([[.red, .grey, .white], [.dodgerBlue, .black, .green]]))
        try output.show(frame([[.white, .white, .white], [.red, .red, .red]]), changedRows: 1..<2)
        let screen = try #require(output.latestScreen)
        // Row 0 was not in changedRows, so it keeps the first frame's pixels.
        #expect(colour(of: screen, x: 0, y: 0) == .red)
        #expect(colour(of: screen, x: 0, y: 1) == .red)
        #expect(colour(of: screen, x: 2, y: 1) == .red)
        #expect(output.presentCount == 2)
        #expect(output.recordedScreens.isEmpty)
    }

    @Test func placesASmallerFrameAtItsOriginWithBlackAround() throws {
        let output = MemoryOutput(width: 3, height: 3)
        try output.show(frame(width: 1, height: 1, .white), at: PixelPoint(x: 2, y: 1))
        let screen = try #require(output.latestScreen)
        #expect(colour(of: screen, x: 2, y: 1) == .white)
        #expect(colour(of: screen, x: 1, y: 1) == .black)
        #expect(screen.pixel(x: 0, y: 0).a == 255)
    }

    @Test func recordsEveryScreenWhenAskedUpToTheLimit() throws {
        let output = MemoryOutput(width: 1, height: 1, recordsScreens: true, recordLimit: 2)
        for c in [RGB.red, .white, .dodgerBlue] { try output.show(frame(width: 1, height: 1, c)) }
        #expect(output.recordedScreens.map { colour(of: $0, x: 0, y: 0) } == [.white, .dodgerBlue])
        #expect(output.droppedRecordingCount == 1)
        output.removeRecordedScreens()
        #expect(output.recordedScreens.isEmpty && output.droppedRecordingCount == 0)
    }

    @Test func powerOffShowsBlackAndTheNextPresentRedrawsAll() throws {
        let output = MemoryOutput(width: 2, height: 1, recordsScreens: true)
        let picture = frame(width: 2, height: 1, .green)
        try output.show(picture)
        output.setPower(on: false)
        #expect(!output.isPoweredOn)
        #expect(colour(of: try #require(output.latestScreen), x: 1, y: 0) == .black)
        output.setPower(on: true)
        try output.show(picture, changedRows: 0..<0)
        #expect(colour(of: try #require(output.latestScreen), x: 1, y: 0) == .green)
        #expect(output.recordedScreens.map { colour(of: $0, x: 0, y: 0) } == [.green, .black, .green])
    }

    @Test func latestScreenCanBeReadFromOtherTasksWhileFramesArrive() async throws {
        let output = MemoryOutput(width: 64, height: 32)
        let colours: [RGB] = [.red, .white, .dodgerBlue, .grey]
        let frames = colours.map { frame(width: 64, height: 32, $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    for _ in 0..<200 {
                        guard let screen = output.latestScreen else { continue }
                        // Each screen seen is one whole frame, never a mix of two.
                        let first = colour(of: screen, x: 0, y: 0)
                        #expect(colour(of: screen, x: 63, y: 31) == first)
                        #expect(colours.contains(first))
                    }
                }
            }
            for index in 0..<400 { try output.show(frames[index % frames.count]) }
            try await group.waitForAll()
        }
        #expect(output.presentCount == 400)
    }
}
