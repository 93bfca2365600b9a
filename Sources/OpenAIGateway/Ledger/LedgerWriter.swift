import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// Writes usage ledger rows to the store off the request path, in batches; spills to a file what the
/// store cannot take, and replays it when the store answers again.
///
/// - ``append(_:)`` never blocks and never throws: it adds the row to a bounded in-memory queue
///   (`LEDGER_QUEUE_ROWS`, counting the rows being written), or, when that is full, hands it to the
///   spill file.
/// - ``run()`` takes a batch when `LEDGER_BATCH_ROWS` rows are queued or every `LEDGER_FLUSH_MS`, and
///   writes it as one multi-row `INSERT … ON CONFLICT (id) DO NOTHING` in a transaction.
/// - A batch the store refuses, or does not take within ``Settings/writeTimeout``, goes to the spill
///   file (`DATA_DIR/ledger-spill.jsonl`, see ``LedgerSpillFile``); until the store answers again (tried
///   every ``Settings/retryInterval``) every batch is spilled. Once it answers, and on start, the spill
///   file is replayed (idempotent: a row already in the store is skipped) and removed.
/// - A separate task appends to the spill file, on NIO's thread pool, so a stuck store never holds up
///   spilling.
/// - On graceful shutdown (or cancellation) it writes the queue to the store within
///   ``Settings/drainTimeout``, spills what it cannot, and replays the spill file when the store is healthy.
///
/// Run it as a service listed after the `StoreService`, so it shuts down (drains) before the store closes.
public final class LedgerWriter: Service, LedgerStatsSource {
    public struct Settings: Sendable {
        /// Rows held in memory at most (queued and being written); more spill.
        public var queueRows: Int
        /// Rows per `INSERT`.
        public var batchRows: Int
        /// A partial batch is written after this.
        public var flushInterval: Duration
        /// A batch the store has not taken within this is spilled (a slow store counts as failed).
        public var writeTimeout: Duration
        /// How often a store that failed is tried again.
        public var retryInterval: Duration
        /// How long graceful shutdown spends writing the queue to the store before spilling the rest.
        public var drainTimeout: Duration

        public init(
            queueRows: Int = 50_000,
            batchRows: Int = 500,
            flushInterval: Duration = .milliseconds(200),
            writeTimeout: Duration = .seconds(5),
            retryInterval: Duration = .seconds(1),
            drainTimeout: Duration = .seconds(10)
        ) {
            self.queueRows = max(1, queueRows)
            self.batchRows = min(max(1, batchRows), LedgerInsert.maximumRows)
            self.flushInterval = flushInterval
            self.writeTimeout = writeTimeout
            self.retryInterval = retryInterval
            self.drainTimeout = drainTimeout
        }

        /// The settings of a configuration (`LEDGER_QUEUE_ROWS`, `LEDGER_BATCH_ROWS`, `LEDGER_FLUSH_MS`).
        public init(_ configuration: GatewayConfiguration) {
            self.init(
                queueRows: configuration.ledgerQueueRows,
                batchRows: configuration.ledgerBatchRows,
                flushInterval: configuration.ledgerFlushInterval
            )
        }
    }

    private struct State {
        var queue: [LedgerRow] = []
        /// Rows the writer took from `queue` and has not written or spilled yet.
        var inFlight = 0
        /// Rows waiting for the spill task.
        var spillQueue: [LedgerRow] = []
        var accepting = true
        var shutdownDeadline: ContinuousClock.Instant?
        /// The writer loop has ended: new rows go straight to the spill task.
        var writerDone = false
        /// The spill task should end once `spillQueue` is empty.
        var spillStopping = false
        var spillDone = false
        /// Rows were appended to the spill file since the last replay claimed it.
        var spillDirty = false
        var writerWaiter: CheckedContinuation<Void, Never>?
        var spillWaiter: CheckedContinuation<Void, Never>?
        var stats = LedgerStats()
        var lost = 0
    }

    public let store: any SQLStore
    public let settings: Settings
    let spillFile: LedgerSpillFile
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let insert: LedgerInsert
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - store: where rows go (its `ledger` table).
    ///   - dataDirectory: where the spill file lives (`DATA_DIR`).
    ///   - logger: for store failures, spills and replays (never the rows).
    public init(
        store: any SQLStore,
        dataDirectory: String,
        settings: Settings = Settings(),
        logger: Logger,
        threadPool: NIOThreadPool = .singleton
    ) {
        self.store = store
        self.settings = settings
        self.spillFile = LedgerSpillFile(directory: dataDirectory)
        self.logger = logger
        self.threadPool = threadPool
        self.insert = LedgerInsert(batchRows: settings.batchRows)
    }

    public var stats: LedgerStats {
        state.withLockedValue { state in
            var stats = state.stats
            stats.queued = state.queue.count + state.inFlight
            return stats
        }
    }

    /// The spill file's path (`DATA_DIR/ledger-spill.jsonl`).
    public var spillPath: String { spillFile.path }

    /// Queues `row`. Returns at once; safe from any task or thread.
    public func append(_ row: LedgerRow) {
        let (writer, spiller, lost) = state.withLockedValue {
            state -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?, Int) in
            if !state.writerDone, state.queue.count + state.inFlight < settings.queueRows {
                state.queue.append(row)
                guard state.queue.count >= settings.batchRows || !state.accepting else { return (nil, nil, 0) }
                defer { state.writerWaiter = nil }
                return (state.writerWaiter, nil, 0)
            }
            guard !state.spillDone else {
                state.lost += 1
                return (nil, nil, state.lost)
            }
            state.spillQueue.append(row)
            defer { state.spillWaiter = nil }
            return (nil, state.spillWaiter, 0)
        }
        writer?.resume()
        spiller?.resume()
        if lost == 1 { logger.error("usage ledger: a row arrived after the ledger writer stopped and was not written") }
    }

    /// Stops the intake's waiting: ``run()`` drains the queue (within ``Settings/drainTimeout``) and returns.
    public func finish() {
        let (writer, spiller) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?) in
            if state.accepting {
                state.accepting = false
                state.shutdownDeadline = .now + settings.drainTimeout
            }
            defer {
                state.writerWaiter = nil
                state.spillWaiter = nil
            }
            return (state.writerWaiter, state.spillWaiter)
        }
        writer?.resume()
        spiller?.resume()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                let healthy = await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.spillLoop() }
                    let healthy = await self.writerLoop()
                    let spiller = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                        state.spillStopping = true
                        defer { state.spillWaiter = nil }
                        return state.spillWaiter
                    }
                    spiller?.resume()
                    await group.waitForAll()
                    return healthy
                }
                // Rows spilled while draining: into the store now if it is healthy, else on the next start.
                if healthy, state.withLockedValue({ $0.spillDirty }), await replay() {
                    logger.debug("usage ledger: spill file replayed on shutdown")
                }
            } onCancel: {
                self.finish()
            }
        } onGracefulShutdown: {
            self.finish()
        }
        let lost = state.withLockedValue { $0.lost }
        if lost > 0 { logger.error("usage ledger: \(lost) rows arrived after the writer stopped and were not written") }
    }

    // MARK: - Writing to the store

    /// Whether the store takes writes, as far as the writer knows.
    private enum Health {
        case healthy
        /// Failed; every batch is spilled until `retryAt`, when the store is tried again.
        case failing(retryAt: ContinuousClock.Instant)
    }

    /// Writes batches until the writer stops accepting and the queue is empty; whether the store was
    /// healthy at the end.
    private func writerLoop() async -> Bool {
        var health = Health.healthy
        if await spillHasRows(), !(await replay()) {
            health = .failing(retryAt: .now + settings.retryInterval)
            logger.warning("usage ledger: the store did not take the spill file on start; it is replayed once the store answers")
        }
        while let rows = await takeRows() {
            var start = rows.startIndex
            while start < rows.endIndex {
                let end = min(start + settings.batchRows, rows.endIndex)
                let batch = rows[start..<end]
                if case .healthy = health, !pastShutdownDeadline() {
                    do {
                        try await write(batch)
                        state.withLockedValue { $0.stats.written += batch.count }
                    } catch {
                        state.withLockedValue { $0.stats.failedBatches += 1 }
                        health = .failing(retryAt: .now + settings.retryInterval)
                        logger.warning(
                            "usage ledger: the store failed; rows go to the spill file until it answers",
                            metadata: ["store": "\(store.location)", "reason": "\(error)", "spill_file": "\(spillFile.path)"]
                        )
                        spill(batch)
                    }
                } else {
                    spill(batch)
                }
                state.withLockedValue { $0.inFlight -= batch.count }
                start = end
            }
            switch health {
            case .healthy:
                // Not while shutting down: the drain writes the queue first; the spill is replayed after it.
                if state.withLockedValue({ $0.spillDirty && $0.accepting }), !(await replay()) {
                    health = .failing(retryAt: .now + settings.retryInterval)
                }
            case .failing(let retryAt):
                guard ContinuousClock.now >= retryAt, !pastShutdownDeadline() else { break }
                if await probe(), await replay() {
                    health = .healthy
                    logger.notice("usage ledger: the store answers again; spilled rows replayed", metadata: ["store": "\(store.location)"])
                } else {
                    health = .failing(retryAt: .now + settings.retryInterval)
                }
            }
        }
        if case .healthy = health { return true }
        return false
    }

    /// Every queued row (at least a batch, or whatever is there after the flush interval; empty when
    /// nothing came), or nil once the writer stopped accepting and the queue is empty.
    private func takeRows() async -> [LedgerRow]? {
        enum Step {
            case rows([LedgerRow])
            case wait
            case end
        }
        var waited = false
        while true {
            let step = state.withLockedValue { state -> Step in
                if state.queue.count >= settings.batchRows || (!state.queue.isEmpty && (waited || !state.accepting)) {
                    var rows: [LedgerRow] = []
                    swap(&rows, &state.queue)
                    state.inFlight += rows.count
                    return .rows(rows)
                }
                if !state.accepting {
                    state.writerDone = true
                    return .end
                }
                return waited ? .rows([]) : .wait
            }
            switch step {
            case .rows(let rows): return rows
            case .end: return nil
            case .wait:
                await waitForRows()
                waited = true
            }
        }
    }

    /// Returns when a batch is queued, the writer stops accepting, or the flush interval has passed.
    private func waitForRows() async {
        let timer = Task { [state, settings] in
            try? await Task.sleep(for: settings.flushInterval)
            guard !Task.isCancelled else { return }
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                defer { state.writerWaiter = nil }
                return state.writerWaiter
            }
            waiter?.resume()
        }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let ready = state.withLockedValue { state -> Bool in
                if state.queue.count >= settings.batchRows || !state.accepting { return true }
                state.writerWaiter = waiter
                return false
            }
            if ready { waiter.resume() }
        }
        timer.cancel()
    }

    private func pastShutdownDeadline() -> Bool {
        state.withLockedValue { $0.shutdownDeadline.map { ContinuousClock.now >= $0 } ?? false }
    }

    /// One batch into the store, or a throw when the store fails or does not answer within the write timeout.
    private func write(_ batch: ArraySlice<LedgerRow>) async throws {
        let insert = self.insert
        let store = self.store
        try await LedgerWriter.withTimeout(settings.writeTimeout) {
            try await insert.run(batch, on: store)
        }
    }

    /// Whether the store answers a trivial query within the retry interval (rows wait in memory meanwhile).
    private func probe() async -> Bool {
        let store = self.store
        let timeout = min(settings.writeTimeout, settings.retryInterval)
        return (try? await LedgerWriter.withTimeout(timeout) { try await store.query("SELECT 1 AS ok") }) != nil
    }

    /// Runs `operation`, or throws ``LedgerTimeout`` after `timeout` without waiting for it (an operation
    /// that ignores cancellation, such as a connection attempt, may finish later; the ledger's inserts are
    /// idempotent, so a batch both written late and spilled is stored once).
    static func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let pending = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
        let work = Task { try await operation() }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            pending.withLockedValue { $0 = continuation }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                guard
                    let waiting = pending.withLockedValue({ slot in
                        defer { slot = nil }
                        return slot
                    })
                else { return }
                work.cancel()
                waiting.resume(throwing: LedgerTimeout(timeout: timeout))
            }
            Task {
                let result = await work.result
                timer.cancel()
                pending.withLockedValue { slot in
                    defer { slot = nil }
                    return slot
                }?.resume(with: result)
            }
        }
    }

    // MARK: - The spill file

    /// Hands rows to the spill task.
    private func spill(_ rows: ArraySlice<LedgerRow>) {
        let spiller = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.spillQueue.append(contentsOf: rows)
            defer { state.spillWaiter = nil }
            return state.spillWaiter
        }
        spiller?.resume()
    }

    /// Appends what is handed to it to the spill file, until the writer has stopped and nothing is left.
    private func spillLoop() async {
        var reportedFailure = false
        while let rows = await takeSpill() {
            let file = spillFile
            let outcome = await threadPool.runEvenIfCancelled { () -> String? in
                do {
                    try file.append(LedgerSpillFile.lines(for: rows))
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            let failure: String? =
                switch outcome {
                case .none: "the I/O thread pool is not running"
                case .some(let failure): failure
                }
            if let failure {
                let stopping = state.withLockedValue { state -> Bool in
                    guard !state.spillStopping else {
                        state.lost += rows.count
                        return true
                    }
                    state.spillQueue.insert(contentsOf: rows, at: 0)
                    return false
                }
                if stopping {
                    logger.error("usage ledger: \(rows.count) rows could not be spilled on shutdown and are lost", metadata: ["reason": "\(failure)"])
                } else {
                    if !reportedFailure {
                        logger.error("usage ledger: cannot write the spill file; rows wait in memory", metadata: ["reason": "\(failure)"])
                    }
                    reportedFailure = true
                    try? await Task.sleep(for: settings.retryInterval)
                }
            } else {
                reportedFailure = false
                state.withLockedValue { state in
                    state.stats.spilled += rows.count
                    state.spillDirty = true
                }
            }
        }
    }

    /// Every row waiting for the spill file (waiting until there is one), or nil once stopping with none left.
    private func takeSpill() async -> [LedgerRow]? {
        while true {
            let rows = state.withLockedValue { state -> [LedgerRow]? in
                if !state.spillQueue.isEmpty {
                    var rows: [LedgerRow] = []
                    swap(&rows, &state.spillQueue)
                    return rows
                }
                if state.spillStopping {
                    state.spillDone = true
                    return nil
                }
                return []
            }
            guard let rows else { return nil }
            if !rows.isEmpty { return rows }
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let ready = state.withLockedValue { state -> Bool in
                    if !state.spillQueue.isEmpty || state.spillStopping { return true }
                    state.spillWaiter = waiter
                    return false
                }
                if ready { waiter.resume() }
            }
        }
    }

    private func spillHasRows() async -> Bool {
        let file = spillFile
        return await threadPool.runEvenIfCancelled { file.hasRows } ?? false
    }

    /// Writes the spill file's rows to the store and removes the file; again while more was spilled
    /// meanwhile. False when the store failed or the shutdown deadline passed (the file stays, to be
    /// replayed later).
    private func replay() async -> Bool {
        let file = spillFile
        let pageBytes = 4 << 20
        while true {
            state.withLockedValue { $0.spillDirty = false }
            let claim = await threadPool.runEvenIfCancelled { Result { try file.claimForReplay() } }
            guard case .success(let claimed)? = claim else {
                logger.error("usage ledger: cannot open the spill file for replay", metadata: ["file": "\(file.path)"])
                return false
            }
            guard claimed else { return true }
            var offset: UInt64 = 0
            var carry: [UInt8] = []
            var replayed = 0
            var unreadable = 0
            while true {
                let page = await threadPool.runEvenIfCancelled { [offset] in Result { try file.read(from: offset, limit: pageBytes) } }
                guard case .success(let bytes)? = page else {
                    logger.error("usage ledger: cannot read the spill file", metadata: ["file": "\(file.replayingPath)"])
                    return false
                }
                offset += UInt64(bytes.count)
                carry += bytes
                // At the end, a last line without its newline (a crash mid-append) is read as it is.
                let end = bytes.isEmpty ? carry.endIndex : (carry.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? carry.startIndex)
                let (rows, bad) = Self.decodeLines(carry[..<end])
                carry.removeSubrange(..<end)
                unreadable += bad
                var start = rows.startIndex
                while start < rows.endIndex {
                    let batchEnd = min(start + settings.batchRows, rows.endIndex)
                    if pastShutdownDeadline() {
                        logger.warning("usage ledger: shutdown deadline reached; the rest of the spill file is replayed on the next start")
                        return false
                    }
                    do {
                        try await write(rows[start..<batchEnd])
                    } catch {
                        logger.warning("usage ledger: replay stopped, the store failed; the spill file stays", metadata: ["reason": "\(error)"])
                        return false
                    }
                    replayed += batchEnd - start
                    start = batchEnd
                }
                if bytes.isEmpty { break }
            }
            guard case .success? = await threadPool.runEvenIfCancelled({ Result { try file.finishReplay() } }) else {
                logger.error("usage ledger: replayed the spill file but cannot remove it", metadata: ["file": "\(file.replayingPath)"])
                return false
            }
            state.withLockedValue { $0.stats.replayed += replayed }
            if unreadable > 0 {
                logger.error("usage ledger: \(unreadable) unreadable lines in the spill file were skipped (a write cut short)")
            }
            logger.info("usage ledger: replayed \(replayed) spilled rows into the store")
        }
    }

    static func decodeLines(_ bytes: ArraySlice<UInt8>) -> (rows: [LedgerRow], unreadable: Int) {
        let decoder = JSONDecoder()
        var rows: [LedgerRow] = []
        var unreadable = 0
        for line in bytes.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == UInt8(ascii: " ") }) {
            if let row = try? decoder.decode(LedgerRow.self, from: Data(line)) {
                rows.append(row)
            } else {
                unreadable += 1
            }
        }
        return (rows, unreadable)
    }
}

/// The store did not answer within the ledger's write timeout.
struct LedgerTimeout: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "the store did not answer within \(timeout)" }
}

/// The ledger's one write: a multi-row `INSERT … ON CONFLICT (id) DO NOTHING` in a transaction.
struct LedgerInsert: Sendable {
    /// Rows per statement at most: SQLite binds at most 32 766 values, 32 per row.
    static let maximumRows = 1_000

    /// The statement for a full batch, built once.
    private let fullBatch: (rows: Int, sql: String)

    init(batchRows: Int) {
        fullBatch = (batchRows, Self.sql(rows: batchRows))
    }

    static func sql(rows: Int) -> String {
        let columns = LedgerRow.columns
        var sql = "INSERT INTO ledger (\(columns.joined(separator: ", "))) VALUES "
        sql.reserveCapacity(sql.utf8.count + rows * columns.count * 7)
        var placeholder = 0
        for row in 0..<rows {
            sql += row == 0 ? "(" : ", ("
            for column in 0..<columns.count {
                placeholder += 1
                sql += column == 0 ? "$\(placeholder)" : ", $\(placeholder)"
            }
            sql += ")"
        }
        return sql + " ON CONFLICT (id) DO NOTHING"
    }

    func run(_ rows: ArraySlice<LedgerRow>, on store: any SQLStore) async throws {
        guard !rows.isEmpty else { return }
        let sql = rows.count == fullBatch.rows ? fullBatch.sql : Self.sql(rows: rows.count)
        var binds: [SQLValue] = []
        binds.reserveCapacity(rows.count * LedgerRow.columns.count)
        for row in rows { binds += row.values }
        _ = try await store.transaction { [binds] tx in
            try await tx.query(sql, binds)
        }
    }
}
