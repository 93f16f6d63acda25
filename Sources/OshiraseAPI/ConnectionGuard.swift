import Foundation
import HTTPTypes
import Logging
public import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// Limits of the API's connections: what a client may hold and for how long (docs/http-api.md).
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once. At the bound a new connection takes the place of the stalest
    /// one that is not being answered; when every one is being answered, it gets 503.
    package var maximumConnections: Int
    /// A connection is closed when this long passes without a whole request head or a piece of
    /// body arriving, or an answer going out (Hummingbird's idle timeout, which counts HTTP parts,
    /// not bytes: a client trickling a header a byte at a time is cut off too).
    package var idleTimeout: TimeAmount
    /// A connection whose last whole request head or body part came longer ago than this may be
    /// closed to make room.
    package var stalledAfter: TimeAmount
    /// Longest header field and all header fields together, in bytes; more is 431.
    package var maximumHeaderBytes: Int
    /// Most header fields in one request; more is 431.
    package var maximumHeaderFields: Int

    public init(maximumConnections: Int = 512, idleTimeout: TimeAmount = .seconds(5),
                stalledAfter: TimeAmount = .milliseconds(500),
                maximumHeaderBytes: Int = 16 * 1024, maximumHeaderFields: Int = 100) {
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.stalledAfter = stalledAfter
        self.maximumHeaderBytes = maximumHeaderBytes
        self.maximumHeaderFields = maximumHeaderFields
    }
}

/// The API's open connections, shared by every connection's guard: counts them against the bound
/// and knows which ones may make room for a new one.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        /// Uptime in nanoseconds of the last byte read.
        var lastRead: UInt64
        /// A whole request was read and its answer is not written yet: never closed to make room.
        var beingAnswered: Bool
    }
    private struct State {
        var open: [ObjectIdentifier: Entry] = [:]
    }
    private let state = Mutex(State())
    let limits: ConnectionLimits

    init(limits: ConnectionLimits) { self.limits = limits }

    /// Registers a new connection; false when it must be refused. At the bound, the stalest
    /// connection not being answered is closed to make room.
    func admit(_ id: ObjectIdentifier, channel: any Channel, now: UInt64) -> Bool {
        let stalled = UInt64(max(0, limits.stalledAfter.nanoseconds))
        let (admitted, victim): (Bool, (any Channel)?) = state.withLock { s in
            if s.open.count < limits.maximumConnections {
                s.open[id] = Entry(channel: channel, lastRead: now, beingAnswered: false)
                return (true, nil)
            }
            let candidates = s.open.filter { !$0.value.beingAnswered && now &- $0.value.lastRead >= stalled }
            guard let stalest = candidates.min(by: { $0.value.lastRead < $1.value.lastRead }) else {
                return (false, nil)
            }
            s.open[stalest.key] = nil
            s.open[id] = Entry(channel: channel, lastRead: now, beingAnswered: false)
            return (true, stalest.value.channel)
        }
        victim?.close(promise: nil)
        return admitted
    }

    func didRead(_ id: ObjectIdentifier, now: UInt64, requestComplete: Bool) {
        state.withLock { s in
            s.open[id]?.lastRead = now
            if requestComplete { s.open[id]?.beingAnswered = true }
        }
    }

    func didAnswer(_ id: ObjectIdentifier) {
        state.withLock { $0.open[id]?.beingAnswered = false }
    }

    func remove(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.open.removeValue(forKey: id) }
    }
}

/// One connection's guard, between the HTTP codec and Hummingbird's request handling.
///
/// It holds the connection to the limits: counted against the bound; a declared body over the
/// route's limit answered 413 before any of it is read; a chunked body cut at the limit and the
/// connection closed after the route's answer; a request the HTTP parser rejects before it
/// reached Hummingbird answered with the API's JSON error (431 for headers over the limit, 400
/// otherwise) instead of an empty 400; a client that stops reading its answer cut off. Its own
/// answers wait for the answers of earlier (pipelined) requests on the connection.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// An answer of the guard's own: status, JSON body, extra header fields.
    private struct OwnAnswer {
        var status: HTTPResponse.Status
        var body: [UInt8]
        var extra: HTTPFields
    }

    private let registry: ConnectionRegistry
    /// The largest body each path accepts, and the JSON body of a 413 for a declared length.
    private let bodyLimit: @Sendable (String) -> Int
    private let tooLarge: @Sendable (_ path: String, _ declared: Int, _ limit: Int) -> [UInt8]
    private var id: ObjectIdentifier { ObjectIdentifier(self) }
    private var isRegistered = false
    private var isActivated = false
    private var lingerTimer: Scheduled<Void>?
    private var unwritableTimer: Scheduled<Void>?
    /// Request heads passed on whose answers have not ended yet (more than one when pipelined).
    private var requestsInProgress = 0
    /// Body bytes of the request being read, and the most its path takes.
    private var bodyBytes = 0
    private var bodyLimitOfRequest = Int.max
    /// The body went past its limit: the route has what it needs to answer; the rest is dropped
    /// and the connection closed after the answer.
    private var closeAfterAnswer = false
    /// The guard's answer, waiting for the answers of the requests before it.
    private var pendingAnswer: OwnAnswer?
    /// Answered (or answering) here: everything still arriving is dropped until the connection closes.
    private var answeredHere = false

    init(registry: ConnectionRegistry, bodyLimit: @escaping @Sendable (String) -> Int,
         tooLarge: @escaping @Sendable (String, Int, Int) -> [UInt8]) {
        self.registry = registry
        self.bodyLimit = bodyLimit
        self.tooLarge = tooLarge
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        activate(context)
    }

    private func activate(_ context: ChannelHandlerContext) {
        guard !isActivated else { return }
        isActivated = true
        guard registry.admit(id, channel: context.channel, now: NIODeadline.now().uptimeNanoseconds) else {
            // Refused before it sent anything worth reading: answer and close at once, so that a
            // flood of refusals holds no descriptors.
            send(context, Self.jsonError(.serviceUnavailable, "the box has \(registry.limits.maximumConnections) connections "
                                         + "open, all busy; try again in a moment", extra: [.retryAfter: "1"]), linger: false)
            return
        }
        isRegistered = true
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    private func release() {
        lingerTimer?.cancel()
        lingerTimer = nil
        unwritableTimer?.cancel()
        unwritableTimer = nil
        if isRegistered {
            registry.remove(id)
            isRegistered = false
        }
    }

    /// A client that stops reading its answer (the socket stays unwritable) is cut off after the
    /// idle timeout: Hummingbird's idle timer does not run while an answer is being written.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            unwritableTimer?.cancel()
            unwritableTimer = nil
        } else if unwritableTimer == nil {
            unwritableTimer = context.eventLoop.assumeIsolated().scheduleTask(in: registry.limits.idleTimeout) {
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if answeredHere || pendingAnswer != nil { return }
        let part = unwrapInboundIn(data)
        let now = NIODeadline.now().uptimeNanoseconds
        switch part {
        case .head(let request):
            registry.didRead(id, now: now, requestComplete: false)
            let path = request.path.map { String($0.prefix { $0 != "?" }) } ?? "/"
            let limit = bodyLimit(path)
            if let declared = request.headerFields[.contentLength].flatMap({ Int($0) }), declared > limit {
                answerWhenFree(context, OwnAnswer(status: .contentTooLarge, body: tooLarge(path, declared, limit), extra: [:]))
                return
            }
            requestsInProgress += 1
            bodyBytes = 0
            bodyLimitOfRequest = limit
            closeAfterAnswer = false
        case .body(let bytes):
            registry.didRead(id, now: now, requestComplete: false)
            // Past the limit (a chunked body declares no length) the route has what it needs to
            // answer; nothing more is passed on, or held, and the connection ends with the answer.
            if bodyBytes > bodyLimitOfRequest {
                closeAfterAnswer = true
                return
            }
            bodyBytes += bytes.readableBytes
            if bodyBytes > bodyLimitOfRequest { closeAfterAnswer = true }
        case .end:
            registry.didRead(id, now: now, requestComplete: true)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        requestsInProgress = max(0, requestsInProgress - 1)
        registry.didAnswer(id)
        if closeAfterAnswer || (requestsInProgress == 0 && pendingAnswer != nil) {
            let written = context.writeAndFlush(data)
            if let promise { written.cascade(to: promise) }
            if requestsInProgress == 0, let pending = pendingAnswer {
                pendingAnswer = nil
                send(context, pending, linger: true)
            } else {
                answeredHere = true
                written.assumeIsolated().whenComplete { _ in self.closeGently(context) }
            }
            return
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let parserError = error as? HTTPParserError
        guard parserError != nil || error is HTTP1TypeConversionError else {
            context.fireErrorCaught(error)
            return
        }
        if answeredHere { return }
        if requestsInProgress > 0 {
            // Inside a request Hummingbird is reading: it must see the error, so that the route
            // reading the body fails instead of taking a cut-off body for a whole one.
            context.fireErrorCaught(error)
            return
        }
        if parserError == .headerOverflow {
            answerWhenFree(context, Self.jsonError(.requestHeaderFieldsTooLarge, "the request's header fields are over "
                + "\(registry.limits.maximumHeaderBytes) bytes or \(registry.limits.maximumHeaderFields) fields"))
        } else {
            answerWhenFree(context, Self.jsonError(.badRequest,
                "the request is not valid HTTP/1.1 (\(parserError.map { "\($0)" } ?? "\(error)"))"))
        }
    }

    /// Sends the guard's answer now, or after the answers of the requests before it.
    private func answerWhenFree(_ context: ChannelHandlerContext, _ answer: OwnAnswer) {
        if requestsInProgress > 0 {
            pendingAnswer = answer
        } else {
            send(context, answer, linger: true)
        }
    }

    /// `{"error": message}` with `status`.
    private static func jsonError(_ status: HTTPResponse.Status, _ message: String, extra: HTTPFields = [:]) -> OwnAnswer {
        OwnAnswer(status: status, body: Array(#"{"error":"#.utf8) + jsonString(message) + Array("}\n".utf8), extra: extra)
    }

    /// Writes an answer of the guard's own and ends the connection: gently (`linger`) when the
    /// client may still be sending, else at once.
    private func send(_ context: ChannelHandlerContext, _ answer: OwnAnswer, linger: Bool) {
        answeredHere = true
        var head = HTTPResponse(status: answer.status)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(answer.body.count)
        head.headerFields[.connection] = "close"
        head.headerFields[.cacheControl] = "no-store"
        head.headerFields.append(contentsOf: answer.extra)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: answer.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if linger { self.closeGently(context) } else { context.close(promise: nil) }
        }
    }

    /// Closes after an answer while the client may still be sending: closing at once with unread
    /// bytes pending would make the kernel reset the connection, and the client could lose the
    /// answer. So: stop writing, drop what still arrives, and close a second later.
    private func closeGently(_ context: ChannelHandlerContext) {
        context.close(mode: .output, promise: nil)
        guard context.channel.isActive else { return }
        lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
    }
}

/// `message` as a JSON string literal.
private func jsonString(_ message: String) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    let encoded = (try? encoder.encode(message)) ?? Data(#""error""#.utf8)
    return Array(encoded)
}
