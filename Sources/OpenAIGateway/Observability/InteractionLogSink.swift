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
        if consoleSummary { logger.info("\(Self.consoleLine(for: call))") }
    }

    /// The console's line for a finished call: what happened, in words.
    /// `POST /api/responses/text/stream → 201 stream cancelled by client after 12 events, gpt-4o, 196 ms`;
    /// `GET /nope → 404 route_not_found: Cannot GET /nope, 0 ms`. The path is the one received (unknown
    /// routes included), never the query (it may carry an id the caller considers private).
    static func consoleLine(for call: CallRecord) -> String {
        var parts: [String] = []
        if let stream = call.stream {
            let events = "\(stream.events) event\(stream.events == 1 ? "" : "s")"
            switch stream.outcome {
            case .completed: parts.append("stream completed, \(events)")
            case .clientCancelled: parts.append("stream cancelled by client after \(events)")
            case .upstreamDropped: parts.append("stream dropped by the upstream after \(events)")
            case .incomplete: parts.append("stream incomplete after \(events)")
            case .failed: parts.append("stream failed after \(events)")
            case .truncated: parts.append("stream cut after \(events): the client stopped reading")
            }
        } else {
            switch call.outcome {
            case .completed, .failed, .incomplete: break
            case .clientCancelled: parts.append("client went away before the end")
            case .upstreamDropped: parts.append("the upstream broke off the answer")
            case .truncated: parts.append("cut after \(call.bytesOut) bytes: the client stopped reading")
            }
        }
        if let error = call.error {
            parts.append("\(error.errorCode ?? "error"): \(error.message.prefix(160))")
        }
        if let objectID = call.objectID { parts.append(objectID) }
        if let model = call.model { parts.append(model) }
        if let usage = call.usage { parts.append("\(usage.total) tokens\(call.usageEstimated ? " (estimated)" : "")") }
        if let cost = call.cost, cost > 0 { parts.append(String(format: "$%.6f", cost)) }
        if let attempts = call.attempts, attempts > 1 { parts.append("\(attempts) attempts") }
        parts.append("\(Int(call.latencyMs.rounded())) ms")
        let head = "\(call.method) \(call.path) → \(call.status.map(String.init) ?? "-")"
        return head + " " + parts.joined(separator: ", ")
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
            status >= 500
            ? .error : (status >= 400 || call.outcome == .failed || call.outcome == .upstreamDropped || call.outcome == .truncated ? .warn : .info)
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
