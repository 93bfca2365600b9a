import OpenAIClient

extension GatewayOpenAPI {
    static let videoIDParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "description": "The video id, e.g. video_123.", "schema": ["type": "string"],
    ]

    static let videoObject: JSONValue = [
        "description": "OpenAI's Video job, as the upstream returned it.",
        "content": [
            "application/json": [
                "schema": [
                    "type": "object", "additionalProperties": true,
                    "properties": [
                        "id": ["type": "string"], "object": ["type": "string", "const": "video"], "model": ["type": "string"],
                        "status": ["type": "string", "enum": ["queued", "in_progress", "completed", "failed"]],
                        "progress": ["type": "integer"], "seconds": ["type": "string"], "size": ["type": "string"],
                        "created_at": ["type": "integer"], "completed_at": ["type": ["integer", "null"]],
                        "expires_at": ["type": ["integer", "null"]], "prompt": ["type": ["string", "null"]],
                        "remixed_from_video_id": ["type": ["string", "null"]], "error": ["type": ["object", "null"]],
                    ],
                ]
            ]
        ],
    ]

    static let characterObject: JSONValue = [
        "description": "The character, as the upstream returned it.",
        "content": [
            "application/json": [
                "schema": [
                    "type": "object", "additionalProperties": true,
                    "properties": ["id": ["type": ["string", "null"]], "name": ["type": ["string", "null"]], "created_at": ["type": "integer"]],
                ]
            ]
        ],
    ]

    /// - Parameters:
    ///   - endpoint: the upstream endpoint the JSON body's members go to (``forwardedBody(_:endpoint:excluded:)``).
    ///   - branches: the rules that depend on the model, for the JSON body and for the form.
    static func jsonAndMultipartBody(
        _ description: String,
        json: JSONObject,
        form: JSONObject,
        required: [String],
        endpoint: String,
        branches: (json: JSONValue, form: JSONValue)? = nil,
        encoding: JSONObject = [:]
    ) -> JSONValue {
        let names = JSONValue.array(required.map(JSONValue.string))
        var jsonSchema = forwardedBody(["type": "object", "properties": .object(json), "required": names], endpoint: endpoint).objectValue ?? [:]
        // Other form fields are forwarded as sent.
        var formSchema: JSONObject = ["type": "object", "properties": .object(form), "required": names, "additionalProperties": true]
        if let branches {
            jsonSchema["anyOf"] = branches.json
            formSchema["anyOf"] = branches.form
        }
        var multipart: JSONObject = ["schema": .object(formSchema)]
        if !encoding.isEmpty { multipart["encoding"] = .object(encoding) }
        return [
            "required": true, "description": .string(description),
            "content": ["application/json": ["schema": .object(jsonSchema)], "multipart/form-data": .object(multipart)],
        ]
    }

    /// One branch per video model: its sizes (the default model's branch also matches a body that names none).
    static func videoModelBranches(_ models: [ModelInfo], defaultModel: String, form: Bool) -> JSONValue {
        .array(
            models.map { model in
                var properties = JSONObject()
                properties["model"] = modelRule(model.name, isDefault: model.name == defaultModel, form: form)
                let orNull: [JSONValue] = form ? [] : [.null]
                if let sizes = model.stringList("sizes") { properties["size"] = ["enum": .array(sizes.map(JSONValue.string) + orNull)] }
                var branch: JSONObject = ["properties": .object(properties)]
                if model.name != defaultModel { branch["required"] = ["model"] }
                return .object(branch)
            }
        )
    }

    /// The `/api/videos` paths; models, sizes and lengths come from the catalogue's video models.
    static func videoPaths(catalogue: ModelCatalogue) -> JSONObject {
        let models = VideoRules.models(catalogue).map(\.name)
        let seconds = (VideoRules.models(catalogue).capabilityUnion("seconds") ?? [])
        let sizes = (VideoRules.models(catalogue).capabilityUnion("sizes") ?? [])
        let prompt: JSONValue = ["type": "string", "minLength": 1, "maxLength": .int(Int64(VideoRules.maxPromptLength))]
        let secondsSchema: JSONValue = [
            "description": "A string as the spec has it; a number is accepted and normalised.",
            "oneOf": [
                stringSchema(seconds, default: "4"), ["type": "integer", "enum": .array(seconds.compactMap { Int($0) }.map { .int(Int64($0)) })],
            ],
        ]
        let createFields: JSONObject = [
            "prompt": prompt, "model": stringSchema(models, default: VideoRules.defaultModel), "seconds": stringSchema(seconds, default: "4"),
            "size": stringSchema(sizes, description: "The model's sizes: sora-2 makes the 720p ones."),
        ]
        var createJSON = createFields
        createJSON["seconds"] = secondsSchema
        createJSON["input_reference"] = [
            "type": "object", "description": "Exactly one of image_url (http(s) or data:image/... URL) and file_id.",
            "properties": [
                "image_url": ["type": ["string", "null"], "pattern": "^(https?://|data:image/)"],
                "file_id": ["type": ["string", "null"], "minLength": 1],
            ],
            "oneOf": [
                ["required": ["image_url"], "properties": ["image_url": ["type": "string"]]],
                ["required": ["file_id"], "properties": ["file_id": ["type": "string"]]],
            ],
        ]
        var createForm = createFields
        createForm["input_reference"] = ["type": "string", "format": "binary", "description": "A PNG, JPEG or WebP image (at most 20 MB)."]
        let videoID: JSONValue = ["type": "string", "minLength": 1, "description": "The id of a completed video, e.g. video_123."]
        let sourceJSON: JSONObject = [
            "video": ["type": "object", "properties": ["id": videoID], "required": ["id"], "additionalProperties": false], "prompt": prompt,
        ]
        let sourceForm: JSONObject = [
            "video": ["type": "string", "format": "binary", "description": "The source video, or send video[id] instead."],
            "video[id]": videoID, "prompt": prompt,
        ]
        let extensionSeconds = stringSchema((VideoRules.models(catalogue).capabilityUnion("extension_seconds") ?? []))
        var extensionJSON = sourceJSON
        extensionJSON["seconds"] = extensionSeconds
        var extensionForm = sourceForm
        extensionForm["seconds"] = extensionSeconds
        let jobErrors = [400, 410, 413, 429, 502, 503, 504]
        return [
            "/api/videos": [
                "post": operation(
                    "createVideo",
                    "Create a video",
                    "OpenAI `POST /videos`. JSON, or multipart with an `input_reference` image part (streamed upstream). "
                        + "When the upstream is api.openai.com, a model the catalogue lists as retired is a 410 `model_retired` "
                        + "without an upstream call. The job's price is logged as an estimate.",
                    tag: "Videos",
                    body: jsonAndMultipartBody(
                        "The video to generate.",
                        json: createJSON,
                        form: createForm,
                        required: ["prompt"],
                        endpoint: "POST /videos",
                        branches: (
                            videoModelBranches(VideoRules.models(catalogue), defaultModel: VideoRules.defaultModel, form: false),
                            videoModelBranches(VideoRules.models(catalogue), defaultModel: VideoRules.defaultModel, form: true)
                        ),
                        encoding: ["input_reference": filePart("input_reference", contentType: "image/png")]
                    ),
                    success: ("201", videoObject),
                    errors: jobErrors
                ),
                "get": operation(
                    "listVideos",
                    "List videos",
                    "OpenAI `GET /videos`. Answers the array of videos; when there are more, a `Link: <...>; rel=\"next\"` header.",
                    tag: "Videos",
                    parameters: [
                        queryParameter("limit", "How many videos to return.", ["type": "integer", "minimum": 1, "maximum": 100]),
                        queryParameter("order", "Sort order by creation time.", ["type": "string", "enum": ["asc", "desc"], "default": "desc"]),
                        queryParameter("after", "List videos after this video id.", ["type": "string", "minLength": 1]),
                    ],
                    success: (
                        "200",
                        ["description": "The videos.", "content": ["application/json": ["schema": ["type": "array", "items": ["type": "object"]]]]]
                    ),
                    errors: [400, 429, 502, 503, 504]
                ),
            ],
            "/api/videos/{id}": [
                "get": operation(
                    "retrieveVideo",
                    "Retrieve a video",
                    "OpenAI `GET /videos/{id}`.",
                    tag: "Videos",
                    parameters: [videoIDParameter],
                    success: ("200", videoObject),
                    errors: [404, 429, 502, 503, 504]
                ),
                "delete": operation(
                    "deleteVideo",
                    "Delete a video",
                    "OpenAI `DELETE /videos/{id}`: `{id, object: \"video.deleted\", deleted}`.",
                    tag: "Videos",
                    parameters: [videoIDParameter],
                    success: ("200", ["description": "The deletion.", "content": ["application/json": ["schema": ["type": "object"]]]]),
                    errors: [404, 429, 502, 503, 504]
                ),
            ],
            "/api/videos/{id}/poll": [
                "get": operation(
                    "pollVideo",
                    "Wait for a video",
                    "Retrieves the video until it is completed or failed, waiting 5 s, then 5 s more each time (at most 20 s). "
                        + "Past `maxWaitMs` a 504 `poll_timeout` says how to poll again. A client that disconnects stops the polling.",
                    tag: "Videos",
                    parameters: [
                        videoIDParameter,
                        queryParameter(
                            "maxWaitMs",
                            "Longest wait in milliseconds (default VIDEO_GENERATION_TIMEOUT).",
                            ["type": "integer", "minimum": 1, "maximum": .int(Int64(Polling.maxWaitLimit))]
                        ),
                    ],
                    success: ("200", videoObject),
                    errors: [400, 404, 429, 502, 503, 504]
                )
            ],
            "/api/videos/{id}/download": [
                "get": operation(
                    "downloadVideo",
                    "Download a video asset",
                    "OpenAI `GET /videos/{id}/content?variant=`, streamed. A video that is not completed is a 409 (poll first).",
                    tag: "Videos",
                    parameters: [
                        videoIDParameter,
                        queryParameter(
                            "variant",
                            "Which asset: the MP4 (default), a WebP thumbnail or a JPEG spritesheet.",
                            ["type": "string", "enum": ["video", "thumbnail", "spritesheet"], "default": "video"]
                        ),
                    ],
                    success: (
                        "200",
                        [
                            "description": "The asset's bytes; Content-Disposition: attachment; filename=\"<id>.mp4\" (.webp, .jpg).",
                            "content": ["video/mp4": binarySchema, "image/webp": binarySchema, "image/jpeg": binarySchema],
                        ]
                    ),
                    errors: [400, 404, 409, 429, 502, 503, 504]
                )
            ],
            "/api/videos/{id}/remix": [
                "post": operation(
                    "remixVideo",
                    "Remix a video",
                    "OpenAI `POST /videos/{id}/remix`: a new job from a completed video and a new prompt.",
                    tag: "Videos",
                    parameters: [videoIDParameter],
                    body: [
                        "required": true,
                        "content": [
                            "application/json": [
                                "schema": forwardedBody(
                                    ["type": "object", "properties": ["prompt": prompt], "required": ["prompt"]],
                                    endpoint: "POST /videos/{video_id}/remix"
                                )
                            ]
                        ],
                    ],
                    success: ("201", videoObject),
                    errors: [400, 404, 410, 429, 502, 503, 504]
                )
            ],
            "/api/videos/edits": [
                "post": operation(
                    "editVideo",
                    "Edit a video",
                    "OpenAI `POST /videos/edits`: a new job from a completed video (`video.id`) or an uploaded one.",
                    tag: "Videos",
                    body: jsonAndMultipartBody(
                        "The source and the edit.",
                        json: sourceJSON,
                        form: sourceForm,
                        required: ["video", "prompt"],
                        endpoint: "POST /videos/edits"
                    ),
                    success: ("201", videoObject),
                    errors: jobErrors
                )
            ],
            "/api/videos/extensions": [
                "post": operation(
                    "extendVideo",
                    "Extend a video",
                    "OpenAI `POST /videos/extensions`: `seconds` more of a completed video (the answer's `seconds` is the total).",
                    tag: "Videos",
                    body: jsonAndMultipartBody(
                        "The source, the prompt and the new segment's length.",
                        json: extensionJSON,
                        form: extensionForm,
                        required: ["video", "prompt", "seconds"],
                        endpoint: "POST /videos/extensions"
                    ),
                    success: ("201", videoObject),
                    errors: jobErrors
                )
            ],
            "/api/videos/characters": [
                "post": operation(
                    "createVideoCharacter",
                    "Create a character",
                    "OpenAI `POST /videos/characters` (multipart `video` and `name`), streamed upstream.",
                    tag: "Videos",
                    body: multipartBody(
                        "The video showing the character, and its name.",
                        properties: ["video": ["type": "string", "format": "binary"], "name": ["type": "string", "minLength": 1, "maxLength": 80]],
                        required: ["video", "name"],
                        closed: false
                    ),
                    success: ("201", characterObject),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/videos/characters/{id}": [
                "get": operation(
                    "retrieveVideoCharacter",
                    "Retrieve a character",
                    "OpenAI `GET /videos/characters/{id}`.",
                    tag: "Videos",
                    parameters: [["name": "id", "in": "path", "required": true, "description": "The character id.", "schema": ["type": "string"]]],
                    success: ("200", characterObject),
                    errors: [404, 429, 502, 503, 504]
                )
            ],
        ]
    }
}
