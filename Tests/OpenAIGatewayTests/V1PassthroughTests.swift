import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// `/v1` over real HTTP: client → gateway → simulator, compared with the simulator answering directly.
@Suite("OpenAI-compatible /v1 pass-through")
struct V1PassthroughTests {
    /// The same request sent straight to the simulator (with a key, as the gateway would).
    private func direct(
        _ gateway: GatewayHarness,
        _ method: HTTPMethod,
        _ path: String,
        json: JSONValue? = nil
    ) async throws
        -> GatewayHarness.HTTPResult
    {
        var request = HTTPClientRequest(url: gateway.simulator.baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer sk-test-harness-0123456789abcdefghijklmnop")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.jsonBytes))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return GatewayHarness.HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// The JSON of every `data:` line of an SSE body (`[DONE]` as a string).
    private func dataLines(_ text: String) -> [JSONValue] {
        text.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { line in
            let data = String(line.dropFirst(6))
            return (try? JSONValue(parsing: data)) ?? .string(data)
        }
    }

    @Test("bodies and SSE bytes reach the client byte for byte; OpenAI's x-request-id passes, the gateway's id is beside it")
    func byteExact() async throws {
        try await GatewayHarness.run { gateway in
            let created = try await gateway.request(.POST, "/v1/responses", json: ["model": "gpt-4o", "input": "Hello", "store": true])
            #expect(created.status == 200)
            let id = try #require(try created.json()["id"]?.stringValue)
            #expect(created.headers.first(name: "x-request-id")?.hasPrefix("req_") == true)
            #expect(created.headers.first(name: "x-gateway-request-id")?.hasPrefix("gw_") == true)
            #expect(created.headers.first(name: "x-ratelimit-limit-requests") != nil)

            let viaGateway = try await gateway.request(.GET, "/v1/responses/\(id)")
            let straight = try await direct(gateway, .GET, "/responses/\(id)")
            #expect(viaGateway.status == straight.status)
            #expect(viaGateway.body == straight.body)
            #expect(viaGateway.headers.first(name: "content-type") == straight.headers.first(name: "content-type"))

            let streamed = try await gateway.request(.GET, "/v1/responses/\(id)?stream=true&starting_after=1")
            let straightStream = try await direct(gateway, .GET, "/responses/\(id)?stream=true&starting_after=1")
            #expect(streamed.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            #expect(!streamed.body.isEmpty)
            #expect(streamed.body == straightStream.body, "SSE bytes differ")
        }
    }

    @Test("an unknown path is forwarded, its answer passed through, and the call logged")
    func unknownPathForwarded() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let viaGateway = try await gateway.request(.POST, "/v1/some_new_api?x=1", json: ["hello": "world"])
            let straight = try await direct(gateway, .POST, "/some_new_api?x=1", json: ["hello": "world"])
            #expect(viaGateway.status == straight.status)
            #expect(viaGateway.body == straight.body)
            #expect(gateway.upstreamCount("POST /v1/some_new_api") == 2)
            return gateway
        }
        let entry = try #require(try gateway.logEntries(api: "gateway").last)
        #expect(entry["route"]?.stringValue == "/v1/some_new_api")
        #expect(entry["endpoint"]?.stringValue == "POST /v1/some_new_api")
        #expect(entry["status"]?.intValue == 404)
    }

    @Test("a chat stream without include_usage: the gateway meters it, and the client sees exactly the chunks it asked for")
    func chatStreamUsageInjected() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let body: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": "Tell me a story"]], "stream": true]
            let viaGateway = dataLines(try await gateway.request(.POST, "/v1/chat/completions", json: body).text)
            let straight = dataLines(try await direct(gateway, .POST, "/chat/completions", json: body).text)
            #expect(viaGateway.count == straight.count)
            #expect(viaGateway.last == .string("[DONE]"))
            func shape(_ chunk: JSONValue) -> JSONValue {
                guard var object = chunk.objectValue else { return chunk }
                for key in ["id", "created", "obfuscation"] { object[key] = nil }
                return .object(object)
            }
            #expect(viaGateway.map(shape) == straight.map(shape))
            for chunk in viaGateway { #expect(chunk["usage"] == nil, "\(chunk)") }

            // Asked for by the client: the usage chunk is the client's and comes through.
            var withUsage = body.objectValue ?? [:]
            withUsage["stream_options"] = ["include_usage": true]
            let usageChunks = dataLines(try await gateway.request(.POST, "/v1/chat/completions", json: .object(withUsage)).text)
            #expect(usageChunks.dropLast().last?["usage"]?["total_tokens"]?.intValue ?? 0 > 0)
            #expect(usageChunks.dropLast().last?["choices"]?.arrayValue?.isEmpty == true)
            return gateway
        }
        let entries = try gateway.logEntries(api: "chat")
        #expect(entries.count == 2)
        for entry in entries {
            #expect(entry["route"]?.stringValue == "/v1/chat/completions")
            #expect((entry["usage"]?["total_tokens"]?.intValue ?? 0) > 0)
            #expect((entry["cost_usd"]?.doubleValue ?? 0) > 0)
            #expect(entry["stream"]?["outcome"]?.stringValue == "completed")
            #expect(entry["object_id"]?.stringValue?.hasPrefix("chatcmpl") == true)
        }
    }

    @Test("429s are retried by the gateway; after it gives up the 429 comes through unchanged with x-should-retry: false")
    func retriesThenPassThrough() async throws {
        let gateway = try await GatewayHarness.run(configure: { $0.maxRetries = 2 }) { gateway in
            let body: JSONValue = ["model": "gpt-4o", "messages": [["role": "user", "content": "Hi"]]]
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/chat/completions", status: 429, count: 2, retryAfterMs: 20))
            let recovered = try await gateway.request(.POST, "/v1/chat/completions", json: body)
            #expect(recovered.status == 200)
            #expect(gateway.upstreamCount("POST /v1/chat/completions") == 3)

            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/chat/completions", status: 429, count: 100, retryAfterMs: 20))
            let refused = try await gateway.request(.POST, "/v1/chat/completions", json: body)
            #expect(refused.status == 429)
            #expect(refused.headers.first(name: "x-should-retry") == "false")
            #expect(refused.headers.first(name: "retry-after-ms") == "20")
            #expect(try refused.json()["error"]?["type"]?.stringValue != nil)
            #expect(gateway.upstreamCount("POST /v1/chat/completions") == 3 + 3)
            gateway.simulator.state.clearFaults()
            return gateway
        }
        let entries = try gateway.logEntries(api: "chat")
        #expect(entries.map { $0["attempts"]?.intValue } == [3, 3])
        #expect(entries.last?["outcome"]?.stringValue == "failed")
    }

    @Test("a multipart file upload streams through /v1/files, and its content comes back byte for byte")
    func filesRoundTrip() async throws {
        try await GatewayHarness.run { gateway in
            let bytes = 3 << 20
            let created = try await gateway.upload(
                "/v1/files",
                parts: [.field("purpose", "user_data"), .file(filename: "data.bin", .generated(count: bytes))]
            )
            #expect(created.status == 200)
            let id = try #require(try created.json()["id"]?.stringValue)
            let content = try await gateway.request(.GET, "/v1/files/\(id)/content")
            #expect(content.status == 200)
            #expect(content.body.count == bytes)
            #expect(content.body.prefix(4096).elementsEqual((0..<4096).map(TestPart.byte(at:))))
            #expect(try await gateway.request(.DELETE, "/v1/files/\(id)").json()["deleted"] == true)
        }
    }

    @Test("embeddings are billed by tokens, moderations are free, lists carry no cost")
    func metering() async throws {
        let gateway = try await GatewayHarness.run { (gateway) async throws -> GatewayHarness in
            #expect(try await gateway.request(.POST, "/v1/embeddings", json: ["model": "text-embedding-3-small", "input": "hello"]).status == 200)
            #expect(try await gateway.request(.POST, "/v1/moderations", json: ["input": "hello"]).status == 200)
            #expect(try await gateway.request(.GET, "/v1/models").status == 200)
            return gateway
        }
        let embedding = try #require(try gateway.logEntries(api: "embeddings").last)
        #expect((embedding["usage"]?["input_tokens"]?.intValue ?? 0) > 0)
        #expect((embedding["cost_usd"]?.doubleValue ?? 0) > 0)
        let moderation = try #require(try gateway.logEntries(api: "moderations").last)
        #expect(moderation["cost_usd"]?.doubleValue == 0)
        #expect(moderation["cost_note"]?.stringValue == "free_endpoint")
        let models = try #require(try gateway.logEntries(api: "models").last)
        #expect(models["cost_usd"] == .null)
        #expect(models["route"]?.stringValue == "/v1/models")
    }

    @Test("a transcription upload passes through as it arrives and is priced from its model and WAV header")
    func transcriptionMetered() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let wav = GatewayHarness.AudioFile(filename: "three-seconds.wav", bytes: GatewayHarness.smallWAV(samples: 48_000))
            let text = try await gateway.audioUpload(
                "/v1/audio/transcriptions",
                fields: [("model", "whisper-1"), ("response_format", "text")],
                file: wav
            )
            #expect(text.status == 200)
            #expect(text.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
            return gateway
        }
        let entry = try #require(try gateway.logEntries(api: "audio").last)
        #expect(entry["route"]?.stringValue == "/v1/audio/transcriptions")
        #expect(entry["model"]?.stringValue == "whisper-1")
        let perMinute = try #require(ModelCatalogue.bundled.model("whisper-1")?.prices.perMinute)
        let cost = try #require(entry["cost_usd"]?.doubleValue)
        #expect(abs(cost - 3.0 / 60 * perMinute) < 1e-12)
    }

    @Test("a client leaving a /v1 stream cancels the upstream at once")
    func streamClientLeaves() async throws {
        try await GatewayHarness.run(simulator: SimulatorConfiguration(eventDelay: .milliseconds(50))) { gateway in
            let result = try await gateway.stream(
                .POST,
                "/v1/responses",
                json: ["model": "gpt-4o", "input": "A long story please", "stream": true],
                stopAfter: 2
            )
            #expect(result.status == 200)
            let deadline = ContinuousClock.now + .seconds(2)
            while gateway.simulator.state.stats().clientDisconnects == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(gateway.simulator.state.stats().clientDisconnects >= 1)
        }
    }

    @Test("image generations are billed: GPT Image by its token usage, dall-e-2 per image by size")
    func imagesMetered() async throws {
        let gateway = try await GatewayHarness.run { (gateway) async throws -> GatewayHarness in
            let gpt = try await gateway.request(
                .POST,
                "/v1/images/generations",
                json: ["model": "gpt-image-1", "prompt": "A lighthouse", "size": "1024x1024", "quality": "low"]
            )
            #expect(gpt.status == 200)
            let dalle = try await gateway.request(
                .POST,
                "/v1/images/generations",
                json: ["model": "dall-e-2", "prompt": "A lighthouse", "size": "512x512", "n": 2]
            )
            #expect(dalle.status == 200)
            return gateway
        }
        let entries = try gateway.logEntries(api: "images")
        #expect(entries.count == 2)
        let gpt = try #require(entries.first)
        #expect(gpt["model"]?.stringValue == "gpt-image-1")
        let usage = try #require(
            TokenUsage(
                json: gpt["usage"].map { usage in
                    ["input_tokens": usage["input_tokens"] ?? 0, "output_tokens": usage["output_tokens"] ?? 0]
                }
            )
        )
        let tokenCost = try #require(CostEstimator(catalogue: .bundled).cost(model: "gpt-image-1", usage: usage))
        #expect(abs((gpt["cost_usd"]?.doubleValue ?? 0) - tokenCost) < 1e-9)
        let dalle = try #require(entries.last)
        #expect(dalle["cost_usd"]?.doubleValue == 0.036, "2 × dall-e-2 512x512 at $0.018")
    }

    @Test(
        "paths that could leave /v1 are refused before anything goes upstream",
        arguments: [
            "/v1/%2E%2E/admin", "/v1/.%2e/admin", "/v1/%2e%2E/admin", "/v1/..%5c/admin", "/v1/files%2F..%2Fadmin",
        ]
    )
    func dotSegmentsRefused(_ path: String) async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.GET, path)
            #expect(result.status == 400)
            #expect(try result.json()["error"]?["code"]?.stringValue == "invalid_path")
            #expect(gateway.simulator.state.stats().requests.values.reduce(0, +) == 0)
        }
    }

    @Test("a POST that timed out is not sent again (it may still be running and billed upstream)")
    func timedOutPostNotRetried() async throws {
        try await GatewayHarness.run(configure: {
            $0.timeout = .milliseconds(300)
            $0.maxRetries = 2
        }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/chat/completions", count: 5, delayMs: 1_000))
            let result = try await gateway.request(
                .POST,
                "/v1/chat/completions",
                json: ["model": "gpt-4o", "messages": [["role": "user", "content": "Hi"]]]
            )
            #expect(result.status == 504)
            #expect(try result.json()["error"]?["code"]?.stringValue == "timeout_error")
            #expect(result.headers.first(name: "x-should-retry") == "false")
            #expect(gateway.upstreamCount("POST /v1/chat/completions") == 1)
            gateway.simulator.state.clearFaults()
        }
    }

    @Test("include_usage is spliced into the client's bytes, which are otherwise unchanged")
    func usageSplicedNotReencoded() throws {
        let text = #"{"model":"gpt-4o","stream":true,"seed":18446744073709551615,"messages":[{"role":"user","content":"caf\u00e9"}]}"#
        let body = ByteBuffer(string: text)
        let spliced = try #require(OpenAICompatibleController.askingForUsage(try JSONValue(parsing: body), body: body))
        #expect(String(buffer: spliced) == #"{"stream_options":{"include_usage":true},"# + text.dropFirst())
        let asked = #"{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}"#
        #expect(OpenAICompatibleController.askingForUsage(try JSONValue(parsing: asked), body: ByteBuffer(string: asked)) == nil)
        let notStreaming = #"{"model":"gpt-4o"}"#
        #expect(OpenAICompatibleController.askingForUsage(try JSONValue(parsing: notStreaming), body: ByteBuffer(string: notStreaming)) == nil)
    }

    @Test("templates never carry a caller's values")
    func templates() {
        #expect(V1Endpoint.match(method: "GET", path: "/files/file-abc/content").template == "/files/{id}/content")
        #expect(V1Endpoint.match(method: "GET", path: "/vector_stores/vs_1/files").template == "/vector_stores/{id}/files")
        #expect(V1Endpoint.match(method: "POST", path: "/some_new_api/anything/else").template == "/some_new_api/{id}/{id}")
        #expect(V1Endpoint.match(method: "GET", path: "/Weird%20Name").template == "/{api}")
        #expect(V1Endpoint.match(method: "POST", path: "/chat/completions").billing == .tokens)
    }

    @Test("a multipart tap keeps only the fields metering reads")
    func tapKeepsMeteredFields() {
        var tap = MultipartTap(contentType: "multipart/form-data; boundary=b")
        var body = ""
        for index in 0..<500 { body += "--b\r\nContent-Disposition: form-data; name=\"f\(index)\"\r\n\r\nvalue\r\n" }
        body += "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--b--\r\n"
        tap.append(ByteBuffer(string: body))
        #expect(tap.fields == ["model": "whisper-1"])
    }
}
