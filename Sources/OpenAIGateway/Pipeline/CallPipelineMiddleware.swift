import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIClient

/// The outermost middleware: attaches the call pipeline to the request's ``CallRecorder``, renders any
/// failure in the error style of its route group, adds `X-Request-Id` (and `X-Upstream-Request-Id`),
/// and wraps the response body so that the call is finished once, when the body has been written,
/// has failed, or the client went away.
struct CallPipelineMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let pipeline: CallPipeline
    /// Masks the API key in every byte written to the client (an upstream error may quote it).
    var scrubber = SecretScrubber(secrets: [])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let call = context.call
        call.attach(pipeline, method: request.method.rawValue, path: request.uri.path, bytesIn: request.headers[.contentLength].flatMap(Int.init))
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let failure = GatewayError(error, request: request, logger: context.logger)
            call.failed(failure)
            response = ErrorStyle(path: request.uri.path).response(for: failure, path: request.uri.description, requestID: call.requestID)
        }
        let upstreamID = call.responded(status: Int(response.status.code), route: context.endpointPath)
        switch ErrorStyle(path: request.uri.path) {
        case .seed:
            response.headers[.requestID] = call.requestID
            if let upstreamID { response.headers[.upstreamRequestID] = upstreamID }
        case .openAI:
            // OpenAI's own `x-request-id` passes through (the SDKs show it); the gateway's id is beside it.
            response.headers[.gatewayRequestID] = call.requestID
            if response.headers[.requestID] == nil { response.headers[.requestID] = call.requestID }
        }
        scrubber.scrub(&response.headers)
        if request.method == .head {
            // The router answers HEAD with the GET handler's head and drops its body: the call ends here.
            call.finish(bodyOutcome: .completed)
            return response.createHeadResponse()
        }
        let stream = response.headers[.contentType]?.lowercased().hasPrefix("text/event-stream") == true ? pipeline : nil
        response.body = Self.recorded(scrubber.scrubbing(response.body), call: call, stream: stream, channel: context.channel)
        return response
    }

    /// Bodies up to this size fit the connection's buffers: a client cannot stall the gateway on them.
    static let smallBody = 64 * 1024

    /// The body, written through a writer that counts bytes and sees the end, a failure or the client leaving.
    /// - Parameters:
    ///   - stream: the pipeline to tell when an event stream opens and closes (nil for other bodies).
    ///   - channel: the client's connection, whose watcher says whether the client write timeout cut the body.
    static func recorded(_ body: ResponseBody, call: CallRecorder, stream: CallPipeline? = nil, channel: (any Channel)? = nil) -> ResponseBody {
        ResponseBody(contentLength: body.contentLength) { writer in
            stream?.streamOpened()
            defer { stream?.streamClosed() }
            // Looked up before writing (a closed connection's handlers are gone), for the bodies a client can stall
            // on; an event stream's relay looks up its own and records a cut itself.
            let stallable = stream == nil && (body.contentLength.map { $0 > smallBody } ?? true)
            var watcher: ClientCloseWatcher?
            if let channel, stallable { watcher = await ClientCloseWatcher.of(channel) }
            let recording = RecordingBodyWriter(parent: writer, call: call)
            do {
                try await body.write(recording)
            } catch {
                if call.clientWriteFailed || error is CancellationError {
                    if watcher?.writeTimedOut == true { call.cutByWriteTimeout() }
                    call.finish(bodyOutcome: .clientCancelled)
                } else {
                    call.finish(bodyOutcome: .upstreamDropped)
                }
                throw error
            }
            call.finish(bodyOutcome: call.bodyEnded ? .completed : .clientCancelled)
        }
    }
}

/// Forwards to the server's writer, telling the call record about every byte and the end.
struct RecordingBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let call: CallRecorder

    mutating func write(_ buffer: ByteBuffer) async throws {
        let count = buffer.readableBytes
        do {
            try await parent.write(buffer)
        } catch {
            call.markClientWriteFailed()
            throw error
        }
        call.wrote(count)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        do {
            try await parent.finish(trailingHeaders)
        } catch {
            call.markClientWriteFailed()
            throw error
        }
        call.markBodyEnded()
    }
}

/// How a route group renders the gateway's errors.
enum ErrorStyle {
    /// The reference app's body (`statusCode`, `message`, `error_code`, `parameter`, `hint`, ...): `/api` and the rest.
    case seed
    /// OpenAI's `{"error": {"message", "type", "param", "code"}}`, so the SDKs raise the matching
    /// exception: `/v1`.
    case openAI

    init(path: String) {
        self = path == "/v1" || path.hasPrefix("/v1/") ? .openAI : .seed
    }

    /// - Parameter requestID: the gateway's id of the request (the seed body's `request_id`).
    func response(for error: GatewayError, path: String, requestID: String?) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        headers.append(contentsOf: error.headers)
        if let retryAfter = error.retryAfterHeader { headers[.retryAfter] = retryAfter }
        if let allowed = error.allowedMethods { headers[.allow] = allowed.joined(separator: ", ") }
        let body: JSONValue
        switch self {
        case .seed: body = error.body(path: path, requestID: requestID)
        case .openAI: body = error.openAIBody
        }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }
}
