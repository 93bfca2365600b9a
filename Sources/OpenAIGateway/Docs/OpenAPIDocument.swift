import Foundation
import OpenAIClient

/// The OpenAPI 3.1 description of the gateway's own endpoints, served at `/openapi.json` and
/// rendered by the page at `/api-docs`.
///
/// It documents the gateway, not OpenAI: request bodies list the fields the gateway validates (and
/// allow any other, which are forwarded), and success bodies that are OpenAI objects passed through
/// are described as such rather than copied from OpenAI's spec.
public enum GatewayOpenAPI {
    /// The document. `serverURL`, when given, becomes the only entry of `servers`.
    /// - Parameters:
    ///   - catalogue: the models whose capabilities the Audio schemas list (models, voices, formats,
    ///     ranges), the same catalogue the validation reads.
    ///   - now: models retired at this date are not listed.
    ///   - defaultImageModel: the image model of requests that name none (`OPENAI_DEFAULT_IMAGE_MODEL`).
    public static func document(
        serverURL: String?,
        catalogue: ModelCatalogue = .bundled,
        now: Date = Date(),
        defaultImageModel: String = GatewayConfiguration().defaultImageModel
    ) -> JSONValue {
        var root: JSONObject = [
            "openapi": "3.1.0",
            "info": [
                "title": "OpenAI Gateway",
                "version": .string(GatewayVersion.current),
                "description": .string(
                    "A gateway in front of the OpenAI API: validated endpoints, errors with a hint, server-sent events for streams. "
                        + "Every error body has the ErrorBody shape."
                ),
            ],
        ]
        if let serverURL { root["servers"] = [["url": .string(serverURL)]] }
        root["tags"] = [
            ["name": "Responses", "description": "OpenAI Responses API (text generation)"],
            ["name": "Files", "description": "OpenAI Files API: uploads and downloads stream through the gateway"],
            ["name": "Audio", "description": "OpenAI Audio API: speech, transcriptions, translations"],
            ["name": "Vector Stores", "description": "OpenAI Vector Stores API: stores, files, file batches, search, polls"],
            ["name": "Videos", "description": "OpenAI Videos API: jobs, polling, streamed downloads, remixes"],
            ["name": "Images", "description": "OpenAI Images API: generations, edits, variations (uploads streamed), partial-image streams"],
            ["name": "Gateway", "description": "Health and documentation"],
            ["name": "Admin", "description": "The operator's routes (GATEWAY_ADMIN_KEY): access keys, usage, metrics, dashboard"],
            ["name": "OpenAI-compatible", "description": "The OpenAI API itself under /v1: point an OpenAI SDK's base URL here"],
        ]
        var allPaths = paths
        allPaths["/v1/{path}"] = openAICompatiblePath
        for (path, item) in filesAndAudioPaths(AudioModels(catalogue: catalogue, date: now)) { allPaths[path] = item }
        for (path, item) in vectorStorePaths { allPaths[path] = item }
        for (path, item) in codeInterpreterPaths { allPaths[path] = item }
        for (path, item) in videoPaths(catalogue: catalogue) { allPaths[path] = item }
        for (path, item) in imagePaths(catalogue: catalogue, defaultImageModel: defaultImageModel) { allPaths[path] = item }
        for (path, item) in adminKeyPaths { allPaths[path] = item }
        for (path, item) in adminPaths { allPaths[path] = item }
        var schemas = Schemas.all
        for (name, schema) in vectorStoreSchemas { schemas[name] = schema }
        for (name, schema) in adminSchemas { schemas[name] = schema }
        root["paths"] = .object(withAccessAnswers(withNullableOptionals(paths: allPaths, schemas: &schemas)))
        root["components"] = ["schemas": .object(schemas)]
        return .object(root)
    }

    // MARK: - Paths

    static var paths: JSONObject {
        [
            "/api/responses/text": [
                "post": operation(
                    "createTextResponse",
                    "Create a text response",
                    "Validates the body and sends it to OpenAI `POST /responses` with `stream: false`. OpenAI's other fields are forwarded as sent. "
                        + "An omitted, empty or null `model` becomes the configured default model (OPENAI_DEFAULT_MODEL).",
                    body: textRequestBody,
                    success: ("201", jsonResponse("The OpenAI Response object, as OpenAI returned it.", ref: "OpenAIResponse")),
                    errors: [400, 404, 413, 429, 502, 503, 504]
                )
            ],
            "/api/responses/text/stream": [
                "post": operation(
                    "streamTextResponse",
                    "Create a text response and stream it",
                    streamDescription,
                    body: textRequestBody,
                    success: ("201", sseResponse("The response as server-sent events.")),
                    errors: [400, 413, 429, 502, 503, 504]
                )
            ],
            "/api/responses/{id}": [
                "get": operation(
                    "getResponse",
                    "Retrieve a response",
                    "OpenAI `GET /responses/{id}`.",
                    parameters: [idParameter],
                    success: ("200", jsonResponse("The OpenAI Response object.", ref: "OpenAIResponse")),
                    errors: [404, 429, 502, 503, 504]
                ),
                "delete": operation(
                    "deleteResponse",
                    "Delete a response",
                    "OpenAI `DELETE /responses/{id}`.",
                    parameters: [idParameter],
                    success: ("200", jsonResponse("The deletion confirmation.", ref: "DeletedResponse")),
                    errors: [404, 429, 502, 503, 504]
                ),
            ],
            "/api/responses/{id}/cancel": [
                "post": operation(
                    "cancelResponse",
                    "Cancel a background response",
                    "OpenAI `POST /responses/{id}/cancel`. Only responses created with `background: true` can be cancelled.",
                    parameters: [idParameter],
                    success: ("201", jsonResponse("The OpenAI Response object, now cancelled.", ref: "OpenAIResponse")),
                    errors: [400, 404, 429, 502, 503, 504]
                )
            ],
            "/api/responses/{id}/stream": [
                "get": operation(
                    "resumeResponseStream",
                    "Stream a stored response again",
                    "OpenAI `GET /responses/{id}?stream=true` (the response must have been created with `background: true`). "
                        + "Resume after a dropped connection with `starting_after` or the `Last-Event-ID` header. " + streamDescription,
                    parameters: [
                        idParameter,
                        queryParameter(
                            "starting_after",
                            "Only send events whose sequence number is greater than this.",
                            ["type": "integer", "minimum": 0]
                        ),
                        [
                            "name": "Last-Event-ID", "in": "header", "required": false,
                            "description": "The `id:` of the last event received; used when `starting_after` is absent.",
                            "schema": ["type": "string"],
                        ],
                    ],
                    success: ("200", sseResponse("The response's events as server-sent events.")),
                    errors: [400, 404, 429, 502, 503, 504]
                )
            ],
            "/api/responses/{id}/input_items": [
                "get": operation(
                    "listResponseInputItems",
                    "List the input items of a response",
                    "OpenAI `GET /responses/{id}/input_items`.",
                    parameters: [
                        idParameter,
                        queryParameter(
                            "limit",
                            "How many items to return (1-100).",
                            ["type": "integer", "minimum": 1, "maximum": 100, "default": 20]
                        ),
                        queryParameter("order", "Sort order by creation time.", ["type": "string", "enum": ["asc", "desc"], "default": "desc"]),
                        queryParameter("after", "List items after this item id.", ["type": "string", "minLength": 1]),
                        queryParameter("before", "List items before this item id.", ["type": "string", "minLength": 1]),
                        queryParameter(
                            "include",
                            "Extra fields to include (repeat the parameter for several).",
                            ["type": "array", "items": ["type": "string"]]
                        ),
                    ],
                    success: ("200", jsonResponse("OpenAI's list of input items.", ref: "InputItemList")),
                    errors: [400, 404, 429, 502, 503, 504]
                )
            ],
            "/": [
                "get": operation(
                    "root",
                    "Where the docs are",
                    "Names the docs page, the OpenAPI document and the health check, with the version; a browser (Accept: text/html) is redirected to /api-docs.",
                    tag: "Gateway",
                    success: ("200", ["description": "Where the docs are.", "content": ["application/json": ["schema": ["type": "object"]]]]),
                    errors: []
                )
            ],
            "/health": [
                "get": operation(
                    "health",
                    "Health check",
                    "Answers 200 while the gateway is running; does not call OpenAI.",
                    tag: "Gateway",
                    success: ("200", jsonResponse("The gateway is up.", ref: "Health")),
                    errors: []
                )
            ],
            "/openapi.json": [
                "get": operation(
                    "openAPIDocument",
                    "This OpenAPI document",
                    "The OpenAPI 3.1 description of the gateway.",
                    tag: "Gateway",
                    success: ("200", ["description": "The document.", "content": ["application/json": ["schema": ["type": "object"]]]]),
                    errors: []
                )
            ],
            "/api-docs-json": [
                "get": operation(
                    "openAPIDocumentAlias",
                    "This OpenAPI document (reference app's path)",
                    "The same document as `/openapi.json`.",
                    tag: "Gateway",
                    success: ("200", ["description": "The document.", "content": ["application/json": ["schema": ["type": "object"]]]]),
                    errors: []
                )
            ],
            "/api-docs": [
                "get": operation(
                    "apiDocs",
                    "Interactive documentation",
                    "An HTML page that renders this document and can send requests.",
                    tag: "Gateway",
                    success: ("200", ["description": "The page.", "content": ["text/html": ["schema": ["type": "string"]]]]),
                    errors: []
                )
            ],
        ]
    }

    /// `/v1/{path}`: every OpenAI API path, forwarded.
    static var openAICompatiblePath: JSONValue {
        var item = JSONObject()
        let parameter: JSONValue = [
            "name": "path", "in": "path", "required": true,
            "description": "Any OpenAI API path after /v1, e.g. `responses`, `chat/completions`, `files/{id}/content`.",
            "schema": ["type": "string"],
        ]
        for method in ["get", "post", "put", "patch", "delete"] {
            guard
                case .object(var passthrough) = operation(
                    "openAICompatible_\(method)",
                    "OpenAI API pass-through (\(method.uppercased()))",
                    "Forwarded to the upstream OpenAI API with its query, headers (less hop-by-hop ones and the caller's Authorization, "
                        + "which the gateway's key replaces) and body; the answer's status, headers and body come back unchanged, streams "
                        + "event by event. Errors the gateway raises itself use OpenAI's shape `{\"error\": {message, type, param, code}}`. "
                        + "See the OpenAI API reference for each path's bodies.",
                    tag: "OpenAI-compatible",
                    parameters: [parameter],
                    success: ("200", ["description": "The upstream's answer, unchanged."]),
                    errors: []
                )
            else { continue }
            // Any status the upstream answers comes back unchanged, and the gateway's own errors (403, 415, 503, ...)
            // use OpenAI's shape here, not ErrorBody.
            passthrough["responses"] = [
                "200": ["description": "The upstream's answer, unchanged."],
                "default": [
                    "description": "The upstream's answer with its status, or the gateway's own error in OpenAI's shape.",
                    "content": ["application/json": ["schema": openAIErrorSchema]],
                ],
            ]
            item[method] = .object(passthrough)
        }
        return .object(item)
    }

    /// OpenAI's error shape, as `/v1` answers its own errors (and as OpenAI answers its).
    static let openAIErrorSchema: JSONValue = [
        "type": "object", "additionalProperties": true,
        "properties": [
            "error": [
                "type": "object", "additionalProperties": true,
                "properties": [
                    "message": ["type": "string"], "type": ["type": ["string", "null"]], "param": ["type": ["string", "null"]],
                    "code": ["type": ["string", "null"]],
                ],
            ]
        ],
    ]

    static let streamDescription =
        "Status and headers are sent before the first event (`Content-Type: text/event-stream`). Each frame is "
        + "`id: <sequence>`, `event: <name>`, `data: <one-line JSON>`; `id` is OpenAI's `sequence_number`, so a client can resume. "
        + "Event names follow the reference app (OpenAI's event type, shortened), e.g. "
        + "`response_created {response_id, model, sequence}`, `text_delta {delta, sequence, item_id, output_index, content_index}`, "
        + "`text_done {output_text, sequence}`, `reasoning_summary_delta`, `function_call_delta`, `output_item.added`, "
        + "`response_completed {response_id, output_text, usage, status, latency_ms, sequence}`, `response_failed`, `response_incomplete`; "
        + "other event types are relayed under their own type without the leading `response.`. Comment lines (`: keep-alive`) are sent while "
        + "the upstream is quiet. Validation errors before the stream starts are a JSON ErrorBody with a 4xx status; a failure "
        + "after it started (a dropped upstream, an upstream `error` event, or `response_failed`, which is relayed first) "
        + "is exactly one `event: error` frame whose data is the ErrorBody, and then the stream ends."

    static let idParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "description": "The response id (`resp_...`).",
        "schema": ["type": "string"],
    ]

    static var textRequestBody: JSONValue {
        [
            "required": true,
            "content": [
                "application/json": [
                    "schema": ["$ref": "#/components/schemas/TextResponseRequest"],
                    "example": ["model": "gpt-5", "input": "Write a haiku about gateways.", "temperature": 1, "max_output_tokens": 200],
                ]
            ],
        ]
    }

    static func queryParameter(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema]
    }

    static func jsonResponse(_ description: String, ref: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(ref)")]]]]
    }

    static func sseResponse(_ description: String) -> JSONValue {
        [
            "description": .string(description),
            "headers": ["Cache-Control": ["description": "no-cache", "schema": ["type": "string"]]],
            "content": [
                "text/event-stream": [
                    "schema": sseEventSchema,
                    "example": "id: 0\nevent: response_created\ndata: {\"response_id\":\"resp_123\",\"model\":\"gpt-5\",\"sequence\":0}\n\n",
                ]
            ],
        ]
    }

    /// One event of a stream, as a client's SSE parser sees it (OpenAPI 3.2 style, which schemathesis checks
    /// per event): `data` is the JSON payload as text, `event` its name, `id` the sequence to resume after.
    static let sseEventSchema: JSONValue = [
        "type": "object",
        "properties": [
            "id": ["type": "string"], "event": ["type": "string"], "data": ["type": "string", "contentMediaType": "application/json"],
            "retry": ["type": "integer"],
        ],
    ]

    static let errorDescriptions: [Int: String] = [
        400: "The request is invalid (every problem is listed in `errors`), or OpenAI rejected it.",
        401:
            "GATEWAY_AUTH=keys and no valid access key was sent; on admin routes, the admin key is missing or wrong (WWW-Authenticate invites a browser's login prompt).",
        403: "Not allowed (e.g. downloading a file whose purpose is assistants), or a Host or web Origin the gateway does not serve.",
        404: "OpenAI does not know the resource (or the upstream does not serve this API).",
        409: "The resource is not in a state for this (e.g. a video that is not completed yet).",
        410: "The model is retired at this upstream (`model_retired`).",
        413: "The request body is too large.",
        415: "The request body's Content-Type is not application/json (multipart/form-data for uploads).",
        429:
            "Rate limited or out of quota: OpenAI's (see `rate_limit_info`, `openai_error`) or the access key's own limit at the gateway (`X-Gateway-Limit`, `x-ratelimit-*`); Retry-After says when to retry.",
        502: "OpenAI failed or sent something invalid.",
        503: "OpenAI could not be reached, the gateway has too many open connections, or it is shutting down (see Retry-After).",
        504: "OpenAI did not answer in time.",
    ]

    static func operation(
        _ id: String,
        _ summary: String,
        _ description: String,
        tag: String = "Responses",
        parameters: [JSONValue] = [],
        body: JSONValue? = nil,
        success: (String, JSONValue),
        errors: [Int]
    ) -> JSONValue {
        var operation: JSONObject = [
            "operationId": .string(id), "summary": .string(summary), "description": .string(description), "tags": [.string(tag)],
        ]
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body { operation["requestBody"] = body }
        var responses: JSONObject = [success.0: success.1]
        // What the request guard and the connection guard answer on any route (Host/Origin, busy, shutdown),
        // what an upstream may answer to any call (404: an unknown id, an API it does not serve), and on a
        // route with a body, a Content-Type that is not its own.
        var statuses = Set(errors).union([403, 404, 503])
        if body != nil { statuses.insert(415) }
        for status in statuses.sorted() {
            responses[String(status)] = [
                "description": .string(errorDescriptions[status] ?? "Error."),
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/ErrorBody"]]],
            ]
        }
        operation["responses"] = .object(responses)
        return .object(operation)
    }
}

// MARK: - Component schemas

extension GatewayOpenAPI {
    enum Schemas {
        static var all: JSONObject {
            [
                "TextResponseRequest": textRequest,
                "InputTokensRequest": inputTokensRequest,
                "ErrorBody": errorBody,
                "OpenAIResponse": [
                    "type": "object", "additionalProperties": true,
                    "description":
                        "OpenAI's Response object (`object: \"response\"`), passed through unchanged. See OpenAI's API reference for its fields.",
                    "properties": ["id": ["type": "string"], "object": ["type": "string", "const": "response"], "status": ["type": "string"]],
                ],
                "DeletedResponse": [
                    "type": "object", "required": ["id", "object", "deleted"],
                    "properties": ["id": ["type": "string"], "object": ["type": "string", "const": "response"], "deleted": ["type": "boolean"]],
                ],
                "InputItemList": [
                    "type": "object", "additionalProperties": true,
                    "description": "OpenAI's list of input items (`object: \"list\"`), passed through unchanged.",
                    "properties": [
                        "object": ["type": "string", "const": "list"], "data": ["type": "array", "items": ["type": "object"]],
                        "first_id": ["type": ["string", "null"]], "last_id": ["type": ["string", "null"]], "has_more": ["type": "boolean"],
                    ],
                ],
                "Health": [
                    "type": "object", "additionalProperties": true,
                    "properties": ["status": ["type": "string", "examples": ["ok"]]],
                ],
            ]
        }

        static func field(_ type: JSONValue, _ description: String, _ extra: JSONObject = [:]) -> JSONValue {
            var object: JSONObject = ["type": type, "description": .string(description)]
            for (key, value) in extra { object[key] = value }
            return .object(object)
        }

        /// The text route's members, as its rules check them (the members checked against OpenAI's spec have its schemas).
        static var textProperties: JSONObject {
            var properties = gatewayTextProperties
            for name in ["include", "top_logprobs", "max_tool_calls", "service_tier", "truncation", "safety_identifier", "tool_choice"] {
                if let schema = SchemaRules.shared.properties[name] { properties[name] = inlined(schema) }
            }
            // OpenAI refuses fewer than one tool call.
            properties["max_tool_calls"] = ["type": ["integer", "null"], "minimum": 1, "description": "Most built-in tool calls in the response."]
            properties["prompt"] = [
                "type": ["object", "null"], "required": ["id"], "description": "A stored prompt template reference {id, version, variables}.",
                "properties": [
                    "id": ["type": "string", "pattern": "^pmpt_."], "version": ["type": ["string", "null"], "minLength": 1],
                    "variables": ["type": ["object", "null"], "additionalProperties": ["type": "string"]],
                ],
            ]
            return properties
        }

        /// `schema` with every `#/components/schemas/...` reference of OpenAI's spec replaced by the schema it names.
        static func inlined(_ schema: JSONValue, depth: Int = 0) -> JSONValue {
            if let array = schema.arrayValue { return .array(array.map { inlined($0, depth: depth) }) }
            guard var object = schema.objectValue else { return schema }
            if let reference = object["$ref"]?.stringValue, depth < 8,
                let target = SchemaRules.shared.schemas[String(reference.split(separator: "/").last ?? "")]
            {
                return inlined(target, depth: depth + 1)
            }
            for (key, value) in object { object[key] = inlined(value, depth: depth) }
            return .object(object)
        }

        static var gatewayTextProperties: JSONObject {
            [
                "model": field("string", "Model id. Omitted, \"\" or null means the configured default model (OPENAI_DEFAULT_MODEL)."),
                "input": [
                    "description": "The prompt: a string (\"\" allowed) or an array of input items (objects).",
                    "oneOf": [["type": "string"], ["type": "array", "items": ["type": "object"]]],
                ],
                "instructions": field(["string", "null"], "A system (developer) message."),
                "stream": field(["boolean", "null"], "Ignored: the route decides whether the response is streamed."),
                "tools": field(
                    ["array", "null"],
                    "Tools the model may call (function, file_search, code_interpreter, web_search, ...).",
                    ["items": ["type": "object"]]
                ),
                "text": field(["object", "null"], "Text output options, e.g. {\"format\": {\"type\": \"json_schema\", ...}}."),
                "temperature": field(["number", "null"], "Sampling temperature.", ["minimum": 0, "maximum": 2]),
                "top_p": field(["number", "null"], "Nucleus sampling.", ["minimum": 0, "maximum": 1]),
                "conversation": ["description": "A conversation id or object; forwarded unchecked."],
                "previous_response_id": field(["string", "null"], "Continue from this response."),
                "store": field(["boolean", "null"], "Whether OpenAI stores the response."),
                "max_output_tokens": field(["integer", "null"], "Upper bound on generated tokens, reasoning included.", ["minimum": 1]),
                "tool_choice": ["description": "How the model chooses tools; forwarded unchecked."],
                "parallel_tool_calls": field(["boolean", "null"], "Allow parallel tool calls."),
                "prompt_cache_key": field(["string", "null"], "Cache key for prompt caching."),
                "service_tier": ["description": "auto, default, flex, priority...; forwarded unchecked."],
                "background": field(["boolean", "null"], "Run in the background (then poll, cancel or stream it)."),
                "truncation": ["description": "auto or disabled; forwarded unchecked."],
                "safety_identifier": field(["string", "null"], "A stable id for the end user."),
                "metadata": field(
                    ["object", "null"],
                    "Up to 16 string pairs; keys up to 64 characters, values up to 512.",
                    ["maxProperties": 16, "additionalProperties": ["type": "string", "maxLength": 512], "propertyNames": ["maxLength": 64]]
                ),
                "stream_options": field(["object", "null"], "Streaming options; dropped on the non-streaming route."),
                "prompt": field(["object", "null"], "A stored prompt template reference {id, version, variables}."),
                "include": field(["array", "null"], "Extra output to include, e.g. reasoning.encrypted_content.", ["items": ["type": "string"]]),
                "reasoning": field(["object", "null"], "Reasoning options, e.g. {\"effort\": \"low\"}."),
            ]
        }

        static var textRequest: JSONValue {
            let schema: JSONValue = [
                "type": "object", "required": ["input"],
                "description": .string(
                    "Known fields are validated (all problems are reported at once); OpenAI's other Responses fields are forwarded as sent, "
                        + "and a field OpenAI does not know is its 400 unknown_parameter. `modalities` is checked as the reference app does "
                        + "(non-empty, text or audio) but OpenAI's Responses API has no such field, so OpenAI refuses a request that sends it."
                ),
                "properties": .object(textProperties),
            ]
            return GatewayOpenAPI.forwardedBody(schema, endpoint: "POST /responses", excluded: ["modalities"])
        }

        /// `POST /api/responses/input-tokens`: the text route's members (those `POST /responses/input_tokens`
        /// does not take are dropped, `prompt` is refused), and the endpoint's own ones forwarded.
        static var inputTokensRequest: JSONValue {
            var properties = textProperties
            properties["prompt"] = nil
            let schema: JSONValue = [
                "type": "object", "required": ["input"],
                "description": .string(
                    "The text route's members, checked with its rules; those POST /responses/input_tokens does not take are dropped, "
                        + "`prompt` is refused, and a field OpenAI does not know is its 400 unknown_parameter."
                ),
                "properties": .object(properties),
            ]
            return GatewayOpenAPI.forwardedBody(schema, endpoint: "POST /responses/input_tokens")
        }

        static var errorBody: JSONValue {
            let problem: JSONValue = [
                "type": "object", "required": ["parameter", "message"],
                "properties": ["parameter": ["type": "string"], "message": ["type": "string"], "hint": ["type": ["string", "null"]]],
            ]
            let properties: JSONObject = [
                "statusCode": field("integer", "The HTTP status."),
                "timestamp": field("string", "When the error happened (ISO 8601).", ["format": "date-time"]),
                "path": field("string", "The request path, with its query."),
                "message": field("string", "What went wrong."),
                "error_code": field("string", "A stable code: validation_error, rate_limit_error, an OpenAI code, ECONNREFUSED..."),
                "parameter": field(["string", "null"], "The offending parameter as a JSON path (e.g. tools[0].container)."),
                "hint": field("string", "What to do about it."),
                "request_id": field("string", "The gateway's id of the request: its X-Request-Id header and request_id in the logs."),
                "upstream_request_id": field("string", "OpenAI's x-request-id, when OpenAI answered (also the X-Upstream-Request-Id header)."),
                "openai_error": field(
                    "object",
                    "The error as OpenAI sent it.",
                    [
                        "properties": [
                            "type": ["type": ["string", "null"]], "code": ["type": ["string", "null"]],
                            "param": ["type": ["string", "null"]], "message": ["type": "string"],
                        ]
                    ]
                ),
                "rate_limit_info": field(
                    "object",
                    "OpenAI's x-ratelimit-* headers (429 only).",
                    ["additionalProperties": ["type": "string"]]
                ),
                "retry_after_seconds": field("number", "Seconds to wait before retrying (429 only)."),
                "errors": field("array", "Every validation problem.", ["items": problem]),
            ]
            return [
                "type": "object", "required": ["statusCode", "timestamp", "path", "message", "error_code"],
                "properties": .object(properties),
            ]
        }
    }
}
