import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A plain TCP connection to the gateway that sends exactly the bytes a test gives it (a slow,
/// stalled or idle peer) and collects whatever comes back, seeing when the gateway closes it.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let collector: ReceivedBytes

    private init(channel: any Channel, collector: ReceivedBytes) {
        self.channel = channel
        self.collector = collector
    }

    /// - Parameter receiveBuffer: with it, a client that reads only when the test says so (``read(atLeast:within:)``):
    ///   automatic reads are off and the socket's receive buffer is this small, so when it stops reading the
    ///   gateway's writes back up within a few hundred KiB (a paused downloader, a stalled stream reader).
    static func open(port: Int, receiveBuffer: Int? = nil) async throws -> RawConnection {
        let collector = ReceivedBytes()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.autoRead, value: false).channelOption(.socketOption(.so_rcvbuf), value: .init(receiveBuffer))
        }
        let channel =
            try await bootstrap
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

    // MARK: - Reading by hand (opened with a receive buffer)

    /// Sends a request (`GET path`, or a POST of `json`) with `Connection: close`.
    func send(_ method: String, _ path: String, json: String? = nil) async throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        try await send(head + "\r\n" + (json ?? ""))
    }

    /// Reads until at least `count` bytes (head included) arrived, the connection closed, or `limit` passed.
    func read(atLeast count: Int, within limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while receivedCount < count, !isClosed, ContinuousClock.now < deadline {
            let before = receivedCount
            channel.read()
            try await Task.sleep(for: .microseconds(200))
            if receivedCount == before { try await Task.sleep(for: .milliseconds(2)) }
        }
    }

    /// Reads until the gateway closes the connection; false when it is still open after `limit`.
    func readToEnd(within limit: Duration = .seconds(60)) async throws -> Bool {
        try await read(atLeast: .max, within: limit)
        return isClosed
    }

    var receivedCount: Int { collector.bytes.withLockedValue { $0.count } }

    /// The response body: what came after the head.
    var body: [UInt8] {
        collector.bytes.withLockedValue { bytes in
            let separator: [UInt8] = Array("\r\n\r\n".utf8)
            guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else { return [] }
            return Array(bytes[(end + 4)...])
        }
    }

}

/// Collects what a test client receives and sees the connection close.
/// `@unchecked Sendable`: its state is behind locks.
final class ReceivedBytes: ChannelInboundHandler, @unchecked Sendable {
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
