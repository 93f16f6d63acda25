import Foundation
import Hummingbird
import OshiraseConfig

/// Who may read the API: anyone on a loopback address, else the holder of a configured token.
struct BearerAuthentication: Sendable {
    /// Tokens accepted, as UTF-8 bytes.
    private let tokens: [[UInt8]]
    /// False on loopback, where anyone who can connect already has the box.
    let isRequired: Bool
    /// Where the API listens, for error messages.
    private let host: String

    init(config: APIConfig) {
        tokens = config.tokens.filter { !$0.isEmpty }.map { Array($0.utf8) }
        isRequired = !config.isLoopback
        host = config.host
    }

    /// The token a request carries: `Authorization: Bearer TOKEN`, else the `token` query
    /// parameter (an `<img>` on the preview page cannot send headers).
    static func presentedToken(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        if let query = request.uri.queryParameters["token"], !query.isEmpty {
            return String(query)
        }
        return nil
    }

    /// Throws 401 unless the request may read. On loopback every request may, whatever token it carries.
    func check(_ request: Request) throws(APIError) {
        guard isRequired else { return }
        guard !tokens.isEmpty else {
            throw unauthorized("the API listens on \(host), which is not a loopback address, and the config "
                + "lists no api.tokens: add a token to the config and restart, or listen on 127.0.0.1")
        }
        guard let presented = Self.presentedToken(in: request) else {
            throw unauthorized("a bearer token is required: send `Authorization: Bearer TOKEN` or add ?token=TOKEN",
                               challenge: #"Bearer realm="oshirase""#)
        }
        guard accepts(presented) else {
            throw unauthorized("the bearer token is not one of the config's api.tokens",
                               challenge: #"Bearer realm="oshirase", error="invalid_token""#)
        }
    }

    /// Compares against every token without stopping early, so the time taken does not tell
    /// how many leading bytes of a guess were right.
    func accepts(_ presented: String) -> Bool {
        let guess = Array(presented.utf8)
        var matched = false
        for token in tokens {
            matched = Self.constantTimeEqual(guess, token) || matched
        }
        return matched
    }

    /// Equal bytes, in time that depends only on the lengths (which a guesser knows for its own token).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    private func unauthorized(_ message: String, challenge: String = #"Bearer realm="oshirase""#) -> APIError {
        APIError(.unauthorized, message, headers: [.wwwAuthenticate: challenge])
    }
}

/// Checks every request, unknown paths included, before it reaches a route.
struct BearerAuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let authentication: BearerAuthentication

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        // A push proves itself by its signature (docs/alerts.md): city hall holds no bearer token.
        if request.method == .post, request.uri.path == APIPaths.alerts { return try await next(request, context) }
        try authentication.check(request)
        return try await next(request, context)
    }
}
