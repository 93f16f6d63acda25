import Foundation
import OshiraseImaging
import Testing
import OshiraseTestSupport

/// The repository root, found from this file's path (Tests/OshiraseCLITests/…).
let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

func repoPath(_ relative: String) -> String { repoRoot.appendingPathComponent(relative).path }

/// The built executable: `$OSHIRASE_BIN` (absolute, or relative to the working or repository
/// directory), else `<repo>/.build/debug/oshirase`.
let oshiraseBinary: String = {
    guard let env = ProcessInfo.processInfo.environment["OSHIRASE_BIN"], !env.isEmpty else {
        return repoPath(".build/debug/oshirase")
    }
    if env.hasPrefix("/") { return env }
    let fromCwd = URL(fileURLWithPath: env).standardized.path
    return FileManager.default.fileExists(atPath: fromCwd) ? fromCwd : repoPath(env)
}()

/// The tools built beside the product (`compare-frames`), found next to it.
func toolBinary(_ name: String) -> String {
    URL(fileURLWithPath: oshiraseBinary).deletingLastPathComponent().appendingPathComponent(name).path
}

/// What one run of the executable did.
struct Run: CustomStringConvertible {
    var executable = "oshirase"
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var description: String { "\(executable) \(arguments.joined(separator: " ")) → \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// Whether stderr shows signs of a crash or a stack trace instead of a clear message.
    var looksLikeCrash: Bool {
        let markers = ["Fatal error", "Stack dump", "stack trace", "Backtrace", "Segmentation fault", "Illegal instruction",
                       "Trace/breakpoint", "0x0000", "Swift runtime failure"]
        return markers.contains { stderr.contains($0) } || status > 128
    }
}

/// A scratch directory the executable runs in; removed afterwards.
final class Workspace: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("oshirase-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let p = path(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Runs `oshirase ARGS…` with this directory as the working directory.
    func run(_ arguments: String..., timeout: TimeInterval = 120) throws -> Run { try run(arguments, timeout: timeout) }

    /// - Parameter environment: variables to set (or, with a nil value, to remove) for this run.
    /// - Parameter executable: the program, `oshirase` unless a test runs a tool built beside it.
    func run(_ arguments: [String], timeout: TimeInterval = 120, environment changes: [String: String?] = [:],
             executable: String = oshiraseBinary) throws -> Run {
        try #require(FileManager.default.isExecutableFile(atPath: executable),
                     "no executable at \(executable): build first or set OSHIRASE_BIN")
        let outPath = path(".stdout-\(UUID().uuidString)"), errPath = path(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = url
        var environment = ProcessInfo.processInfo.environment
        environment["OSHIRASE_BUDOUX_MODEL"] = repoPath(".data/budoux/ja.json")
        environment["TZ"] = "UTC"  // outputs must not depend on the machine's zone
        for (name, value) in changes { environment[name] = value }
        process.environment = environment
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.runTiedToTestProcess()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                Issue.record("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) ran longer than \(Int(timeout)) s")
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdout = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        return Run(executable: (executable as NSString).lastPathComponent, arguments: arguments,
                   status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// The sample playlists shipped in `playlists/`, sorted.
let samplePlaylists: [String] = {
    let dir = repoPath("playlists")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { dir + "/" + $0 }
}()

/// The built-in profiles and their sizes (docs/rendering.md).
let profileSizes: [(name: String, width: Int, height: Int)] = [
    ("lcd-1080p", 1920, 1080), ("dsign-clean", 1080, 1920), ("led-vision", 384, 216),
]

/// Decodes an output image, failing the test when it cannot be read.
func decodeOutput(_ path: String) throws -> DecodedImage {
    do {
        return try ImageDecoder.decodeFile(atPath: path)
    } catch {
        Issue.record("cannot decode \(path): \(error)")
        throw error
    }
}

extension Bitmap {
    /// Whether any pixel is not pure black, and there are at least `colours` distinct colours on a grid.
    func isVisibleFrame(colours: Int = 3) -> Bool {
        var seen = Set<UInt32>()
        for y in Swift.stride(from: 0, to: height, by: 3) {
            for x in Swift.stride(from: 0, to: width, by: 3) {
                let p = pixel(x: x, y: y)
                seen.insert(UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b))
                if seen.count >= colours, seen != [0] { return true }
            }
        }
        return false
    }
}

/// An ISO 8601 instant with an offset, as the CLI prints them.
let isoInstant = #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})"#

func matches(_ text: String, _ pattern: String) -> Bool {
    text.range(of: pattern, options: .regularExpression) != nil
}

func parseInstant(_ text: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: text)
}

/// How many pixels of two frames differ (every pixel when the sizes do): a number to expect 0
/// of, since comparing the pixel arrays themselves would print megabytes on a failure.
func differingPixels(_ a: Bitmap, _ b: Bitmap) -> Int {
    guard a.width == b.width, a.height == b.height else { return max(a.width * a.height, b.width * b.height) }
    var count = 0
    for y in 0..<a.height {
        for x in 0..<a.width where a.pixel(x: x, y: y) != b.pixel(x: x, y: y) { count += 1 }
    }
    return count
}
