import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

@Suite("Metrics and the admin guard")
struct MetricsEndpointTests {
    static func scrape(_ gw: GatewayHarness, headers: HTTPHeaders = [:]) async throws -> PrometheusText {
        let answer = try await gw.request(.GET, "/metrics", headers: headers)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.headers.first(name: "content-type") == "text/plain; version=0.0.4; charset=utf-8")
        return try PrometheusText(answer.text)
    }

    @Test("/metrics parses as Prometheus text, its counters move with calls, and its labels are templates")
    func countersMoveWithCalls() async throws {
        let (after, gw) = try await GatewayHarness.run { gw in
            let before = try await Self.scrape(gw)
            #expect(before.types["gateway_open_streams"] == "gauge")
            #expect(before.types["gateway_ledger_queue_depth"] == "gauge" && before.types["gateway_ledger_spilled_rows_total"] == "counter")
            #expect(before.sum("gateway_ledger_spilled_rows_total") == 0)
            let textRoute = ["route": "/api/responses/text", "method": "POST", "status": "201"]
            let textBefore = before.sum("gateway_requests_total", textRoute)

            // One failure upstream first: the gateway retries it.
            gw.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", status: 500, count: 1))
            for _ in 0..<2 {
                let created = try await gw.request(.POST, "/api/responses/text", json: ["model": "gpt-4o-mini", "input": "Hello"])
                #expect(created.status == 201, "\(created.text)")
            }
            let streamed = try await gw.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o-mini", "input": "Hi"])
            #expect(streamed.status == 201)
            _ = try await gw.request(.GET, "/api/files/file-secretid123")
            _ = try await gw.request(.GET, "/no/such/route/abc123")
            _ = try await gw.request(.GET, "/v1/models")
            _ = try await gw.request(.GET, "/v1/somethingnew/obj_987654321")

            let after = try await Self.scrape(gw)
            #expect(after.sum("gateway_requests_total", textRoute) == textBefore + 2)
            #expect(after.sum("gateway_requests_total", ["route": "/api/responses/text/stream", "method": "POST", "status": "201"]) == 1)
            #expect(after.sum("gateway_requests_total", ["route": "/api/files/{id}", "method": "GET"]) == 1)
            #expect(after.sum("gateway_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
            #expect(after.sum("gateway_requests_total", ["route": "/v1/models", "method": "GET", "status": "200"]) == 1)
            #expect(after.sum("gateway_requests_total", ["route": "/v1/{path}", "method": "GET"]) == 1)
            // The first scrape is counted by the second.
            #expect(after.sum("gateway_requests_total", ["route": "/metrics", "method": "GET", "status": "200"]) == 1)

            // Latency and time to first byte, in seconds, by route.
            #expect(after.sum("gateway_request_duration_seconds_count", ["route": "/api/responses/text"]) == 2)
            #expect(after.sum("gateway_request_duration_seconds_sum", ["route": "/api/responses/text"]) > 0)
            #expect(after.sum("gateway_time_to_first_byte_seconds_count", ["route": "/api/responses/text/stream"]) == 1)
            #expect(after.types["gateway_request_duration_seconds"] == "histogram")

            // Upstream attempts and retries by endpoint template: 3 attempts for 2 calls, 1 retry.
            #expect(after.sum("gateway_upstream_attempts_total", ["endpoint": "POST /v1/responses"]) == 4)
            #expect(after.sum("gateway_upstream_retries_total", ["endpoint": "POST /v1/responses"]) == 1)

            // No raw path, id or query in any label.
            let catalogue = Set(ModelCatalogue.bundled.names)
            for sample in after.samples {
                for (name, value) in sample.labels {
                    #expect(
                        !value.contains("secretid") && !value.contains("abc123") && !value.contains("987654321"),
                        "\(sample.name) \(name)=\(value)"
                    )
                    if name == "route" { #expect(value.hasPrefix("/") || value == "unmatched", "\(value)") }
                    if name == "model" { #expect(catalogue.contains(value) || value == "other" || value == "none", "\(value)") }
                }
            }
            #expect(after.sum("gateway_open_streams") == 0)
            return (after, gw)
        }
        // Tokens and cost by model (a catalogue name) and key (none without keys): the usage the log has (read
        // once the gateway has drained it) for the three generating calls.
        let billed = try gw.logEntries(api: "responses").filter { $0["route"]?.stringValue?.hasPrefix("/api/responses/text") == true }
        #expect(billed.count == 3)
        let input = billed.compactMap { $0["usage"]?["input_tokens"]?.doubleValue }.reduce(0, +)
        let output = billed.compactMap { $0["usage"]?["output_tokens"]?.doubleValue }.reduce(0, +)
        let cost = billed.compactMap { $0["cost_usd"]?.doubleValue }.reduce(0, +)
        #expect(input > 0 && output > 0 && cost > 0)
        let tokens = after.samples("gateway_tokens_total", ["type": "input", "key": "none"])
        #expect(tokens.map(\.labels["model"]) == ["gpt-4o-mini"])
        #expect(after.sum("gateway_tokens_total", ["type": "input", "model": "gpt-4o-mini", "key": "none"]) == input)
        #expect(after.sum("gateway_tokens_total", ["type": "output", "model": "gpt-4o-mini", "key": "none"]) == output)
        #expect(abs(after.sum("gateway_cost_usd_total", ["model": "gpt-4o-mini", "key": "none"]) - cost) < 1e-7)
    }

    @Test("the open-streams gauge rises while a stream is written and falls when it ends")
    func openStreamsGauge() async throws {
        try await GatewayHarness.run(simulator: SimulatorConfiguration(eventDelay: .milliseconds(150))) { gw in
            var request = HTTPClientRequest(url: gw.baseURL + "/api/responses/text/stream")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: (["model": "gpt-4o-mini", "input": "Tell me a long story"] as JSONValue).jsonBytes))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            var body = response.body.makeAsyncIterator()
            _ = try await body.next()
            let during = try await Self.scrape(gw)
            #expect(during.sum("gateway_open_streams") == 1)
            while try await body.next() != nil {}
            // The gauge falls after the last byte, just after the client saw it.
            var after = try await Self.scrape(gw)
            for _ in 0..<50 where after.sum("gateway_open_streams") != 0 {
                try await Task.sleep(for: .milliseconds(20))
                after = try await Self.scrape(gw)
            }
            #expect(after.sum("gateway_open_streams") == 0)
        }
    }

    @Test("labels are bounded: unknown routes, models and endpoints collapse to one value")
    func labelsAreBounded() throws {
        let metrics = GatewayMetrics(catalogue: .bundled)
        metrics.knownRoutes(["/api/files/{id}", "/metrics"])
        func record(route: String?, model: String?, endpoint: String) {
            var call = CallRecord(requestID: "gw_1", method: "GET", path: "/x")
            call.route = route
            call.status = 200
            call.model = model
            call.endpoint = endpoint
            call.attempts = 1
            call.usage = TokenUsage(input: 3, output: 4)
            call.usageRole = .billed
            metrics.record(call)
        }
        for index in 0..<(GatewayMetrics.maxEndpoints + 50) {
            record(route: "/api/files/\(index)", model: "model-\(index)", endpoint: "GET /v1/things/\(index)")
        }
        record(route: "/api/files/{id}", model: "gpt-4o-2024-08-06", endpoint: "GET /v1/files/{id}")
        record(route: "/v1/newapi/\(UUID().uuidString)", model: nil, endpoint: "GET /v1/files/{id}")
        var call = CallRecord(requestID: "gw_2", method: "BREW", path: "/coffee")
        call.status = 405
        metrics.record(call)

        let text = try PrometheusText(String(decoding: metrics.render(ledger: LedgerStats(queued: 3, spilled: 2)), as: UTF8.self))
        let routes = Set(text.samples("gateway_requests_total").compactMap { $0.labels["route"] })
        #expect(routes == ["unmatched", "/api/files/{id}", "/v1/{path}"])
        #expect(Set(text.samples("gateway_requests_total").compactMap { $0.labels["method"] }) == ["GET", "other"])
        let models = Set(text.samples("gateway_tokens_total").compactMap { $0.labels["model"] })
        #expect(models == ["other", "gpt-4o", "none"])
        let endpoints = Set(text.samples("gateway_upstream_attempts_total").compactMap { $0.labels["endpoint"] })
        #expect(endpoints.count == GatewayMetrics.maxEndpoints + 1 && endpoints.contains("other"))
        #expect(text.sum("gateway_ledger_queue_depth") == 3 && text.sum("gateway_ledger_spilled_rows_total") == 2)
        // Cumulative ledger counts are added once, by difference.
        let again = try PrometheusText(String(decoding: metrics.render(ledger: LedgerStats(queued: 0, spilled: 5)), as: UTF8.self))
        #expect(again.sum("gateway_ledger_queue_depth") == 0 && again.sum("gateway_ledger_spilled_rows_total") == 5)
    }

    @Test("the strict parser rejects malformed text")
    func parserIsStrict() {
        let bad = [
            "a_total 1",  // no final line feed
            "# TYPE a counter\na{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n",  // not contiguous
            "a{x=\"1\"} 1\na{x=\"1\"} 2\n",  // repeated
            "a{x=\"\\q\"} 1\n",  // bad escape
            "1a 1\n",  // bad name
            "a one\n",  // bad value
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
            "# TYPE c counter\nc -1\n",  // negative counter
        ]
        for text in bad { #expect(throws: PrometheusText.ParseError.self, "\(text)") { try PrometheusText(text) } }
        #expect(throws: Never.self) {
            try PrometheusText(
                "# HELP a An \\\\ a.\n# TYPE a counter\na{x=\"q\\\"\\n\"} 1.5e-05\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"
            )
        }
    }

    @Test("the admin guard: 401 without or with a wrong admin key, 200 with Bearer, X-Api-Key and Basic")
    func adminGuard() async throws {
        let adminKey = "admin-key-for-tests-0123456789"
        try await GatewayHarness.run(configure: { $0.adminKey = adminKey }) { gw in
            func basic(_ password: String) -> String { "Basic " + Data("admin:\(password)".utf8).base64EncodedString() }
            for path in ["/metrics", "/dashboard", "/admin/usage", "/admin/calls"] {
                for refused in [[:], ["Authorization": "Bearer wrong-key-0123456789"], ["Authorization": basic("wrong")], ["X-Api-Key": "nope"]] {
                    let answer = try await gw.request(.GET, path, headers: HTTPHeaders(refused.map { ($0.key, $0.value) }))
                    #expect(answer.status == 401, "\(path) with \(refused)")
                    #expect(try answer.json()["error_code"] == "admin_key_required")
                    #expect(answer.headers.first(name: "www-authenticate")?.hasPrefix("Basic realm=") == true)
                    #expect(!answer.text.contains(adminKey))
                }
                for accepted in [["Authorization": "Bearer \(adminKey)"], ["Authorization": basic(adminKey)], ["X-Api-Key": adminKey]] {
                    let answer = try await gw.request(.GET, path, headers: HTTPHeaders(accepted.map { ($0.key, $0.value) }))
                    #expect(answer.status == 200, "\(path) with \(accepted.keys)")
                    #expect(!answer.text.contains(adminKey))
                }
            }
            // Refused scrapes are counted too, under the route's template.
            let text = try await Self.scrape(gw, headers: ["Authorization": "Bearer \(adminKey)"])
            #expect(text.sum("gateway_requests_total", ["route": "/metrics", "status": "401"]) == 4)
        }
        // With keys on and no admin key, the admin routes are closed.
        try await GatewayHarness.run(configure: { $0.authMode = .keys }) { gw in
            for path in ["/metrics", "/dashboard", "/admin/usage"] {
                let answer = try await gw.request(.GET, path)
                #expect(answer.status == 403, "\(path): \(answer.text)")
            }
        }
    }

    @Test("the dashboard's days and the key list's include_revoked are checked: a 400 naming them (schemathesis findings)")
    func adminQueriesAreChecked() async throws {
        try await GatewayHarness.run { gw in
            for query in ["days=null", "days=0", "days=367", "days=7&days=7"] {
                let answer = try await gw.request(.GET, "/dashboard?\(query)")
                #expect(answer.status == 400, "\(query): \(answer.text)")
                #expect(try answer.json()["parameter"] == "days")
            }
            #expect(try await gw.request(.GET, "/dashboard?days=7").status == 200)
            let refused = try await gw.request(.GET, "/admin/keys?include_revoked=null")
            #expect(refused.status == 400)
            #expect(try refused.json()["parameter"] == "include_revoked")
            #expect(try await gw.request(.GET, "/admin/keys?include_revoked=true").status == 200)
        }
    }
}
