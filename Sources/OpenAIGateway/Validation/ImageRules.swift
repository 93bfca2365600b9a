import Foundation
import OpenAIClient

/// The Images API rules (seed-behavior §1.3, §2.6), read from the model catalogue: which models
/// generate, edit or vary images, and for each its sizes, qualities, styles, `n`, formats,
/// backgrounds, moderation levels, streaming, partial images, prompt length and input-file limits.
/// A new image model is a catalogue change: nothing here names a model.
///
/// Each problem names the parameter, the model and what it accepts:
/// `size 1792x1024 is not available for gpt-image-1; use auto, 1024x1024, 1024x1536 or 1536x1024`.
///
/// Fixes over the reference app: numeric form fields (`n`, `output_compression`, `partial_images`)
/// are parsed from their strings; `response_format` is forwarded for the models that take it; a JSON
/// body sent to a multipart route is a 400 naming `image`; every problem is reported at once.
enum ImageRules {
    enum Operation: String, Sendable, CaseIterable {
        case generation, edit, variation

        /// The catalogue capability that says a model does this (generation: every image model).
        var capability: String? {
            switch self {
            case .generation: nil
            case .edit: "edits"
            case .variation: "variations"
            }
        }

        var route: String {
            switch self {
            case .generation: "POST /api/images/generate"
            case .edit: "POST /api/images/edit"
            case .variation: "POST /api/images/variations"
            }
        }

        /// The text fields the route takes (the edit's files are parts: `image`/`image[]`, `mask`).
        var fields: [String] {
            switch self {
            case .generation:
                [
                    "prompt", "model", "n", "size", "quality", "style", "response_format", "output_format", "output_compression",
                    "background", "moderation", "stream", "partial_images", "user",
                ]
            case .edit:
                [
                    "prompt", "model", "n", "size", "quality", "response_format", "output_format", "output_compression", "background",
                    "input_fidelity", "stream", "partial_images", "user",
                ]
            case .variation: ["model", "n", "size", "response_format", "user"]
            }
        }

        var needsPrompt: Bool { self != .variation }
    }

    /// The catalogue's value lists a field is checked against, and the capability holding them.
    static let choiceFields: [(field: String, capability: String)] = [
        ("size", "sizes"), ("quality", "qualities"), ("style", "styles"), ("response_format", "response_formats"),
        ("output_format", "output_formats"), ("background", "backgrounds"), ("moderation", "moderations"),
        ("input_fidelity", "input_fidelities"),
    ]

    /// The image models that can do `operation`, in the catalogue's order (retired ones too: other
    /// upstreams still serve them; the controller refuses them in front of api.openai.com).
    static func models(_ operation: Operation, catalogue: ModelCatalogue) -> [ModelInfo] {
        catalogue.models(kind: .image).filter { info in operation.capability.map { info.flag($0) == true } ?? true }
    }

    /// The model used when the request names none: the configured one, or for variations the first
    /// model that makes them.
    static func defaultModel(_ operation: Operation, catalogue: ModelCatalogue, configured: String) -> String {
        let choices = models(operation, catalogue: catalogue)
        if choices.contains(where: { $0.name == catalogue.resolvedName(configured) }) { return configured }
        return choices.first?.name ?? configured
    }

    /// Every problem with a request's fields (a JSON body, or form fields with `form == true`, whose
    /// numbers and booleans are strings). With `complete == false` (a multipart body still arriving)
    /// `prompt` is not yet required. Returns the model the other fields were checked against.
    static func validate(
        _ object: JSONObject,
        operation: Operation,
        catalogue: ModelCatalogue,
        defaultModel: String,
        form: Bool = false,
        complete: Bool = true
    ) -> (problems: [ValidationProblem], model: ModelInfo?) {
        var rules = FieldValidator(object, acceptsStrings: form)
        let accepted = operation.fields
        for (key, _) in object where !accepted.contains(key) {
            rules.fail(
                key,
                "property \(key) should not exist",
                hint: "\(operation.route) accepts \(Wording.andList(accepted))" + (operation == .generation ? "." : " and the image file parts.")
            )
        }
        let choices = models(operation, catalogue: catalogue)
        let names = choices.map(\.name)
        var model: ModelInfo?
        if let value = object["model"], !value.isNull {
            if let name = value.stringValue, let info = catalogue.model(name), info.kind == .image {
                if names.contains(info.name) {
                    model = info
                } else {
                    rules.fail(
                        "model",
                        "model \(name) cannot do \(operation.noun)",
                        hint: "Use \(Wording.orList(names)) for \(operation.noun)."
                    )
                }
            } else {
                let given = value.stringValue.map { "\"\($0.prefix(60))\"" } ?? value.typeName
                rules.fail(
                    "model",
                    "model must be \(Wording.orList(names, serialComma: true))",
                    hint: "Use an image model of the catalogue (got \(given)); MODEL_CATALOGUE_FILE can add one."
                )
            }
        } else {
            model = catalogue.model(defaultModel)
        }
        if operation.needsPrompt {
            let limit = model?.integer("max_prompt_characters")
            let hint = limit.map { "\(model?.name ?? "The model") takes at most \($0) characters." } ?? "Describe the image you want."
            if let prompt = rules.string("prompt", required: complete, minLength: 1, hint: hint), let limit, prompt.count > limit {
                rules.fail(
                    "prompt",
                    "prompt is \(prompt.count) characters; \(model?.name ?? "the model") accepts at most \(limit)",
                    hint: "Shorten the prompt" + longerPrompt(than: limit, choices: choices)
                )
            }
        }
        rules.string("user")
        guard let model else { return (rules.problems, nil) }
        if let range = model.range("n"), let low = Int(exactly: range.lowerBound), let high = Int(exactly: range.upperBound) {
            integer(&rules, "n", in: low...high, model: model, form: form)
        } else {
            integer(&rules, "n", in: 1...10, model: model, form: form)
        }
        for (field, capability) in choiceFields where accepted.contains(field) {
            choice(&rules, field, capability: capability, model: model, choices: choices)
        }
        let outputFormat = object["output_format"]?.stringValue ?? "png"
        if let compression = object["output_compression"], !compression.isNull {
            if model.stringList("output_formats") == nil {
                rules.fail("output_compression", "output_compression is not available for \(model.name)", hint: withOnly("output_formats", choices))
            } else if integer(&rules, "output_compression", in: 0...100, model: model, form: form) != nil, !["jpeg", "webp"].contains(outputFormat) {
                rules.fail(
                    "output_compression",
                    "output_compression applies to jpeg and webp output only",
                    hint: "Send output_format jpeg or webp with it, or leave output_compression out (output_format is \(outputFormat))."
                )
            }
        }
        if object["background"]?.stringValue == "transparent", model.stringList("output_formats") != nil, outputFormat == "jpeg" {
            rules.fail(
                "background",
                "background transparent needs output_format png or webp",
                hint: "JPEG has no transparency: send output_format png or webp, or background opaque."
            )
        }
        let stream = rules.boolean("stream")
        if stream == true, model.flag("streaming") != true {
            rules.fail("stream", "stream is not available for \(model.name)", hint: streamHint(choices))
        }
        if let partial = object["partial_images"], !partial.isNull {
            if let range = model.range("partial_images"), let low = Int(exactly: range.lowerBound), let high = Int(exactly: range.upperBound) {
                integer(&rules, "partial_images", in: low...high, model: model, form: form)
            } else {
                rules.fail("partial_images", "partial_images is not available for \(model.name)", hint: streamHint(choices))
            }
        }
        return (rules.problems, model)
    }

    /// The upstream JSON body of a generation: the client's fields, the model made explicit, and
    /// `response_format` left out for models that only answer base64 (the GPT Image models refuse it).
    static func upstreamBody(_ object: JSONObject, model: ModelInfo?, defaultModel: String) -> JSONObject {
        var body = object
        if body["model"] == nil || body["model"]?.isNull == true { body["model"] = .string(defaultModel) }
        if let model, dropsResponseFormat(model) { body["response_format"] = nil }
        return body
    }

    /// Whether `response_format` is not sent for `model` (it only answers `b64_json`).
    static func dropsResponseFormat(_ model: ModelInfo) -> Bool {
        model.stringList("response_formats") == ["b64_json"]
    }

    // MARK: - Files

    /// The limits of the edit's and the variation's file parts, from the model the fields name (until
    /// one is named, the loosest of the operation's models; the default model at the end).
    struct FileLimits: Sendable {
        let operation: Operation
        let catalogue: ModelCatalogue
        let defaultModel: String

        /// The model named by the fields; with `complete`, the default when none is named.
        func model(_ fields: FormFields, complete: Bool) -> ModelInfo? {
            if let name = fields["model"] {
                guard let info = catalogue.model(name), ImageRules.models(operation, catalogue: catalogue).contains(where: { $0.name == info.name })
                else { return nil }
                return info
            }
            return complete ? catalogue.model(defaultModel) : nil
        }

        private var choices: [ModelInfo] { ImageRules.models(operation, catalogue: catalogue) }

        func maxImages(_ fields: FormFields, complete: Bool) -> Int {
            if let model = model(fields, complete: complete) { return model.integer("max_edit_images") ?? 1 }
            return choices.compactMap { $0.integer("max_edit_images") }.max() ?? 1
        }

        func maxMasks(_ fields: FormFields, complete: Bool) -> Int {
            if let model = model(fields, complete: complete) { return model.flag("mask") == true ? 1 : 0 }
            return choices.contains { $0.flag("mask") == true } ? 1 : 0
        }

        /// Bytes a part may have (`limitKey` is `max_edit_image_bytes` or `max_mask_bytes`) and the 413 past it.
        func limit(_ fields: FormFields, part: String, limitKey: String) -> (bytes: Int, error: GatewayError) {
            let named = model(fields, complete: false)
            let bytes = named.flatMap { $0.integer(limitKey) } ?? choices.compactMap { $0.integer(limitKey) }.max() ?? absoluteLimit
            let megabytes = AudioRules.megabytesText(bytes)
            return (
                bytes,
                GatewayError(
                    status: .contentTooLarge,
                    message: "\(part) is larger than \(megabytes) MB" + (named.map { ", the most \($0.name) accepts" } ?? ""),
                    errorCode: "image_file_too_large",
                    parameter: part,
                    hint: "Send a smaller \(part == "mask" ? "mask" : "image") (compress it or lower its resolution)"
                        + (named == nil ? "." : "; the GPT Image models accept larger files than dall-e-2.")
                )
            )
        }

        /// Problems with one image or mask part: its format (from its bytes once it ended, else its
        /// name and type) and, for models that want square images, its shape.
        func problems(_ file: UploadedFile, fields: FormFields, complete: Bool) -> [ValidationProblem] {
            let model = model(fields, complete: complete)
            let isMask = file.rule == "mask"
            let formatKey = isMask ? "mask_formats" : "edit_image_formats"
            let formats = model.flatMap { $0.stringList(formatKey) } ?? choices.capabilityUnion(formatKey)
            let header = ImageHeader(file.head)
            let format: String? =
                file.complete
                ? header?.format.rawValue
                : (file.contentType.flatMap(Self.format(contentType:)) ?? file.filename.flatMap(Self.format(filename:)))
            var problems: [ValidationProblem] = []
            if file.complete, file.bytes == 0 {
                return [
                    ValidationProblem(
                        parameter: file.fieldName,
                        message: "\(file.fieldName) is an empty file",
                        hint: "Attach the image's bytes, e.g. -F \(file.fieldName)=@photo.png"
                    )
                ]
            }
            if let formats, !formats.isEmpty {
                if let format, !formats.contains(format) {
                    problems.append(
                        ValidationProblem(
                            parameter: file.fieldName,
                            message: "\(file.fieldName) must be \(Wording.orList(formats))\(model.map { " for \($0.name)" } ?? "") (got \(format))",
                            hint:
                                "Convert the \(isMask ? "mask" : "image") to \(Wording.orList(formats)). File: \(file.filename?.prefix(100) ?? "(no name)")"
                        )
                    )
                } else if file.complete, header == nil {
                    problems.append(
                        ValidationProblem(
                            parameter: file.fieldName,
                            message: "\(file.fieldName) is not a \(Wording.orList(formats)) image",
                            hint:
                                "Its bytes are not an image; send a real \(Wording.orList(formats)) file. File: \(file.filename?.prefix(100) ?? "(no name)")"
                        )
                    )
                }
            }
            if file.complete, !isMask, let model, model.flag("edit_image_square") == true, let width = header?.width, let height = header?.height,
                width != height
            {
                problems.append(
                    ValidationProblem(
                        parameter: file.fieldName,
                        message: "\(file.fieldName) must be square for \(model.name) (it is \(width)x\(height))",
                        hint: "Crop or pad the image to a square, or use a GPT Image model, which takes any shape."
                    )
                )
            }
            return problems
        }

        /// Across the parts, once the body was read: the count with the model in effect, and a mask the
        /// size of the first image.
        func uploadProblems(_ files: [UploadedFile], fields: FormFields) -> [ValidationProblem] {
            var problems: [ValidationProblem] = []
            let images = files.filter { $0.rule == "image" }
            let masks = files.filter { $0.rule == "mask" }
            let model = model(fields, complete: true)
            let maxImages = maxImages(fields, complete: true)
            if images.count > maxImages {
                problems.append(
                    ValidationProblem(
                        parameter: "image",
                        message: "At most \(maxImages) image\(maxImages == 1 ? "" : "s") can be sent\(model.map { " with \($0.name)" } ?? "")",
                        hint: "Send at most \(maxImages) image part\(maxImages == 1 ? "" : "s") (got \(images.count))."
                    )
                )
            }
            if !masks.isEmpty, maxMasks(fields, complete: true) == 0 {
                problems.append(
                    ValidationProblem(
                        parameter: "mask",
                        message: "mask is not available for \(model?.name ?? "this model")",
                        hint: "Leave the mask out, or use a model that takes one."
                    )
                )
            }
            if let mask = masks.first, let image = images.first, model?.flag("mask_same_size") == true,
                let maskSize = ImageHeader(mask.head)?.dimensions, let imageSize = ImageHeader(image.head)?.dimensions, maskSize != imageSize
            {
                problems.append(
                    ValidationProblem(
                        parameter: "mask",
                        message: "mask must have the dimensions of the image (mask \(maskSize), image \(imageSize))",
                        hint: "Export the mask at \(imageSize); its fully transparent pixels mark where the image is edited."
                    )
                )
            }
            return problems
        }

        static func format(contentType: String) -> String? {
            switch contentType.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces) {
            case "image/png": "png"
            case "image/jpeg", "image/jpg": "jpeg"
            case "image/webp": "webp"
            case "image/gif": "gif"
            default: nil  // application/octet-stream and the like: the bytes decide at the end
            }
        }

        static func format(filename: String) -> String? {
            switch (filename as NSString).pathExtension.lowercased() {
            case "png": "png"
            case "jpg", "jpeg": "jpeg"
            case "webp": "webp"
            case "gif": "gif"
            default: nil
            }
        }
    }

    /// Largest image part whatever the model: 50 MB.
    static let absoluteLimit = 50 * 1024 * 1024

    /// The upload policy of an edit (`image`/`image[]` up to the model's `max_edit_images`, `mask`) or a
    /// variation (one `image`).
    static func uploadPolicy(_ operation: Operation, catalogue: ModelCatalogue, defaultModel: String) -> MultipartUploadPolicy {
        let limits = FileLimits(operation: operation, catalogue: catalogue, defaultModel: defaultModel)
        var parts = [
            FilePartRule(
                name: "image",
                aliases: operation == .edit ? ["image[]"] : [],
                maxCount: { limits.maxImages($0, complete: false) },
                limit: { limits.limit($0, part: "image", limitKey: "max_edit_image_bytes") },
                validate: { limits.problems($0, fields: $1, complete: $2) }
            )
        ]
        if operation == .edit {
            parts.append(
                FilePartRule(
                    name: "mask",
                    required: false,
                    maxCount: { limits.maxMasks($0, complete: false) },
                    limit: { limits.limit($0, part: "mask", limitKey: "max_mask_bytes") },
                    validate: { limits.problems($0, fields: $1, complete: $2) }
                )
            )
        }
        let images = models(operation, catalogue: catalogue)
        let maxImages = images.compactMap { $0.integer("max_edit_images") }.max() ?? 1
        return MultipartUploadPolicy(
            files: parts,
            absoluteFileLimit: absoluteLimit,
            absoluteBodyLimit: absoluteLimit * (maxImages + 1) + 1024 * 1024,
            validateFields: { fields, complete in
                validate(fields.jsonObject, operation: operation, catalogue: catalogue, defaultModel: defaultModel, form: true, complete: complete)
                    .problems
            },
            validateUpload: { limits.uploadProblems($0, fields: $1) },
            upstreamField: { name, value, fields in
                // Decided with the model named so far (the default when none is): GPT Image models refuse it.
                if name == "response_format", let info = catalogue.model(fields["model"] ?? defaultModel), dropsResponseFormat(info) { return nil }
                return (name, value)
            },
            defaultFields: { fields in fields["model"] == nil ? [("model", defaultModel)] : [] }
        )
    }

    // MARK: - Helpers

    @discardableResult
    private static func integer(
        _ rules: inout FieldValidator,
        _ key: String,
        in range: ClosedRange<Int>,
        model: ModelInfo,
        form: Bool
    ) -> Int? {
        guard let value = rules.object[key], !value.isNull else { return nil }
        let hint =
            range.lowerBound == range.upperBound
            ? "\(model.name) takes only \(key)=\(range.lowerBound)."
            : "Use a whole number from \(range.lowerBound) to \(range.upperBound) with \(model.name)."
        let number: Double? = value.doubleValue ?? (form ? value.stringValue.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } : nil)
        guard let number, number.isFinite, number.rounded() == number, let whole = Int(exactly: number) else {
            rules.fail(
                key,
                "\(key) must be an integer number",
                hint: hint + " (got \(value.stringValue.map { "\"\($0.prefix(40))\"" } ?? value.typeName))"
            )
            return nil
        }
        guard range.contains(whole) else {
            let message =
                range.lowerBound == range.upperBound
                ? "\(key) must be \(range.lowerBound) for \(model.name)"
                : "\(key) must be between \(range.lowerBound) and \(range.upperBound) for \(model.name)"
            rules.fail(key, message, hint: hint + " (got \(whole))")
            return nil
        }
        return whole
    }

    private static func choice(_ rules: inout FieldValidator, _ key: String, capability: String, model: ModelInfo, choices: [ModelInfo]) {
        guard let value = rules.object[key], !value.isNull else { return }
        guard let text = value.stringValue else {
            rules.fail(key, "\(key) must be a string", hint: "Send \(key) as a string.")
            return
        }
        let others = choices.filter { $0.name != model.name && $0.stringList(capability)?.contains(text) == true }.map(\.name)
        let elsewhere = others.isEmpty ? "" : " \(Wording.orList(others)) \(others.count == 1 ? "takes" : "take") \(key) \(text.prefix(40))."
        guard let allowed = model.stringList(capability), !allowed.isEmpty else {
            rules.fail(key, "\(key) is not available for \(model.name)", hint: "Leave \(key) out with \(model.name)." + elsewhere)
            return
        }
        guard allowed.contains(text) else {
            rules.fail(
                key,
                "\(key) \(text.prefix(40)) is not available for \(model.name); use \(Wording.orList(allowed))",
                hint: "\(model.name) takes \(key) \(Wording.orList(allowed))." + elsewhere
            )
            return
        }
    }

    private static func longerPrompt(than limit: Int, choices: [ModelInfo]) -> String {
        let longer = choices.filter { ($0.integer("max_prompt_characters") ?? 0) > limit }.map(\.name)
        return longer.isEmpty ? "." : ", or use \(Wording.orList(longer)), which take\(longer.count == 1 ? "s" : "") longer prompts."
    }

    private static func withOnly(_ capability: String, _ choices: [ModelInfo]) -> String {
        let with = choices.filter { $0.stringList(capability) != nil }.map(\.name)
        return with.isEmpty ? "No model of the catalogue takes it." : "Only \(Wording.orList(with)) take it."
    }

    private static func streamHint(_ choices: [ModelInfo]) -> String {
        let streaming = choices.filter { $0.flag("streaming") == true }.map(\.name)
        return streaming.isEmpty ? "No model of the catalogue streams images." : "Streaming (and partial_images) needs \(Wording.orList(streaming))."
    }
}

extension ImageRules.Operation {
    /// `image generation`, `edits`, `variations` (messages).
    var noun: String {
        switch self {
        case .generation: "image generation"
        case .edit: "edits"
        case .variation: "variations"
        }
    }
}
