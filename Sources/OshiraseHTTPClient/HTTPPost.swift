/// One POST to send: where, what, and how to make its headers.
package struct HTTPPost: Sendable {
    /// The full URL, `http://` or `https://` only.
    package var url: String
    /// The request body, sent as is.
    package var body: [UInt8]
    /// The header fields for one attempt (1 for the first, 2 for the first retry…).
    ///
    /// Called again before every attempt, on the sending thread, so a signature over the time
    /// can be made fresh for each try. A thrown error ends this target with
    /// ``HTTPClientError/Code/headers`` and is not retried.
    package var headers: @Sendable (_ attempt: Int) throws -> [(name: String, value: String)]

    /// A POST of `body` to `url` with headers made per attempt.
    package init(url: String, body: [UInt8],
                headers: @escaping @Sendable (_ attempt: Int) throws -> [(name: String, value: String)]) {
        self.url = url
        self.body = body
        self.headers = headers
    }

    /// A POST of `body` to `url` with the same headers on every attempt.
    package init(url: String, body: [UInt8], fixedHeaders: [(name: String, value: String)] = []) {
        self.init(url: url, body: body) { _ in fixedHeaders }
    }
}

/// Limits and behaviour of one fan-out.
package struct HTTPFanOutOptions: Sendable {
    /// Longest time to establish a connection (TCP and TLS) to one target: default 5 s.
    package var connectTimeout: Duration = .seconds(5)
    /// Longest time for one attempt from start to the end of the answer: default 20 s.
    package var totalTimeout: Duration = .seconds(20)
    /// Further attempts after a connection failure or a 5xx answer: default 2.
    package var retries: Int = 2
    /// The wait before the first retry; it doubles for each further one. Default 0.5 s.
    package var retryDelay: Duration = .milliseconds(500)
    /// Most requests in flight at once: default 32.
    package var maximumConcurrent: Int = 32
    /// Most answer bytes kept per target; the rest is read and dropped. Default 64 KiB.
    package var maximumResponseBytes: Int = 65_536
    /// An explicit proxy URL (`http://proxy:3128`), or nil to follow the environment as libcurl
    /// does by default: `http_proxy`, `https_proxy` (or `HTTPS_PROXY`), `all_proxy`, `no_proxy`.
    /// An empty string turns proxies off.
    package var proxy: String?
    /// The `User-Agent` header.
    package var userAgent: String = "oshirase"
    /// A PEM file of the certificate authorities to trust for https (a city's own CA), instead
    /// of the system's trust store (neither `/etc/ssl/certs/ca-certificates.crt` nor the folder
    /// `/etc/ssl/certs` is then consulted); nil: the system's. Certificates and host names are
    /// always verified.
    package var caFile: String?

    /// The defaults: 5 s to connect, 20 s in all, 2 retries, 32 at once.
    package init() {}
}

/// What became of one target.
package struct HTTPResult: Sendable {
    /// The target's place in the list given to ``HTTPFanOut/send(_:progress:)``.
    package var index: Int
    /// The URL as given.
    package var url: String
    /// The answer, or why there was none.
    package var outcome: Result<HTTPReply, HTTPClientError>
    /// How many attempts were made (1 without retries).
    package var attempts: Int

    /// Makes a result; ``HTTPFanOut`` is what normally does.
    package init(index: Int, url: String, outcome: Result<HTTPReply, HTTPClientError>, attempts: Int) {
        self.index = index
        self.url = url
        self.outcome = outcome
        self.attempts = attempts
    }

    /// The HTTP status, when an answer came.
    package var status: Int? {
        if case .success(let response) = outcome { return response.status }
        return nil
    }

    /// Whether the target answered with a 2xx status.
    package var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }
}

/// An HTTP answer: its status and (the start of) its body.
package struct HTTPReply: Sendable, Equatable {
    /// The status code, e.g. 202.
    package var status: Int
    /// The body, at most ``HTTPFanOutOptions/maximumResponseBytes`` of it.
    package var body: [UInt8]
    /// Whether the body was longer than what is kept.
    package var isTruncated: Bool

    /// Makes a response.
    package init(status: Int, body: [UInt8], isTruncated: Bool = false) {
        self.status = status
        self.body = body
        self.isTruncated = isTruncated
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    package var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why a target gave no HTTP answer.
package struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, for code that reacts to it (retries, exit codes, tests).
    package enum Code: String, Sendable, Equatable {
        /// The URL is not `http://` or `https://` (file:, ftp:, gopher: … are refused).
        case unsupportedScheme
        /// The URL cannot be parsed.
        case invalidURL
        /// The host name does not resolve.
        case cannotResolve
        /// The target's address refused the connection (nothing listens on the port).
        case connectionRefused
        /// No connection could be made for another reason (unreachable network, …).
        case cannotConnect
        /// No connection within ``HTTPFanOutOptions/connectTimeout``.
        case connectTimeout
        /// The connection was made, but no full answer came within ``HTTPFanOutOptions/totalTimeout``.
        case timeout
        /// TLS failed: an untrusted or mismatched certificate, or a handshake error.
        case tls
        /// The proxy could not be reached or refused the request.
        case proxy
        /// Making the headers failed (for example the signature).
        case headers
        /// The connection broke, or anything else libcurl reports.
        case transfer
    }

    /// The kind of failure.
    package var code: Code
    /// What happened, in words for the operator.
    package var message: String

    /// An error of `code` with `message`.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    package var description: String { message }

    /// Whether trying again may help: the box may be restarting or briefly unreachable.
    var isRetryable: Bool {
        switch code {
        case .connectionRefused, .cannotConnect, .connectTimeout: return true
        default: return false
        }
    }
}

/// The answer to a GET: the reply, and its headers with lower-case names (`etag`,
/// `last-modified`, the signed envelope's `oshirase-signature`, …).
package struct HTTPGetReply: Sendable, Equatable {
    package var reply: HTTPReply
    package var headers: [String: String]
    package init(reply: HTTPReply, headers: [String: String]) {
        self.reply = reply
        self.headers = headers
    }
}
