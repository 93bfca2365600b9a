import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAIClient
import ServiceLifecycle

/// What a transcription stream relay reports once it is over, for the interaction log.
struct TranscriptionRelayResult: Sendable {
    var outcome: StreamOutcome
    /// Upstream events relayed.
    var events: Int
    var framesWritten: Int
    /// The final text (`transcript.text.done`), or the deltas so far.
    var text: String
    /// `usage` of `transcript.text.done`, when the upstream sent one.
    var usage: JSONValue?
    var error: GatewayError?
}

/// Relays an upstream transcription `text/event-stream` (`transcript.text.delta` / `transcript.text.done`).
///
/// Each upstream event becomes one frame, written as it arrives: `event:` = the upstream `type`, `data:` =
/// the upstream JSON unchanged, `id:` = a running index from 0. A failure (upstream `error` event, broken
/// connection, end without `transcript.text.done`) ends the stream with one `error` frame carrying the
/// gateway's JSON error body. Keep-alive comments fill silences; the client going away cancels the upstream.
struct TranscriptionRelay: Sendable {
    var body: HTTPClientResponse.Body
    var keepAliveInterval: Duration
    var path: String
    var extraHeaders: HTTPFields = [:]
    var logger: Logger
    var onFinish: @Sendable (TranscriptionRelayResult) -> Void

    private enum Item: Sendable {
        case event(ServerSentEvent)
        case end
        case failure(GatewayError)
        case tick
        case shutdown
    }

    func response(for request: Request) -> Response {
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", .connection: "close"]
        headers[.accelBuffering] = "no"
        headers.append(contentsOf: extraHeaders)
        let this = self
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in try await this.run(requestBody: request.body, writer: &writer) })
    }

    private func run(requestBody: RequestBody, writer: inout any ResponseBodyWriter) async throws {
        var result = TranscriptionRelayResult(outcome: .cancelled, events: 0, framesWritten: 0, text: "")
        let path = self.path
        do {
            try await requestBody.consumeWithCancellationOnInboundClose { _ in
                let (items, continuation) = AsyncStream<Item>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            for try await event in body.serverSentEvents { continuation.yield(.event(event)) }
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
                    var lastWrite = ContinuousClock.now
                    loop: for await item in items {
                        switch item {
                        case .event(let event):
                            if event.data == "[DONE]" { continue }
                            let payload = try? JSONValue(parsing: event.data)
                            let type = payload?["type"]?.stringValue ?? event.event ?? "message"
                            if type == "error" {
                                let error = Self.upstreamError(payload?["error"] ?? payload ?? .null)
                                result.error = error
                                result.outcome = .failed
                                try await writer.write(Self.errorFrame(error, index: result.framesWritten, path: path))
                                result.framesWritten += 1
                                break loop
                            }
                            result.events += 1
                            let frame = ServerSentEvent(event: type, data: event.data, id: String(result.framesWritten))
                            try await writer.write(ServerSentEventEncoder.buffer(frame))
                            result.framesWritten += 1
                            lastWrite = .now
                            switch type {
                            case "transcript.text.delta":
                                result.text += payload?["delta"]?.stringValue ?? ""
                            case "transcript.text.done":
                                result.text = payload?["text"]?.stringValue ?? result.text
                                result.usage = payload?["usage"]
                                result.outcome = .completed
                            default:
                                break
                            }
                        case .end:
                            if result.outcome != .completed {
                                let error = GatewayError(
                                    status: .badGateway, message: "The upstream stream ended before the transcription completed",
                                    errorCode: "stream_incomplete", hint: "Retry the transcription; the upstream closed the stream early.")
                                result.outcome = .failed
                                result.error = error
                                try await writer.write(Self.errorFrame(error, index: result.framesWritten, path: path))
                                result.framesWritten += 1
                            }
                            break loop
                        case .failure(let error):
                            result.outcome = .failed
                            result.error = error
                            try await writer.write(Self.errorFrame(error, index: result.framesWritten, path: path))
                            result.framesWritten += 1
                            break loop
                        case .tick:
                            if ContinuousClock.now - lastWrite >= keepAliveInterval * 0.9 {
                                var buffer = ByteBuffer()
                                buffer.writeString(ServerSentEventEncoder.comment("keep-alive"))
                                try await writer.write(buffer)
                                lastWrite = .now
                            }
                        case .shutdown:
                            let error = GatewayError(
                                status: .serviceUnavailable, message: "The gateway is shutting down", errorCode: "server_shutting_down",
                                hint: "Send the transcription again once the gateway is back.")
                            result.outcome = .failed
                            result.error = error
                            try await writer.write(Self.errorFrame(error, index: result.framesWritten, path: path))
                            result.framesWritten += 1
                            break loop
                        }
                    }
                    group.cancelAll()
                }
            }
        } catch {
            // Inbound close (CancellationError) or a failed write: the client went away.
            result.outcome = .cancelled
            logger.debug("Transcription stream ended by the client", metadata: ["error": "\(String(describing: error))"])
        }
        onFinish(result)
        if result.outcome != .cancelled {
            try await writer.finish(nil)
        }
    }

    /// One `error` frame with the gateway's JSON error body.
    static func errorFrame(_ error: GatewayError, index: Int, path: String) -> ByteBuffer {
        ServerSentEventEncoder.buffer(ServerSentEvent(event: "error", data: error.body(path: path).jsonString, id: String(index)))
    }

    /// The error an upstream `error` event stands for.
    static func upstreamError(_ raw: JSONValue) -> GatewayError {
        GatewayError(
            upstream: OpenAIError(
                kind: .stream, status: nil, type: raw["type"]?.stringValue, code: raw["code"]?.stringValue, param: raw["param"]?.stringValue,
                message: raw["message"]?.stringValue ?? "The upstream stream reported an error"))
    }
}
