import Foundation
import Hummingbird
import Logging
import OshiraseCore

/// A failed request: an HTTP status and one line a person can act on, sent as `{"error": "…"}`.
struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    /// Extra response headers, e.g. `WWW-Authenticate` on 401 or `Allow` on 405.
    var headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    var description: String { "\(status.code) \(message)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONBody.response(ErrorBody(error: message), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    private struct ErrorBody: Encodable {
        var error: String
    }
}

/// JSON responses with one encoder setting everywhere: sorted keys (stable output for diffs and
/// tests), ISO 8601 dates in UTC written by `Instant` (the project's one writer), unescaped
/// slashes (device paths stay readable).
enum JSONBody {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Instant.formatUTC(date))
        }
        return encoder
    }

    /// Encodes `value` (with `encoder`, else the API's); a value JSON cannot hold (a NaN frame
    /// rate, say) becomes a 500 naming it.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, encoder: JSONEncoder? = nil) -> Response {
        let data: Data
        do {
            data = try (encoder ?? self.encoder()).encode(value)
        } catch {
            let fallback = #"{"error": "the response could not be encoded as JSON"}"#
            return uncachedResponse(Array(fallback.utf8) + [0x0A], status: .internalServerError,
                                    contentType: "application/json; charset=utf-8")
        }
        return uncachedResponse(Array(data) + [0x0A], status: status, contentType: "application/json; charset=utf-8")
    }
}

/// A response holding `bytes` that no cache keeps: everything the API serves describes the present moment.
func uncachedResponse(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    headers[.contentLength] = String(bytes.count)
    headers[.cacheControl] = "no-store"
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// Turns every failure into a JSON error body: ours as they are, the router's "no route" into
/// 404 (unknown path) or 405 (known path, other method), anything else into a logged 500.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Paths that have a route, so that a miss on one of them is a wrong method rather than a wrong path.
    let routedPaths: Set<String>
    let logger: Logger

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // Hummingbird's router throws a bare 404 when no route matches path and method.
            let path = Self.normalised(request.uri.path)
            if routedPaths.contains(path) {
                return try APIError(.methodNotAllowed,
                                    "\(request.method.rawValue) is not allowed on \(path); use GET",
                                    headers: [.allow: "GET, HEAD"])
                    .response(from: request, context: context)
            }
            let known = routedPaths.sorted().joined(separator: ", ")
            return try APIError(.notFound, "no endpoint at \(path); the API serves \(known) (see docs/http-api.md)")
                .response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try APIError(error.status, "\(error)").response(from: request, context: context)
        } catch {
            logger.error("HTTP API request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try APIError(.internalServerError, "internal error: \(error)").response(from: request, context: context)
        }
    }

    /// `/v1/status/` and `/v1/status` are the same endpoint to the router; compare them alike.
    static func normalised(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
