import AsyncHTTPClient
import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("Simulator Responses API")
struct SimulatorResponsesTests {
    @Test func createJSONIsDeterministicAndSpecValid() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = [
                "model": "gpt-4o-mini", "input": "Tell me about the sea", "instructions": "Be brief.",
                "metadata": ["team": "qa"], "temperature": 0.5,
            ]
            let first = try await sim.post("/v1/responses", body)
            #expect(first.status == 200)
            let json = try first.json
            #expect(json["id"]?.stringValue?.hasPrefix("resp_") == true)
            #expect(json["status"] == "completed")
            #expect(json["model"] == "gpt-4o-mini")
            #expect(json["metadata"] == ["team": "qa"])
            #expect(json["temperature"] == 0.5)
            #expect(json["instructions"] == "Be brief.")
            let text = try #require(json["output"]?[0]?["content"]?[0]?["text"]?.stringValue)
            #expect(text.hasPrefix("Simulated reply to: Tell me about the sea."))
            let usage = try #require(json["usage"])
            let words = text.split(separator: " ").count
            #expect(usage["output_tokens"]?.intValue == words)
            #expect(usage["input_tokens"]?.intValue == ("Tell me about the sea".count + "Be brief.".count + 3) / 4)
            #expect(usage["total_tokens"]?.intValue == (usage["input_tokens"]?.intValue ?? 0) + words)
            #expect(usage["output_tokens_details"]?["reasoning_tokens"] == 0)
            for name in [
                "x-request-id", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
                "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", "openai-processing-ms",
            ] {
                #expect(first.headers.first(name: name) != nil, "missing header \(name)")
            }
            #expect(first.headers.first(name: "x-request-id")?.hasPrefix("req_") == true)
            try await SpecCheck.expectValid("Response", first.body)

            let second = try await sim.post("/v1/responses", body).json
            #expect(second["output"]?[0]?["content"]?[0]?["text"]?.stringValue == text)
            #expect(second["id"] != json["id"])
        }
    }

    @Test func arrayInputReasoningModelAndCacheKey() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = [
                "model": "gpt-5-mini", "prompt_cache_key": "k1",
                "input": [
                    ["role": "user", "content": [["type": "input_text", "text": "Hello there friend"]]],
                    ["role": "assistant", "content": "Hi!"],
                    ["type": "message", "role": "user", "content": "What now?"],
                ],
            ]
            let result = try await sim.post("/v1/responses", body)
            let json = try result.json
            #expect(json["output_text"]?.stringValue?.hasPrefix("Simulated reply to: Hello there friend Hi! What now?.") == true)
            #expect((json["usage"]?["output_tokens_details"]?["reasoning_tokens"]?.intValue ?? 0) > 0)
            #expect((json["usage"]?["input_tokens_details"]?["cached_tokens"]?.intValue ?? 0) > 0)
            try await SpecCheck.expectValid("Response", result.body)

            let id = try #require(json["id"]?.stringValue)
            let all = try await sim.get("/v1/responses/\(id)/input_items?order=asc")
            let list = try all.json
            #expect(list["object"] == "list")
            #expect(list["data"]?.arrayValue?.count == 3)
            #expect(list["data"]?[0]?["role"] == "user")
            #expect(list["has_more"] == false)
            try await SpecCheck.expectValid("ResponseItemList", all.body)

            let page = try await sim.get("/v1/responses/\(id)/input_items?limit=2").json
            #expect(page["data"]?.arrayValue?.count == 2)
            #expect(page["has_more"] == true)
            #expect(page["data"]?[0]?["content"]?[0]?["text"] == "What now?")
            let lastID = try #require(page["last_id"]?.stringValue)
            let rest = try await sim.get("/v1/responses/\(id)/input_items?limit=2&after=\(lastID)").json
            #expect(rest["data"]?.arrayValue?.count == 1)
            #expect(rest["has_more"] == false)
        }
    }

    @Test func streamHasOpenAIOrderAndSequenceNumbers() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "Stream this please", "stream": true])
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            #expect(!result.body.contains("[DONE]"))
            let events = try result.events
            let types = events.compactMap { $0["type"]?.stringValue }
            #expect(
                Array(types.prefix(4)) == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
            )
            #expect(
                Array(types.suffix(4)) == [
                    "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
                ]
            )
            let deltas = events.filter { $0["type"] == "response.output_text.delta" }.compactMap { $0["delta"]?.stringValue }
            #expect(deltas.count > 5)
            #expect(events.map { $0["sequence_number"]?.intValue } == Array(0..<events.count))
            let final = try #require(events.last?["response"])
            #expect(final["output_text"]?.stringValue == deltas.joined())
            #expect(final["usage"]?["output_tokens"]?.intValue == deltas.count)
            // Each frame names its event.
            #expect(result.body.hasPrefix("event: response.created\ndata: {"))
            try await SpecCheck.expectValid("ResponseStreamEvent", result.body)

            let id = try #require(final["id"]?.stringValue)
            let stored = try await sim.get("/v1/responses/\(id)").json
            #expect(stored["status"] == "completed")
            let stats = try await sim.stats()
            #expect(stats["completed_streams"] == 1)
            #expect(stats["open_streams"] == 0)
        }
    }

    @Test func maxOutputTokensMakesAnIncompleteResponse() async throws {
        try await SimHarness.with { sim in
            let json = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "Long story", "max_output_tokens": 4]).json
            #expect(json["status"] == "incomplete")
            #expect(json["incomplete_details"] == ["reason": "max_output_tokens"])
            #expect(json["usage"]?["output_tokens"] == 4)
            let stream = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "Long story", "max_output_tokens": 4, "stream": true])
            let events = try stream.events
            #expect(events.last?["type"] == "response.incomplete")
            #expect(events.filter { $0["type"] == "response.output_text.delta" }.count == 4)
            try await SpecCheck.expectValid("ResponseStreamEvent", stream.body)
        }
    }

    @Test func validationErrorsUseOpenAIShape() async throws {
        try await SimHarness.with { sim in
            let missing = try await sim.post("/v1/responses", ["input": "hi"])
            #expect(missing.status == 400)
            #expect(
                try missing.json
                    == [
                        "error": [
                            "message": "Missing required parameter: 'model'.", "type": "invalid_request_error", "param": "model",
                            "code": "missing_required_parameter",
                        ]
                    ]
            )
            #expect(missing.headers.first(name: "x-request-id") != nil)
            try await SpecCheck.expectValid("ErrorResponse", missing.body)
            let malformed = try await sim.send(.POST, "/v1/responses", rawBody: "{not json")
            #expect(malformed.status == 400)
            #expect(try malformed.json["error"]?["type"] == "invalid_request_error")
            let unknown = try await sim.get("/v1/nothing-here")
            #expect(unknown.status == 404)
            #expect(try unknown.json["error"]?["message"] == "Invalid URL (GET /v1/nothing-here)")
            let notFound = try await sim.get("/v1/responses/resp_missing")
            #expect(notFound.status == 404)
            #expect(
                try notFound.json
                    == [
                        "error": [
                            "message": "Response with id 'resp_missing' not found.", "type": "invalid_request_error", "param": nil, "code": nil,
                        ]
                    ]
            )
            let previous = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "x", "previous_response_id": "resp_nope"])
            #expect(previous.status == 404)
            #expect(try previous.json["error"]?["param"] == "previous_response_id")
        }
    }

    @Test func storeFalsePreviousResponseAndDelete() async throws {
        try await SimHarness.with { sim in
            let unstored = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "secret", "store": false]).json
            let unstoredID = try #require(unstored["id"]?.stringValue)
            #expect(try await sim.get("/v1/responses/\(unstoredID)").status == 404)

            let first = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "one"]).json
            let firstID = try #require(first["id"]?.stringValue)
            let second = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "two", "previous_response_id": .string(firstID)]).json
            #expect(second["previous_response_id"]?.stringValue == firstID)
            #expect((second["usage"]?["input_tokens"]?.intValue ?? 0) > (first["usage"]?["total_tokens"]?.intValue ?? 0))

            let deleted = try await sim.send(.DELETE, "/v1/responses/\(firstID)")
            #expect(deleted.status == 200)
            #expect(try deleted.json == ["id": .string(firstID), "object": "response", "deleted": true])
            #expect(try await sim.get("/v1/responses/\(firstID)").status == 404)
            #expect(try await sim.send(.DELETE, "/v1/responses/\(firstID)").status == 404)
        }
    }

    @Test func backgroundProgressesAndResumes() async throws {
        try await SimHarness.with(eventDelay: .milliseconds(2), stepDelay: .milliseconds(150)) { sim in
            let created = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "Background work", "background": true])
            let json = try created.json
            #expect(json["status"] == "queued")
            #expect(json["background"] == true)
            let id = try #require(json["id"]?.stringValue)
            var seen: [String] = ["queued"]
            let done = try await sim.eventually(timeout: .seconds(5)) {
                let status = try await sim.get("/v1/responses/\(id)").json["status"]?.stringValue ?? "?"
                if seen.last != status { seen.append(status) }
                return status == "completed"
            }
            #expect(done)
            #expect(seen.contains("in_progress"))
            try await SpecCheck.expectValid("Response", created.body)
            #expect(seen.last == "completed")

            let replay = try await sim.get("/v1/responses/\(id)?stream=true&starting_after=5")
            let events = try replay.events
            #expect(events.first?["sequence_number"] == 6)
            #expect(events.last?["type"] == "response.completed")
            try await SpecCheck.expectValid("ResponseStreamEvent", replay.body)

            let full = try await sim.get("/v1/responses/\(id)?stream=true").events
            #expect(Array(full.compactMap { $0["type"]?.stringValue }.prefix(3)) == ["response.created", "response.queued", "response.in_progress"])
        }
    }

    @Test func backgroundStreamAndLiveResume() async throws {
        try await SimHarness.with(eventDelay: .milliseconds(5), stepDelay: .milliseconds(100)) { sim in
            let stream = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "Go", "background": true, "stream": true])
            let events = try stream.events
            #expect(events.first?["response"]?["status"] == "queued")
            #expect(events.last?["type"] == "response.completed")
            #expect(events.map { $0["sequence_number"]?.intValue } == Array(0..<events.count))
            try await SpecCheck.expectValid("ResponseStreamEvent", stream.body)

            // Resume while still running: the replay continues live until the end.
            let running = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "Go again", "background": true]).json
            let id = try #require(running["id"]?.stringValue)
            let resumed = try await sim.get("/v1/responses/\(id)?stream=true&starting_after=0").events
            #expect(resumed.first?["sequence_number"] == 1)
            #expect(resumed.last?["type"] == "response.completed")
            #expect(resumed.map { $0["sequence_number"]?.intValue } == Array(1...resumed.count))
        }
    }

    @Test func cancelOnlyBackground() async throws {
        try await SimHarness.with(stepDelay: .milliseconds(300)) { sim in
            let running = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "Cancel me", "background": true]).json
            let id = try #require(running["id"]?.stringValue)
            let cancelled = try await sim.send(.POST, "/v1/responses/\(id)/cancel")
            #expect(cancelled.status == 200)
            #expect(try cancelled.json["status"] == "cancelled")
            try await SpecCheck.expectValid("Response", cancelled.body)
            try await Task.sleep(for: .milliseconds(700))
            #expect(try await sim.get("/v1/responses/\(id)").json["status"] == "cancelled")

            let foreground = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "x"]).json
            let foregroundID = try #require(foreground["id"]?.stringValue)
            let refused = try await sim.send(.POST, "/v1/responses/\(foregroundID)/cancel")
            #expect(refused.status == 400)
            #expect(try refused.json["error"]?["message"] == "Cannot cancel a synchronous response.")
            #expect(try await sim.send(.POST, "/v1/responses/resp_unknown/cancel").status == 404)
        }
    }

    @Test func statsCountRequestsPerRoute() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "a"])
            _ = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "b"])
            _ = try await sim.get("/v1/responses/resp_x")
            let stats = try await sim.stats()
            #expect(stats["requests"]?["POST /v1/responses"] == 2)
            #expect(stats["requests"]?["GET /v1/responses/{id}"] == 1)
            #expect(stats["total_requests"] == 3)
            #expect(sim.state.stats().totalRequests == 3)
            let reset = try await sim.send(.POST, "/__simulator/reset")
            #expect(reset.status == 200)
            #expect(try await sim.stats()["total_requests"] == 0)
        }
    }
}
