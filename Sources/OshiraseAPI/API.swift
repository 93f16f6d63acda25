import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging
package import NIOCore
import OshiraseCore
public import OshiraseDaemon
public import OshiraseConfig
import OshiraseImaging
import OshiraseStore

/// The daemon's HTTP API as a Hummingbird application listening on `config.host:config.port`.
///
/// The result is a swift-service-lifecycle `Service`: put it in the daemon's `ServiceGroup`, which
/// runs it and shuts it down gracefully with the rest. Endpoints, authentication and the JSON
/// shapes are described in `docs/http-api.md`.
///
/// - Parameters:
///   - inspector: The running daemon, asked for status, screenshots, metrics and proof of play.
///   - config: Listening address and the bearer tokens accepted when that address is not loopback.
///   - logger: Where the server and failed requests are logged.
///   - limits: What one client may hold: connections, idle time, header size (``ConnectionLimits``).
///   - onListening: Called once the server listens, with the port it is bound to (useful with port 0).
public func makeAPI(inspecting inspector: some DaemonInspecting, config: APIConfig, logger: Logger,
                    limits: ConnectionLimits = ConnectionLimits(),
                    onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    var logger = logger
    logger[metadataKey: "component"] = "api"
    let router = makeAPIRouter(inspecting: inspector, config: config, logger: logger)
    let port = config.port
    let registry = ConnectionRegistry(limits: limits)
    let channel = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionGuard(registry: registry, bodyLimit: requestBodyLimit(path:),
                                                    tooLarge: tooLargeBody(path:declared:limit:))],
        idleTimeout: limits.idleTimeout,
        httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maximumHeaderBytes,
                                        maxHeaderListSize: limits.maximumHeaderBytes,
                                        maxHeaderFieldCount: limits.maximumHeaderFields))
    return Application(
        router: router,
        server: .http1(configuration: channel),
        configuration: ApplicationConfiguration(address: .hostname(config.host, port: config.port)),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// The largest request body `path` takes: a push's 1 MiB on the alerts endpoint; nothing else
/// reads a body, so 64 KiB is plenty there.
func requestBodyLimit(path: String) -> Int {
    JSONErrorMiddleware<APIRequestContext>.normalised(path) == APIPaths.alerts ? alertBodyLimit : 64 * 1024
}

/// The JSON body of a 413 for a body declared over the limit, answered before any of it is read:
/// on the alerts endpoint in the push answers' shape (`error` code and `reason`, as a body found
/// too large while read gets), elsewhere as the API's other errors.
func tooLargeBody(path: String, declared: Int, limit: Int) -> [UInt8] {
    let fields: [String: String]
    if JSONErrorMiddleware<APIRequestContext>.normalised(path) == APIPaths.alerts {
        fields = ["error": "body-too-large",
                  "reason": "the body declares \(declared) bytes; the limit is \(limit) bytes (1 MiB)"]
    } else {
        fields = ["error": "the body declares \(declared) bytes; \(path) takes at most \(limit)"]
    }
    return Array((try? JSONBody.encoder().encode(fields)) ?? Data(#"{"error": "body-too-large"}"#.utf8)) + [0x0A]
}

/// The API's routes, middleware included, without a server: what `makeAPI` serves, and what
/// tests drive through HummingbirdTesting's router framework.
package func makeAPIRouter(inspecting inspector: some DaemonInspecting, config: APIConfig,
                          logger: Logger) -> Router<APIRequestContext> {
    let authentication = BearerAuthentication(config: config)
    if authentication.isRequired && config.tokens.allSatisfy(\.isEmpty) {
        logger.warning("HTTP API on \(config.host) is not loopback and has no api.tokens: every request will get 401")
    }
    let encoder = ScreenshotEncoder()
    let router = Router(context: APIRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: JSONErrorMiddleware(routedPaths: APIPaths.all, logger: logger))
    router.add(middleware: BearerAuthenticationMiddleware(authentication: authentication))

    router.get(RouterPath(APIPaths.preview)) { request, _ -> Response in
        let status = await inspector.status()
        // The page passes the token on to its <img> and fetch URLs; only a request that needed
        // one (and so passed the check with it) gets it written into the page.
        let token = authentication.isRequired ? BearerAuthentication.presentedToken(in: request) : nil
        return PreviewPage(status: status, token: token).response()
    }

    router.get(RouterPath(APIPaths.status)) { _, _ -> Response in
        JSONBody.response(await inspector.status())
    }

    router.get(RouterPath(APIPaths.screenshot)) { request, _ -> Response in
        guard let name = request.uri.queryParameters["display"].map(String.init), !name.isEmpty else {
            throw APIError(.badRequest, "missing query parameter `display`: name a display, e.g. "
                + "/v1/screenshot?display=lobby (names are in /v1/status)")
        }
        switch await encoder.screenshot(display: name, fetch: { await inspector.screenshot(display: name) }) {
        case .png(let png):
            return uncachedResponse(png, contentType: "image/png")
        case .noFrame:
            let names = await inspector.status().displays.map(\.name)
            if names.contains(name) {
                throw APIError(.serviceUnavailable, "display “\(name)” has not presented a frame yet; try again in a moment",
                               headers: [.retryAfter: "1"])
            }
            let known = names.isEmpty ? "none are configured" : "the displays are " + names.joined(separator: ", ")
            throw APIError(.notFound, "no display named “\(name)”; \(known)")
        case .failed(let error):
            throw APIError(.internalServerError, "the frame of display “\(name)” could not be encoded as PNG: \(error.message)")
        }
    }

    router.get(RouterPath(APIPaths.metrics)) { _, _ -> Response in
        let text = await inspector.metricsText()
        return uncachedResponse(Array(text.utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    router.get(RouterPath(APIPaths.proofOfPlay)) { request, _ -> Response in
        let from = try instant(named: "from", in: request)
        let to = try instant(named: "to", in: request)
        guard from <= to else {
            throw APIError(.badRequest, "query parameter `to` is before `from`; swap them")
        }
        do {
            // The records as `oshirase report --format json` writes them, instants in UTC.
            let records = try await inspector.proofOfPlay(from: from, to: to)
            return JSONBody.response(records, encoder: RecordJSON.encoder(timeZone: nil, pretty: true))
        } catch let error as ProofOfPlayTooLarge {
            throw APIError(.contentTooLarge, "\(error)")
        } catch {
            throw APIError(.internalServerError, "proof of play could not be read: \(error)")
        }
    }
    router.post(RouterPath(APIPaths.alerts)) { request, context -> Response in
        // Read at most one byte more than a push may have: the verifier answers 413 for that,
        // and the request is audited like any other, without the rest being held in memory.
        let limit = alertBodyLimit
        var body: [UInt8] = []
        // A body broken or cut off in the middle (unparseable chunks, the connection closed,
        // evicted or timed out) is not a push, and is not verified or audited as one.
        do {
            for try await chunk in request.body {
                body.append(contentsOf: chunk.readableBytesView.prefix(limit + 1 - body.count))
                if body.count > limit { break }
            }
        } catch {
            throw APIError(.badRequest, "the request body was cut off after \(body.count) bytes (\(error))")
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), body.count < declared, body.count <= limit {
            throw APIError(.badRequest, "the body ended after \(body.count) of the \(declared) bytes its Content-Length declares")
        }
        var headers: [String: String] = [:]
        for field in request.headers where field.name.canonicalName.hasPrefix("oshirase-") {
            headers[field.name.rawName] = field.value
        }
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        let outcome = await inspector.pushAlert(body: body, headers: headers, source: source)
        let answer = PushAnswer(outcome)
        var response = JSONBody.response(answer.fields, status: HTTPResponse.Status(code: answer.status))
        if case .refused(let refusal) = outcome, let seconds = refusal.retryAfterSeconds {
            response.headers[.retryAfter] = String(seconds)
        }
        return response
    }
    router.get(RouterPath(APIPaths.alerts)) { _, _ -> Response in
        JSONBody.response(await inspector.alertListing())
    }
    return router
}

/// The largest push body: 1 MiB.
let alertBodyLimit = 1_048_576

/// The request context of the API's routes: Hummingbird's basic one, plus the client's address
/// (the push audit records it).
package struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// The paths with routes.
enum APIPaths {
    static let preview = "/"
    static let status = "/v1/status"
    static let screenshot = "/v1/screenshot"
    static let metrics = "/metrics"
    static let proofOfPlay = "/v1/proof-of-play"
    static let alerts = "/v1/alerts"
    static let all: Set<String> = [preview, status, screenshot, metrics, proofOfPlay, alerts]
}

/// The ISO 8601 instant (with offset) in query parameter `name`, or a 400 naming the parameter.
func instant(named name: String, in request: Request) throws(APIError) -> Date {
    let example = "2026-11-27T09:00:00+09:00"
    guard let raw = request.uri.queryParameters[Substring(name)], !raw.isEmpty else {
        throw APIError(.badRequest, "missing query parameter `\(name)`: give an ISO 8601 time with offset, "
            + "e.g. \(name)=\(example.replacingOccurrences(of: "+", with: "%2B"))")
    }
    let text = String(raw)
    // A `+` left unencoded in a URL is a space to many clients; an offset is the only place one belongs.
    if let date = Instant.parse(text) ?? Instant.parse(text.replacingOccurrences(of: " ", with: "+")) {
        return date
    }
    throw APIError(.badRequest, "query parameter `\(name)` is not an ISO 8601 time with offset: “\(text)”; "
        + "write it like \(example) (in a URL, + as %2B)")
}
