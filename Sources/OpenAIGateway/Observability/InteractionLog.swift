import Foundation
import OpenAIClient

/// How much the interaction log records, from least to most verbose (`LOG_LEVEL`).
/// An entry is written when its level is at or below the configured one.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case error, warn, info, debug, verbose

    /// Parses a `LOG_LEVEL` value, case-insensitively; accepts `warning` and `trace` as aliases.
    public init?(parsing text: String) {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "warning": self = .warn
        case "trace": self = .verbose
        default:
            guard let level = LogLevel(rawValue: value) else { return nil }
            self = level
        }
    }

    private var rank: Int {
        switch self {
        case .error: 0
        case .warn: 1
        case .info: 2
        case .debug: 3
        case .verbose: 4
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// The `stream` member of a request summary.
public struct StreamSummary: Sendable, Hashable {
    public var outcome: StreamOutcome
    public var events: Int
    /// Further members (`first_event_ms`, `last_event_type`, ...), written after `outcome` and `events`.
    public var extra: JSONObject

    public init(outcome: StreamOutcome, events: Int, extra: JSONObject = [:]) {
        self.outcome = outcome
        self.events = events
        self.extra = extra
    }

    public var json: JSONValue {
        var object: JSONObject = ["outcome": .string(outcome.rawValue), "events": .int(Int64(events))]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }
}

/// The `error` member of a request summary.
public struct ErrorSummary: Sendable, Hashable {
    public var status: Int
    public var errorCode: String?
    public var message: String

    public init(status: Int, errorCode: String?, message: String) {
        self.status = status
        self.errorCode = errorCode
        self.message = message
    }

    public var json: JSONValue {
        var object: JSONObject = ["status": .int(Int64(status))]
        if let errorCode { object["error_code"] = .string(errorCode) }
        object["message"] = .string(message)
        return .object(object)
    }
}

/// One line of the interaction log: which API file it goes to, its level, and its members in order.
public struct InteractionLogEntry: Sendable {
    /// The log file: `responses`, `files`, `audio`, `images`, `videos`, `vector_stores` or `gateway`.
    public var api: String
    public var level: LogLevel
    /// Members as written, in order (redacted by the writer before they reach disk).
    public var fields: JSONObject
    /// When the entry happened; picks the day directory of the file.
    public var date: Date

    public init(api: String, level: LogLevel, fields: JSONObject, date: Date = Date()) {
        self.api = api
        self.level = level
        self.fields = fields
        self.date = date
    }

    /// The summary of one gateway request, members in the documented order:
    /// `timestamp, level, request_id, api, method, route, path, endpoint, status, attempts, latency_ms,
    /// first_byte_ms, bytes_in, bytes_out, upstream_request_id, object_id, model, usage, cost_usd,
    /// cost_note, outcome, stream, error`, then `extra` (a member whose name is taken: `object_<name>`).
    /// `nil` values are left out, except `cost_usd`, which is `null` when unknown.
    ///
    /// - Parameters:
    ///   - endpoint: the upstream call, e.g. `"POST /v1/responses"`.
    ///   - costUSD: the estimate from `CostEstimator`, `nil` when it could not be priced.
    public static func request(
        level: LogLevel = .info,
        requestID: String?,
        api: String,
        method: String?,
        route: String?,
        path: String? = nil,
        endpoint: String?,
        status: Int?,
        attempts: Int? = nil,
        latencyMs: Double?,
        firstByteMs: Double? = nil,
        bytesIn: Int? = nil,
        bytesOut: Int? = nil,
        upstreamRequestID: String? = nil,
        objectID: String? = nil,
        model: String? = nil,
        usage: TokenUsage? = nil,
        costUSD: Double? = nil,
        costNote: String? = nil,
        outcome: String? = nil,
        stream: StreamSummary? = nil,
        error: ErrorSummary? = nil,
        extra: JSONObject = [:],
        date: Date = Date()
    ) -> InteractionLogEntry {
        var fields: JSONObject = [:]
        fields["timestamp"] = .string(timestamp(date))
        fields["level"] = .string(level.rawValue)
        fields["request_id"] = requestID.map(JSONValue.string)
        fields["api"] = .string(api)
        fields["method"] = method.map(JSONValue.string)
        fields["route"] = route.map(JSONValue.string)
        fields["path"] = path.map(JSONValue.string)
        fields["endpoint"] = endpoint.map(JSONValue.string)
        fields["status"] = status.map { .int(Int64($0)) }
        fields["attempts"] = attempts.map { .int(Int64($0)) }
        fields["latency_ms"] = latencyMs.map { .double(loggedMilliseconds($0)) }
        fields["first_byte_ms"] = firstByteMs.map { .double(loggedMilliseconds($0)) }
        fields["bytes_in"] = bytesIn.map { .int(Int64($0)) }
        fields["bytes_out"] = bytesOut.map { .int(Int64($0)) }
        fields["upstream_request_id"] = upstreamRequestID.map(JSONValue.string)
        fields["object_id"] = objectID.map(JSONValue.string)
        fields["model"] = model.map(JSONValue.string)
        fields["usage"] = usage?.json
        fields["cost_usd"] = costUSD.map { .double(loggedCost($0)) } ?? .null
        fields["cost_note"] = costNote.map(JSONValue.string)
        fields["outcome"] = outcome.map(JSONValue.string)
        fields["stream"] = stream?.json
        fields["error"] = error?.json
        // An API member named like a core field (a file's or a video's `status`) is kept as `object_<name>`,
        // never dropped.
        for (key, value) in extra { fields[fields[key] == nil ? key : "object_" + key] = value }
        return InteractionLogEntry(api: api, level: level, fields: fields, date: date)
    }

    /// A duration as the log (and the ledger) records it: milliseconds to the microsecond.
    public static func loggedMilliseconds(_ milliseconds: Double) -> Double { (milliseconds * 1000).rounded() / 1000 }

    /// A cost as the log (and the ledger) records it: USD to 1e-8.
    public static func loggedCost(_ usd: Double) -> Double { (usd * 1e8).rounded() / 1e8 }

    /// ISO-8601 in UTC with milliseconds: `2026-11-05T09:41:07.123Z`.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (days, msOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (dayNumber, ms) = msOfDay < 0 ? (days - 1, msOfDay + 86_400_000) : (days, msOfDay)
        let (year, month, day) = civil(fromDays: dayNumber)
        let seconds = ms / 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2))"
            + ":\(pad(seconds % 60, 2)).\(pad(ms % 1000, 3))Z"
    }

    /// The UTC day of `date` as `YYYY-MM-DD` (the log's directory name).
    public static func day(_ date: Date) -> String {
        String(timestamp(date).prefix(10))
    }

    /// Howard Hinnant's civil_from_days (proleptic Gregorian, days since 1970-01-01).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
