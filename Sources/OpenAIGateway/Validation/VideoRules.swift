import Foundation
import OpenAIClient

/// Validation of the Videos API requests, with the official spec's limits (a prompt of 1–32,000
/// characters; the reference app's 500 is stale) and the model catalogue's capabilities: the video
/// models (`kind: video`), each with its `sizes`, `seconds`, `extension_seconds` and `input_reference`.
/// A new model or size is a catalogue change.
///
/// Retired models are valid here: whether they are refused depends on the upstream (``ModelRetirement``).
/// Unknown members are forwarded untouched.
enum VideoRules {
    static let maxPromptLength = 32_000
    /// The model OpenAI uses when a request names none.
    static let defaultModel = "sora-2"
    static let maxCharacterNameLength = 80
    /// Largest `input_reference` image (OpenAI's image limit).
    static let maxReferenceBytes = 20 * 1024 * 1024
    /// Largest uploaded video (edits, extensions, characters).
    static let maxVideoUploadBytes = 512 * 1024 * 1024

    /// A create request once validated: its model (as given, or the default), the normalised `seconds`
    /// and the size (as given, or the model's default), for the call record.
    struct Job: Sendable, Equatable {
        var model: String
        var seconds: String
        var size: String?
    }

    // MARK: - Fields

    static func models(_ catalogue: ModelCatalogue) -> [ModelInfo] {
        catalogue.models(kind: .video)
    }

    /// `prompt`: required, 1–32,000 characters.
    static func prompt(_ rules: inout FieldValidator, noun: String = "the video") {
        let hint = "Describe \(noun) in 1 to \(maxPromptLength) characters (shot, subject, action, setting, lighting)."
        guard let value = rules.object["prompt"], !value.isNull else {
            rules.fail("prompt", "prompt is required", hint: hint)
            return
        }
        guard let prompt = value.stringValue else {
            rules.fail("prompt", "prompt must be a string", hint: hint)
            return
        }
        if prompt.isEmpty || prompt.count > maxPromptLength {
            rules.fail(
                "prompt",
                "prompt must be between 1 and \(maxPromptLength) characters",
                hint: prompt.isEmpty ? hint : "Shorten the prompt to \(maxPromptLength) characters (it has \(prompt.count))."
            )
        }
    }

    /// `model`: a video model of the catalogue (a dated snapshot resolves to its base model).
    static func model(_ rules: inout FieldValidator, catalogue: ModelCatalogue) -> ModelInfo? {
        let choices = models(catalogue)
        let names = choices.map(\.name)
        guard let value = rules.object["model"], !value.isNull else { return catalogue.model(defaultModel) }
        guard let name = value.stringValue, let info = catalogue.model(name), info.kind == .video else {
            let given = value.stringValue.map { "\"\($0)\"" } ?? value.typeName
            rules.fail(
                "model",
                "model must be one of: \(names.joined(separator: ", "))",
                hint: "Use \(defaultModel) (the default) or another video model: \(names.joined(separator: ", ")) (got \(given))."
            )
            return nil
        }
        return info
    }

    /// `seconds` (create, extension): the spec's string (`"8"`); a number (8, 8.0) is accepted and becomes
    /// that string. Returns the normalised value.
    static func seconds(
        _ rules: inout FieldValidator,
        allowed: [String],
        required: Bool = false,
        capability: String = "seconds"
    ) -> String? {
        let list = allowed.map { "\"\($0)\"" }.joined(separator: ", ")
        let hint = "Send the clip length in seconds as one of \(list) (a number such as \(allowed.first ?? "4") is accepted too)."
        guard let value = rules.object["seconds"], !value.isNull else {
            if required { rules.fail("seconds", "seconds is required", hint: hint) }
            return nil
        }
        let text = value.stringValue.map(normalisedSeconds) ?? value.doubleValue.map { normalisedSeconds(String($0)) }
        guard let text, allowed.contains(text) else {
            rules.fail("seconds", "seconds must be one of: \(list)", hint: hint)
            return nil
        }
        return text
    }

    /// A whole number of seconds as the spec writes it (`"8"` for `8`, `8.0` or `" 8 "`); anything else unchanged.
    static func normalisedSeconds(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let number = Double(trimmed), number.isFinite, number.rounded() == number, abs(number) < 1e6 else { return trimmed }
        return String(Int(number))
    }

    /// How a form field goes upstream: `seconds` normalised, the others as sent.
    @Sendable static func upstreamField(_ name: String, _ value: String, _ fields: FormFields) -> (name: String, value: String)? {
        (name, name == "seconds" ? normalisedSeconds(value) : value)
    }

    /// `size`: one of the model's sizes; a size another model makes says which.
    static func size(_ rules: inout FieldValidator, model: ModelInfo?, catalogue: ModelCatalogue) -> String? {
        guard let value = rules.object["size"], !value.isNull else { return nil }
        let sizes = model?.stringList("sizes") ?? (VideoRules.models(catalogue).capabilityUnion("sizes") ?? [])
        guard let size = value.stringValue, sizes.contains(size) else {
            let given = value.stringValue
            let others = given.map { size in models(catalogue).filter { $0.stringList("sizes")?.contains(size) == true }.map(\.name) } ?? []
            let hint =
                if let given, let model, !others.isEmpty {
                    "\(given) needs \(others.joined(separator: " or ")); \(model.name) makes \(sizes.joined(separator: ", "))."
                } else {
                    "Use WIDTHxHEIGHT, one of: \(sizes.joined(separator: ", "))."
                }
            rules.fail("size", "size must be one of: \(sizes.joined(separator: ", "))", hint: hint)
            return nil
        }
        return size
    }

    /// A JSON `input_reference`: `{image_url}` (an http(s) or `data:image/...` URL) or `{file_id}`, exactly one.
    static func inputReference(_ rules: inout FieldValidator, model: ModelInfo?) {
        guard rules.object["input_reference"].map({ !$0.isNull }) ?? false else { return }
        if let model, model.flag("input_reference") == false {
            rules.fail("input_reference", "\(model.name) does not take an input_reference", hint: "Leave input_reference out for \(model.name).")
            return
        }
        rules.nested(
            "input_reference",
            hint: "Send {\"image_url\": \"https://...\"} or {\"file_id\": \"file-...\"}, or upload the image as multipart input_reference."
        ) { reference in
            let given = ["image_url", "file_id"].filter { reference.object[$0].map { !$0.isNull } ?? false }
            guard given.count == 1 else {
                reference.fail(
                    nil,
                    "input_reference must have exactly one of image_url or file_id",
                    hint: given.isEmpty
                        ? "Add \"image_url\" (a URL or a data:image/... URL) or \"file_id\" (an uploaded image)."
                        : "Keep either image_url or file_id, not both."
                )
                return
            }
            if let url = reference.string("image_url", minLength: 1),
                !(url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("data:image/"))
            {
                reference.fail(
                    "image_url",
                    "input_reference.image_url must be an http(s) URL or a data:image/... URL",
                    hint: "e.g. https://example.com/first-frame.png"
                )
            }
            reference.string("file_id", minLength: 1)
        }
    }

    /// `video` of an edit or an extension (JSON): `{id}` of a completed video.
    static func videoReference(_ rules: inout FieldValidator) {
        rules.nested(
            "video",
            required: true,
            hint: "Name the completed video to start from: {\"video\": {\"id\": \"video_123\"}} (or upload it as multipart video)."
        ) { video in
            video.string("id", required: true, minLength: 1, hint: "The id of a completed video, e.g. video_123.")
        }
    }

    // MARK: - Requests

    /// `POST /api/videos` (JSON): every problem, and the body to send upstream (`seconds` normalised).
    static func create(
        _ body: JSONObject,
        catalogue: ModelCatalogue,
        form: Bool = false
    ) -> (body: JSONObject, job: Job?, problems: [ValidationProblem]) {
        var rules = FieldValidator(body, acceptsStrings: form)
        prompt(&rules)
        let modelProblems = rules.problems.count
        let info = model(&rules, catalogue: catalogue)
        let modelIsValid = rules.problems.count == modelProblems
        let seconds = seconds(&rules, allowed: info?.stringList("seconds") ?? (VideoRules.models(catalogue).capabilityUnion("seconds") ?? []))
        let size = size(&rules, model: modelIsValid ? info : nil, catalogue: catalogue)
        if !form { inputReference(&rules, model: info) }
        var upstream = body
        if let seconds { upstream["seconds"] = .string(seconds) }
        guard rules.problems.isEmpty else { return (upstream, nil, rules.problems) }
        let model = body["model"]?.stringValue ?? defaultModel
        let job = Job(
            model: model,
            seconds: seconds ?? info?.string("default_seconds") ?? "4",
            size: size ?? info?.string("default_size")
        )
        return (upstream, job, [])
    }

    /// `POST /api/videos/:id/remix`: `prompt`.
    static func remix(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        prompt(&rules, noun: "how the remix should differ")
        return rules.problems
    }

    /// `POST /api/videos/edits` (JSON): `video: {id}`, `prompt`.
    static func edit(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        videoReference(&rules)
        prompt(&rules, noun: "the edit")
        return rules.problems
    }

    /// `POST /api/videos/extensions` (JSON): `video: {id}`, `prompt`, `seconds` (normalised in the returned body).
    static func extend(_ body: JSONObject, catalogue: ModelCatalogue) -> (body: JSONObject, seconds: String?, problems: [ValidationProblem]) {
        var rules = FieldValidator(body)
        videoReference(&rules)
        prompt(&rules, noun: "what happens next")
        let seconds = seconds(&rules, allowed: (VideoRules.models(catalogue).capabilityUnion("extension_seconds") ?? []), required: true)
        var upstream = body
        if let seconds { upstream["seconds"] = .string(seconds) }
        return (upstream, seconds, rules.problems)
    }

    // MARK: - Multipart

    /// The form-field problems of a multipart request. Required fields are checked once the body is complete.
    static func formProblems(_ fields: FormFields, complete: Bool, check: (JSONObject) -> [ValidationProblem]) -> [ValidationProblem] {
        let problems = check(fields.jsonObject)
        // Before the end of the body, a missing field may still come.
        return complete ? problems : problems.filter { !$0.message.hasSuffix(" is required") }
    }

    /// A multipart video create's fields (`prompt`, `model`, `seconds`, `size`; `input_reference` is the image part).
    static func createForm(_ object: JSONObject, catalogue: ModelCatalogue) -> [ValidationProblem] {
        create(object, catalogue: catalogue, form: true).problems
    }

    /// A multipart edit or extension: `video` is the uploaded file or a `video[id]` field.
    static func sourceForm(_ object: JSONObject, hasFile: Bool, extending: Bool, catalogue: ModelCatalogue) -> [ValidationProblem] {
        var rules = FieldValidator(object, acceptsStrings: true)
        prompt(&rules, noun: extending ? "what happens next" : "the edit")
        if extending { _ = seconds(&rules, allowed: (VideoRules.models(catalogue).capabilityUnion("extension_seconds") ?? []), required: true) }
        if !hasFile, object["video[id]"]?.stringValue?.isEmpty ?? true {
            rules.fail(
                parameter: "video",
                "video is required",
                hint: "Upload the video as a form part named \"video\", or name a completed video with -F video[id]=video_123."
            )
        }
        return rules.problems
    }

    /// A multipart character: `name`, 1–80 characters (the `video` part is checked by the upload).
    static func characterForm(_ object: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(object, acceptsStrings: true)
        let hint = "Name the character in 1 to \(maxCharacterNameLength) characters."
        guard let name = object["name"]?.stringValue else {
            rules.fail("name", "name is required", hint: hint)
            return rules.problems
        }
        if name.isEmpty || name.count > maxCharacterNameLength {
            rules.fail("name", "name must be between 1 and \(maxCharacterNameLength) characters", hint: hint)
        }
        return rules.problems
    }

    /// An `input_reference` upload: a PNG, JPEG or WebP image, by its content type or extension.
    static func referenceImageProblems(_ file: UploadedFile) -> [ValidationProblem] {
        // Once the part has ended its bytes decide (a text file named frame.png is refused); before, its
        // declared type or name (application/octet-stream waits for the bytes).
        let format: String? =
            file.complete
            ? ImageHeader(file.head)?.format.rawValue
            : (file.contentType.flatMap(ImageRules.FileLimits.format(contentType:)) ?? file.filename.flatMap(ImageRules.FileLimits.format(filename:)))
        func problem(_ got: String) -> [ValidationProblem] {
            [
                ValidationProblem(
                    parameter: "input_reference",
                    message: "input_reference must be a PNG, JPEG or WebP image",
                    hint: "Upload the first frame as an image, e.g. -F input_reference=@frame.png;type=image/png (got \(got))."
                )
            ]
        }
        if !file.complete, format == nil, let type = file.contentType?.lowercased(), !type.hasPrefix("application/octet-stream") {
            return problem(type)  // a declared type that is not an image's
        }
        guard let format else { return file.complete ? problem("bytes that are not an image") : [] }
        return ["png", "jpeg", "webp"].contains(format) ? [] : problem(format)
    }
}
