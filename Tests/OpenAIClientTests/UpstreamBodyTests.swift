import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import OpenAIClient

/// The upstream body's own idle timeout: it counts only the reader's waits, and every way the reader
/// stops (the end, a timeout, cancellation, dropping the iterator) stops reading the upstream.
@Suite("Upstream body")
struct UpstreamBodyTests {
    /// A body fed by the test, which sees when the body stops being read (its stream is terminated).
    final class Feed: Sendable {
        let continuation: AsyncStream<ByteBuffer>.Continuation
        let stream: AsyncStream<ByteBuffer>
        let terminated = NIOLockedValueBox(false)

        init() {
            (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
            continuation.onTermination = { [terminated] _ in terminated.withLockedValue { $0 = true } }
        }

        var body: HTTPClientResponse.Body { .stream(stream) }
        func send(_ text: String) { continuation.yield(ByteBuffer(string: text)) }
        var isTerminated: Bool { terminated.withLockedValue { $0 } }

        func waitUntilTerminated(within limit: Duration = .seconds(5)) async throws -> Bool {
            let deadline = ContinuousClock.now + limit
            while !isTerminated, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            return isTerminated
        }
    }

    @Test("every chunk arrives in order, then the end")
    func chunksInOrder() async throws {
        let feed = Feed()
        for index in 0..<100 { feed.send("\(index),") }
        feed.continuation.finish()
        var text = ""
        for try await chunk in UpstreamBody(feed.body, idleTimeout: .seconds(5)) { text += String(buffer: chunk) }
        #expect(text == (0..<100).map { "\($0)," }.joined())
    }

    @Test("a reader that takes its time between chunks is never timed out; an upstream silent while it waits is")
    func onlyTheReadersWaitCounts() async throws {
        let feed = Feed()
        var iterator = UpstreamBody(feed.body, idleTimeout: .milliseconds(300)).makeAsyncIterator()
        feed.send("a")
        feed.send("b")
        #expect(try await iterator.next().map { String(buffer: $0) } == "a")
        try await Task.sleep(for: .milliseconds(700))  // the reader is busy: the upstream's silence does not count
        #expect(try await iterator.next().map { String(buffer: $0) } == "b")
        let started = ContinuousClock.now
        do {
            _ = try await iterator.next()
            Issue.record("expected a timeout")
        } catch let error as OpenAIError {
            #expect(error.kind == .timeout)
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(290) && waited < .seconds(2), "\(waited)")
        #expect(try await feed.waitUntilTerminated())
    }

    @Test("a reader that drops the iterator part way stops the upstream read")
    func droppedIteratorStopsTheUpstream() async throws {
        let feed = Feed()
        feed.send("a")
        do {
            var iterator = UpstreamBody(feed.body, idleTimeout: .seconds(60)).makeAsyncIterator()
            _ = try await iterator.next()
        }
        #expect(try await feed.waitUntilTerminated())
    }

    @Test("a cancelled reader gets CancellationError at once and the upstream read stops")
    func cancelledReaderStopsTheUpstream() async throws {
        let feed = Feed()
        let reader = Task {
            var iterator = UpstreamBody(feed.body, idleTimeout: .seconds(60)).makeAsyncIterator()
            return try await iterator.next()
        }
        try await Task.sleep(for: .milliseconds(100))
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        #expect(try await feed.waitUntilTerminated())
    }

    @Test("a slow reader holds at most a few chunks read ahead (the upstream is slowed down, not buffered)")
    func readAheadIsBounded() async throws {
        let produced = NIOLockedValueBox(0)
        let chunks = AsyncStream<ByteBuffer>(unfolding: {
            produced.withLockedValue { $0 += 1 }
            return ByteBuffer(string: "x")
        })
        var iterator = UpstreamBody(.stream(chunks), idleTimeout: .seconds(60)).makeAsyncIterator()
        _ = try await iterator.next()
        try await Task.sleep(for: .milliseconds(300))
        #expect(produced.withLockedValue { $0 } <= UpstreamBody.queueLimit + 2)
    }
}
