import Foundation
import OpenAIClient

extension GatewayOpenAPI {
    /// The Images routes, their enums read from the catalogue's image models (the ones the rules check).
    static func imagePaths(catalogue: ModelCatalogue, defaultImageModel: String) -> JSONObject {
        func fields(_ operation: ImageRules.Operation) -> JSONObject {
            let models = ImageRules.models(operation, catalogue: catalogue)
            var properties = JSONObject()
            for field in operation.fields {
                if let capability = ImageRules.choiceFields.first(where: { $0.field == field })?.capability {
                    let values = models.capabilityUnion(capability)
                    properties[field] = stringSchema(values, description: availability(capability, values: values, models: models))
                    continue
                }
                switch field {
                case "model":
                    properties[field] = stringSchema(
                        models.map(\.name),
                        default: ImageRules.defaultModel(operation, catalogue: catalogue, configured: defaultImageModel),
                        description: "Retired models are refused (model_retired) when the upstream is api.openai.com."
                    )
                case "prompt":
                    var prompt: JSONObject = ["type": "string", "minLength": 1]
                    if let longest = models.largestCapability("max_prompt_characters") { prompt["maxLength"] = .int(Int64(longest)) }
                    properties[field] = .object(prompt)
                case "n": properties[field] = ["type": "integer", "minimum": 1, "maximum": 10, "default": 1]
                case "output_compression": properties[field] = ["type": "integer", "minimum": 0, "maximum": 100]
                case "partial_images": properties[field] = ["type": "integer", "minimum": 0, "maximum": 3]
                case "stream": properties[field] = ["type": "boolean", "default": false]
                default: properties[field] = ["type": "string"]
                }
            }
            return properties
        }
        let answer: JSONValue = [
            "description": .string(
                "OpenAI's ImagesResponse (`created`, `data` with `b64_json` or `url`, `usage` for GPT Image models), or with "
                    + "`stream: true` server-sent events (`image_generation.partial_image` / `image_edit.partial_image`, then `...completed`)."
            ),
            "content": [
                "application/json": ["schema": ["type": "object", "additionalProperties": true]],
                "text/event-stream": ["schema": sseEventSchema],
            ],
        ]
        func modelsOf(_ operation: ImageRules.Operation) -> [ModelInfo] { ImageRules.models(operation, catalogue: catalogue) }
        func defaultOf(_ operation: ImageRules.Operation) -> String {
            let name = ImageRules.defaultModel(operation, catalogue: catalogue, configured: defaultImageModel)
            return catalogue.model(name)?.name ?? name
        }
        var edit = fields(.edit)
        edit["image"] = [
            "description": "One or more images (repeat the part, as image or image[]): up to the model's max_edit_images.",
            "type": "string", "format": "binary", "minLength": 1,
        ]
        edit["mask"] = [
            "description": "A PNG whose transparent pixels mark the area to edit; the image's dimensions.", "type": "string", "format": "binary",
            "minLength": 1,
        ]
        var variation = fields(.variation)
        variation["image"] = ["description": "A square PNG.", "type": "string", "format": "binary", "minLength": 1]
        let toolModels = ImageResponseRequest.toolModels(catalogue)
        var imageResponse = JSONObject()
        for field in ImageResponseRequest.knownFields {
            if let entry = ImageResponseRequest.toolFields.first(where: { $0.field == field }) {
                if let capability = entry.capability {
                    imageResponse[field] = stringSchema(
                        toolModels.capabilityUnion(capability),
                        description: "The image tool's `\(entry.tool)`."
                    )
                } else if field == "image_model" {
                    imageResponse[field] = stringSchema(toolModels.map(\.name), description: "The image tool's `model`.")
                } else {
                    imageResponse[field] = ["type": "integer", "description": .string("The image tool's `\(entry.tool)`.")]
                }
            } else if field != "modalities" {
                // The text route's rules (modalities: OpenAI's Responses API has no such field and refuses it).
                imageResponse[field] = field == "input" ? ["type": "string"] : Schemas.textProperties[field] ?? [:]
            }
        }
        let imageResponseBody: JSONValue = [
            "required": true,
            "content": [
                "application/json": [
                    "schema": ["type": "object", "properties": .object(imageResponse), "required": ["input"], "additionalProperties": false]
                ]
            ],
        ]
        return [
            "/api/responses/images": [
                "post": operation(
                    "createImageResponse",
                    "Generate an image through a Responses call",
                    "OpenAI `POST /responses` with an `image_generation` tool built from the `image_*` fields (added last to `tools`). "
                        + "Only the listed fields are accepted (`modalities` is checked as the text route does, but OpenAI refuses it).",
                    body: imageResponseBody,
                    success: (
                        "201", jsonResponse("The OpenAI Response object; its image_generation_call items carry the images.", ref: "OpenAIResponse")
                    ),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/responses/images/stream": [
                "post": operation(
                    "createImageResponseStream",
                    "Stream an image generation through a Responses call",
                    "As /api/responses/images with `stream: true`; `partial_images` defaults to 3. Image events: "
                        + "image_generation_call.in_progress, image_generation_call.generating, image_gen_partial {call_id, image_data, "
                        + "partial_image_index, sequence}, image_gen_completed {call_id, sequence} (the final image is the `item.result` of the "
                        + "output_item.done that follows); other events are named by their type without `response.`.",
                    body: imageResponseBody,
                    success: ("201", sseResponse("Server-sent events of the image route.")),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/images/generate": [
                "post": operation(
                    "createImage",
                    "Generate images",
                    "OpenAI `POST /images/generations`. Sizes, qualities, styles, n, formats and options are checked against the model "
                        + "(the catalogue). Unknown fields are refused.",
                    tag: "Images",
                    body: [
                        "required": true,
                        "content": [
                            "application/json": [
                                "schema": [
                                    "type": "object", "properties": .object(fields(.generation)), "required": ["prompt"],
                                    "additionalProperties": false,
                                    "anyOf": imageModelBranches(
                                        .generation,
                                        models: modelsOf(.generation),
                                        defaultModel: defaultOf(.generation),
                                        form: false
                                    ),
                                ]
                            ]
                        ],
                    ],
                    success: ("200", answer),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/images/edit": [
                "post": operation(
                    "editImage",
                    "Edit images",
                    "OpenAI `POST /images/edits`, the files streamed upstream as they arrive; numeric fields are read from their form strings.",
                    tag: "Images",
                    body: multipartBody(
                        "The images, an optional mask and the options.",
                        properties: edit,
                        required: ["image", "prompt"],
                        encoding: ["image": filePart("image", contentType: "image/png"), "mask": filePart("mask", contentType: "image/png")],
                        anyOf: imageModelBranches(.edit, models: modelsOf(.edit), defaultModel: defaultOf(.edit), form: true)
                    ),
                    success: ("200", answer),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/images/variations": [
                "post": operation(
                    "createImageVariation",
                    "Vary an image",
                    "OpenAI `POST /images/variations` (the models that make variations).",
                    tag: "Images",
                    body: multipartBody(
                        "The image and the options.",
                        properties: variation,
                        required: ["image"],
                        encoding: ["image": filePart("image", contentType: "image/png")],
                        anyOf: imageModelBranches(.variation, models: modelsOf(.variation), defaultModel: defaultOf(.variation), form: true)
                    ),
                    success: ("200", answer),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
        ]
    }

    /// The rules that depend on the model, one `anyOf` branch per model (the default model's branch also
    /// matches a body that names none): its own sizes, qualities, styles, formats and options (a field the
    /// model does not take must be left out), `n`, the prompt's length, streaming and partial images,
    /// `output_compression` only with jpeg or webp output, a transparent background not with jpeg.
    /// - Parameter form: multipart (no nulls; a member left out is absent), else JSON (null is a member left out).
    static func imageModelBranches(_ operation: ImageRules.Operation, models: [ModelInfo], defaultModel: String, form: Bool) -> JSONValue {
        let absent: JSONValue = form ? .bool(false) : ["type": "null"]
        let orNull: [JSONValue] = form ? [] : [.null]
        let accepted = operation.fields
        let branches: [JSONValue] = models.map { model in
            var properties = JSONObject()
            properties["model"] = modelRule(model.name, isDefault: model.name == defaultModel, form: form)
            for (field, capability) in ImageRules.choiceFields where accepted.contains(field) {
                if let values = model.stringList(capability) {
                    properties[field] = ["enum": .array(values.map(JSONValue.string) + orNull)]
                } else {
                    properties[field] = absent
                }
            }
            var n = (low: 1.0, high: 10.0)
            if let range = model.range("n") { n = (range.lowerBound, range.upperBound) }
            properties["n"] = ["minimum": .int(Int64(n.low)), "maximum": .int(Int64(n.high))]
            if operation.needsPrompt, let limit = model.integer("max_prompt_characters") { properties["prompt"] = ["maxLength": .int(Int64(limit))] }
            if accepted.contains("stream"), model.flag("streaming") != true {
                let streams: [JSONValue] = form ? [false] : [false, .null]
                properties["stream"] = ["enum": .array(streams)]
            }
            if accepted.contains("partial_images") {
                if let range = model.range("partial_images"), let low = Int(exactly: range.lowerBound), let high = Int(exactly: range.upperBound) {
                    properties["partial_images"] = ["minimum": .int(Int64(low)), "maximum": .int(Int64(high))]
                } else {
                    properties["partial_images"] = absent
                }
            }
            if operation == .edit, model.flag("mask") != true { properties["mask"] = false }
            var branch: JSONObject = ["properties": .object(properties)]
            if model.name != defaultModel { branch["required"] = ["model"] }
            var rules: [JSONValue] = []
            if accepted.contains("output_compression") {
                if model.stringList("output_formats") == nil {
                    properties["output_compression"] = absent
                    branch["properties"] = .object(properties)
                } else {
                    rules.append([
                        "anyOf": [
                            ["properties": ["output_compression": absent]],
                            ["required": ["output_format"], "properties": ["output_format": ["enum": ["jpeg", "webp"]]]],
                        ]
                    ])
                }
            }
            if accepted.contains("background"), model.stringList("output_formats") != nil {
                rules.append([
                    "anyOf": [
                        ["properties": ["background": ["not": ["const": "transparent"]]]],
                        ["properties": ["output_format": ["enum": ["png", "webp"]]]],
                    ]
                ])
            }
            if !rules.isEmpty { branch["allOf"] = .array(rules) }
            return .object(branch)
        }
        return .array(branches)
    }
}
