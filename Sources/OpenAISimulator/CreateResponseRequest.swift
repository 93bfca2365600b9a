import OpenAIClient

/// The parts of a `POST /v1/responses` body the simulator acts on, validated like OpenAI does.
struct CreateResponseRequest: Sendable {
    var body: JSONObject
    var model: String
    /// The text of every input message, in order, used to derive the reply and the token counts.
    var inputText: String
    /// The input as items (a string input becomes one user message), without ids.
    var inputItems: [JSONValue]
    var instructions: String?
    var stream: Bool
    var background: Bool
    var store: Bool
    var maxOutputTokens: Int?
    var previousResponseID: String?
    var promptCacheKey: String?
    /// The `image_generation` tool, when the request offers one and `tool_choice` is not `none`:
    /// the simulated model then always calls it once, before it answers.
    var imageTool: ImageGenerationTool?
    /// The `function`, `file_search` and `code_interpreter` tools the simulated model calls, once
    /// each, after the image and before it answers (a function call ends the turn instead).
    var tools: [SimulatedTool] = []
    /// `include`: e.g. `file_search_call.results`, `code_interpreter_call.outputs`.
    var include: [String] = []

    static func parse(_ value: JSONValue) throws(SimulatorAPIError) -> CreateResponseRequest {
        guard let body = value.objectValue else {
            throw .invalidRequest(
                "Invalid type for request body: expected an object, but got \(value.typeName) instead.",
                param: nil,
                code: "invalid_type"
            )
        }
        guard let modelValue = body["model"], !modelValue.isNull else {
            throw .invalidRequest("Missing required parameter: 'model'.", param: "model", code: "missing_required_parameter")
        }
        guard let model = modelValue.stringValue else {
            throw invalidType("model", expected: "a string", got: modelValue)
        }
        let (text, items) = try parseInput(body["input"])
        let instructions = try optionalString(body, "instructions")
        let maxOutputTokens: Int?
        if let raw = body["max_output_tokens"], !raw.isNull {
            guard let number = raw.intValue else { throw invalidType("max_output_tokens", expected: "an integer", got: raw) }
            guard number >= 1 else {
                throw .invalidRequest(
                    "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 1, but got \(number) instead.",
                    param: "max_output_tokens",
                    code: "integer_below_min_value"
                )
            }
            maxOutputTokens = number
        } else {
            maxOutputTokens = nil
        }
        // Echoed in the Response as sent.
        let fields = RequestFields(body)
        _ = try fields.number("temperature", in: 0...2)
        _ = try fields.number("top_p", in: 0...1)
        _ = try fields.int("top_logprobs", in: 0...20)
        _ = try fields.int("max_tool_calls", in: 1...Int(Int32.max))
        if let tier = try fields.string("service_tier"), !Self.serviceTiers.contains(tier) {
            throw SimulatorAPIError.invalidValue(param: "service_tier", got: tier, allowed: Self.serviceTiers)
        }
        if let raw = body["metadata"], !raw.isNull, raw.objectValue == nil {
            throw invalidType("metadata", expected: "an object", got: raw)
        }
        let store = try optionalBool(body, "store") ?? true
        let background = try optionalBool(body, "background") ?? false
        if background && !store {
            throw .invalidRequest("Background mode requires 'store' to be true.", param: "background", code: "invalid_value")
        }
        var imageTool = try ImageGenerationTool.parse(body["tools"])
        if body["tool_choice"]?.stringValue == "none" { imageTool = nil }
        let tools = try SimulatedTool.parse(body, inputItems: items)
        var include: [String] = []
        if let raw = body["include"], !raw.isNull {
            guard let values = raw.arrayValue?.compactMap(\.stringValue), values.count == raw.arrayValue?.count else {
                throw invalidType("include", expected: "an array of strings", got: raw)
            }
            include = values
        }
        return CreateResponseRequest(
            body: body,
            model: model,
            inputText: text,
            inputItems: items,
            instructions: instructions,
            stream: try optionalBool(body, "stream") ?? false,
            background: background,
            store: store,
            maxOutputTokens: maxOutputTokens,
            previousResponseID: try optionalString(body, "previous_response_id"),
            promptCacheKey: try optionalString(body, "prompt_cache_key"),
            imageTool: imageTool,
            tools: tools,
            include: include
        )
    }

    static let serviceTiers = ["auto", "default", "flex", "scale", "priority", "fast", "ultrafast"]

    private static func parseInput(_ input: JSONValue?) throws(SimulatorAPIError) -> (String, [JSONValue]) {
        switch input {
        case nil, .null?:
            return ("", [])
        case .string(let text)?:
            return (text, [["type": "message", "role": "user", "content": [["type": "input_text", "text": .string(text)]]]])
        case .array(let items)?:
            var texts: [String] = []
            for (index, item) in items.enumerated() {
                guard item.objectValue != nil else {
                    throw .invalidRequest(
                        "Invalid type for 'input[\(index)]': expected an input item, but got \(item.typeName) instead.",
                        param: "input[\(index)]",
                        code: "invalid_type"
                    )
                }
                texts.append(contentsOf: textParts(of: item))
            }
            return (texts.joined(separator: "\n"), items)
        case let other?:
            throw invalidType("input", expected: "one of a string or array of input items", got: other)
        }
    }

    /// Text of one input item: a message's string content or its text parts, or a tool output.
    private static func textParts(of item: JSONValue) -> [String] {
        if let content = item["content"] {
            if let text = content.stringValue { return [text] }
            return (content.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        }
        if let output = item["output"]?.stringValue { return [output] }
        return []
    }

    private static func optionalString(_ body: JSONObject, _ key: String) throws(SimulatorAPIError) -> String? {
        guard let raw = body[key], !raw.isNull else { return nil }
        guard let value = raw.stringValue else { throw invalidType(key, expected: "a string", got: raw) }
        return value
    }

    private static func optionalBool(_ body: JSONObject, _ key: String) throws(SimulatorAPIError) -> Bool? {
        guard let raw = body[key], !raw.isNull else { return nil }
        guard let value = raw.boolValue else { throw invalidType(key, expected: "a boolean", got: raw) }
        return value
    }

    private static func invalidType(_ param: String, expected: String, got value: JSONValue) -> SimulatorAPIError {
        .invalidRequest(
            "Invalid type for '\(param)': expected \(expected), but got \(value.typeName) instead.",
            param: param,
            code: "invalid_type"
        )
    }
}
