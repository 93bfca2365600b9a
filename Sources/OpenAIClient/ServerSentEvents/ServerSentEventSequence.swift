import NIOCore

/// The events of a `text/event-stream` body, decoded as its buffers arrive.
///
/// Works with any sequence of `ByteBuffer`s, such as the transport's `UpstreamBody`
/// or an `AsyncStream<ByteBuffer>`. The decoding runs inside the consumer's `for try await`
/// loop, with no task of its own, so when the consumer stops iterating or is cancelled, the
/// body's iteration stops with it.
///
/// ```swift
/// for try await event in response.body.serverSentEvents {
///     if ResponseStreamEvent.isDone(event) { break }
///     let typed = try ResponseStreamEvent(parsing: event)
/// }
/// ```
public struct ServerSentEventSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    public typealias Element = ServerSentEvent

    private let base: Base
    private let maxEventBytes: Int

    /// The largest event a sequence holds by default: 8 MiB.
    public static var defaultMaxEventBytes: Int { 8 * 1024 * 1024 }

    /// Wraps a sequence of body buffers.
    /// - Parameter maxEventBytes: an event (or the bytes held while one is incomplete) larger than this
    ///   ends the sequence with an ``OpenAIError`` of kind `responseTooLarge`, instead of growing memory.
    public init(_ base: Base, maxEventBytes: Int = defaultMaxEventBytes) {
        self.base = base
        self.maxEventBytes = maxEventBytes
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), maxEventBytes: maxEventBytes)
    }

    /// Pulls buffers from the base sequence only when no complete event is buffered.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var parser = ServerSentEventParser()
        private var baseFinished = false
        private let maxEventBytes: Int

        init(base: Base.AsyncIterator, maxEventBytes: Int) {
            self.base = base
            self.maxEventBytes = maxEventBytes
        }

        /// The next event when it is already buffered (received, not yet returned), without waiting
        /// for more of the body: a relay writes every event that arrived together in one go.
        public mutating func nextBuffered() -> ServerSentEvent? {
            parser.nextEvent()
        }

        /// The next event, `nil` at the end of the body (a trailing incomplete event is dropped).
        /// Rethrows whatever the base sequence throws.
        public mutating func next() async throws -> ServerSentEvent? {
            while true {
                if let event = parser.nextEvent() { return event }
                if baseFinished { return nil }
                if let chunk = try await base.next() {
                    parser.append(chunk)
                    if let event = parser.nextEvent() { return event }
                    if parser.pendingByteCount > maxEventBytes { throw OpenAIError.eventTooLarge(limit: maxEventBytes) }
                } else {
                    parser.finish()
                    baseFinished = true
                }
            }
        }
    }
}

extension ServerSentEventSequence: Sendable where Base: Sendable {}

extension AsyncSequence where Element == ByteBuffer {
    /// Decodes this body as a `text/event-stream`, events up to 8 MiB.
    public var serverSentEvents: ServerSentEventSequence<Self> {
        ServerSentEventSequence(self)
    }

    /// Decodes this body as a `text/event-stream`, events up to `maxEventBytes`.
    public func serverSentEvents(maxEventBytes: Int) -> ServerSentEventSequence<Self> {
        ServerSentEventSequence(self, maxEventBytes: maxEventBytes)
    }
}

extension OpenAIError {
    /// An upstream stream event larger than the limit (kind `responseTooLarge`).
    public static func eventTooLarge(limit: Int) -> OpenAIError {
        OpenAIError(kind: .responseTooLarge, message: "An upstream stream event is larger than \(limit) bytes (MAX_EVENT_BYTES)")
    }
}
