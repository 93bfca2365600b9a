import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// One request asking to be admitted under its key's limits.
struct QuotaRequest: Sendable {
    var keyID: String
    var limits: KeyLimits
    var estimate: RequestEstimate
}

/// A limit a request ran into.
enum QuotaRefusal: Error, Sendable, Hashable {
    case requests(limit: Int)
    case tokens(limit: Int, requested: Int)
    case streams(limit: Int)
    /// Micro-USD: the budget, what is settled and what requests in progress hold.
    case budget(limitMicros: Int64, spentMicros: Int64, reservedMicros: Int64, requestedMicros: Int64, period: BudgetPeriod, resetsAt: Int64)
}

/// The state of a key's per-minute limits after an admission (for the `x-ratelimit-*` headers).
struct QuotaStatus: Sendable, Hashable {
    struct Window: Sendable, Hashable {
        var limit: Int
        var remaining: Int
        /// Milliseconds until the window resets.
        var resetMs: Int64
    }

    var requests: Window?
    var tokens: Window?
}

enum QuotaDecision: Sendable {
    case admitted(QuotaTicket, QuotaStatus)
    case refused(QuotaRefusal, QuotaStatus)
}

/// Where the limit and budget counters live: in this process (one gateway, SQLite) or in the shared store
/// (PostgreSQL, several replicas enforcing one key's limits together).
///
/// Admission counts the request and its estimated tokens in the current one-minute window, takes a stream
/// slot when it streams, and reserves its worst-case cost against the budget; settlement replaces the
/// estimate and the reservation with what the call really used, when its call record is finished.
protocol QuotaBackend: Sendable {
    func admit(_ request: QuotaRequest, now: Int64) async throws -> QuotaDecision
    /// Returns at once (the shared backend queues the write).
    func settle(_ ticket: QuotaTicket, actualTokens: Int?, actualMicros: Int64, now: Int64)
}

enum QuotaWindow {
    static let length: Int64 = 60_000
    static func start(_ now: Int64) -> Int64 { now - now % length }
}

extension KeyLimits {
    var budgetMicros: Int64? { budgetUSD.map { Int64(($0 * 1_000_000).rounded()) } }
    /// Whether admission needs the budget or the stream slots (the parts that are not per-minute counters).
    func needsLeases(stream: Bool) -> Bool { budgetUSD != nil || (stream && concurrentStreams != nil) }
}

// MARK: - In this process

/// The counters of one gateway process (the default, with SQLite): a lock and a dictionary, no I/O on the
/// request path except once per key and budget period, when the period's spend so far is read from the ledger.
final class LocalQuota: QuotaBackend {
    private struct KeyState {
        var windowStart: Int64 = 0
        var requests = 0
        var tokens = 0
        var streams = 0
        var periodStart: Int64?
        var spent: Int64 = 0
        var reserved: Int64 = 0
    }

    private let state = NIOLockedValueBox<[String: KeyState]>([:])
    private let store: any SQLStore

    init(store: any SQLStore) {
        self.store = store
    }

    func admit(_ request: QuotaRequest, now: Int64) async throws -> QuotaDecision {
        let limits = request.limits
        let period = limits.budgetPeriod.start(containing: StoreTime.date(now))
        if limits.budgetUSD != nil, state.withLockedValue({ $0[request.keyID]?.periodStart }) != period {
            // The period's spend so far, from the ledger (restarts keep the budget).
            let rows = try await store.query(
                "SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM ledger WHERE key_id = $1 AND ts >= $2",
                [.text(request.keyID), .integer(period)]
            )
            let spent = Int64(((rows.first?["spent"].double ?? 0) * 1_000_000).rounded())
            state.withLockedValue { state in
                var key = state[request.keyID] ?? KeyState()
                if key.periodStart != period {
                    key.periodStart = period
                    key.spent = spent
                    key.reserved = 0
                }
                state[request.keyID] = key
            }
        }
        let window = QuotaWindow.start(now)
        let estimate = request.estimate
        return state.withLockedValue { state -> QuotaDecision in
            var key = state[request.keyID] ?? KeyState()
            if key.windowStart != window {
                key.windowStart = window
                key.requests = 0
                key.tokens = 0
            }
            func status(requests: Int, tokens: Int) -> QuotaStatus {
                let reset = window + QuotaWindow.length - now
                return QuotaStatus(
                    requests: limits.requestsPerMinute.map { .init(limit: $0, remaining: max(0, $0 - requests), resetMs: reset) },
                    tokens: limits.tokensPerMinute.map { .init(limit: $0, remaining: max(0, $0 - tokens), resetMs: reset) }
                )
            }
            if let rpm = limits.requestsPerMinute, key.requests + 1 > rpm {
                state[request.keyID] = key
                return .refused(.requests(limit: rpm), status(requests: key.requests, tokens: key.tokens))
            }
            if let tpm = limits.tokensPerMinute, key.tokens + estimate.tokens > tpm {
                state[request.keyID] = key
                return .refused(.tokens(limit: tpm, requested: estimate.tokens), status(requests: key.requests, tokens: key.tokens))
            }
            if estimate.stream, let streams = limits.concurrentStreams, key.streams + 1 > streams {
                state[request.keyID] = key
                return .refused(.streams(limit: streams), status(requests: key.requests, tokens: key.tokens))
            }
            var reserved: Int64?
            if let budget = limits.budgetMicros {
                if key.spent + key.reserved + estimate.costMicros > budget {
                    state[request.keyID] = key
                    return .refused(
                        .budget(
                            limitMicros: budget,
                            spentMicros: key.spent,
                            reservedMicros: key.reserved,
                            requestedMicros: estimate.costMicros,
                            period: limits.budgetPeriod,
                            resetsAt: limits.budgetPeriod.end(afterStart: period)
                        ),
                        status(requests: key.requests, tokens: key.tokens)
                    )
                }
                key.reserved += estimate.costMicros
                reserved = estimate.costMicros
            }
            key.requests += 1
            key.tokens += estimate.tokens
            if estimate.stream, limits.concurrentStreams != nil { key.streams += 1 }
            state[request.keyID] = key
            let ticket = QuotaTicket(
                keyID: request.keyID,
                windowStart: window,
                estimatedTokens: estimate.tokens,
                reservedMicros: reserved,
                periodStart: reserved == nil ? nil : period,
                stream: estimate.stream && limits.concurrentStreams != nil
            )
            return .admitted(ticket, status(requests: key.requests, tokens: key.tokens))
        }
    }

    func settle(_ ticket: QuotaTicket, actualTokens: Int?, actualMicros: Int64, now: Int64) {
        state.withLockedValue { state in
            guard var key = state[ticket.keyID] else { return }
            if key.windowStart == ticket.windowStart, let actualTokens {
                key.tokens = max(0, key.tokens + actualTokens - ticket.estimatedTokens)
            }
            if ticket.stream { key.streams = max(0, key.streams - 1) }
            if let reserved = ticket.reservedMicros, key.periodStart == ticket.periodStart {
                key.reserved = max(0, key.reserved - reserved)
            }
            // Spend counts in the period the call finished in, as its ledger row does.
            if key.periodStart != nil { key.spent += actualMicros }
            state[ticket.keyID] = key
        }
    }
}

// MARK: - Shared by replicas

/// The counters in the shared store (PostgreSQL with `DATABASE_URL`), so replicas enforce a key's limits
/// together: per-minute counts are one atomic upsert; stream slots and budget reservations are leases
/// taken under a per-key lock (`pg_advisory_xact_lock`), which this replica renews while it runs, so a
/// replica that dies frees what it held within ``leaseLifetime``. Settlements are written by a background
/// task (the request never waits for them); a reservation holds its budget until it is settled.
final class SharedQuota: QuotaBackend, Service {
    let store: any SQLStore
    let replica: String
    let logger: Logger
    static let leaseLifetime: Int64 = 120_000
    static let renewEvery: Duration = .seconds(30)

    private struct Settlement: Sendable {
        var ticket: QuotaTicket
        var actualTokens: Int?
        var actualMicros: Int64
        var now: Int64
    }

    private let settlements: AsyncStream<Settlement>
    private let queue: AsyncStream<Settlement>.Continuation

    init(store: any SQLStore, logger: Logger) {
        self.store = store
        self.logger = logger
        self.replica = "replica_" + KeyStore.randomToken(bytes: 9)
        (settlements, queue) = AsyncStream.makeStream(of: Settlement.self)
    }

    func admit(_ request: QuotaRequest, now: Int64) async throws -> QuotaDecision {
        let limits = request.limits
        let estimate = request.estimate
        let window = QuotaWindow.start(now)
        let reset = window + QuotaWindow.length - now
        var status = QuotaStatus()
        let counts = limits.requestsPerMinute != nil || limits.tokensPerMinute != nil
        if counts {
            let rows = try await store.query(
                """
                INSERT INTO quota_windows (key_id, window_start, requests, tokens) VALUES ($1, $2, 1, $3)
                ON CONFLICT (key_id, window_start)
                DO UPDATE SET requests = quota_windows.requests + 1, tokens = quota_windows.tokens + $3
                RETURNING requests, tokens
                """,
                [.text(request.keyID), .integer(window), .integer(Int64(estimate.tokens))]
            )
            let requests = rows.first?["requests"].int ?? 1
            let tokens = rows.first?["tokens"].int ?? estimate.tokens
            status.requests = limits.requestsPerMinute.map { .init(limit: $0, remaining: max(0, $0 - requests), resetMs: reset) }
            status.tokens = limits.tokensPerMinute.map { .init(limit: $0, remaining: max(0, $0 - tokens), resetMs: reset) }
            var refusal: QuotaRefusal?
            if let rpm = limits.requestsPerMinute, requests > rpm {
                refusal = .requests(limit: rpm)
            } else if let tpm = limits.tokensPerMinute, tokens > tpm {
                refusal = .tokens(limit: tpm, requested: estimate.tokens)
            }
            if let refusal {
                try await uncount(keyID: request.keyID, window: window, tokens: estimate.tokens)
                // Refused requests are not counted: report what the window holds without this one.
                status.requests = limits.requestsPerMinute.map { .init(limit: $0, remaining: max(0, $0 - (requests - 1)), resetMs: reset) }
                status.tokens = limits.tokensPerMinute.map { .init(limit: $0, remaining: max(0, $0 - (tokens - estimate.tokens)), resetMs: reset) }
                return .refused(refusal, status)
            }
        }
        var ticket = QuotaTicket(keyID: request.keyID, windowStart: window, estimatedTokens: counts ? estimate.tokens : 0)
        if limits.needsLeases(stream: estimate.stream) {
            let period = limits.budgetPeriod.start(containing: StoreTime.date(now))
            let replica = self.replica
            let counted = ticket
            let outcome = try await store.transaction { tx -> Result<QuotaTicket, QuotaRefusal> in
                var ticket = counted
                if tx.engine == .postgres {
                    try await tx.query("SELECT pg_advisory_xact_lock(hashtext($1)) AS locked", [.text(request.keyID)])
                }
                let expires = now + Self.leaseLifetime
                if estimate.stream, let streams = limits.concurrentStreams {
                    let open =
                        try await tx.query(
                            "SELECT COUNT(*) AS n FROM leases WHERE key_id = $1 AND kind = 'stream' AND expires_at > $2",
                            [.text(request.keyID), .integer(now)]
                        ).first?["n"].int ?? 0
                    if open >= streams { return .failure(.streams(limit: streams)) }
                    let id = "lease_" + KeyStore.randomToken(bytes: 12)
                    try await tx.query(
                        "INSERT INTO leases (id, key_id, kind, period_start, amount_micros, replica, expires_at) VALUES ($1, $2, 'stream', NULL, 0, $3, $4)",
                        [.text(id), .text(request.keyID), .text(replica), .integer(expires)]
                    )
                    ticket.leases.append(id)
                    ticket.stream = true
                }
                if let budget = limits.budgetMicros {
                    let spent =
                        try await tx.query(
                            "SELECT spent_micros FROM budget_periods WHERE key_id = $1 AND period_start = $2",
                            [.text(request.keyID), .integer(period)]
                        ).first?["spent_micros"].int64 ?? 0
                    let reserved =
                        try await tx.query(
                            """
                            SELECT COALESCE(SUM(amount_micros), 0) AS reserved FROM leases
                            WHERE key_id = $1 AND kind = 'budget' AND period_start = $2 AND expires_at > $3
                            """,
                            [.text(request.keyID), .integer(period), .integer(now)]
                        ).first?["reserved"].int64 ?? 0
                    if spent + reserved + estimate.costMicros > budget {
                        return .failure(
                            .budget(
                                limitMicros: budget,
                                spentMicros: spent,
                                reservedMicros: reserved,
                                requestedMicros: estimate.costMicros,
                                period: limits.budgetPeriod,
                                resetsAt: limits.budgetPeriod.end(afterStart: period)
                            )
                        )
                    }
                    let id = "lease_" + KeyStore.randomToken(bytes: 12)
                    try await tx.query(
                        "INSERT INTO leases (id, key_id, kind, period_start, amount_micros, replica, expires_at) VALUES ($1, $2, 'budget', $3, $4, $5, $6)",
                        [.text(id), .text(request.keyID), .integer(period), .integer(estimate.costMicros), .text(replica), .integer(expires)]
                    )
                    ticket.leases.append(id)
                    ticket.reservedMicros = estimate.costMicros
                    ticket.periodStart = period
                }
                return .success(ticket)
            }
            switch outcome {
            case .success(let leased):
                ticket = leased
            case .failure(let refusal):
                if counts { try await uncount(keyID: request.keyID, window: window, tokens: estimate.tokens) }
                return .refused(refusal, status)
            }
        }
        return .admitted(ticket, status)
    }

    private func uncount(keyID: String, window: Int64, tokens: Int) async throws {
        try await store.query(
            "UPDATE quota_windows SET requests = requests - 1, tokens = tokens - $3 WHERE key_id = $1 AND window_start = $2",
            [.text(keyID), .integer(window), .integer(Int64(tokens))]
        )
    }

    func settle(_ ticket: QuotaTicket, actualTokens: Int?, actualMicros: Int64, now: Int64) {
        queue.yield(Settlement(ticket: ticket, actualTokens: actualTokens, actualMicros: actualMicros, now: now))
    }

    /// Writes settlements as they come and renews this replica's leases; on shutdown, writes what is queued.
    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.renewEvery)
                    if Task.isCancelled { break }
                    await renew()
                }
            }
            group.addTask { [queue] in
                try? await gracefulShutdown()
                queue.finish()
            }
            // Every settlement queued before the shutdown is written before this returns (and the store closes).
            for await settlement in settlements { await write(settlement) }
            group.cancelAll()
        }
    }

    private func write(_ settlement: Settlement) async {
        let ticket = settlement.ticket
        for attempt in 1...3 {
            do {
                try await store.transaction { tx in
                    for lease in ticket.leases {
                        try await tx.query("DELETE FROM leases WHERE id = $1", [.text(lease)])
                    }
                    if let period = ticket.periodStart {
                        try await tx.query(
                            """
                            INSERT INTO budget_periods (key_id, period_start, spent_micros) VALUES ($1, $2, $3)
                            ON CONFLICT (key_id, period_start) DO UPDATE SET spent_micros = budget_periods.spent_micros + $3
                            """,
                            [.text(ticket.keyID), .integer(period), .integer(settlement.actualMicros)]
                        )
                    }
                    if let actual = settlement.actualTokens, actual != ticket.estimatedTokens, ticket.estimatedTokens > 0 {
                        try await tx.query(
                            "UPDATE quota_windows SET tokens = tokens + $3 WHERE key_id = $1 AND window_start = $2",
                            [.text(ticket.keyID), .integer(ticket.windowStart), .integer(Int64(actual - ticket.estimatedTokens))]
                        )
                    }
                }
                return
            } catch {
                logger.warning("Could not settle a request of key \(ticket.keyID) (attempt \(attempt)): \(error)")
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    private func renew() async {
        let now = StoreTime.milliseconds()
        do {
            try await store.query("UPDATE leases SET expires_at = $1 WHERE replica = $2", [.integer(now + Self.leaseLifetime), .text(replica)])
            try await store.query("DELETE FROM leases WHERE expires_at < $1", [.integer(now)])
            try await store.query("DELETE FROM quota_windows WHERE window_start < $1", [.integer(now - 3_600_000)])
        } catch {
            logger.warning("Could not renew this replica's leases: \(error)")
        }
    }
}
