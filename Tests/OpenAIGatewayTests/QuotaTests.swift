import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// A key's limits over real HTTP, with the counters in this process (SQLite) and in PostgreSQL (shared by
/// replicas): requests and tokens per minute, streams at once, a budget reserved before the upstream call.
@Suite("Key limits and budgets")
struct QuotaTests {
    static func run<T: Sendable>(
        _ engine: TestDatabases.Engine,
        simulator: SimulatorConfiguration = SimulatorConfiguration(eventDelay: .milliseconds(5)),
        configure: @escaping @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        let url = engine == .postgres ? try await TestDatabases.freshPostgresURL() : nil
        return try await GatewayHarness.run(
            simulator: simulator,
            configure: { configuration in
                AccessKeyTests.keysOn(&configuration)
                configuration.databaseURL = url
                configure(&configuration)
            },
            body
        )
    }

    /// What the gateway reserves (micro-USD) for `body` sent to /v1/responses, with the default configuration.
    static func reservation(for body: JSONValue) -> Int64 {
        let defaults = GatewayConfiguration()
        return RequestEstimator(
            costs: CostEstimator(catalogue: .bundled),
            defaultModel: defaults.defaultModel,
            defaultImageModel: defaults.defaultImageModel,
            defaultReservationMicros: Int64(defaults.defaultReservationUSD * 1_000_000)
        ).estimate(method: "POST", path: "/v1/responses", query: nil, json: body, bodyBytes: body.jsonBytes.count).costMicros
    }

    static func text(_ maxOutput: Int = 50, model: String = "gpt-4o-mini") -> JSONValue {
        ["input": "Say hi", "model": .string(model), "max_output_tokens": .int(Int64(maxOutput))]
    }

    @Test(
        "requests per minute: the gateway's own 429 with retry-after and x-ratelimit-* headers, never confused with the upstream's",
        arguments: TestDatabases.engines
    )
    func requestsPerMinute(engine: TestDatabases.Engine) async throws {
        try await Self.run(engine, configure: { $0.maxRetries = 0 }) { gw in
            let (_, secret) = try await AccessKeyTests.createKey(gw, ["name": "rpm", "rpm": 3])
            let auth = AccessKeyTests.bearer(secret)
            for _ in 0..<3 {
                #expect(try await gw.request(.POST, "/api/responses/text", json: Self.text(), headers: auth).status == 201)
            }
            let refused = try await gw.request(.POST, "/api/responses/text", json: Self.text(), headers: auth)
            #expect(refused.status == 429)
            let body = try refused.json()
            #expect(body["error_code"]?.stringValue == "key_rate_limit_exceeded")
            #expect(body["openai_error"] == nil || body["openai_error"] == .null)
            #expect(refused.headers["X-Gateway-Limit"].first == "requests")
            #expect(refused.headers["X-Ratelimit-Limit-Requests"].first == "3")
            #expect(refused.headers["X-Ratelimit-Remaining-Requests"].first == "0")
            #expect(refused.headers["X-Ratelimit-Reset-Requests"].first?.hasSuffix("s") == true)
            let retryAfter = try #require(refused.headers["Retry-After"].first.flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            let v1 = try await gw.request(.POST, "/v1/responses", json: Self.text(), headers: auth)
            #expect(v1.status == 429)
            #expect(try v1.json()["error"]?["type"]?.stringValue == "rate_limit_error")
            #expect(try v1.json()["error"]?["code"]?.stringValue == "key_rate_limit_exceeded")

            // The upstream's own 429 keeps OpenAI's error and carries no x-gateway-limit.
            let (_, other) = try await AccessKeyTests.createKey(gw, ["name": "free"])
            gw.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", status: 429, count: 1, retryAfterMs: 100))
            let upstream = try await gw.request(.POST, "/api/responses/text", json: Self.text(), headers: AccessKeyTests.bearer(other))
            #expect(upstream.status == 429)
            #expect(upstream.headers["X-Gateway-Limit"].isEmpty)
            #expect(try upstream.json()["openai_error"]?["type"]?.stringValue != nil)
        }
    }

    @Test("tokens per minute count the input estimate and the output a request may produce", arguments: TestDatabases.engines)
    func tokensPerMinute(engine: TestDatabases.Engine) async throws {
        try await Self.run(engine) { gw in
            let (_, secret) = try await AccessKeyTests.createKey(gw, ["name": "tpm", "tpm": 1_000])
            let auth = AccessKeyTests.bearer(secret)
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.text(100), headers: auth).status == 200)
            let big = try await gw.request(.POST, "/v1/responses", json: Self.text(2_000), headers: auth)
            #expect(big.status == 429)
            #expect(big.headers["X-Gateway-Limit"].first == "tokens")
            #expect(big.headers["X-Ratelimit-Limit-Tokens"].first == "1000")
            #expect(try big.json()["error"]?["message"]?.stringValue?.contains("1000 tokens per minute") == true)
            // Settled with the real usage: the first call used far fewer tokens than it reserved, so several more fit.
            try await Task.sleep(for: .milliseconds(300))
            for _ in 0..<3 {
                #expect(try await gw.request(.POST, "/v1/responses", json: Self.text(250), headers: auth).status == 200)
            }
        }
    }

    @Test("streams open at once: the second stream waits for the first to end", arguments: TestDatabases.engines)
    func concurrentStreams(engine: TestDatabases.Engine) async throws {
        try await Self.run(engine, simulator: SimulatorConfiguration(eventDelay: .milliseconds(60))) { gw in
            let (_, secret) = try await AccessKeyTests.createKey(gw, ["name": "streams", "max_streams": 1])
            let auth = AccessKeyTests.bearer(secret)
            let first = Task { try await gw.stream(.POST, "/api/responses/text/stream", json: ["input": "Tell me a story"], headers: auth) }
            try await Task.sleep(for: .milliseconds(250))
            let second = try await gw.request(.POST, "/api/responses/text/stream", json: ["input": "Another"], headers: auth)
            #expect(second.status == 429)
            #expect(second.headers["X-Gateway-Limit"].first == "streams")
            // A JSON call is not a stream: it passes while the stream is open.
            #expect(try await gw.request(.POST, "/api/responses/text", json: Self.text(), headers: auth).status == 201)
            let finished = try await first.value
            #expect(finished.status == 201)
            try await Task.sleep(for: .milliseconds(300))
            let third = try await gw.stream(.POST, "/api/responses/text/stream", json: ["input": "Again"], headers: auth)
            #expect(third.status == 201)
        }
    }

    @Test("50 concurrent requests against a budget that fits 10: 10 admitted, spend within the budget", arguments: TestDatabases.engines)
    func budgetUnderConcurrency(engine: TestDatabases.Engine) async throws {
        let (budget, gateway) = try await Self.run(engine) { gw -> (Double, GatewayHarness) in
            let body = Self.text(1_000)
            let reservation = Self.reservation(for: body)
            #expect(reservation > 0)
            let budget = Double(reservation * 10) / 1_000_000
            let (_, secret) = try await AccessKeyTests.createKey(gw, ["name": "budget", "budget_usd": .double(budget), "budget_period": "day"])
            let auth = AccessKeyTests.bearer(secret)
            // The upstream answers slowly and 50 connections send at once, so every request is admitted or
            // refused before any is settled.
            gw.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", count: 50, delayMs: 2_000))
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64))
            )
            let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let answer = try await gw.request(.POST, "/v1/responses", json: body, headers: auth, client: client)
                        return (answer.status, answer.text)
                    }
                }
                return try await group.reduce(into: [(Int, String)]()) { $0.append($1) }
            }
            try await client.shutdown()
            let admitted = statuses.filter { $0.0 == 200 }.count
            let refused = statuses.filter { $0.0 == 429 }
            #expect(admitted == 10, "\(statuses.map(\.0))")
            #expect(refused.count == 40)
            #expect(refused.allSatisfy { $0.1.contains("insufficient_quota") && $0.1.contains("has used its budget") })
            try await Task.sleep(for: .milliseconds(300))
            let next = try await gw.request(.POST, "/v1/responses", json: Self.text(10), headers: auth)
            #expect(next.status == 200, "settled below the reservations, so a small request fits again: \(next.text)")
            return (budget, gw)
        }
        let spent = try gateway.logEntries(api: "responses").compactMap { $0["cost_usd"]?.doubleValue }.reduce(0, +)
        #expect(spent > 0)
        #expect(spent <= budget, "spent \(spent) of a budget of \(budget)")
    }

    @Test(
        "a stream the client cancelled is billed for what it produced (marked estimated) and frees its reservation",
        arguments: TestDatabases.engines
    )
    func cancelledStreamSettles(engine: TestDatabases.Engine) async throws {
        let gateway = try await Self.run(engine, simulator: SimulatorConfiguration(eventDelay: .milliseconds(30))) { gw -> GatewayHarness in
            let body: JSONValue = ["input": "Tell me a long story", "model": "gpt-4o-mini", "max_output_tokens": 2_000, "stream": true]
            let reservation = Self.reservation(for: body)
            // Room for one stream's reservation at a time, not two.
            let budget = Double(reservation * 3 / 2) / 1_000_000
            let (_, secret) = try await AccessKeyTests.createKey(gw, ["name": "cancel", "budget_usd": .double(budget)])
            let auth = AccessKeyTests.bearer(secret)
            for path in ["/v1/responses", "/api/responses/text/stream"] {
                let cut = try await gw.stream(.POST, path, json: body, headers: auth, stopAfter: 6)
                #expect(cut.status == 200 || cut.status == 201)
                try await Task.sleep(for: .milliseconds(400))
            }
            // Both reservations were released when the cancelled streams were settled.
            let whole = try await gw.stream(.POST, "/v1/responses", json: body, headers: auth)
            #expect(whole.status == 200, "\(whole.rawText.prefix(300))")
            return gw
        }
        let entries = try gateway.logEntries(api: "responses").filter { $0["outcome"]?.stringValue == "client_cancelled" }
        #expect(entries.count == 2)
        for entry in entries {
            #expect(entry["usage_estimated"]?.boolValue == true, "\(entry)")
            #expect((entry["usage"]?["output_tokens"]?.intValue ?? 0) > 0, "the deltas relayed before the cancel count")
            #expect((entry["usage"]?["input_tokens"]?.intValue ?? 0) > 0)
            #expect((entry["cost_usd"]?.doubleValue ?? 0) > 0)
        }
    }
}
