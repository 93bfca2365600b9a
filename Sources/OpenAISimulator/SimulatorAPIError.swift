import OpenAIClient

/// An error the simulator answers in OpenAI's shape:
/// `{"error":{"message":…,"type":…,"param":…,"code":…}}`.
struct SimulatorAPIError: Error, Sendable {
    var status: Int
    var message: String
    var type: String
    var param: String?
    var code: String?
    /// Adds `retry-after-ms` and `retry-after` headers.
    var retryAfterMs: Int?

    var body: JSONValue {
        [
            "error": [
                "message": .string(message),
                "type": .string(type),
                "param": JSONValue(param),
                "code": JSONValue(code),
            ]
        ]
    }

    static func invalidRequest(_ message: String, param: String?, code: String? = nil) -> SimulatorAPIError {
        SimulatorAPIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// `Unknown parameter: 'foo'.`, for a top-level member outside the spec's request body.
    static func unknownParameter(_ name: String) -> SimulatorAPIError {
        .invalidRequest("Unknown parameter: '\(name)'.", param: name, code: "unknown_parameter")
    }

    /// A model the simulator does not know (see ``SimulatorState/addModel(_:)``), as OpenAI words it.
    static func modelNotFound(_ model: String) -> SimulatorAPIError {
        SimulatorAPIError(
            status: 404,
            message: "The model `\(model)` does not exist or you do not have access to it.",
            type: "invalid_request_error",
            param: nil,
            code: "model_not_found"
        )
    }

    static func responseNotFound(_ id: String) -> SimulatorAPIError {
        SimulatorAPIError(status: 404, message: "Response with id '\(id)' not found.", type: "invalid_request_error", param: nil, code: nil)
    }

    static func invalidURL(method: String, path: String) -> SimulatorAPIError {
        SimulatorAPIError(status: 404, message: "Invalid URL (\(method) \(path))", type: "invalid_request_error", param: nil, code: nil)
    }

    static let malformedJSON = SimulatorAPIError.invalidRequest(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. "
            + "The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        param: nil
    )

    /// The error OpenAI sends for a status, as a fault answers it.
    static func forStatus(_ status: Int, retryAfterMs: Int? = nil) -> SimulatorAPIError {
        var error: SimulatorAPIError
        switch status {
        case 400:
            error = .invalidRequest("Invalid request (simulated fault).", param: nil)
        case 401:
            error = SimulatorAPIError(
                status: 401,
                message: "Incorrect API key provided: sk-sim***. You can find your API key at https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error",
                param: nil,
                code: "invalid_api_key"
            )
        case 403:
            error = SimulatorAPIError(
                status: 403,
                message: "You are not allowed to sample from this model (simulated fault).",
                type: "invalid_request_error",
                param: nil,
                code: "model_not_found"
            )
        case 404:
            error = SimulatorAPIError(status: 404, message: "Not found (simulated fault).", type: "invalid_request_error", param: nil, code: nil)
        case 408:
            error = SimulatorAPIError(status: 408, message: "Request timed out (simulated fault).", type: "timeout", param: nil, code: nil)
        case 409:
            error = SimulatorAPIError(
                status: 409,
                message: "Conflict (simulated fault).",
                type: "invalid_request_error",
                param: nil,
                code: "conflict"
            )
        case 413:
            error = SimulatorAPIError(
                status: 413,
                message: "Request too large (simulated fault).",
                type: "invalid_request_error",
                param: nil,
                code: "request_too_large"
            )
        case 429:
            error = SimulatorAPIError(
                status: 429,
                message: "Rate limit reached for requests (simulated fault). Please try again later.",
                type: "requests",
                param: nil,
                code: "rate_limit_exceeded"
            )
        case 503:
            error = SimulatorAPIError(
                status: 503,
                message: "The engine is currently overloaded, please try again later.",
                type: "server_error",
                param: nil,
                code: "service_unavailable"
            )
        case 500...599:
            error = SimulatorAPIError(
                status: status,
                message: "The server had an error while processing your request. Sorry about that!",
                type: "server_error",
                param: nil,
                code: "server_error"
            )
        default:
            error = SimulatorAPIError(
                status: status,
                message: "Simulated error with status \(status).",
                type: "invalid_request_error",
                param: nil,
                code: nil
            )
        }
        error.retryAfterMs = retryAfterMs
        return error
    }
}
