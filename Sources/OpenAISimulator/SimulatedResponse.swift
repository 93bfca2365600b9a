import Foundation
import OpenAIClient

/// One simulated model response: its deterministic reply, usage, and the objects and events
/// that describe it at each stage of its life.
struct SimulatedResponse: Sendable {
    let id: String
    let messageID: String
    let request: CreateResponseRequest
    let createdAt: Int
    /// The reply split into stream deltas; each delta counts as one output token.
    let deltas: [String]
    /// True when `max_output_tokens` cut the reply short.
    let truncated: Bool
    let usage: JSONValue
    /// The image the model makes with the request's `image_generation` tool, output before the message.
    let imageCall: ImageGenerationCall?
    /// The calls the model makes with the request's other tools, after the image, before the message.
    let toolCalls: [SimulatedToolCall]

    /// - Parameter previousTotalTokens: the conversation so far, billed again as input as OpenAI does.
    init(request: CreateResponseRequest, previousTotalTokens: Int = 0, now: Date = Date()) {
        self.id = SimulatorIDs.make("resp")
        self.messageID = SimulatorIDs.make("msg")
        self.request = request
        self.createdAt = Int(now.timeIntervalSince1970)
        toolCalls = request.tools.map { SimulatedToolCall(tool: $0, prompt: request.inputText, include: request.include) }
        // A function call ends the turn: the model waits for the function's output and writes no message.
        let all = toolCalls.contains(where: \.endsTurn) ? [] : Self.replyDeltas(input: request.inputText, instructions: request.instructions)
        if let limit = request.maxOutputTokens, limit < all.count {
            deltas = Array(all.prefix(limit))
            truncated = true
        } else {
            deltas = all
            truncated = false
        }
        let inputTokens = Self.inputTokens(request, previousTotalTokens: previousTotalTokens)
        let cachedTokens = request.promptCacheKey == nil ? 0 : inputTokens / 2
        let reasoningTokens = Self.isReasoningModel(request.model) ? 16 * (1 + deltas.count / 8) : 0
        imageCall = request.imageTool.map { ImageGenerationCall(tool: $0, prompt: request.inputText, streamed: request.stream) }
        // The Response's usage has no field of its own for the image: its tokens count as output.
        let toolTokens = toolCalls.reduce(0) { $0 + $1.outputTokens }
        let outputTokens = deltas.count + reasoningTokens + (imageCall?.outputTokens ?? 0) + toolTokens
        usage = [
            "input_tokens": JSONValue(inputTokens),
            "input_tokens_details": ["cached_tokens": JSONValue(cachedTokens), "cache_write_tokens": 0],
            "output_tokens": JSONValue(outputTokens),
            "output_tokens_details": ["reasoning_tokens": JSONValue(reasoningTokens)],
            "total_tokens": JSONValue(inputTokens + outputTokens),
        ]
    }

    /// The input tokens of a request: a token per four characters of input and instructions (at least
    /// one), plus the conversation so far. `POST /v1/responses/input_tokens` counts the same way.
    static func inputTokens(_ request: CreateResponseRequest, previousTotalTokens: Int) -> Int {
        let inputChars = request.inputText.count + (request.instructions?.count ?? 0)
        return max(1, (inputChars + 3) / 4) + previousTotalTokens
    }

    var text: String { deltas.joined() }

    /// Where the message is in `output`: after the image generation call and the tool calls.
    var messageOutputIndex: Int { (imageCall == nil ? 0 : 1) + toolCalls.count }

    /// Whether the response ends with a message (not when a function call ends the turn).
    var answersWithText: Bool { !toolCalls.contains(where: \.endsTurn) }

    /// The status the response ends with when nothing goes wrong.
    var finalStatus: String { truncated ? "incomplete" : "completed" }

    static func isReasoningModel(_ model: String) -> Bool {
        model.hasPrefix("o") || model.hasPrefix("gpt-5")
    }

    // MARK: - Reply text

    /// A reply that depends only on the input and instructions, so tests can predict it.
    /// `variant` picks another closing sentence (the other choices of a chat completion with `n` > 1).
    static func replyDeltas(input: String, instructions: String?, variant: Int = 0) -> [String] {
        let inputWords = input.split(whereSeparator: \.isWhitespace).prefix(12).map(String.init)
        var sentence = inputWords.isEmpty ? "Simulated reply to an empty input." : "Simulated reply to: \(inputWords.joined(separator: " "))."
        if let instructions {
            let words = instructions.split(whereSeparator: \.isWhitespace).prefix(6)
            if !words.isEmpty { sentence += " Following the instructions: \(words.joined(separator: " "))." }
        }
        let closings = [
            "This deterministic answer comes from the built-in OpenAI simulator, so no real model was called.",
            "The OpenAI simulator produced this text without a network call, and it repeats for the same input.",
            "Nothing here came from a real model; the simulator derives every word from the request it received.",
            "Same input, same words: the simulator keeps its replies stable so that tests can rely on them.",
        ]
        let closing = (fnv1a(input + (instructions ?? "")) % UInt64(closings.count) + UInt64(max(0, variant))) % UInt64(closings.count)
        sentence += " " + closings[Int(closing)]
        let words = sentence.split(separator: " ", omittingEmptySubsequences: true)
        return words.enumerated().map { index, word in index == words.count - 1 ? String(word) : "\(word) " }
    }

    /// A stable hash (Swift's `hashValue` is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    // MARK: - Objects

    /// The output message as it stands with `text` generated so far.
    func message(status: String, text: String?) -> JSONValue {
        let content: [JSONValue] = text.map { [outputText($0)] } ?? []
        return [
            "id": .string(messageID), "type": "message", "status": .string(status), "content": .array(content), "role": "assistant",
        ]
    }

    func outputText(_ text: String) -> JSONValue {
        ["type": "output_text", "annotations": [], "logprobs": [], "text": .string(text)]
    }

    /// The Response object in one state of its life.
    func snapshot(status: String, output: [JSONValue] = [], error: JSONValue = .null, completedAt: Int? = nil) -> JSONValue {
        let body = request.body
        var object: JSONObject = [
            "id": .string(id),
            "object": "response",
            "created_at": JSONValue(createdAt),
            "status": .string(status),
            "background": .bool(request.background),
            "completed_at": JSONValue(completedAt),
            "error": error,
            "incomplete_details": status == "incomplete" ? ["reason": "max_output_tokens"] : .null,
            "instructions": JSONValue(request.instructions),
            "max_output_tokens": JSONValue(request.maxOutputTokens),
            "max_tool_calls": Self.echo(body["max_tool_calls"]) ?? .null,
            "model": .string(request.model),
            "output": .array(output),
            "parallel_tool_calls": body["parallel_tool_calls"]?.boolValue.map(JSONValue.bool) ?? true,
            "previous_response_id": JSONValue(request.previousResponseID),
            "prompt_cache_key": JSONValue(request.promptCacheKey),
            "reasoning": body["reasoning"]?.objectValue.map(JSONValue.object)
                ?? (Self.isReasoningModel(request.model) ? ["effort": "medium", "summary": .null] : ["effort": .null, "summary": .null]),
            "safety_identifier": body["safety_identifier"]?.stringValue.map(JSONValue.string) ?? .null,
            "service_tier": .string(body["service_tier"]?.stringValue.map { $0 == "auto" ? "default" : $0 } ?? "default"),
            "store": .bool(request.store),
            "temperature": Self.echo(body["temperature"]) ?? 1.0,
            "text": body["text"]?.objectValue.map(JSONValue.object) ?? ["format": ["type": "text"], "verbosity": "medium"],
            "tool_choice": body["tool_choice"].flatMap { $0.isNull ? nil : $0 } ?? "auto",
            "tools": body["tools"]?.arrayValue.map { .array($0.map(Self.echoedTool)) } ?? [],
            "top_logprobs": Self.echo(body["top_logprobs"]) ?? 0,
            "top_p": Self.echo(body["top_p"]) ?? 1.0,
            "truncation": body["truncation"]?.stringValue.map(JSONValue.string) ?? "disabled",
            "metadata": body["metadata"]?.objectValue.map(JSONValue.object) ?? [:],
        ]
        // The live API sends `usage: null` and `user: null` until known; the spec types both as
        // non-null, so they are left out rather than sent as null.
        if status == "completed" || status == "incomplete" { object["usage"] = usage }
        if let user = body["user"]?.stringValue { object["user"] = .string(user) }
        if let retention = body["prompt_cache_retention"]?.stringValue { object["prompt_cache_retention"] = .string(retention) }
        if !output.isEmpty, let text = Self.outputText(of: output) {
            object["output_text"] = .string(text)
        }
        return .object(object)
    }

    /// A member as the request sent it (validated by ``CreateResponseRequest/parse(_:)``), `nil` when absent or null.
    static func echo(_ value: JSONValue?) -> JSONValue? {
        value.flatMap { $0.isNull ? nil : $0 }
    }

    /// A tool as the Response lists it: a function with its `description`, `parameters` and `strict`
    /// filled in as OpenAI fills them.
    static func echoedTool(_ tool: JSONValue) -> JSONValue {
        guard var object = tool.objectValue, object["type"]?.stringValue == "function" else { return tool }
        if object["description"] == nil { object["description"] = .null }
        if object["parameters"] == nil { object["parameters"] = .null }
        if object["strict"] == nil || object["strict"] == .null { object["strict"] = true }
        return .object(object)
    }

    private static func outputText(of output: [JSONValue]) -> String? {
        let texts = output.flatMap { ($0["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue } }
        return texts.isEmpty ? nil : texts.joined()
    }

    /// The Response once generation ended normally.
    func finalSnapshot(now: Date = Date()) -> JSONValue {
        snapshot(
            status: finalStatus,
            output: (imageCall.map { [$0.item(status: "completed")] } ?? []) + toolCalls.map { $0.item(status: "completed") }
                + (answersWithText ? [message(status: truncated ? "incomplete" : "completed", text: text)] : []),
            completedAt: truncated ? nil : Int(now.timeIntervalSince1970)
        )
    }

    /// The Response after a simulated server failure; `imageStatus` is the image call's status
    /// when it had started (`completed` once its item was done, else `failed`).
    /// `toolStatuses` are those of the tool calls that had started, by call id.
    func failedSnapshot(partialText: String?, imageStatus: String? = nil, toolStatuses: [String: String] = [:]) -> JSONValue {
        var output: [JSONValue] = []
        if let imageCall, let imageStatus { output.append(imageCall.item(status: imageStatus)) }
        for call in toolCalls {
            if let status = toolStatuses[call.id] { output.append(call.item(status: status)) }
        }
        if let partialText { output.append(message(status: "incomplete", text: partialText)) }
        return snapshot(
            status: "failed",
            output: output,
            error: ["code": "server_error", "message": "The model failed to generate a response (simulated fault)."]
        )
    }
}

/// Random ids in OpenAI's style (`resp_` + 48 hex digits).
enum SimulatorIDs {
    static func make(_ prefix: String, hexDigits: Int = 48) -> String {
        var generator = SystemRandomNumberGenerator()
        var out = prefix + "_"
        out.reserveCapacity(prefix.count + 1 + hexDigits)
        for _ in 0..<hexDigits {
            out.append(Character(String(generator.next(upperBound: UInt8(16)), radix: 16)))
        }
        return out
    }

    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// `prefix` followed by random letters and digits: `chatcmpl-` + 29 as OpenAI's chat completion ids.
    static func alphanumeric(_ prefix: String, count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<count).map { _ in alphanumerics[Int(generator.next(upperBound: UInt(alphanumerics.count)))] })
    }
}
