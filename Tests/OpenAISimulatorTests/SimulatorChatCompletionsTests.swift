import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

extension SimHTTPResult {
    /// The `data:` payloads of a Chat Completions stream, without the final `[DONE]`.
    var chatChunks: [JSONValue] {
        get throws {
            try body.split(separator: "\n", omittingEmptySubsequences: true)
                .filter { $0.hasPrefix("data: ") && $0 != "data: [DONE]" }
                .map { try JSONValue(parsing: String($0.dropFirst(6))) }
        }
    }
}

@Suite("Simulator Chat Completions API")
struct SimulatorChatCompletionsTests {
    static let messages: JSONValue = [
        ["role": "system", "content": "Be brief."],
        ["role": "user", "content": "Tell me about the sea"],
    ]

    @Test func createJSONIsDeterministicAndSpecValid() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = ["model": "gpt-4o-mini", "messages": Self.messages, "temperature": 0.5]
            let first = try await sim.post("/v1/chat/completions", body)
            #expect(first.status == 200)
            try await SpecCheck.expectValid("CreateChatCompletionResponse", first.body)
            let json = try first.json
            let id = try #require(json["id"]?.stringValue)
            #expect(id.hasPrefix("chatcmpl-") && id.count == 38)
            #expect(json["object"] == "chat.completion")
            #expect(json["model"] == "gpt-4o-mini")
            #expect(json["service_tier"] == "default")
            #expect(json["system_fingerprint"]?.stringValue?.hasPrefix("fp_") == true)
            #expect(json["choices"]?.arrayValue?.count == 1)
            let choice = try #require(json["choices"]?[0])
            #expect(choice["index"] == 0)
            #expect(choice["finish_reason"] == "stop")
            #expect(choice["logprobs"] == .null)
            #expect(choice["message"]?["role"] == "assistant")
            #expect(choice["message"]?["refusal"] == .null)
            let text = try #require(choice["message"]?["content"]?.stringValue)
            #expect(text.hasPrefix("Simulated reply to: Tell me about the sea. Following the instructions: Be brief."))
            let usage = try #require(json["usage"])
            let words = text.split(separator: " ").count
            // 3 for the reply + per message 3 and ~4 characters a token.
            #expect(usage["prompt_tokens"]?.intValue == 3 + (3 + (9 + 3) / 4) + (3 + (21 + 3) / 4))
            #expect(usage["completion_tokens"]?.intValue == words)
            #expect(usage["total_tokens"]?.intValue == (usage["prompt_tokens"]?.intValue ?? 0) + words)
            #expect(usage["prompt_tokens_details"]?["cached_tokens"] == 0)
            #expect(usage["completion_tokens_details"]?["reasoning_tokens"] == 0)
            #expect(first.headers.first(name: "x-request-id")?.hasPrefix("req_") == true)
            #expect(first.headers.first(name: "x-ratelimit-remaining-tokens") != nil)

            let second = try await sim.post("/v1/chat/completions", body).json
            #expect(second["choices"]?[0]?["message"]?["content"]?.stringValue == text)
            #expect(second["id"] != json["id"])
            // Nothing stored by default.
            #expect(try await sim.get("/v1/chat/completions/\(id)").status == 404)
            #expect(try await sim.stats()["requests"]?["POST /v1/chat/completions"] == 2)
        }
    }

    @Test func choicesTokenLimitsReasoningAndCache() async throws {
        try await SimHarness.with { sim in
            let three = try await sim.post(
                "/v1/chat/completions",
                ["model": "gpt-4o", "n": 3, "messages": [["role": "user", "content": [["type": "text", "text": "Pick a colour"]]]]]
            )
            try await SpecCheck.expectValid("CreateChatCompletionResponse", three.body)
            let choices = try #require(try three.json["choices"]?.arrayValue)
            #expect(choices.map { $0["index"]?.intValue } == [0, 1, 2])
            let texts = choices.compactMap { $0["message"]?["content"]?.stringValue }
            #expect(texts.allSatisfy { $0.hasPrefix("Simulated reply to: Pick a colour.") })
            #expect(Set(texts).count == 3, "each choice has its own closing sentence")
            let words = texts.reduce(0) { $0 + $1.split(separator: " ").count }
            #expect(try three.json["usage"]?["completion_tokens"]?.intValue == words)

            let cut = try await sim.post(
                "/v1/chat/completions",
                [
                    "model": "gpt-5-mini", "max_completion_tokens": 5, "prompt_cache_key": "k1",
                    "messages": [["role": "developer", "content": "Answer."], ["role": "user", "content": "Write a long story"]],
                ]
            )
            try await SpecCheck.expectValid("CreateChatCompletionResponse", cut.body)
            let cutJSON = try cut.json
            #expect(cutJSON["choices"]?[0]?["finish_reason"] == "length")
            #expect(cutJSON["choices"]?[0]?["message"]?["content"]?.stringValue?.split(separator: " ").count == 5)
            let reasoning = try #require(cutJSON["usage"]?["completion_tokens_details"]?["reasoning_tokens"]?.intValue)
            #expect(reasoning > 0)
            #expect(cutJSON["usage"]?["completion_tokens"]?.intValue == 5 + reasoning)
            #expect((cutJSON["usage"]?["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0) > 0)

            // The deprecated max_tokens works on older models and is refused by reasoning models, as OpenAI does.
            let legacy = try await sim.post(
                "/v1/chat/completions",
                ["model": "gpt-4o", "max_tokens": 2, "messages": [["role": "user", "content": "hi"]]]
            )
            #expect(try legacy.json["choices"]?[0]?["finish_reason"] == "length")
            let refused = try await sim.post(
                "/v1/chat/completions",
                ["model": "o3-mini", "max_tokens": 2, "messages": [["role": "user", "content": "hi"]]]
            )
            #expect(refused.status == 400)
            #expect(try refused.json["error"]?["code"] == "unsupported_parameter")
            #expect(try refused.json["error"]?["param"] == "max_tokens")
        }
    }

    @Test func streamWithoutIncludeUsageHasNoUsageKey() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = ["model": "gpt-4o", "messages": Self.messages]
            let json = try await sim.post("/v1/chat/completions", body).json
            let result = try await sim.post("/v1/chat/completions", ["model": "gpt-4o", "messages": Self.messages, "stream": true])
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            #expect(result.body.hasPrefix("data: {\"id\":\"chatcmpl-"))
            #expect(result.body.hasSuffix("\n\ndata: [DONE]\n\n"))
            #expect(!result.body.contains("event:"))
            try await SpecCheck.expectValid("CreateChatCompletionStreamResponse", result.body)
            let chunks = try result.chatChunks
            try #require(chunks.count > 3)
            #expect(Set(chunks.compactMap { $0["id"]?.stringValue }).count == 1)
            #expect(chunks.allSatisfy { $0["object"] == "chat.completion.chunk" && $0["model"] == "gpt-4o" })
            #expect(chunks.allSatisfy { $0.objectValue?["usage"] == nil }, "no usage key without include_usage")
            #expect(chunks.allSatisfy { $0["obfuscation"]?.stringValue?.isEmpty == false })
            #expect(chunks.allSatisfy { $0["choices"]?.arrayValue?.count == 1 })
            let first = try #require(chunks.first?["choices"]?[0])
            #expect(first["delta"] == ["role": "assistant", "content": "", "refusal": nil])
            #expect(first["finish_reason"] == .null)
            let last = try #require(chunks.last?["choices"]?[0])
            #expect(last["delta"] == [:])
            #expect(last["finish_reason"] == "stop")
            let middle = chunks.dropFirst().dropLast()
            #expect(middle.allSatisfy { $0["choices"]?[0]?["finish_reason"] == .null && $0["choices"]?[0]?["delta"]?["role"] == nil })
            let text = middle.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            #expect(text == json["choices"]?[0]?["message"]?["content"]?.stringValue)
            let stats = try await sim.stats()
            #expect(stats["completed_streams"] == 1)
            #expect(stats["open_streams"] == 0)
        }
    }

    @Test func streamWithIncludeUsageEndsWithAUsageChunk() async throws {
        try await SimHarness.with { sim in
            let json = try await sim.post("/v1/chat/completions", ["model": "gpt-4o", "n": 2, "messages": Self.messages]).json
            let result = try await sim.post(
                "/v1/chat/completions",
                [
                    "model": "gpt-4o", "n": 2, "messages": Self.messages, "stream": true,
                    "stream_options": ["include_usage": true, "include_obfuscation": false],
                ]
            )
            try await SpecCheck.expectValid("CreateChatCompletionStreamResponse", result.body)
            #expect(result.body.hasSuffix("\n\ndata: [DONE]\n\n"))
            let chunks = try result.chatChunks
            let usageChunk = try #require(chunks.last)
            #expect(usageChunk["choices"] == [])
            #expect(usageChunk["usage"] == json["usage"])
            #expect(chunks.dropLast().allSatisfy { $0.objectValue?["usage"] == .null }, "every other chunk has usage: null")
            #expect(chunks.allSatisfy { $0.objectValue?["obfuscation"] == nil })
            for index in 0..<2 {
                let mine = chunks.dropLast().compactMap { $0["choices"]?[0] }.filter { $0["index"]?.intValue == index }
                #expect(mine.first?["delta"]?["role"] == "assistant")
                #expect(mine.last?["finish_reason"] == "stop")
                let text = mine.compactMap { $0["delta"]?["content"]?.stringValue }.joined()
                #expect(text == json["choices"]?[index]?["message"]?["content"]?.stringValue)
            }
            // Choices are interleaved: the first two chunks open choice 0 and choice 1.
            #expect(chunks.prefix(2).map { $0["choices"]?[0]?["index"]?.intValue } == [0, 1])

            let off = try await sim.post(
                "/v1/chat/completions",
                ["model": "gpt-4o", "messages": Self.messages, "stream": true, "stream_options": ["include_usage": false]]
            )
            #expect(try off.chatChunks.allSatisfy { $0.objectValue?["usage"] == nil })
        }
    }

    @Test func validationErrorsUseOpenAIShape() async throws {
        try await SimHarness.with { sim in
            let user: JSONValue = [["role": "user", "content": "hi"]]
            let cases: [(JSONValue, String?, String?)] = [
                (["messages": user], "model", "missing_required_parameter"),
                (["model": "gpt-4o"], "messages", "missing_required_parameter"),
                (["model": "gpt-4o", "messages": []], "messages", "empty_array"),
                (["model": "gpt-4o", "messages": "hi"], "messages", "invalid_type"),
                (["model": "gpt-4o", "messages": [["role": "bot", "content": "x"]]], "messages[0].role", "invalid_value"),
                (["model": "gpt-4o", "messages": [["content": "x"]]], "messages[0].role", "missing_required_parameter"),
                (["model": "gpt-4o", "messages": [["role": "user"]]], "messages[0].content", "missing_required_parameter"),
                (["model": "gpt-4o", "messages": user, "n": 0], "n", "integer_below_min_value"),
                (["model": "gpt-4o", "messages": user, "temperature": 3], "temperature", "decimal_above_max_value"),
                (["model": "gpt-4o", "messages": user, "stream_options": ["include_usage": true]], "stream_options", nil),
                (["model": "gpt-4o", "messages": user, "stream": "yes"], "stream", "invalid_type"),
            ]
            for (body, param, code) in cases {
                let result = try await sim.post("/v1/chat/completions", body)
                #expect(result.status == 400, "\(body.jsonString)")
                let error = try result.json["error"]
                #expect(error?["param"] == JSONValue(param), "\(body.jsonString): \(result.body)")
                #expect(error?["code"] == JSONValue(code), "\(body.jsonString): \(result.body)")
                #expect(error?["type"] == "invalid_request_error")
                try await SpecCheck.expectValid("ErrorResponse", result.body)
            }
            let malformed = try await sim.send(.POST, "/v1/chat/completions", rawBody: "{nope")
            #expect(malformed.status == 400)
        }
    }

    @Test func storedCompletionsListRetrieveUpdateDelete() async throws {
        try await SimHarness.with { sim in
            var created: [JSONValue] = []
            for (index, team) in ["red", "blue", "red"].enumerated() {
                let model: JSONValue = index == 1 ? "gpt-4o-mini" : "gpt-4o"
                let result = try await sim.post(
                    "/v1/chat/completions",
                    [
                        "model": model, "store": true, "metadata": ["team": .string(team)],
                        "messages": [["role": "user", "content": .string("Question \(index)")]],
                    ]
                )
                created.append(try result.json)
            }
            _ = try await sim.post("/v1/chat/completions", ["model": "gpt-4o", "store": false, "messages": [["role": "user", "content": "x"]]])
            let ids = created.compactMap { $0["id"]?.stringValue }

            let all = try await sim.get("/v1/chat/completions")
            try await SpecCheck.expectValid("ChatCompletionList", all.body)
            let allJSON = try all.json
            #expect(allJSON["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ids, "oldest first by default")
            #expect(allJSON["first_id"]?.stringValue == ids[0])
            #expect(allJSON["has_more"] == false)

            let desc = try await sim.get("/v1/chat/completions?order=desc&limit=2").json
            #expect(desc["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2], ids[1]])
            #expect(desc["has_more"] == true)
            let rest = try await sim.get("/v1/chat/completions?order=desc&limit=2&after=\(ids[1])").json
            #expect(rest["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0]])
            let mini = try await sim.get("/v1/chat/completions?model=gpt-4o-mini").json
            #expect(mini["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[1]])
            let red = try await sim.get("/v1/chat/completions?metadata%5Bteam%5D=red").json
            #expect(red["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0], ids[2]])
            #expect(try await sim.get("/v1/chat/completions?limit=0").status == 400)

            let retrieved = try await sim.get("/v1/chat/completions/\(ids[0])")
            try await SpecCheck.expectValid("CreateChatCompletionResponse", retrieved.body)
            var expected = try #require(created[0].objectValue)
            expected["metadata"] = ["team": "red"]
            #expect(try retrieved.json == .object(expected))

            let updated = try await sim.post("/v1/chat/completions/\(ids[0])", ["metadata": ["team": "green"]])
            #expect(try updated.json["metadata"] == ["team": "green"])
            #expect(try await sim.get("/v1/chat/completions/\(ids[0])").json["metadata"] == ["team": "green"])

            let deleted = try await sim.send(.DELETE, "/v1/chat/completions/\(ids[0])")
            try await SpecCheck.expectValid("ChatCompletionDeleted", deleted.body)
            #expect(try deleted.json == ["object": "chat.completion.deleted", "id": .string(ids[0]), "deleted": true])
            let missing = try await sim.get("/v1/chat/completions/\(ids[0])")
            #expect(missing.status == 404)
            try await SpecCheck.expectValid("ErrorResponse", missing.body)
            #expect(try await sim.send(.DELETE, "/v1/chat/completions/\(ids[0])").status == 404)
            #expect(try await sim.get("/v1/chat/completions").json["data"]?.arrayValue?.count == 2)

            let stats = try await sim.stats()
            #expect(stats["requests"]?["GET /v1/chat/completions/{id}"] == 3)
            #expect(stats["requests"]?["DELETE /v1/chat/completions/{id}"] == 2)
            #expect(stats["requests"]?["POST /v1/chat/completions/{id}"] == 1)
            _ = try await sim.send(.POST, "/__simulator/reset")
            #expect(try await sim.get("/v1/chat/completions").json["data"] == [])
        }
    }

    // MARK: - Faults

    @Test func statusAndDelayFaultsApply() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]]
            _ = try await sim.post(
                "/__simulator/faults",
                ["path": "/v1/chat/completions", "method": "POST", "status": 429, "retry_after_ms": 1500]
            )
            let limited = try await sim.post("/v1/chat/completions", body)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "retry-after-ms") == "1500")
            #expect(try limited.json["error"]?["code"] == "rate_limit_exceeded")
            try await SpecCheck.expectValid("ErrorResponse", limited.body)
            #expect(try await sim.post("/v1/chat/completions", body).status == 200)

            sim.state.addFault(SimulatorFault(path: "/v1/chat/*", delayMs: 300))
            let start = ContinuousClock.now
            #expect(try await sim.post("/v1/chat/completions", body).status == 200)
            #expect(start.duration(to: .now) >= .milliseconds(300))
            #expect(try await sim.stats()["requests"]?["POST /v1/chat/completions"] == 3)
        }
    }

    @Test func dropAfterEventsCutsTheStream() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/chat/completions", dropAfterEvents: 3))
            var request = HTTPClientRequest(url: sim.root + "/v1/chat/completions")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: #"{"model":"gpt-4o","messages":[{"role":"user","content":"drop"}],"stream":true}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            var text = ""
            var failed = false
            do {
                for try await chunk in response.body { text += String(buffer: chunk) }
            } catch {
                failed = true
            }
            #expect(failed, "the body should end with a connection error, not a clean end")
            #expect(text.components(separatedBy: "data: ").count - 1 == 3)
            #expect(!text.contains("[DONE]"))
            #expect(try await sim.eventually { sim.state.stats().openStreams == 0 })
            #expect(sim.state.stats().completedStreams == 0)
        }
    }

    @Test func failAfterEventsSendsAnErrorChunkAndInjectedChunksPassThrough() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": "fail"]], "stream": true]
            sim.state.addFault(SimulatorFault(path: "/v1/chat/completions", failAfterEvents: 4))
            let failed = try await sim.post("/v1/chat/completions", body)
            #expect(failed.status == 200)
            #expect(!failed.body.contains("[DONE]"))
            let chunks = try failed.chatChunks
            #expect(chunks.count == 5)
            #expect(chunks.last?["error"]?["type"] == "server_error")
            try await SpecCheck.expectValid("CreateChatCompletionStreamResponse", chunks.dropLast().map { "data: \($0.jsonString)\n\n" }.joined())
            try await SpecCheck.expectValid("ErrorResponse", chunks.last?.jsonString ?? "")

            sim.state.addFault(
                SimulatorFault(path: "/v1/chat/completions", injectEvents: [["type": "future.chunk", "object": "chat.completion.chunk.future"]])
            )
            let injected = try await sim.post("/v1/chat/completions", body)
            let injectedChunks = try injected.chatChunks
            #expect(injectedChunks[1] == ["type": "future.chunk", "object": "chat.completion.chunk.future"])
            #expect(injectedChunks[0]["choices"]?[0]?["delta"]?["role"] == "assistant")
            #expect(injected.body.hasSuffix("data: [DONE]\n\n"))
            #expect(!injected.body.contains("event:"))
        }
    }

    @Test func eventDelayPacesTheStream() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/chat/completions", eventDelayMs: 20))
            let start = ContinuousClock.now
            let result = try await sim.post(
                "/v1/chat/completions",
                ["model": "gpt-4o", "messages": [["role": "user", "content": "slow"]], "stream": true]
            )
            let frames = result.body.components(separatedBy: "data: ").count - 1
            #expect(frames > 5)
            #expect(start.duration(to: .now) >= .milliseconds(20 * (frames - 1)))
        }
    }

    @Test func clientDisconnectIsSeenWithinOneSecond() async throws {
        try await SimHarness.with(eventDelay: .seconds(3)) { sim in
            let firstChunk = AsyncStream<Void>.makeStream()
            let reader = Task {
                var request = HTTPClientRequest(url: sim.root + "/v1/chat/completions")
                request.method = .POST
                request.body = .bytes(
                    ByteBuffer(string: #"{"model":"gpt-4o","messages":[{"role":"user","content":"disconnect me"}],"stream":true}"#)
                )
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                for try await _ in response.body {
                    firstChunk.continuation.yield()
                }
            }
            var iterator = firstChunk.stream.makeAsyncIterator()
            _ = await iterator.next()
            #expect(sim.state.stats().openStreams == 1)
            reader.cancel()
            let seen = try await sim.eventually(timeout: .seconds(1)) { sim.state.stats().clientDisconnects == 1 }
            #expect(seen, "client disconnect not seen within 1 s")
            #expect(sim.state.stats().openStreams == 0)
            #expect(sim.state.stats().completedStreams == 0)
        }
    }
}
