import Foundation
import HTTPTypes
import Hummingbird
import OpenAIClient

/// One problem with a request parameter: which parameter (a JSON path such as `tools[0].container`),
/// what is wrong, and what to do about it.
public struct ValidationProblem: Sendable, Hashable {
    public var parameter: String
    public var message: String
    public var hint: String?

    public init(parameter: String, message: String, hint: String? = nil) {
        self.parameter = parameter
        self.message = message
        self.hint = hint
    }

    public var json: JSONValue {
        ["parameter": .string(parameter), "message": .string(message), "hint": JSONValue(hint)]
    }
}

/// The gateway's one error type. Every failure a client sees is rendered from it as the JSON body
/// of the reference app (seed-behavior §4.2):
/// `{statusCode, timestamp, path, message, error_code, parameter, hint, request_id, upstream_request_id,
///   openai_error, rate_limit_info, retry_after_seconds, errors}`. `request_id` is the gateway's own id
/// (`X-Request-Id`, the logs' `request_id`); `upstream_request_id` is OpenAI's, when OpenAI answered.
public struct GatewayError: Error, Sendable, HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var errorCode: String
    public var parameter: String?
    public var hint: String?
    /// The upstream `x-request-id`, when the failure came from the upstream (`upstream_request_id` in the body).
    public var requestID: String?
    /// `{type, code, param, message}` as OpenAI sent them.
    public var openAIError: JSONValue?
    public var rateLimitInfo: RateLimitInfo?
    public var retryAfterSeconds: Double?
    /// Every validation problem, when there were several.
    public var problems: [ValidationProblem]
    /// Upstream attempts made before this error (for logs).
    public var attempts: Int?
    /// The upstream call that failed, e.g. `POST /v1/responses` (for logs).
    public var endpoint: String?
    /// A 405's `Allow` header: the methods the path serves.
    public var allowedMethods: [String]?
    /// Further response headers (the gateway's own `x-ratelimit-*` on its 429s, `WWW-Authenticate` on a 401).
    public var headers: HTTPFields = [:]

    public init(
        status: HTTPResponse.Status,
        message: String,
        errorCode: String,
        parameter: String? = nil,
        hint: String? = nil,
        requestID: String? = nil,
        openAIError: JSONValue? = nil,
        rateLimitInfo: RateLimitInfo? = nil,
        retryAfterSeconds: Double? = nil,
        problems: [ValidationProblem] = [],
        attempts: Int? = nil
    ) {
        self.status = status
        self.message = message
        self.errorCode = errorCode
        self.parameter = parameter
        self.hint = hint
        self.requestID = requestID
        self.openAIError = openAIError
        self.rateLimitInfo = rateLimitInfo
        self.retryAfterSeconds = retryAfterSeconds
        self.problems = problems
        self.attempts = attempts
    }

    public var description: String { "GatewayError(\(status.code) \(errorCode): \(message))" }

    /// An error the gateway raises itself, with the status, message and hint of its code in
    /// ``HintCatalogue/gatewayCodes``.
    /// - Parameter message: a more specific message than the catalogue's.
    public init(code: String, message: String? = nil, parameter: String? = nil) {
        let entry = HintCatalogue.gatewayCodes[code]
        self.init(
            status: HTTPResponse.Status(code: entry?.status ?? 500),
            message: message ?? entry?.message ?? code,
            errorCode: code,
            parameter: parameter,
            hint: entry?.hint
        )
    }

    /// A 400 listing every validation problem; the first one names `parameter` and `hint`.
    public static func validation(_ problems: [ValidationProblem]) -> GatewayError {
        let first = problems.first
        let message =
            problems.count == 1
            ? (first?.message ?? "Invalid request")
            : "Request validation failed with \(problems.count) problems: " + problems.map(\.message).joined(separator: "; ")
        return GatewayError(
            status: .badRequest,
            message: message,
            errorCode: "validation_error",
            parameter: first?.parameter,
            hint: first?.hint,
            problems: problems
        )
    }

    /// The JSON body for a request to `path`.
    /// - Parameter requestID: the gateway's id of the request (`X-Request-Id`).
    public func body(path: String, requestID gatewayRequestID: String?, timestamp: Date = Date()) -> JSONValue {
        var object = JSONObject()
        object["statusCode"] = .int(Int64(status.code))
        object["timestamp"] = .string(InteractionLogEntry.timestamp(timestamp))
        object["path"] = .string(path)
        object["message"] = .string(message)
        object["error_code"] = .string(errorCode)
        object["parameter"] = JSONValue(parameter)
        object["hint"] = hint.map(JSONValue.string)
        object["request_id"] = gatewayRequestID.map(JSONValue.string)
        object["upstream_request_id"] = requestID.map(JSONValue.string)
        object["openai_error"] = openAIError
        if let rateLimitInfo { object["rate_limit_info"] = rateLimitInfo.json }
        object["retry_after_seconds"] = retryAfterSeconds.map(JSONValue.double)
        if !problems.isEmpty { object["errors"] = .array(problems.map(\.json)) }
        return .object(object)
    }

    /// The error as a response, in the error style of the request's route group (``ErrorStyle``).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ErrorStyle(path: request.uri.path).response(
            for: self,
            path: request.uri.description,
            requestID: (context as? GatewayRequestContext)?.requestID
        )
    }

    /// The error as the call record keeps it.
    var summary: ErrorSummary {
        ErrorSummary(status: Int(status.code), errorCode: errorCode, message: message)
    }

    /// The `Retry-After` header of a 429: whole seconds, finite and at most a day (an upstream may
    /// send anything in retry-after).
    var retryAfterHeader: String? {
        guard let retryAfterSeconds, status == .tooManyRequests || status == .serviceUnavailable else { return nil }
        let seconds = retryAfterSeconds.isFinite ? min(max(retryAfterSeconds, 0), 86_400) : 60
        return String(Int(seconds.rounded(.up)))
    }

    /// OpenAI's error shape, for `/v1`: `{"error": {"message", "type", "param", "code"}}`. The message
    /// ends with the hint, so a client that shows only the message still learns what to do.
    public var openAIBody: JSONValue {
        let text = hint.map { "\(message). \($0)" } ?? message
        return [
            "error": [
                "message": .string(text),
                "type": .string(Self.openAIType(status: Int(status.code))),
                "param": JSONValue(parameter),
                "code": .string(errorCode),
            ]
        ]
    }

    /// OpenAI's `error.type` for a status, as its SDKs expect.
    static func openAIType(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }
}
