import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("Simulator Responses API: function, file_search and code_interpreter calls")
struct SimulatorResponsesToolCallTests {
    static let function: JSONValue = [
        "type": "function", "name": "get_weather", "description": "The weather in a city", "strict": true,
        "parameters": [
            "type": "object", "additionalProperties": false, "required": ["city", "unit", "days"],
            "properties": ["city": ["type": "string"], "unit": ["type": "string", "enum": ["celsius", "fahrenheit"]], "days": ["type": "integer"]],
        ],
    ]
    static let fileSearch: JSONValue = ["type": "file_search", "vector_store_ids": ["vs_alpha", "vs_beta"]]
    static let codeInterpreter: JSONValue = ["type": "code_interpreter", "container": ["type": "auto"]]

    static func body(_ tools: [JSONValue], stream: Bool = false, extra: JSONObject = [:]) -> JSONValue {
        var body: JSONObject = ["model": "gpt-4o", "input": "Weather in Paris", "tools": .array(tools), "stream": .bool(stream)]
        for (key, value) in extra { body[key] = value }
        return .object(body)
    }

    static func types(_ output: JSONValue?) -> [String] {
        output?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
    }

    @Test("JSON: a function tool ends the turn with a function_call whose arguments follow the schema")
    func functionCall() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post("/v1/responses", Self.body([Self.function]))
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("Response", result.body)
            let json = try result.json
            #expect(Self.types(json["output"]) == ["function_call"])
            let call = try #require(json["output"]?[0])
            #expect(call["id"]?.stringValue?.hasPrefix("fc_") == true && call["call_id"]?.stringValue?.hasPrefix("call_") == true)
            #expect(call["name"] == "get_weather" && call["status"] == "completed")
            let arguments = try JSONValue(parsing: try #require(call["arguments"]?.stringValue))
            #expect(arguments == ["city": "Weather in Paris", "unit": "celsius", "days": 1])
            #expect(json["output_text"] == nil)
            #expect(json["status"] == "completed")

            // The function's output answers the call: the model then replies with text and calls nothing.
            let output: JSONValue = [
                "model": "gpt-4o", "tools": [Self.function],
                "input": [
                    ["role": "user", "content": "Weather in Paris"], call,
                    ["type": "function_call_output", "call_id": call["call_id"] ?? .null, "output": "{\"temp\": 21}"],
                ],
            ]
            let answered = try await sim.post("/v1/responses", output)
            try await SpecCheck.expectValid("Response", answered.body)
            #expect(Self.types(try answered.json["output"]) == ["message"])

            // tool_choice none: no call; a named function: that one.
            let none = try await sim.post("/v1/responses", Self.body([Self.function], extra: ["tool_choice": "none"])).json
            #expect(Self.types(none["output"]) == ["message"])
            var other = Self.function.objectValue ?? [:]
            other["name"] = "get_time"
            let named = try await sim.post(
                "/v1/responses",
                Self.body([Self.function, .object(other)], extra: ["tool_choice": ["type": "function", "name": "get_time"]])
            ).json
            #expect(named["output"]?[0]?["name"] == "get_time" && named["output"]?.arrayValue?.count == 1)
        }
    }

    @Test("JSON: file_search and code_interpreter calls come before the message; results and outputs when included")
    func hostedTools() async throws {
        try await SimHarness.with { sim in
            let plain = try await sim.post("/v1/responses", Self.body([Self.fileSearch, Self.codeInterpreter]))
            #expect(plain.status == 200, "\(plain.body)")
            try await SpecCheck.expectValid("Response", plain.body)
            let json = try plain.json
            #expect(Self.types(json["output"]) == ["file_search_call", "code_interpreter_call", "message"])
            let search = try #require(json["output"]?[0])
            #expect(search["status"] == "completed" && search["queries"] == ["Weather in Paris"] && search["results"] == .null)
            let code = try #require(json["output"]?[1])
            #expect(code["code"] == "print(\"Simulated: Weather in Paris\")" && code["outputs"] == .null)
            #expect(code["container_id"]?.stringValue?.hasPrefix("cntr_") == true)
            #expect(json["output_text"]?.stringValue?.hasPrefix("Simulated reply to: Weather in Paris.") == true)

            let included = try await sim.post(
                "/v1/responses",
                Self.body(
                    [Self.fileSearch, ["type": "code_interpreter", "container": "cntr_given"]],
                    extra: ["include": ["file_search_call.results", "code_interpreter_call.outputs"]]
                )
            )
            try await SpecCheck.expectValid("Response", included.body)
            let output = try #require(try included.json["output"]?.arrayValue)
            let results = try #require(output[0]["results"]?.arrayValue)
            #expect(results.count == 2 && results[0]["filename"] == "vs_alpha.txt" && results[0]["score"]?.doubleValue == 0.95)
            #expect(output[1]["outputs"] == [["type": "logs", "logs": "Simulated: Weather in Paris\n"]])
            #expect(output[1]["container_id"] == "cntr_given")
        }
    }

    @Test("stream: each call's events in OpenAI's order, valid against the spec, then the message after them")
    func streamEvents() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post("/v1/responses", Self.body([Self.fileSearch, Self.codeInterpreter, Self.function], stream: true))
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("ResponseStreamEvent", result.body)
            let events = try result.events
            #expect(events.map { $0["sequence_number"]?.intValue } == Array(0..<events.count))
            let types = events.compactMap { $0["type"]?.stringValue }
            let deltas = types.filter { $0 == "response.code_interpreter_call_code.delta" }.count
            let argumentDeltas = types.filter { $0 == "response.function_call_arguments.delta" }.count
            #expect(deltas > 1 && argumentDeltas > 1)
            let expected =
                ["response.created", "response.in_progress"]
                + ["response.output_item.added", "response.file_search_call.in_progress", "response.file_search_call.searching"]
                + ["response.file_search_call.completed", "response.output_item.done"]
                + ["response.output_item.added", "response.code_interpreter_call.in_progress"]
                + Array(repeating: "response.code_interpreter_call_code.delta", count: deltas)
                + ["response.code_interpreter_call_code.done", "response.code_interpreter_call.interpreting"]
                + ["response.code_interpreter_call.completed", "response.output_item.done"]
                + ["response.output_item.added"] + Array(repeating: "response.function_call_arguments.delta", count: argumentDeltas)
                + ["response.function_call_arguments.done", "response.output_item.done", "response.completed"]
            #expect(types == expected)
            // Each call's events name its item and output index; the deltas add up to the final text.
            let items = events.filter { $0["type"] == "response.output_item.done" }.compactMap { $0["item"] }
            #expect(items.compactMap { $0["type"]?.stringValue } == ["file_search_call", "code_interpreter_call", "function_call"])
            for (index, item) in items.enumerated() {
                let own = events.filter { $0["item_id"] == item["id"] }
                #expect(!own.isEmpty && own.allSatisfy { $0["output_index"]?.intValue == index })
            }
            let code = events.filter { $0["type"] == "response.code_interpreter_call_code.delta" }.compactMap { $0["delta"]?.stringValue }.joined()
            #expect(code == items[1]["code"]?.stringValue)
            let arguments = events.filter { $0["type"] == "response.function_call_arguments.delta" }.compactMap { $0["delta"]?.stringValue }.joined()
            #expect(arguments == items[2]["arguments"]?.stringValue)
            #expect(events.first { $0["type"] == "response.function_call_arguments.done" }?["name"] == "get_weather")
            let response = try #require(events.last?["response"])
            #expect(Self.types(response["output"]) == ["file_search_call", "code_interpreter_call", "function_call"])
            #expect(response["output"]?.arrayValue == items)

            // Stored: the replay is the same stream.
            let id = try #require(response["id"]?.stringValue)
            let replay = try await sim.get("/v1/responses/\(id)?stream=true")
            try await SpecCheck.expectValid("ResponseStreamEvent", replay.body)
            #expect(try replay.events.compactMap { $0["type"]?.stringValue } == types)
        }
    }

    @Test("fail_after_events: the failed Response keeps the finished call and marks the started one")
    func failPartway() async throws {
        try await SimHarness.with { sim in
            // created, in_progress, 5 file search events, then the code interpreter's output_item.added.
            sim.state.addFault(SimulatorFault(path: "/v1/responses", failAfterEvents: 8))
            let failed = try await sim.post("/v1/responses", Self.body([Self.fileSearch, Self.codeInterpreter], stream: true))
            try await SpecCheck.expectValid("ResponseStreamEvent", failed.body)
            let output = try failed.events.last?["response"]?["output"]?.arrayValue ?? []
            #expect(output.compactMap { $0["type"]?.stringValue } == ["file_search_call", "code_interpreter_call"])
            #expect(output.compactMap { $0["status"]?.stringValue } == ["completed", "failed"])
        }
    }

    @Test("the tools are validated as OpenAI does, naming tools[i].field")
    func toolsAreValidated() async throws {
        try await SimHarness.with { sim in
            let cases: [(JSONValue, String, String)] = [
                (["type": "function", "parameters": [:]], "tools[0].name", "missing_required_parameter"),
                (["type": "function", "name": 3], "tools[0].name", "invalid_type"),
                (["type": "function", "name": "f", "parameters": "x"], "tools[0].parameters", "invalid_type"),
                (["type": "file_search"], "tools[0].vector_store_ids", "missing_required_parameter"),
                (["type": "file_search", "vector_store_ids": [1]], "tools[0].vector_store_ids", "invalid_type"),
                (["type": "code_interpreter"], "tools[0].container", "missing_required_parameter"),
                (["type": "code_interpreter", "container": ["type": "other"]], "tools[0].container", "invalid_type"),
            ]
            for (tool, param, code) in cases {
                let result = try await sim.post("/v1/responses", Self.body([tool]))
                #expect(result.status == 400, "\(tool)")
                #expect(try result.json["error"]?["param"]?.stringValue == param, "\(tool)")
                #expect(try result.json["error"]?["code"]?.stringValue == code, "\(tool)")
            }
        }
    }
}
