import OpenAIClient

extension GatewayOpenAPI {
    static let fileIDParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "description": "The file id, e.g. file-abc123.", "schema": ["type": "string"],
    ]

    static func multipartBody(_ description: String, properties: JSONObject, required: [String]) -> JSONValue {
        [
            "required": true, "description": .string(description),
            "content": [
                "multipart/form-data": [
                    "schema": ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
                ]
            ],
        ]
    }

    static func binaryResponse(_ description: String, mediaType: String) -> JSONValue {
        [
            "description": .string(description),
            "headers": [
                "Content-Disposition": [
                    "description": .string("attachment; filename=...; filename*=UTF-8''..."), "schema": ["type": .string("string")],
                ]
            ],
            "content": .object(JSONObject([(mediaType, binarySchema)])),
        ]
    }

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

    static let transcriptionFields: JSONObject = [
        "file": ["type": "string", "format": "binary", "description": "The audio (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm), at most 25 MB."],
        "model": [
            "type": "string", "default": "whisper-1",
            "enum": ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"],
        ],
        "language": ["type": "string", "minLength": 2, "maxLength": 2, "description": "ISO-639-1 code, e.g. en."],
        "prompt": ["type": "string"],
        "response_format": [
            "type": "string", "default": "json", "enum": ["json", "text", "srt", "vtt", "verbose_json", "diarized_json"],
        ],
        "temperature": ["type": "number", "minimum": 0, "maximum": 1, "description": "Sent as a form string; parsed."],
        "timestamp_granularities[]": ["type": "array", "items": ["type": "string", "enum": ["word", "segment"]]],
        "stream": ["type": "boolean", "description": "true streams transcript.text.delta / transcript.text.done events (not with whisper-1)."],
    ]

    static var filesAndAudioPaths: JSONObject {
        [
            "/api/files": [
                "post": operation(
                    "uploadFile",
                    "Upload a file",
                    "Streams the upload to OpenAI `POST /files` as it arrives (re-framed, never held in memory). Per-purpose size limits "
                        + "(vision 20 MB, batch 200 MB, others 512 MB) and file types are enforced while the bytes pass.",
                    tag: "Files",
                    body: multipartBody(
                        "The file and its purpose; fields may come in any order.",
                        properties: [
                            "file": ["type": "string", "format": "binary"],
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
                        queryParameter("purpose", "Only files with this purpose.", ["type": "string"]),
                        queryParameter("order", "Sort order by creation time.", ["type": "string", "enum": ["asc", "desc"], "default": "desc"]),
                        queryParameter("limit", "How many files to return.", ["type": "integer", "minimum": 1, "maximum": 10_000]),
                        queryParameter("after", "List files after this file id.", ["type": "string"]),
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
                    success: ("200", binaryResponse("The file's bytes.", mediaType: "application/octet-stream")),
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
                    success: ("200", binaryResponse("The file's bytes.", mediaType: "application/octet-stream")),
                    errors: [403, 404, 429, 502, 503, 504]
                )
            ],
            "/api/audio/speech": [
                "post": operation(
                    "createSpeech",
                    "Text to speech",
                    "OpenAI `POST /audio/speech`; the audio streams back as it is produced, with `Content-Disposition: attachment; filename=\"speech.<format>\"`.",
                    tag: "Audio",
                    body: [
                        "required": true,
                        "content": [
                            "application/json": [
                                "schema": [
                                    "type": "object", "required": ["voice", "input"], "additionalProperties": true,
                                    "properties": [
                                        "model": ["type": "string", "enum": ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"], "default": "tts-1"],
                                        "voice": [
                                            "type": "string",
                                            "enum": [
                                                "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse",
                                                "marin",
                                                "cedar",
                                            ],
                                        ],
                                        "input": ["type": "string", "maxLength": 4096],
                                        "response_format": [
                                            "type": "string", "enum": ["mp3", "opus", "aac", "flac", "wav", "pcm"], "default": "mp3",
                                        ],
                                        "speed": ["type": "number", "minimum": 0.25, "maximum": 4, "default": 1],
                                        "instructions": ["type": "string"],
                                    ],
                                ]
                            ]
                        ],
                    ],
                    success: ("200", binaryResponse("The audio.", mediaType: "audio/mpeg")),
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
                    body: multipartBody("The audio file and options.", properties: transcriptionFields, required: ["file"]),
                    success: ("200", ["description": "The transcript (JSON, text or server-sent events)."]),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/audio/translations": [
                "post": operation(
                    "createTranslation",
                    "Translate speech to English text",
                    "OpenAI `POST /audio/translations` (whisper-1), the upload streamed.",
                    tag: "Audio",
                    body: multipartBody(
                        "The audio file and options.",
                        properties: [
                            "file": transcriptionFields["file"] ?? [:], "model": ["type": "string", "enum": ["whisper-1"], "default": "whisper-1"],
                            "prompt": ["type": "string"],
                            "response_format": ["type": "string", "default": "json", "enum": ["json", "text", "srt", "vtt", "verbose_json"]],
                            "temperature": ["type": "number", "minimum": 0, "maximum": 1],
                        ],
                        required: ["file"]
                    ),
                    success: ("200", ["description": "The English text (JSON or text)."]),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
        ]
    }
}
