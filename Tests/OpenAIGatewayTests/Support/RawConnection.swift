import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A plain TCP connection to the gateway that sends exactly the bytes a test gives it (a slow,
/// stalled or idle peer) and collects whatever comes back, seeing when the gateway closes it.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func open(port: Int) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Sends `text` (fails once the gateway has closed the connection).
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Everything received so far.
    var received: String { String(decoding: collector.bytes.withLockedValue { $0 }, as: UTF8.self) }

    var isClosed: Bool { collector.closed.withLockedValue { $0 } }

    /// Waits until the gateway closed the connection; false when it is still open after `limit`.
    func waitUntilClosed(within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while !isClosed {
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Waits until `text` has arrived (or the connection closed, or `limit` passed).
    func waitForText(_ text: String, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while !received.contains(text) {
            if isClosed || ContinuousClock.now >= deadline { return received.contains(text) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    func close() async {
        try? await channel.close()
    }

    /// `@unchecked Sendable`: its state is behind locks.
    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = NIOLockedValueBox<[UInt8]>([])
        let closed = NIOLockedValueBox(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLockedValue { $0 = true }
            context.fireChannelInactive()
        }
    }
}
