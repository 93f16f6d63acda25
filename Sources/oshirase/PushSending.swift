import ArgumentParser
import Foundation
import OshiraseCommandLine
import OshiraseConfig
import OshiraseCAP
import OshiraseHTTPClient
import OshiraseMQTT
import OshiraseSigning

// What `push` and `cancel` share: the sending options, the fan-out, the result table.

/// The options `push` and `cancel` share: where to send, with which key, and how patiently.
struct SendingOptions: ParsableArguments {
    @Option(name: .customLong("to"), parsing: .upToNextOption,
            help: ArgumentHelp("Boxes to send to: http://HOST:PORT (the path /v1/alerts is added when none is given). Repeat --to or list several after one.",
                               valueName: "URL"))
    var targets: [String] = []

    @Option(help: ArgumentHelp("The private key file written by `oshirase keygen` (NAME.key).", valueName: "FILE"))
    var key: String

    @Option(help: ArgumentHelp("The journal of what was sent; default $XDG_STATE_HOME/oshirase/sent.jsonl (~/.local/state/oshirase/sent.jsonl).",
                               valueName: "FILE"))
    var journal: String?

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Longest wait for a connection to one box.", valueName: "DURATION"))
    var connectTimeout = "5s"

    @Option(help: ArgumentHelp("Longest time for one attempt at one box, answer included.", valueName: "DURATION"))
    var timeout = "20s"

    @Option(help: ArgumentHelp("Further attempts when a box cannot be reached or answers 5xx (0–5).", valueName: "N"))
    var retries = 2

    @Option(help: ArgumentHelp("For https:// boxes and mqtts:// brokers: trust the CA certificates in this PEM file (e.g. the city's own CA) instead of the system's.",
                               valueName: "FILE"))
    var cacert: String?

    @Option(name: .customLong("broker"), parsing: .upToNextOption,
            help: ArgumentHelp("Fleet brokers to publish on: mqtts://HOST:8883 (mqtt:// on this machine only). Every box subscribed gets it, now or when it returns.",
                               valueName: "URL"))
    var brokers: [String] = []

    @Option(help: ArgumentHelp("With --broker: how long to collect the boxes' receipts.", valueName: "DURATION"))
    var wait = "10s"

    @Option(help: ArgumentHelp("With --broker: the box ids expected to answer, comma-separated; default the boxes online on the brokers.",
                               valueName: "ID,..."))
    var boxes: String?

    @Option(help: ArgumentHelp("With mqtts:// brokers: city hall's client certificate (PEM), which the brokers' ACL lets publish alerts.",
                               valueName: "FILE"))
    var cert: String?

    @Option(name: .customLong("cert-key"), help: ArgumentHelp("The private key of --cert (PEM, without a pass phrase).", valueName: "FILE"))
    var certKey: String?

    /// The --broker URLs, checked.
    func brokerEndpoints() throws -> [MQTTEndpoint] { try parseBrokerURLs(brokers) }

    /// The TLS files for an mqtts:// broker: --cacert, --cert and --cert-key, checked; nil for mqtt://.
    func brokerTLS(for endpoint: MQTTEndpoint) throws -> MQTTTLSFiles? {
        try brokerTLSFiles(for: endpoint, cacert: cacert, cert: cert, certKey: certKey)
    }

    /// The --boxes list, or nil when not given.
    func expectedBoxes() -> [String]? {
        boxes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.uniqued() }
    }

    /// The fan-out limits from the options.
    func fanOutOptions() throws -> HTTPFanOutOptions {
        var options = HTTPFanOutOptions()
        options.connectTimeout = try parseDuration(connectTimeout, option: "--connect-timeout", range: 0.1...300)
        options.totalTimeout = try parseDuration(timeout, option: "--timeout", range: 0.1...600)
        guard (0...5).contains(retries) else { throw ValidationError("--retries \(retries) is out of range; use 0 to 5") }
        options.retries = retries
        options.userAgent = "oshirase-push"
        if let cacert {
            if let problem = CertificateFile.problem(cacert) { throw ValidationError("--cacert: \(problem)") }
            options.caFile = cacert
        }
        return options
    }

    /// The journal's path: --journal, else under $XDG_STATE_HOME, else ~/.local/state.
    func journalPath() throws -> String {
        if let journal, !journal.isEmpty { return journal }
        let environment = ProcessInfo.processInfo.environment
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/oshirase/sent.jsonl"
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else {
            throw ValidationError("neither XDG_STATE_HOME nor HOME is set; give the journal with --journal FILE")
        }
        return home + "/.local/state/oshirase/sent.jsonl"
    }
}

/// `--broker` values as broker endpoints, each once, in order.
func parseBrokerURLs(_ urls: [String]) throws -> [MQTTEndpoint] {
    var endpoints: [MQTTEndpoint] = []
    for text in urls {
        do {
            let endpoint = try MQTTEndpoint.parse(text.trimmingCharacters(in: .whitespaces))
            if !endpoints.contains(endpoint) { endpoints.append(endpoint) }
        } catch {
            throw ValidationError("--broker \(error)")
        }
    }
    if Set(endpoints.map(\.usesTLS)).count > 1 {
        throw ValidationError("--broker: the brokers mix mqtts:// and mqtt://; mqtt:// is for a broker on this machine only")
    }
    return endpoints
}

/// City hall's TLS files for an mqtts:// broker, checked before connecting; nil for mqtt://.
func brokerTLSFiles(for endpoint: MQTTEndpoint, cacert: String?, cert: String?, certKey: String?) throws -> MQTTTLSFiles? {
    guard endpoint.usesTLS else { return nil }
    guard let cacert else { throw ValidationError("--broker \(endpoint) needs --cacert FILE: the CA that signed the broker's certificate") }
    guard let cert, let certKey else {
        throw ValidationError("--broker \(endpoint) needs --cert FILE and --cert-key FILE: city hall's client certificate and its key")
    }
    for (option, problem) in [("--cacert", CertificateFile.problem(cacert)), ("--cert", CertificateFile.certificateProblem(cert)),
                              ("--cert-key", CertificateFile.keyProblem(certKey))] {
        if let problem { throw ValidationError("\(option): \(problem)") }
    }
    return MQTTTLSFiles(certificateAuthority: cacert, certificate: cert, key: certKey)
}

/// Signs and sends `document` to every box target (HTTP) and publishes it on every broker,
/// prints the tables, records the journal; throws exit status 1 when any box did not accept it
/// or, through a broker, did not answer.
func sendSigned(_ document: [UInt8], alert: CAPAlert, entry: JournalEntry, key: SigningKey, sending: SendingOptions,
                targets given: [String], brokers: [String], journalPath: String, what: String) throws {
    // Every broker's files are checked before anything is sent anywhere (the journal's brokers too).
    for endpoint in try parseBrokerURLs(brokers) { _ = try sending.brokerTLS(for: endpoint) }
    var recorded = entry
    var failures = 0
    if !given.isEmpty {
        let targets = try given.map(alertsURL(for:)).uniqued()
        let results = try sendToBoxes(document, entry: entry, key: key, options: try sending.fanOutOptions(), targets: targets)
        recorded.targets = targets
        recorded.accepted = results.filter(\.isSuccess).map(\.url)
        let failed = results.filter { !$0.isSuccess }.count
        if failed > 0 {
            printError("oshirase: error: \(failed) of \(results.count) \(results.count == 1 ? "box" : "boxes") did not accept the \(what); see the table above")
            failures += failed
        }
    }
    // Recorded as soon as it is out, before the wait for receipts: a later cancel finds it even
    // when this command is interrupted while it waits.
    func record() {
        do {
            try PushJournal(path: journalPath).append(recorded)
        } catch {
            printError("oshirase: warning: \(error); to cancel this \(what) later give --sender \(entry.sender) --sent \(entry.sent)")
        }
    }
    if brokers.isEmpty {
        record()
    } else {
        var publishing = sending
        publishing.brokers = brokers
        recorded.brokers = try publishing.brokerEndpoints().map(\.description)
        // Boxes that took it over HTTP have it whatever the brokers do: recorded now. Otherwise once
        // a broker has it (or may have it).
        let onScreens = !recorded.accepted.isEmpty
        if onScreens { record() }
        failures += try publishToBrokers(document, alert: alert, key: key, sending: publishing, what: what,
                                         published: { if !onScreens { record() } })
    }
    if failures > 0 { throw ExitCode.failure }
}

/// Signs `document` afresh for each attempt and sends it to every box at once; prints the table.
private func sendToBoxes(_ document: [UInt8], entry: JournalEntry, key: SigningKey, options: HTTPFanOutOptions,
                         targets: [String]) throws -> [HTTPResult] {
    let posts = targets.map { url in
        HTTPPost(url: url, body: document) { _ in
            // A fresh timestamp and signature per attempt: a retry after a wait is still within
            // the box's ±300 s and is not refused as a replay.
            let signed = try PushEnvelope.sign(body: document, key: key, timestamp: Int64(Date().timeIntervalSince1970))
            return signed.httpHeaders.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
                + [(name: "Content-Type", value: "application/common-alerting-protocol+xml")]
        }
    }
    print("\(entry.msgType == "Cancel" ? "cancel" : "alert") \(entry.identifier) (sender \(entry.sender), sent \(entry.sent))")
    let progress = ProgressLine(total: posts.count)
    progress.start()
    let results = HTTPFanOut(options: options).sendAndWait(posts) { done, total in progress.update(done) }
    progress.finish()
    let rows = results.map { result -> [String] in
        [result.url, result.status.map(String.init) ?? "-", resultText(result)]
    }
    print(resultTable(header: ["TARGET", "STATUS", "RESULT"], rows: rows), terminator: "")
    return results
}

/// The RESULT column: the box's JSON answer in a few words, or why there was none.
private func resultText(_ result: HTTPResult) -> String {
    let retried = result.attempts > 1 ? " (after \(result.attempts) attempts)" : ""
    switch result.outcome {
    case .failure(let error):
        return error.message + retried
    case .success(let response):
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        if let error = object?["error"] as? String {
            let reason = (object?["reason"] as? String).map { ": \($0)" } ?? ""
            return oneLine(error + reason) + retried
        }
        if (200..<300).contains(response.status) {
            let state = (object?["state"] as? String).map { ": \($0)" } ?? ""
            let reason = (object?["reason"] as? String).map { " (\($0))" } ?? ""
            return "accepted" + oneLine(state + reason) + retried
        }
        let text = oneLine(response.text)
        return (text.isEmpty ? "HTTP \(response.status)" : text) + retried
    }
}

/// `text` with control characters (C0, DEL, C1) and bidirectional controls as `?`.
func printable(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isUnprintable) else { return text }
    var out = ""
    for scalar in text.unicodeScalars { out.unicodeScalars.append(isUnprintable(scalar) ? "?" : scalar) }
    return out
}

private func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x20, 0x7F..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
}

private func oneLine(_ text: String) -> String {
    let flat = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    return flat.count > 160 ? String(flat.prefix(159)) + "…" : flat
}

/// Columns separated by two spaces, each as wide as its widest cell (in characters). Cells come
/// from boxes (names, states, reasons): control and bidirectional-override characters are shown
/// as `?`, so no box can forge a row or act on city hall's terminal.
func resultTable(header: [String], rows: [[String]]) -> String {
    let all = ([header] + rows).map { row in row.map(printable) }
    var widths = Array(repeating: 0, count: header.count)
    for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    return all.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}

/// `sending to 3 boxes… 2/3` on stderr: rewritten in place on a terminal; elsewhere (a log
/// file, a pipe) one line at the start, so logs are not filled with carriage returns.
private final class ProgressLine {
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) == 1
    init(total: Int) { self.total = total }

    var label: String { "sending to \(total) \(total == 1 ? "box" : "boxes")…" }

    func start() {
        if isTerminal {
            _ = writeAll(Array("\(label) 0/\(total)".utf8), to: STDERR_FILENO)
        } else {
            printError(label)
        }
    }

    func update(_ done: Int) {
        if isTerminal { _ = writeAll(Array("\r\(label) \(done)/\(total)".utf8), to: STDERR_FILENO) }
    }

    func finish() {
        if isTerminal { _ = writeAll(Array("\n".utf8), to: STDERR_FILENO) }
    }
}

/// A --to value as the push URL: `/v1/alerts` added when the path is empty or `/`.
func alertsURL(for target: String) throws -> String {
    let trimmed = target.trimmingCharacters(in: .whitespaces)
    guard let separator = trimmed.range(of: "://") else {
        throw ValidationError("--to '\(target)' is not a URL; write http://HOST:PORT (a CAP file goes before --to or after another option)")
    }
    let scheme = trimmed[..<separator.lowerBound].lowercased()
    guard scheme == "http" || scheme == "https" else {
        throw ValidationError("--to '\(target)': only http:// and https:// can be used")
    }
    let rest = trimmed[separator.upperBound...]
    guard let slash = rest.firstIndex(of: "/") else {
        guard !rest.isEmpty else { throw ValidationError("--to '\(target)' names no host") }
        return trimmed + "/v1/alerts"
    }
    if rest[slash...] == "/" { return trimmed + "v1/alerts" }
    return trimmed
}

func checkTargets(_ sending: SendingOptions, required: Bool) throws {
    if required && sending.targets.isEmpty && sending.brokers.isEmpty {
        throw ValidationError("give at least one box with --to http://HOST:PORT, or a fleet broker with --broker mqtts://HOST:8883")
    }
    for target in sending.targets { _ = try alertsURL(for: target) }
    for endpoint in try sending.brokerEndpoints() { _ = try sending.brokerTLS(for: endpoint) }
    if sending.brokers.isEmpty {
        for (option, given) in [("--wait", sending.wait != "10s"), ("--boxes", sending.boxes != nil), ("--cert", sending.cert != nil),
                                ("--cert-key", sending.certKey != nil)] where given {
            throw ValidationError("\(option) applies to fleet brokers only: add --broker URL")
        }
    }
    _ = try parseDuration(sending.wait, option: "--wait", range: 0...3600)
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
