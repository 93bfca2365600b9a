/// Token counts of one call, as OpenAI reports them.
///
/// `cached` is part of `input` and `reasoning` is part of `output` (that is how OpenAI counts them),
/// so a cost must not add them on top. `inputAudio` and `inputImage` are also parts of `input`.
public struct TokenUsage: Sendable, Hashable {
    public var input: Int
    public var cached: Int
    public var output: Int
    public var reasoning: Int
    /// Audio tokens among `input` (transcription models), 0 when not reported.
    public var inputAudio: Int
    /// Image tokens among `input` (image models), 0 when not reported.
    public var inputImage: Int
    /// As reported, or `input + output` when the upstream gave no total.
    public var total: Int

    public init(input: Int, cached: Int = 0, output: Int, reasoning: Int = 0, inputAudio: Int = 0, inputImage: Int = 0, total: Int? = nil) {
        self.input = input
        self.cached = cached
        self.output = output
        self.reasoning = reasoning
        self.inputAudio = inputAudio
        self.inputImage = inputImage
        self.total = total ?? input &+ output
    }

    /// Reads a `usage` object in either shape OpenAI uses, or returns `nil` when it is absent or null:
    /// - Responses / Images / Audio: `input_tokens`, `input_tokens_details.cached_tokens`, `output_tokens`,
    ///   `output_tokens_details.reasoning_tokens` (audio transcription says `input_token_details`);
    /// - Chat Completions: `prompt_tokens`, `prompt_tokens_details.cached_tokens`, `completion_tokens`,
    ///   `completion_tokens_details.reasoning_tokens`.
    ///
    /// A duration-only usage (`{"type":"duration","seconds":…}`) has no tokens and gives `nil`.
    public init?(json: JSONValue?) {
        guard let json, json.objectValue != nil else { return nil }
        let inputKey = json["input_tokens"] != nil ? "input_tokens" : "prompt_tokens"
        let outputKey = json["output_tokens"] != nil ? "output_tokens" : "completion_tokens"
        let input = json[inputKey]?.intValue
        let output = json[outputKey]?.intValue
        guard input != nil || output != nil else { return nil }

        let inputDetails =
            json["input_tokens_details"] ?? json["input_token_details"] ?? json["prompt_tokens_details"] ?? .null
        let outputDetails = json["output_tokens_details"] ?? json["completion_tokens_details"] ?? .null
        func count(_ value: JSONValue?) -> Int { max(0, value?.intValue ?? 0) }
        self.init(
            input: max(0, input ?? 0),
            cached: count(inputDetails["cached_tokens"]),
            output: max(0, output ?? 0),
            reasoning: count(outputDetails["reasoning_tokens"]),
            inputAudio: count(inputDetails["audio_tokens"]),
            inputImage: count(inputDetails["image_tokens"]),
            total: json["total_tokens"]?.intValue
        )
    }

    /// The usage as the interaction log records it.
    public var json: JSONValue {
        [
            "input_tokens": .int(Int64(input)),
            "cached_tokens": .int(Int64(cached)),
            "output_tokens": .int(Int64(output)),
            "reasoning_tokens": .int(Int64(reasoning)),
            "total_tokens": .int(Int64(total)),
        ]
    }
}
