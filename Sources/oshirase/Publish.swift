import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseConfig
import OshiraseCore
import OshiraseFleet
import OshiraseMQTT
import OshiraseSigning
import Synchronization

/// `oshirase publish DIR --group G --key K --origin ORIGIN`: a group's playlists and the images
/// they show, checked as `validate` checks them, written once each under
/// `ORIGIN/blobs/sha256/<hex>` and listed in a signed manifest at `ORIGIN/manifests/<group>`
/// whose version only ever increases (docs/fleet.md, "Content").
struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a group's playlists and their images to an origin folder, with a signed manifest.",
        discussion: """
            Every playlist (*.yaml, *.yml) in DIR is checked as `validate` checks it; any error is printed \
            as FILE:LINE:COL and nothing is written. The images the playlists show must lie in DIR. Each file \
            is written once under ORIGIN/blobs/sha256/<hex> (a file already there is not written again), \
            then the manifest, signed with the content key, replaces ORIGIN/manifests/GROUP with the \
            next version. ORIGIN is a folder a static web server serves. With --broker the manifest is \
            also published, retained, on oshirase/v1/groups/GROUP/manifest of every broker listed.
            """)

    @Argument(help: ArgumentHelp("The group's folder of playlists and images.", valueName: "DIR"))
    var directory: String

    @Option(help: "The group (letters, digits and -._), as boxes list it under fleet: groups.")
    var group: String

    @Option(help: ArgumentHelp("The content key (NAME.key from `oshirase keygen`).", valueName: "FILE"))
    var key: String

    @Option(help: ArgumentHelp("The origin folder the boxes' mirrors serve.", valueName: "DIR"))
    var origin: String

    @OptionGroup var connection: BrokerConnectionOptions

    func validate() throws {
        guard FleetConfig.isName(group) else { throw ValidationError("--group '\(group)': use letters, digits and -._ (at most 64)") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PushError("\(directory): not a folder")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }.sorted()
        guard !names.isEmpty else { throw PushError("\(directory): no playlists (*.yaml, *.yml)") }
        let signingKey = try KeyFiles.loadSigningKey(path: key)

        // Checked as `validate` checks them; the images they show written relative to the folder,
        // inside it, through no link (the loader says where, as FILE:LINE:COL).
        var loader = playlistLoader(skipsBrokenAssets: false)
        loader.assetsInsideFolder = true
        var problems: [String] = []
        var paths = Set<String>()
        for name in names {
            let path = folder + "/" + name
            guard URL(fileURLWithPath: path).resolvingSymlinksInPath().path == path else {
                problems.append("\(path): error: a symbolic link; in a published set, put the playlist itself there")
                continue
            }
            paths.insert(name)
            do {
                let playlist = try loader.load(path: path)
                for item in playlist.items {
                    guard case .image(let image, _) = item.content else { continue }
                    let relative = image.hasPrefix(folder + "/") ? String(image.dropFirst(folder.count + 1)) : ""
                    guard ContentManifest.isSafePath(relative) else {
                        problems.append("\(path): error: item '\(item.id)' shows \(image), a name a box would refuse; rename it")
                        continue
                    }
                    paths.insert(relative)
                }
            } catch {
                problems += error.errors.map(\.description)
            }
        }
        for path in paths where !FileManager.default.isReadableFile(atPath: folder + "/" + path) {
            problems.append("\(folder)/\(path): error: cannot read it")
        }
        guard problems.isEmpty else {
            for problem in problems { printError(problem) }
            throw PushError("nothing was published: \(problems.count == 1 ? "an error" : "\(problems.count) errors") in \(directory)")
        }

        // One publisher of a group at a time, from reading the last version to writing the next.
        let manifestPath = origin + "/manifests/" + group
        let lock = try OriginFile.lock(origin + "/manifests/." + group + ".lock")
        defer { close(lock) }
        let previous = try Self.previousVersion(at: manifestPath)
        var files: [ContentManifest.File] = []
        var written = 0, writtenBytes = 0
        for path in paths.sorted() {
            guard let data = FileManager.default.contents(atPath: folder + "/" + path) else {
                throw PushError("\(directory)/\(path): cannot read it")
            }
            let bytes = [UInt8](data)
            let hex = PushEnvelope.hexSHA256(bytes)
            files.append(ContentManifest.File(path: path, sha256: hex, size: bytes.count))
            // A blob already there is kept only if it is these very bytes (not merely their size).
            let blob = origin + "/blobs/sha256/" + hex
            if let existing = FileManager.default.contents(atPath: blob), existing.count == bytes.count,
               PushEnvelope.hexSHA256([UInt8](existing)) == hex { continue }
            try OriginFile.write(bytes, to: blob)
            written += 1
            writtenBytes += bytes.count
        }
        // Above the last one, and never below the clock's seconds: an origin rebuilt from nothing
        // still counts up from what boxes already hold.
        let version = max(previous + 1, Int(Date().timeIntervalSince1970))
        let manifest = ContentManifest(group: group, version: version, issued: Instant.formatUTC(Date()), files: files)
        let body = FleetJSON.encode(manifest)
        let headers = try PushEnvelope.sign(body: body, key: signingKey, timestamp: Int64(Date().timeIntervalSince1970))
        let payload = PushEnvelope.payload(body: body, headers: headers)
        try OriginFile.write(payload, to: manifestPath)
        print("group \(group) version \(manifest.version): \(files.count) files, \(written) written (\(writtenBytes) bytes), "
            + "\(files.count - written) already in the origin; manifest \(manifestPath) signed with key \(signingKey.keyID)")
        guard !connection.brokers.isEmpty else { return }

        // The origin holds every file before the boxes hear of the manifest.
        let topic = FleetTopic.groupManifest(group: group)
        let outcomes = try Self.publishRetained(payload, topic: topic, settings: try connection.settings())
        print(resultTable(header: ["BROKER", "RESULT"], rows: outcomes.map { [$0.endpoint.description, $0.outcome] }), terminator: "")
        let missed = outcomes.filter { $0.outcome != "published" }.count
        if missed > 0 {
            throw PushError("\(missed) of \(outcomes.count) brokers did not take the manifest on \(topic); "
                + "the origin has version \(manifest.version), so boxes reading it there still get it")
        }
    }

    /// Publishes `payload` retained (QoS 1) on `topic` on every broker of `settings`, each from a
    /// client of its own; `published` or why not, per broker.
    static func publishRetained(_ payload: [UInt8], topic: String, settings base: MQTTSettings) throws
        -> [(endpoint: MQTTEndpoint, outcome: String)] {
        let outcomes = Mutex<[Int: String]>([:])
        let loops = try base.endpoints.map { _ in try MQTTLoop(name: "publish") }
        defer { loops.forEach { $0.shutdown() } }
        let clients = try base.endpoints.enumerated().map { index, endpoint in
            var settings = base
            settings.endpoints = [endpoint]
            settings.clientID += "-\(index)"
            settings.subscriptions = []
            return try MQTTClient(settings: settings, loop: loops[index]) { event in
                switch event {
                case .connected:
                    outcomes.withLock { if $0[index] == nil { $0[index] = "" } }
                case .disconnected(_, let reason, _):
                    outcomes.withLock { if $0[index] == nil { $0[index] = "not reached: \(reason)" } }
                case .delivered(_, let refusal):
                    outcomes.withLock { $0[index] = refusal.map { "refused: \($0)" } ?? "published" }
                case .notSent(_, let reason):
                    outcomes.withLock { $0[index] = "not sent: \(reason)" }
                case .message, .stopped:
                    break
                }
            }
        }
        clients.forEach { $0.start() }
        defer { clients.forEach { $0.stop() } }
        // Each broker connected ("") or failed; then each connected one answered.
        func wait(_ limit: Duration, until done: ([Int: String]) -> Bool) {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline && !done(outcomes.withLock { $0 }) { usleep(20_000) }
        }
        wait(base.connectTimeout + .seconds(1)) { state in clients.indices.allSatisfy { state[$0] != nil } }
        for (index, client) in clients.enumerated() where outcomes.withLock({ $0[index] == "" }) {
            client.publish(MQTTOutgoing(topic: topic, payload: payload, qos: 1, retain: true, token: UInt64(index)))
        }
        wait(.seconds(10)) { state in clients.indices.allSatisfy { state[$0] != "" } }
        let final = outcomes.withLock { $0 }
        return base.endpoints.enumerated().map { index, endpoint in
            let outcome = switch final[index] {
            case nil: "not connected within \(base.connectTimeout)"
            case "": "no acknowledgement within 10 s"
            case let text?: text
            }
            return (endpoint, outcome)
        }
    }

    /// The version of the manifest already at `path`, 0 when there is none.
    static func previousVersion(at path: String) throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw PushError("\(path): cannot read the manifest there") }
            return 0
        }
        guard case .success(let unwrapped) = PushEnvelope.unwrap(payload: [UInt8](data)),
              let manifest = FleetJSON.decode(ContentManifest.self, from: Array(unwrapped.body)) else {
            throw PushError("\(path): not a signed manifest; move it away to start the group again (versions then continue from the clock's seconds)")
        }
        return manifest.version
    }
}

/// Files of the origin: each replaced whole and durably (``AtomicFile``), so a web server never
/// serves half a file and a crash leaves the old one; and the lock publishers take turns with.
enum OriginFile {
    /// An exclusive lock on `path` (made if needed), held until the descriptor is closed.
    static func lock(_ path: String) throws -> Int32 {
        try makeFolder(of: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PushError("\(path): \(systemErrorText(errno))") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = systemErrorText(errno)
                close(fd)
                throw PushError("\(path): cannot lock it: \(reason)")
            }
        }
        return fd
    }

    /// `bytes` in place of `path`, durably (``AtomicFile``).
    static func write(_ bytes: [UInt8], to path: String) throws {
        try makeFolder(of: path)
        do {
            try AtomicFile.write(bytes, to: path, durable: true)
        } catch {
            throw PushError("\(path): cannot write: \(error.reason)")
        }
    }

    private static func makeFolder(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PushError("\(directory): cannot make the folder: \(error.localizedDescription)")
        }
    }
}
