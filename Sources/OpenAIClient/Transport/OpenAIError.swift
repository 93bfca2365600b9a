import Foundation

/// The `x-ratelimit-*` headers of an upstream response, as sent (strings).
public struct RateLimitInfo: Sendable, Hashable, Codable {
    public var limitRequests: String?
    public var remainingRequests: String?
    public var resetRequests: String?
    public var limitTokens: String?
    public var remainingTokens: String?
    public var resetTokens: String?

    public init(
        limitRequests: String? = nil,
        remainingRequests: String? = nil,
        resetRequests: String? = nil,
        limitTokens: String? = nil,
        remainingTokens: String? = nil,
        resetTokens: String? = nil
    ) {
        self.limitRequests = limitRequests
        self.remainingRequests = remainingRequests
        self.resetRequests = resetRequests
        self.limitTokens = limitTokens
        self.remainingTokens = remainingTokens
        self.resetTokens = resetTokens
    }

    /// Reads the six headers through a lookup function (header names are lower-case).
    public init(header: (String) -> String?) {
        self.init(
            limitRequests: header("x-ratelimit-limit-requests"),
            remainingRequests: header("x-ratelimit-remaining-requests"),
            resetRequests: header("x-ratelimit-reset-requests"),
            limitTokens: header("x-ratelimit-limit-tokens"),
            remainingTokens: header("x-ratelimit-remaining-tokens"),
            resetTokens: header("x-ratelimit-reset-tokens")
        )
    }

    public var isEmpty: Bool {
        limitRequests == nil && remainingRequests == nil && resetRequests == nil && limitTokens == nil
            && remainingTokens == nil && resetTokens == nil
    }

    /// The seed's `rate_limit_info` object: only the headers that were present.
    public var json: JSONValue {
        var object = JSONObject()
        object["limit_requests"] = limitRequests.map(JSONValue.string)
        object["remaining_requests"] = remainingRequests.map(JSONValue.string)
        object["reset_requests"] = resetRequests.map(JSONValue.string)
        object["limit_tokens"] = limitTokens.map(JSONValue.string)
        object["remaining_tokens"] = remainingTokens.map(JSONValue.string)
        object["reset_tokens"] = resetTokens.map(JSONValue.string)
        return .object(object)
    }
}

/// A failure talking to the OpenAI API: an error response, a network failure, a timeout, or a
/// stream that failed after it started.
///
/// It keeps everything the upstream said (status, OpenAI's `type`/`code`/`param`/`message`,
/// `x-request-id`, the rate-limit headers and `retry-after`) so that the caller can explain the
/// failure without asking again.
public struct OpenAIError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new kinds are new static values, not new enum cases.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The upstream answered with a non-2xx status.
        public static let http = Kind("http")
        /// An attempt took longer than the configured timeout.
        public static let timeout = Kind("timeout")
        /// The connection was refused.
        public static let connectionRefused = Kind("connection_refused")
        /// The connection was reset or closed early.
        public static let connectionReset = Kind("connection_reset")
        /// The host name did not resolve.
        public static let dnsFailure = Kind("dns_failure")
        /// The host could not be reached.
        public static let hostUnreachable = Kind("host_unreachable")
        /// Any other network failure.
        public static let network = Kind("network")
        /// The upstream sent something that is not what the API promises.
        public static let invalidResponse = Kind("invalid_response")
        /// The stream reported an `error` event or failed part way.
        public static let stream = Kind("stream")
        /// The upstream response body was larger than the client accepts.
        public static let responseTooLarge = Kind("response_too_large")
        /// Every upstream connection for short calls was busy for longer than the slot wait (``UpstreamSlots``).
        public static let busy = Kind("busy")
        /// This process had no descriptor left to connect with (`EMFILE`/`ENFILE`): the gateway is full, the
        /// upstream is not at fault. Not retried: trying again at once only holds the client longer.
        public static let outOfDescriptors = Kind("out_of_descriptors")

        /// True for the kinds that mean the request never got an answer.
        public var isConnectionFailure: Bool {
            [.connectionRefused, .connectionReset, .dnsFailure, .hostUnreachable, .network, .timeout].contains(self)
        }
    }

    public var kind: Kind
    /// HTTP status of the upstream response, when there was one.
    public var status: Int?
    /// OpenAI's `error.type` (e.g. `invalid_request_error`).
    public var type: String?
    /// OpenAI's `error.code` (e.g. `rate_limit_exceeded`).
    public var code: String?
    /// OpenAI's `error.param`.
    public var param: String?
    /// OpenAI's `error.message`, or a description of the network failure.
    public var message: String
    /// The upstream `x-request-id`.
    public var requestID: String?
    public var rateLimit: RateLimitInfo
    /// The delay the upstream asked for (`retry-after-ms` or `retry-after`), in seconds.
    public var retryAfter: Double?
    /// The upstream error body as JSON, when it was JSON.
    public var body: JSONValue?
    /// The underlying transport error's description, for network failures (never contains the key).
    public var cause: String?
    /// How many attempts were made before giving up.
    public var attempts: Int
    /// The upstream's error answer as it was sent (status line aside): its headers and its body bytes
    /// (up to 1 MiB), so a pass-through can hand it to its client unchanged.
    public var responseHeaders: [(name: String, value: String)] = []
    public var responseBody: [UInt8] = []
    /// The upstream call that failed, as a template (`GET /v1/files/{id}`): the same label its
    /// success carries in ``OpenAIResponseMetadata/endpoint``. Set by the transport.
    public var endpoint: String?

    public init(
        kind: Kind,
        status: Int? = nil,
        type: String? = nil,
        code: String? = nil,
        param: String? = nil,
        message: String,
        requestID: String? = nil,
        rateLimit: RateLimitInfo = RateLimitInfo(),
        retryAfter: Double? = nil,
        body: JSONValue? = nil,
        cause: String? = nil,
        attempts: Int = 1
    ) {
        self.kind = kind
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.requestID = requestID
        self.rateLimit = rateLimit
        self.retryAfter = retryAfter
        self.body = body
        self.cause = cause
        self.attempts = attempts
    }

    /// The SDK-style message: `"<status> <message>"`, or just the message when there is no status.
    public var sdkMessage: String {
        if let status { return "\(status) \(message)" }
        return message
    }

    public var description: String {
        var parts = ["OpenAIError(\(kind)"]
        if let status { parts.append("status: \(status)") }
        if let code { parts.append("code: \(code)") }
        parts.append("message: \(message)")
        if let requestID { parts.append("request_id: \(requestID)") }
        return parts.joined(separator: ", ") + ")"
    }

    /// The OpenAI-shaped error object: `{message, type, param, code}`.
    public var openAIErrorObject: JSONValue {
        [
            "message": .string(message),
            "type": JSONValue(type),
            "param": JSONValue(param),
            "code": JSONValue(code),
        ]
    }
}

extension OpenAIError {
    /// Builds the error for a non-2xx upstream response from its status, headers and body.
    public static func fromResponse(
        status: Int,
        header: (String) -> String?,
        body: [UInt8],
        headers: [(name: String, value: String)] = [],
        attempts: Int = 1
    ) -> OpenAIError {
        let json = try? JSONValue(parsing: body)
        let errorObject = json?["error"]
        let message =
            errorObject?["message"]?.stringValue
            ?? json?["message"]?.stringValue
            ?? (body.isEmpty ? "status code \(status) (no body)" : String(decoding: body.prefix(500), as: UTF8.self))
        return OpenAIError(
            kind: .http,
            status: status,
            type: errorObject?["type"]?.stringValue,
            code: errorObject?["code"]?.stringValue ?? errorObject?["code"]?.intValue.map(String.init),
            param: errorObject?["param"]?.stringValue,
            message: message,
            requestID: header("x-request-id"),
            rateLimit: RateLimitInfo(header: header),
            retryAfter: RetryPolicy.retryAfterSeconds(header: header),
            body: json,
            attempts: attempts
        )
        .withResponse(headers: headers, body: body)
    }

    private func withResponse(headers: [(name: String, value: String)], body: [UInt8]) -> OpenAIError {
        var error = self
        error.responseHeaders = headers
        error.responseBody = body
        return error
    }
}
