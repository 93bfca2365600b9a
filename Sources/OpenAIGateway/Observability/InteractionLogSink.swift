import Foundation
import Logging
import OpenAIClient

/// The interaction log as a call-record sink: one JSON line per request in `<api>.log`, and at
/// `LOG_LEVEL=debug` one line per relayed stream event.
public struct InteractionLogSink: CallRecordSink {
    let writer: InteractionLogWriter
    /// Print a one-line summary of each call to the console (`NODE_ENV=development`).
    let consoleSummary: Bool
    let logger: Logger

    public init(writer: InteractionLogWriter, consoleSummary: Bool, logger: Logger) {
        self.writer = writer
        self.consoleSummary = consoleSummary
        self.logger = logger
    }

    public var wantsEvents: Bool { writer.isEnabled(.debug) }

    public func record(_ call: CallRecord) {
        let entry = Self.entry(for: call)
        writer.log(entry)
        if consoleSummary {
            let cost = call.cost.map { String(format: "$%.6f", $0) } ?? "-"
            let tokens = call.usage.map { String($0.total) } ?? "-"
            logger.info(
                "\(call.method) \(call.route ?? call.path) → \(call.status.map(String.init) ?? "-") in \(Int(call.latencyMs)) ms, tokens \(tokens), cost \(cost)"
            )
        }
    }

    public func event(_ event: StreamEventRecord) {
        var fields = JSONObject()
        fields["timestamp"] = .string(InteractionLogEntry.timestamp(Date()))
        fields["level"] = "debug"
        fields["request_id"] = .string(event.requestID)
        fields["api"] = .string(event.api)
        fields["event_type"] = .string(event.frame.event ?? "message")
        fields["sequence"] = event.frame.id.flatMap(Int64.init).map(JSONValue.int)
        fields["data"] = (try? JSONValue(parsing: event.frame.data)) ?? .string(event.frame.data)
        writer.log(InteractionLogEntry(api: event.api, level: .debug, fields: fields))
    }

    /// The log line of a finished call.
    static func entry(for call: CallRecord) -> InteractionLogEntry {
        let status = call.status ?? 0
        let level: LogLevel =
            status >= 500 ? .error : (status >= 400 || call.outcome == .failed || call.outcome == .upstreamDropped ? .warn : .info)
        var stream: StreamSummary?
        if let record = call.stream {
            var extra: JSONObject = ["frames": .int(Int64(record.frames))]
            if let last = record.lastSequence { extra["last_sequence"] = .int(Int64(last)) }
            if let first = record.firstEventMs { extra["first_event_ms"] = .double((first * 1000).rounded() / 1000) }
            stream = StreamSummary(outcome: record.outcome, events: record.events, extra: extra)
        }
        return InteractionLogEntry.request(
            level: level,
            requestID: call.requestID,
            api: call.api,
            method: call.method,
            route: call.route,
            path: call.route == nil ? call.path : nil,
            endpoint: call.endpoint,
            status: call.status,
            attempts: call.attempts,
            latencyMs: call.latencyMs,
            firstByteMs: call.firstByteMs,
            bytesIn: call.bytesIn,
            bytesOut: call.bytesOut,
            upstreamRequestID: call.upstreamRequestID,
            objectID: call.objectID,
            model: call.model,
            usage: call.usage,
            costUSD: call.cost,
            costNote: call.costNote,
            outcome: call.outcome.rawValue,
            stream: stream,
            error: call.error,
            extra: Self.extra(of: call)
        )
    }

    /// The API's members, after the access key (id and name, never the secret) and whether the usage is
    /// the gateway's own count.
    private static func extra(of call: CallRecord) -> JSONObject {
        guard call.key != nil || call.usageEstimated else { return call.extra }
        var extra: JSONObject = [:]
        if let key = call.key {
            extra["key_id"] = .string(key.keyID)
            extra["key_name"] = .string(key.keyName)
        }
        if call.usageEstimated { extra["usage_estimated"] = .bool(true) }
        for (name, value) in call.extra { extra[name] = value }
        return extra
    }
}
