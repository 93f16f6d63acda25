import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import OshiraseTestSupport
#endif

// What the daemon tests need around the built executable: a long-running `oshirase` process with
// its output in files, a small HTTP client for the API on 127.0.0.1, polling with a deadline, and
// headless Chromium with a time limit.

/// A test step that did not happen in time, or an answer that could not be read.
struct DaemonTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: A running oshirase process

/// `oshirase ARGS…` started in the background, its stdout and stderr going to files in the
/// workspace (a pipe left unread would block a chatty daemon). Stopping it is safe at any time;
/// `deinit` kills it, so a failing test never leaves a daemon behind.
final class OshiraseProcess: @unchecked Sendable {
    // @unchecked: `process` is configured in `init` only; afterwards it is read and signalled,
    // signals going through `exitFlag`'s lock.
    private let process = Process()
    private let exitFlag = ExitFlag()
    /// Keeps the workspace (and so the files the daemon uses) alive as long as the process is.
    private let workspace: Workspace
    let stdoutPath: String
    let stderrPath: String
    let arguments: [String]
    /// A moment before the process was started: its own start is later.
    let launchedAt: Date

    /// Starts `oshirase arguments…` in `workingDirectory` (by default the workspace).
    /// With a `wrapper` (e.g. `ip netns exec NAME`), that command runs oshirase.
    init(_ arguments: [String], in workspace: Workspace, workingDirectory: String? = nil, label: String = "daemon",
         wrapper: [String] = []) throws {
        try #require(FileManager.default.isExecutableFile(atPath: oshiraseBinary),
                     "no executable at \(oshiraseBinary): build first or set OSHIRASE_BIN")
        self.workspace = workspace
        self.arguments = arguments
        let tag = "\(label)-\(UUID().uuidString.prefix(8))"
        stdoutPath = workspace.path("\(tag).stdout")
        stderrPath = workspace.path("\(tag).stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            // The child has its own copies of the descriptors.
            try? out.close()
            try? err.close()
        }
        launchedAt = Date()
        if let command = wrapper.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(wrapper.dropFirst()) + [oshiraseBinary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: oshiraseBinary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory ?? workspace.url.path)
        var environment = ProcessInfo.processInfo.environment
        environment["OSHIRASE_BUDOUX_MODEL"] = repoPath(".data/budoux/ja.json")
        environment["TZ"] = "UTC"
        environment["OSHIRASE_LOG_LEVEL"] = "info"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let exitFlag = self.exitFlag
        process.terminationHandler = { _ in exitFlag.set() }
        try process.runTiedToTestProcess()
        exitFlag.markStarted()
    }

    deinit { kill() }

    var isRunning: Bool { process.isRunning }

    /// Each of the running process's threads, by name, with its nice value, read from /proc.
    func threadNiceness() -> [(name: String, nice: Int)] {
        exitFlag.whileRunning { () -> [(name: String, nice: Int)] in
            let tasks = "/proc/\(process.processIdentifier)/task"
            let ids = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
            return ids.compactMap { id -> (name: String, nice: Int)? in
                guard let comm = try? String(contentsOfFile: "\(tasks)/\(id)/comm", encoding: .utf8),
                      let stat = try? String(contentsOfFile: "\(tasks)/\(id)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { return nil }
                // After the name in parentheses: state is field 3, nice field 19.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 16, let nice = Int(fields[16]) else { return nil }
                return (comm.trimmingCharacters(in: .whitespacesAndNewlines), nice)
            }
        } ?? []
    }

    /// Sends `signal` while the process runs: never before it started (pid 0 would signal the
    /// test's own process group) nor after it has exited (its pid may belong to another).
    func send(_ signal: Int32) {
        exitFlag.whileRunning { Glibc.kill(process.processIdentifier, signal) }
    }

    /// SIGKILL and wait (a few seconds at most) for the process to be gone: no graceful shutdown.
    func kill() {
        send(SIGKILL)
        waitUntilGone(seconds: 5)
    }

    /// Stops it as systemd does: SIGTERM, so it tidies up after itself (a simulated
    /// thermometer's pseudo-terminal link and folder), then `kill()` if it still runs after 5 s.
    func stop() {
        send(SIGTERM)
        waitUntilGone(seconds: 5)
        if process.isRunning { kill() }
    }

    private func waitUntilGone(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(2_000) }
    }

    var stdout: String { String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self) }
    var stderr: String { String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self) }

    /// Both outputs, the end of each, for failure messages.
    var output: String {
        "oshirase \(arguments.joined(separator: " "))\n--- stdout (end) ---\n\(stdout.suffix(3000))\n--- stderr (end) ---\n\(stderr.suffix(3000))"
    }

    /// Waits for the process to exit; its status (or the signal that ended it), or nil after `timeout`.
    func waitForExit(timeout: Duration) async throws -> (status: Int32, bySignal: Bool)? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { return nil }
            try await Task.sleep(for: .milliseconds(10))
        }
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    /// The first match of `pattern` in stdout, once it appears; fails when the process exits first
    /// or the time runs out.
    func waitForStdout(_ pattern: String, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = stdout
            if let range = text.range(of: pattern, options: .regularExpression) { return String(text[range]) }
            if !process.isRunning {
                // Read once more: the line may have been written just before the exit.
                let last = stdout
                if let range = last.range(of: pattern, options: .regularExpression) { return String(last[range]) }
                throw DaemonTestFailure("oshirase exited (status \(process.terminationStatus)) before printing /\(pattern)/\n\(output)")
            }
            if ContinuousClock.now > deadline {
                throw DaemonTestFailure("no /\(pattern)/ on stdout within \(timeout)\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The port of the API the daemon announced (`preview and API on http://127.0.0.1:PORT/`,
    /// or the demo's `open http://127.0.0.1:PORT/`).
    func waitForAPIPort(timeout: Duration = .seconds(20)) async throws -> Int {
        let line = try await waitForStdout(#"http://127\.0\.0\.1:[0-9]+/"#, timeout: timeout)
        guard let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...].dropLast()) else {
            throw DaemonTestFailure("cannot read a port from '\(line)'")
        }
        return port
    }
}

/// Whether a child process has started and exited, set by its termination handler.
private final class ExitFlag: @unchecked Sendable {
    // @unchecked: both flags are guarded by `lock`.
    private let lock = NSLock()
    private var started = false
    private var exited = false

    func markStarted() { lock.withLock { started = true } }
    func set() { lock.withLock { exited = true } }

    /// Runs `body` under the lock when the process has started and not yet exited.
    func whileRunning(_ body: () -> Int32) {
        lock.withLock {
            guard started, !exited else { return }
            _ = body()
        }
    }

    /// `body`'s result while the process runs; nil before it started or after it exited.
    func whileRunning<T>(_ body: () -> T) -> T? {
        lock.withLock { () -> T? in
            guard started, !exited else { return nil }
            return body()
        }
    }
}

// MARK: Polling

/// Calls `check` every `interval` until it returns a value; fails with `what` (and `context`)
/// when `timeout` passes first.
func poll<T>(_ what: String, timeout: Duration, every interval: Duration = .milliseconds(50),
             context: () -> String = { "" }, _ check: () throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var lastError: Error?
    while true {
        do {
            if let value = try check() { return value }
            lastError = nil
        } catch {
            lastError = error
        }
        if ContinuousClock.now > deadline {
            let reason = lastError.map { " (last error: \($0))" } ?? ""
            throw DaemonTestFailure("\(what) did not happen within \(timeout)\(reason)\n\(context())")
        }
        try await Task.sleep(for: interval)
    }
}

// MARK: Ports

/// Writes `config` (a path in `ws`) as `makeConfig` makes it for a free API port and starts
/// `oshirase run` with it; the daemon and the port its API announced. Tries another port (three
/// attempts in all) when the one picked was taken in between.
func startDaemonOnFreePort(in ws: Workspace, config: String, label: String,
                           _ makeConfig: (Int) -> String) async throws -> (OshiraseProcess, Int) {
    var lastFailure: Error?
    for _ in 0..<3 {
        let port = try freeLoopbackPort()
        try ws.write(config, makeConfig(port))
        let daemon = try OshiraseProcess(["run", "--config", ws.path(config)], in: ws, label: label)
        do {
            let announced = try await daemon.waitForAPIPort(timeout: .seconds(20))
            #expect(announced == port, "the daemon announced port \(announced), the config says \(port)")
            return (daemon, announced)
        } catch {
            daemon.kill()
            guard (daemon.stdout + daemon.stderr).localizedCaseInsensitiveContains("address already in use") else { throw error }
            lastFailure = error
        }
    }
    throw lastFailure ?? DaemonTestFailure("the daemon did not start")
}

/// 127.0.0.1:`port` as a socket address.
private func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
    return address
}

// MARK: HTTP on 127.0.0.1

/// One HTTP answer.
struct HTTPAnswer {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// `GET path` on 127.0.0.1:`port`, one connection per request, answered within `timeout` seconds.
///
/// A few lines of sockets rather than URLSession: no proxy settings from the environment can
/// send the request elsewhere, and a status poll every 20 ms stays cheap.
func httpGet(port: Int, _ path: String, timeout: Double = 5) throws -> HTTPAnswer {
    try httpRequest(port: port, "GET", path, timeout: timeout)
}

/// One request of any method, with extra headers and a body.
func httpRequest(port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
                 timeout: Double = 5) throws -> HTTPAnswer {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw DaemonTestFailure("socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var address = loopbackAddress(port: port)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        throw DaemonTestFailure("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
    }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
    if method != "GET" { head += "Content-Length: \(body.count)\r\n" }
    let request = Array((head + "\r\n").utf8) + body
    var sent = 0
    while sent < request.count {
        let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n > 0 else { throw DaemonTestFailure("send to 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        sent += n
    }
    var raw: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { break }
        guard n > 0 else {
            throw DaemonTestFailure("GET \(path) on 127.0.0.1:\(port): \(String(cString: strerror(errno))) after \(raw.count) bytes")
        }
        raw.append(contentsOf: chunk[0..<n])
    }
    return try parseHTTPAnswer(raw, request: path)
}

private func parseHTTPAnswer(_ raw: [UInt8], request: String) throws -> HTTPAnswer {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let headEnd = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else {
        throw DaemonTestFailure("GET \(request): no complete HTTP header in \(raw.count) bytes")
    }
    let lines = String(decoding: raw[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
    let statusParts = lines.first?.split(separator: " ") ?? []
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
        throw DaemonTestFailure("GET \(request): bad status line '\(lines.first ?? "")'")
    }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var body = Array(raw[(headEnd + 4)...])
    if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body, request: request) }
    return HTTPAnswer(status: status, headers: headers, body: body)
}

private func dechunk(_ data: [UInt8], request: String) throws -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < data.count {
        guard let lineEnd = (i..<(data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }),
              let size = Int(String(decoding: data[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16)
        else { throw DaemonTestFailure("GET \(request): bad chunked body") }
        if size == 0 { break }
        let start = lineEnd + 2
        guard start + size <= data.count else { throw DaemonTestFailure("GET \(request): truncated chunk") }
        out.append(contentsOf: data[start..<(start + size)])
        i = start + size + 2
    }
    return out
}

// MARK: The daemon's status

/// The parts of `/v1/status` the tests read (docs/http-api.md).
struct StatusSnapshot: Decodable {
    struct Display: Decodable {
        var name: String
        var profile: String
        var width: Int
        var height: Int
        var items: [String: String]
        var framesPresented: Int
        var error: String?
    }
    struct PlaylistFile: Decodable {
        var file: String
        var name: String?
        var items: Int
        var errors: [String]
    }
    var site: String
    var displays: [Display]
    var playlists: [PlaylistFile]

    func display(_ name: String) -> Display? { displays.first { $0.name == name } }
}

/// `GET /v1/status`, decoded.
func fetchStatus(port: Int, timeout: Double = 5) throws -> StatusSnapshot {
    let answer = try httpGet(port: port, "/v1/status", timeout: timeout)
    guard answer.status == 200 else { throw DaemonTestFailure("/v1/status answered \(answer.status): \(answer.text)") }
    do {
        return try JSONDecoder().decode(StatusSnapshot.self, from: Data(answer.body))
    } catch {
        throw DaemonTestFailure("/v1/status is not the documented JSON (\(error)): \(answer.text.prefix(2000))")
    }
}

// MARK: Proof of play as `oshirase report` prints it

/// One line of `oshirase report --format json`, with its instants in milliseconds since 1970.
struct ReportRecord: Decodable, CustomStringConvertible {
    var display: String
    var zone: String
    var playlist: String
    var item: String
    var start: String
    var end: String
    var seconds: Double

    var startMs: Int64 { millisecondsSince1970(start) ?? -1 }
    var endMs: Int64 { millisecondsSince1970(end) ?? -1 }
    var description: String { "\(display)/\(zone) \(item) \(start)…\(end)" }
}

/// Milliseconds since 1970 of `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`.
func millisecondsSince1970(_ text: String) -> Int64? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
}

/// An instant as the command line takes it (UTC, whole seconds, or milliseconds for messages).
func commandLineInstant(_ date: Date, milliseconds: Bool = false) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = milliseconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    return formatter.string(from: date)
}

// MARK: Headless Chromium

/// Debian's Chromium, or `$CHROMIUM` when set.
let chromiumExecutable: String? = {
    let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// The DOM of `url` after `pageMilliseconds` of the page's virtual time in headless Chromium.
///
/// With a virtual-time budget Chromium fast-forwards the page's timers while no request is
/// pending, so seconds of the page's life take little real time and the test never sleeps.
/// Chromium is killed when it runs past `timeout`.
func chromiumDOM(of url: String, pageMilliseconds: Int, workspace: Workspace, timeout: Duration) async throws -> String {
    try await HeadlessBrowser.gate.exclusively {
        try await chromiumDOMNow(of: url, pageMilliseconds: pageMilliseconds, workspace: workspace, timeout: timeout)
    }
}

private func chromiumDOMNow(of url: String, pageMilliseconds: Int, workspace: Workspace, timeout: Duration) async throws -> String {
    let chromium = try #require(chromiumExecutable)
    let profile = workspace.path("chromium-profile")
    let out = workspace.path("chromium.stdout"), err = workspace.path("chromium.stderr")
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
    let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
    let browser = Process()
    browser.executableURL = URL(fileURLWithPath: chromium)
    browser.arguments = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio", "--no-pings",
        "--no-proxy-server", "--user-data-dir=\(profile)", "--virtual-time-budget=\(pageMilliseconds)", "--dump-dom", url,
    ]
    browser.standardInput = FileHandle.nullDevice
    browser.standardOutput = outHandle
    browser.standardError = errHandle
    try browser.runTiedToTestProcess()
    try? outHandle.close()
    try? errHandle.close()
    let deadline = ContinuousClock.now + timeout
    defer {
        if browser.isRunning {
            kill(browser.processIdentifier, SIGKILL)
            browser.waitUntilExit()
        }
    }
    while browser.isRunning {
        if ContinuousClock.now > deadline {
            throw DaemonTestFailure("Chromium did not finish within \(timeout); stderr: "
                                    + String(decoding: FileManager.default.contents(atPath: err) ?? Data(), as: UTF8.self).suffix(2000))
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    let dom = String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self)
    guard browser.terminationStatus == 0 else {
        throw DaemonTestFailure("Chromium exited with \(browser.terminationStatus); stderr: "
                                + String(decoding: FileManager.default.contents(atPath: err) ?? Data(), as: UTF8.self).suffix(2000))
    }
    return dom
}

/// The attributes of every `<img class="frame" …>` in a dumped DOM, in page order.
func frameImages(inDOM dom: String) -> [[String: String]] {
    dom.matches(of: /<img\b[^>]*>/).compactMap { match -> [String: String]? in
        let tag = String(match.output)
        var attributes: [String: String] = [:]
        for attribute in tag.matches(of: /([a-zA-Z-]+)="([^"]*)"/) {
            attributes[String(attribute.output.1)] = String(attribute.output.2)
        }
        return attributes["class"]?.split(separator: " ").contains("frame") == true ? attributes : nil
    }
}
