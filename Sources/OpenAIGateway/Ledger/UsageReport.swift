import Foundation
import OpenAIClient

/// How `GET /admin/usage` groups the ledger.
enum UsageGrouping: String, Sendable, CaseIterable {
    /// By access key id (`none` for calls made without one).
    case key
    /// By model (`none` for calls without one).
    case model
    /// By route template (`unmatched` for requests no route matched).
    case route
    /// By UTC day (`2026-12-01`).
    case day

    /// The SQL expression of the group, the same on SQLite and PostgreSQL (integer division of the
    /// milliseconds gives the day number).
    var expression: String {
        switch self {
        case .key: "COALESCE(key_id, 'none')"
        case .model: "COALESCE(model, 'none')"
        case .route: "COALESCE(route, 'unmatched')"
        case .day: "(ts / 86400000)"
        }
    }
}

/// The sums over a set of ledger rows.
struct UsageTotals: Sendable, Hashable {
    var requests = 0
    /// Rows with a status of 400 or more.
    var errors = 0
    var inputTokens = 0
    var outputTokens = 0
    var cachedTokens = 0
    var totalTokens = 0
    var costUSD = 0.0
    var averageLatencyMs: Double?
    /// Nearest-rank 95th percentile of `latency_ms`.
    var p95LatencyMs: Double?
}

/// One group of a usage report.
struct UsageGroup: Sendable, Hashable {
    /// The key id, model, route template or day.
    var group: String
    /// With ``UsageGrouping/key``: the key's name (the latest one seen in the window).
    var keyName: String?
    var totals: UsageTotals
}

/// What `GET /admin/usage` answers: the groups of the window and the totals over all of it.
struct UsageReport: Sendable {
    /// Milliseconds since 1970: rows with `from <= ts < to`.
    var from: Int64
    var to: Int64
    var grouping: UsageGrouping
    var groups: [UsageGroup]
    var totals: UsageTotals
}

/// The ledger's read side: usage reports and recent calls, in SQL both engines run unchanged.
///
/// Tokens of a row whose `usage_role` is `reference` (a retrieve or a poll that only reports the usage of
/// the call that generated it) are not summed, as they are not billed twice; cost is summed as stored.
enum UsageLedger {
    static func report(_ db: any SQLExecutor, from: Int64, to: Int64, groupBy grouping: UsageGrouping) async throws -> UsageReport {
        let binds: [SQLValue] = [.integer(from), .integer(to)]
        // Three scans of the window (on PostgreSQL at once; SQLite's one connection takes them in turn): the
        // overall sums are the groups' added up, only the overall percentile needs its own pass.
        async let grouped = db.query(sums(grouping.expression), binds)
        async let p95 = db.query(percentile(grouping.expression), binds)
        async let overallP95 = db.query(percentile(nil), binds)

        var percentiles: [String: Double] = [:]
        for row in try await p95 { percentiles[label(row["grp"], grouping)] = row["latency_ms"].double }
        var groups = try await grouped.map { row in
            let name = label(row["grp"], grouping)
            var totals = Self.totals(row)
            totals.p95LatencyMs = percentiles[name]
            return UsageGroup(group: name, keyName: grouping == .key ? row["key_name"].string : nil, totals: totals)
        }
        groups.sort { a, b in
            if grouping == .day { return a.group < b.group }
            if a.totals.costUSD != b.totals.costUSD { return a.totals.costUSD > b.totals.costUSD }
            if a.totals.requests != b.totals.requests { return a.totals.requests > b.totals.requests }
            return a.group < b.group
        }
        var totals = UsageTotals()
        var latencySum = 0.0
        for group in groups {
            totals.requests += group.totals.requests
            totals.errors += group.totals.errors
            totals.inputTokens += group.totals.inputTokens
            totals.outputTokens += group.totals.outputTokens
            totals.cachedTokens += group.totals.cachedTokens
            totals.totalTokens += group.totals.totalTokens
            totals.costUSD += group.totals.costUSD
            latencySum += (group.totals.averageLatencyMs ?? 0) * Double(group.totals.requests)
        }
        if totals.requests > 0 { totals.averageLatencyMs = latencySum / Double(totals.requests) }
        totals.p95LatencyMs = try await overallP95.first?["latency_ms"].double
        return UsageReport(from: from, to: to, grouping: grouping, groups: groups, totals: totals)
    }

    /// What the recent-calls list filters by.
    struct CallFilter: Sendable {
        var limit = 50
        /// Only rows with a status of 400 or more.
        var errorsOnly = false
        /// A key id; `none` means calls made without a key.
        var keyID: String?
        var route: String?
    }

    /// The columns of a recent call, in the order they are listed.
    static let callColumns = [
        "ts", "request_id", "key_id", "key_name", "method", "route", "path", "endpoint", "model", "status", "outcome", "attempts",
        "latency_ms", "first_byte_ms", "input_tokens", "cached_tokens", "output_tokens", "total_tokens", "cost_usd", "cost_estimated",
        "error_code", "object_id", "upstream_request_id",
    ]

    /// The most recent ledger rows (newest first) that pass `filter`.
    static func recentCalls(_ db: any SQLExecutor, filter: CallFilter) async throws -> [SQLRow] {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        if filter.errorsOnly { conditions.append("status >= 400") }
        if let key = filter.keyID {
            if key == "none" {
                conditions.append("key_id IS NULL")
            } else {
                binds.append(.text(key))
                conditions.append("key_id = $\(binds.count)")
            }
        }
        if let route = filter.route {
            binds.append(.text(route))
            conditions.append("route = $\(binds.count)")
        }
        binds.append(.integer(Int64(filter.limit)))
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(callColumns.joined(separator: ", ")) FROM ledger\(whereClause) ORDER BY ts DESC, id DESC LIMIT $\(binds.count)"
        return try await db.query(sql, binds)
    }

    // MARK: - SQL

    private static let window = "ts >= $1 AND ts < $2"

    /// Counts and sums per group.
    static func sums(_ group: String) -> String {
        func billed(_ tokens: String) -> String {
            "CAST(COALESCE(SUM(CASE WHEN usage_role = 'reference' THEN 0 ELSE \(tokens) END), 0) AS BIGINT)"
        }
        let columns = [
            "\(group) AS grp",
            "COUNT(*) AS requests",
            "CAST(COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) AS BIGINT) AS errors",
            billed("COALESCE(input_tokens, 0)") + " AS input_tokens",
            billed("COALESCE(output_tokens, 0)") + " AS output_tokens",
            billed("COALESCE(cached_tokens, 0)") + " AS cached_tokens",
            billed("COALESCE(total_tokens, COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0))") + " AS total_tokens",
            "COALESCE(SUM(cost_usd), 0.0) AS cost_usd",
            "AVG(latency_ms) AS avg_latency_ms",
            "MAX(key_name) AS key_name",
        ]
        return "SELECT \(columns.joined(separator: ", ")) FROM ledger WHERE \(window) GROUP BY \(group)"
    }

    /// The nearest-rank 95th percentile of the latency per group: the row whose rank is ⌈0.95·n⌉, in integer
    /// arithmetic (window functions: SQLite 3.25+, PostgreSQL).
    static func percentile(_ group: String?) -> String {
        let partition = group.map { "PARTITION BY \($0) " } ?? ""
        return """
            SELECT grp, latency_ms FROM (SELECT \(group ?? "'all'") AS grp, latency_ms, \
            ROW_NUMBER() OVER (\(partition)ORDER BY latency_ms) AS rn, COUNT(*) OVER (\(group.map { "PARTITION BY \($0)" } ?? "")) AS n \
            FROM ledger WHERE \(window)) ranked WHERE rn = (95 * n + 99) / 100
            """
    }

    private static func totals(_ row: SQLRow) -> UsageTotals {
        UsageTotals(
            requests: row["requests"].int ?? 0,
            errors: row["errors"].int ?? 0,
            inputTokens: row["input_tokens"].int ?? 0,
            outputTokens: row["output_tokens"].int ?? 0,
            cachedTokens: row["cached_tokens"].int ?? 0,
            totalTokens: row["total_tokens"].int ?? 0,
            costUSD: row["cost_usd"].double ?? 0,
            averageLatencyMs: row["avg_latency_ms"].double
        )
    }

    /// A group's name: the day number as `YYYY-MM-DD`, else the text.
    private static func label(_ value: SQLValue, _ grouping: UsageGrouping) -> String {
        if grouping == .day, let day = value.int64 { return InteractionLogEntry.day(StoreTime.date(day * 86_400_000)) }
        return value.string ?? ""
    }
}
