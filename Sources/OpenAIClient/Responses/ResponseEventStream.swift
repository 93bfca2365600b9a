import AsyncHTTPClient
import NIOCore

/// The typed events of a streamed Responses API call, in the order the upstream sent them.
///
/// Ends at the end of the body or at `data: [DONE]`. A body that breaks off throws an
/// ``OpenAIError`` of a connection kind; data that is not JSON throws `.invalidResponse`.
/// Event types the code does not know arrive as ``ResponseStreamEvent/unknown(type:raw:)``.
/// Leaving the loop early (or cancelling the task) cancels the upstream request.
public struct ResponseEventStream<Body: AsyncSequence & Sendable>: AsyncSequence, Sendable where Body.Element == ByteBuffer {
    public typealias Element = ResponseStreamEvent
    public let metadata: OpenAIResponseMetadata
    let body: Body
    let maxEventBytes: Int

    public init(metadata: OpenAIResponseMetadata, body: Body, maxEventBytes: Int = ServerSentEventSequence<Body>.defaultMaxEventBytes) {
        self.metadata = metadata
        self.body = body
        self.maxEventBytes = maxEventBytes
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var events: ServerSentEventSequence<Body>.AsyncIterator
        let metadata: OpenAIResponseMetadata
        var finished = false

        public mutating func next() async throws(OpenAIError) -> ResponseStreamEvent? {
            while !finished {
                let event: ServerSentEvent?
                do {
                    event = try await events.next()
                } catch {
                    finished = true
                    var failure = OpenAITransport.classify(error, attempts: metadata.attempts)
                    if failure.kind == .network || failure.kind == .connectionReset {
                        failure.kind = .connectionReset
                        failure.message = "The upstream stream ended unexpectedly: \(failure.message)"
                    }
                    failure.requestID = metadata.requestID
                    throw failure
                }
                guard let event else {
                    finished = true
                    return nil
                }
                if ResponseStreamEvent.isDone(event) {
                    finished = true
                    return nil
                }
                return try ResponseStreamEvent(parsing: event)
            }
            return nil
        }

        /// The next event when it already arrived with the ones before it, without waiting for more
        /// of the body (nil when none is buffered or the stream is done).
        public mutating func nextBuffered() throws(OpenAIError) -> ResponseStreamEvent? {
            guard !finished, let event = events.nextBuffered() else { return nil }
            if ResponseStreamEvent.isDone(event) {
                finished = true
                return nil
            }
            return try ResponseStreamEvent(parsing: event)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: body.serverSentEvents(maxEventBytes: maxEventBytes).makeAsyncIterator(), metadata: metadata)
    }
}
