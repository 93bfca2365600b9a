import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("Simulator Responses API: the image_generation tool")
struct SimulatorResponsesImageToolTests {
    static func body(_ tool: JSONObject, stream: Bool = false, extra: JSONObject = [:]) -> JSONValue {
        var tool = tool
        tool["type"] = "image_generation"
        var body: JSONObject = ["model": "gpt-5", "input": "Draw a lighthouse at dusk", "tools": [.object(tool)], "stream": .bool(stream)]
        for (key, value) in extra { body[key] = value }
        return .object(body)
    }

    /// The bytes of a base64 string.
    static func bytes(_ value: JSONValue?) -> [UInt8]? {
        value?.stringValue.flatMap { Data(base64Encoded: $0) }.map(Array.init)
    }

    @Test("JSON: an image_generation_call with the image of the tool's size before the message, stored")
    func jsonAnswerHasTheCall() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post(
                "/v1/responses",
                Self.body(["size": "1536x1024", "quality": "low", "output_format": "png", "background": "opaque", "model": "gpt-image-1"])
            )
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("Response", result.body)
            let json = try result.json
            let output = try #require(json["output"]?.arrayValue)
            #expect(output.compactMap { $0["type"]?.stringValue } == ["image_generation_call", "message"])
            let call = output[0]
            #expect(call["id"]?.stringValue?.hasPrefix("ig_") == true)
            #expect(call["status"] == "completed")
            #expect(call["size"] == "1536x1024" && call["quality"] == "low" && call["output_format"] == "png" && call["background"] == "opaque")
            #expect(call["revised_prompt"]?.stringValue?.contains("Draw a lighthouse at dusk") == true)
            #expect(call["action"] == "generate")
            let decoded = try await ImageCheck.decode(try #require(Self.bytes(call["result"])))
            #expect(decoded["width"]?.intValue == 1536 && decoded["height"]?.intValue == 1024 && decoded["channels"]?.intValue == 3)
            #expect(json["output_text"]?.stringValue?.hasPrefix("Simulated reply to: Draw a lighthouse at dusk.") == true)

            // The image's output tokens (408 for a low-quality non-square image) are in the usage.
            let plain = try await sim.post("/v1/responses", ["model": "gpt-5", "input": "Draw a lighthouse at dusk"]).json
            let usage = try #require(json["usage"])
            #expect(usage["output_tokens"]?.intValue == (plain["usage"]?["output_tokens"]?.intValue ?? 0) + 408)
            #expect(usage["total_tokens"]?.intValue == (usage["input_tokens"]?.intValue ?? 0) + (usage["output_tokens"]?.intValue ?? 0))

            // Deterministic, and kept with the stored response.
            let again = try await sim.post("/v1/responses", Self.body(["size": "1536x1024", "quality": "low", "model": "gpt-image-1"])).json
            #expect(again["output"]?[0]?["result"] == call["result"])
            #expect(again["output"]?[0]?["id"] != call["id"])
            let id = try #require(json["id"]?.stringValue)
            let stored = try await sim.get("/v1/responses/\(id)")
            try await SpecCheck.expectValid("Response", stored.body)
            #expect(try stored.json["output"]?[0] == call)
            let replay = try await sim.get("/v1/responses/\(id)?stream=true")
            try await SpecCheck.expectValid("ResponseStreamEvent", replay.body)
            #expect(try replay.events.contains { $0["type"] == "response.image_generation_call.completed" && $0["item_id"] == call["id"] })

            // tool_choice none: the model answers without the tool.
            let none = try await sim.post("/v1/responses", Self.body([:], extra: ["tool_choice": "none"])).json
            #expect(none["output"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == ["message"])
        }
    }

    @Test("JSON: jpeg, webp and transparent results; defaults are 1024x1024 png")
    func formatsAndDefaults() async throws {
        try await SimHarness.with { sim in
            let defaults = try await sim.post("/v1/responses", Self.body([:])).json["output"]?[0]
            #expect(defaults?["size"] == "1024x1024" && defaults?["output_format"] == "png" && defaults?["quality"] == "medium")
            let png = try await ImageCheck.decode(try #require(Self.bytes(defaults?["result"])))
            #expect(png["width"]?.intValue == 1024 && png["height"]?.intValue == 1024)

            let jpeg = try await sim.post("/v1/responses", Self.body(["output_format": "jpeg", "size": "1024x1536"])).json["output"]?[0]
            let decodedJPEG = try await ImageCheck.decode(try #require(Self.bytes(jpeg?["result"])))
            #expect(decodedJPEG["format"] == "jpeg" && decodedJPEG["width"]?.intValue == 1024 && decodedJPEG["height"]?.intValue == 1536)

            let transparent = try await sim.post("/v1/responses", Self.body(["output_format": "webp", "background": "transparent"])).json["output"]?[
                0
            ]
            #expect(transparent?["background"] == "transparent" && transparent?["output_format"] == "webp")
            let rgba = try await ImageCheck.decode(try #require(Self.bytes(transparent?["result"])))
            #expect(rgba["channels"]?.intValue == 4 && rgba["corner"]?[3]?.intValue == 0)
        }
    }

    @Test("stream: the call's events in OpenAI's order, partial images coarser, then the message at index 1")
    func streamHasTheCallEvents() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post("/v1/responses", Self.body(["partial_images": 2, "size": "1024x1536", "quality": "high"], stream: true))
            #expect(result.status == 200)
            try await SpecCheck.expectValid("ResponseStreamEvent", result.body)
            let events = try result.events
            let types = events.compactMap { $0["type"]?.stringValue }
            #expect(
                Array(types.prefix(9)) == [
                    "response.created", "response.in_progress", "response.output_item.added", "response.image_generation_call.in_progress",
                    "response.image_generation_call.generating", "response.image_generation_call.partial_image",
                    "response.image_generation_call.partial_image", "response.image_generation_call.completed", "response.output_item.done",
                ]
            )
            #expect(types[9] == "response.output_item.added" && types.last == "response.completed")
            #expect(events.map { $0["sequence_number"]?.intValue } == Array(0..<events.count))
            let added = events[2]["item"]
            #expect(added?["type"] == "image_generation_call" && added?["status"] == "in_progress" && added?["result"] == .null)
            let itemID = try #require(added?["id"]?.stringValue)
            for event in events[3...7] {
                #expect(event["item_id"]?.stringValue == itemID && event["output_index"] == 0)
            }
            let partials = events.filter { $0["type"] == "response.image_generation_call.partial_image" }
            #expect(partials.compactMap { $0["partial_image_index"]?.intValue } == [0, 1])
            #expect(partials[0]["size"] == "1024x1536" && partials[0]["output_format"] == "png")
            let done = try #require(events[8]["item"])
            #expect(done["status"] == "completed")
            let final = try #require(Self.bytes(done["result"]))
            var colours: [Int] = []
            for partial in partials {
                let decoded = try await ImageCheck.decode(try #require(Self.bytes(partial["partial_image_b64"])))
                #expect(decoded["width"]?.intValue == 1024 && decoded["height"]?.intValue == 1536)
                colours.append(decoded["colours"]?.intValue ?? 0)
            }
            let decodedFinal = try await ImageCheck.decode(final)
            colours.append(decodedFinal["colours"]?.intValue ?? 0)
            #expect(colours[0] < colours[1] && colours[1] < colours[2], "coarser first: \(colours)")
            #expect(events.filter { $0["type"] == "response.output_text.delta" }.allSatisfy { $0["output_index"] == 1 })

            // The final Response has both items; its usage counts the image (6240 for a high-quality portrait, + 2 partial images × 100).
            let response = try #require(events.last?["response"])
            #expect(response["output"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == ["image_generation_call", "message"])
            #expect(response["output"]?[0] == done)
            let deltas = events.filter { $0["type"] == "response.output_text.delta" }.count
            let reasoning = response["usage"]?["output_tokens_details"]?["reasoning_tokens"]?.intValue ?? 0
            #expect(response["usage"]?["output_tokens"]?.intValue == deltas + reasoning + 6240 + 200)

            // Stored: resuming the stream replays the same events from the cursor on.
            let id = try #require(response["id"]?.stringValue)
            let resumed = try await sim.get("/v1/responses/\(id)?stream=true&starting_after=4")
            try await SpecCheck.expectValid("ResponseStreamEvent", resumed.body)
            let replayed = try resumed.events
            #expect(replayed.first?["type"] == "response.image_generation_call.partial_image" && replayed.first?["sequence_number"] == 5)
            #expect(replayed.first?["partial_image_b64"] == partials[0]["partial_image_b64"])
            #expect(try await sim.get("/v1/responses/\(id)").json["output"]?[0] == done)
        }
    }

    @Test("background with the tool ends with the call and the message")
    func backgroundKeepsTheCall() async throws {
        try await SimHarness.with(eventDelay: .milliseconds(1), stepDelay: .milliseconds(50)) { sim in
            let created = try await sim.post("/v1/responses", Self.body([:], extra: ["background": true])).json
            let id = try #require(created["id"]?.stringValue)
            var final: JSONValue = .null
            #expect(
                try await sim.eventually(timeout: .seconds(5)) {
                    final = try await sim.get("/v1/responses/\(id)").json
                    return final["status"] == "completed"
                }
            )
            #expect(final["output"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == ["image_generation_call", "message"])
        }
    }

    @Test("faults: fail_after_events, inject_events and drop_after_events still apply")
    func faultsApply() async throws {
        try await SimHarness.with { sim in
            // Fails after the call's item is done: the failed Response keeps the completed call.
            sim.state.addFault(SimulatorFault(path: "/v1/responses", failAfterEvents: 8))
            let failed = try await sim.post("/v1/responses", Self.body(["partial_images": 1], stream: true))
            try await SpecCheck.expectValid("ResponseStreamEvent", failed.body)
            let events = try failed.events
            #expect(events.count == 9 && events.last?["type"] == "response.failed")
            let output = events.last?["response"]?["output"]?.arrayValue ?? []
            #expect(output.compactMap { $0["type"]?.stringValue } == ["image_generation_call"] && output.first?["status"] == "completed")

            // Fails while generating: the call is failed, with no result.
            sim.state.addFault(SimulatorFault(path: "/v1/responses", failAfterEvents: 4))
            let early = try await sim.post("/v1/responses", Self.body([:], stream: true))
            try await SpecCheck.expectValid("ResponseStreamEvent", early.body)
            let earlyOutput = try early.events.last?["response"]?["output"]?.arrayValue ?? []
            #expect(earlyOutput.first?["status"] == "failed" && earlyOutput.first?["result"] == .null && earlyOutput.count == 1)

            sim.state.addFault(SimulatorFault(path: "/v1/responses", injectEvents: [["type": "response.future.delta", "delta": "x"]]))
            let injected = try await sim.post("/v1/responses", Self.body([:], stream: true)).events
            #expect(injected[2]["type"] == "response.future.delta" && injected[3]["type"] == "response.output_item.added")
            #expect(injected.map { $0["sequence_number"]?.intValue } == Array(0..<injected.count))

            sim.state.addFault(SimulatorFault(path: "/v1/responses", dropAfterEvents: 4))
            let dropped = try? await sim.post("/v1/responses", Self.body(["partial_images": 3], stream: true))
            #expect((try dropped?.events.count ?? 0) <= 4)
        }
    }

    @Test("the tool's options are validated like the Images API's, naming tools[i].field")
    func toolOptionsAreValidated() async throws {
        try await SimHarness.with { sim in
            let cases: [(JSONObject, String, String)] = [
                (["size": "256x256"], "tools[0].size", "invalid_value"),
                (["quality": "hd"], "tools[0].quality", "invalid_value"),
                (["output_format": "gif"], "tools[0].output_format", "invalid_value"),
                (["background": "transparent", "output_format": "jpeg"], "tools[0].background", "invalid_value"),
                (["partial_images": 4], "tools[0].partial_images", "integer_above_max_value"),
                (["model": "dall-e-3"], "tools[0].model", "invalid_value"),
                (["size": 1024], "tools[0].size", "invalid_type"),
                (["action": "paint"], "tools[0].action", "invalid_value"),
            ]
            for (tool, param, code) in cases {
                let result = try await sim.post("/v1/responses", Self.body(tool))
                #expect(result.status == 400, "\(tool): \(result.body)")
                try await SpecCheck.expectValid("ErrorResponse", result.body)
                let error = try result.json["error"]
                #expect(error?["param"]?.stringValue == param && error?["code"]?.stringValue == code, "\(tool): \(result.body)")
            }
            #expect(sim.state.stats().requests["POST /v1/responses"] == cases.count)
        }
    }
}
