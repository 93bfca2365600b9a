import NIOPosix

extension NIOThreadPool {
    /// Runs `body` on this pool and returns its result; nil when the pool is not running.
    ///
    /// Deliberately not `runIfActive`: that one skips the work when the calling task is cancelled, and the
    /// writers (interaction log, ledger spill file) must still write what they accepted after their `run()`
    /// is cancelled.
    func runEvenIfCancelled<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            submit { workState in
                guard case .active = workState else {
                    continuation.resume(returning: nil)
                    return
                }
                continuation.resume(returning: body())
            }
        }
    }
}
