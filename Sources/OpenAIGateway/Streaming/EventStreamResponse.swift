import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAIClient
import ServiceLifecycle

/// What the relay reports once a stream is over, for the interaction log.
struct RelayResult: Sendable {
    /// How it ended; a graceful shutdown counts as `failed` with a `server_shutting_down` error.
    var outcome: StreamOutcome
    var relay: ResponseEventRelay
    var error: GatewayError?
    var framesWritten: Int
}

/// Builds the `text/event-stream` response that relays an upstream Responses stream to the client.
///
/// - Each upstream event becomes one frame, written as soon as it arrives, with `id:` = its sequence number.
/// - When nothing was written for `keepAliveInterval`, a `: keep-alive` comment is sent.
/// - A failure part way (upstream `error` event, broken connection) ends the stream with exactly one
///   `error` frame carrying the JSON error body; `response.failed` is relayed and followed by that frame.
/// - The client going away cancels the upstream request at once (inbound close → task cancellation).
/// - Graceful shutdown ends the stream with an `error` frame (503) that tells the client to resume.
struct EventStreamResponse<Events: AsyncSequence & Sendable>: Sendable where Events.Element == ResponseStreamEvent {
    var status: HTTPResponse.Status
    var events: Events
    /// Events with a sequence number at or below this are skipped (resume).
    var startingAfter: Int?
    var keepAliveInterval: Duration
    var path: String
    var extraHeaders: HTTPFields = [:]
    var logger: Logger
    var onEvent: @Sendable (RelayFrame) -> Void = { _ in }
    var onFinish: @Sendable (RelayResult) -> Void

    private enum Item: Sendable {
        case event(ResponseStreamEvent)
        case end
        case failure(GatewayError)
        case tick
        case shutdown
    }

    func response(for request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
            // Hummingbird closes the connection after a stream that watched for inbound close; say so,
            // so that clients do not try to reuse it.
            .connection: "close",
        ]
        headers[.accelBuffering] = "no"
        headers.append(contentsOf: extraHeaders)
        let this = self
        return Response(
            status: status, headers: headers,
            body: ResponseBody { writer in
                try await this.run(requestBody: request.body, writer: &writer)
            })
    }

    private func run(requestBody: RequestBody, writer: inout any ResponseBodyWriter) async throws {
        var relay = ResponseEventRelay()
        var outcome = StreamOutcome.cancelled
        var finalError: GatewayError?
        var framesWritten = 0
        do {
            try await requestBody.consumeWithCancellationOnInboundClose { _ in
                let (items, continuation) = AsyncStream<Item>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            for try await event in events { continuation.yield(.event(event)) }
                            continuation.yield(.end)
                        } catch let error as OpenAIError {
                            continuation.yield(.failure(GatewayError(upstream: error)))
                        } catch is CancellationError {
                        } catch {
                            continuation.yield(
                                .failure(GatewayError(upstream: OpenAITransport.classify(error, attempts: 1))))
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
                    var lastWrite = ContinuousClock.now
                    loop: for await item in items {
                        switch item {
                        case .event(let event):
                            if let startingAfter, let sequence = event.sequenceNumber, sequence <= startingAfter { continue }
                            var frame = relay.frame(for: event)
                            if event.type == "error" {
                                // The upstream's own error event: one `error` frame with the JSON error body, at its sequence.
                                let error = Self.streamErrorEventError(event.raw)
                                finalError = error
                                var body = error.body(path: path).objectValue ?? JSONObject()
                                body["sequence"] = .int(Int64(frame.sequence))
                                frame.payload = .object(body)
                            }
                            try await writer.write(ServerSentEventEncoder.buffer(frame.serverSentEvent))
                            framesWritten += 1
                            lastWrite = .now
                            onEvent(frame)
                            switch event.type {
                            case "response.completed":
                                outcome = .completed
                            case "response.incomplete":
                                outcome = .incomplete
                            case "response.failed":
                                outcome = .failed
                                let error = Self.failedResponseError(relay.failure, requestPath: path)
                                finalError = error
                                try await writer.write(ServerSentEventEncoder.buffer(relay.errorFrame(error, path: path).serverSentEvent))
                                framesWritten += 1
                                break loop
                            case "error":
                                outcome = .failed
                                break loop
                            default:
                                break
                            }
                        case .end:
                            if outcome == .cancelled {
                                // The upstream closed without a terminal event: treat it as a failure.
                                outcome = .failed
                                let error = GatewayError(
                                    status: .badGateway, message: "The upstream stream ended before the response completed",
                                    errorCode: "stream_incomplete", hint: "Resume with GET /api/responses/{id}/stream and Last-Event-ID, or retry.")
                                finalError = error
                                try await writer.write(ServerSentEventEncoder.buffer(relay.errorFrame(error, path: path).serverSentEvent))
                                framesWritten += 1
                            }
                            break loop
                        case .failure(let error):
                            outcome = .failed
                            finalError = error
                            try await writer.write(ServerSentEventEncoder.buffer(relay.errorFrame(error, path: path).serverSentEvent))
                            framesWritten += 1
                            break loop
                        case .tick:
                            if ContinuousClock.now - lastWrite >= keepAliveInterval * 0.9 {
                                var buffer = ByteBuffer()
                                buffer.writeString(ServerSentEventEncoder.comment("keep-alive"))
                                try await writer.write(buffer)
                                lastWrite = .now
                            }
                        case .shutdown:
                            outcome = .failed
                            let error = GatewayError(
                                status: .serviceUnavailable, message: "The gateway is shutting down",
                                errorCode: "server_shutting_down",
                                hint: "Reconnect to GET /api/responses/{id}/stream with Last-Event-ID to continue where this stream stopped.")
                            finalError = error
                            try await writer.write(ServerSentEventEncoder.buffer(relay.errorFrame(error, path: path).serverSentEvent))
                            framesWritten += 1
                            break loop
                        }
                    }
                    group.cancelAll()
                }
            }
        } catch {
            // Inbound close (CancellationError) or a failed write: the client went away.
            outcome = .cancelled
            logger.debug("Stream ended by the client", metadata: ["error": "\(String(describing: error))"])
        }
        onFinish(RelayResult(outcome: outcome, relay: relay, error: finalError, framesWritten: framesWritten))
        if outcome != .cancelled {
            try await writer.finish(nil)
        }
    }

    /// The error that a `response.failed` event stands for.
    static func failedResponseError(_ failure: JSONValue?, requestPath: String) -> GatewayError {
        let code = failure?["code"]?.stringValue ?? "response_failed"
        let message = failure?["message"]?.stringValue ?? "The response failed upstream"
        return GatewayError(
            status: .badGateway, message: "The response failed: \(message)", errorCode: code,
            hint: "The model could not complete this response. Retry the request; if it keeps failing, check openai_error.",
            openAIError: ["type": "response_failed", "code": .string(code), "param": .null, "message": .string(message)])
    }

    /// The error that an upstream `error` event stands for (one `error` frame, then the end).
    static func streamErrorEventError(_ raw: JSONValue) -> GatewayError {
        let upstream = OpenAIError(
            kind: .stream, status: nil, type: raw["type"]?.stringValue, code: raw["code"]?.stringValue, param: raw["param"]?.stringValue,
            message: raw["message"]?.stringValue ?? "The upstream stream reported an error")
        return GatewayError(upstream: upstream)
    }
}
