import OpenAIClient

extension GatewayOpenAPI {
    /// `POST /api/responses/code-interpreter` and `POST /api/responses/input-tokens`.
    static var codeInterpreterPaths: JSONObject {
        let memory: JSONValue = [
            "type": "string", "enum": .array(CodeInterpreterRequest.memoryLimits.map { .string($0) }),
            "description": "Memory of the new container (OpenAI's default is 1g). Not with container_id.",
        ]
        let containerID: JSONValue = [
            "type": "string", "minLength": 1,
            "description": "Run in this existing container instead of a new one (no files, no memory_limit then).",
        ]
        var jsonProperties = Schemas.textProperties
        jsonProperties["memory_limit"] = memory
        jsonProperties["container_id"] = containerID
        jsonProperties["file_ids"] = [
            "type": "array", "maxItems": .int(Int64(CodeInterpreterRequest.maxFiles)),
            "items": ["type": "string", "pattern": "^file-.+"],
            "description": "Files uploaded before (POST /api/files) to put in the new container.",
        ]
        jsonProperties["stream"] = ["type": "boolean", "default": false, "description": "true: answer with the text route's server-sent events."]
        var jsonSchema =
            forwardedBody(
                ["type": "object", "required": ["input"], "properties": .object(jsonProperties)],
                endpoint: "POST /responses",
                excluded: ["modalities"]
            ).objectValue ?? [:]
        // An existing container takes neither files nor a memory limit.
        // (null is a member left out).
        jsonSchema["allOf"] = [
            [
                "not": [
                    "required": ["container_id", "memory_limit"],
                    "properties": ["container_id": ["type": "string"], "memory_limit": ["type": "string"]],
                ]
            ],
            [
                "not": [
                    "required": ["container_id", "file_ids"],
                    "properties": ["container_id": ["type": "string"], "file_ids": ["type": "array", "minItems": 1]],
                ]
            ],
        ]
        let formSchema: JSONValue = [
            "type": "object",
            "description": .string(
                "The text route's fields as form fields: tools, include, metadata, text, reasoning, prompt, modalities and stream_options as "
                    + "JSON text; numbers and booleans (temperature, max_output_tokens, stream, store...) as their text; the rest as strings."
            ),
            "properties": [
                "files": [
                    "type": "array", "maxItems": .int(Int64(CodeInterpreterRequest.maxFiles)),
                    "items": ["type": "string", "format": "binary"],
                    "description": "Any number of file parts named files, each uploaded to OpenAI with purpose user_data as it arrives.",
                ],
                "input": ["type": "string", "description": "The prompt (or a JSON array of input items)."],
                "model": ["type": "string"], "instructions": ["type": "string"],
                "tools": [
                    "type": "string", "contentMediaType": "application/json", "contentSchema": ["type": "array", "items": ["type": "object"]],
                    "description": "JSON text, e.g. [{\"type\": \"code_interpreter\"}].", "example": "[{\"type\": \"code_interpreter\"}]",
                ],
                "include": [
                    "type": "string", "contentMediaType": "application/json", "contentSchema": Schemas.textProperties["include"] ?? [:],
                    "description": "JSON text; default [\"code_interpreter_call.outputs\"].", "example": "[\"code_interpreter_call.outputs\"]",
                ],
                "stream": ["type": "string", "enum": ["true", "false"]],
                "memory_limit": memory, "container_id": containerID,
            ],
            "required": ["input"],
            // An existing container takes neither files nor a memory limit.
            "allOf": [["not": ["required": ["container_id", "memory_limit"]]], ["not": ["required": ["container_id", "files"]]]],
        ]
        return [
            "/api/responses/code-interpreter": [
                "post": operation(
                    "createCodeInterpreterResponse",
                    "Run code on files with the code interpreter",
                    "A multipart form with any number of `files` parts, or JSON with `file_ids`. Each file streams to OpenAI `POST /files` "
                        + "(purpose `user_data`) as it arrives, never held by the gateway, and is logged in files.log; then one "
                        + "`POST /responses` call runs with every field the text route forwards, and every `code_interpreter` tool (one is "
                        + "added when there is none) gets `container: {type: \"auto\", file_ids, memory_limit}` or the `container_id`. "
                        + "`include` defaults to `[\"code_interpreter_call.outputs\"]`. When that call fails, the uploaded files are deleted again.",
                    body: [
                        "required": true,
                        "content": [
                            "multipart/form-data": ["schema": formSchema],
                            "application/json": [
                                "schema": .object(jsonSchema),
                                "example": [
                                    "input": "Plot the numbers in data.csv.", "tools": [["type": "code_interpreter"]],
                                    "file_ids": ["file-abc123"], "memory_limit": "4g",
                                ],
                            ],
                        ],
                    ],
                    success: (
                        "201",
                        [
                            "description": "The OpenAI Response object, or with stream=true the text route's server-sent events.",
                            "content": [
                                "application/json": ["schema": ["$ref": "#/components/schemas/OpenAIResponse"]],
                                "text/event-stream": ["schema": sseEventSchema],
                            ],
                        ]
                    ),
                    errors: [400, 404, 413, 429, 502, 503, 504]
                )
            ],
            "/api/responses/input-tokens": [
                "post": operation(
                    "countResponseInputTokens",
                    "Count a prompt's input tokens and estimate their cost",
                    "The text route's body, checked with its rules, goes to OpenAI `POST /responses/input_tokens` with only the members that "
                        + "endpoint takes (model, input, instructions, tools, text, reasoning, truncation, conversation, previous_response_id, "
                        + "tool_choice, parallel_tool_calls; unknown fields are forwarded). `prompt` is refused. Nothing is generated or billed. "
                        + "The answer adds `model` and `estimated_input_cost_usd`: the input tokens at the model catalogue's input price "
                        + "(null for a model without one).",
                    body: [
                        "required": true,
                        "content": [
                            "application/json": [
                                "schema": ["$ref": "#/components/schemas/InputTokensRequest"],
                                "example": ["model": "gpt-4o", "input": "Write a haiku about gateways."],
                            ]
                        ],
                    ],
                    success: (
                        "200",
                        [
                            "description": "The token count and its estimated cost.",
                            "content": [
                                "application/json": [
                                    "schema": [
                                        "type": "object", "required": ["object", "input_tokens", "model", "estimated_input_cost_usd"],
                                        "properties": [
                                            "object": ["type": "string", "const": "response.input_tokens"],
                                            "input_tokens": ["type": "integer"],
                                            "model": ["type": "string"],
                                            "estimated_input_cost_usd": ["type": ["number", "null"]],
                                        ],
                                    ],
                                    "example": [
                                        "object": "response.input_tokens", "input_tokens": 11, "model": "gpt-4o",
                                        "estimated_input_cost_usd": 0.0000275,
                                    ],
                                ]
                            ],
                        ]
                    ),
                    errors: [400, 404, 429, 502, 503, 504]
                )
            ],
        ]
    }
}
