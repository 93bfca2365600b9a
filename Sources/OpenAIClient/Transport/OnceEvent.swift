import NIOCore
import Synchronization

/// Something that happens once (a streamed body was sent whole, a client went away), and tasks that
/// wait for it: `wait()` returns at once when it already happened, and when the waiting task is cancelled.
public final class OnceEvent: Sendable {
    private struct State {
        var happened = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether it has happened.
    public var happened: Bool { state.withLock { $0.happened } }

    /// It happened: every waiter returns, and later waits return at once.
    public func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.happened = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once it has happened, or when the calling task is cancelled.
    public func wait() async {
        let id = state.withLock { state -> Int? in
            guard !state.happened else { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.happened || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
