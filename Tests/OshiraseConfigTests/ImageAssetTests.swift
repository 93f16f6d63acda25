import Foundation
import Testing
@testable import OshiraseConfig
import OshiraseCore

@Suite("Image items: missing and broken files")
struct ImageAssetTests {
    func imageProblem(_ image: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SourceError {
        try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: picture
                image: \(image)
            """, sourceLocation: sourceLocation)
    }

    @Test func goodImagesLoadWithAbsolutePaths() throws {
        let p = try playlist("""
            name: 本庁舎1階ロビー
            items:
              - id: hall
                image: images/city-hall.png
                fit: cover
              - id: rotated
                image: images/rotated-exif6.jpg
            """)
        #expect(p.items.map(\.content) == [
            .image(path: Fixtures.path("images/city-hall.png"), fit: .cover),
            .image(path: Fixtures.path("images/rotated-exif6.jpg"), fit: .contain),
        ])
    }

    @Test func imagePathIsRelativeToThePlaylistFile() throws {
        let p = try playlist("""
            name: 本庁舎1階ロビー
            items:
              - id: hall
                image: ../images/city-hall.png
            """, file: "playlists/lobby.yaml")
        #expect(p.items.first?.content == .image(path: Fixtures.path("images/city-hall.png"), fit: .contain))
    }

    @Test func missingImageFile() throws {
        let e = try imageProblem("images/snow-festival.jpg")
        expect(e, at: 4, 12, "image file not found: images/snow-festival.jpg")
    }

    @Test(arguments: ["images/truncated.png", "images/truncated.jpg"])
    func truncatedImageCannotBeShown(path: String) throws {
        let e = try imageProblem(path)
        expect(e, at: 4, 12, "image \(path) cannot be shown")
    }

    @Test func textFileNamedJpgCannotBeShown() throws {
        let e = try imageProblem("images/not-an-image.jpg")
        expect(e, at: 4, 12, "cannot be shown", "neither a JPEG nor a PNG")
    }

    @Test func emptyFileCannotBeShown() throws {
        let e = try imageProblem("images/zero-bytes.png")
        expect(e, at: 4, 12, "cannot be shown", "empty")
    }

    @Test func decompressionBombIsRefused() throws {
        let e = try imageProblem("images/bomb.png")
        expect(e, at: 4, 12, "image images/bomb.png cannot be shown", "30000×30000", "50 MP limit")
    }

    @Test func pngNamedJpgIsRefused() throws {
        let e = try imageProblem("images/png-named.jpg")
        expect(e, at: 4, 12, "cannot be shown", "is a PNG image but its name ends in .jpg")
    }

    @Test func brokenImagesPassWhenImagesAreNotChecked() throws {
        let p = try playlist("""
            name: 本庁舎1階ロビー
            items:
              - id: bomb
                image: images/bomb.png
            """, loader: PlaylistLoader(checksImages: false))
        #expect(p.items.map(\.id) == ["bomb"])
    }

    @Test func smallerPixelLimitRefusesLargerImages() throws {
        let e = try problem("""
            name: 本庁舎1階ロビー
            items:
              - id: hall
                image: images/city-hall.png
            """, loader: PlaylistLoader(maxImagePixels: 100_000))
        expect(e, at: 4, 12, "800×600")
    }

    @Test func playbackSkipsItemsWithBrokenImagesAndKeepsTheRest() throws {
        let loader = PlaylistLoader(skipsBrokenAssets: true)
        let (playlist, skipped) = try loader.loadForPlayback(path: Fixtures.path("broken-images.yaml"))
        #expect(playlist.items.map(\.id) == ["mynumber", "city-hall", "hygiene"])
        #expect(skipped.map(\.line) == [11, 13])
        #expect(skipped.allSatisfy { $0.column == 12 && $0.file == Fixtures.path("broken-images.yaml") })
        #expect(skipped[0].message.contains("images/truncated.png cannot be shown"))
        #expect(skipped[1].message.contains("image file not found: images/snow-festival.jpg"))
    }

    @Test func validationReportsTheSameBrokenImagesAsErrors() {
        do {
            _ = try PlaylistLoader().load(path: Fixtures.path("broken-images.yaml"))
            Issue.record("expected errors")
        } catch {
            #expect(error.errors.map { "\($0.line):\($0.column)" } == ["11:12", "13:12"])
        }
    }
}
