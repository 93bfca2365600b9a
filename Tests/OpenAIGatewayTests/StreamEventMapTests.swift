import Foundation
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// Every mapping of seed-behavior §3.3–3.5 over real HTTP: the simulator sends the real upstream
/// event (its fields as the spec's `ResponseStreamEvent` schemas have them, through `inject_events`)
/// and the test checks the frame name and the exact payload the client gets.
@Suite("Stream event map")
struct StreamEventMapTests {
    /// One upstream event and the frame the client should get for it.
    struct Case: Sendable {
        var event: JSONValue
        var name: String
        /// The payload without `sequence` (added by the test); `response_id: "$created"` stands for the
        /// id of the stream's `response.created`. `nil`: the upstream event unchanged (unknown types).
        var payload: JSONObject?
    }

    enum Route: String, Sendable {
        /// `POST /api/responses/text/stream`
        case text
        /// `GET /api/responses/{id}/stream` after a stored text stream
        case resume
        /// `POST /api/responses/images/stream`
        case image
    }

    struct Family: Sendable, CustomTestStringConvertible {
        var name: String
        var route: Route
        var cases: [Case]
        var testDescription: String { "\(name) (\(route.rawValue) route)" }
    }

    static let families: [Family] = [
        Family(name: "output text and annotation", route: .text, cases: textCases),
        Family(name: "reasoning", route: .text, cases: reasoningCases),
        Family(name: "reasoning summary parts", route: .text, cases: reasoningSummaryCases),
        Family(name: "function call", route: .text, cases: functionCallCases),
        Family(name: "function call", route: .resume, cases: functionCallCases),
        Family(name: "code interpreter", route: .text, cases: codeInterpreterCases),
        Family(name: "file search", route: .text, cases: searchCases("file_search")),
        Family(name: "web search", route: .text, cases: searchCases("web_search")),
        Family(name: "custom tool", route: .text, cases: customToolCases),
        Family(name: "image generation", route: .text, cases: imageGenerationCases),
        Family(name: "image generation", route: .image, cases: imageRouteCases),
        Family(name: "audio and transcript", route: .text, cases: audioCases),
        Family(name: "MCP call and list tools", route: .text, cases: mcpCases),
        Family(name: "refusal", route: .text, cases: refusalCases),
        Family(name: "output item and content part", route: .text, cases: structureCases),
        Family(name: "computer use", route: .resume, cases: computerUseCases),
        Family(name: "computer use", route: .text, cases: computerUseCases),
        Family(name: "unknown", route: .text, cases: unknownCases),
    ]

    @Test("each upstream event becomes its frame with the exact payload", arguments: families)
    func mapping(_ family: Family) async throws {
        try await GatewayHarness.run { gateway in
            let injected = family.cases.map(\.event)
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", injectEvents: injected))
            var result: GatewayHarness.StreamResult
            switch family.route {
            case .text:
                result = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"])
            case .image:
                result = try await gateway.stream(.POST, "/api/responses/images/stream", json: ["input": "Draw a kite"])
            case .resume:
                let first = try await gateway.stream(
                    .POST,
                    "/api/responses/text/stream",
                    json: ["model": "gpt-4o", "input": "Hello", "store": true]
                )
                let id = try #require(first.frames.first?.payload["response_id"]?.stringValue)
                result = try await gateway.stream(.GET, "/api/responses/\(id)/stream")
            }
            #expect(result.status == (family.route == .resume ? 200 : 201))
            let createdID = result.frames.first { $0.name == "response_created" }?.payload["response_id"]
            // response.created is 0 and response.in_progress 1: the injected events follow from 2.
            for (offset, testCase) in family.cases.enumerated() {
                let sequence = 2 + offset
                let frame = try #require(result.frames.first { $0.event.id == String(sequence) }, "no frame \(sequence)")
                #expect(frame.name == testCase.name, "\(testCase.event)")
                var expected: JSONObject
                if var payload = testCase.payload {
                    if payload["response_id"] == "$created" { payload["response_id"] = createdID }
                    payload["sequence"] = JSONValue(sequence)
                    expected = payload
                } else {
                    expected = testCase.event.objectValue ?? [:]
                    expected["sequence_number"] = JSONValue(sequence)
                }
                #expect(frame.payload == .object(expected), "\(frame.name)")
            }
            #expect(result.frames.last?.name == "response_completed")
        }
    }

    @Test("the simulator's own tool calls reach the client as their frames (no injection)")
    func simulatedToolCalls() async throws {
        try await GatewayHarness.run { gateway in
            let tools: JSONValue = [
                ["type": "file_search", "vector_store_ids": ["vs_docs"]],
                ["type": "code_interpreter", "container": ["type": "auto"]],
                [
                    "type": "function", "name": "get_weather", "strict": true,
                    "parameters": [
                        "type": "object", "properties": ["city": ["type": "string"]], "required": ["city"], "additionalProperties": false,
                    ],
                ],
            ]
            let result = try await gateway.stream(
                .POST,
                "/api/responses/text/stream",
                json: ["model": "gpt-4o", "input": "Paris", "tools": tools, "include": ["file_search_call.results"]]
            )
            #expect(result.status == 201)
            let names = result.frames.map(\.name)
            for name in [
                "file_search_call.in_progress", "file_search_call.searching", "file_search_completed", "code_interpreter_call.in_progress",
                "code_interpreter_code_delta", "code_interpreter_code_done", "code_interpreter_call.interpreting", "code_interpreter_completed",
                "function_call_delta", "function_call_done",
            ] {
                #expect(names.contains(name), "\(name) missing from \(names)")
            }
            #expect(names.last == "response_completed" && !names.contains("text_delta"))
            let items = result.frames.filter { $0.name == "output_item.done" }.compactMap { $0.payload["item"] }
            #expect(items.compactMap { $0["type"]?.stringValue } == ["file_search_call", "code_interpreter_call", "function_call"])
            #expect(items.first?["results"]?.arrayValue?.first?["filename"] == "vs_docs.txt")
            let done = try #require(result.frames.first { $0.name == "function_call_done" })
            let deltas = result.frames.filter { $0.name == "function_call_delta" }
            #expect(done.payload["call_id"] == items[2]["id"] && done.payload["name"] == "get_weather")
            #expect(done.payload["arguments"] == "{\"city\":\"Paris\"}")
            #expect(deltas.last?.payload["snapshot"] == done.payload["arguments"])
            let code = result.frames.filter { $0.name == "code_interpreter_code_delta" }.compactMap { $0.payload["delta"]?.stringValue }.joined()
            #expect(result.frames.first { $0.name == "code_interpreter_code_done" }?.payload["code"]?.stringValue == code)
            #expect(result.frames.last?.payload["output_text"] == "")
        }
    }

    // MARK: - Terminal events

    /// A Response object as the terminal events carry it.
    static func response(status: String, extra: JSONObject) -> JSONValue {
        var object: JSONObject = [
            "id": "resp_terminal", "object": "response", "created_at": 1_764_000_000, "status": .string(status), "model": "gpt-4o",
            "output": [], "error": .null, "incomplete_details": .null, "parallel_tool_calls": true, "tool_choice": "auto", "tools": [],
            "temperature": 1.0, "top_p": 1.0, "metadata": [:], "instructions": .null,
        ]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    static let usage: JSONValue = [
        "input_tokens": 5, "input_tokens_details": ["cached_tokens": 0], "output_tokens": 3,
        "output_tokens_details": ["reasoning_tokens": 0], "total_tokens": 8,
    ]

    @Test("error: the upstream error event becomes the one error frame, at its own number, and ends the stream")
    func errorEvent() async throws {
        try await GatewayHarness.run { gateway in
            let event: JSONValue = [
                "type": "error", "code": "ERR_SOMETHING", "message": "Something went wrong upstream", "param": .null,
            ]
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", injectEvents: [event]))
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"])
            #expect(result.frames.map(\.name) == ["response_created", "response_in_progress", "error"])
            let frame = try #require(result.frames.last)
            #expect(frame.event.id == "2")
            var payload = try #require(frame.payload.objectValue)
            #expect(payload["timestamp"]?.stringValue != nil)
            #expect(payload["hint"]?.stringValue?.isEmpty == false)
            // The gateway's own id of the request, the one in X-Request-Id and the logs.
            #expect(payload["request_id"]?.stringValue == result.headers.first(name: "X-Request-Id"))
            payload["timestamp"] = nil
            payload["hint"] = nil
            payload["request_id"] = nil
            let expected: JSONObject = [
                "statusCode": 502, "path": "/api/responses/text/stream", "message": "Something went wrong upstream",
                "error_code": "stream_error", "parameter": .null,
                "openai_error": ["type": "error", "code": "ERR_SOMETHING", "param": .null, "message": "Something went wrong upstream"],
                "sequence": 2,
            ]
            #expect(payload == expected)
        }
    }

    @Test("response.failed: response_failed {response_id, error}, then one error frame with the JSON error body")
    func failedEvent() async throws {
        try await GatewayHarness.run { gateway in
            let error: JSONValue = ["code": "server_error", "message": "The model had a problem"]
            let event: JSONValue = ["type": "response.failed", "response": Self.response(status: "failed", extra: ["error": error])]
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", injectEvents: [event]))
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"])
            #expect(result.frames.map(\.name) == ["response_created", "response_in_progress", "response_failed", "error"])
            let createdID = try #require(result.frames.first?.payload["response_id"])
            let failed = result.frames[2]
            #expect(failed.event.id == "2")
            #expect(failed.payload == ["response_id": createdID, "error": error, "sequence": 2])
            let last = result.frames[3]
            // The gateway's own frame has no `id:` line (a parser keeps the last id, so read the raw text).
            let blocks = result.rawText.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(blocks.last?.hasPrefix("event: error\n") == true, "\(blocks.last ?? "")")
            #expect(last.payload["error_code"]?.stringValue == "server_error")
            #expect(last.payload["message"]?.stringValue == "The response failed: The model had a problem")
            #expect(last.payload["statusCode"]?.intValue == 502)
            #expect(last.payload["sequence"]?.intValue == 3)
            #expect(last.payload["openai_error"]?["type"]?.stringValue == "response_failed")
        }
    }

    @Test("response.incomplete: response_incomplete {response_id, incomplete_details, usage} ends the stream")
    func incompleteEvent() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let details: JSONValue = ["reason": "max_output_tokens"]
            let event: JSONValue = [
                "type": "response.incomplete",
                "response": Self.response(status: "incomplete", extra: ["incomplete_details": details, "usage": Self.usage]),
            ]
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", injectEvents: [event]))
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"])
            #expect(result.frames.map(\.name) == ["response_created", "response_in_progress", "response_incomplete"])
            let createdID = try #require(result.frames.first?.payload["response_id"])
            #expect(result.frames.last?.payload == ["response_id": createdID, "incomplete_details": details, "usage": Self.usage, "sequence": 2])
            return gateway
        }
        let entry = try #require(try gateway.logEntries().last)
        #expect(entry["stream"]?["outcome"]?.stringValue == "incomplete")
        #expect(entry["usage"]?["total_tokens"]?.intValue == 8)
    }

    // MARK: - The cases (fields from the spec's event schemas)

    static let textCases: [Case] = [
        Case(
            event: [
                "type": "response.output_text.delta", "item_id": "msg_x", "output_index": 0, "content_index": 0, "delta": "Hi ",
                "logprobs": [],
            ],
            name: "text_delta",
            payload: ["delta": "Hi ", "logprobs": [], "content_index": 0, "item_id": "msg_x", "output_index": 0]
        ),
        Case(
            event: [
                "type": "response.output_text.annotation.added", "item_id": "msg_x", "output_index": 0, "content_index": 0,
                "annotation_index": 0,
                "annotation": ["type": "url_citation", "url": "https://example.com", "title": "Example", "start_index": 0, "end_index": 3],
            ],
            name: "text_annotation",
            payload: [
                "annotation": ["type": "url_citation", "url": "https://example.com", "title": "Example", "start_index": 0, "end_index": 3],
                "content_index": 0, "item_id": "msg_x", "output_index": 0,
            ]
        ),
        Case(
            event: [
                "type": "response.output_text.done", "item_id": "msg_x", "output_index": 0, "content_index": 0, "text": "Hi there",
                "logprobs": [],
            ],
            name: "text_done",
            payload: ["output_text": "Hi there", "logprobs": [], "content_index": 0, "item_id": "msg_x", "output_index": 0]
        ),
    ]

    static let reasoningCases: [Case] = [
        Case(
            event: ["type": "response.reasoning_text.delta", "item_id": "rs_1", "output_index": 0, "content_index": 0, "delta": "Think "],
            name: "reasoning_delta",
            payload: ["delta": "Think "]
        ),
        Case(
            event: ["type": "response.reasoning_text.delta", "item_id": "rs_1", "output_index": 0, "content_index": 0, "delta": "hard"],
            name: "reasoning_delta",
            payload: ["delta": "hard"]
        ),
        Case(
            event: ["type": "response.reasoning_text.done", "item_id": "rs_1", "output_index": 0, "content_index": 0, "text": "Think hard"],
            name: "reasoning_done",
            payload: ["reasoning_text": "Think hard"]
        ),
    ]

    static let reasoningSummaryCases: [Case] = [
        Case(
            event: [
                "type": "response.reasoning_summary_part.added", "item_id": "rs_1", "output_index": 0, "summary_index": 0,
                "part": ["type": "summary_text", "text": ""],
            ],
            name: "reasoning_summary_part.added",
            payload: ["part": ["type": "summary_text", "text": ""]]
        ),
        Case(
            event: ["type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Sum"],
            name: "reasoning_summary_delta",
            payload: ["delta": "Sum"]
        ),
        Case(
            event: ["type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "mary"],
            name: "reasoning_summary_delta",
            payload: ["delta": "mary"]
        ),
        Case(
            event: ["type": "response.reasoning_summary_text.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "text": "Summary"],
            name: "reasoning_summary_done",
            payload: ["reasoning_summary": "Summary"]
        ),
        Case(
            event: [
                "type": "response.reasoning_summary_part.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0,
                "part": ["type": "summary_text", "text": "Summary"],
            ],
            name: "reasoning_summary_part.done",
            payload: ["part": ["type": "summary_text", "text": "Summary"]]
        ),
    ]

    static let functionCallCases: [Case] = [
        Case(
            event: ["type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0, "delta": "{\"city\":"],
            name: "function_call_delta",
            payload: ["call_id": "fc_1", "delta": "{\"city\":", "snapshot": "{\"city\":"]
        ),
        Case(
            event: ["type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0, "delta": "\"Paris\"}"],
            name: "function_call_delta",
            payload: ["call_id": "fc_1", "delta": "\"Paris\"}", "snapshot": "{\"city\":\"Paris\"}"]
        ),
        Case(
            event: [
                "type": "response.function_call_arguments.done", "item_id": "fc_1", "name": "get_weather", "output_index": 0,
                "arguments": "{\"city\":\"Paris\"}",
            ],
            name: "function_call_done",
            payload: ["call_id": "fc_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"]
        ),
    ]

    static let codeInterpreterCases: [Case] = [
        Case(
            event: ["type": "response.code_interpreter_call.in_progress", "output_index": 0, "item_id": "ci_1"],
            name: "code_interpreter_call.in_progress",
            payload: ["call_id": "ci_1"]
        ),
        Case(
            event: ["type": "response.code_interpreter_call_code.delta", "output_index": 0, "item_id": "ci_1", "delta": "print(1"],
            name: "code_interpreter_code_delta",
            payload: ["call_id": "ci_1", "delta": "print(1"]
        ),
        Case(
            event: ["type": "response.code_interpreter_call_code.done", "output_index": 0, "item_id": "ci_1", "code": "print(1)"],
            name: "code_interpreter_code_done",
            payload: ["call_id": "ci_1", "code": "print(1)"]
        ),
        Case(
            event: ["type": "response.code_interpreter_call.interpreting", "output_index": 0, "item_id": "ci_1"],
            name: "code_interpreter_call.interpreting",
            payload: ["call_id": "ci_1"]
        ),
        Case(
            event: ["type": "response.code_interpreter_call.completed", "output_index": 0, "item_id": "ci_1"],
            name: "code_interpreter_completed",
            payload: ["call_id": "ci_1"]
        ),
        // Without an item id the seed's `call_id*` default.
        Case(
            event: ["type": "response.code_interpreter_call.interpreting", "output_index": 0],
            name: "code_interpreter_call.interpreting",
            payload: ["call_id": "unknown"]
        ),
    ]

    static func searchCases(_ tool: String) -> [Case] {
        let id: JSONValue = .string(tool == "file_search" ? "fs_1" : "ws_1")
        return [
            Case(
                event: ["type": .string("response.\(tool)_call.in_progress"), "output_index": 0, "item_id": id],
                name: "\(tool)_call.in_progress",
                payload: ["call_id": id]
            ),
            Case(
                event: ["type": .string("response.\(tool)_call.searching"), "output_index": 0, "item_id": id],
                name: "\(tool)_call.searching",
                payload: ["call_id": id]
            ),
            Case(
                event: ["type": .string("response.\(tool)_call.completed"), "output_index": 0, "item_id": id],
                name: "\(tool)_completed",
                payload: ["call_id": id]
            ),
        ]
    }

    static let customToolCases: [Case] = [
        Case(
            event: ["type": "response.custom_tool_call_input.delta", "output_index": 0, "item_id": "ctc_1", "delta": "SELECT "],
            name: "custom_tool_delta",
            payload: ["call_id": "ctc_1", "delta": "SELECT "]
        ),
        Case(
            event: ["type": "response.custom_tool_call_input.done", "output_index": 0, "item_id": "ctc_1", "input": "SELECT 1"],
            name: "custom_tool_done",
            payload: ["call_id": "ctc_1", "input": "SELECT 1"]
        ),
    ]

    static let partialImage = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"

    static let imageGenerationCases: [Case] = [
        Case(
            event: ["type": "response.image_generation_call.in_progress", "output_index": 0, "item_id": "ig_1"],
            name: "image_generation_call.in_progress",
            payload: ["call_id": "ig_1"]
        ),
        Case(
            event: ["type": "response.image_generation_call.generating", "output_index": 0, "item_id": "ig_1"],
            name: "image_generation_call.generating",
            payload: ["call_id": "ig_1"]
        ),
        Case(
            event: [
                "type": "response.image_generation_call.partial_image", "output_index": 0, "item_id": "ig_1", "partial_image_index": 0,
                "partial_image_b64": .string(partialImage), "size": "1024x1024", "quality": "low", "background": "opaque",
                "output_format": "png",
            ],
            name: "image_gen_partial",
            payload: ["call_id": "ig_1", "image_data": .string(partialImage), "partial_image_index": 0]
        ),
        // The real event has no image: the final one is the `result` of the `output_item.done` that follows.
        Case(
            event: ["type": "response.image_generation_call.completed", "output_index": 0, "item_id": "ig_1"],
            name: "image_gen_completed",
            payload: ["call_id": "ig_1"]
        ),
    ]

    /// §3.4: the image events as on the text route, everything else structural `{item, part, sequence}`.
    static let imageRouteCases: [Case] =
        imageGenerationCases + [
            Case(
                event: [
                    "type": "response.output_item.done", "output_index": 0,
                    "item": ["type": "image_generation_call", "id": "ig_1", "status": "completed", "result": .string(partialImage)],
                ],
                name: "output_item.done",
                payload: ["item": ["type": "image_generation_call", "id": "ig_1", "status": "completed", "result": .string(partialImage)]]
            ),
            Case(
                event: ["type": "response.reasoning_text.delta", "item_id": "rs_1", "output_index": 0, "content_index": 0, "delta": "x"],
                name: "reasoning_text.delta",
                payload: [:]
            ),
            Case(
                event: [
                    "type": "response.output_text.delta", "item_id": "msg_x", "output_index": 1, "content_index": 0, "delta": "Here",
                    "logprobs": [],
                ],
                name: "text_delta",
                payload: ["delta": "Here", "logprobs": [], "content_index": 0, "item_id": "msg_x", "output_index": 1]
            ),
        ]

    static let audioCases: [Case] = [
        Case(event: ["type": "response.audio.delta", "delta": "UklG"], name: "audio_delta", payload: ["delta": "UklG"]),
        Case(event: ["type": "response.audio.delta", "delta": "RiQA"], name: "audio_delta", payload: ["delta": "RiQA"]),
        Case(event: ["type": "response.audio.done", "response_id": "resp_a"], name: "audio_done", payload: ["audio": "UklGRiQA"]),
        Case(
            event: ["type": "response.audio.transcript.delta", "response_id": "resp_a", "delta": "Hello "],
            name: "audio_transcript_delta",
            payload: ["delta": "Hello "]
        ),
        Case(
            event: ["type": "response.audio.transcript.delta", "response_id": "resp_a", "delta": "world"],
            name: "audio_transcript_delta",
            payload: ["delta": "world"]
        ),
        Case(
            event: ["type": "response.audio.transcript.done", "response_id": "resp_a"],
            name: "audio_transcript_done",
            payload: ["transcript": "Hello world"]
        ),
    ]

    static let mcpCases: [Case] = [
        Case(
            event: ["type": "response.mcp_list_tools.in_progress", "item_id": "mcpl_1", "output_index": 0],
            name: "mcp_list_tools.in_progress",
            payload: ["call_id": "mcpl_1"]
        ),
        Case(
            event: ["type": "response.mcp_list_tools.completed", "item_id": "mcpl_1", "output_index": 0],
            name: "mcp_list_tools.completed",
            payload: ["call_id": "mcpl_1"]
        ),
        Case(
            event: ["type": "response.mcp_list_tools.failed", "item_id": "mcpl_2", "output_index": 1],
            name: "mcp_list_tools.failed",
            payload: ["call_id": "mcpl_2"]
        ),
        Case(
            event: ["type": "response.mcp_call.in_progress", "output_index": 2, "item_id": "mcp_1"],
            name: "mcp_call_in_progress",
            payload: ["call_id": "mcp_1"]
        ),
        Case(
            event: ["type": "response.mcp_call_arguments.delta", "output_index": 2, "item_id": "mcp_1", "delta": "{\"q\":"],
            name: "mcp_call_delta",
            payload: ["call_id": "mcp_1", "delta": "{\"q\":"]
        ),
        Case(
            event: ["type": "response.mcp_call_arguments.done", "output_index": 2, "item_id": "mcp_1", "arguments": "{\"q\":1}"],
            name: "mcp_call_done",
            payload: ["call_id": "mcp_1", "arguments": "{\"q\":1}"]
        ),
        Case(
            event: ["type": "response.mcp_call.completed", "item_id": "mcp_1", "output_index": 2],
            name: "mcp_call_completed",
            payload: ["call_id": "mcp_1"]
        ),
        Case(
            event: ["type": "response.mcp_call.failed", "item_id": "mcp_2", "output_index": 3],
            name: "mcp_call_failed",
            payload: ["call_id": "mcp_2"]
        ),
    ]

    static let refusalCases: [Case] = [
        Case(
            event: ["type": "response.refusal.delta", "item_id": "msg_r", "output_index": 0, "content_index": 0, "delta": "I can't "],
            name: "refusal_delta",
            payload: ["delta": "I can't "]
        ),
        Case(
            event: ["type": "response.refusal.delta", "item_id": "msg_r", "output_index": 0, "content_index": 0, "delta": "help"],
            name: "refusal_delta",
            payload: ["delta": "help"]
        ),
        Case(
            event: ["type": "response.refusal.done", "item_id": "msg_r", "output_index": 0, "content_index": 0, "refusal": "I can't help"],
            name: "refusal_done",
            payload: ["refusal": "I can't help"]
        ),
    ]

    static let functionItem: JSONValue = [
        "type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather", "arguments": "", "status": "in_progress",
    ]
    static let refusalPart: JSONValue = ["type": "refusal", "refusal": "No"]

    static let structureCases: [Case] = [
        Case(
            event: ["type": "response.output_item.added", "output_index": 0, "item": functionItem],
            name: "output_item.added",
            payload: ["item": functionItem]
        ),
        Case(
            event: ["type": "response.content_part.added", "item_id": "msg_r", "output_index": 1, "content_index": 0, "part": refusalPart],
            name: "content_part.added",
            payload: ["part": refusalPart]
        ),
        Case(
            event: ["type": "response.content_part.done", "item_id": "msg_r", "output_index": 1, "content_index": 0, "part": refusalPart],
            name: "content_part.done",
            payload: ["part": refusalPart]
        ),
        Case(
            event: ["type": "response.output_item.done", "output_index": 0, "item": functionItem],
            name: "output_item.done",
            payload: ["item": functionItem]
        ),
    ]

    /// Not in the spec's `ResponseStreamEvent` (the seed's own names, §3.5): mapped on every route.
    static let computerUseCases: [Case] = [
        Case(
            event: ["type": "response.computer_use_call.in_progress", "item_id": "cu_1", "output_index": 0],
            name: "computer_use_call.in_progress",
            payload: ["call_id": "cu_1"]
        ),
        Case(
            event: ["type": "response.computer_use_call.action.delta", "item_id": "cu_1", "output_index": 0, "delta": ["type": "click"]],
            name: "computer_use_action_delta",
            payload: ["call_id": "cu_1", "action": ["type": "click"]]
        ),
        Case(
            event: [
                "type": "response.computer_use_call.action.done", "item_id": "cu_1", "output_index": 0,
                "action": ["type": "click", "x": 10, "y": 20, "button": "left"],
            ],
            name: "computer_use_action_done",
            payload: ["call_id": "cu_1", "action": ["type": "click", "x": 10, "y": 20, "button": "left"]]
        ),
        Case(
            event: ["type": "response.computer_use_call_output_item.added", "call_id": "call_cu", "output_index": 1],
            name: "computer_use_output_item_added",
            payload: ["call_id": "call_cu", "output_index": 1]
        ),
        Case(
            event: [
                "type": "response.computer_use_call_output_item.done", "call_id": "call_cu",
                "output": ["type": "computer_screenshot", "image_url": "data:image/png;base64,AAAA"],
            ],
            name: "computer_use_output_item_done",
            payload: ["call_id": "call_cu", "output": ["type": "computer_screenshot", "image_url": "data:image/png;base64,AAAA"]]
        ),
        Case(
            event: ["type": "response.computer_use_call.completed", "output": "done"],
            name: "computer_use_completed",
            payload: ["call_id": "unknown", "output": "done"]
        ),
    ]

    /// A type the gateway does not know reaches the client unchanged, under its own name.
    static let unknownCases: [Case] = [
        Case(
            event: ["type": "response.shell_call_command.added", "output_index": 0, "command_index": 0, "command": "ls"],
            name: "response.shell_call_command.added",
            payload: nil
        ),
        Case(
            event: ["type": "response.future_feature.delta", "item_id": "x_1", "delta": "✨", "nested": ["a": [1, 2.5, nil]]],
            name: "response.future_feature.delta",
            payload: nil
        ),
    ]
}

@Suite("Stream keep-alive and event log")
struct StreamKeepAliveAndLogTests {
    @Test("a slow upstream gets `: keep-alive` comments between whole events; a quick one none")
    func keepAlive() async throws {
        try await GatewayHarness.run(configure: { $0.keepAliveInterval = .milliseconds(60) }) { gateway in
            // Five events 250 ms apart: created, in_progress, output_item.added, content_part.added, failed.
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", eventDelayMs: 250, failAfterEvents: 4))
            let slow = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"])
            #expect(slow.frames.map(\.name).prefix(3) == ["response_created", "response_in_progress", "output_item.added"])
            let blocks = slow.rawText.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            let comments = blocks.filter { $0.hasPrefix(":") }
            #expect(comments.count >= 4, "\(comments.count) keep-alives")
            // Every comment is a block of its own: none lands inside an event.
            #expect(comments.allSatisfy { $0 == ": keep-alive" })
            #expect(blocks.count == comments.count + slow.frames.count)
            // Comments come between the events, not only before the first or after the last.
            let firstEvent = try #require(blocks.firstIndex { !$0.hasPrefix(":") })
            let lastEvent = try #require(blocks.lastIndex { !$0.hasPrefix(":") })
            #expect(blocks[firstEvent...lastEvent].contains { $0.hasPrefix(":") })
        }
        try await GatewayHarness.run { gateway in
            let quick = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"])
            #expect(quick.frames.last?.name == "response_completed")
            #expect(!quick.rawText.contains("keep-alive"))
        }
    }

    @Test("a slow /v1 pass-through stream gets `: keep-alive` comments too, only between the upstream's events")
    func passthroughKeepAlive() async throws {
        try await GatewayHarness.run(configure: { $0.keepAliveInterval = .milliseconds(60) }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", eventDelayMs: 250, failAfterEvents: 3))
            let slow = try await gateway.stream(.POST, "/v1/responses", json: ["model": "gpt-4o", "input": "Hello", "stream": true])
            #expect(slow.frames.map(\.name) == ["response.created", "response.in_progress", "response.output_item.added", "response.failed"])
            let blocks = slow.rawText.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            let comments = blocks.filter { $0.hasPrefix(":") }
            #expect(comments.count >= 3 && comments.allSatisfy { $0 == ": keep-alive" })
            #expect(blocks.count == comments.count + slow.frames.count)
        }
    }

    @Test("LOG_LEVEL=debug: one log entry per relayed event, as the client got it; info: none")
    func debugEntries() async throws {
        var frames: [GatewayHarness.Frame] = []
        let gateway = try await GatewayHarness.run(configure: { $0.logLevel = .debug }) { gateway in
            frames = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"]).frames
            return gateway
        }
        let entries = try gateway.logEntries()
        let events = entries.filter { $0["event_type"] != nil }
        #expect(frames.count > 6)
        #expect(events.count == frames.count)
        for (entry, frame) in zip(events, frames) {
            #expect(entry["level"]?.stringValue == "debug")
            #expect(entry["api"]?.stringValue == "responses")
            #expect(entry["event_type"]?.stringValue == frame.name)
            #expect(entry["sequence"]?.intValue == frame.event.id.flatMap(Int.init))
            #expect(entry["data"] == frame.payload)
        }
        let requestID = try #require(entries.last?["request_id"]?.stringValue)
        #expect(events.allSatisfy { $0["request_id"]?.stringValue == requestID })
        #expect(entries.filter { $0["event_type"] == nil }.count == 1)

        let quiet = try await GatewayHarness.run(configure: { $0.logLevel = .info }) { gateway in
            _ = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Hello"])
            return gateway
        }
        let quietEntries = try quiet.logEntries()
        #expect(quietEntries.count == 1)
        #expect(quietEntries.allSatisfy { $0["event_type"] == nil })
    }

    @Test("LOG_LEVEL=debug: a /v1 pass-through stream logs each upstream event too")
    func passthroughDebugEntries() async throws {
        var frames: [GatewayHarness.Frame] = []
        let gateway = try await GatewayHarness.run(configure: { $0.logLevel = .debug }) { gateway in
            frames = try await gateway.stream(.POST, "/v1/responses", json: ["model": "gpt-4o", "input": "Hello", "stream": true]).frames
            return gateway
        }
        let text = gateway.allLogText()
        let entries = try text.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        let events = entries.filter { $0["event_type"] != nil }
        #expect(frames.count > 6)
        #expect(events.count == frames.count)
        for (entry, frame) in zip(events, frames) {
            #expect(entry["event_type"]?.stringValue == frame.name)
            #expect(entry["data"] == frame.payload)
            #expect(entry["data"]?["sequence_number"] != nil)
        }
        #expect(frames.last?.name == "response.completed")
    }
}
