import Hummingbird
import OpenAIClient

extension GatewayError {
    /// The error a client sees for a failed upstream call (seed-behavior §4.2–4.4, with the §8 fixes).
    ///
    /// - Upstream HTTP errors keep OpenAI's `{type, code, param, message}` in `openai_error`, the
    ///   `x-request-id` in `request_id`, and for 429 the rate-limit headers and a numeric
    ///   `retry_after_seconds` (the `Retry-After` header is rendered from it).
    /// - 5xx becomes 502; network failures become 503/504 with an errno-style `error_code`.
    /// - Nothing from the request headers is echoed and `error.cause` (for logs only) is not used,
    ///   so the API key cannot leak into a body.
    public init(upstream error: OpenAIError) {
        self.init(classifying: error)
        endpoint = error.endpoint
        attempts = error.attempts
    }

    private init(classifying error: OpenAIError) {
        switch error.kind {
        case .http:
            self = Self.fromHTTP(error)
        case .timeout:
            self = Self.network(error, "timeout_error")
        case .connectionRefused:
            self = Self.network(error, "ECONNREFUSED")
        case .connectionReset:
            self = Self.network(error, "ECONNRESET")
        case .dnsFailure:
            self = Self.network(error, "ENOTFOUND")
        case .hostUnreachable:
            self = Self.network(error, "EHOSTUNREACH")
        case .invalidResponse:
            self = Self.network(error, "bad_upstream_response")
            requestID = error.requestID
        case .busy:
            self = GatewayError(code: "upstream_busy", message: error.message)
            retryAfterSeconds = 1
            attempts = error.attempts
        case .outOfDescriptors:
            self = GatewayError(code: "gateway_out_of_descriptors")
            retryAfterSeconds = 1
            attempts = error.attempts
        case .responseTooLarge:
            self = Self.network(error, "upstream_response_too_large")
            requestID = error.requestID
        case .stream:
            let known = error.code.flatMap(HintCatalogue.entry(for:))
            self = GatewayError(
                status: .badGateway,
                message: error.message,
                errorCode: "stream_error",
                parameter: error.param,
                hint: known?.hint ?? "The upstream stream failed part way. Retry the request; events already received are not replayed.",
                requestID: error.requestID,
                // A bare `nil` here would become `JSONValue.null` (JSONValue is ExpressibleByNilLiteral).
                openAIError: error.type != nil || error.code != nil ? Self.openAIErrorObject(error) : JSONValue?.none,
                attempts: error.attempts
            )
        default:
            self = Self.network(error, "network_error")
        }
    }

    /// `{type, code, param, message}` as OpenAI sent them (never the whole upstream body).
    static func openAIErrorObject(_ error: OpenAIError, defaultType: String? = nil) -> JSONValue {
        [
            "type": JSONValue(error.type ?? defaultType),
            "code": JSONValue(error.code),
            "param": JSONValue(error.param),
            "message": .string(error.message),
        ]
    }

    private static func network(_ error: OpenAIError, _ code: String) -> GatewayError {
        var result = GatewayError(code: code)
        result.hint = (result.hint ?? "") + retriedNote(error)
        result.attempts = error.attempts
        return result
    }

    private static func retriedNote(_ error: OpenAIError) -> String {
        error.attempts > 1 ? " (The gateway already tried \(error.attempts) times.)" : ""
    }

    private static func fromHTTP(_ error: OpenAIError) -> GatewayError {
        let upstreamStatus = error.status ?? 502
        let known = error.code.flatMap { HintCatalogue.openAICodes[$0] }
        var result = GatewayError(
            status: HTTPResponse.Status(code: upstreamStatus),
            message: error.message,
            errorCode: "api_error",
            parameter: error.param,
            hint: known?.hint,
            requestID: error.requestID,
            openAIError: openAIErrorObject(error),
            attempts: error.attempts
        )
        switch upstreamStatus {
        case 429:
            let info = error.rateLimit.isEmpty ? nil : error.rateLimit
            result.rateLimitInfo = info
            if error.code == "insufficient_quota" || error.type == "insufficient_quota" {
                let quota = HintCatalogue.openAICodes["insufficient_quota"]
                result.message = quota?.message ?? "OpenAI quota exceeded"
                result.errorCode = "insufficient_quota"
                result.hint = quota?.hint
            } else {
                result.message = "Rate limit exceeded"
                result.errorCode = "rate_limit_error"
                result.hint = "Please wait before making another request. Check rate_limit_info for detailed limits."
                result.retryAfterSeconds = error.retryAfter ?? 60
            }
        case 401:
            result.message = "Authentication failed with OpenAI API"
            result.errorCode = "authentication_error"
            result.hint = "Check OPENAI_API_KEY: it must be set to a valid, current key for the configured upstream (OPENAI_BASE_URL)."
        case 403:
            result.message = "Permission denied for OpenAI API resource"
            result.errorCode = "permission_denied_error"
            result.hint = known?.hint ?? "Your API key does not have access to this resource or feature."
        case 404:
            result.message = "Resource not found"
            result.errorCode = "not_found_error"
            result.hint = known?.hint ?? "The requested resource does not exist. Check the resource ID or URL."
        case 400:
            result = badRequest(error, base: result)
        case 500...:
            result.status = .badGateway
            result.message = "OpenAI API server error"
            result.errorCode = "server_error"
            result.hint = "This is an issue with OpenAI servers. Retry with exponential backoff." + retriedNote(error)
        default:
            // 409, 422 and other 4xx: the upstream's own words are the best explanation.
            result.hint = known?.hint ?? (error.attempts > 1 ? "The gateway already tried \(error.attempts) times." : nil)
        }
        return result
    }

    /// Upstream 400 (§4.4): the image and video tables decide status, message and hint; other codes
    /// get the generic message with the catalogue's hint when there is one.
    private static func badRequest(_ error: OpenAIError, base: GatewayError) -> GatewayError {
        var result = base
        result.openAIError = openAIErrorObject(error, defaultType: "invalid_request_error")
        let code = error.code
        if let code, let entry = HintCatalogue.imageCodes[code] ?? HintCatalogue.videoCodes[code] {
            result.status = HTTPResponse.Status(code: entry.status)
            result.message = entry.message
            result.errorCode = code
            result.hint = entry.hint
            return result
        }
        let known = code.flatMap { HintCatalogue.openAICodes[$0] }
        result.message = known?.message ?? "Invalid request to OpenAI API"
        result.errorCode = code ?? "invalid_request_error"
        result.hint = unknownFieldHint(error) ?? known?.hint ?? "Check your request parameters. See openai_error for details."
        return result
    }

    /// For an upstream `unknown_parameter`: the hint naming the nearest known field of the endpoint's body.
    static func unknownFieldHint(_ error: OpenAIError) -> String? {
        guard error.code == "unknown_parameter", let field = error.param, let endpoint = error.endpoint else { return nil }
        return KnownRequestFields.hint(unknown: field, endpoint: endpoint)
    }
}
