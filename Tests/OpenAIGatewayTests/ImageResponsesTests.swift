import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// `POST /api/responses/images` and `/images/stream` over real HTTP against the simulator.
@Suite("Responses image routes")
struct ImageResponsesTests {
    @Test("JSON: the image tool is built from the image_* fields and goes last; 201 with the Response")
    func json() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(
                .POST,
                "/api/responses/images",
                json: [
                    "input": "Draw a kite", "image_model": "gpt-image-1", "image_size": "1024x1536", "image_quality": "low",
                    "image_format": "webp", "output_compression": 80, "tools": [["type": "web_search"]], "store": true,
                ]
            )
            #expect(result.status == 201, "\(result.text.prefix(300))")
            let tools = try #require(try result.json()["tools"]?.arrayValue)
            #expect(tools.count == 2)
            #expect(tools.first?["type"]?.stringValue == "web_search")
            let tool = try #require(tools.last)
            #expect(tool["type"]?.stringValue == "image_generation")
            #expect(tool["model"]?.stringValue == "gpt-image-1")
            #expect(tool["size"]?.stringValue == "1024x1536")
            #expect(tool["quality"]?.stringValue == "low")
            #expect(tool["output_format"]?.stringValue == "webp")
            #expect(tool["output_compression"]?.intValue == 80)
            #expect(tool["partial_images"] == nil)  // only the stream route defaults it
        }
    }

    @Test("fields the DTO does not have, and image_* values the tool models do not take, are a 400 naming them")
    func rules() async throws {
        try await GatewayHarness.run { gateway in
            let cases: [(JSONValue, String)] = [
                (["input": "x", "stream": true], "stream"),
                (["input": "x", "temperature": 0.5], "temperature"),
                (["input": "x", "image_model": "dall-e-3"], "image_model"),
                (["input": "x", "image_size": "1792x1024"], "image_size"),
                (["input": "x", "image_quality": "hd"], "image_quality"),
                (["input": "x", "partial_images": 4], "partial_images"),
                (["input": "x", "output_compression": 101], "output_compression"),
                (["image_size": "auto"], "input"),
                (["input": "x", "tools": [["type": "image_generation"]]], "tools[0]"),
                (["input": "x", "tool_choice": ["type": "function", "name": "f"]], "tool_choice.name"),
            ]
            for (body, parameter) in cases {
                let result = try await gateway.request(.POST, "/api/responses/images/stream", json: body)
                #expect(result.status == 400, "\(body.jsonString)")
                #expect(try result.json()["parameter"]?.stringValue == parameter, "\(body.jsonString): \(result.text.prefix(200))")
                #expect(try result.json()["hint"]?.stringValue?.isEmpty == false)
            }
            #expect(gateway.simulator.state.stats().requests["POST /v1/responses"] == nil)
            // The tool the route adds can be chosen.
            let forced = try await gateway.request(.POST, "/api/responses/images", json: ["input": "x", "tool_choice": ["type": "image_generation"]])
            #expect(forced.status == 201, "\(forced.text.prefix(300))")
        }
    }

    @Test("stream: the image events get the seed's names and the real API's keys; other events are structural")
    func stream() async throws {
        let partial = "iVBORw0KGgoAAAANSUhEUg"
        let injected: [JSONValue] = [
            ["type": "response.image_generation_call.in_progress", "item_id": "ig_1", "output_index": 0],
            ["type": "response.image_generation_call.generating", "item_id": "ig_1", "output_index": 0],
            [
                "type": "response.image_generation_call.partial_image", "item_id": "ig_1", "output_index": 0, "partial_image_index": 0,
                "partial_image_b64": .string(partial),
            ],
            ["type": "response.image_generation_call.completed", "item_id": "ig_1", "output_index": 0],
        ]
        try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", injectEvents: injected))
            let result = try await gateway.stream(.POST, "/api/responses/images/stream", json: ["input": "Draw a kite"])
            #expect(result.status == 201)
            let names = result.frames.map(\.name)
            #expect(names.first == "response_created")
            #expect(names.last == "response_completed")
            for name in ["image_generation_call.in_progress", "image_generation_call.generating", "image_gen_partial", "image_gen_completed"] {
                #expect(names.contains(name), "\(names)")
            }
            let frame = try #require(result.frames.first { $0.name == "image_gen_partial" })
            #expect(frame.payload["call_id"]?.stringValue == "ig_1")
            #expect(frame.payload["image_data"]?.stringValue == partial)
            #expect(frame.payload["sequence"]?.intValue == Int(frame.event.id ?? ""))
            // §3.4: everything else is structural: response.in_progress → in_progress {sequence}.
            #expect(names.contains("in_progress"))
            #expect(!names.contains("response_in_progress"))
            let item = try #require(result.frames.first { $0.name == "output_item.added" })
            #expect(item.payload["item"] != nil)
            #expect(result.frames.contains { $0.name == "text_delta" })
        }
        // Without injected events: the simulator's image tool plays the real events; 3 partial images by default.
        try await GatewayHarness.run { gateway in
            let result = try await gateway.stream(.POST, "/api/responses/images/stream", json: ["input": "Draw", "image_size": "1024x1536"])
            let partials = result.frames.filter { $0.name == "image_gen_partial" }
            #expect(partials.count == 3)
            #expect(partials.map { $0.payload["partial_image_index"]?.intValue } == [0, 1, 2])
            let png = partials.last?.payload["image_data"]?.stringValue.flatMap { Data(base64Encoded: $0) }
            #expect(png.map { Array($0.prefix(4)) } == [0x89, 0x50, 0x4E, 0x47])
            let done = try #require(
                result.frames.first { $0.name == "output_item.done" && $0.payload["item"]?["type"]?.stringValue == "image_generation_call" }
            )
            let final = try #require(done.payload["item"]?["result"]?.stringValue.flatMap { Data(base64Encoded: $0) })
            #expect(ImageHeader(Array(final.prefix(64)))?.dimensions == "1024x1536")
        }
        // partial_images defaults to 3 on the stream route, and the request reached the simulator with it.
        try await GatewayHarness.run { gateway in
            let stored = try await gateway.request(.POST, "/api/responses/images", json: ["input": "x", "store": true])
            #expect(try stored.json()["tools"]?.arrayValue?.last?["partial_images"] == nil)
            let result = try await gateway.stream(.POST, "/api/responses/images/stream", json: ["input": "Draw", "store": true])
            let created = try #require(result.frames.first { $0.name == "response_created" })
            let id = try #require(created.payload["response_id"]?.stringValue)
            let retrieved = try await gateway.request(.GET, "/api/responses/\(id)")
            #expect(try retrieved.json()["tools"]?.arrayValue?.last?["partial_images"]?.intValue == 3)
        }
    }
}
