import OpenAIClient

extension GatewayOpenAPI {
    /// The operator's routes behind `GATEWAY_ADMIN_KEY`: `/metrics`, `/dashboard`, `/admin/usage`, `/admin/calls`.
    static var adminPaths: JSONObject {
        let guardNote =
            " Needs GATEWAY_ADMIN_KEY as `Authorization: Bearer …`, `X-Api-Key`, or the password of HTTP Basic "
            + "(open without an admin key only with GATEWAY_AUTH=none)."
        // A UTC date or an RFC 3339 time (anything else is a 400 naming the parameter).
        let start: JSONValue = [
            "oneOf": [["type": "string", "format": "date"], ["type": "string", "format": "date-time"]],
            "examples": ["2026-11-01", "2026-11-01T08:30:00Z"],
        ]
        let end: JSONValue = [
            "oneOf": [["type": "string", "format": "date"], ["type": "string", "format": "date-time"]],
            "examples": ["2026-12-01", "2026-12-01T08:30:00Z"],
        ]
        return [
            "/metrics": [
                "get": operation(
                    "metrics",
                    "Prometheus metrics",
                    "Prometheus text format 0.0.4: requests by route template, method and status; latency and time-to-first-byte "
                        + "histograms by route; upstream attempts and retries by endpoint template; billed tokens and cost by model and "
                        + "key; open streams; the usage ledger's queue depth, written, spilled and replayed rows." + guardNote,
                    tag: "Admin",
                    success: ("200", ["description": "The metrics.", "content": ["text/plain": ["schema": ["type": "string"]]]]),
                    errors: [401]
                )
            ],
            "/dashboard": [
                "get": operation(
                    "dashboard",
                    "Usage dashboard",
                    "A self-contained page (works offline) that reads /admin/usage and /admin/calls: spend per day as a chart, tokens "
                        + "and cost by key and by model, the top routes by latency, recent errors. `?days=N` sets the window "
                        + "(default 30)." + guardNote,
                    tag: "Admin",
                    parameters: [
                        queryParameter(
                            "days",
                            "Days up to today (UTC) to show, 1-366 (another value is a 400 naming days).",
                            ["type": "integer", "minimum": 1, "maximum": 366, "default": 30]
                        )
                    ],
                    success: ("200", ["description": "The page.", "content": ["text/html": ["schema": ["type": "string"]]]]),
                    errors: [400, 401]
                )
            ],
            "/admin/usage": [
                "get": operation(
                    "usage",
                    "Usage totals from the ledger",
                    "Requests, errors (status 400 or more), input, output, cached and total tokens, cost, average and p95 latency per "
                        + "group, and over the whole window, from the usage ledger: the same numbers as its rows. Tokens of calls that "
                        + "only report another call's usage (retrieves, polls) are not counted twice." + guardNote,
                    tag: "Admin",
                    parameters: [
                        queryParameter(
                            "from",
                            "Start (inclusive): a UTC date or an RFC 3339 time, before to. Default: 30 days before to.",
                            start
                        ),
                        queryParameter("to", "End (exclusive): an RFC 3339 time, or a UTC date meaning the end of that day. Default: now.", end),
                        queryParameter(
                            "group_by",
                            "How to group the rows.",
                            ["type": "string", "enum": ["key", "model", "route", "day"], "default": "day"]
                        ),
                        queryParameter(
                            "format",
                            "json, or csv (one row per group, then a total row).",
                            ["type": "string", "enum": ["json", "csv"], "default": "json"]
                        ),
                    ],
                    success: (
                        "200",
                        [
                            "description": "The report.",
                            "content": [
                                "application/json": ["schema": ["$ref": "#/components/schemas/UsageReport"]],
                                "text/csv": ["schema": ["type": "string"]],
                            ],
                        ]
                    ),
                    errors: [400, 401]
                )
            ],
            "/admin/calls": [
                "get": operation(
                    "recentCalls",
                    "Recent calls from the ledger",
                    "The most recent ledger rows, newest first (for recent errors: `errors=true`)." + guardNote,
                    tag: "Admin",
                    parameters: [
                        queryParameter("limit", "How many rows.", ["type": "integer", "minimum": 1, "maximum": 500, "default": 50]),
                        queryParameter("errors", "true: only rows with a status of 400 or more.", ["type": "string", "enum": ["true", "false"]]),
                        queryParameter("key", "Only this key id (`none`: calls made without a key).", ["type": "string"]),
                        queryParameter("route", "Only this route template, e.g. /api/responses/text.", ["type": "string"]),
                    ],
                    success: ("200", jsonResponse("The rows.", ref: "CallList")),
                    errors: [400, 401]
                )
            ],
        ]
    }

    static var adminSchemas: JSONObject {
        let number: JSONValue = ["type": "number"]
        let integer: JSONValue = ["type": "integer"]
        let totals: JSONObject = [
            "requests": integer, "errors": integer, "input_tokens": integer, "output_tokens": integer, "cached_tokens": integer,
            "total_tokens": integer, "cost_usd": number, "avg_latency_ms": ["type": ["number", "null"]],
            "p95_latency_ms": ["type": ["number", "null"]],
        ]
        var group = totals
        group["group"] = ["type": "string", "description": "The key id, model, route template or day (YYYY-MM-DD)."]
        group["key_name"] = ["type": ["string", "null"], "description": "With group_by=key."]
        let text: JSONValue = ["type": ["string", "null"]]
        let count: JSONValue = ["type": ["integer", "null"]]
        let call: JSONObject = [
            "ts": ["type": "string", "format": "date-time"], "request_id": ["type": "string"], "key_id": text, "key_name": text,
            "method": ["type": "string"], "route": text, "path": text, "endpoint": text, "model": text, "status": count,
            "outcome": ["type": "string"], "attempts": count, "latency_ms": number, "first_byte_ms": ["type": ["number", "null"]],
            "input_tokens": count, "cached_tokens": count, "output_tokens": count, "total_tokens": count,
            "cost_usd": ["type": ["number", "null"]], "cost_estimated": ["type": "boolean"], "error_code": text, "object_id": text,
            "upstream_request_id": text,
        ]
        return [
            "UsageReport": [
                "type": "object", "required": ["object", "from", "to", "group_by", "groups", "totals"],
                "properties": [
                    "object": ["type": "string", "const": "usage"],
                    "from": ["type": "string", "format": "date-time"], "to": ["type": "string", "format": "date-time"],
                    "group_by": ["type": "string", "enum": ["key", "model", "route", "day"]],
                    "groups": ["type": "array", "items": ["type": "object", "properties": .object(group)]],
                    "totals": ["type": "object", "properties": .object(totals)],
                ],
            ],
            "CallList": [
                "type": "object", "required": ["object", "data"],
                "properties": [
                    "object": ["type": "string", "const": "list"],
                    "data": ["type": "array", "items": ["type": "object", "properties": .object(call)]],
                ],
            ],
        ]
    }
}
