import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIClient

/// Per-request data: the fault chosen for this request, if any.
public struct SimulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The stream-shaping part of a fault that matched this request.
    var fault: SimulatorFault?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }
}

extension HTTPField.Name {
    static let requestID = Self("x-request-id")!
    static let processingMs = Self("openai-processing-ms")!
    static let openAIVersion = Self("openai-version")!
    static let retryAfterMs = Self("retry-after-ms")!
    static let limitRequests = Self("x-ratelimit-limit-requests")!
    static let remainingRequests = Self("x-ratelimit-remaining-requests")!
    static let resetRequests = Self("x-ratelimit-reset-requests")!
    static let limitTokens = Self("x-ratelimit-limit-tokens")!
    static let remainingTokens = Self("x-ratelimit-remaining-tokens")!
    static let resetTokens = Self("x-ratelimit-reset-tokens")!
    static let accelBuffering = Self("x-accel-buffering")!
    static let openAIBeta = Self("openai-beta")!
}

enum SimulatorHTTP {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.jsonBytes))
        )
    }

    static func error(_ error: SimulatorAPIError) -> Response {
        // HTTPResponse.Status traps outside 100...999, and a fault's status comes from outside.
        var response = json(error.body, status: HTTPResponse.Status(code: (100...999).contains(error.status) ? error.status : 500))
        if let retryAfterMs = error.retryAfterMs {
            response.headers[.retryAfterMs] = String(retryAfterMs)
            response.headers[.retryAfter] = String(max(1, (retryAfterMs + 999) / 1000))
        }
        return response
    }

    static var eventStreamHeaders: HTTPFields {
        [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", .accelBuffering: "no", .connection: "close"]
    }

    /// One SSE frame: `event: <type>\ndata: <json>\n\n`.
    static func frame(_ event: JSONValue) -> ByteBuffer {
        ServerSentEventEncoder.buffer(ServerSentEvent(event: event["type"]?.stringValue, data: event.jsonString))
    }

    /// One SSE frame without an event name, `data: <json>\n\n`, as Chat Completions streams are written.
    static func dataFrame(_ value: JSONValue) -> ByteBuffer {
        ServerSentEventEncoder.buffer(ServerSentEvent(data: value.jsonString))
    }

    /// The frame that ends a Chat Completions stream: `data: [DONE]\n\n`.
    static var doneFrame: ByteBuffer {
        ServerSentEventEncoder.buffer(ServerSentEvent(data: "[DONE]"))
    }

    /// Reads and parses a JSON body (bounded), refusing a top-level member the spec does not list for
    /// the route (400 `unknown_parameter`, see ``SpecRequestMembers``). It must be `collectBody` (mutating): that keeps the
    /// original inbound stream behind the buffer, so `consumeWithCancellationOnInboundClose` can still
    /// watch the connection afterwards. (`body.collect` leaves a consumed stream on which Hummingbird
    /// 2.28's inbound-close handler traps when the client disconnects.)
    static func jsonBody(_ request: inout Request, limit: Int = 32 << 20) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw SimulatorAPIError(status: 413, message: "Request body too large.", type: "invalid_request_error", param: nil, code: nil)
        }
        let body: JSONValue
        do {
            body = try JSONValue(parsing: buffer)
        } catch {
            throw SimulatorAPIError.malformedJSON
        }
        try SpecRequestMembers.check(body, method: request.method.rawValue, path: request.uri.path)
        return body
    }
}

/// Applies faults, renders every error in OpenAI's shape and adds OpenAI's headers to every answer.
struct SimulatorMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext
    let state: SimulatorState

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let method = request.method.rawValue
        let isAPI = !path.hasPrefix("/__simulator")
        var context = context
        var response: Response
        do {
            if isAPI {
                let beta = request.headers[.openAIBeta] == "assistants=v2"
                state.recordRequest(SimulatorStats.routePattern(method: method, path: path), assistantsBeta: beta)
                if let fault = state.takeFault(method: method, path: path) {
                    if let delay = fault.delayMs, delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                    if let status = fault.status {
                        var error = SimulatorAPIError.forStatus(status, retryAfterMs: fault.retryAfterMs)
                        if let message = fault.errorMessage { error.message = message }
                        if let param = fault.errorParam { error.param = param }
                        throw error
                    }
                    context.fault = fault
                }
            }
            response = try await next(request, context)
        } catch let error as SimulatorAPIError {
            response = SimulatorHTTP.error(error)
        } catch let error as HTTPError {
            response = SimulatorHTTP.error(
                error.status == .notFound
                    ? .invalidURL(method: method, path: path)
                    : SimulatorAPIError(
                        status: error.status.code,
                        message: error.body ?? error.status.reasonPhrase,
                        type: "invalid_request_error",
                        param: nil,
                        code: nil
                    )
            )
        } catch {
            response = SimulatorHTTP.error(.forStatus(500))
        }
        let elapsed = start.duration(to: .now)
        let totalRequests = state.totalRequests()
        response.headers[.requestID] = SimulatorIDs.make("req", hexDigits: 32)
        response.headers[.processingMs] = String(elapsed.milliseconds)
        response.headers[.openAIVersion] = "2020-10-01"
        let limited = response.status.code == 429
        response.headers[.limitRequests] = "10000"
        response.headers[.remainingRequests] = limited ? "0" : String(9999 - totalRequests % 10000)
        response.headers[.resetRequests] = limited ? "1s" : "6ms"
        response.headers[.limitTokens] = "30000000"
        response.headers[.remainingTokens] = limited ? "0" : "29999000"
        response.headers[.resetTokens] = limited ? "1s" : "2ms"
        return response
    }
}
