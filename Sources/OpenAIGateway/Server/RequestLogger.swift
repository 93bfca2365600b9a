import Foundation
import Hummingbird
import Logging
import OpenAIClient

/// Writes the interaction log entry of each request (off the request path: the writer queues it).
public struct RequestLogger: Sendable {
    let writer: InteractionLogWriter
    let costs: CostEstimator
    /// Print a one-line summary of each call to the console (`NODE_ENV=development`).
    let consoleSummary: Bool
    let logger: Logger

    /// The log file of a route: `/api/responses/...` → `responses`, `/api/vector-stores/...` → `vector_stores`.
    static func api(forPath path: String) -> String {
        let parts = path.split(separator: "/")
        guard parts.count >= 2, parts[0] == "api" else { return "gateway" }
        return parts[1].replacingOccurrences(of: "-", with: "_")
    }

    /// Logs a finished call.
    /// - Parameters:
    ///   - responseJSON: the upstream JSON, when there is one: its `model` and `usage` are logged and priced.
    ///   - cost: a cost computed by the caller (per character, per minute, per image...); otherwise the
    ///     token usage is priced from the catalogue.
    ///   - extra: API-specific members (file id, filename, bytes, purpose, characters, duration ...).
    func success(
        request: Request,
        context: GatewayRequestContext,
        status: Int,
        endpoint: String?,
        metadata: OpenAIResponseMetadata?,
        responseJSON: JSONValue?,
        requestModel: String? = nil,
        cost explicitCost: Double? = nil,
        extra: JSONObject = [:]
    ) {
        let model = responseJSON?["model"]?.stringValue ?? requestModel
        let usage = responseJSON?["usage"].flatMap(TokenUsage.init(json:))
        let cost = explicitCost ?? model.flatMap { model in usage.flatMap { costs.cost(model: model, usage: $0) } }
        write(
            InteractionLogEntry.request(
                requestID: context.requestID,
                api: Self.api(forPath: request.uri.path),
                method: request.method.rawValue,
                route: context.endpointPath ?? request.uri.path,
                endpoint: endpoint,
                status: status,
                attempts: metadata?.attempts,
                latencyMs: context.elapsedMilliseconds,
                upstreamRequestID: metadata?.requestID,
                model: model,
                usage: usage,
                costUSD: cost,
                extra: extra
            )
        )
    }

    /// Logs a failed request (validation, upstream or gateway error).
    func failure(request: Request, context: GatewayRequestContext, error: GatewayError) {
        write(
            InteractionLogEntry.request(
                level: error.status.code >= 500 ? .error : .warn,
                requestID: context.requestID,
                api: Self.api(forPath: request.uri.path),
                method: request.method.rawValue,
                route: context.endpointPath ?? request.uri.path,
                endpoint: error.endpoint,
                status: Int(error.status.code),
                attempts: error.attempts,
                latencyMs: context.elapsedMilliseconds,
                upstreamRequestID: error.requestID,
                error: ErrorSummary(status: Int(error.status.code), errorCode: error.errorCode, message: error.message)
            )
        )
    }

    /// Logs the summary of a relayed stream.
    func stream(
        request: Request,
        context: GatewayRequestContext,
        status: Int,
        endpoint: String,
        metadata: OpenAIResponseMetadata,
        result: RelayResult<ResponsesRelayPolicy>,
        requestModel: String?
    ) {
        let relay = result.policy.relay
        let model = relay.model ?? requestModel
        let usage = relay.usage.flatMap(TokenUsage.init(json:))
        let cost = model.flatMap { model in usage.flatMap { costs.cost(model: model, usage: $0) } }
        var extra: JSONObject = ["response_id": JSONValue(relay.responseID), "frames": .int(Int64(result.framesWritten))]
        if let last = relay.lastSequence { extra["last_sequence"] = .int(Int64(last)) }
        write(
            InteractionLogEntry.request(
                level: result.outcome == .failed ? .warn : .info,
                requestID: context.requestID,
                api: Self.api(forPath: request.uri.path),
                method: request.method.rawValue,
                route: context.endpointPath ?? request.uri.path,
                endpoint: endpoint,
                status: status,
                attempts: metadata.attempts,
                latencyMs: context.elapsedMilliseconds,
                upstreamRequestID: metadata.requestID,
                model: model,
                usage: usage,
                costUSD: cost,
                stream: StreamSummary(outcome: result.outcome, events: relay.eventCount, extra: extra),
                error: result.error.map {
                    ErrorSummary(status: Int($0.status.code), errorCode: $0.errorCode, message: $0.message)
                }
            )
        )
    }

    /// Logs one relayed event (debug level; skipped by the writer unless LOG_LEVEL is debug or verbose).
    func event(request: Request, context: GatewayRequestContext, frame: ServerSentEvent) {
        guard writer.isEnabled(.debug) else { return }
        var fields = JSONObject()
        fields["timestamp"] = .string(InteractionLogEntry.timestamp(Date()))
        fields["level"] = "debug"
        fields["request_id"] = .string(context.requestID)
        fields["api"] = .string(Self.api(forPath: request.uri.path))
        fields["event_type"] = .string(frame.event ?? "message")
        fields["sequence"] = frame.id.flatMap(Int64.init).map(JSONValue.int)
        fields["data"] = (try? JSONValue(parsing: frame.data)) ?? .string(frame.data)
        writer.log(InteractionLogEntry(api: Self.api(forPath: request.uri.path), level: .debug, fields: fields))
    }

    private func write(_ entry: InteractionLogEntry) {
        writer.log(entry)
        if consoleSummary {
            let f = entry.fields
            let cost = f["cost_usd"]?.doubleValue.map { String(format: "$%.6f", $0) } ?? "-"
            logger.info(
                "\(f["method"]?.stringValue ?? "") \(f["route"]?.stringValue ?? "") → \(f["status"]?.intValue.map(String.init) ?? "-") in \(Int(f["latency_ms"]?.doubleValue ?? 0)) ms, tokens \(f["usage"]?["total_tokens"]?.intValue.map(String.init) ?? "-"), cost \(cost)"
            )
        }
    }
}
