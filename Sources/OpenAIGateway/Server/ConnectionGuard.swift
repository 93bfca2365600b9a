import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// Limits that keep idle, slow and too many client connections from holding the gateway's
/// descriptors: every phase of a connection that waits for the client has a deadline.
struct ConnectionLimits: Sendable {
    /// A new connection must deliver a complete request head within this (slowloris).
    var headerReadTimeout: Duration = .seconds(10)
    /// A kept-alive connection with no request in progress is closed after this.
    var idleTimeout: Duration = .seconds(60)
    /// An upload that sends nothing for this long (while the gateway is ready to read) is cut; a slow
    /// but moving upload is fine, and time the gateway itself spends not reading (backpressure) does not count.
    var bodyIdleTimeout: Duration = .seconds(30)
    /// Client connections open at once; a connection beyond it gets a fast 503 with `retry-after`.
    var maxConnections: Int = 1_000
    /// On graceful shutdown, a connection still busy after this is answered with the shutdown error
    /// (when no answer has started) and closed, so the server can finish.
    var shutdownTimeout: Duration = .seconds(30)
    /// A client that reads nothing of its response for this long (the connection stays unwritable) is
    /// disconnected; a slow but moving reader is fine.
    var clientWriteTimeout: Duration = .seconds(30)
}

/// Counts the open client connections of one server (shared by every connection's guard), the requests
/// in progress on them, and what a graceful shutdown found and cut (for the shutdown line).
final class ConnectionCounter: Sendable {
    private let count = NIOLockedValueBox(0)
    private let requests = NIOLockedValueBox(0)
    private let shutdown = NIOLockedValueBox<ShutdownSnapshot?>(nil)
    private let cut = NIOLockedValueBox(0)

    /// What was open when the graceful shutdown reached the connections.
    struct ShutdownSnapshot: Sendable {
        var connections: Int
        var requests: Int
        var at: ContinuousClock.Instant
    }

    /// Counts one more connection; returns the number open including it.
    func open() -> Int {
        count.withLockedValue {
            $0 += 1
            return $0
        }
    }
    func close() { count.withLockedValue { $0 -= 1 } }
    var current: Int { count.withLockedValue { $0 } }

    func requestStarted() { requests.withLockedValue { $0 += 1 } }
    func requestsEnded(_ ended: Int = 1) { requests.withLockedValue { $0 = max($0 - ended, 0) } }
    /// Records the first connection's shutdown notice: the connections and requests open then.
    func shutdownBegan() {
        let snapshot = ShutdownSnapshot(connections: current, requests: requests.withLockedValue { $0 }, at: .now)
        shutdown.withLockedValue { if $0 == nil { $0 = snapshot } }
    }
    /// A request still in progress at the shutdown deadline was answered 503 or closed.
    func requestCut() { cut.withLockedValue { $0 += 1 } }
    /// What the shutdown found (nil when no connection was open) and how many requests it cut.
    var shutdownReport: (snapshot: ShutdownSnapshot?, cut: Int) { (shutdown.withLockedValue { $0 }, cut.withLockedValue { $0 }) }
}

/// One per client connection, after the HTTP codec: enforces ``ConnectionLimits``.
///
/// Phases: waiting for a request head (header timeout on a new connection, idle timeout on a kept-alive
/// one), reading a request body (body idle timeout, counted only while a read is pending, so the
/// gateway's own backpressure never counts against the client), answering (no deadline here: the
/// response's own pace is the handler's business). In every phase, a connection that stays unwritable
/// and whose pending bytes do not go down (the client reads nothing of what the gateway sends) for the
/// client write timeout is closed, marked
/// on its ``ClientCloseWatcher`` so the call record says `truncated`. A connection over the cap answers
/// its first request with 503 and closes.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        case awaitingHead(first: Bool)
        case readingBody
        case answering
    }

    private let limits: ConnectionLimits
    private let counter: ConnectionCounter
    /// The connection's watcher, told when the write timeout closes the connection.
    private let watcher: ClientCloseWatcher?
    private var phase = Phase.awaitingHead(first: true)
    private var requestEnded = false
    /// Requests whose answer has not ended yet (a pipelined request's head can arrive before the previous answer ends).
    private var unanswered = 0
    /// Since when the connection has waited for the client in the current phase.
    private var waitingSince = NIODeadline.now()
    /// A read was asked for and nothing has arrived since: the client, not the gateway, is the one waiting.
    private var readPending = false
    private var counted = false
    private var overCap = false
    private var timer: Scheduled<Void>?
    private var responseStarted = false
    private var shutdownTimer: Scheduled<Void>?
    /// Since when the connection has been unwritable with no progress (the client is not reading), nil while writable.
    private var unwritableSince: NIODeadline?
    /// The bytes waiting to be written then: fewer at the deadline means the client is reading, slowly
    /// (one large write keeps a connection unwritable until most of it has been read).
    private var bufferedAtStall = Int.max

    init(limits: ConnectionLimits, counter: ConnectionCounter, watcher: ClientCloseWatcher? = nil) {
        self.limits = limits
        self.counter = counter
        self.watcher = watcher
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deactivate()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deactivate()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        readPending = false
        waitingSince = .now()
        if overCap {
            if case .head = part { refuseOverCap(context: context) }
            return
        }
        switch part {
        case .head:
            phase = .readingBody
            requestEnded = false
            unanswered += 1
            counter.requestStarted()
            responseStarted = false
            reschedule(context: context)
        case .body:
            break
        case .end:
            requestEnded = true
            phase = unanswered == 0 ? .awaitingHead(first: false) : .answering
            reschedule(context: context)
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            unwritableSince = nil
        } else if unwritableSince == nil {
            unwritableSince = .now()
            bufferedAtStall = Self.bufferedBytes(context) ?? .max
        }
        reschedule(context: context)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if !readPending {
            readPending = true
            waitingSince = .now()
        }
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, shutdownTimer == nil {
            counter.shutdownBegan()
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            shutdownTimer = context.eventLoop.scheduleTask(in: TimeAmount(limits.shutdownTimeout)) {
                let (handler, context) = loopBound.value
                handler.shutdownDeadlinePassed(context: context)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if case .head = part { responseStarted = true }
        if case .end = part {
            if unanswered > 0 { counter.requestsEnded() }
            unanswered = max(unanswered - 1, 0)
            if requestEnded && unanswered == 0 {
                phase = .awaitingHead(first: false)
                waitingSince = .now()
                reschedule(context: context)
            }
        }
        context.write(data, promise: promise)
    }

    // MARK: - Deadlines

    private func activate(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        overCap = counter.open() > limits.maxConnections
        waitingSince = .now()
        schedule(context: context)
    }

    private func deactivate() {
        timer?.cancel()
        timer = nil
        shutdownTimer?.cancel()
        shutdownTimer = nil
        if counted {
            counted = false
            counter.requestsEnded(unanswered)
            unanswered = 0
            counter.close()
        }
    }

    /// The earliest deadline: the phase's, or the client write timeout's.
    private var deadline: NIODeadline? {
        switch (phaseDeadline, writeDeadline) {
        case (let phase?, let write?): min(phase, write)
        case (let phase, let write): phase ?? write
        }
    }

    /// When an unwritable connection is closed, nil while it is writable.
    private var writeDeadline: NIODeadline? {
        unwritableSince.map { $0 + TimeAmount(limits.clientWriteTimeout) }
    }

    /// The deadline of the current phase, nil when the connection is not waiting for the client.
    private var phaseDeadline: NIODeadline? {
        switch phase {
        case .awaitingHead(let first):
            return waitingSince + TimeAmount(overCap || first ? limits.headerReadTimeout : limits.idleTimeout)
        case .readingBody:
            return readPending ? waitingSince + TimeAmount(limits.bodyIdleTimeout) : nil
        case .answering:
            return nil
        }
    }

    private func reschedule(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        schedule(context: context)
    }

    private func schedule(context: ChannelHandlerContext) {
        guard timer == nil, counted else { return }
        // While the gateway applies backpressure there is no deadline; look again one body timeout later.
        let at = deadline ?? (.now() + TimeAmount(limits.bodyIdleTimeout))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: at) {
            let (handler, context) = loopBound.value
            handler.timer = nil
            handler.check(context: context)
        }
    }

    private func check(context: ChannelHandlerContext) {
        guard counted else { return }
        if let writeDeadline, writeDeadline <= .now() {
            if let buffered = Self.bufferedBytes(context), buffered < bufferedAtStall {
                // Slow but moving: the client took some of what waits; the next deadline counts from now.
                unwritableSince = .now()
                bufferedAtStall = buffered
                schedule(context: context)
                return
            }
            // The client read nothing for the write timeout: the response is cut (the record says truncated).
            watcher?.markWriteTimedOut()
            context.close(promise: nil)
        } else if let phaseDeadline, phaseDeadline <= .now() {
            context.close(promise: nil)
        } else if case .answering = phase, writeDeadline == nil {
            return  // rescheduled when the answer ends
        } else {
            schedule(context: context)
        }
    }

    /// The bytes written to the connection that the socket has not taken yet.
    private static func bufferedBytes(_ context: ChannelHandlerContext) -> Int? {
        try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)
    }

    private func refuseOverCap(context: ChannelHandlerContext) {
        answerAndClose(
            context: context,
            json: #"{"statusCode":503,"message":"The gateway has too many open connections.","#
                + #""error_code":"too_many_connections","hint":"Retry in a second, or reuse one keep-alive connection for several requests."}"#
        )
    }

    /// The graceful shutdown's deadline: a request still in progress is answered with the shutdown error
    /// (unless its answer has started) and its connection closed.
    private func shutdownDeadlinePassed(context: ChannelHandlerContext) {
        shutdownTimer = nil
        guard counted else { return }
        if unanswered > 0 { counter.requestCut() }
        if responseStarted {
            context.close(promise: nil)
            return
        }
        answerAndClose(
            context: context,
            json: #"{"statusCode":503,"message":"The gateway is shutting down; the request was not completed.","#
                + #""error_code":"server_shutting_down","hint":"Send the request again in a moment (to another instance, if there is one)."}"#
        )
    }

    private func answerAndClose(context: ChannelHandlerContext, json: String) {
        let body = ByteBuffer(string: json)
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        fields[.retryAfter] = "1"
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .serviceUnavailable, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
