import OpenAIClient

/// The parts of a `POST /v1/chat/completions` body the simulator acts on, validated like OpenAI does.
struct CreateChatCompletionRequest: Sendable {
    static let roles = ["system", "assistant", "user", "function", "tool", "developer"]

    var body: JSONObject
    var model: String
    var messages: [JSONValue]
    /// The text of the last `user` message: what the reply is derived from.
    var lastUserText: String
    /// The text of the `system` and `developer` messages, if any (they shape the reply like `instructions`).
    var instructions: String?
    /// The text of every message, in order, for the prompt token count.
    var messageTexts: [String]
    var n: Int
    /// `max_completion_tokens`, else the deprecated `max_tokens`.
    var maxCompletionTokens: Int?
    var stream: Bool
    var includeUsage: Bool
    var includeObfuscation: Bool
    var store: Bool
    var metadata: JSONObject?
    var promptCacheKey: String?
    var serviceTier: String?

    static func parse(_ value: JSONValue) throws(SimulatorAPIError) -> CreateChatCompletionRequest {
        let fields = try RequestFields(value)
        let model = try fields.requiredString("model")
        guard let rawMessages = fields["messages"] else { throw SimulatorAPIError.missingParameter("messages") }
        guard let messages = rawMessages.arrayValue else {
            throw SimulatorAPIError.invalidType("messages", expected: "an array", got: rawMessages)
        }
        guard !messages.isEmpty else {
            throw .invalidRequest(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                param: "messages",
                code: "empty_array"
            )
        }
        var texts: [String] = []
        var lastUser: String?
        var instructions: [String] = []
        for (index, message) in messages.enumerated() {
            let (role, text) = try parseMessage(message, index: index)
            texts.append(text)
            if role == "user" { lastUser = text }
            if role == "system" || role == "developer" { instructions.append(text) }
        }

        let n = try fields.int("n", in: 1...128) ?? 1
        let maxCompletionTokens = try fields.int("max_completion_tokens", in: 1...Int(Int32.max))
        let maxTokens = try fields.int("max_tokens", in: 1...Int(Int32.max))
        if maxTokens != nil, SimulatedResponse.isReasoningModel(model) {
            throw .invalidRequest(
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                param: "max_tokens",
                code: "unsupported_parameter"
            )
        }
        _ = try fields.number("temperature", in: 0...2)
        _ = try fields.number("top_p", in: 0...1)
        _ = try fields.number("frequency_penalty", in: -2...2)
        _ = try fields.number("presence_penalty", in: -2...2)
        let stream = try fields.bool("stream") ?? false
        var includeUsage = false
        var includeObfuscation = true
        if let options = try fields.object("stream_options") {
            guard stream else {
                throw .invalidRequest(
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                    param: "stream_options",
                    code: nil
                )
            }
            let optionFields = RequestFields(options)
            includeUsage = try optionFields.bool("include_usage") ?? false
            includeObfuscation = try optionFields.bool("include_obfuscation") ?? true
        }
        let serviceTier = try fields.string("service_tier")
        if let serviceTier, !["auto", "default", "flex", "scale", "priority", "fast"].contains(serviceTier) {
            throw SimulatorAPIError.invalidValue(
                param: "service_tier",
                got: serviceTier,
                allowed: ["auto", "default", "flex", "scale", "priority"]
            )
        }
        return CreateChatCompletionRequest(
            body: fields.body,
            model: model,
            messages: messages,
            lastUserText: lastUser ?? "",
            instructions: instructions.isEmpty ? nil : instructions.joined(separator: "\n"),
            messageTexts: texts,
            n: n,
            maxCompletionTokens: maxCompletionTokens ?? maxTokens,
            stream: stream,
            includeUsage: includeUsage,
            includeObfuscation: includeObfuscation,
            store: try fields.bool("store") ?? false,
            metadata: try fields.metadata(),
            promptCacheKey: try fields.string("prompt_cache_key"),
            serviceTier: serviceTier
        )
    }

    /// Checks one message and returns its role and text (string content, or its text parts).
    private static func parseMessage(_ message: JSONValue, index: Int) throws(SimulatorAPIError) -> (String, String) {
        let path = "messages[\(index)]"
        guard let object = message.objectValue else {
            throw SimulatorAPIError.invalidType(path, expected: "an object", got: message)
        }
        let fields = RequestFields(object)
        guard let role = try fields.string("role") else { throw SimulatorAPIError.missingParameter("\(path).role") }
        guard roles.contains(role) else {
            throw .invalidRequest(
                "Invalid value: '\(role)'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
                param: "\(path).role",
                code: "invalid_value"
            )
        }
        let content = fields["content"]
        // An assistant message may carry only tool calls; every other message needs content.
        if content == nil, role != "assistant" {
            throw SimulatorAPIError.missingParameter("\(path).content")
        }
        if role == "tool", try fields.string("tool_call_id") == nil {
            throw SimulatorAPIError.missingParameter("\(path).tool_call_id")
        }
        switch content {
        case nil:
            return (role, "")
        case .string(let text)?:
            return (role, text)
        case .array(let parts)?:
            var texts: [String] = []
            for (partIndex, part) in parts.enumerated() {
                guard let type = part["type"]?.stringValue else {
                    throw SimulatorAPIError.missingParameter("\(path).content[\(partIndex)].type")
                }
                if type == "text" || type == "refusal", let text = part[type]?.stringValue {
                    texts.append(text)
                }
            }
            return (role, texts.joined(separator: "\n"))
        case let other?:
            throw SimulatorAPIError.invalidType("\(path).content", expected: "one of a string or array of content parts", got: other)
        }
    }
}
