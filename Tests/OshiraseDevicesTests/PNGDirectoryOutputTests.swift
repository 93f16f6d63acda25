import Foundation
import OshiraseDevices
import OshiraseImaging
import Testing

private func readPNG(_ path: String) throws -> Bitmap {
    try ImageDecoder.decodeFile(atPath: path).bitmap
}

@Suite struct PNGDirectoryOutputTests {
    @Test func writesTheScreenAsAPNGNamedAfterTheDisplayCreatingTheFolder() throws {
        let dir = try TemporaryDirectory()
        let folder = dir.path + "/スクリーン/lobby"
        let output = try PNGDirectoryOutput(directory: folder, name: "lobby", width: 3, height: 2, minimumInterval: 1)
        #expect(!FileManager.default.fileExists(atPath: output.path))
        try output.show(frame([[.red, .grey, .white], [.dodgerBlue, .black, .green]]))
        #expect(output.path == folder + "/lobby.png")
        let image = try readPNG(output.path)
        #expect(image.width == 3 && image.height == 2)
        #expect(colour(of: image, x: 0, y: 0) == .red)
        #expect(colour(of: image, x: 1, y: 0) == .grey)
        #expect(colour(of: image, x: 0, y: 1) == .dodgerBlue)
        #expect(colour(of: image, x: 2, y: 1) == .green)
        // Only the PNG: the temporary file was renamed over it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["lobby.png"])
    }

    @Test func placesASmallerFrameAtItsOriginWithBlackAround() throws {
        let dir = try TemporaryDirectory()
        let output = try PNGDirectoryOutput(directory: dir.path, name: "led", width: 4, height: 3, minimumInterval: 0)
        try output.show(frame(width: 2, height: 1, .white), at: PixelPoint(x: 1, y: 1))
        let image = try readPNG(output.path)
        #expect(colour(of: image, x: 1, y: 1) == .white)
        #expect(colour(of: image, x: 2, y: 1) == .white)
        #expect(colour(of: image, x: 0, y: 1) == .black)
        #expect(colour(of: image, x: 3, y: 2) == .black)
    }

    @Test func anUnchangedFrameIsNotWrittenAgain() throws {
        let dir = try TemporaryDirectory()
        let time = TestTime()
        let output = try PNGDirectoryOutput(directory: dir.path, name: "lobby", width: 2, height: 2,
                                            minimumInterval: 1, now: time.read)
        let picture = frame(width: 2, height: 2, .red)
        try output.show(picture)
        time.now += 5
        try output.show(picture, changedRows: 0..<0)
        #expect(output.writeCount == 1)
        #expect(output.secondsUntilFlush == nil)
    }

    @Test func aChangeWithinTheIntervalIsHeldBackThenWrittenByALaterPresent() throws {
        let dir = try TemporaryDirectory()
        let time = TestTime()
        let output = try PNGDirectoryOutput(directory: dir.path, name: "lobby", width: 2, height: 1,
                                            minimumInterval: 1, now: time.read)
        try output.show(frame(width: 2, height: 1, .red))
        #expect(output.writeCount == 1)
        time.now += 0.25
        try output.show(frame(width: 2, height: 1, .white))
        #expect(output.writeCount == 1)
        #expect(output.secondsUntilFlush == 0.75)
        #expect(colour(of: try readPNG(output.path), x: 0, y: 0) == .red)
        time.now += 0.75
        // Nothing changed in this frame, but the held-back one is now due.
        try output.show(frame(width: 2, height: 1, .white), changedRows: 0..<0)
        #expect(output.writeCount == 2)
        #expect(output.secondsUntilFlush == nil)
        #expect(colour(of: try readPNG(output.path), x: 1, y: 0) == .white)
    }

    @Test func flushWritesTheHeldBackFrameAtOnce() throws {
        let dir = try TemporaryDirectory()
        let time = TestTime()
        let output = try PNGDirectoryOutput(directory: dir.path, name: "lobby", width: 1, height: 1,
                                            minimumInterval: 10, now: time.read)
        try output.show(frame(width: 1, height: 1, .red))
        try output.show(frame(width: 1, height: 1, .dodgerBlue))
        #expect(output.secondsUntilFlush == 10)
        try output.flush()
        #expect(output.writeCount == 2)
        #expect(colour(of: try readPNG(output.path), x: 0, y: 0) == .dodgerBlue)
        try output.flush()
        #expect(output.writeCount == 2)
    }

    @Test func powerOffWritesABlackScreenAtOnceAndPowerOnRedraws() throws {
        let dir = try TemporaryDirectory()
        let time = TestTime()
        let output = try PNGDirectoryOutput(directory: dir.path, name: "lobby", width: 2, height: 2,
                                            minimumInterval: 60, now: time.read)
        let picture = frame(width: 2, height: 2, .white)
        try output.show(picture)
        try output.setPower(on: false)
        #expect(colour(of: try readPNG(output.path), x: 1, y: 1) == .black)
        try output.setPower(on: true)
        time.now += 60
        try output.show(picture, changedRows: 0..<0)
        #expect(colour(of: try readPNG(output.path), x: 1, y: 1) == .white)
    }

    @Test func refusesADisplayNameThatIsNotAFileName() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: OutputError.self) {
            try PNGDirectoryOutput(directory: dir.path, name: "../lobby", width: 2, height: 2, minimumInterval: 1)
        }
        #expect(error?.message.contains("cannot be a file name") == true)
    }

    @Test func saysWhenAFileStandsWhereTheFolderShouldBe() throws {
        let dir = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: dir.path + "/frames", contents: Data()))
        let error = #expect(throws: OutputError.self) {
            try PNGDirectoryOutput(directory: dir.path + "/frames/lobby", name: "lobby", width: 2, height: 2,
                                   minimumInterval: 1)
        }
        #expect(error?.message == "cannot create the folder \(dir.path)/frames: a file of that name is in the way")
    }
}
