import CCurl
import Foundation

/// Sends POSTs to many targets at once on libcurl, each with its own timeouts, retries and result.
///
/// All transfers run on one thread through libcurl's multi interface: at most
/// ``HTTPFanOutOptions/maximumConcurrent`` in flight, the rest queued. Each target ends with its
/// own ``HTTPResult``; one slow or dead target never holds up the answers of the others beyond
/// its own timeouts. Proxies come from the environment unless ``HTTPFanOutOptions/proxy`` says
/// otherwise; TLS certificates are verified against the system's trust store.
package struct HTTPFanOut: Sendable {
    /// The limits every target is sent with.
    package var options: HTTPFanOutOptions

    /// A fan-out with `options` (by default 5 s to connect, 20 s in all, 2 retries, 32 at once).
    package init(options: HTTPFanOutOptions = HTTPFanOutOptions()) {
        self.options = options
    }

    /// Sends every post and waits for all of them, off the caller's thread.
    ///
    /// - Parameter progress: called with (targets finished, total) after each target ends, on
    ///   the sending thread.
    /// - Returns: one result per post, in the order given.
    package func send(_ posts: [HTTPPost], progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) async -> [HTTPResult] {
        await withCheckedContinuation { continuation in
            // A thread of its own: the transfer loop blocks in curl_multi_poll, which must not
            // hold one of the few threads Swift concurrency runs tasks on.
            let thread = Thread {
                continuation.resume(returning: self.sendAndWait(posts, progress: progress))
            }
            thread.name = "oshirase-http-fan-out"
            thread.start()
        }
    }

    /// Sends every post and blocks the calling thread until all have ended.
    ///
    /// - Parameter progress: called with (targets finished, total) after each target ends.
    /// - Returns: one result per post, in the order given.
    package func sendAndWait(_ posts: [HTTPPost], progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> [HTTPResult] {
        var results: [HTTPResult?] = Array(repeating: nil, count: posts.count)
        var done = 0
        func finish(_ result: HTTPResult) {
            results[result.index] = result
            done += 1
            progress?(done, posts.count)
        }

        guard CurlGlobal.status == CURLE_OK, let multi = curl_multi_init() else {
            let error = HTTPClientError(.transfer, "libcurl could not be initialised (curl_global_init or curl_multi_init failed)")
            for (index, post) in posts.enumerated() {
                finish(HTTPResult(index: index, url: post.url, outcome: .failure(error), attempts: 0))
            }
            return results.compactMap { $0 }
        }
        defer { curl_multi_cleanup(multi) }

        let clock = ContinuousClock()
        // What still has to start: target index, attempt number, not before.
        var pending: [(index: Int, attempt: Int, notBefore: ContinuousClock.Instant)] = []
        for (index, post) in posts.enumerated() {
            if let problem = Self.schemeProblem(post.url) {
                finish(HTTPResult(index: index, url: post.url, outcome: .failure(problem), attempts: 0))
            } else {
                pending.append((index, 1, clock.now))
            }
        }
        var running: [UnsafeMutableRawPointer: Transfer] = [:]
        let limit = max(1, options.maximumConcurrent)

        while !pending.isEmpty || !running.isEmpty {
            // Start what may start, in list order.
            let now = clock.now
            var position = 0
            while running.count < limit, position < pending.count {
                guard pending[position].notBefore <= now else {
                    position += 1
                    continue
                }
                let next = pending.remove(at: position)
                let post = posts[next.index]
                switch makeTransfer(post, index: next.index, attempt: next.attempt) {
                case .failure(let error):
                    finish(HTTPResult(index: next.index, url: post.url, outcome: .failure(error), attempts: next.attempt))
                case .success(let transfer):
                    if curl_multi_add_handle(multi, transfer.easy) == CURLM_OK {
                        running[transfer.easy] = transfer
                    } else {
                        finish(HTTPResult(index: next.index, url: post.url,
                                          outcome: .failure(HTTPClientError(.transfer, "libcurl refused the transfer")),
                                          attempts: next.attempt))
                    }
                }
            }

            var stillRunning: Int32 = 0
            _ = curl_multi_perform(multi, &stillRunning)

            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                      let transfer = running.removeValue(forKey: easy) else { continue }
                let code = oshirase_curl_msg_result(message)
                curl_multi_remove_handle(multi, easy)
                let outcome = transfer.outcome(code, options: options)
                let post = posts[transfer.index]
                if shouldRetry(outcome), transfer.attempt <= options.retries {
                    let delay = options.retryDelay * (1 << min(transfer.attempt - 1, 10))
                    pending.append((transfer.index, transfer.attempt + 1, clock.now + delay))
                } else {
                    finish(HTTPResult(index: transfer.index, url: post.url, outcome: outcome, attempts: transfer.attempt))
                }
            }

            if pending.isEmpty && running.isEmpty { break }
            // Wake for network activity, or when the next retry is due (at most 1 s apart).
            var waitMilliseconds = 1000
            if running.count < limit, let due = pending.map(\.notBefore).min() {
                waitMilliseconds = min(waitMilliseconds, max(0, Self.milliseconds(due - clock.now)))
            }
            if waitMilliseconds > 0 {
                _ = curl_multi_poll(multi, nil, 0, Int32(waitMilliseconds), nil)
            }
        }
        return results.compactMap { $0 }
    }

    /// Connection failures and 5xx answers are tried again: the box may be restarting.
    private func shouldRetry(_ outcome: Result<HTTPReply, HTTPClientError>) -> Bool {
        switch outcome {
        case .success(let response): return response.status >= 500
        case .failure(let error): return error.isRetryable
        }
    }

    /// An easy handle set up for one attempt at `post`.
    private func makeTransfer(_ post: HTTPPost, index: Int, attempt: Int) -> Result<Transfer, HTTPClientError> {
        let fields: [(name: String, value: String)]
        do {
            fields = try post.headers(attempt)
        } catch {
            return .failure(HTTPClientError(.headers, "cannot make the request headers: \(error)"))
        }
        for field in fields where field.name.isEmpty || (field.name + field.value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            return .failure(HTTPClientError(.headers, "the header '\(field.name)' has an empty name or a line break"))
        }
        guard let easy = curl_easy_init() else {
            return .failure(HTTPClientError(.transfer, "libcurl could not make a handle (out of memory?)"))
        }
        let transfer = Transfer(easy: easy, index: index, attempt: attempt, limit: options.maximumResponseBytes)
        var list: UnsafeMutablePointer<curl_slist>?
        // "Expect:" with no value: without it libcurl waits up to a second for a 100 Continue
        // before sending a body over 1 KiB.
        for line in fields.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            list = curl_slist_append(list, line)
        }
        transfer.headerList = list

        var failed = !configure(transfer, url: post.url)
        func set(_ status: CURLcode) { if status != CURLE_OK { failed = true } }
        set(oshirase_curl_setopt_long(easy, CURLOPT_POST, 1))
        // The size first, then the bytes: COPYPOSTFIELDS copies exactly that many, so the body
        // may contain NUL bytes and need not outlive this call.
        set(oshirase_curl_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(post.body.count)))
        if post.body.isEmpty {
            set(oshirase_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, ""))
        } else {
            post.body.withUnsafeBytes { set(oshirase_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress)) }
        }
        if failed {
            return .failure(HTTPClientError(.transfer, "libcurl does not accept the request settings for \(post.url)"))
        }
        return .success(transfer)
    }

    /// The settings every request shares: URL, http(s) only, timeouts, headers, where the
    /// answer goes, the proxy. False when libcurl refuses one.
    private func configure(_ transfer: Transfer, url: String) -> Bool {
        let easy = transfer.easy
        var ok = true
        func set(_ status: CURLcode) { if status != CURLE_OK { ok = false } }
        set(oshirase_curl_setopt_ptr(easy, CURLOPT_URL, url))
        set(oshirase_curl_setopt_ptr(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(oshirase_curl_setopt_ptr(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        set(oshirase_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        set(oshirase_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, Self.milliseconds(options.connectTimeout))))
        set(oshirase_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, max(1, Self.milliseconds(options.totalTimeout))))
        set(oshirase_curl_setopt_ptr(easy, CURLOPT_USERAGENT, options.userAgent))
        set(oshirase_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer))
        set(oshirase_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, transfer.headerList))
        set(oshirase_curl_setopt_write(easy, CURLOPT_WRITEFUNCTION, receiveBody))
        set(oshirase_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(transfer).toOpaque()))
        set(oshirase_curl_setopt_write(easy, CURLOPT_HEADERFUNCTION, receiveHeader))
        set(oshirase_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, Unmanaged.passUnretained(transfer).toOpaque()))
        // Verified always: libcurl's defaults, stated so that no build or environment turns them off.
        set(oshirase_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        set(oshirase_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        if let caFile = options.caFile {
            // Instead of the system's trust, not in addition: Debian's libcurl also reads the
            // folder /etc/ssl/certs by default, which would let any public CA vouch for the host.
            set(oshirase_curl_setopt_ptr(easy, CURLOPT_CAINFO, caFile))
            set(oshirase_curl_setopt_ptr(easy, CURLOPT_CAPATH, nil))
        }
        // Left unset, libcurl reads http_proxy, https_proxy, all_proxy and no_proxy itself.
        if let proxy = options.proxy {
            set(oshirase_curl_setopt_ptr(easy, CURLOPT_PROXY, proxy))
        }
        return ok
    }

    /// One GET on the calling thread (it blocks until the answer or a timeout): feeds. The
    /// reply's headers come back with lower-case names; no retries.
    package func get(_ url: String, headers: [(name: String, value: String)] = []) -> Result<HTTPGetReply, HTTPClientError> {
        if let problem = Self.schemeProblem(url) { return .failure(problem) }
        guard CurlGlobal.status == CURLE_OK else {
            return .failure(HTTPClientError(.transfer, "libcurl could not start (curl_global_init failed)"))
        }
        for field in headers where field.name.isEmpty || (field.name + field.value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            return .failure(HTTPClientError(.headers, "the header '\(field.name)' has an empty name or a line break"))
        }
        guard let easy = curl_easy_init() else {
            return .failure(HTTPClientError(.transfer, "libcurl could not make a handle (out of memory?)"))
        }
        let transfer = Transfer(easy: easy, index: 0, attempt: 0, limit: options.maximumResponseBytes)
        var list: UnsafeMutablePointer<curl_slist>?
        for line in headers.map({ "\($0.name): \($0.value)" }) { list = curl_slist_append(list, line) }
        transfer.headerList = list
        guard configure(transfer, url: url), oshirase_curl_setopt_long(easy, CURLOPT_HTTPGET, 1) == CURLE_OK else {
            return .failure(HTTPClientError(.transfer, "libcurl does not accept the request settings for \(url)"))
        }
        let code = curl_easy_perform(easy)
        return transfer.outcome(code, options: options).map { HTTPGetReply(reply: $0, headers: transfer.responseHeaders) }
    }

    /// Why `url` is not sent at all: not http(s), or not a URL.
    static func schemeProblem(_ url: String) -> HTTPClientError? {
        guard let separator = url.range(of: "://") else {
            return HTTPClientError(.invalidURL, "'\(url)' is not a URL; write it as http://HOST:PORT or https://HOST")
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            return HTTPClientError(.unsupportedScheme,
                                   "'\(scheme)://' is not supported; only http:// and https:// URLs can be used")
        }
        if url[separator.upperBound...].isEmpty {
            return HTTPClientError(.invalidURL, "'\(url)' names no host")
        }
        return nil
    }

    /// A duration in whole milliseconds, rounded up (so 1 µs still waits), 0 for negative ones.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let capped = min(seconds, Int64(Int32.max / 1000))
        return Int(capped) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}

/// libcurl's one-time global set-up; `curl_global_init` is thread-safe since 7.84, and a
/// static let runs it exactly once either way.
enum CurlGlobal {
    static let status: CURLcode = curl_global_init(oshirase_curl_global_default)
}

/// Appends answer bytes to the transfer; a C function pointer, so it captures nothing.
private let receiveBody: oshirase_curl_write_callback = { data, size, count, user in
    let length = size * count
    guard let data, let user else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    transfer.receive(UnsafeRawBufferPointer(start: data, count: length))
    // Past the limit, stop the download (curl ends it with a write error) rather than read on.
    return transfer.isTruncated ? 0 : length
}

/// Collects answer header lines; a new status line (after a redirect or a 100) starts over.
private let receiveHeader: oshirase_curl_write_callback = { data, size, count, user in
    let length = size * count
    guard let data, let user else { return length }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        transfer.responseHeaders = [:]
    } else if let colon = line.firstIndex(of: ":"), transfer.responseHeaders.count < 200 {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        transfer.responseHeaders[name] = value
    }
    return length
}

/// One attempt at one target: the easy handle and what it owns, freed together.
private final class Transfer {
    let easy: UnsafeMutableRawPointer
    let index: Int
    let attempt: Int
    let limit: Int
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>
    var body: [UInt8] = []
    var isTruncated = false
    /// Answer headers, names in lower case.
    var responseHeaders: [String: String] = [:]

    init(easy: UnsafeMutableRawPointer, index: Int, attempt: Int, limit: Int) {
        self.easy = easy
        self.index = index
        self.attempt = attempt
        self.limit = max(0, limit)
        let size = Int(oshirase_curl_error_size)
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Keeps bytes up to the limit; the rest is dropped so a huge answer cannot fill memory.
    func receive(_ bytes: UnsafeRawBufferPointer) {
        let room = limit - body.count
        if bytes.count > room { isTruncated = true }
        if room > 0 { body.append(contentsOf: bytes.prefix(room)) }
    }

    /// libcurl's detail for the last failure, if it wrote one.
    var detail: String {
        String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What the attempt came to, once libcurl reports it done with `code`.
    func outcome(_ code: CURLcode, options: HTTPFanOutOptions) -> Result<HTTPReply, HTTPClientError> {
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && isTruncated) {
            var status = 0
            _ = oshirase_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPReply(status: status, body: body, isTruncated: isTruncated))
        }
        let detail = self.detail.isEmpty ? String(cString: curl_easy_strerror(code)) : self.detail
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL:
            return .failure(HTTPClientError(.unsupportedScheme, "only http:// and https:// URLs can be used (\(detail))"))
        case CURLE_URL_MALFORMAT:
            return .failure(HTTPClientError(.invalidURL, "not a valid URL (\(detail))"))
        case CURLE_COULDNT_RESOLVE_HOST:
            return .failure(HTTPClientError(.cannotResolve, "cannot resolve the host name (\(detail))"))
        case CURLE_COULDNT_RESOLVE_PROXY:
            return .failure(HTTPClientError(.proxy, "cannot resolve the proxy (\(detail))"))
        case CURLE_COULDNT_CONNECT:
            var osError = 0
            _ = oshirase_curl_getinfo_long(easy, CURLINFO_OS_ERRNO, &osError)
            if osError == Int(ECONNREFUSED) {
                return .failure(HTTPClientError(.connectionRefused, "connection refused"))
            }
            return .failure(HTTPClientError(.cannotConnect, "cannot connect (\(detail))"))
        case CURLE_OPERATION_TIMEDOUT:
            // Nothing was sent yet (no connection, or a TLS handshake that never finished): safe
            // to try again. Connect time alone misleads on a reused connection.
            var pretransferSeconds = 0.0
            _ = oshirase_curl_getinfo_double(easy, CURLINFO_PRETRANSFER_TIME, &pretransferSeconds)
            if pretransferSeconds <= 0 {
                return .failure(HTTPClientError(.connectTimeout, "no connection within \(Self.seconds(options.connectTimeout))"))
            }
            return .failure(HTTPClientError(.timeout, "no answer within \(Self.seconds(options.totalTimeout))"))
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return .failure(HTTPClientError(.tls, "TLS failed: \(detail)"))
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return .failure(HTTPClientError(.transfer, "the connection broke: \(detail)"))
        default:
            return .failure(HTTPClientError(.transfer, detail))
        }
    }

    /// `5 s`, `250 ms`: a timeout as the operator set it.
    static func seconds(_ duration: Duration) -> String {
        let ms = HTTPFanOut.milliseconds(duration)
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}
