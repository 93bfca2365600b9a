import Foundation

/// The one schema of the store, as an ordered list of migrations that both engines run unchanged.
/// Applied on start (``migrate(_:)``), each once, recorded in `schema_migrations`; on PostgreSQL under an
/// advisory lock, so replicas starting together do not race. Append new migrations; never edit one
/// that has shipped.
///
/// Times are milliseconds since 1970 (`BIGINT`), money in the ledger is USD (`DOUBLE PRECISION`), and the
/// budget counters are micro-USD (`BIGINT`) so that concurrent updates add exactly.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let statements: [String]
    }

    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "access keys, usage ledger, limit and budget counters",
            statements: [
                """
                CREATE TABLE access_keys (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    secret_hash TEXT NOT NULL UNIQUE,
                    secret_prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT,
                    revoked_at BIGINT,
                    rotated_at BIGINT,
                    allowed_models TEXT,
                    allowed_routes TEXT,
                    rpm BIGINT,
                    tpm BIGINT,
                    max_streams BIGINT,
                    budget_usd DOUBLE PRECISION,
                    budget_period TEXT
                )
                """,
                """
                CREATE TABLE ledger (
                    id TEXT PRIMARY KEY,
                    ts BIGINT NOT NULL,
                    request_id TEXT NOT NULL,
                    key_id TEXT,
                    key_name TEXT,
                    method TEXT NOT NULL,
                    route TEXT,
                    path TEXT,
                    api TEXT NOT NULL,
                    endpoint TEXT,
                    model TEXT,
                    status BIGINT,
                    outcome TEXT NOT NULL,
                    attempts BIGINT,
                    latency_ms DOUBLE PRECISION NOT NULL,
                    first_byte_ms DOUBLE PRECISION,
                    bytes_in BIGINT,
                    bytes_out BIGINT NOT NULL,
                    input_tokens BIGINT,
                    cached_tokens BIGINT,
                    output_tokens BIGINT,
                    reasoning_tokens BIGINT,
                    total_tokens BIGINT,
                    usage_role TEXT,
                    usage_estimated BIGINT NOT NULL,
                    units TEXT,
                    cost_usd DOUBLE PRECISION,
                    cost_estimated BIGINT NOT NULL,
                    cost_note TEXT,
                    object_id TEXT,
                    upstream_request_id TEXT,
                    error_code TEXT
                )
                """,
                "CREATE INDEX ledger_ts ON ledger (ts)",
                "CREATE INDEX ledger_key_ts ON ledger (key_id, ts)",
                // Requests and tokens per key per fixed one-minute window.
                """
                CREATE TABLE quota_windows (
                    key_id TEXT NOT NULL,
                    window_start BIGINT NOT NULL,
                    requests BIGINT NOT NULL,
                    tokens BIGINT NOT NULL,
                    PRIMARY KEY (key_id, window_start)
                )
                """,
                // Settled spend per key per budget period (a day or a month, UTC).
                """
                CREATE TABLE budget_periods (
                    key_id TEXT NOT NULL,
                    period_start BIGINT NOT NULL,
                    spent_micros BIGINT NOT NULL,
                    PRIMARY KEY (key_id, period_start)
                )
                """,
                // What requests in progress hold: a stream slot, or a budget reservation. A replica renews its
                // leases while it runs; a lease of a replica that died expires.
                """
                CREATE TABLE leases (
                    id TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    period_start BIGINT,
                    amount_micros BIGINT NOT NULL,
                    replica TEXT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX leases_key ON leases (key_id, kind)",
            ]
        )
    ]

    /// Creates `schema_migrations` and applies the migrations it does not list yet. Returns the versions applied.
    @discardableResult
    public static func migrate(_ store: any SQLStore, migrations: [Migration] = all) async throws -> [Int] {
        try await store.transaction { tx in
            if tx.engine == .postgres {
                // Held until the transaction ends: a second replica waits, then finds the work done. Taken
                // before anything else, `CREATE TABLE IF NOT EXISTS` included: two of those at once race in
                // PostgreSQL's catalogue (a duplicate-key error).
                try await tx.query("SELECT pg_advisory_xact_lock(7126300501) AS locked")
            }
            try await tx.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            )
            let done = Set(try await tx.query("SELECT version FROM schema_migrations").compactMap { $0["version"].int })
            var applied: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !done.contains(migration.version) {
                for statement in migration.statements { try await tx.query(statement) }
                try await tx.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    [.integer(Int64(migration.version)), .text(migration.name), .integer(StoreTime.milliseconds())]
                )
                applied.append(migration.version)
            }
            return applied
        }
    }
}

/// Wall-clock milliseconds since 1970, the store's time unit.
enum StoreTime {
    static func milliseconds(_ date: Date = Date()) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
