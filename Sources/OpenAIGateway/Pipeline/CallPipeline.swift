import NIOCore
import OpenAIClient

/// Where finished calls go: the interaction log now; metrics and the usage ledger are further sinks.
///
/// `record(_:)` is called once per request, on the request's task, after the response has ended: it
/// must return at once (queue the work) and never throw.
public protocol CallRecordSink: Sendable {
    func record(_ call: CallRecord)
    /// Whether this sink wants one ``StreamEventRecord`` per relayed stream event (debug logging).
    var wantsEvents: Bool { get }
    func event(_ event: StreamEventRecord)
    /// A server-sent event response started being written to the client (the open-streams gauge).
    func streamOpened()
    /// That response ended (completed, failed or the client left).
    func streamClosed()
}

extension CallRecordSink {
    public var wantsEvents: Bool { false }
    public func event(_ event: StreamEventRecord) {}
    public func streamOpened() {}
    public func streamClosed() {}
}

/// One relayed stream event, for sinks that want them.
public struct StreamEventRecord: Sendable {
    public var requestID: String
    public var api: String
    public var frame: ServerSentEvent
}

/// The one place a finished call goes through: its answer is read for id, model and usage, it is
/// priced by ``Metering``, and it is handed to every sink.
public struct CallPipeline: Sendable {
    public let sinks: [any CallRecordSink]
    public let metering: Metering
    /// Masks the API key in what the upstream told about the call (its request id, an error message
    /// quoting what it was sent) before any sink stores or prints it.
    let scrubber: SecretScrubber
    let wantsEvents: Bool

    public init(sinks: [any CallRecordSink], metering: Metering, secrets: [String] = []) {
        self.sinks = sinks
        self.metering = metering
        self.scrubber = SecretScrubber(secrets: secrets)
        self.wantsEvents = sinks.contains { $0.wantsEvents }
    }

    func finish(_ record: CallRecord, answer: ByteBuffer?, describe: (@Sendable (JSONValue) -> JSONObject)?) {
        var record = record
        if let answer { Self.read(answer, into: &record, describe: describe) }
        if !scrubber.isEmpty {
            record.upstreamRequestID = record.upstreamRequestID.map(scrubber.scrub)
            if let message = record.error?.message { record.error?.message = scrubber.scrub(message) }
        }
        metering.price(&record)
        for sink in sinks { sink.record(record) }
    }

    func event(_ event: StreamEventRecord) {
        for sink in sinks where sink.wantsEvents { sink.event(event) }
    }

    func streamOpened() { for sink in sinks { sink.streamOpened() } }
    func streamClosed() { for sink in sinks { sink.streamClosed() } }

    /// Reads the upstream answer's `id`, `model` and `usage`, and the API-specific members.
    static func read(_ answer: ByteBuffer, into record: inout CallRecord, describe: (@Sendable (JSONValue) -> JSONObject)?) {
        guard let json = try? JSONValue(parsing: answer), json.objectValue != nil else { return }
        if record.objectID == nil, let id = json["id"]?.stringValue { record.objectID = id }
        if let model = json["model"]?.stringValue { record.model = model }
        if record.usage == nil, let usage = TokenUsage(json: json["usage"]) { record.usage = usage }
        // A transcription's own duration (verbose_json, or whisper's `usage: {type: duration, seconds}`).
        if case .audioSeconds = record.units, let seconds = json["duration"]?.doubleValue ?? json["usage"]?["seconds"]?.doubleValue {
            record.units = .audioSeconds(seconds, source: "upstream")
        }
        // A billed video job whose request did not say its length (a remix, an edit): the answer's.
        if record.units == .none, record.usageRole != .reference, json["object"]?.stringValue == "video",
            let seconds = json["seconds"]?.stringValue.flatMap(Double.init)
        {
            record.units = .videoSeconds(seconds, size: json["size"]?.stringValue)
        }
        guard let describe else { return }
        for (key, value) in describe(json) where value != .null || record.extra[key] == nil {
            record.extra[key] = value
        }
    }
}

/// The one place that turns a call's model, usage and units into a cost, from the model catalogue.
public struct Metering: Sendable {
    public let costs: CostEstimator

    public init(costs: CostEstimator) {
        self.costs = costs
    }

    /// Sets `cost` and, when it is nil or zero, `costNote`.
    /// An estimate (``UsageRole/estimate``) is not a charge: its price goes to `estimated_cost_usd`
    /// and `cost` stays nil, so summing costs counts each charge once.
    public func price(_ record: inout CallRecord) {
        (record.cost, record.costNote) = cost(of: record)
        if record.usageRole == .estimate, let estimate = record.cost {
            record.extra["estimated_cost_usd"] = .double((estimate * 1e8).rounded() / 1e8)
            record.cost = nil
        }
    }

    func cost(of record: CallRecord) -> (Double?, String?) {
        if case .free = record.units { return (0, "free_endpoint") }
        let hasUnits = record.units != .none
        guard record.usage != nil || hasUnits else { return (nil, nil) }
        guard record.usageRole != .reference else { return (nil, "usage_for_reference") }
        guard let model = record.model else { return (nil, "no_model") }
        guard costs.catalogue.model(model) != nil else { return (nil, "unknown_model") }
        let price: Double?
        switch record.units {
        case .none, .free:
            price = record.usage.flatMap { costs.cost(model: model, usage: $0) }
        case .speechCharacters(let characters):
            price = costs.speechCost(model: model, characters: characters)
        case .audioSeconds(let seconds, _):
            price = costs.transcriptionCost(model: model, durationSeconds: seconds, usage: record.usage)
            if price == nil, seconds == nil { return (nil, "no_audio_duration") }
        case .images(let images):
            if let usage = record.usage, costs.catalogue.model(model)?.prices.tokens != nil {
                price = costs.cost(model: model, usage: usage)
            } else {
                let each = images.map { costs.imageCost(model: model, size: $0.size, quality: $0.quality, count: $0.count) }
                price = each.contains(nil) ? nil : each.compactMap { $0 }.reduce(0, +)
            }
        case .videoSeconds(let seconds, let size):
            price = costs.videoCost(model: model, seconds: seconds, size: size)
        }
        return price.map { ($0, record.usageRole == .estimate ? "estimate" : nil) } ?? (nil, "no_price_for_model")
    }
}
