import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

/// The simulator refuses what OpenAI refuses, in OpenAI's error shape and status (issue 13).
@Suite("Simulator strictness")
struct SimulatorStrictnessTests {
    /// Expects OpenAI's error: the status, `code` and `param`, a body valid as the spec's `ErrorResponse`.
    func expectError(
        _ result: SimHTTPResult,
        status: Int,
        code: String,
        param: String?,
        message: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(result.status == status, "\(result.body)", sourceLocation: sourceLocation)
        let error = try result.json["error"]
        #expect(error?["code"]?.stringValue == code, "\(result.body)", sourceLocation: sourceLocation)
        #expect(error?["param"]?.stringValue == param, "\(result.body)", sourceLocation: sourceLocation)
        #expect(error?["type"] == "invalid_request_error", sourceLocation: sourceLocation)
        if let message { #expect(error?["message"]?.stringValue == message, sourceLocation: sourceLocation) }
        try await SpecCheck.expectValid("ErrorResponse", result.body, sourceLocation: sourceLocation)
    }

    @Test func unknownTopLevelParametersAreRefusedOnEveryJSONEndpoint() async throws {
        try await SimHarness.with { sim in
            let store = try await sim.post("/v1/vector_stores", ["name": "docs"]).json
            let storeID = try #require(store["id"]?.stringValue)
            let bodies: [(String, JSONObject)] = [
                ("/v1/responses", ["model": "gpt-4o", "input": "hi"]),
                ("/v1/responses/input_tokens", ["model": "gpt-4o", "input": "hi"]),
                ("/v1/chat/completions", ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]]),
                ("/v1/embeddings", ["model": "text-embedding-3-small", "input": "hi"]),
                ("/v1/moderations", ["input": "hi"]),
                ("/v1/images/generations", ["model": "gpt-image-1", "prompt": "a cat"]),
                ("/v1/audio/speech", ["model": "tts-1", "input": "hi", "voice": "alloy"]),
                ("/v1/vector_stores", ["name": "x"]),
                ("/v1/vector_stores/\(storeID)", ["name": "renamed"]),
                ("/v1/vector_stores/\(storeID)/search", ["query": "hi"]),
                ("/v1/videos", ["prompt": "a wave"]),
            ]
            for (path, body) in bodies {
                var strayed = body
                strayed["temprature"] = 0.5
                try await expectError(
                    try await sim.post(path, .object(strayed)),
                    status: 400,
                    code: "unknown_parameter",
                    param: "temprature",
                    message: "Unknown parameter: 'temprature'."
                )
                let accepted = try await sim.post(path, .object(body))
                #expect(accepted.status == 200, "\(path): \(accepted.body)")
            }
            // A member the spec lists is accepted even though the simulator does not act on it.
            let known = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "hi", "prompt_cache_retention": "24h"])
            #expect(known.status == 200, "\(known.body)")
            // The control routes are not OpenAI's and are not checked against the spec.
            #expect(try await sim.post("/__simulator/faults", ["path": "/v1/nowhere", "status": 500]).status == 201)
        }
    }

    @Test func unknownModelsAreNotFoundUntilAdded() async throws {
        try await SimHarness.with { sim in
            let message = "The model `gpt-made-up` does not exist or you do not have access to it."
            let requests: [(String, JSONValue)] = [
                ("/v1/responses", ["model": "gpt-made-up", "input": "hi"]),
                ("/v1/chat/completions", ["model": "gpt-made-up", "messages": [["role": "user", "content": "hi"]]]),
                ("/v1/embeddings", ["model": "gpt-made-up", "input": "hi"]),
                ("/v1/moderations", ["model": "gpt-made-up", "input": "hi"]),
                ("/v1/audio/speech", ["model": "gpt-made-up", "input": "hi", "voice": "alloy"]),
            ]
            for (path, body) in requests {
                let refused = try await sim.post(path, body)
                #expect(refused.status == 404, "\(path): \(refused.body)")
                #expect(try refused.json["error"]?["code"] == "model_not_found", "\(path)")
                #expect(try refused.json["error"]?["message"]?.stringValue == message, "\(path)")
                try await SpecCheck.expectValid("ErrorResponse", refused.body)
            }
            let transcription = try await sim.upload(
                "/v1/audio/transcriptions",
                [.file(name: "file", filename: "a.wav", bytes: [UInt8](repeating: 1, count: 100)), .field("model", "gpt-made-up")]
            )
            #expect(transcription.status == 404)
            // Catalogue models and their dated snapshots are known.
            #expect(try await sim.post("/v1/responses", ["model": "gpt-4o-2024-08-06", "input": "hi"]).status == 200)

            let added = try await sim.post("/__simulator/models", ["id": "gpt-made-up", "kind": "text", "context_window": 1000])
            #expect(added.status == 201, "\(added.body)")
            #expect(try added.json["data"]?[0]?["id"] == "gpt-made-up")
            for (path, body) in requests where !path.hasSuffix("speech") {
                #expect(try await sim.post(path, body).status == 200, "\(path)")
            }
            let listed = try await sim.get("/v1/models").json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(listed.contains("gpt-made-up"))
            #expect(listed.contains("gpt-4o"))
            #expect(try await sim.get("/v1/models/gpt-made-up").status == 200)
            // Added models survive a reset; the state adds them in-process too.
            _ = try await sim.send(.POST, "/__simulator/reset")
            sim.state.models.add(ModelInfo(name: "my-fine-tune", kind: .text))
            #expect(try await sim.post("/v1/responses", ["model": "gpt-made-up", "input": "hi"]).status == 200)
            #expect(try await sim.post("/v1/responses", ["model": "my-fine-tune", "input": "hi"]).status == 200)
            let invalid = try await sim.post("/__simulator/models", ["kind": "text"])
            #expect(invalid.status == 400)
        }
    }

    @Test func configurationChoosesTheCatalogue() async throws {
        let catalogue = ModelCatalogue(models: ["only-model": ModelInfo(name: "only-model", kind: .text)])
        let simulator = try await SimulatorServer.start(.init(port: 0, eventDelay: .zero, models: catalogue))
        let sim = SimHarness(simulator: simulator)
        do {
            #expect(try await sim.post("/v1/responses", ["model": "only-model", "input": "hi"]).status == 200)
            #expect(try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "hi"]).status == 404)
            #expect(try await sim.get("/v1/models").json["data"]?.arrayValue?.count == 1)
        } catch {
            await simulator.shutdown()
            throw error
        }
        await simulator.shutdown()
    }

    @Test func codeInterpreterNeedsAContainer() async throws {
        try await SimHarness.with { sim in
            let refused = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "hi", "tools": [["type": "code_interpreter"]]])
            try await expectError(refused, status: 400, code: "missing_required_parameter", param: "tools[0].container")
        }
    }

    @Test func inputsBeyondTheContextWindowAreRefused() async throws {
        try await SimHarness.with { sim in
            // gpt-4's catalogue context window is 8192 tokens; ~4 characters a token.
            let long = String(repeating: "word ", count: 8_000)
            try await expectError(
                try await sim.post("/v1/responses", ["model": "gpt-4", "input": .string(long)]),
                status: 400,
                code: "context_length_exceeded",
                param: "input",
                message: "Your input exceeds the context window of this model. Please adjust your input and try again."
            )
            #expect(try await sim.post("/v1/responses", ["model": "gpt-4.1", "input": .string(long)]).status == 200)
            let chat = try await sim.post("/v1/chat/completions", ["model": "gpt-4", "messages": [["role": "user", "content": .string(long)]]])
            try await expectError(chat, status: 400, code: "context_length_exceeded", param: "messages")
            #expect(try chat.json["error"]?["message"]?.stringValue?.hasPrefix("This model's maximum context length is 8192 tokens.") == true)

            // A continuation counts the previous response's tokens too.
            _ = try await sim.post("/__simulator/models", ["id": "tiny"])
            let first = try await sim.post("/v1/responses", ["model": "tiny", "input": "Tell me something short."])
            #expect(first.status == 200, "\(first.body)")
            let firstID = try #require(try first.json["id"]?.stringValue)
            let firstTotal = try #require(try first.json["usage"]?["total_tokens"]?.intValue)
            _ = try await sim.post("/__simulator/models", ["id": "tiny", "context_window": JSONValue(firstTotal + 1)])
            let next: JSONValue = ["model": "tiny", "input": "And once more, please, a little longer."]
            #expect(try await sim.post("/v1/responses", next).status == 200)
            var continued = next.objectValue ?? [:]
            continued["previous_response_id"] = .string(firstID)
            let second = try await sim.post("/v1/responses", .object(continued))
            try await expectError(second, status: 400, code: "context_length_exceeded", param: "input")
        }
    }

    @Test func cancellingAForegroundOrFinishedResponseIsRefused() async throws {
        try await SimHarness.with(stepDelay: .milliseconds(20)) { sim in
            let foreground = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "x"]).json
            let foregroundID = try #require(foreground["id"]?.stringValue)
            let refused = try await sim.send(.POST, "/v1/responses/\(foregroundID)/cancel")
            #expect(refused.status == 400)
            #expect(try refused.json["error"]?["message"] == "Cannot cancel a synchronous response.")
            try await SpecCheck.expectValid("ErrorResponse", refused.body)

            let background = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "x", "background": true]).json
            let backgroundID = try #require(background["id"]?.stringValue)
            #expect(try await sim.eventually { try await sim.get("/v1/responses/\(backgroundID)").json["status"] == "completed" })
            let finished = try await sim.send(.POST, "/v1/responses/\(backgroundID)/cancel")
            #expect(finished.status == 400)
            #expect(try finished.json["error"]?["message"] == "Cannot cancel a completed response.")
            #expect(try await sim.get("/v1/responses/\(backgroundID)").json["status"] == "completed")
        }
    }

    @Test func cancellingTwiceAnswersTheCancelledResponse() async throws {
        try await SimHarness.with(stepDelay: .milliseconds(300)) { sim in
            let background = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "x", "background": true]).json
            let id = try #require(background["id"]?.stringValue)
            #expect(try await sim.send(.POST, "/v1/responses/\(id)/cancel").status == 200)
            let again = try await sim.send(.POST, "/v1/responses/\(id)/cancel")
            #expect(again.status == 200)
            #expect(try again.json["status"] == "cancelled")
        }
    }

    @Test func echoedFieldsAreReturnedAsSent() async throws {
        try await SimHarness.with { sim in
            let sent: JSONValue = [
                "model": "gpt-4o", "input": "hi", "temperature": 0.7, "top_p": 0.3, "top_logprobs": 5, "service_tier": "flex",
                "max_tool_calls": 3, "truncation": "auto", "parallel_tool_calls": false, "prompt_cache_retention": "24h",
            ]
            let result = try await sim.post("/v1/responses", sent)
            #expect(result.status == 200, "\(result.body)")
            let body = try result.json
            for key in [
                "temperature", "top_p", "top_logprobs", "service_tier", "max_tool_calls", "truncation", "parallel_tool_calls",
                "prompt_cache_retention",
            ] {
                #expect(body[key] == sent[key], "\(key): \(String(describing: body[key]))")
            }
            try await SpecCheck.expectValid("Response", result.body)
            let integral = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "hi", "temperature": 0, "service_tier": "auto"]).json
            #expect(integral["temperature"] == 0)
            #expect(integral["service_tier"] == "default")
            let defaults = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "hi"]).json
            #expect(defaults["temperature"]?.doubleValue == 1)
            #expect(defaults["top_p"]?.doubleValue == 1)
            let outOfRange = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "hi", "top_p": 1.5])
            try await expectError(outOfRange, status: 400, code: "decimal_above_max_value", param: "top_p")
        }
    }

    /// A PCM WAV header for `seconds` of 16-bit mono audio at 16 kHz, with its samples (silence).
    static func wav(seconds: Double) -> [UInt8] {
        let dataBytes = Int(seconds * 32_000)
        func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        var bytes = Array("RIFF".utf8) + le(36 + dataBytes, 4) + Array("WAVEfmt ".utf8) + le(16, 4)
        bytes += le(1, 2) + le(1, 2) + le(16_000, 4) + le(32_000, 4) + le(2, 2) + le(16, 2)
        return bytes + Array("data".utf8) + le(dataBytes, 4) + [UInt8](repeating: 0, count: dataBytes)
    }

    /// `frames` MPEG-1 layer III frames at 64 kbit/s, 48 kHz (192 bytes, 24 ms each), after an ID3v2 tag.
    static func mp3(frames: Int) -> [UInt8] {
        let tag: [UInt8] = Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 20] + [UInt8](repeating: 0, count: 20)
        let frame: [UInt8] = [0xff, 0xfb, 0x54, 0xc4] + [UInt8](repeating: 0, count: 188)
        return tag + (0..<frames).flatMap { _ in frame }
    }

    @Test func transcriptionDurationsAreTheAudioLength() async throws {
        try await SimHarness.with { sim in
            func duration(_ filename: String, _ bytes: [UInt8]) async throws -> Double? {
                let result = try await sim.upload(
                    "/v1/audio/transcriptions",
                    [.file(name: "file", filename: filename, bytes: bytes), .field("model", "whisper-1"), .field("response_format", "verbose_json")]
                )
                #expect(result.status == 200, "\(result.body)")
                return try result.json["duration"]?.doubleValue
            }
            let short = try await duration("short.wav", Self.wav(seconds: 0.5))
            let long = try await duration("long.wav", Self.wav(seconds: 12.25))
            let mp3 = try await duration("talk.mp3", Self.mp3(frames: 250))
            // Bytes that are no audio this can read keep the size estimate (32 000 bytes a second).
            let noise = try await duration("noise.bin", [UInt8](repeating: 7, count: 96_000))
            #expect(short == 0.5)
            #expect(long == 12.25)
            #expect(mp3 == 6)
            #expect(noise == 3)
        }
    }

    @Test func audioDurationReadsWAVAndMP3Headers() {
        let wav = Self.wav(seconds: 2)
        #expect(AudioDuration.seconds(head: Array(wav.prefix(44)), fileBytes: wav.count) == 2)
        let mp3 = Self.mp3(frames: 125)
        #expect(AudioDuration.seconds(head: Array(mp3.prefix(4096)), fileBytes: mp3.count) == 3)
        // A Xing header counts the frames of a variable-bitrate file.
        var vbr = Array(mp3.prefix(30 + 192))
        let xing = 30 + 4 + 17  // after the side information of a mono MPEG-1 frame
        vbr.replaceSubrange(xing..<xing + 12, with: Array("Xing".utf8) + [0, 0, 0, 1] + [0, 0, 0x01, 0xf4])
        #expect(AudioDuration.mp3Seconds(head: vbr, fileBytes: 1_000_000) == 12)
        #expect(AudioDuration.seconds(head: [UInt8](repeating: 7, count: 64), fileBytes: 64) == nil)
    }
}
