import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAIClient
import ServiceLifecycle

/// An event iterator that also hands out the events that already arrived, without waiting: the relay
/// writes every event of one upstream read with one write (and one hand-off between its tasks).
protocol BufferedEventIterator: AsyncIteratorProtocol {
    mutating func nextBuffered() throws -> Element?
}

extension ServerSentEventSequence.AsyncIterator: BufferedEventIterator {}
extension ResponseEventStream.AsyncIterator: BufferedEventIterator {}

/// What a relay does with one upstream event.
struct RelayStep: Sendable {
    /// Bytes to write as they are, before `frame` (a pass-through forwards the upstream's own bytes).
    var bytes: ByteBuffer?
    /// How many whole events `bytes` completes (counted as frames relayed).
    var eventsInBytes = 0
    /// The events `bytes` completes, for the per-event debug log (a pass-through's tap fills it).
    var eventsForLog: [ServerSentEvent] = []
    /// The frame to write, or nil to skip the event.
    var frame: ServerSentEvent?
    /// Set when the stream ends after this event.
    var end: StreamOutcome?
    /// When the event is a failure. With `end == nil` one `error` frame with this body follows `frame`;
    /// with `end` set, `frame` already was the error frame.
    var error: GatewayError?
}

/// The part of a relay that differs between streams: how upstream events become frames.
protocol StreamRelayPolicy: Sendable {
    associatedtype Event: Sendable
    /// Maps one upstream event.
    mutating func step(for event: Event, path: String, requestID: String) -> RelayStep
    /// The `error` frame the gateway adds itself, numbered after the frames so far.
    mutating func errorFrame(_ error: GatewayError, path: String, requestID: String) -> ServerSentEvent
    /// The error when the upstream closes before a terminal event.
    var incompleteError: GatewayError { get }
    /// What a client should do when the gateway shuts down mid-stream.
    var shutdownHint: String { get }
    /// Upstream events seen so far.
    var eventCount: Int { get }
    /// The upstream sequence number of the last event, when the stream numbers its events.
    var lastSequence: Int? { get }
    /// Writes what the stream told about the call (model, usage, object id, extras) into its record.
    func annotate(_ record: inout CallRecord)
    /// What to do when the upstream body ends: by default the stream was cut short (no terminal event),
    /// which ends it with one `error` frame (``incompleteError``).
    mutating func upstreamEnded() -> RelayStep
    /// Whether the bytes written so far end inside an event (a pass-through forwarding raw chunks): then
    /// nothing of the gateway's own (keep-alive comment, error frame) may be written, or it would land
    /// in the middle of the upstream's event.
    var midEvent: Bool { get }
    /// The gateway's own count of a text stream's usage, for a stream that ended before the upstream
    /// reported its usage (the client went away): `inputTokens` as given, output ≈ the bytes of the text
    /// deltas relayed / 4. Nil for streams that are not text generation, or when nothing was generated.
    func estimatedUsage(inputTokens: Int) -> TokenUsage?
}

extension StreamRelayPolicy {
    var midEvent: Bool { false }
    func estimatedUsage(inputTokens: Int) -> TokenUsage? { nil }

    mutating func upstreamEnded() -> RelayStep {
        RelayStep(end: .upstreamDropped, error: incompleteError)
    }
}

/// How a relayed stream ended, with the policy's final state, for the call record.
struct RelayResult<Policy: StreamRelayPolicy>: Sendable {
    var outcome: StreamOutcome
    var policy: Policy
    var error: GatewayError?
    var framesWritten: Int
    var firstEventMs: Double?
}

/// Relays an upstream event stream to the client as `text/event-stream`.
///
/// - Each frame is written as soon as its event arrives.
/// - When nothing was written for `keepAliveInterval`, a `: keep-alive` comment is sent.
/// - A failure part way (upstream error event, broken connection, end without a terminal event) ends the
///   stream with exactly one `error` frame carrying the JSON error body.
/// - The client going away cancels the upstream request at once (inbound close → task cancellation).
/// - Graceful shutdown ends the stream with an `error` frame (503 `server_shutting_down`).
struct SSERelay<Events: AsyncSequence & Sendable, Policy: StreamRelayPolicy>: Sendable
where Events.Element == Policy.Event, Events.AsyncIterator: BufferedEventIterator {
    var status: HTTPResponse.Status
    var events: Events
    var policy: Policy
    var keepAliveInterval: Duration
    /// The client's request path (the `path` of error bodies).
    var path: String
    /// The request's call record: the relay writes the stream's summary, outcome and error into it.
    var call: CallRecorder
    var logger: Logger

    private enum Item: Sendable {
        /// Every event that arrived together (one upstream read): relayed with one write.
        case events([Policy.Event])
        case end
        case failure(GatewayError)
        case tick
        case shutdown
        case clientGone
    }

    /// The streamed response. `channel` is the client's connection: when the client goes away, the
    /// relay stops and the upstream request is cancelled at once.
    func response(channel: any Channel) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
        ]
        headers[.accelBuffering] = "no"
        let relay = self
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody { writer in
                let watcher = await ClientCloseWatcher.of(channel)
                try await relay.run(watcher: watcher, writer: &writer)
            }
        )
    }

    private func run(watcher: ClientCloseWatcher?, writer: inout any ResponseBodyWriter) async throws {
        var result = RelayResult(outcome: .clientCancelled, policy: policy, error: nil, framesWritten: 0)
        do {
            let (items, continuation) = AsyncStream<Item>.makeStream()
            // The reader waits until the writer has written each batch, so a slow client slows the
            // upstream read instead of making the gateway buffer the stream.
            let (written, writtenContinuation) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var acknowledgements = written.makeAsyncIterator()
                    var iterator = events.makeAsyncIterator()
                    do {
                        while let first = try await iterator.next() {
                            var batch = [first]
                            while let more = try iterator.nextBuffered() { batch.append(more) }
                            continuation.yield(.events(batch))
                            guard await acknowledgements.next() != nil else { break }
                        }
                        continuation.yield(.end)
                    } catch let error as OpenAIError {
                        continuation.yield(.failure(GatewayError(upstream: error)))
                    } catch is CancellationError {
                    } catch {
                        continuation.yield(.failure(GatewayError(upstream: OpenAITransport.classify(error, attempts: 1))))
                    }
                    continuation.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: keepAliveInterval)
                        continuation.yield(.tick)
                    }
                }
                group.addTask {
                    try await gracefulShutdown()
                    continuation.yield(.shutdown)
                }
                if let watcher {
                    group.addTask {
                        await watcher.waitForClose()
                        continuation.yield(.clientGone)
                    }
                }
                var lastWrite = ContinuousClock.now
                func finish(with error: GatewayError, outcome: StreamOutcome = .failed) async throws {
                    result.outcome = outcome
                    result.error = error
                    // Inside an upstream event an error frame would corrupt it: the stream just ends.
                    guard !result.policy.midEvent else { return }
                    try await writer.write(ServerSentEventEncoder.buffer(result.policy.errorFrame(error, path: path, requestID: call.requestID)))
                    result.framesWritten += 1
                }
                loop: for await item in items {
                    switch item {
                    case .events(let batch):
                        defer { writtenContinuation.yield() }
                        if result.firstEventMs == nil { result.firstEventMs = call.elapsedMilliseconds }
                        var out = ByteBuffer()
                        var ended = false
                        for event in batch {
                            let step = result.policy.step(for: event, path: path, requestID: call.requestID)
                            if let bytes = step.bytes {
                                out.writeImmutableBuffer(bytes)
                                result.framesWritten += step.eventsInBytes
                            }
                            for event in step.eventsForLog { call.streamEvent(event) }
                            if let frame = step.frame {
                                ServerSentEventEncoder.write(frame, into: &out)
                                result.framesWritten += 1
                                call.streamEvent(frame)
                            }
                            if let error = step.error {
                                result.outcome = .failed
                                result.error = error
                                if step.end == nil {
                                    // One `error` frame after the relayed one (otherwise the relayed frame was it).
                                    ServerSentEventEncoder.write(result.policy.errorFrame(error, path: path, requestID: call.requestID), into: &out)
                                    result.framesWritten += 1
                                }
                                ended = true
                            } else if let end = step.end {
                                result.outcome = end
                                ended = true
                            }
                            if ended { break }
                        }
                        if out.readableBytes > 0 {
                            try await writer.write(out)
                            lastWrite = .now
                        }
                        if ended { break loop }
                    case .end:
                        let step = result.policy.upstreamEnded()
                        if let error = step.error {
                            try await finish(with: error, outcome: step.end ?? .upstreamDropped)
                        } else {
                            result.outcome = step.end ?? .completed
                        }
                        break loop
                    case .failure(let error):
                        try await finish(with: error, outcome: .upstreamDropped)
                        break loop
                    case .tick:
                        if ContinuousClock.now - lastWrite >= keepAliveInterval * 0.9, !result.policy.midEvent {
                            try await writer.write(ByteBuffer(string: ServerSentEventEncoder.comment("keep-alive")))
                            lastWrite = .now
                        }
                    case .shutdown:
                        var error = GatewayError(code: "server_shutting_down")
                        error.hint = result.policy.shutdownHint
                        try await finish(with: error)
                        break loop
                    case .clientGone:
                        throw CancellationError()
                    }
                }
                writtenContinuation.finish()
                group.cancelAll()
            }
        } catch {
            // Inbound close (CancellationError) or a failed write: the client went away, or stopped
            // reading for the client write timeout and the gateway closed the connection.
            result.outcome = .clientCancelled
            logger.debug("Stream ended by the client", metadata: ["error": "\(String(describing: error))"])
        }
        if result.outcome == .clientCancelled, watcher?.writeTimedOut == true {
            call.cutByWriteTimeout()
            result.outcome = .truncated
        }
        let ended = result
        call.annotate { record in
            ended.policy.annotate(&record)
            // Cut short before the upstream said what it used: bill what the gateway counted, marked as estimated.
            if record.usage == nil, record.usageRole == .billed, [.clientCancelled, .upstreamDropped, .truncated].contains(ended.outcome),
                let estimate = ended.policy.estimatedUsage(inputTokens: max(1, (record.bytesIn ?? 0) / 4))
            {
                record.usage = estimate
                record.usageEstimated = true
            }
            record.outcome = ended.outcome
            record.stream = StreamRecord(
                outcome: ended.outcome,
                events: ended.policy.eventCount,
                frames: ended.framesWritten,
                lastSequence: ended.policy.lastSequence,
                firstEventMs: ended.firstEventMs
            )
            if let error = ended.error {
                record.error = error.summary
            }
        }
        if result.outcome != .clientCancelled, result.outcome != .truncated {
            try await writer.finish(nil)
        }
    }
}

/// The Responses API's policy: the reference app's event names and payloads (see ``ResponseEventRelay``).
struct ResponsesRelayPolicy: StreamRelayPolicy {
    var relay: ResponseEventRelay
    /// Events at or below this sequence number are skipped (resume).
    var startingAfter: Int?

    /// - Parameter imageMap: the image route's map (seed-behavior §3.4) instead of the text route's.
    init(startingAfter: Int?, imageMap: Bool = false) {
        self.relay = ResponseEventRelay(imageMap: imageMap)
        self.startingAfter = startingAfter
    }

    mutating func step(for event: ResponseStreamEvent, path: String, requestID: String) -> RelayStep {
        if let startingAfter, let sequence = event.sequenceNumber, sequence <= startingAfter { return RelayStep() }
        var frame = relay.frame(for: event)
        switch event.type {
        case "response.completed":
            return RelayStep(frame: frame.serverSentEvent, end: .completed)
        case "response.incomplete":
            return RelayStep(frame: frame.serverSentEvent, end: .incomplete)
        case "response.failed":
            // Relayed as the reference app does, then one `error` frame with the JSON error body.
            return RelayStep(frame: frame.serverSentEvent, error: Self.failedResponseError(relay.failure))
        case "error":
            // The upstream's own error event becomes the one `error` frame, at its own sequence number.
            let error = Self.streamErrorEventError(event.raw)
            var body = error.body(path: path, requestID: requestID).objectValue ?? JSONObject()
            body["sequence"] = .int(Int64(frame.sequence))
            frame.payload = .object(body)
            return RelayStep(frame: frame.serverSentEvent, end: .failed, error: error)
        default:
            return RelayStep(frame: frame.serverSentEvent)
        }
    }

    mutating func errorFrame(_ error: GatewayError, path: String, requestID: String) -> ServerSentEvent {
        relay.errorFrame(error, path: path, requestID: requestID).serverSentEvent
    }

    var incompleteError: GatewayError {
        GatewayError(
            status: .badGateway,
            message: "The upstream stream ended before the response completed",
            errorCode: "stream_incomplete",
            hint: "Resume with GET /api/responses/{id}/stream and Last-Event-ID, or retry."
        )
    }

    var shutdownHint: String {
        "Reconnect to GET /api/responses/{id}/stream with Last-Event-ID to continue where this stream stopped."
    }

    var eventCount: Int { relay.eventCount }
    var lastSequence: Int? { relay.lastSequence }

    func annotate(_ record: inout CallRecord) {
        if let id = relay.responseID { record.objectID = id }
        if let model = relay.model { record.model = model }
        if let usage = relay.usage.flatMap(TokenUsage.init(json:)) { record.usage = usage }
    }

    func estimatedUsage(inputTokens: Int) -> TokenUsage? {
        guard relay.responseID != nil else { return nil }
        let bytes = relay.fullText.utf8.count + relay.reasoning.utf8.count + relay.reasoningSummary.utf8.count
        return TokenUsage.estimated(input: inputTokens, outputBytes: bytes)
    }

    /// The error that a `response.failed` event stands for.
    static func failedResponseError(_ failure: JSONValue?) -> GatewayError {
        let code = failure?["code"]?.stringValue ?? "response_failed"
        let message = failure?["message"]?.stringValue ?? "The response failed upstream"
        return GatewayError(
            status: .badGateway,
            message: "The response failed: \(message)",
            errorCode: code,
            hint: "The model could not complete this response. Retry the request; if it keeps failing, check openai_error.",
            openAIError: ["type": "response_failed", "code": .string(code), "param": .null, "message": .string(message)]
        )
    }

    /// The error that an upstream `error` event stands for.
    static func streamErrorEventError(_ raw: JSONValue) -> GatewayError {
        GatewayError(
            upstream: OpenAIError(
                kind: .stream,
                type: raw["type"]?.stringValue,
                code: raw["code"]?.stringValue,
                param: raw["param"]?.stringValue,
                message: raw["message"]?.stringValue ?? "The upstream stream reported an error"
            )
        )
    }
}

/// The policy of the streams whose events carry no sequence number (transcriptions, the Images API):
/// `event:` = the upstream type, `data:` = the upstream JSON unchanged, `id:` = a running index from 0.
/// The stream has completed at `transcript.text.done`, or when every image has its
/// `image_generation.completed` / `image_edit.completed` event.
struct TypedEventRelayPolicy: StreamRelayPolicy {
    enum Kind: Sendable {
        case transcription
        /// `images`: how many final images the request asked for (`n`).
        case images(Int)

        var noun: String {
            switch self {
            case .transcription: "transcription"
            case .images: "image generation"
            }
        }
    }

    let kind: Kind
    /// Upstream events relayed.
    private(set) var events = 0
    private(set) var frames = 0
    /// The final text (`transcript.text.done`), or the deltas so far.
    private(set) var text = ""
    /// `usage` of the last event that had one.
    private(set) var usage: JSONValue?
    private(set) var partialImages = 0
    private(set) var completedImages = 0

    init(kind: Kind) {
        self.kind = kind
    }

    mutating func step(for event: ServerSentEvent, path: String, requestID: String) -> RelayStep {
        if ResponseStreamEvent.isDone(event) { return RelayStep() }
        let payload = try? JSONValue(parsing: event.data)
        let type = payload?["type"]?.stringValue ?? event.event ?? "message"
        if type == "error" {
            let raw = payload?["error"] ?? payload ?? .null
            return RelayStep(error: ResponsesRelayPolicy.streamErrorEventError(raw))
        }
        events += 1
        defer { frames += 1 }
        let frame = ServerSentEvent(event: type, data: event.data, id: String(frames))
        if let eventUsage = payload?["usage"], !eventUsage.isNull { usage = eventUsage }
        switch (kind, type) {
        case (.transcription, "transcript.text.delta"):
            text += payload?["delta"]?.stringValue ?? ""
            return RelayStep(frame: frame)
        case (.transcription, "transcript.text.done"):
            text = payload?["text"]?.stringValue ?? text
            return RelayStep(frame: frame, end: .completed)
        case (.images, "image_generation.partial_image"), (.images, "image_edit.partial_image"):
            partialImages += 1
            return RelayStep(frame: frame)
        case (.images(let count), "image_generation.completed"), (.images(let count), "image_edit.completed"):
            completedImages += 1
            return RelayStep(frame: frame, end: completedImages >= max(1, count) ? .completed : nil)
        default:
            return RelayStep(frame: frame)
        }
    }

    mutating func errorFrame(_ error: GatewayError, path: String, requestID: String) -> ServerSentEvent {
        defer { frames += 1 }
        return ServerSentEvent(event: "error", data: error.body(path: path, requestID: requestID).jsonString, id: String(frames))
    }

    var incompleteError: GatewayError {
        GatewayError(
            status: .badGateway,
            message: "The upstream stream ended before the \(kind.noun) completed",
            errorCode: "stream_incomplete",
            hint: "Retry the \(kind.noun); the upstream closed the stream early."
        )
    }

    var shutdownHint: String { "Send the \(kind.noun) again once the gateway is back." }

    var eventCount: Int { events }
    var lastSequence: Int? { nil }

    func annotate(_ record: inout CallRecord) {
        if let usage = usage.flatMap(TokenUsage.init(json:)) { record.usage = usage }
        switch kind {
        case .transcription:
            record.extra["text_length"] = .int(Int64(text.count))
            if let seconds = usage?["seconds"]?.doubleValue {
                record.units = .audioSeconds(seconds, source: "upstream")
                record.extra["duration_seconds"] = .double(seconds)
            }
        case .images:
            record.extra["partial_images"] = .int(Int64(partialImages))
            record.extra["images_generated"] = .int(Int64(completedImages))
        }
    }
}
