import NIOCore
import Synchronization

/// A one-slot channel of byte buffers from one producer task to one consumer task, with backpressure:
/// `send` waits until the consumer has taken the previous chunk.
///
/// The upload pipeline reads the client's body in the handler's own task and hands chunks to the HTTP
/// client through this, so that only one task ever reads the request body (Hummingbird allows a single
/// reader), and a slow upstream slows the client down instead of filling memory.
final class ChunkChannel: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private struct State {
        var chunk: ByteBuffer?
        var finished = false
        var failure: (any Error)?
        /// The consumer stopped reading (the upstream call ended); further sends are refused.
        var consumerGone = false
        var consumer: CheckedContinuation<ByteBuffer?, any Error>?
        var producer: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())

    /// Hands a chunk to the consumer and waits until it was taken. Returns false when the consumer is gone.
    func send(_ chunk: ByteBuffer) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let action: (consumer: CheckedContinuation<ByteBuffer?, any Error>?, accepted: Bool?) = state.withLock { state in
                if state.consumerGone || state.finished { return (nil, false) }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return (consumer, true)
                }
                state.chunk = chunk
                state.producer = continuation
                return (nil, nil)
            }
            if let consumer = action.consumer { consumer.resume(returning: chunk) }
            if let accepted = action.accepted { continuation.resume(returning: accepted) }
        }
    }

    /// No more chunks: the consumer sees the end.
    func finish() { end(failure: nil) }

    /// The producer failed: the consumer's next read throws this error.
    func fail(_ error: any Error) { end(failure: error) }

    private func end(failure: (any Error)?) {
        let consumer = state.withLock { state -> CheckedContinuation<ByteBuffer?, any Error>? in
            state.finished = true
            state.failure = failure
            defer { state.consumer = nil }
            return state.consumer
        }
        if let failure { consumer?.resume(throwing: failure) } else { consumer?.resume(returning: nil) }
    }

    /// The consumer will not read again: a waiting or later `send` returns false.
    func consumerDone() {
        let producer = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.consumerGone = true
            state.chunk = nil
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume(returning: false)
    }

    /// The consumer's side: the next chunk, nil at the end.
    func next() async throws -> ByteBuffer? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
                enum Action {
                    case chunk(ByteBuffer, CheckedContinuation<Bool, Never>?)
                    case end((any Error)?)
                    case wait
                }
                let action: Action = state.withLock { state in
                    if let chunk = state.chunk {
                        state.chunk = nil
                        defer { state.producer = nil }
                        return .chunk(chunk, state.producer)
                    }
                    if state.finished || state.consumerGone { return .end(state.consumerGone ? CancellationError() : state.failure) }
                    state.consumer = continuation
                    return .wait
                }
                switch action {
                case .chunk(let chunk, let producer):
                    producer?.resume(returning: true)
                    continuation.resume(returning: chunk)
                case .end(let failure):
                    if let failure { continuation.resume(throwing: failure) } else { continuation.resume(returning: nil) }
                case .wait:
                    break
                }
            }
        } onCancel: {
            let consumer = state.withLock { state -> CheckedContinuation<ByteBuffer?, any Error>? in
                defer { state.consumer = nil }
                return state.consumer
            }
            consumer?.resume(throwing: CancellationError())
            consumerDone()
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let channel: ChunkChannel
        mutating func next() async throws -> ByteBuffer? { try await channel.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(channel: self) }
}

extension ChunkChannel {
    /// Runs an upstream call whose body streams from the client as it is read: `send` gets the body (a new
    /// channel, pulled by the HTTP client in a child task) while this task feeds it with `next`'s chunks,
    /// so only this task ever reads the client's body and a slow upstream slows the client down.
    ///
    /// A ``GatewayError`` from `next` (a problem found part way) aborts the upstream body and is thrown once
    /// `send` has ended; any other error (the client's body broke off) cancels `send` and is thrown at once,
    /// mapped by `readFailure`. `send` ending early stops the feeding.
    static func upload<T: Sendable>(
        send: @escaping @Sendable (ChunkChannel) async throws -> T,
        next: () async throws -> ByteBuffer?,
        readFailure: (any Error) -> any Error = { $0 }
    ) async throws -> T {
        let channel = ChunkChannel()
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask {
                defer { channel.consumerDone() }
                return try await send(channel)
            }
            var failure: GatewayError?
            do {
                while let chunk = try await next() {
                    guard await channel.send(chunk) else { break }  // the upstream call ended early
                }
                channel.finish()
            } catch let error as GatewayError {
                failure = error
                channel.fail(error)
            } catch {
                channel.fail(error)
                group.cancelAll()
                throw error is CancellationError ? error : readFailure(error)
            }
            let result: T
            do {
                guard let value = try await group.next() else { throw CancellationError() }
                result = value
            } catch {
                throw failure ?? error
            }
            if let failure { throw failure }
            return result
        }
    }
}
