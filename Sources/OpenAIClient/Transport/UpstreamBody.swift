import AsyncHTTPClient
import NIOCore

/// An upstream response body whose idle timeout counts only the time its reader waits for the upstream.
///
/// AsyncHTTPClient's own read timeout counts every moment no bytes arrive, including the moments the
/// gateway does not ask for any because its client is slow to read (backpressure): a paused downloader
/// would then look like a stalled upstream. This body times each `next()` instead: the upstream must
/// deliver within `idleTimeout` of being asked, and time spent between two `next()` calls (writing to
/// the client) never counts. The stream client is made without a read timeout for that reason.
///
/// On a timeout `next()` throws ``OpenAIError`` `.timeout` and the upstream request is cancelled.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let base: HTTPClientResponse.Body
    /// nil: no timeout (the upstream client's own read timeout applies).
    let idleTimeout: Duration?

    public init(_ base: HTTPClientResponse.Body, idleTimeout: Duration?) {
        self.base = base
        self.idleTimeout = idleTimeout
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(box: IteratorBox(base.makeAsyncIterator()), idleTimeout: idleTimeout)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let box: IteratorBox
        let idleTimeout: Duration?

        public mutating func next() async throws -> ByteBuffer? {
            guard let idleTimeout else { return try await box.next() }
            let box = self.box
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await box.next() }
                group.addTask {
                    try await Task.sleep(for: idleTimeout)
                    throw OpenAIError(
                        kind: .timeout,
                        message: "The upstream sent nothing for \(Self.describe(idleTimeout)) while the gateway waited for the rest of the response"
                    )
                }
                defer { group.cancelAll() }
                // The first child to end decides: a chunk (or the end), or the timeout.
                guard let first = try await group.next() else { return nil }
                return first
            }
        }

        static func describe(_ duration: Duration) -> String {
            let milliseconds = Int(duration.seconds * 1000)
            return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
        }
    }
}

/// The upstream body's iterator, shared with the child task that waits on it. Only one `next()` runs at
/// a time (the iterator's owner awaits it), which is what makes handing it to that child safe.
final class IteratorBox: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
