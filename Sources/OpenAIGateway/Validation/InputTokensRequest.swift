import OpenAIClient

/// The body of `POST /api/responses/input-tokens`: the text route's body, checked with the same rules,
/// of which `POST /responses/input_tokens` gets the members its `TokenCountsBody` takes.
enum InputTokensRequest {
    /// The members of the spec's `TokenCountsBody`.
    static let countedFields: Set = [
        "model", "input", "previous_response_id", "tools", "text", "reasoning", "truncation", "instructions", "personality",
        "conversation", "tool_choice", "parallel_tool_calls",
    ]

    /// Every problem of `body`: the text route's, and a `prompt` (a stored prompt's text cannot be counted here).
    static func validate(_ body: JSONValue) -> [ValidationProblem] {
        var problems = TextResponseRequest.validate(body)
        if let prompt = body["prompt"], !prompt.isNull {
            problems.append(
                ValidationProblem(
                    parameter: "prompt",
                    message: "prompt cannot be counted: POST /responses/input_tokens does not take stored prompts",
                    hint: "Send the prompt's text as input (or instructions) to count it, and leave prompt out."
                )
            )
        }
        return problems
    }

    /// What goes to `POST /responses/input_tokens`: the text route's body with the model defaulted, without
    /// the members that only shape the output or its storage (`stream`, `store`, `temperature`,
    /// `max_output_tokens`, `metadata`, `include`...), which the endpoint refuses. Unknown members are
    /// forwarded as sent.
    static func upstreamBody(_ body: JSONObject, defaultModel: String) -> JSONObject {
        var upstream = TextResponseRequest.upstreamBody(body, defaultModel: defaultModel, stream: false)
        for name in TextResponseRequest.knownFields + TextResponseRequest.specMembers where !countedFields.contains(name) {
            upstream[name] = nil
        }
        return upstream
    }
}
