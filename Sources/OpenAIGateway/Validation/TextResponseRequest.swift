import OpenAIClient

/// The body of `POST /api/responses/text` and `/api/responses/text/stream` (the seed's
/// `CreateTextResponseDto`, seed-behavior §1.1 and §2.2).
///
/// The gateway keeps the body as JSON: known fields are checked here, unknown fields are allowed
/// and forwarded untouched (OpenAI adds parameters every month), and `upstreamBody` builds what
/// goes to `POST /responses`.
public enum TextResponseRequest {
    /// Every field the gateway knows, in the order of the seed's DTO (used by the OpenAPI document).
    public static let knownFields: [String] = [
        "model", "input", "instructions", "modalities", "stream", "tools", "text", "temperature", "top_p",
        "conversation", "previous_response_id", "store", "max_output_tokens", "tool_choice", "parallel_tool_calls",
        "prompt_cache_key", "service_tier", "background", "truncation", "safety_identifier", "metadata",
        "stream_options", "prompt", "include", "reasoning",
    ]

    /// Checks `body` and returns every problem found (empty when it is valid).
    ///
    /// - `input` is required: a string (`""` allowed) or an array of input item objects.
    /// - `max_output_tokens` must be an integer ≥ 1 (the seed allowed decimals; OpenAI does not).
    /// - `metadata` follows OpenAI's limits (16 pairs, 64-character keys, 512-character string values).
    /// - `conversation`, `tool_choice`, `service_tier`, `truncation` and unknown fields are not checked.
    public static func validate(_ body: JSONValue) -> [ValidationProblem] {
        guard let object = body.objectValue else {
            return [
                ValidationProblem(
                    parameter: "body",
                    message: "The request body must be a JSON object, not \(FieldValidator.article(body.typeName))",
                    hint: "Send Content-Type: application/json with an object such as {\"input\": \"Hello\"}."
                )
            ]
        }
        var rules = FieldValidator(object)
        rules.string("model", hint: "Use a model id such as \"gpt-5\"; leave it out or send \"\" for the configured default model.")
        validateInput(&rules)
        rules.string("instructions", hint: "instructions is a system/developer message given as a string.")
        rules.each("modalities", nonEmpty: true) { element, path, problems in
            if element.stringValue != "text" && element.stringValue != "audio" {
                problems.append(
                    ValidationProblem(
                        parameter: path,
                        message: "Each modality must be either \"text\" or \"audio\"",
                        hint: "Use [\"text\"] or [\"text\", \"audio\"]."
                    )
                )
            }
        }
        for key in ["stream", "store", "parallel_tool_calls", "background"] {
            rules.boolean(key)
        }
        rules.number("temperature", min: 0, max: 2, hint: "Use a number between 0 and 2; lower is more deterministic.")
        rules.number("top_p", min: 0, max: 1, hint: "Use a number between 0 and 1 (nucleus sampling); change temperature or top_p, not both.")
        rules.number(
            "max_output_tokens",
            min: 1,
            integer: true,
            hint: "Use a whole number of tokens of at least 1 (it also counts reasoning tokens)."
        )
        for key in ["previous_response_id", "prompt_cache_key"] {
            rules.string(key)
        }
        rules.object("stream_options")
        rules.metadata()
        PromptRules.validate(&rules)
        textFormat(&rules)
        // The members whose rules the spec states (enums, bounds, shapes), checked against its schemas.
        for key in specMembers where !(rules.object[key]?.isNull ?? true) {
            let reported = rules.problems.map(\.parameter)
            rules.problems += SchemaRules.shared.problems(member: key, value: rules.object[key] ?? .null).filter { problem in
                !reported.contains { problem.parameter == $0 || problem.parameter.hasPrefix($0 + ".") }
            }
        }
        ToolRules.validateTools(&rules)
        return rules.problems
    }

    /// Create-body members validated from the spec's own schemas (see ``SchemaRules``).
    static let specMembers = ["text", "reasoning", "service_tier", "truncation", "include", "max_tool_calls", "top_logprobs", "safety_identifier"]

    /// `text.format` of type `json_schema`: a `name` OpenAI accepts and a `schema` object.
    private static func textFormat(_ rules: inout FieldValidator) {
        guard let format = rules.object["text"]?["format"]?.objectValue, format["type"]?.stringValue == "json_schema" else { return }
        var nested = FieldValidator(format, path: "text.format")
        let hint = "Name the schema with 1 to 64 letters, digits, underscores or dashes, e.g. \"weather_report\"."
        if let name = nested.string("name", required: true, hint: hint),
            !(1...64).contains(name.count)
                || !name.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
                })
        {
            nested.fail("name", "text.format.name must match ^[a-zA-Z0-9_-]{1,64}$", hint: hint + " (got \"\(name.prefix(80))\")")
        }
        nested.object(
            "schema",
            required: true,
            hint: "schema is the JSON Schema the output must follow, e.g. {\"type\": \"object\", \"properties\": {...}}."
        )
        rules.problems += nested.problems
    }

    private static func validateInput(_ rules: inout FieldValidator) {
        let hint = "Send input as a string (\"\" is allowed) or as an array of input items such as [{\"role\": \"user\", \"content\": \"Hello\"}]."
        guard let input = rules.object["input"], !input.isNull else {
            rules.fail("input", "input is required", hint: hint)
            return
        }
        if input.stringValue != nil { return }
        guard let items = input.arrayValue else {
            rules.fail("input", "input must be a string", hint: hint)
            return
        }
        for (index, item) in items.enumerated() where item.objectValue == nil {
            rules.fail(
                parameter: FieldValidator.path("input", index: index),
                "input[\(index)] must be an object",
                hint:
                    "Each input item is an object such as {\"role\": \"user\", \"content\": \"Hello\"} (got \(FieldValidator.article(item.typeName)))."
            )
        }
    }

    /// What goes to `POST /responses` for a valid `body`.
    ///
    /// - Every client field is forwarded as sent, unknown ones and `null`s included (as the seed did).
    /// - `model` is the client's model when it is a non-empty string, else `defaultModel`. The seed
    ///   defaulted an omitted model to `"gpt-5"` and only `""`/`null` to the configured default; the
    ///   gateway uses the configured default in all three cases, so one setting decides.
    /// - `stream` is forced to the route's value; `stream_options` is dropped when not streaming
    ///   (OpenAI rejects it then).
    public static func upstreamBody(_ body: JSONObject, defaultModel: String, stream: Bool) -> JSONObject {
        var upstream = body
        if let model = body["model"]?.stringValue, !model.isEmpty {
            upstream["model"] = .string(model)
        } else if body["model"] != nil {
            upstream["model"] = .string(defaultModel)
        } else {
            // An omitted model goes first, where the seed put it.
            upstream = JSONObject([("model", .string(defaultModel))] + body.map { ($0.key, $0.value) })
        }
        upstream["stream"] = .bool(stream)
        if !stream { upstream["stream_options"] = nil }
        return upstream
    }
}
