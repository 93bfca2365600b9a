import OpenAIClient

extension GatewayOpenAPI {
    /// `/admin/keys`: the access keys (behind `GATEWAY_ADMIN_KEY`).
    static var adminKeyPaths: JSONObject {
        let limits: JSONValue = [
            "type": "object",
            "properties": [
                "rpm": ["type": ["integer", "null"], "description": "Requests per minute."],
                "tpm": [
                    "type": ["integer", "null"],
                    "description": "Tokens per minute (input estimate plus the output a request may produce, settled after).",
                ],
                "max_streams": ["type": ["integer", "null"], "description": "Streams open at once."],
                "budget_usd": ["type": ["number", "null"], "description": "USD per budget period; the worst case is reserved before each call."],
                "budget_period": ["type": "string", "enum": ["day", "month"]],
            ],
        ]
        let key: JSONValue = [
            "type": "object",
            "required": ["object", "id", "name", "prefix", "status", "created_at", "limits"],
            "properties": [
                "object": ["type": "string", "enum": ["gateway.key"]],
                "id": ["type": "string", "example": "key_4Qk8ZBbKxrsf"],
                "name": ["type": "string"],
                "prefix": ["type": "string", "description": "The first characters of the secret, to recognise it.", "example": "gk_7Oi_pLJ…"],
                "status": ["type": "string", "enum": ["active", "revoked", "expired"]],
                "created_at": ["type": "string", "format": "date-time"],
                "expires_at": ["type": ["string", "null"], "format": "date-time"],
                "revoked_at": ["type": ["string", "null"], "format": "date-time"],
                "rotated_at": ["type": ["string", "null"], "format": "date-time"],
                "models": ["type": ["array", "null"], "items": ["type": "string"]],
                "routes": ["type": ["array", "null"], "items": ["type": "string"]],
                "limits": limits,
            ],
        ]
        let issued: JSONValue = [
            "allOf": [
                key,
                [
                    "type": "object", "required": ["secret"],
                    "properties": ["secret": ["type": "string", "description": "The key itself: shown in this answer only.", "example": "gk_…"]],
                ],
            ]
        ]
        let create: JSONValue = [
            "required": true,
            "content": [
                "application/json": [
                    "schema": [
                        "type": "object", "required": ["name"], "additionalProperties": false,
                        "properties": [
                            "name": ["type": "string", "minLength": 1, "maxLength": 100, "example": "team-a"],
                            "expires_at": ["type": "string", "description": "RFC 3339 time or a date.", "example": "2027-01-31"],
                            "expires_in": ["type": "string", "pattern": "^[1-9][0-9]*[dhm]$", "example": "30d"],
                            "models": ["type": "array", "minItems": 1, "items": ["type": "string", "minLength": 1], "example": ["gpt-4o-mini"]],
                            "routes": [
                                "type": "array", "minItems": 1, "items": ["type": "string", "pattern": "^/"],
                                "description": "Path patterns: `*` is one segment, a trailing `**` any rest.", "example": ["/v1/**"],
                            ],
                            "rpm": ["type": "integer", "minimum": 1], "tpm": ["type": "integer", "minimum": 1],
                            "max_streams": ["type": "integer", "minimum": 1],
                            "budget_usd": ["type": "number", "minimum": 0], "budget_period": ["type": "string", "enum": ["day", "month"]],
                        ],
                    ]
                ]
            ],
        ]
        let id: JSONValue = ["name": "id", "in": "path", "required": true, "schema": ["type": "string"]]
        func json(_ description: String, _ schema: JSONValue) -> JSONValue {
            ["description": .string(description), "content": ["application/json": ["schema": schema]]]
        }
        let admin = "Needs GATEWAY_ADMIN_KEY as `Authorization: Bearer …` (or X-Api-Key, or HTTP Basic's password)."
        return [
            "/admin/keys": [
                "post": operation(
                    "createKey",
                    "Create an access key",
                    "The answer carries the key's secret, once. " + admin,
                    tag: "Admin",
                    body: create,
                    success: ("201", json("The key and its secret.", issued)),
                    errors: [400, 401]
                ),
                "get": operation(
                    "listKeys",
                    "List the access keys",
                    "Never their secrets. `include_revoked=true` lists revoked keys too. " + admin,
                    tag: "Admin",
                    parameters: [["name": "include_revoked", "in": "query", "schema": ["type": "boolean", "default": false]]],
                    success: (
                        "200",
                        json(
                            "The keys.",
                            ["type": "object", "properties": ["object": ["type": "string"], "data": ["type": "array", "items": key]]]
                        )
                    ),
                    errors: [400, 401]
                ),
            ],
            "/admin/keys/{id}": [
                "get": operation(
                    "getKey",
                    "Show an access key",
                    admin,
                    tag: "Admin",
                    parameters: [id],
                    success: ("200", json("The key.", key)),
                    errors: [401]
                ),
                "delete": operation(
                    "revokeKey",
                    "Revoke an access key",
                    "It stops working at once on this replica, within KEY_CACHE_MS on others. " + admin,
                    tag: "Admin",
                    parameters: [id],
                    success: ("200", json("The revoked key.", key)),
                    errors: [401]
                ),
            ],
            "/admin/keys/{id}/rotate": [
                "post": operation(
                    "rotateKey",
                    "Give an access key a new secret",
                    "Same id, name, limits and usage; the old secret stops working. " + admin,
                    tag: "Admin",
                    parameters: [id],
                    success: ("200", json("The key and its new secret.", issued)),
                    errors: [401]
                )
            ],
        ]
    }

    /// With `GATEWAY_AUTH=keys` every /api and /v1 route may answer 401 (no or a bad access key) and 429 (the
    /// key's own limits): both are listed on each of their operations.
    static func withAccessAnswers(_ paths: JSONObject) -> JSONObject {
        var result = paths
        for (path, item) in paths where path.hasPrefix("/api/") || path.hasPrefix("/v1/") {
            guard var operations = item.objectValue else { continue }
            for (method, operation) in operations {
                guard var operation = operation.objectValue, var responses = operation["responses"]?.objectValue else { continue }
                for status in ["401", "429"] where responses[status] == nil {
                    responses[status] = [
                        "description": .string(errorDescriptions[Int(status) ?? 0] ?? "Error."),
                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/ErrorBody"]]],
                    ]
                }
                operation["responses"] = .object(responses)
                operations[method] = .object(operation)
            }
            result[path] = .object(operations)
        }
        return result
    }
}
