import NIOConcurrencyHelpers

/// The upstream connections short calls may use at once, with a bounded wait for one.
///
/// JSON calls (`OpenAITransport.send` with a replayable body) take a slot for each attempt; streams and
/// streamed uploads use the transport's other `HTTPClient`, so however many of them are open they cannot
/// take these connections away. A call that waits longer than `wait` for a slot fails at once with
/// ``OpenAIError/Kind/busy`` instead of queueing until its deadline.
public final class UpstreamSlots: Sendable {
    public let limit: Int
    public let wait: Duration

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var inUse = 0
        var waiters: [Waiter] = []
        var nextID = 0
        /// Calls refused because no slot freed up in time.
        var refused = 0
    }

    private let state = NIOLockedValueBox(State())

    public init(limit: Int, wait: Duration) {
        self.limit = max(1, limit)
        self.wait = wait
    }

    /// What the pool is doing now (for `/health`).
    public struct Snapshot: Sendable, Hashable {
        public var inUse: Int
        public var waiting: Int
        public var limit: Int
        public var refused: Int
        /// Every slot is taken and calls are waiting.
        public var saturated: Bool { inUse >= limit && waiting > 0 }
    }

    public var snapshot: Snapshot {
        state.withLockedValue { Snapshot(inUse: $0.inUse, waiting: $0.waiters.count, limit: limit, refused: $0.refused) }
    }

    /// Takes a slot, waiting at most `wait`. Returns false when none freed up in time.
    public func acquire() async -> Bool {
        let immediate = state.withLockedValue { state -> Int? in
            if state.inUse < limit, state.waiters.isEmpty {
                state.inUse += 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id = immediate else { return true }
        let wait = self.wait
        let timer = Task { [weak self] in
            try? await Task.sleep(for: wait)
            self?.expire(id)
        }
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let resumeNow = state.withLockedValue { state -> Bool in
                // A slot may have freed up between the two locks.
                if state.inUse < limit, state.waiters.isEmpty {
                    state.inUse += 1
                    return true
                }
                state.waiters.append(Waiter(id: id, continuation: continuation))
                return false
            }
            if resumeNow { continuation.resume(returning: true) }
        }
        timer.cancel()
        return granted
    }

    /// Gives a slot back: the longest waiter gets it.
    public func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.inUse = max(0, state.inUse - 1)
            return nil
        }
        next?.resume(returning: true)
    }

    private func expire(_ id: Int) {
        let expired = state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            state.refused += 1
            return state.waiters.remove(at: index).continuation
        }
        expired?.resume(returning: false)
    }
}
