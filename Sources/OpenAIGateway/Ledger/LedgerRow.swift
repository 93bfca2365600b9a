import Foundation
import OpenAIClient

/// One row of the usage ledger: a finished call record, every column of the `ledger` table.
///
/// The numbers are the ones the interaction log writes for the same call (latencies and cost rounded
/// the same way), so summing the ledger and summing the log agree. `Codable` with the column names as
/// keys: it is also one line of the spill file.
public struct LedgerRow: Sendable, Hashable, Codable {
    /// `requestID` for the request's own record, `requestID/entry` for a separate entry it made.
    public var id: String
    /// When the call finished, ms since 1970 (``StoreTime``).
    public var ts: Int64
    public var requestID: String
    public var keyID: String?
    public var keyName: String?
    public var method: String
    public var route: String?
    /// The path as received, only when no route matched (as in the log).
    public var path: String?
    public var api: String
    public var endpoint: String?
    public var model: String?
    public var status: Int?
    public var outcome: String
    public var attempts: Int?
    public var latencyMs: Double
    public var firstByteMs: Double?
    public var bytesIn: Int?
    public var bytesOut: Int
    public var inputTokens: Int?
    public var cachedTokens: Int?
    public var outputTokens: Int?
    public var reasoningTokens: Int?
    public var totalTokens: Int?
    /// `billed`, `reference` or `estimate` (``UsageRole``).
    public var usageRole: String
    public var usageEstimated: Bool
    /// What the call is billed by besides tokens, as compact JSON (``BillableUnits/json``); nil for none.
    public var units: String?
    public var costUSD: Double?
    public var costEstimated: Bool
    public var costNote: String?
    public var objectID: String?
    public var upstreamRequestID: String?
    public var errorCode: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, ts
        case requestID = "request_id"
        case keyID = "key_id"
        case keyName = "key_name"
        case method, route, path, api, endpoint, model, status, outcome, attempts
        case latencyMs = "latency_ms"
        case firstByteMs = "first_byte_ms"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case inputTokens = "input_tokens"
        case cachedTokens = "cached_tokens"
        case outputTokens = "output_tokens"
        case reasoningTokens = "reasoning_tokens"
        case totalTokens = "total_tokens"
        case usageRole = "usage_role"
        case usageEstimated = "usage_estimated"
        case units
        case costUSD = "cost_usd"
        case costEstimated = "cost_estimated"
        case costNote = "cost_note"
        case objectID = "object_id"
        case upstreamRequestID = "upstream_request_id"
        case errorCode = "error_code"
    }

    /// The row of a finished (priced) call record.
    /// - Parameters:
    ///   - record: as handed to the call record sinks.
    ///   - finishedAt: when the call finished (now, for a sink).
    public init(_ record: CallRecord, finishedAt: Date = Date()) {
        id = record.entry == 0 ? record.requestID : "\(record.requestID)/\(record.entry)"
        ts = StoreTime.milliseconds(finishedAt)
        requestID = record.requestID
        keyID = record.key?.keyID
        keyName = record.key?.keyName
        method = record.method
        route = record.route
        path = record.route == nil ? record.path : nil
        api = record.api
        endpoint = record.endpoint
        model = record.model
        status = record.status
        outcome = record.outcome.rawValue
        attempts = record.attempts
        latencyMs = InteractionLogEntry.loggedMilliseconds(record.latencyMs)
        firstByteMs = record.firstByteMs.map(InteractionLogEntry.loggedMilliseconds)
        bytesIn = record.bytesIn
        bytesOut = record.bytesOut
        inputTokens = record.usage?.input
        cachedTokens = record.usage?.cached
        outputTokens = record.usage?.output
        reasoningTokens = record.usage?.reasoning
        totalTokens = record.usage?.total
        usageRole =
            switch record.usageRole {
            case .billed: "billed"
            case .reference: "reference"
            case .estimate: "estimate"
            }
        usageEstimated = record.usageEstimated
        units = record.units.json.map { String(decoding: $0.jsonBytes, as: UTF8.self) }
        costUSD = record.cost.map(InteractionLogEntry.loggedCost)
        costEstimated = record.usageEstimated
        costNote = record.costNote
        objectID = record.objectID
        upstreamRequestID = record.upstreamRequestID
        errorCode = record.error?.errorCode
    }

    /// The `ledger` columns, in the order of ``values``.
    public static let columns: [String] = CodingKeys.allCases.map(\.stringValue)

    /// The row's values for an `INSERT`, in the order of ``columns``.
    public var values: [SQLValue] {
        [
            .text(id), .integer(ts), .text(requestID), SQLValue(keyID), SQLValue(keyName), .text(method), SQLValue(route),
            SQLValue(path), .text(api), SQLValue(endpoint), SQLValue(model), SQLValue(status), .text(outcome), SQLValue(attempts),
            .double(latencyMs), SQLValue(firstByteMs), SQLValue(bytesIn), .integer(Int64(bytesOut)), SQLValue(inputTokens),
            SQLValue(cachedTokens), SQLValue(outputTokens), SQLValue(reasoningTokens), SQLValue(totalTokens), .text(usageRole),
            SQLValue(usageEstimated), SQLValue(units), SQLValue(costUSD), SQLValue(costEstimated), SQLValue(costNote),
            SQLValue(objectID), SQLValue(upstreamRequestID), SQLValue(errorCode),
        ]
    }

    /// Reads a row back from the `ledger` table (`SELECT *`).
    public init?(_ row: SQLRow) {
        guard let id = row["id"].string, let ts = row["ts"].int64, let requestID = row["request_id"].string,
            let method = row["method"].string, let api = row["api"].string, let outcome = row["outcome"].string,
            let latencyMs = row["latency_ms"].double, let bytesOut = row["bytes_out"].int
        else { return nil }
        self.id = id
        self.ts = ts
        self.requestID = requestID
        keyID = row["key_id"].string
        keyName = row["key_name"].string
        self.method = method
        route = row["route"].string
        path = row["path"].string
        self.api = api
        endpoint = row["endpoint"].string
        model = row["model"].string
        status = row["status"].int
        self.outcome = outcome
        attempts = row["attempts"].int
        self.latencyMs = latencyMs
        firstByteMs = row["first_byte_ms"].double
        bytesIn = row["bytes_in"].int
        self.bytesOut = bytesOut
        inputTokens = row["input_tokens"].int
        cachedTokens = row["cached_tokens"].int
        outputTokens = row["output_tokens"].int
        reasoningTokens = row["reasoning_tokens"].int
        totalTokens = row["total_tokens"].int
        usageRole = row["usage_role"].string ?? "reference"
        usageEstimated = row["usage_estimated"].int == 1
        units = row["units"].string
        costUSD = row["cost_usd"].double
        costEstimated = row["cost_estimated"].int == 1
        costNote = row["cost_note"].string
        objectID = row["object_id"].string
        upstreamRequestID = row["upstream_request_id"].string
        errorCode = row["error_code"].string
    }
}

extension BillableUnits {
    /// The units as the ledger's `units` column holds them (compact JSON), nil for ``none``:
    /// `{"characters":120}`, `{"audio_seconds":3.5,"source":"upstream"}`,
    /// `{"images":[{"size":"1024x1024","quality":"high","count":2}]}`, `{"video_seconds":8,"size":"1280x720"}`,
    /// `{"free":true}`.
    public var json: JSONValue? {
        switch self {
        case .none: return nil
        case .free: return ["free": true]
        case .speechCharacters(let characters): return ["characters": .int(Int64(characters))]
        case .audioSeconds(let seconds, let source):
            var object: JSONObject = [:]
            object["audio_seconds"] = seconds.map(JSONValue.double) ?? .null
            object["source"] = source.map(JSONValue.string)
            return .object(object)
        case .images(let images):
            return [
                "images": .array(
                    images.map { image in
                        var object: JSONObject = [:]
                        object["size"] = image.size.map(JSONValue.string)
                        object["quality"] = image.quality.map(JSONValue.string)
                        object["count"] = .int(Int64(image.count))
                        return .object(object)
                    }
                )
            ]
        case .videoSeconds(let seconds, let size):
            var object: JSONObject = ["video_seconds": .double(seconds)]
            object["size"] = size.map(JSONValue.string)
            return .object(object)
        }
    }
}
