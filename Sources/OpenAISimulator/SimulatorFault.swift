import OpenAIClient

/// A failure the simulator plays on the next `count` requests that match `path` and `method`.
///
/// Sent over HTTP as `POST /__simulator/faults` with snake_case keys:
/// ```json
/// {"path": "/v1/responses", "method": "POST", "status": 429, "retry_after_ms": 250, "count": 2}
/// ```
/// `status` answers with an OpenAI-shaped error; the other fields shape a stream.
public struct SimulatorFault: Sendable, Codable, Equatable {
    /// An exact path (`/v1/responses`) or a prefix ending in `*` (`/v1/responses/*`).
    public var path: String
    /// HTTP method to match, case-insensitive; `nil` matches any.
    public var method: String?
    /// Answer with this status and an OpenAI error body instead of the real response.
    public var status: Int?
    /// How many matching requests the fault applies to before it is removed.
    public var count: Int
    /// With `status`: adds `retry-after-ms` and `retry-after` headers.
    public var retryAfterMs: Int?
    /// Waits this long before answering (or before the error).
    public var delayMs: Int?
    /// Pause between stream events for this request.
    public var eventDelayMs: Int?
    /// Closes the connection abruptly after this many stream events (no terminal event).
    public var dropAfterEvents: Int?
    /// After this many stream events, emits `response.failed` and ends the stream.
    public var failAfterEvents: Int?
    /// Extra events (objects with a `type`) inserted after `response.in_progress`.
    public var injectEvents: [JSONValue]?
    /// With `status`: the error's `message` and `param` instead of the status's usual ones (an upstream
    /// that quotes what it was sent, e.g. the key).
    public var errorMessage: String?
    public var errorParam: String?

    public init(
        path: String,
        method: String? = nil,
        status: Int? = nil,
        count: Int = 1,
        retryAfterMs: Int? = nil,
        delayMs: Int? = nil,
        eventDelayMs: Int? = nil,
        dropAfterEvents: Int? = nil,
        failAfterEvents: Int? = nil,
        injectEvents: [JSONValue]? = nil,
        errorMessage: String? = nil,
        errorParam: String? = nil
    ) {
        self.path = path
        self.method = method
        self.status = status
        self.count = count
        self.retryAfterMs = retryAfterMs
        self.delayMs = delayMs
        self.eventDelayMs = eventDelayMs
        self.dropAfterEvents = dropAfterEvents
        self.failAfterEvents = failAfterEvents
        self.injectEvents = injectEvents
        self.errorMessage = errorMessage
        self.errorParam = errorParam
    }

    enum CodingKeys: String, CodingKey {
        case path, method, status, count
        case retryAfterMs = "retry_after_ms"
        case delayMs = "delay_ms"
        case eventDelayMs = "event_delay_ms"
        case dropAfterEvents = "drop_after_events"
        case failAfterEvents = "fail_after_events"
        case injectEvents = "inject_events"
        case errorMessage = "error_message"
        case errorParam = "error_param"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        method = try container.decodeIfPresent(String.self, forKey: .method)
        status = try container.decodeIfPresent(Int.self, forKey: .status)
        count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
        retryAfterMs = try container.decodeIfPresent(Int.self, forKey: .retryAfterMs)
        delayMs = try container.decodeIfPresent(Int.self, forKey: .delayMs)
        eventDelayMs = try container.decodeIfPresent(Int.self, forKey: .eventDelayMs)
        dropAfterEvents = try container.decodeIfPresent(Int.self, forKey: .dropAfterEvents)
        failAfterEvents = try container.decodeIfPresent(Int.self, forKey: .failAfterEvents)
        injectEvents = try container.decodeIfPresent([JSONValue].self, forKey: .injectEvents)
        errorMessage = try container.decodeIfPresent(String.self, forKey: .errorMessage)
        errorParam = try container.decodeIfPresent(String.self, forKey: .errorParam)
    }

    /// Whether this fault applies to a request.
    public func matches(method requestMethod: String, path requestPath: String) -> Bool {
        if let method, method.uppercased() != requestMethod.uppercased() { return false }
        if path.hasSuffix("*") {
            return requestPath.hasPrefix(String(path.dropLast()))
        }
        return requestPath == path
    }

    /// The fault as ordered JSON, for `GET /__simulator/faults`.
    public var json: JSONValue {
        var object: JSONObject = ["path": .string(path), "method": JSONValue(method), "status": JSONValue(status), "count": JSONValue(count)]
        object["retry_after_ms"] = JSONValue(retryAfterMs)
        object["delay_ms"] = JSONValue(delayMs)
        object["event_delay_ms"] = JSONValue(eventDelayMs)
        object["drop_after_events"] = JSONValue(dropAfterEvents)
        object["fail_after_events"] = JSONValue(failAfterEvents)
        object["inject_events"] = injectEvents.map(JSONValue.array) ?? .null
        return .object(object)
    }

    /// Parses the HTTP form of a fault from JSON.
    static func parse(_ value: JSONValue) throws(SimulatorAPIError) -> SimulatorFault {
        guard let object = value.objectValue else {
            throw .invalidRequest("The fault must be a JSON object.", param: nil)
        }
        guard let path = object["path"]?.stringValue, !path.isEmpty else {
            throw .invalidRequest("Missing required parameter: 'path'.", param: "path", code: "missing_required_parameter")
        }
        func int(_ key: String) throws(SimulatorAPIError) -> Int? {
            guard let raw = object[key], !raw.isNull else { return nil }
            guard let number = raw.intValue, number >= 0 else {
                throw .invalidRequest("Invalid '\(key)': expected a non-negative integer.", param: key, code: "invalid_type")
            }
            return number
        }
        var injected: [JSONValue]?
        if let raw = object["inject_events"], !raw.isNull {
            guard let events = raw.arrayValue, events.allSatisfy({ $0["type"]?.stringValue != nil }) else {
                throw .invalidRequest(
                    "Invalid 'inject_events': expected an array of objects with a 'type'.",
                    param: "inject_events",
                    code: "invalid_type"
                )
            }
            injected = events
        }
        let status = try int("status")
        if let status, !(400...599).contains(status) {
            throw .invalidRequest(
                "Invalid 'status': expected an HTTP error status (400-599), but got \(status).",
                param: "status",
                code: "invalid_value"
            )
        }
        return SimulatorFault(
            path: path,
            method: object["method"]?.stringValue,
            status: status,
            count: try int("count") ?? 1,
            retryAfterMs: try int("retry_after_ms"),
            delayMs: try int("delay_ms"),
            eventDelayMs: try int("event_delay_ms"),
            dropAfterEvents: try int("drop_after_events"),
            failAfterEvents: try int("fail_after_events"),
            injectEvents: injected
        )
    }
}
