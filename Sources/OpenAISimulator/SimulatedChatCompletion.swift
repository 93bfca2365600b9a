import Foundation
import OpenAIClient

/// One simulated chat completion: deterministic replies (one per choice), usage, the JSON object and
/// the stream chunks, shaped as OpenAI sends them.
///
/// A stream is, for each choice, a chunk with `delta: {"role":"assistant","content":"","refusal":null}`,
/// one chunk per word with `delta: {"content": ...}`, and a chunk with `delta: {}` and the
/// `finish_reason`; choices are interleaved when `n` > 1. With `stream_options.include_usage`, every
/// chunk has `"usage": null` and one more chunk with `"choices": []` and the usage ends the stream;
/// without it no chunk has a `usage` key. The transcript ends with `data: [DONE]`.
struct SimulatedChatCompletion: Sendable {
    struct Choice: Sendable {
        var deltas: [String]
        /// `max_completion_tokens` cut the reply short (`finish_reason: "length"`).
        var truncated: Bool
        var reasoningTokens: Int

        var text: String { deltas.joined() }
        var finishReason: String { truncated ? "length" : "stop" }
    }

    let id: String
    let request: CreateChatCompletionRequest
    let created: Int
    let choices: [Choice]
    let promptTokens: Int
    let cachedTokens: Int
    let systemFingerprint: String
    let serviceTier: String

    init(request: CreateChatCompletionRequest, now: Date = Date()) {
        self.id = SimulatorIDs.alphanumeric("chatcmpl-", count: 29)
        self.request = request
        self.created = Int(now.timeIntervalSince1970)
        let reasoning = SimulatedResponse.isReasoningModel(request.model)
        self.choices = (0..<request.n).map { index in
            let all = SimulatedResponse.replyDeltas(input: request.lastUserText, instructions: request.instructions, variant: index)
            let deltas = request.maxCompletionTokens.map { Array(all.prefix($0)) } ?? all
            return Choice(
                deltas: deltas,
                truncated: deltas.count < all.count,
                reasoningTokens: reasoning ? 16 * (1 + deltas.count / 8) : 0
            )
        }
        // Roughly OpenAI's chat format: a few tokens per message around ~4 characters a token.
        let promptTokens = request.messageTexts.reduce(3) { $0 + 3 + ($1.count + 3) / 4 }
        self.promptTokens = promptTokens
        self.cachedTokens = request.promptCacheKey == nil ? 0 : promptTokens / 2
        self.systemFingerprint = "fp_" + String(String(SimulatedResponse.fnv1a(request.model), radix: 16).prefix(10))
        switch request.serviceTier {
        case "flex": serviceTier = "flex"
        case "scale": serviceTier = "scale"
        case "priority", "fast": serviceTier = "priority"
        default: serviceTier = "default"
        }
    }

    var completionTokens: Int {
        choices.reduce(0) { $0 + $1.deltas.count + $1.reasoningTokens }
    }

    var usage: JSONValue {
        [
            "prompt_tokens": JSONValue(promptTokens),
            "completion_tokens": JSONValue(completionTokens),
            "total_tokens": JSONValue(promptTokens + completionTokens),
            "prompt_tokens_details": ["cached_tokens": JSONValue(cachedTokens), "audio_tokens": 0],
            "completion_tokens_details": [
                "reasoning_tokens": JSONValue(choices.reduce(0) { $0 + $1.reasoningTokens }), "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
            ],
        ]
    }

    /// The `chat.completion` object a JSON request answers.
    var completion: JSONValue {
        let choices = self.choices.enumerated().map { index, choice -> JSONValue in
            [
                "index": JSONValue(index),
                "message": ["role": "assistant", "content": .string(choice.text), "refusal": nil, "annotations": []],
                "logprobs": nil,
                "finish_reason": .string(choice.finishReason),
            ]
        }
        return [
            "id": .string(id), "object": "chat.completion", "created": JSONValue(created), "model": .string(request.model),
            "choices": .array(choices), "usage": usage, "service_tier": .string(serviceTier),
            "system_fingerprint": .string(systemFingerprint),
        ]
    }

    // MARK: - Stream

    /// The data of every stream chunk, in order, without the final `[DONE]`.
    var chunks: [JSONValue] {
        let perChoice: [[JSONObject]] = choices.enumerated().map { index, choice in
            var deltas: [JSONObject] = [["role": "assistant", "content": "", "refusal": nil]]
            deltas += choice.deltas.map { ["content": .string($0)] }
            var objects = deltas.map { delta -> JSONObject in
                ["index": JSONValue(index), "delta": .object(delta), "logprobs": nil, "finish_reason": nil]
            }
            objects.append(["index": JSONValue(index), "delta": [:], "logprobs": nil, "finish_reason": .string(choice.finishReason)])
            return objects
        }
        var chunks: [JSONValue] = []
        let steps = perChoice.map(\.count).max() ?? 0
        for step in 0..<steps {
            for choice in perChoice where step < choice.count {
                chunks.append(chunk(choices: [.object(choice[step])]))
            }
        }
        if request.includeUsage {
            chunks.append(chunk(choices: [], usage: usage))
        }
        return chunks
    }

    /// One `chat.completion.chunk`, keys in OpenAI's order.
    func chunk(choices: [JSONValue], usage: JSONValue = .null) -> JSONValue {
        var object: JSONObject = [
            "id": .string(id), "object": "chat.completion.chunk", "created": JSONValue(created), "model": .string(request.model),
            "service_tier": .string(serviceTier), "system_fingerprint": .string(systemFingerprint), "choices": .array(choices),
        ]
        // The `usage` key is there only when include_usage asked for it: null until the last chunk.
        if request.includeUsage { object["usage"] = usage }
        if request.includeObfuscation { object["obfuscation"] = .string(Self.obfuscation(for: choices)) }
        return .object(object)
    }

    /// Padding in the `obfuscation` field, as OpenAI adds it to even out chunk sizes; derived from
    /// the chunk's content so that the same request streams the same bytes (apart from id and time).
    static func obfuscation(for choices: [JSONValue]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var hash = SimulatedResponse.fnv1a(JSONValue.array(choices).jsonString)
        let contentLength = choices.reduce(0) { $0 + ($1["delta"]?["content"]?.stringValue?.utf8.count ?? 0) }
        let length = max(1, 16 - contentLength % 16)
        return String(
            (0..<length).map { _ in
                hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return alphabet[Int((hash >> 33) % UInt64(alphabet.count))]
            }
        )
    }

    /// The chunks of a stream with a fault's changes: `inject_events` after the first chunk, and
    /// `fail_after_events` cutting it with an `{"error": ...}` chunk, as OpenAI reports a failure
    /// mid-stream (no `[DONE]` follows).
    func streamPayloads(fault: SimulatorFault?) -> (chunks: [JSONValue], failed: Bool) {
        var chunks = self.chunks
        if let injected = fault?.injectEvents, !injected.isEmpty {
            chunks.insert(contentsOf: injected, at: min(1, chunks.count))
        }
        if let limit = fault?.failAfterEvents, limit < chunks.count {
            chunks.removeSubrange(limit...)
            chunks.append(
                [
                    "error": [
                        "message": "The server had an error while processing your request. Sorry about that!",
                        "type": "server_error", "param": nil, "code": "server_error",
                    ]
                ]
            )
            return (chunks, true)
        }
        return (chunks, false)
    }
}
