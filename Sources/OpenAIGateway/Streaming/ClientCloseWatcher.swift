import NIOConcurrencyHelpers
import NIOCore

/// Sees a client close its side of the connection (or the connection go away) without reading the
/// request stream, so a long response (a relayed stream) can stop the upstream at once while the
/// connection stays usable for the next request when the response ends normally.
///
/// One per connection (a server channel handler); it forwards everything it sees unchanged.
/// `@unchecked Sendable`: its state is behind a lock.
final class ClientCloseWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny

    private struct State {
        var closed = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    /// Whether the client has closed the connection (or its sending side).
    var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Returns once the client has gone away, or when the calling task is cancelled.
    func waitForClose() async {
        let id = state.withLockedValue { state -> Int? in
            guard !state.closed else { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.closed || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func closed() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The watcher of a request's connection, when the server installed one.
    static func of(_ channel: any Channel) async -> ClientCloseWatcher? {
        try? await channel.pipeline.handler(type: ClientCloseWatcher.self).get()
    }
}
