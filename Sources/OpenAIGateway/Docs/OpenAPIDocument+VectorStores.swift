import OpenAIClient

/// The `/api/vector-stores` routes in the OpenAPI document.
extension GatewayOpenAPI {
    /// - Parameter prefix: the id's prefix; the gateway refuses (400) an id without it or with other characters.
    static func vectorStorePathParameter(_ name: String, _ description: String, prefix: String) -> JSONValue {
        [
            "name": .string(name), "in": "path", "required": true, "description": .string(description),
            "schema": ["type": "string", "pattern": .string("^\(prefix)[A-Za-z0-9_-]+$")],
        ]
    }

    static let storeParameter = vectorStorePathParameter(
        "vector_store_id",
        "The vector store id, `vs_...` (checked before OpenAI is called).",
        prefix: VectorStoreRules.IDKind.store.prefix
    )
    static let vectorStoreFileParameter = vectorStorePathParameter("file_id", "The file id, `file-...`.", prefix: VectorStoreRules.IDKind.file.prefix)
    static let batchParameter = vectorStorePathParameter("batch_id", "The file batch id, `vsfb_...`.", prefix: VectorStoreRules.IDKind.batch.prefix)

    static func vectorStoreListParameters(filter: Bool) -> [JSONValue] {
        var parameters: [JSONValue] = [
            queryParameter("limit", "How many objects to return.", ["type": "integer", "minimum": 1, "maximum": 100]),
            queryParameter("order", "Sort order by creation time.", ["type": "string", "enum": ["asc", "desc"], "default": "desc"]),
            queryParameter(
                "after",
                "List objects after this id (the `Link` header of a page names the next one).",
                ["type": "string", "minLength": 1]
            ),
            queryParameter("before", "List objects before this id.", ["type": "string", "minLength": 1]),
        ]
        if filter {
            parameters.append(
                queryParameter(
                    "filter",
                    "Only files in this status.",
                    ["type": "string", "enum": ["in_progress", "completed", "failed", "cancelled"]]
                )
            )
        }
        return parameters
    }

    static let pollParameter = queryParameter(
        "max_wait_ms",
        "How long to wait, in milliseconds (1 to 3600000, default 30000). May also be sent as `{\"max_wait_ms\": N}` in a JSON body.",
        ["type": "integer", "minimum": 1, "maximum": 3_600_000, "default": 30_000]
    )

    static func vectorStoreJSONBody(_ ref: String, required: Bool = true) -> JSONValue {
        ["required": .bool(required), "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(ref)")]]]]
    }

    static func openAIObject(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ["type": "object", "additionalProperties": true]]]]
    }

    static func arrayResponse(_ description: String) -> JSONValue {
        [
            "description": .string(description + " When there are more, a `Link: <...>; rel=\"next\"` header names the next page."),
            "headers": ["Link": ["description": "The next page, RFC 8288.", "schema": ["type": "string"]]],
            "content": ["application/json": ["schema": ["type": "array", "items": ["type": "object"]]]],
        ]
    }

    static func vectorStoreOperation(
        _ id: String,
        _ summary: String,
        _ description: String,
        parameters: [JSONValue] = [],
        body: JSONValue? = nil,
        success: (String, JSONValue)
    ) -> JSONValue {
        operation(
            id,
            summary,
            description + " Sent with `OpenAI-Beta: assistants=v2`.",
            tag: "Vector Stores",
            parameters: parameters,
            body: body,
            success: success,
            errors: [400, 404, 413, 429, 502, 503, 504]
        )
    }

    static var vectorStorePaths: JSONObject {
        let store = storeParameter
        let file = vectorStoreFileParameter
        let batch = batchParameter
        return [
            "/api/vector-stores": [
                "post": vectorStoreOperation(
                    "createVectorStore",
                    "Create a vector store",
                    "OpenAI `POST /vector_stores`.",
                    body: vectorStoreJSONBody("CreateVectorStoreRequest", required: false),
                    success: ("201", openAIObject("The VectorStore object."))
                ),
                "get": vectorStoreOperation(
                    "listVectorStores",
                    "List vector stores",
                    "OpenAI `GET /vector_stores`; answers the array of stores.",
                    parameters: vectorStoreListParameters(filter: false),
                    success: ("200", arrayResponse("The vector stores."))
                ),
            ],
            "/api/vector-stores/{vector_store_id}": [
                "get": vectorStoreOperation(
                    "getVectorStore",
                    "Retrieve a vector store",
                    "OpenAI `GET /vector_stores/{id}`.",
                    parameters: [store],
                    success: ("200", openAIObject("The VectorStore object."))
                ),
                "patch": vectorStoreOperation(
                    "updateVectorStore",
                    "Update a vector store",
                    "OpenAI `POST /vector_stores/{id}`; `null` clears a field.",
                    parameters: [store],
                    body: vectorStoreJSONBody("UpdateVectorStoreRequest"),
                    success: ("200", openAIObject("The VectorStore object."))
                ),
                "delete": vectorStoreOperation(
                    "deleteVectorStore",
                    "Delete a vector store",
                    "OpenAI `DELETE /vector_stores/{id}`.",
                    parameters: [store],
                    success: ("200", openAIObject("`{id, object: \"vector_store.deleted\", deleted}`."))
                ),
            ],
            "/api/vector-stores/{vector_store_id}/search": [
                "post": vectorStoreOperation(
                    "searchVectorStore",
                    "Search a vector store",
                    "OpenAI `POST /vector_stores/{id}/search`; answers the array of results (`file_id`, `filename`, `score`, `attributes`, `content`).",
                    parameters: [store],
                    body: vectorStoreJSONBody("VectorStoreSearchRequest"),
                    success: ("200", arrayResponse("The results, best first."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/poll": [
                "post": vectorStoreOperation(
                    "pollVectorStore",
                    "Wait until a vector store is ready",
                    "Retrieves the store (after 5, 10, 15, 20, 20... s) until it is `completed` or `expired`; 504 `poll_timeout` past `max_wait_ms`.",
                    parameters: [store, pollParameter],
                    success: ("200", openAIObject("The VectorStore object in its final state."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/files": [
                "post": vectorStoreOperation(
                    "addVectorStoreFile",
                    "Attach a file to a vector store",
                    "OpenAI `POST /vector_stores/{id}/files`.",
                    parameters: [store],
                    body: vectorStoreJSONBody("CreateVectorStoreFileRequest"),
                    success: ("201", openAIObject("The VectorStoreFile object."))
                ),
                "get": vectorStoreOperation(
                    "listVectorStoreFiles",
                    "List a vector store's files",
                    "OpenAI `GET /vector_stores/{id}/files`; answers the array of files.",
                    parameters: [store] + vectorStoreListParameters(filter: true),
                    success: ("200", arrayResponse("The vector store files."))
                ),
            ],
            "/api/vector-stores/{vector_store_id}/files/upload": [
                "post": vectorStoreOperation(
                    "uploadVectorStoreFile",
                    "Upload a file and attach it",
                    "Streams the multipart `file` to OpenAI `POST /files` (purpose `assistants`, logged in files.log), then attaches it; "
                        + "with `poll=true` answers once the file is processed. A failed attach deletes the uploaded file.",
                    parameters: [
                        store,
                        queryParameter(
                            "poll",
                            "Wait until the file is processed (max_wait_ms applies only with poll=true).",
                            ["type": "boolean", "default": false]
                        ),
                        queryParameter(
                            "max_wait_ms",
                            "With poll=true, how long to wait, in milliseconds (1 to 3600000, default 30000); without poll=true it is refused.",
                            ["type": "integer", "minimum": 1, "maximum": 3_600_000]
                        ),
                    ],
                    body: multipartBody(
                        "The file, and optionally its attributes and chunking strategy as JSON text.",
                        properties: [
                            "file": ["type": "string", "format": "binary"],
                            "attributes": [
                                "type": "string", "contentMediaType": "application/json", "contentSchema": attributesSchema,
                                "description": "JSON object, e.g. {\"author\": \"Ada\"}.", "example": "{\"author\": \"Ada\"}",
                            ],
                            "chunking_strategy": [
                                "type": "string", "contentMediaType": "application/json", "contentSchema": chunkingStrategySchema,
                                "description": "JSON, e.g. {\"type\": \"auto\"}.", "example": "{\"type\": \"auto\"}",
                            ],
                        ],
                        required: ["file"],
                        encoding: ["file": filePart("file", filename: "notes.md")]
                    ),
                    success: ("201", openAIObject("The VectorStoreFile object."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/files/{file_id}": [
                "get": vectorStoreOperation(
                    "getVectorStoreFile",
                    "Retrieve a vector store file",
                    "OpenAI `GET /vector_stores/{id}/files/{file_id}`.",
                    parameters: [store, file],
                    success: ("200", openAIObject("The VectorStoreFile object."))
                ),
                "patch": vectorStoreOperation(
                    "updateVectorStoreFile",
                    "Update a file's attributes",
                    "OpenAI `POST /vector_stores/{id}/files/{file_id}`.",
                    parameters: [store, file],
                    body: vectorStoreJSONBody("UpdateVectorStoreFileRequest"),
                    success: ("200", openAIObject("The VectorStoreFile object."))
                ),
                "delete": vectorStoreOperation(
                    "deleteVectorStoreFile",
                    "Detach a file",
                    "OpenAI `DELETE /vector_stores/{id}/files/{file_id}` (the file itself stays in Files).",
                    parameters: [store, file],
                    success: ("200", openAIObject("`{id, object: \"vector_store.file.deleted\", deleted}`."))
                ),
            ],
            "/api/vector-stores/{vector_store_id}/files/{file_id}/content": [
                "get": vectorStoreOperation(
                    "getVectorStoreFileContent",
                    "A file's parsed text",
                    "OpenAI `GET /vector_stores/{id}/files/{file_id}/content`; answers the array of `{type: \"text\", text}` parts.",
                    parameters: [store, file],
                    success: ("200", arrayResponse("The parsed content."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/files/{file_id}/poll": [
                "post": vectorStoreOperation(
                    "pollVectorStoreFile",
                    "Wait until a file is processed",
                    "Retrieves the file until it is `completed`, `failed` or `cancelled`; 504 `poll_timeout` past `max_wait_ms`.",
                    parameters: [store, file, pollParameter],
                    success: ("200", openAIObject("The VectorStoreFile object in its final state."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/file-batches": [
                "post": vectorStoreOperation(
                    "createVectorStoreFileBatch",
                    "Attach a batch of files",
                    "OpenAI `POST /vector_stores/{id}/file_batches`: `file_ids` (with batch-wide attributes and chunking) or `files[]` (each with its own).",
                    parameters: [store],
                    body: vectorStoreJSONBody("CreateVectorStoreFileBatchRequest"),
                    success: ("201", openAIObject("The VectorStoreFileBatch object."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/file-batches/{batch_id}": [
                "get": vectorStoreOperation(
                    "getVectorStoreFileBatch",
                    "Retrieve a file batch",
                    "OpenAI `GET /vector_stores/{id}/file_batches/{batch_id}`.",
                    parameters: [store, batch],
                    success: ("200", openAIObject("The VectorStoreFileBatch object."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/file-batches/{batch_id}/cancel": [
                "post": vectorStoreOperation(
                    "cancelVectorStoreFileBatch",
                    "Cancel a file batch",
                    "OpenAI `POST /vector_stores/{id}/file_batches/{batch_id}/cancel`.",
                    parameters: [store, batch],
                    success: ("200", openAIObject("The VectorStoreFileBatch object."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/file-batches/{batch_id}/files": [
                "get": vectorStoreOperation(
                    "listVectorStoreFileBatchFiles",
                    "List a batch's files",
                    "OpenAI `GET /vector_stores/{id}/file_batches/{batch_id}/files`; answers the array of files.",
                    parameters: [store, batch] + vectorStoreListParameters(filter: true),
                    success: ("200", arrayResponse("The batch's files."))
                )
            ],
            "/api/vector-stores/{vector_store_id}/file-batches/{batch_id}/poll": [
                "post": vectorStoreOperation(
                    "pollVectorStoreFileBatch",
                    "Wait until a file batch is done",
                    "Retrieves the batch until it is `completed`, `cancelled` or `failed`; 504 `poll_timeout` past `max_wait_ms`.",
                    parameters: [store, batch, pollParameter],
                    success: ("200", openAIObject("The VectorStoreFileBatch object in its final state."))
                )
            ],
        ]
    }

    // MARK: - Request schemas

    static let chunkingStrategySchema: JSONValue = [
        "oneOf": [
            ["type": "null", "description": "The same as leaving it out (OpenAI's default, auto)."],
            ["type": "object", "required": ["type"], "additionalProperties": false, "properties": ["type": ["const": "auto"]]],
            [
                "type": "object", "required": ["type", "static"],
                "properties": [
                    "type": ["const": "static"],
                    "static": [
                        "type": "object", "required": ["max_chunk_size_tokens", "chunk_overlap_tokens"],
                        "properties": [
                            "max_chunk_size_tokens": ["type": "integer", "minimum": 100, "maximum": 4096],
                            "chunk_overlap_tokens": [
                                "type": "integer", "minimum": 0, "maximum": 2048, "description": "At most max_chunk_size_tokens / 2.",
                            ],
                        ],
                    ],
                ],
            ],
        ]
    ]

    static let attributesSchema: JSONValue = [
        "type": ["object", "null"], "maxProperties": 16, "propertyNames": ["maxLength": 64],
        "additionalProperties": ["oneOf": [["type": "string", "maxLength": 512], ["type": "number"], ["type": "boolean"]]],
    ]

    static let metadataSchema: JSONValue = [
        "type": ["object", "null"], "maxProperties": 16, "propertyNames": ["maxLength": 64],
        "additionalProperties": ["type": "string", "maxLength": 512],
    ]

    static let expiresAfterSchema: JSONValue = [
        "type": ["object", "null"], "required": ["anchor", "days"],
        "properties": ["anchor": ["const": "last_active_at"], "days": ["type": "integer", "minimum": 1, "maximum": 365]],
    ]

    static let fileIDsSchema: JSONValue = ["type": "array", "items": ["type": "string", "pattern": "^file-."]]

    static var vectorStoreSchemas: JSONObject {
        let file: JSONObject = [
            "file_id": ["type": "string", "pattern": "^file-."], "attributes": attributesSchema, "chunking_strategy": chunkingStrategySchema,
        ]
        let addFile = forwardedBody(
            ["type": "object", "required": ["file_id"], "properties": .object(file)],
            endpoint: "POST /vector_stores/{vector_store_id}/files"
        )
        let batch = forwardedBody(
            [
                "type": "object", "description": "Exactly one of file_ids and files (null is the member left out).",
                "properties": [
                    "file_ids": ["type": "array", "minItems": 1, "maxItems": 2000, "items": ["type": "string", "pattern": "^file-."]],
                    "files": ["type": "array", "minItems": 1, "maxItems": 2000, "items": addFile], "attributes": attributesSchema,
                    "chunking_strategy": chunkingStrategySchema,
                ],
                "oneOf": [
                    ["required": ["file_ids"], "properties": ["file_ids": ["type": "array"]]],
                    ["required": ["files"], "properties": ["files": ["type": "array"]]],
                ],
            ],
            endpoint: "POST /vector_stores/{vector_store_id}/file_batches"
        )
        return [
            "CreateVectorStoreRequest": forwardedBody(
                [
                    "type": "object",
                    "properties": [
                        "name": ["type": "string"], "description": ["type": "string"], "file_ids": fileIDsSchema,
                        "chunking_strategy": chunkingStrategySchema, "expires_after": expiresAfterSchema, "metadata": metadataSchema,
                    ],
                ],
                endpoint: "POST /vector_stores"
            ),
            "UpdateVectorStoreRequest": forwardedBody(
                [
                    "type": "object",
                    "properties": ["name": ["type": ["string", "null"]], "expires_after": expiresAfterSchema, "metadata": metadataSchema],
                ],
                endpoint: "POST /vector_stores/{vector_store_id}"
            ),
            "CreateVectorStoreFileRequest": addFile,
            "UpdateVectorStoreFileRequest": forwardedBody(
                ["type": "object", "required": ["attributes"], "properties": ["attributes": attributesSchema]],
                endpoint: "POST /vector_stores/{vector_store_id}/files/{file_id}"
            ),
            "CreateVectorStoreFileBatchRequest": batch,
            "VectorStoreSearchRequest": forwardedBody(
                [
                    "type": "object", "required": ["query"],
                    "properties": [
                        "query": ["oneOf": [["type": "string"], ["type": "array", "minItems": 1, "items": ["type": "string"]]]],
                        "max_num_results": ["type": "integer", "minimum": 1, "maximum": 50, "default": 10],
                        "rewrite_query": ["type": "boolean"],
                        "ranking_options": [
                            "type": "object",
                            "properties": [
                                "ranker": ["type": "string", "enum": ["none", "auto", "default-2024-11-15"]],
                                "score_threshold": ["type": "number", "minimum": 0, "maximum": 1],
                            ],
                        ],
                        "filters": ["$ref": "#/components/schemas/VectorStoreSearchFilter"],
                    ],
                ],
                endpoint: "POST /vector_stores/{vector_store_id}/search"
            ),
            "VectorStoreSearchFilter": [
                "oneOf": [
                    [
                        "type": "object", "required": ["type", "key", "value"],
                        "properties": [
                            "type": ["type": "string", "enum": ["eq", "ne", "gt", "gte", "lt", "lte"]],
                            "key": ["type": "string", "minLength": 1],
                            "value": [
                                "oneOf": [
                                    ["type": "string"], ["type": "number"], ["type": "boolean"],
                                    ["type": "array", "minItems": 1, "items": ["type": ["string", "number"]]],
                                ]
                            ],
                        ],
                    ],
                    [
                        "type": "object", "required": ["type", "key", "value"],
                        "properties": [
                            "type": ["type": "string", "enum": ["in", "nin"]],
                            "key": ["type": "string", "minLength": 1],
                            "value": ["type": "array", "minItems": 1, "items": ["type": ["string", "number"]]],
                        ],
                    ],
                    [
                        "type": "object", "required": ["type", "filters"],
                        "properties": [
                            "type": ["type": "string", "enum": ["and", "or"]],
                            "filters": ["type": "array", "minItems": 1, "items": ["$ref": "#/components/schemas/VectorStoreSearchFilter"]],
                        ],
                    ],
                ]
            ],
        ]
    }
}
