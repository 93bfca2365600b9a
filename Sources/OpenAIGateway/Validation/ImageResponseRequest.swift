import OpenAIClient

/// The body of `POST /api/responses/images` and `/api/responses/images/stream` (the seed's
/// `CreateImageResponseDto`, seed-behavior §1.1 #3/#4): a Responses call whose `image_generation`
/// tool is built from the `image_*` fields. Unlike the text route, only the DTO's fields are accepted
/// (the seed's whitelist): `stream`, `temperature`, `text`... are a 400.
enum ImageResponseRequest {
    /// The client fields that become the image tool's, by tool key.
    static let toolFields: [(field: String, tool: String, capability: String?)] = [
        ("image_model", "model", nil), ("image_quality", "quality", "qualities"), ("image_format", "output_format", "output_formats"),
        ("image_size", "size", "sizes"), ("image_moderation", "moderation", "moderations"), ("image_background", "background", "backgrounds"),
        ("input_fidelity", "input_fidelity", "input_fidelities"), ("output_compression", "output_compression", nil),
        ("partial_images", "partial_images", nil),
    ]

    /// The Responses fields forwarded when present (`null` included), after `model`, `input` and `stream`.
    static let forwardedFields = [
        "conversation", "previous_response_id", "store", "max_output_tokens", "tool_choice", "parallel_tool_calls", "prompt_cache_key",
        "service_tier", "background", "truncation", "safety_identifier", "metadata", "prompt", "include",
    ]

    static var knownFields: [String] {
        ["model", "input", "instructions", "modalities", "tools"] + toolFields.map(\.field) + forwardedFields
    }

    /// The image models the Responses image tool runs (`image_tool` in the catalogue).
    static func toolModels(_ catalogue: ModelCatalogue) -> [ModelInfo] {
        catalogue.models(kind: .image).filter { $0.flag("image_tool") == true }
    }

    /// Every problem with `body`.
    static func validate(_ body: JSONValue, catalogue: ModelCatalogue) -> [ValidationProblem] {
        guard let object = body.objectValue else { return TextResponseRequest.validate(body) }
        var problems: [ValidationProblem] = []
        for (key, _) in object where !knownFields.contains(key) {
            problems.append(
                ValidationProblem(
                    parameter: key,
                    message: "property \(key) should not exist",
                    hint: "The image routes take \(Wording.andList(knownFields)); use POST /api/responses/text/stream for "
                        + "the other Responses options" + (key == "stream" ? " (the /stream route streams)." : ".")
                )
            )
        }
        var shared = object
        for field in toolFields { shared[field.field] = nil }
        // Checked with the image tool the route adds, so that tool_choice may name it.
        if let tools = object["tools"]?.arrayValue {
            for (index, tool) in tools.enumerated() where tool["type"]?.stringValue == "image_generation" {
                problems.append(
                    ValidationProblem(
                        parameter: FieldValidator.path("tools", index: index),
                        message: "tools[\(index)] is an image_generation tool; the image routes add that tool themselves",
                        hint: "Remove it from tools and set its options with the image_* fields (image_model, image_size, image_quality, ...)."
                    )
                )
            }
            shared["tools"] = .array(tools + [["type": "image_generation"]])
        } else if object["tools"] == nil || object["tools"]?.isNull == true {
            shared["tools"] = [["type": "image_generation"]]
        }
        problems += TextResponseRequest.validate(.object(shared))
        var rules = FieldValidator(object)
        let models = toolModels(catalogue)
        var model: ModelInfo?
        if let name = rules.string("image_model") {
            if let info = catalogue.model(name), models.contains(where: { $0.name == info.name }) {
                model = info
            } else {
                rules.fail(
                    "image_model",
                    "image_model must be \(Wording.orList(models.map(\.name), serialComma: true))",
                    hint: "The image_generation tool runs the GPT Image models (got \"\(name.prefix(60))\")."
                )
            }
        }
        let checked = model.map { [$0] } ?? models
        for (field, _, capability) in toolFields {
            guard let capability, let value = object[field], !value.isNull else { continue }
            let allowed = checked.capabilityUnion(capability) ?? []
            guard let text = value.stringValue, allowed.contains(text) else {
                let owner = model.map { " for \($0.name)" } ?? ""
                rules.fail(
                    field,
                    "\(field) must be \(Wording.orList(allowed))\(owner)",
                    hint: "Use \(Wording.orList(allowed)) (got \(value.jsonString.prefix(40)))."
                )
                continue
            }
        }
        rules.integer("output_compression", min: 0, max: 100, hint: "Use a whole number from 0 to 100 (jpeg and webp output).")
        let partial = model.flatMap { $0.range("partial_images") } ?? checked.widestRange("partial_images")
        rules.integer(
            "partial_images",
            min: partial.map { Int($0.lowerBound) } ?? 0,
            max: partial.map { Int($0.upperBound) } ?? 3,
            hint: "Partial images are streamed previews: from 0 to \(partial.map { Int($0.upperBound) } ?? 3)."
        )
        return problems + rules.problems
    }

    /// What goes to `POST /responses`: `{model, input, stream}`, `instructions` and `modalities` when
    /// given, `tools` with the image tool last, then the forwarded fields present. On the stream route
    /// `partial_images` defaults to 3 (the reference app's).
    static func upstreamBody(_ object: JSONObject, defaultModel: String, stream: Bool) -> JSONObject {
        let model = object["model"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? defaultModel
        var body: JSONObject = ["model": .string(model), "input": object["input"] ?? .string(""), "stream": .bool(stream)]
        for key in ["instructions", "modalities"] {
            if let value = object[key], !value.isNull { body[key] = value }
        }
        var tool: JSONObject = ["type": "image_generation"]
        for (field, key, _) in toolFields {
            if let value = object[field], !value.isNull { tool[key] = value }
        }
        if stream, tool["partial_images"] == nil { tool["partial_images"] = 3 }
        body["tools"] = .array((object["tools"]?.arrayValue ?? []) + [.object(tool)])
        for key in forwardedFields {
            if let value = object[key] { body[key] = value }
        }
        return body
    }
}
