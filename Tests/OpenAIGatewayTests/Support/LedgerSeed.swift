import Foundation

@testable import OpenAIGateway

/// Ledger rows for the usage tests, inserted with plain INSERTs (the ledger writer is not needed to read
/// the ledger), and the sums the usage API must report for them, computed here from the rows.
struct LedgerSeed: Sendable {
    struct Row: Sendable {
        var id: String
        var ts: Int64
        var keyID: String?
        var keyName: String?
        var method: String
        var route: String?
        var model: String?
        var status: Int?
        var outcome: String
        var latencyMs: Double
        var input: Int?
        var cached: Int?
        var output: Int?
        var total: Int?
        var usageRole: String?
        var cost: Double?
        var errorCode: String?
    }

    var rows: [Row]

    init(madeAt: Int64, rows: [Row]) {
        self.madeAt = madeAt
        self.rows = rows
    }

    /// Start of the UTC day `daysAgo` days before today, in milliseconds.
    static func day(_ daysAgo: Int) -> Int64 {
        let today = StoreTime.milliseconds() / 86_400_000 * 86_400_000
        return today - Int64(daysAgo) * 86_400_000
    }

    /// When the rows were made: every row is at or before it, so a window ending now holds them all.
    let madeAt: Int64

    /// `count` rows spread over the last `days` days, none in the future (and one 40 days ago, outside the default window), with
    /// several keys (one without a key, one whose name needs CSV quoting), models (one null), routes (one
    /// unmatched), errors, reference usage, missing tokens and costs. Deterministic for a given `seed`.
    static func make(count: Int = 48, days: Int = 5, seed: UInt64 = 7) -> LedgerSeed {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let keys: [(String?, String?)] = [
            ("key_alpha", "alpha team"), ("key_beta", "=beta, \"ops\""), (nil, nil), ("key_gamma", "gamma"),
        ]
        let models: [String?] = ["gpt-5", "gpt-4o-mini", "gpt-image-1", nil]
        let routes: [(String, String?)] = [
            ("POST", "/api/responses/text"), ("POST", "/api/responses/text/stream"), ("GET", "/api/files/{id}"), ("POST", "/v1/chat/completions"),
            ("GET", nil),
        ]
        let statuses = [200, 200, 200, 201, 400, 429, 500, 502]
        let now = StoreTime.milliseconds()
        var rows: [Row] = []
        for index in 0..<count {
            let key = keys[next(keys.count)]
            let (method, route) = routes[next(routes.count)]
            let status = statuses[next(statuses.count)]
            let input = next(4) == 0 ? nil : 10 + next(2000)
            let output = input == nil ? nil : next(900)
            let role = next(6) == 0 ? "reference" : "billed"
            let daysAgo = Int64(index == 0 ? 40 : next(days))
            rows.append(
                Row(
                    id: "gw_seed\(index)#0",
                    ts: now - daysAgo * 86_400_000 - Int64(next(20_000_000)),
                    keyID: key.0,
                    keyName: key.1,
                    method: method,
                    route: route,
                    model: models[next(models.count)],
                    status: route == nil ? 404 : status,
                    outcome: status >= 400 ? "failed" : "completed",
                    latencyMs: Double(next(5_000_000)) / 1000 + 0.125,
                    input: input,
                    cached: input.map { $0 / 4 },
                    output: output,
                    total: next(3) == 0 ? nil : input.map { $0 + (output ?? 0) },
                    usageRole: input == nil ? nil : role,
                    cost: status >= 400 || role == "reference" || input == nil ? nil : Double(next(1_000_000)) / 1e7,
                    errorCode: status >= 400 ? "seed_error_\(status)" : nil
                )
            )
        }
        return LedgerSeed(madeAt: now, rows: rows)
    }

    /// Inserts every row into `store`'s ledger.
    func insert(into store: any SQLStore) async throws {
        for row in rows {
            try await store.query(
                """
                INSERT INTO ledger (id, ts, request_id, key_id, key_name, method, route, path, api, endpoint, model, status, outcome,
                    attempts, latency_ms, bytes_out, input_tokens, cached_tokens, output_tokens, total_tokens, usage_role,
                    usage_estimated, cost_usd, cost_estimated, error_code)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
                """,
                [
                    .text(row.id), .integer(row.ts), .text(String(row.id.prefix { $0 != "#" })), SQLValue(row.keyID), SQLValue(row.keyName),
                    .text(row.method), SQLValue(row.route), .text(row.route ?? "/nowhere"), .text("responses"),
                    SQLValue(row.route.map { _ in "POST /v1/responses" }), SQLValue(row.model), SQLValue(row.status), .text(row.outcome),
                    .integer(1), .double(row.latencyMs), .integer(0), SQLValue(row.input), SQLValue(row.cached), SQLValue(row.output),
                    SQLValue(row.total), SQLValue(row.usageRole), .integer(0), SQLValue(row.cost), .integer(0), SQLValue(row.errorCode),
                ]
            )
        }
    }

    // MARK: - What the usage API must answer

    /// The rows with `from <= ts < to`.
    func rows(from: Int64, to: Int64) -> [Row] { rows.filter { $0.ts >= from && $0.ts < to } }

    /// The group of a row, as the usage API names it.
    static func group(_ row: Row, by grouping: String) -> String {
        switch grouping {
        case "key": row.keyID ?? "none"
        case "model": row.model ?? "none"
        case "route": row.route ?? "unmatched"
        default: InteractionLogEntry.day(StoreTime.date(row.ts))
        }
    }

    /// The sums the usage API must report for `rows`, computed here.
    static func sums(_ rows: [Row]) -> UsageTotals {
        var sums = UsageTotals()
        for row in rows {
            sums.requests += 1
            if (row.status ?? 0) >= 400 { sums.errors += 1 }
            if row.usageRole != "reference" {
                sums.inputTokens += row.input ?? 0
                sums.outputTokens += row.output ?? 0
                sums.cachedTokens += row.cached ?? 0
                sums.totalTokens += row.total ?? ((row.input ?? 0) + (row.output ?? 0))
            }
            sums.costUSD += row.cost ?? 0
        }
        let latencies = rows.map(\.latencyMs).sorted()
        if !latencies.isEmpty {
            sums.averageLatencyMs = latencies.reduce(0, +) / Double(latencies.count)
            // Nearest rank: the ⌈0.95·n⌉-th smallest (⌈95n/100⌉ in integers, free of 0.95's rounding).
            sums.p95LatencyMs = latencies[(95 * latencies.count + 99) / 100 - 1]
        }
        return sums
    }
}
