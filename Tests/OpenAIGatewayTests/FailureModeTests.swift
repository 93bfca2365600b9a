import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// Retries, upstream failures, broken streams, disconnects and limits, over real HTTP.
@Suite("Failure modes")
struct FailureModeTests {
    static let textBody: JSONValue = ["model": "gpt-4o", "input": "Hello"]

    @Test("429 twice with retry-after: the gateway waits, retries and succeeds")
    func retriesRateLimit() async throws {
        try await GatewayHarness.run(configure: {
            $0.maxRetries = 3
            $0.retryDelay = .seconds(5)
        }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", status: 429, count: 2, retryAfterMs: 150))
            let started = ContinuousClock.now
            let result = try await gateway.request(.POST, "/api/responses/text", json: Self.textBody)
            let elapsed = (ContinuousClock.now - started).seconds
            #expect(result.status == 201)
            #expect(gateway.simulator.state.stats().requests["POST /v1/responses"] == 3)
            // retry-after (150 ms) was honoured instead of the 5 s base delay.
            #expect(elapsed >= 0.3 && elapsed < 4, "took \(elapsed) s")
        }
    }

    @Test("persistent 500 → 502 with hint and request id after exactly OPENAI_MAX_RETRIES + 1 attempts")
    func persistentServerError() async throws {
        let entries = try await GatewayHarness.run(configure: { $0.maxRetries = 2 }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", status: 500, count: 100))
            let result = try await gateway.request(.POST, "/api/responses/text", json: Self.textBody)
            #expect(result.status == 502)
            let json = try result.json()
            #expect(json["statusCode"]?.intValue == 502)
            #expect(json["error_code"]?.stringValue == "server_error")
            #expect(json["hint"]?.stringValue?.isEmpty == false)
            // request_id is the gateway's own id (X-Request-Id, the logs'); OpenAI's is upstream_request_id.
            #expect(json["request_id"]?.stringValue == result.headers.first(name: "X-Request-Id"))
            #expect(json["request_id"]?.stringValue?.hasPrefix("gw_") == true)
            #expect(json["upstream_request_id"]?.stringValue?.hasPrefix("req_") == true)
            #expect(json["upstream_request_id"]?.stringValue == result.headers.first(name: "X-Upstream-Request-Id"))
            #expect(json["openai_error"]?["message"]?.stringValue?.isEmpty == false)
            #expect(json["path"]?.stringValue == "/api/responses/text")
            #expect(gateway.simulator.state.stats().requests["POST /v1/responses"] == 3)
            return gateway
        }.logEntries()
        let failure = try #require(entries.last)
        #expect(failure["status"]?.intValue == 502)
        #expect(failure["attempts"]?.intValue == 3)
    }

    @Test("429 that persists: 429 with rate_limit_info, numeric retry_after_seconds and a Retry-After header")
    func rateLimitExhausted() async throws {
        try await GatewayHarness.run(configure: { $0.maxRetries = 0 }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", status: 429, count: 5, retryAfterMs: 20_000))
            let result = try await gateway.request(.POST, "/api/responses/text", json: Self.textBody)
            #expect(result.status == 429)
            let json = try result.json()
            #expect(json["retry_after_seconds"]?.doubleValue == 20)
            #expect(json["rate_limit_info"]?["limit_requests"]?.stringValue != nil)
            #expect(result.headers.first(name: "retry-after") == "20")
        }
    }

    @Test("drop_after_events → exactly one error frame, then the stream ends")
    func droppedStream() async throws {
        try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", dropAfterEvents: 5))
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: Self.textBody)
            #expect(result.status == 201)
            let names = result.frames.map(\.name)
            #expect(names.filter { $0 == "error" }.count == 1)
            #expect(names.last == "error")
            #expect(result.frames.count == 6)
            let error = try #require(result.frames.last)
            // The gateway's own frame takes the next number but has no id: line, so the last event id a
            // client (EventSource) keeps stays at the last upstream event, 4.
            #expect(error.event.id == "4")
            #expect(!result.rawText.contains("id: 5"))
            #expect(error.payload["sequence"]?.intValue == 5)
            #expect(error.payload["hint"]?.stringValue?.isEmpty == false)
            #expect(error.payload["statusCode"]?.intValue != nil)
        }
    }

    @Test("fail_after_events → response_failed is relayed, then one error frame")
    func failedResponse() async throws {
        try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", failAfterEvents: 4))
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: Self.textBody)
            let names = result.frames.map(\.name)
            #expect(names.suffix(2) == ["response_failed", "error"])
            #expect(names.filter { $0 == "error" }.count == 1)
            let ids = result.frames.dropLast().compactMap { $0.event.id.flatMap(Int.init) }
            #expect(ids == Array(0..<ids.count))
            #expect(result.frames.last?.payload["sequence"]?.intValue == ids.count)
        }
    }

    @Test("client disconnect → the simulator sees its stream closed within 1 second")
    func clientDisconnect() async throws {
        try await GatewayHarness.run(simulator: SimulatorConfiguration(eventDelay: .milliseconds(200))) { gateway in
            let before = gateway.simulator.state.stats().clientDisconnects
            let partial = try await gateway.stream(.POST, "/api/responses/text/stream", json: Self.textBody, stopAfter: 2)
            #expect(partial.frames.count == 2)
            let left = ContinuousClock.now
            var seen = false
            while ContinuousClock.now - left < .seconds(1) {
                if gateway.simulator.state.stats().clientDisconnects > before {
                    seen = true
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(seen, "the simulator did not see the upstream stream close within 1 s")
            #expect(gateway.simulator.state.stats().openStreams == 0)
        }
    }

    @Test("an upstream event type the code does not know reaches the client unchanged")
    func unknownEvent() async throws {
        let injected: JSONValue = ["type": "response.future_feature.delta", "item_id": "x_1", "delta": "✨ new", "nested": ["a": [1, 2.5, nil]]]
        try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", injectEvents: [injected]))
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: Self.textBody)
            let frame = try #require(result.frames.first { $0.name == "response.future_feature.delta" })
            var expected = injected.objectValue ?? JSONObject()
            expected["sequence_number"] = frame.payload["sequence_number"]
            #expect(frame.payload == .object(expected))
            #expect(frame.payload["delta"]?.stringValue == "✨ new")
            #expect(result.frames.last?.name == "response_completed")
        }
    }

    @Test("a log line's cost matches the catalogue price for its usage")
    func logCost() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let result = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["model": "gpt-4o-2024-08-06", "input": .string(String(repeating: "word ", count: 400))]
            )
            #expect(result.status == 201)
            _ = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Stream cost"])
            return gateway
        }
        let entries = try gateway.logEntries()
        #expect(entries.count == 2)
        for entry in entries {
            let usage = try #require(entry["usage"])
            let input = Double(usage["input_tokens"]?.intValue ?? 0)
            let cached = Double(usage["cached_tokens"]?.intValue ?? 0)
            let output = Double(usage["output_tokens"]?.intValue ?? 0)
            #expect(input > 0 && output > 0)
            // gpt-4o list prices per 1M tokens: $2.50 input, $1.25 cached input, $10.00 output.
            let expected = ((input - cached) * 2.50 + cached * 1.25 + output * 10.00) / 1_000_000
            let cost: Double = try #require(entry["cost_usd"]?.doubleValue)
            #expect(Swift.abs(cost - expected) < 1e-8, "cost \(cost) != \(expected)")
            #expect(entry["request_id"]?.stringValue?.hasPrefix("gw_") == true)
            #expect(entry["latency_ms"]?.doubleValue != nil)
        }
        #expect(entries.last?["stream"]?["outcome"]?.stringValue == "completed")
    }

    @Test("unknown model → cost null, not 0")
    func unknownModelCost() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            // A model the upstream serves but the gateway's catalogue does not price.
            gateway.simulator.state.models.add(ModelInfo(name: "my-local-model", kind: .text))
            let result = try await gateway.request(.POST, "/api/responses/text", json: ["model": "my-local-model", "input": "Hi"])
            #expect(result.status == 201, "\(result.text)")
            return gateway
        }
        let entry = try #require(try gateway.logEntries().last)
        #expect(entry["cost_usd"] == .null)
        #expect(entry["usage"] != nil)
    }

    @Test("bad input: 404 route, malformed JSON, oversized body, all problems listed")
    func badInput() async throws {
        try await GatewayHarness.run(configure: { $0.maxBodySize = 2048 }) { gateway in
            let missing = try await gateway.request(.GET, "/api/nothing-here")
            #expect(missing.status == 404)
            #expect(try missing.json()["message"]?.stringValue == "Cannot GET /api/nothing-here")

            let malformed = try await gateway.request(.POST, "/api/responses/text", rawBody: Array(#"{"input": "x",}"#.utf8))
            #expect(malformed.status == 400)
            #expect(try malformed.json()["error_code"]?.stringValue == "invalid_json")

            let big: JSONValue = ["input": .string(String(repeating: "a", count: 5000))]
            let tooLarge = try await gateway.request(.POST, "/api/responses/text", json: big)
            #expect(tooLarge.status == 413)
            #expect(try tooLarge.json()["hint"]?.stringValue?.contains("MAX_BODY_SIZE") == true)

            let invalid = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["temperature": 9, "top_p": -1, "modalities": [], "unknown_field": "kept"]
            )
            #expect(invalid.status == 400)
            let parameters = try invalid.json()["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? []
            #expect(Set(parameters) == ["input", "temperature", "top_p", "modalities"])
            #expect(gateway.simulator.state.stats().totalRequests == 0)

            let stream = try await gateway.request(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o"])
            #expect(stream.status == 400)
            #expect(stream.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
        }
    }

    @Test("unknown request fields are forwarded upstream, not rejected: the upstream's verdict is relayed")
    func unknownFieldsForwarded() async throws {
        try await GatewayHarness.run { gateway in
            // A field the gateway does not validate reaches the upstream, which uses it.
            let known = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["model": "gpt-4o", "input": "Hi", "metadata": ["team": "blue"], "prompt_cache_retention": "24h"]
            )
            #expect(known.status == 201, "\(known.text)")
            #expect(try known.json()["metadata"]?["team"]?.stringValue == "blue")
            // One that OpenAI does not know is forwarded all the same; OpenAI's (the simulator's) 400 comes back.
            let unknown = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["model": "gpt-4o", "input": "Hi", "brand_new_option": ["x": 1]]
            )
            #expect(unknown.status == 400, "\(unknown.text)")
            #expect(try unknown.json()["error_code"] == "unknown_parameter")
            #expect(try unknown.json()["parameter"] == "brand_new_option")
            #expect(try unknown.json()["upstream_request_id"]?.stringValue?.hasPrefix("req_") == true)
            #expect(gateway.simulator.state.stats().requests["POST /v1/responses"] == 2)
        }
    }

    @Test("upstream refused → 503 ECONNREFUSED; slow upstream → 504 timeout")
    func networkFailures() async throws {
        try await GatewayHarness.run(configure: {
            $0.baseURL = "http://127.0.0.1:1/v1"
            $0.maxRetries = 1
        }) { gateway in
            let started = ContinuousClock.now
            let result = try await gateway.request(.POST, "/api/responses/text", json: Self.textBody)
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(result.status == 503)
            let json = try result.json()
            #expect(json["error_code"]?.stringValue == "ECONNREFUSED")
            #expect(json["hint"]?.stringValue?.isEmpty == false)
        }
        try await GatewayHarness.run(configure: {
            $0.timeout = .milliseconds(300)
            $0.maxRetries = 0
        }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", delayMs: 2_000))
            let started = ContinuousClock.now
            let result = try await gateway.request(.POST, "/api/responses/text", json: Self.textBody)
            #expect(result.status == 504)
            #expect(try result.json()["error_code"]?.stringValue == "timeout_error")
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    @Test("the API key never appears in responses, errors or logs")
    func keyNeverLeaks() async throws {
        let key = "sk-test-harness-0123456789abcdefghijklmnop"
        let gateway = try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", status: 401, count: 1))
            var bodies = ""
            bodies += try await gateway.request(.POST, "/api/responses/text", json: Self.textBody).text
            bodies += try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o", "temperature": 7]).text
            bodies += try await gateway.request(.GET, "/api/responses/resp_missing").text
            bodies += try await gateway.request(.GET, "/health").text
            #expect(!bodies.contains(key))
            #expect(!bodies.contains("Bearer"))
            return gateway
        }
        let logs = gateway.allLogText()
        #expect(!logs.isEmpty)
        #expect(!logs.contains(key))
    }
}
