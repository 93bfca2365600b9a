import OpenAIClient
import Testing

@testable import OpenAIGateway

/// Every tool type of the spec's `Tool` union, `tool_choice` and `prompt`, over real HTTP: a passing
/// case (201, forwarded) and a failing one (400 naming the exact JSON path, with a hint, no upstream call).
@Suite("Tool, tool_choice and prompt rules over HTTP")
struct ToolValidationTests {
    static let fn: JSONValue = ["type": "function", "name": "get_weather", "parameters": ["type": "object"], "strict": true]

    /// (tool, the parameter a 400 names; nil when the tool is valid).
    static let cases: [(JSONValue, String?)] = [
        (fn, nil),
        (["type": "function", "name": "get weather", "parameters": ["type": "object"], "strict": true], "tools[0].name"),
        (["type": "function", "name": "f", "parameters": "object", "strict": true], "tools[0].parameters"),
        (["type": "function", "name": "f", "parameters": ["type": "object"], "strict": "yes"], "tools[0].strict"),
        (["type": "function", "parameters": ["type": "object"], "strict": true], "tools[0].name"),
        (["type": "file_search", "vector_store_ids": ["vs_abc"], "max_num_results": 5], nil),
        (["type": "file_search", "vector_store_ids": ["abc"]], "tools[0].vector_store_ids[0]"),
        (
            ["type": "file_search", "vector_store_ids": ["vs_a"], "ranking_options": ["score_threshold": 2]],
            "tools[0].ranking_options.score_threshold"
        ),
        (["type": "web_search", "search_context_size": "low"], nil),
        (["type": "web_search", "search_context_size": "huge"], "tools[0].search_context_size"),
        (["type": "web_search_preview", "user_location": ["type": "approximate", "city": "Paris"]], nil),
        (["type": "web_search_preview", "search_context_size": 3], "tools[0].search_context_size"),
        (["type": "code_interpreter", "container": ["type": "auto", "file_ids": ["file-a"], "memory_limit": "4g"]], nil),
        (["type": "code_interpreter", "container": ["type": "auto", "memory_limit": "3g"]], "tools[0].container.memory_limit"),
        (["type": "code_interpreter"], "tools[0].container"),
        (["type": "image_generation", "quality": "low", "partial_images": 2], nil),
        (["type": "image_generation", "partial_images": 5], "tools[0].partial_images"),
        (["type": "mcp", "server_label": "wiki", "server_url": "https://mcp.example.com/sse", "require_approval": "never"], nil),
        (["type": "mcp", "server_label": "wiki"], "tools[0]"),
        (["type": "mcp", "server_label": "wiki", "connector_id": "connector_myspace"], "tools[0].connector_id"),
        (["type": "mcp", "server_label": "wiki", "server_url": "https://a.example", "require_approval": "sometimes"], "tools[0].require_approval"),
        (["type": "computer_use_preview", "environment": "linux", "display_width": 1024, "display_height": 768], nil),
        (["type": "computer_use_preview", "environment": "amiga", "display_width": 1024, "display_height": 768], "tools[0].environment"),
        (["type": "computer_use_preview", "environment": "linux", "display_width": 1024], "tools[0].display_height"),
        (["type": "local_shell"], nil),
        (["type": "shell"], nil),
        (["type": "custom", "name": "sql", "format": ["type": "grammar", "syntax": "lark", "definition": "start: \"x\""]], nil),
        (["type": "custom", "name": "sql", "format": ["type": "grammar", "syntax": "bnf", "definition": "x"]], "tools[0].format.syntax"),
        (["type": "custom", "format": ["type": "text"]], "tools[0].name"),
        (["type": "apply_patch"], nil),
        (["type": "namespace", "name": "crm", "description": "CRM tools", "tools": [fn]], nil),
        (["type": "namespace", "name": "crm", "tools": [fn]], "tools[0].description"),
        (["type": "some_future_tool", "anything": [1, 2]], nil),
    ]

    @Test("each tool type: valid forwarded, invalid named by its path")
    func tools() async throws {
        try await GatewayHarness.run { gateway in
            var forwarded = 0
            for (tool, parameter) in Self.cases {
                let result = try await gateway.request(.POST, "/api/responses/text", json: ["input": "Hi", "tools": [tool]])
                if let parameter {
                    #expect(result.status == 400, "\(tool.jsonString)")
                    let json = try result.json()
                    #expect(json["parameter"]?.stringValue == parameter, "\(tool.jsonString): \(json["errors"]?.jsonString ?? result.text)")
                    #expect(json["hint"]?.stringValue?.isEmpty == false, "\(tool.jsonString)")
                } else {
                    #expect(result.status == 201, "\(tool.jsonString): \(result.text.prefix(300))")
                    forwarded += 1
                }
            }
            #expect(gateway.simulator.state.stats().requests["POST /v1/responses"] == forwarded)
        }
    }

    @Test("tool_choice must name a tool that exists")
    func toolChoice() async throws {
        try await GatewayHarness.run { gateway in
            let cases: [(JSONValue, [JSONValue], String?)] = [
                (["type": "function", "name": "get_weather"], [Self.fn], nil),
                (["type": "function", "name": "get_time"], [Self.fn], "tool_choice.name"),
                (["type": "file_search"], [Self.fn], "tool_choice.type"),
                (["type": "web_search_preview"], [["type": "web_search_preview"]], nil),
                ("required", [], "tool_choice"),
                ("sometimes", [Self.fn], "tool_choice"),
                (
                    ["type": "mcp", "server_label": "other"], [["type": "mcp", "server_label": "wiki", "server_url": "https://a.example"]],
                    "tool_choice.server_label"
                ),
                ("auto", [Self.fn], nil),
            ]
            // With a reusable prompt, the prompt may bring the function: only the shape is checked.
            let withPrompt = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["input": "Hi", "prompt": ["id": "pmpt_1"], "tool_choice": ["type": "function", "name": "from_prompt"]]
            )
            #expect(withPrompt.status == 201, "\(withPrompt.text.prefix(300))")
            for (choice, tools, parameter) in cases {
                let result = try await gateway.request(
                    .POST,
                    "/api/responses/text",
                    json: ["input": "Hi", "tools": .array(tools), "tool_choice": choice]
                )
                if let parameter {
                    #expect(result.status == 400, "\(choice.jsonString)")
                    #expect(try result.json()["parameter"]?.stringValue == parameter, "\(choice.jsonString): \(result.text.prefix(300))")
                } else {
                    #expect(result.status == 201, "\(choice.jsonString): \(result.text.prefix(300))")
                }
            }
        }
    }

    @Test("prompt: a valid reference is forwarded; a wrong id is a 400 naming prompt.id")
    func prompt() async throws {
        try await GatewayHarness.run { gateway in
            let ok = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["input": "Hi", "prompt": ["id": "pmpt_123", "version": "2", "variables": ["city": "Paris"]]]
            )
            #expect(ok.status == 201, "\(ok.text.prefix(300))")
            let bad = try await gateway.request(.POST, "/api/responses/text", json: ["input": "Hi", "prompt": ["id": "prompt-123"]])
            #expect(bad.status == 400)
            #expect(try bad.json()["parameter"]?.stringValue == "prompt.id")
            #expect(try bad.json()["hint"]?.stringValue?.contains("pmpt_") == true)
        }
    }
}
