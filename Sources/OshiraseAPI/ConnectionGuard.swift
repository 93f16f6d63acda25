import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// Limits of the API's connections: what a client may hold and for how long (docs/http-api.md).
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once. At the bound a new connection takes the place of the stalest
    /// one that is not being answered; when every one is being answered, it gets 503.
    public var maximumConnections: Int
    /// A connection is closed when this long passes without a whole request head or a piece of
    /// body arriving, or an answer going out (Hummingbird's idle timeout, which counts HTTP parts,
    /// not bytes: a client trickling a header a byte at a time is cut off too).
    public var idleTimeout: TimeAmount
    /// A connection whose last byte came longer ago than this may be closed to make room.
    public var stalledAfter: TimeAmount
    /// Longest header field and all header fields together, in bytes; more is 431.
    public var maximumHeaderBytes: Int
    /// Most header fields in one request; more is 431.
    public var maximumHeaderFields: Int

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
        var refused = 0
        var evicted = 0
    }
    private let state = Mutex(State())
    let limits: ConnectionLimits

    init(limits: ConnectionLimits) { self.limits = limits }

    /// Connections open now.
    var openCount: Int { state.withLock { $0.open.count } }
    /// Connections refused with 503 and stalled ones closed to make room, since start.
    var counts: (refused: Int, evicted: Int) { state.withLock { ($0.refused, $0.evicted) } }

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
                s.refused += 1
                return (false, nil)
            }
            s.open[stalest.key] = nil
            s.evicted += 1
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
/// It holds the connection to the limits: counted against the bound, a declared body over the
/// route's limit answered 413 before it is read, and a request the HTTP parser rejects answered with the API's JSON error (431 for
/// headers over the limit, 400 otherwise) instead of an empty 400.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let registry: ConnectionRegistry
    /// The largest body each path accepts.
    private let bodyLimit: @Sendable (String) -> Int
    private var id: ObjectIdentifier { ObjectIdentifier(self) }
    private var isRegistered = false
    private var isActivated = false
    private var lingerTimer: Scheduled<Void>?
    /// A request head was passed on and its answer has not ended yet.
    private var requestInProgress = false
    /// The request being read was answered here (413): its remaining parts are dropped.
    private var discardingRequest = false
    /// Body bytes of the request being read, and the most its path takes.
    private var bodyBytes = 0
    private var bodyLimitOfRequest = Int.max
    /// The body went past its limit: the handler has enough to answer 413, the rest is dropped
    /// and the connection closed after the answer.
    private var closeAfterAnswer = false
    /// Answered here: everything still arriving is dropped until the connection closes.
    private var answeredHere = false

    init(registry: ConnectionRegistry, bodyLimit: @escaping @Sendable (String) -> Int) {
        self.registry = registry
        self.bodyLimit = bodyLimit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context)
        context.fireChannelActive()
    }

    private func activate(_ context: ChannelHandlerContext) {
        guard !isActivated else { return }
        isActivated = true
        guard registry.admit(id, channel: context.channel, now: NIODeadline.now().uptimeNanoseconds) else {
            answer(context, .serviceUnavailable, "the box has \(registry.limits.maximumConnections) connections open, "
                   + "all busy; try again in a moment", extra: [.retryAfter: "1"])
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
        if isRegistered {
            registry.remove(id)
            isRegistered = false
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if answeredHere { return }
        let part = unwrapInboundIn(data)
        let now = NIODeadline.now().uptimeNanoseconds
        switch part {
        case .head(let request):
            registry.didRead(id, now: now, requestComplete: false)
            let path = request.path.map { String($0.prefix { $0 != "?" }) } ?? "/"
            let limit = bodyLimit(path)
            if let declared = request.headerFields[.contentLength].flatMap({ Int($0) }), declared > limit {
                discardingRequest = true
                answer(context, .contentTooLarge, "the body declares \(declared) bytes; \(path) takes at most \(limit)")
                return
            }
            requestInProgress = true
            bodyBytes = 0
            bodyLimitOfRequest = limit
        case .body(let bytes):
            registry.didRead(id, now: now, requestComplete: false)
            if discardingRequest { return }
            // Past the limit (a chunked body declares no length) the route has what it needs to
            // answer 413; nothing more is passed on, or held.
            if bodyBytes > bodyLimitOfRequest {
                closeAfterAnswer = true
                return
            }
            bodyBytes += bytes.readableBytes
        case .end:
            registry.didRead(id, now: now, requestComplete: !discardingRequest)
            if discardingRequest { return }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            requestInProgress = false
            registry.didAnswer(id)
            if closeAfterAnswer {
                answeredHere = true
                let written = context.writeAndFlush(data)
                written.assumeIsolated().whenComplete { _ in self.closeGently(context) }
                if let promise { written.cascade(to: promise) }
                return
            }
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
        if requestInProgress {
            // Hummingbird is answering a request on this connection: no second answer; close.
            context.close(promise: nil)
            return
        }
        if parserError == .headerOverflow {
            answer(context, .requestHeaderFieldsTooLarge, "the request's header fields are over "
                   + "\(registry.limits.maximumHeaderBytes) bytes or \(registry.limits.maximumHeaderFields) fields")
        } else {
            answer(context, .badRequest, "the request is not valid HTTP/1.1 (\(parserError.map { "\($0)" } ?? "\(error)"))")
        }
    }

    /// Answers here, without Hummingbird, with the API's JSON error body, and closes.
    private func answer(_ context: ChannelHandlerContext, _ status: HTTPResponse.Status, _ message: String,
                        extra: HTTPFields = [:]) {
        let body = Array(#"{"error":"#.utf8) + jsonString(message) + Array("}\n".utf8)
        var head = HTTPResponse(status: status)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        head.headerFields[.cacheControl] = "no-store"
        head.headerFields.append(contentsOf: extra)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        answeredHere = true
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in self.closeGently(context) }
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
