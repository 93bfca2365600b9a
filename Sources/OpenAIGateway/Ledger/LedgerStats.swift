/// What the usage ledger's writer has done so far, read when `/metrics` is scraped.
public struct LedgerStats: Sendable, Hashable {
    /// Rows waiting in memory for the next batch.
    public var queued: Int
    /// Rows written to the store.
    public var written: Int
    /// Rows appended to the spill file because the store was down or slow (or the queue was full).
    public var spilled: Int
    /// Spilled rows written to the store later.
    public var replayed: Int
    /// Batches the store refused (each then spilled).
    public var failedBatches: Int

    public init(queued: Int = 0, written: Int = 0, spilled: Int = 0, replayed: Int = 0, failedBatches: Int = 0) {
        self.queued = queued
        self.written = written
        self.spilled = spilled
        self.replayed = replayed
        self.failedBatches = failedBatches
    }
}

/// The ledger writer, as the metrics see it.
public protocol LedgerStatsSource: Sendable {
    var stats: LedgerStats { get }
}
