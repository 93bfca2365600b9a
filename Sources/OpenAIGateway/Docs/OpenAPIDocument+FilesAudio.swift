import OpenAIClient

extension GatewayOpenAPI {
    static let fileIDParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "description": "The file id, e.g. file-abc123.", "schema": ["type": "string"],
    ]

    /// A multipart body.
    /// - Parameters:
    ///   - closed: a field the route does not know is refused (400 naming it); false: other fields are forwarded as sent.
    ///   - encoding: how file parts are sent (``filePart(_:filename:contentType:)``), by part name.
    ///   - anyOf: rules that depend on another field (e.g. one branch per model).
    static func multipartBody(
        _ description: String,
        properties: JSONObject,
        required: [String],
        closed: Bool = true,
        encoding: JSONObject = [:],
        anyOf: JSONValue? = nil
    ) -> JSONValue {
        var schema: JSONObject = [
            "type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string)),
            "additionalProperties": .bool(!closed),
        ]
        if let anyOf { schema["anyOf"] = anyOf }
        var form: JSONObject = ["schema": .object(schema)]
        if !encoding.isEmpty { form["encoding"] = .object(encoding) }
        return ["required": true, "description": .string(description), "content": ["multipart/form-data": .object(form)]]
    }

    /// The encoding of a file part: the filename it carries (the route checks its extension) and its media type.
    static func filePart(_ part: String, filename: String? = nil, contentType: String? = nil) -> JSONValue {
        var encoding = JSONObject()
        if let contentType { encoding["contentType"] = .string(contentType) }
        if let filename {
            encoding["headers"] = [
                "Content-Disposition": [
                    "description": "The part's filename: its extension is the file's type.",
                    "schema": ["type": "string", "example": .string("form-data; name=\"\(part)\"; filename=\"\(filename)\"")],
                ]
            ]
        }
        return .object(encoding)
    }

    static func binaryResponse(_ description: String, mediaType: String) -> JSONValue {
        binaryResponse(description, mediaTypes: [mediaType])
    }

    /// A binary response that may come in any of `mediaTypes` (a download's type follows its filename).
    static func binaryResponse(_ description: String, mediaTypes: [String]) -> JSONValue {
        [
            "description": .string(description),
            "headers": [
                "Content-Disposition": [
                    "description": .string("attachment; filename=...; filename*=UTF-8''..."), "schema": ["type": .string("string")],
                ]
            ],
            "content": .object(JSONObject(mediaTypes.map { ($0, binarySchema) })),
        ]
    }

    /// Every media type a file download is sent with (by the filename's extension, else octet-stream).
    static let downloadMediaTypes: [String] =
        Array(Set(ContentDisposition.mediaTypes.values)).sorted() + [ContentDisposition.fallbackMediaType]

    /// Every media type speech is sent with (the upstream's own, else the format's).
    static let speechMediaTypes: [String] =
        ["mp3", "opus", "aac", "flac", "wav", "pcm"].map { AudioRules.speechContentType($0) } + ["audio/*"]

    static let binarySchema: JSONValue = ["schema": ["type": "string", "format": "binary"]]

    static let fileObject: JSONValue = [
        "description": "OpenAI's file object, as OpenAI returned it.",
        "content": [
            "application/json": [
                "schema": [
                    "type": "object", "additionalProperties": true,
                    "properties": [
                        "id": ["type": "string"], "object": ["type": "string", "const": "file"], "bytes": ["type": "integer"],
                        "created_at": ["type": "integer"], "filename": ["type": "string"], "purpose": ["type": "string"],
                        "expires_at": ["type": ["integer", "null"]],
                    ],
                ]
            ]
        ],
    ]

    // MARK: - Audio schemas from the model catalogue

    /// A string schema whose `enum` is `values` (no enum when the catalogue does not list them).
    static func stringSchema(_ values: [String]?, default defaultValue: String? = nil, description: String? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "string"]
        if let values, !values.isEmpty { schema["enum"] = .array(values.map(JSONValue.string)) }
        if let defaultValue, values.map({ $0.contains(defaultValue) }) ?? true { schema["default"] = .string(defaultValue) }
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    /// `verbose_json: whisper-1; diarized_json: gpt-4o-transcribe-diarize` for the values of a list
    /// capability that not every model has; nil when every model has every value.
    static func availability(_ capability: String, values: [String]?, models: [ModelInfo]) -> String? {
        guard let values else { return nil }
        let notes = values.compactMap { value -> String? in
            let having = models.filter { $0.stringList(capability)?.contains(value) == true }.map(\.name)
            return having.count < models.count ? "\(value): \(having.isEmpty ? "none" : having.joined(separator: ", "))" : nil
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    static func speechSchema(_ audio: AudioModels) -> JSONValue {
        let models = audio.speech
        var properties = JSONObject()
        properties["model"] = stringSchema(models.map(\.name), default: AudioRules.Defaults.speechModel)
        let voices = models.capabilityUnion("voices")
        properties["voice"] = stringSchema(
            voices,
            description: availability("voices", values: voices, models: models).map { "Not every model has every voice (\($0))." }
        )
        var input: JSONObject = ["type": "string", "description": "The text to speak.", "example": "Hello from the gateway."]
        if let maxLength = models.largestCapability("max_input_characters") { input["maxLength"] = .int(Int64(maxLength)) }
        properties["input"] = .object(input)
        let formats = models.capabilityUnion("response_formats")
        properties["response_format"] = stringSchema(
            formats,
            default: AudioRules.Defaults.speechFormat,
            description: availability("response_formats", values: formats, models: models)
        )
        var speed: JSONObject = ["type": "number", "default": .double(AudioRules.Defaults.speechSpeed)]
        if let range = models.widestRange("speed") {
            speed["minimum"] = .double(range.lowerBound)
            speed["maximum"] = .double(range.upperBound)
        }
        properties["speed"] = .object(speed)
        let instructions = models.filter { $0.flag("instructions") != false }.map(\.name)
        properties["instructions"] = [
            "type": ["string", "null"],
            "description": .string(instructions.isEmpty ? "No speech model takes instructions." : "Only with \(Wording.orList(instructions))."),
        ]
        let schema: JSONValue = [
            "type": "object", "required": ["voice", "input"], "properties": .object(properties),
            "anyOf": audioModelBranches(models, defaultModel: AudioRules.Defaults.speechModel, form: false) { model in
                var rules = JSONObject()
                if let voices = model.stringList("voices") { rules["voice"] = ["enum": .array(voices.map(JSONValue.string))] }
                if let formats = model.stringList("response_formats") {
                    rules["response_format"] = ["enum": .array(formats.map(JSONValue.string) + [.null])]
                }
                if let range = model.range("speed") { rules["speed"] = ["minimum": .double(range.lowerBound), "maximum": .double(range.upperBound)] }
                if let limit = model.integer("max_input_characters") { rules["input"] = ["maxLength": .int(Int64(limit))] }
                if model.flag("instructions") == false { rules["instructions"] = ["type": "null"] }
                return rules
            },
        ]
        return forwardedBody(schema, endpoint: "POST /audio/speech")
    }

    /// One `anyOf` branch per model with the rules `rules` gives for it (the default model's branch also
    /// matches a body that names none; in JSON a null model is the default too).
    static func audioModelBranches(
        _ models: [ModelInfo],
        defaultModel: String,
        form: Bool,
        rules: (ModelInfo) -> JSONObject
    ) -> JSONValue {
        .array(
            models.map { model in
                var properties = rules(model)
                let isDefault = model.name == defaultModel
                properties["model"] = modelRule(model.name, isDefault: isDefault, form: form)
                var branch: JSONObject = ["properties": .object(properties)]
                if !isDefault { branch["required"] = ["model"] }
                return .object(branch)
            }
        )
    }

    /// The `model` of a per-model branch: that model, or for the default model also the model left out (in
    /// JSON, null is the default too).
    static func modelRule(_ name: String, isDefault: Bool, form: Bool) -> JSONValue {
        if isDefault, !form { return ["enum": [.string(name), .null]] }
        return ["const": .string(name)]
    }

    /// The transcription rules that depend on the model: its response formats, timestamps and streaming.
    static func transcriptionBranches(_ audio: AudioModels) -> JSONValue {
        audioModelBranches(audio.transcription, defaultModel: AudioRules.Defaults.transcriptionModel, form: true) { model in
            var rules = JSONObject()
            if let formats = model.stringList("response_formats") { rules["response_format"] = ["enum": .array(formats.map(JSONValue.string))] }
            if let granularities = model.stringList("timestamp_granularities"), !granularities.isEmpty {
                rules["timestamp_granularities[]"] = ["items": ["enum": .array(granularities.map(JSONValue.string))]]
            } else if model.stringList("timestamp_granularities") != nil {
                rules["timestamp_granularities[]"] = false
            }
            if model.flag("streaming") == false { rules["stream"] = ["enum": [false]] }
            return rules
        }
    }

    static func audioFileSchema(_ models: [ModelInfo]) -> JSONValue {
        let formats = models.capabilityUnion("file_formats").map { " (\($0.joined(separator: ", ")))" } ?? ""
        let limit = AudioRules.megabytesText(AudioRules.absoluteFileLimit(models))
        return ["type": "string", "format": "binary", "minLength": 1, "description": .string("The audio\(formats), at most \(limit) MB.")]
    }

    static func transcriptionFields(_ audio: AudioModels) -> JSONObject {
        let models = audio.transcription
        let formats = models.capabilityUnion("response_formats")
        let granularities = models.capabilityUnion("timestamp_granularities")
        let withTimestamps = models.filter { $0.stringList("timestamp_granularities")?.isEmpty == false }.map(\.name)
        let notStreaming = models.filter { $0.flag("streaming") == false }.map(\.name)
        var fields = JSONObject()
        fields["file"] = audioFileSchema(models)
        fields["model"] = stringSchema(models.map(\.name), default: AudioRules.Defaults.transcriptionModel)
        fields["language"] = ["type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO-639-1 code, e.g. en."]
        fields["prompt"] = ["type": "string"]
        fields["response_format"] = stringSchema(
            formats,
            default: AudioRules.Defaults.transcriptFormat,
            description: availability("response_formats", values: formats, models: models)
        )
        fields["temperature"] = ["type": "number", "minimum": 0, "maximum": 1, "description": "Sent as a form string; parsed."]
        fields["timestamp_granularities[]"] = [
            "type": "array", "items": stringSchema(granularities),
            "description": .string(withTimestamps.isEmpty ? "No model gives timestamps." : "Only with \(Wording.orList(withTimestamps))."),
        ]
        fields["stream"] = [
            "type": "boolean",
            "description": .string(
                "true streams transcript.text.delta / transcript.text.done events"
                    + (notStreaming.isEmpty ? "." : " (not with \(Wording.orList(notStreaming))).")
            ),
        ]
        return fields
    }

    static func translationFields(_ audio: AudioModels) -> JSONObject {
        let models = audio.translation
        var fields = JSONObject()
        fields["file"] = audioFileSchema(models)
        fields["model"] = stringSchema(models.map(\.name), default: AudioRules.Defaults.transcriptionModel)
        fields["prompt"] = ["type": "string"]
        fields["response_format"] = stringSchema(
            models.capabilityUnion("response_formats"),
            default: AudioRules.Defaults.transcriptFormat
        )
        fields["temperature"] = ["type": "number", "minimum": 0, "maximum": 1]
        return fields
    }

    static func filesAndAudioPaths(_ audio: AudioModels) -> JSONObject {
        [
            "/api/files": [
                "post": operation(
                    "uploadFile",
                    "Upload a file",
                    "Streams the upload to OpenAI `POST /files` as it arrives (re-framed, never held in memory). The file's type must suit the "
                        + "purpose (vision: images; batch, fine-tune, evals: .jsonl; assistants: documents; user_data: documents and spreadsheets), "
                        + "and expires_after[anchor] and expires_after[seconds] go together. Per-purpose size limits "
                        + "(vision 20 MB, batch 200 MB, others 512 MB) and file types are enforced while the bytes pass.",
                    tag: "Files",
                    body: multipartBody(
                        "The file and its purpose; fields may come in any order.",
                        properties: [
                            "file": ["type": "string", "format": "binary", "minLength": 1],
                            "purpose": ["type": "string", "enum": ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]],
                            "expires_after[anchor]": ["type": "string", "enum": ["created_at"]],
                            "expires_after[seconds]": ["type": "integer", "minimum": 3600, "maximum": 2_592_000],
                        ],
                        required: ["file", "purpose"]
                    ),
                    success: ("201", fileObject),
                    errors: [400, 413, 429, 502, 503, 504]
                ),
                "get": operation(
                    "listFiles",
                    "List files",
                    "OpenAI `GET /files`. Answers the array of file objects; when there are more, a `Link: <...>; rel=\"next\"` header.",
                    tag: "Files",
                    parameters: [
                        queryParameter(
                            "purpose",
                            "Only files with this purpose.",
                            ["type": "string", "enum": .array(FileRules.purposes.map(JSONValue.string))]
                        ),
                        queryParameter("order", "Sort order by creation time.", ["type": "string", "enum": ["asc", "desc"], "default": "desc"]),
                        queryParameter("limit", "How many files to return.", ["type": "integer", "minimum": 1, "maximum": 10_000]),
                        queryParameter("after", "List files after this file id.", ["type": "string", "minLength": 1]),
                    ],
                    success: (
                        "200",
                        ["description": "The files.", "content": ["application/json": ["schema": ["type": "array", "items": ["type": "object"]]]]]
                    ),
                    errors: [400, 429, 502, 503, 504]
                ),
            ],
            "/api/files/{id}": [
                "get": operation(
                    "getFile",
                    "Retrieve a file's metadata",
                    "OpenAI `GET /files/{id}`.",
                    tag: "Files",
                    parameters: [fileIDParameter],
                    success: ("200", fileObject),
                    errors: [404, 429, 502, 503, 504]
                ),
                "delete": operation(
                    "deleteFile",
                    "Delete a file",
                    "OpenAI `DELETE /files/{id}`.",
                    tag: "Files",
                    parameters: [fileIDParameter],
                    success: (
                        "200",
                        [
                            "description": "The deletion confirmation `{id, object: \"file\", deleted: true}`.",
                            "content": ["application/json": ["schema": ["type": "object", "additionalProperties": true]]],
                        ]
                    ),
                    errors: [404, 429, 502, 503, 504]
                ),
            ],
            "/api/files/{id}/content": [
                "get": operation(
                    "downloadFile",
                    "Download a file's content",
                    "Streams OpenAI `GET /files/{id}/content` back with a content type from the filename's extension and a safe "
                        + "Content-Disposition. Files with purpose `assistants` cannot be downloaded (403 download_forbidden).",
                    tag: "Files",
                    parameters: [fileIDParameter],
                    success: ("200", binaryResponse("The file's bytes.", mediaTypes: downloadMediaTypes)),
                    errors: [403, 404, 429, 502, 503, 504]
                )
            ],
            "/api/files/{id}/download": [
                "get": operation(
                    "downloadFileAlias",
                    "Download a file's content (alias)",
                    "The same as `/api/files/{id}/content`.",
                    tag: "Files",
                    parameters: [fileIDParameter],
                    success: ("200", binaryResponse("The file's bytes.", mediaTypes: downloadMediaTypes)),
                    errors: [403, 404, 429, 502, 503, 504]
                )
            ],
            "/api/audio/speech": [
                "post": operation(
                    "createSpeech",
                    "Text to speech",
                    "OpenAI `POST /audio/speech`; the audio streams back as it is produced, with `Content-Disposition: attachment; filename=\"speech.<format>\"`.",
                    tag: "Audio",
                    body: ["required": true, "content": ["application/json": ["schema": speechSchema(audio)]]],
                    success: ("200", binaryResponse("The audio.", mediaTypes: speechMediaTypes)),
                    errors: [400, 429, 502, 503, 504]
                )
            ],
            "/api/audio/transcriptions": [
                "post": operation(
                    "createTranscription",
                    "Speech to text",
                    "OpenAI `POST /audio/transcriptions`, the upload streamed. JSON for json/verbose_json/diarized_json, text for text/srt "
                        + "(text/plain) and vtt (text/vtt); with stream=true, server-sent events.",
                    tag: "Audio",
                    body: multipartBody(
                        "The audio file and options.",
                        properties: transcriptionFields(audio),
                        required: ["file"],
                        closed: false,
                        encoding: ["file": filePart("file", filename: "speech.mp3")],
                        anyOf: transcriptionBranches(audio)
                    ),
                    success: ("200", ["description": "The transcript (JSON, text or server-sent events)."]),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/audio/translations": [
                "post": operation(
                    "createTranslation",
                    "Translate speech to English text",
                    "OpenAI `POST /audio/translations` (models that translate: \(Wording.orList(audio.translation.map(\.name)))), the upload streamed.",
                    tag: "Audio",
                    body: multipartBody(
                        "The audio file and options.",
                        properties: translationFields(audio),
                        required: ["file"],
                        closed: false,
                        encoding: ["file": filePart("file", filename: "speech.mp3")]
                    ),
                    success: ("200", ["description": "The English text (JSON or text)."]),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
        ]
    }
}
