import NIOCore
import OpenAIClient
import Synchronization

/// Sees a client close its side of the connection (or the connection go away) without reading the
/// request stream, so a long response (a relayed stream) can stop the upstream at once while the
/// connection stays usable for the next request when the response ends normally. It also carries
/// why the gateway itself closed the connection: the client stopped reading for longer than the client
/// write timeout (``ConnectionGuard``), so the call record can say `truncated` rather than that the
/// client left.
///
/// One per connection (a server channel handler); it forwards everything it sees unchanged.
final class ClientCloseWatcher: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    private let closed = OnceEvent()
    private let writeTimeout = Atomic<Bool>(false)

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed.signal() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.signal()
        context.fireChannelInactive()
    }

    /// Whether the client has closed the connection (or its sending side).
    var isClosed: Bool { closed.happened }

    /// Returns once the client has gone away, or when the calling task is cancelled.
    func waitForClose() async { await closed.wait() }

    /// The gateway is closing the connection because the client read nothing for the client write timeout.
    func markWriteTimedOut() { writeTimeout.store(true, ordering: .releasing) }

    /// Whether the connection was closed because the client stopped reading (the response was cut short).
    var writeTimedOut: Bool { writeTimeout.load(ordering: .acquiring) }

    /// The watcher of a request's connection, when the server installed one.
    static func of(_ channel: any Channel) async -> ClientCloseWatcher? {
        try? await channel.pipeline.handler(type: ClientCloseWatcher.self).get()
    }
}
