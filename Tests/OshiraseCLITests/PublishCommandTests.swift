import Foundation
import OshiraseSigning
import OshiraseTestSupport
import Testing

/// `oshirase publish`: a group's set, checked, written once per file, under a signed manifest
/// whose version only increases (docs/fleet.md, "Content").
@Suite struct PublishCommandTests {
    /// A group folder: the lobby's playlist and the photo it shows.
    static func group(in ws: Workspace, body: String = "本日の窓口業務は17時15分で終了します。") throws {
        try ws.write("honcho/lobby.yaml", """
            name: 本庁舎1階ロビー
            timezone: Asia/Tokyo
            displays: [lcd-1080p]
            items:
              - id: counter-hours
                announcement:
                  title: 窓口の受付時間
                  body: \(body)
              - id: snow-festival
                image: images/snow.jpg
                duration: 10s
            """)
        try FileManager.default.createDirectory(atPath: ws.path("honcho/images"), withIntermediateDirectories: true)
        if !ws.exists("honcho/images/snow.jpg") {
            try FileManager.default.copyItem(atPath: repoRoot.appendingPathComponent("fixtures/images/snow.jpg").path,
                                             toPath: ws.path("honcho/images/snow.jpg"))
        }
    }

    /// The manifest at the origin, verified with the content key's public half.
    static func manifest(_ ws: Workspace, key: String) throws -> [String: Any] {
        let payload = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ws.path("origin/manifests/honcho"))))
        guard case .success(let unwrapped) = PushEnvelope.unwrap(payload: payload) else { throw PushCheckFailure("no envelope") }
        let verifier = PushVerifier(keys: [try KeyFiles.loadTrustedKey(path: ws.path(key))], maxSkew: 300, replayMemory: nil)
        guard case .success = verifier.verify(headers: unwrapped.headers, body: Array(unwrapped.body), now: Date()) else {
            throw PushCheckFailure("the manifest's signature does not verify")
        }
        return try JSONSerialization.jsonObject(with: Data(unwrapped.body)) as? [String: Any] ?? [:]
    }

    @Test func eachFileIsWrittenOnceUnderItsHashAndTheSignedManifestCountsUp() throws {
        let ws = try Workspace()
        _ = try PushCommandTests.keygen("content", in: ws)
        try Self.group(in: ws)
        let arguments = ["publish", "honcho", "--group", "honcho", "--key", "content.key", "--origin", "origin"]
        let first = try PushCommandTests.oshirase(arguments, in: ws)
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains(": 2 files, 2 written"), "\(first.stdout)")
        let manifest = try Self.manifest(ws, key: "content.pub")
        // Versions start at the clock's seconds, so an origin rebuilt from nothing still counts up.
        let version = try #require(manifest["version"] as? Int)
        #expect(manifest["group"] as? String == "honcho" && version >= Int(Date().timeIntervalSince1970) - 600)
        #expect(first.stdout.contains("group honcho version \(version): "))
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.compactMap { $0["path"] as? String } == ["images/snow.jpg", "lobby.yaml"])
        for file in files {
            let path = try #require(file["path"] as? String), hex = try #require(file["sha256"] as? String)
            let blob = try Data(contentsOf: URL(fileURLWithPath: ws.path("origin/blobs/sha256/\(hex)")))
            #expect(blob == (try Data(contentsOf: URL(fileURLWithPath: ws.path("honcho/\(path)")))), "\(path)")
            #expect(file["size"] as? Int == blob.count)
        }
        let photo = try #require(files.first?["sha256"] as? String)
        let inode = try FileManager.default.attributesOfItem(atPath: ws.path("origin/blobs/sha256/\(photo)"))[.systemFileNumber] as? Int

        // A changed playlist: only it is written again, and the version goes up.
        try Self.group(in: ws, body: "年末年始（12月29日〜1月3日）は窓口業務を休止します。")
        let second = try PushCommandTests.oshirase(arguments, in: ws)
        #expect(second.status == 0 && second.stdout.contains("version \(version + 1): 2 files, 1 written"), "\(second)")
        #expect(try Self.manifest(ws, key: "content.pub")["version"] as? Int == version + 1)
        #expect(try FileManager.default.attributesOfItem(atPath: ws.path("origin/blobs/sha256/\(photo)"))[.systemFileNumber] as? Int == inode,
                "the unchanged photo was written again")
    }

    @Test func aPlaylistWithAnErrorOrAnImageOutsideTheFolderPublishesNothing() throws {
        let ws = try Workspace()
        _ = try PushCommandTests.keygen("content", in: ws)
        try Self.group(in: ws)
        try ws.write("honcho/broken.yaml", "name: 壊れた\nitems:\n  - id: x\n    announcment: { title: 誤字 }\n")
        let broken = try PushCommandTests.oshirase(["publish", "honcho", "--group", "honcho", "--key", "content.key", "--origin", "origin"], in: ws)
        #expect(broken.status == 1, "\(broken)")
        #expect(broken.stderr.contains("broken.yaml:") && broken.stderr.contains("nothing was published"), "\(broken.stderr)")
        #expect(!ws.exists("origin"), "something was written")

        try FileManager.default.removeItem(atPath: ws.path("honcho/broken.yaml"))
        try ws.write("honcho/outside.yaml", """
            name: 外の画像
            displays: [lcd-1080p]
            items:
              - id: elsewhere
                image: \(repoRoot.appendingPathComponent("fixtures/images/city-hall.png").path)
            """)
        let outside = try PushCommandTests.oshirase(["publish", "honcho", "--group", "honcho", "--key", "content.key", "--origin", "origin"], in: ws)
        #expect(outside.status == 1 && outside.stderr.contains("outside.yaml:5:") && outside.stderr.contains("without '..'"), "\(outside)")
        #expect(!ws.exists("origin"))

        // Up and back in again, or through a link: the box would not find it under the same name.
        try ws.write("honcho/outside.yaml", "name: 上へ\ndisplays: [lcd-1080p]\nitems:\n  - id: up\n    image: ../honcho/images/snow.jpg\n")
        let up = try PushCommandTests.oshirase(["publish", "honcho", "--group", "honcho", "--key", "content.key", "--origin", "origin"], in: ws)
        #expect(up.status == 1 && up.stderr.contains("outside.yaml:5:") && up.stderr.contains("without '..'"), "\(up)")
        try FileManager.default.createSymbolicLink(atPath: ws.path("honcho/images/current.jpg"), withDestinationPath: "snow.jpg")
        try ws.write("honcho/outside.yaml", "name: リンク\ndisplays: [lcd-1080p]\nitems:\n  - id: linked\n    image: images/current.jpg\n")
        let linked = try PushCommandTests.oshirase(["publish", "honcho", "--group", "honcho", "--key", "content.key", "--origin", "origin"], in: ws)
        #expect(linked.status == 1 && linked.stderr.contains("outside.yaml:5:") && linked.stderr.contains("a symbolic link"), "\(linked)")
        #expect(!ws.exists("origin"))
    }
}

extension PublishCommandTests {
    /// With --broker the manifest is also retained on the group's topic, the same bytes as the
    /// origin's; a broker that is not there fails the command, after the origin has it.
    @Test func theManifestIsRetainedOnTheGroupsTopic() async throws {
        let ws = try Workspace()
        _ = try PushCommandTests.keygen("content", in: ws)
        try Self.group(in: ws)
        let broker = try MosquittoBroker()
        try broker.start()
        let arguments = ["publish", "honcho", "--group", "honcho", "--key", "content.key", "--origin", "origin"]
        let published = try PushCommandTests.oshirase(arguments + ["--broker", broker.url], in: ws)
        #expect(published.status == 0 && published.stdoutLines.contains { $0.hasPrefix(broker.url) && $0.hasSuffix("published") }, "\(published)")
        // A generous wait: the whole suite may be running beside it on 2 cores.
        let retained = try await broker.retained("oshirase/v1/groups/honcho/manifest", timeout: .seconds(30))
        let origin = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ws.path("origin/manifests/honcho"))))
        #expect(retained["oshirase/v1/groups/honcho/manifest"] == origin)

        let nobody = try freeLoopbackPort()
        let missed = try PushCommandTests.oshirase(arguments + ["--broker", "mqtt://127.0.0.1:\(nobody)", "--connect-timeout", "1s"], in: ws)
        let version = try #require(try Self.manifest(ws, key: "content.pub")["version"] as? Int)
        #expect(missed.status == 1 && missed.stderr.contains("1 of 1 brokers did not take the manifest")
                && missed.stderr.contains("the origin has version \(version)"), "\(missed)")
    }
}

struct PushCheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
