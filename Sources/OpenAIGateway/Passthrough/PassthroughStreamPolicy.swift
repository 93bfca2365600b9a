import NIOCore
import OpenAIClient

/// The `/v1` stream relay: the upstream's SSE bytes go to the client unchanged, chunk by chunk, while a
/// tap beside them decodes the events to find the call's id, model, usage and how the stream ended.
///
/// When the gateway asked a Chat Completions stream for its usage (`stream_options.include_usage`) on the
/// client's behalf, the events are re-framed instead: the usage-only chunk is kept for metering and not
/// sent, and the `"usage":null` member the upstream then adds to every chunk is removed, so the client
/// sees the stream it asked for.
struct PassthroughStreamPolicy: StreamRelayPolicy {
    /// Whether the gateway added `include_usage` to a Chat Completions request.
    let strippingInjectedUsage: Bool
    private var tap = ServerSentEventParser()
    private(set) var eventCount = 0
    private(set) var lastSequence: Int?
    private var usage: TokenUsage?
    /// Seconds of audio an upstream reported (`usage: {type: "duration", seconds}`).
    private var audioSeconds: Double?
    private var model: String?
    private var objectID: String?
    /// How the upstream said the stream ended: `[DONE]`, `response.completed`, an error event...
    private var terminal: StreamOutcome?
    /// Bytes of generated text in the deltas relayed (Responses `*.delta`, Chat `delta.content`), for a
    /// stream cut short before its usage.
    private var deltaBytes = 0
    /// Whether the bytes forwarded so far end inside an event.
    private(set) var midEvent = false

    /// The largest event the tap holds (``GatewayConfiguration/maxEventBytes``).
    let maxEventBytes: Int

    init(strippingInjectedUsage: Bool, maxEventBytes: Int = 8 * 1024 * 1024) {
        self.strippingInjectedUsage = strippingInjectedUsage
        self.maxEventBytes = maxEventBytes
    }

    mutating func step(for chunk: ByteBuffer, path: String, requestID: String) -> RelayStep {
        tap.append(chunk)
        var rewritten = ByteBuffer()
        var events = 0
        // What the client gets, one entry per event, for the per-event debug log.
        var sent: [ServerSentEvent] = []
        while let event = tap.nextEvent() {
            events += 1
            let kept = inspect(event)
            if let kept { sent.append(kept) }
            if strippingInjectedUsage, let kept { ServerSentEventEncoder.write(kept, into: &rewritten) }
        }
        eventCount += events
        if tap.pendingByteCount > maxEventBytes {
            // An event larger than the limit: the stream ends inside it (so no error frame fits there).
            midEvent = true
            return RelayStep(
                bytes: strippingInjectedUsage ? rewritten : chunk,
                eventsInBytes: events,
                eventsForLog: sent,
                end: .upstreamDropped,
                error: GatewayError(upstream: OpenAIError.eventTooLarge(limit: maxEventBytes))
            )
        }
        if !strippingInjectedUsage { midEvent = !Self.endsAtEventBoundary(chunk, after: midEvent) }
        return RelayStep(bytes: strippingInjectedUsage ? rewritten : chunk, eventsInBytes: events, eventsForLog: sent)
    }

    /// Whether `chunk` ends with the blank line that ends an event (or is empty and the bytes before ended so).
    private static func endsAtEventBoundary(_ chunk: ByteBuffer, after midEvent: Bool) -> Bool {
        let bytes = chunk.readableBytesView
        guard let last = bytes.last else { return !midEvent }
        guard last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") else { return false }
        let tail = Array(bytes.suffix(4))
        return tail.suffix(2) == [0x0A, 0x0A] || tail.suffix(2) == [0x0D, 0x0D] || tail == [0x0D, 0x0A, 0x0D, 0x0A]
    }

    /// The upstream ended its response normally: the stream is complete as sent, whatever its API
    /// (a transcription stream ends after `transcript.text.done` with no `[DONE]`). A broken connection
    /// is a failure of the body instead, which ends the relay with an `error` event.
    mutating func upstreamEnded() -> RelayStep {
        RelayStep(end: terminal ?? .completed)
    }

    /// An error the gateway adds itself (the upstream broke off, or the gateway shuts down): an SSE
    /// `error` event with OpenAI's error object, which the SDKs raise.
    mutating func errorFrame(_ error: GatewayError, path: String, requestID: String) -> ServerSentEvent {
        ServerSentEvent(event: "error", data: error.openAIBody.jsonString)
    }

    var incompleteError: GatewayError { GatewayError(code: "stream_incomplete") }

    var shutdownHint: String { "Send the request again once the gateway is back; a Responses stream can be resumed with starting_after." }

    func annotate(_ record: inout CallRecord) {
        if let usage { record.usage = usage }
        if let model { record.model = model }
        if let objectID { record.objectID = objectID }
        if let audioSeconds { record.units = .audioSeconds(audioSeconds, source: "upstream") }
    }

    // MARK: - The tap

    private static let doneData = "[DONE]"
    private static let usageObject = Array(#""usage":{"#.utf8)
    private static let nullUsageMembers = [Array(#","usage":null"#.utf8), Array(#""usage":null,"#.utf8)]

    /// Reads what the call record needs from one event, parsing its JSON only when it can carry it.
    /// Returns the event as the client should see it when the stream is re-framed (nil: not sent).
    private mutating func inspect(_ event: ServerSentEvent) -> ServerSentEvent? {
        if event.data == Self.doneData {
            terminal = terminal ?? .completed
            return event
        }
        switch event.event {
        case "response.created", "response.in_progress", "response.queued":
            readResponse(event, terminal: nil)
        case "response.completed":
            readResponse(event, terminal: .completed)
        case "response.incomplete":
            readResponse(event, terminal: .incomplete)
        case "response.failed", "error":
            readResponse(event, terminal: .failed)
        default:
            if let sequence = event.id.flatMap(Int.init) { lastSequence = sequence }
            if let name = event.event, name.hasSuffix(".delta") {
                deltaBytes += Self.stringBytes(after: Self.deltaMember, in: Array(event.data.utf8))
                return event
            }
            return inspectChatChunk(event)
        }
        return event
    }

    func estimatedUsage(inputTokens: Int) -> TokenUsage? {
        guard objectID != nil else { return nil }
        return TokenUsage.estimated(input: inputTokens, outputBytes: deltaBytes)
    }

    private static let deltaMember = Array(#""delta":""#.utf8)
    private static let contentMember = Array(#""content":""#.utf8)

    /// The length in bytes of the JSON string that follows `member` (escapes count as one byte each).
    static func stringBytes(after member: [UInt8], in bytes: [UInt8]) -> Int {
        guard let start = bytes.firstIndex(ofRun: member) else { return 0 }
        var index = start + member.count
        var length = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            length += 1
        }
        return length
    }

    private mutating func readResponse(_ event: ServerSentEvent, terminal outcome: StreamOutcome?) {
        if let outcome { terminal = outcome }
        guard let json = try? JSONValue(parsing: Array(event.data.utf8)) else { return }
        if let sequence = json["sequence_number"]?.intValue { lastSequence = sequence }
        guard let response = json["response"] else { return }
        if let id = response["id"]?.stringValue { objectID = id }
        if let model = response["model"]?.stringValue { self.model = model }
        if let usage = TokenUsage(json: response["usage"]) { self.usage = usage }
    }

    /// Chat Completions (and Completions) chunks: `data: {...}` with no event name.
    private mutating func inspectChatChunk(_ event: ServerSentEvent) -> ServerSentEvent? {
        let bytes = Array(event.data.utf8)
        deltaBytes += Self.stringBytes(after: Self.contentMember, in: bytes)
        let first = objectID == nil
        let carriesUsage = bytes.containsRun(Self.usageObject)
        guard first || carriesUsage || bytes.containsRun(Array(#""error""#.utf8)) else {
            return strippingInjectedUsage ? withoutNullUsage(event, bytes) : event
        }
        guard let json = try? JSONValue(parsing: bytes) else { return event }
        if json["error"] != nil, json["choices"] == nil { terminal = .failed }
        if first, let id = json["id"]?.stringValue { objectID = id }
        if let model = json["model"]?.stringValue { self.model = model }
        if carriesUsage, let seconds = json["usage"]?["seconds"]?.doubleValue { audioSeconds = seconds }
        if carriesUsage, let usage = TokenUsage(json: json["usage"]) {
            self.usage = usage
            // The usage-only chunk the gateway asked for: not part of the client's stream.
            if strippingInjectedUsage, json["choices"]?.arrayValue?.isEmpty == true { return nil }
        }
        return strippingInjectedUsage ? withoutNullUsage(event, bytes) : event
    }

    /// The event without the `"usage":null` member the upstream adds when usage was asked for.
    private func withoutNullUsage(_ event: ServerSentEvent, _ bytes: [UInt8]) -> ServerSentEvent {
        for member in Self.nullUsageMembers {
            guard let start = bytes.firstIndex(ofRun: member) else { continue }
            var edited = event
            edited.data = String(decoding: bytes[..<start] + bytes[(start + member.count)...], as: UTF8.self)
            return edited
        }
        return event
    }
}

/// An upstream body as relay events: each chunk is one event (nothing is buffered between chunks).
struct BodyChunks<Body: AsyncSequence & Sendable>: AsyncSequence, Sendable where Body.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let body: Body

    struct AsyncIterator: BufferedEventIterator {
        var base: Body.AsyncIterator
        mutating func next() async throws -> ByteBuffer? { try await base.next() }
        mutating func nextBuffered() throws -> ByteBuffer? { nil }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator()) }
}
