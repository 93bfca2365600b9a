import AsyncHTTPClient
import NIOCore
import NIOPosix
import Synchronization

/// An upstream response body whose idle timeout counts only the time its reader waits for the upstream.
///
/// AsyncHTTPClient's own read timeout counts every moment no bytes arrive, including the moments the
/// gateway does not ask for any because its client is slow to read (backpressure): a paused downloader
/// would then look like a stalled upstream. This body times the reader's waits instead: when the reader
/// asks for the next chunk and none has arrived, the upstream must deliver one within `idleTimeout`;
/// time spent between two `next()` calls (writing to the client) never counts. The stream client is made
/// without a read timeout for that reason.
///
/// One task per body pulls the upstream's chunks into a small queue (at most ``queueLimit`` chunks ahead,
/// so a slow reader still slows the upstream down); the reader takes them without waiting when they are
/// there. On a timeout `next()` throws ``OpenAIError`` `.timeout` and the upstream request is cancelled;
/// so it is when the reader is cancelled or drops the iterator.
public struct UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let base: HTTPClientResponse.Body
    /// nil: no timeout (the upstream client's own read timeout applies) and no pump: the base body as it is.
    let idleTimeout: Duration?

    /// Chunks the pump reads ahead of the reader at most.
    static let queueLimit = 2

    public init(_ base: HTTPClientResponse.Body, idleTimeout: Duration?) {
        self.base = base
        self.idleTimeout = idleTimeout
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            base: idleTimeout == nil ? base.makeAsyncIterator() : nil,
            reader: idleTimeout.map { Reader(Pump(base: base, idleTimeout: $0)) }
        )
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator?
        let reader: Reader?

        public mutating func next() async throws -> ByteBuffer? {
            if let reader { return try await reader.pump.next() }
            return try await base?.next()
        }
    }

    /// The reader's hold on the pump: when the iterator goes away before the end, the pump stops (its
    /// task holds the pump, not this, so this goes away with the iterator).
    final class Reader: Sendable {
        let pump: Pump

        init(_ pump: Pump) {
            self.pump = pump
        }

        deinit {
            pump.cancel()
        }
    }

    /// The pump of one body: its task, its queue and the reader's wait. `@unchecked Sendable`: the base body
    /// is iterated by the pump's task alone; everything else is behind the lock.
    final class Pump: @unchecked Sendable {
        private struct State {
            var queue: [ByteBuffer] = []
            /// The body's end: nil while it goes on; then the end (`.success`) or the failure, given to the
            /// reader once the queue is empty.
            var end: Result<Void, any Error>?
            var started = false
            var task: Task<Void, Never>?
            /// The reader, waiting for a chunk, and since when.
            var reader: CheckedContinuation<ByteBuffer?, any Error>?
            var waitingSince: NIODeadline?
            /// The pump, waiting for room in the queue.
            var pump: CheckedContinuation<Void, Never>?
            var timerArmed = false
        }

        private let state = Mutex(State())
        private let base: HTTPClientResponse.Body
        private let idleTimeout: Duration
        private let eventLoop: any EventLoop

        init(base: HTTPClientResponse.Body, idleTimeout: Duration) {
            self.base = base
            self.idleTimeout = idleTimeout
            self.eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        }

        /// The reader dropped the iterator before the end: stop reading the upstream.
        func cancel() { fail(CancellationError()) }

        func next() async throws -> ByteBuffer? {
            startIfNeeded()
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
                    enum Action {
                        case chunk(ByteBuffer, wakePump: CheckedContinuation<Void, Never>?)
                        case end(Result<Void, any Error>)
                        case wait(armTimer: Bool)
                    }
                    let action: Action = state.withLock { state in
                        if !state.queue.isEmpty {
                            let chunk = state.queue.removeFirst()
                            defer { state.pump = nil }
                            return .chunk(chunk, wakePump: state.pump)
                        }
                        if let end = state.end { return .end(end) }
                        if Task.isCancelled { return .end(.failure(CancellationError())) }
                        state.reader = continuation
                        state.waitingSince = .now()
                        let arm = !state.timerArmed
                        state.timerArmed = true
                        return .wait(armTimer: arm)
                    }
                    switch action {
                    case .chunk(let chunk, let pump):
                        pump?.resume()
                        continuation.resume(returning: chunk)
                    case .end(.success):
                        continuation.resume(returning: nil)
                    case .end(.failure(let error)):
                        continuation.resume(throwing: error)
                    case .wait(let arm):
                        if arm { armTimer(at: .now() + TimeAmount(idleTimeout)) }
                    }
                }
            } onCancel: {
                fail(CancellationError())
            }
        }

        private func startIfNeeded() {
            let start = state.withLock { state -> Bool in
                guard !state.started else { return false }
                state.started = true
                return true
            }
            guard start else { return }
            let task = Task { [self] in await run() }
            // Cancelled before it was stored (the reader went away at once): cancel it now.
            let cancelled = state.withLock { state -> Bool in
                state.task = task
                return state.end != nil
            }
            if cancelled { task.cancel() }
        }

        /// The pump's loop: reads the upstream while the queue has room.
        private func run() async {
            var iterator = base.makeAsyncIterator()
            do {
                while let chunk = try await iterator.next() {
                    guard await deliver(chunk) else { return }
                }
                finish(.success(()))
            } catch {
                finish(.failure(error))
            }
        }

        /// Hands a chunk to the reader (or queues it), then waits while the queue is full. False once the body has ended.
        private func deliver(_ chunk: ByteBuffer) async -> Bool {
            enum Action {
                case ended
                case gave(CheckedContinuation<ByteBuffer?, any Error>)
                case queued(full: Bool)
            }
            let action: Action = state.withLock { state in
                if state.end != nil { return .ended }
                if let reader = state.reader {
                    state.reader = nil
                    state.waitingSince = nil
                    return .gave(reader)
                }
                state.queue.append(chunk)
                return .queued(full: state.queue.count >= UpstreamBody.queueLimit)
            }
            switch action {
            case .ended:
                return false
            case .gave(let reader):
                reader.resume(returning: chunk)
                return true
            case .queued(false):
                return true
            case .queued(true):
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.end != nil || state.queue.count < UpstreamBody.queueLimit { return true }
                        state.pump = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
                return state.withLock { $0.end == nil }
            }
        }

        /// The upstream body ended (or failed): the reader gets the end after what is queued.
        private func finish(_ end: Result<Void, any Error>) {
            let reader = state.withLock { state -> CheckedContinuation<ByteBuffer?, any Error>? in
                guard state.end == nil else { return nil }
                state.end = end
                defer {
                    state.reader = nil
                    state.waitingSince = nil
                }
                return state.reader
            }
            switch end {
            case .success: reader?.resume(returning: nil)
            case .failure(let error): reader?.resume(throwing: error)
            }
        }

        /// Ends the body with `error` at once (a timeout, the reader cancelled): the queue is dropped, the
        /// pump is cancelled (which cancels the upstream request) and a waiting reader gets the error.
        private func fail(_ error: any Error) {
            let (reader, pump, task) = state.withLock {
                state -> (CheckedContinuation<ByteBuffer?, any Error>?, CheckedContinuation<Void, Never>?, Task<Void, Never>?) in
                guard state.end == nil else { return (nil, nil, nil) }
                state.end = .failure(error)
                state.queue.removeAll()
                defer {
                    state.reader = nil
                    state.pump = nil
                    state.waitingSince = nil
                }
                return (state.reader, state.pump, state.task)
            }
            task?.cancel()
            pump?.resume()
            reader?.resume(throwing: error)
        }

        /// One timer per body, armed when the reader starts waiting and none is armed; when it fires it
        /// ends the body if the reader has waited `idleTimeout`, or looks again when the current wait would
        /// reach it (so a busy body re-arms about once per timeout, not once per chunk).
        private func armTimer(at deadline: NIODeadline) {
            eventLoop.scheduleTask(deadline: deadline) { [weak self] in self?.timerFired() }
        }

        private func timerFired() {
            enum Action {
                case timeout
                case rearm(NIODeadline)
                case none
            }
            let limit = TimeAmount(idleTimeout)
            let action: Action = state.withLock { state in
                guard state.end == nil, let since = state.waitingSince else {
                    state.timerArmed = false
                    return .none
                }
                return since + limit <= .now() ? .timeout : .rearm(since + limit)
            }
            switch action {
            case .timeout:
                fail(
                    OpenAIError(
                        kind: .timeout,
                        message: "The upstream sent nothing for \(Self.describe(idleTimeout)) while the gateway waited for the rest of the response"
                    )
                )
            case .rearm(let deadline):
                armTimer(at: deadline)
            case .none:
                break
            }
        }

        static func describe(_ duration: Duration) -> String {
            let milliseconds = Int(duration.seconds * 1000)
            return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
        }
    }
}
