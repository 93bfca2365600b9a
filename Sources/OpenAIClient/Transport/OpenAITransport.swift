import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends requests to the upstream on one shared `HTTPClient`, with authentication, the one retry
/// policy of the project, per-attempt timeouts and OpenAI-shaped errors.
///
/// The transport does not own the `HTTPClient`: the application creates it, passes it in and shuts
/// it down on graceful shutdown.
public struct OpenAITransport: Sendable {
    /// Short calls (``send(_:)`` with a replayable body).
    public let httpClient: HTTPClient
    /// Streams (``open(_:)``) and streamed uploads: a pool of their own, so long-lived connections cannot
    /// take every connection from short calls. The same client as `httpClient` unless one is given.
    public let streamClient: HTTPClient
    /// Bounds the short calls in flight and how long one waits for a connection; nil: no bound.
    public let slots: UpstreamSlots?
    public let configuration: OpenAIConfiguration
    public let logger: Logger
    /// Sleeps between attempts (injected so tests do not wait).
    let sleep: @Sendable (Duration) async throws -> Void
    /// The base URL's path (`/v1`), parsed once: endpoint labels are this plus the request's template.
    let basePath: String

    /// - Parameters:
    ///   - httpClient: the shared client. Prefer one made by ``makeHTTPClient(idleTimeout:maxConnectionsPerHost:)``:
    ///     with a default client (e.g. `HTTPClient.shared`) a refused connection is retried by the connection pool
    ///     until the attempt's deadline, so it fails after `timeout` instead of at once.
    ///   - configuration: where and how to call the API.
    ///   - logger: debug-level retry messages go here.
    ///   - sleep: waits between attempts (tests inject a fast one).
    ///   - streamClient: the client of streams and streamed uploads (default: `httpClient`).
    ///   - slots: the short calls' connection budget with its wait deadline.
    public init(
        httpClient: HTTPClient,
        streamClient: HTTPClient? = nil,
        slots: UpstreamSlots? = nil,
        configuration: OpenAIConfiguration,
        logger: Logger = Logger(label: "OpenAIClient"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.httpClient = httpClient
        self.streamClient = streamClient ?? httpClient
        self.slots = slots
        self.configuration = configuration
        self.logger = logger
        self.sleep = sleep
        self.basePath = URL(string: configuration.baseURL)?.path ?? ""
    }

    /// Makes an `HTTPClient` configured for a gateway: a large connection pool, no redirects,
    /// connect timeout 10 s and an idle read timeout.
    /// - Parameter idleTimeout: AsyncHTTPClient's read timeout; nil for the stream client, whose bodies
    ///   are timed by ``UpstreamBody`` (a read timeout would also fire while the gateway's client is slow).
    public static func makeHTTPClient(idleTimeout: Duration?, maxConnectionsPerHost: Int = 256) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: idleTimeout.map { .nanoseconds(Int64($0.seconds * 1e9)) }),
            decompression: .disabled
        )
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxConnectionsPerHost
        // A refused connection fails the attempt at once; the one retry policy of this client decides
        // whether to try again (otherwise the pool would keep reconnecting until the deadline).
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .automatic
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Sends a request and collects its body, retrying per the policy.
    /// - Throws: ``OpenAIError`` for a non-2xx answer (after retries), a network failure or a timeout.
    public func send(_ request: OpenAIRequest) async throws(OpenAIError) -> OpenAIResponse {
        try await withRetries(request) { httpRequest, attempt throws(OpenAIError) in
            // A streamed upload takes as long as the client takes to send it: no overall deadline then,
            // the connection's idle timeouts still apply.
            let short = request.body.isReplayable
            let deadline: NIODeadline = short ? .now() + .nanoseconds(Int64(configuration.timeout.seconds * 1e9)) : .distantFuture
            if short, let slots {
                guard await slots.acquire() else {
                    throw OpenAIError(
                        kind: .busy,
                        message: "Every upstream connection was busy for \(Int(slots.wait.seconds * 1000)) ms (\(slots.limit) in use)",
                        attempts: attempt
                    )
                }
            }
            defer { if short { slots?.release() } }
            do {
                let body: ByteBuffer
                let response: HTTPClientResponse
                if short {
                    response = try await httpClient.execute(httpRequest, deadline: deadline, logger: logger)
                    body = try await response.body.collect(upTo: configuration.maxResponseBodySize)
                } else {
                    response = try await head(of: httpRequest, request)
                    body = try await upstreamBody(response).collect(upTo: configuration.maxResponseBodySize)
                }
                return (response.status.code, response.headers, AttemptBody.buffer(body))
            } catch let error as NIOTooManyBytesError {
                _ = error
                throw OpenAIError(
                    kind: .responseTooLarge,
                    message: "The upstream response is larger than \(configuration.maxResponseBodySize) bytes",
                    attempts: attempt
                )
            } catch {
                throw Self.classify(error, attempts: attempt)
            }
        } success: { status, headers, body, attempts, endpoint throws(OpenAIError) in
            guard case .buffer(let buffer) = body else {
                throw OpenAIError(kind: .invalidResponse, status: Int(status), message: "Missing response body", attempts: attempts)
            }
            return OpenAIResponse(
                metadata: OpenAIResponseMetadata(status: Int(status), headers: headers, attempts: attempts, endpoint: endpoint),
                body: buffer
            )
        }
    }

    /// Opens a streaming response. Retries happen only until a 2xx response head arrives, that is,
    /// before any event can have been forwarded; after that the caller owns the body.
    /// The body is an ``UpstreamBody``: the upstream must deliver within `idleTimeout` of being asked
    /// for more, and time the caller spends not asking (its own client is slow) never counts.
    public func open(_ request: OpenAIRequest) async throws(OpenAIError) -> (metadata: OpenAIResponseMetadata, body: UpstreamBody) {
        try await withRetries(request) { httpRequest, attempt throws(OpenAIError) in
            do {
                let response = try await head(of: httpRequest, request)
                guard (200..<300).contains(response.status.code) else {
                    let body = try await upstreamBody(response).collect(upTo: 1024 * 1024)
                    return (response.status.code, response.headers, AttemptBody.error(body))
                }
                return (response.status.code, response.headers, AttemptBody.stream(upstreamBody(response)))
            } catch let error as OpenAIError {
                var error = error
                error.attempts = attempt
                throw error
            } catch {
                throw Self.classify(error, attempts: attempt)
            }
        } success: { status, headers, body, attempts, endpoint throws(OpenAIError) in
            guard case .stream(let stream) = body else {
                // withRetries only calls success for 2xx, and 2xx always carries .stream.
                throw OpenAIError(kind: .invalidResponse, status: Int(status), message: "Missing stream body", attempts: attempts)
            }
            return (OpenAIResponseMetadata(status: Int(status), headers: headers, attempts: attempts, endpoint: endpoint), stream)
        }
    }

    /// Sends a request on the stream client and waits for the response head: within `timeout` of the
    /// start, or of the end of a streamed upload (whose answer cannot start before it has all been sent).
    private func head(of httpRequest: HTTPClientRequest, _ request: OpenAIRequest) async throws -> HTTPClientResponse {
        let execute: @Sendable () async throws -> HTTPClientResponse = { [streamClient, logger] in
            try await streamClient.execute(httpRequest, deadline: .distantFuture, logger: logger)
        }
        switch request.body {
        case .stream(_, _, let sent):
            return try await Self.withTimeout(configuration.timeout, startingAfter: { await sent.wait() }, execute)
        case .none, .json, .bytes:
            return try await Self.withTimeout(configuration.timeout, execute)
        }
    }

    /// A stream-client body, timed by the gateway (the stream client has no read timeout of its own).
    private func upstreamBody(_ response: HTTPClientResponse) -> UpstreamBody {
        UpstreamBody(response.body, idleTimeout: configuration.idleTimeout)
    }

    // MARK: - Retry loop

    private func withRetries<Result>(
        _ request: OpenAIRequest,
        attempt: (HTTPClientRequest, Int) async throws(OpenAIError) -> (UInt, HTTPHeaders, AttemptBody),
        success: (UInt, HTTPHeaders, AttemptBody, Int, String) throws(OpenAIError) -> Result
    ) async throws(OpenAIError) -> Result {
        let httpRequest = makeHTTPRequest(request)
        let endpoint = endpointLabel(request)
        var retries = 0
        while true {
            let attemptNumber = retries + 1
            var failure: OpenAIError
            var shouldRetryHeader: String?
            let outcome: (UInt, HTTPHeaders, AttemptBody)
            do {
                outcome = try await attempt(httpRequest, attemptNumber)
            } catch {
                var error = error
                error.endpoint = endpoint
                if Task.isCancelled { throw error }
                outcome = (0, [:], .transport(error))
            }
            let (status, headers, body) = outcome
            if let error = body.transportError {
                failure = error
                failure.endpoint = endpoint
            } else if (200..<300).contains(status) {
                do {
                    return try success(status, headers, body, attemptNumber, endpoint)
                } catch {
                    var error = error
                    error.endpoint = endpoint
                    throw error
                }
            } else {
                shouldRetryHeader = headers.first(name: "x-should-retry")
                failure = OpenAIError.fromResponse(
                    status: Int(status),
                    header: { headers.first(name: $0) },
                    body: body.errorBytes,
                    headers: headers.map { ($0.name, $0.value) },
                    attempts: attemptNumber
                )
                failure.endpoint = endpoint
            }
            // A POST that timed out was sent whole and may still be running (and billed) upstream: it is
            // not sent again. Refused connections and error answers are retried as the policy says.
            let mayStillRun = failure.kind == .timeout && request.method == .POST
            guard request.body.isReplayable, !mayStillRun,
                configuration.retryPolicy.shouldRetry(failure, retriesSoFar: retries, shouldRetryHeader: shouldRetryHeader)
            else {
                throw failure
            }
            let delay = configuration.retryPolicy.delay(retriesSoFar: retries, retryAfter: failure.retryAfter)
            logger.debug(
                "Retrying upstream request",
                metadata: [
                    "endpoint": "\(endpoint)", "attempt": "\(attemptNumber)", "status": "\(failure.status.map(String.init) ?? "-")",
                    "kind": "\(failure.kind)", "delay_ms": "\(Int(delay.seconds * 1000))",
                ]
            )
            do {
                try await sleep(delay)
            } catch {
                throw failure
            }
            retries += 1
        }
    }

    /// `METHOD /v1/files/{id}` for logs and metering: the base URL's path plus the request's path
    /// template (never a caller-supplied id), without the query.
    public func endpointLabel(_ request: OpenAIRequest) -> String {
        "\(request.method.rawValue) \(basePath)\(request.path.template)"
    }

    func makeHTTPRequest(_ request: OpenAIRequest) -> HTTPClientRequest {
        var httpRequest = HTTPClientRequest(url: request.url(baseURL: configuration.baseURL))
        httpRequest.method = request.method
        httpRequest.headers = request.headers
        if let apiKey = configuration.apiKey, !apiKey.isEmpty {
            httpRequest.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(apiKey)")
        }
        if let organization = configuration.organization { httpRequest.headers.replaceOrAdd(name: "OpenAI-Organization", value: organization) }
        if let project = configuration.project { httpRequest.headers.replaceOrAdd(name: "OpenAI-Project", value: project) }
        httpRequest.headers.replaceOrAdd(name: "User-Agent", value: configuration.userAgent)
        switch request.body {
        case .none:
            break
        case .json(let value):
            httpRequest.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            httpRequest.body = .bytes(ByteBuffer(bytes: value.jsonBytes))
        case .bytes(let buffer, let contentType):
            httpRequest.headers.replaceOrAdd(name: "Content-Type", value: contentType)
            httpRequest.body = .bytes(buffer)
        case .stream(let body, let contentType, _):
            httpRequest.headers.replaceOrAdd(name: "Content-Type", value: contentType)
            httpRequest.body = body
        }
        return httpRequest
    }

    // MARK: - Timeouts and error classification

    /// Runs `operation`, failing with a timeout error when it takes longer than `limit` (counted from
    /// when `startingAfter` returns, when given).
    static func withTimeout<T: Sendable>(
        _ limit: Duration,
        startingAfter start: (@Sendable () async -> Void)? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                await start?()
                try await Task.sleep(for: limit)
                throw OpenAIError(kind: .timeout, message: "Request to OpenAI API timed out after \(limit.seconds) s")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    /// Maps a transport error to an ``OpenAIError`` of the right kind. The description never contains
    /// request headers, so it cannot carry the API key.
    public static func classify(_ error: any Error, attempts: Int) -> OpenAIError {
        if let error = error as? OpenAIError { return error }
        if error is NIOTooManyBytesError {
            return OpenAIError(kind: .responseTooLarge, message: "The upstream response is larger than the gateway accepts", attempts: attempts)
        }
        let text = String(describing: error)
        let lower = text.lowercased()
        let kind: OpenAIError.Kind
        let message: String
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
                kind = .timeout
                message = "Request to OpenAI API timed out"
            case .remoteConnectionClosed:
                kind = .connectionReset
                message = "Connection to OpenAI API was closed before the response completed"
            case .cancelled:
                kind = .network
                message = "The upstream request was cancelled"
            default:
                kind = .network
                message = "Network error communicating with OpenAI: \(error)"
            }
        } else if let error = error as? IOError {
            (kind, message) = classify(errno: error.errnoCode, fallback: text)
        } else if lower.contains("too many open files") {  // EMFILE/ENFILE inside a connection error
            (kind, message) = (.outOfDescriptors, "The gateway has no file descriptor left to connect upstream")
        } else if lower.contains("connection refused") || lower.contains("econnrefused") {
            (kind, message) = (.connectionRefused, "Connection refused")
        } else if lower.contains("reset by peer") || lower.contains("econnreset") || lower.contains("eof") {
            (kind, message) = (.connectionReset, "Connection reset")
        } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("getaddrinfo") || lower.contains("no such host") {
            (kind, message) = (.dnsFailure, "Cannot resolve the upstream host name")
        } else if lower.contains("unreachable") {
            (kind, message) = (.hostUnreachable, "Upstream host unreachable")
        } else if error is CancellationError {
            (kind, message) = (.network, "The upstream request was cancelled")
        } else {
            (kind, message) = (.network, "Network error communicating with OpenAI")
        }
        return OpenAIError(kind: kind, message: message, cause: text, attempts: attempts)
    }

    private static func classify(errno: Int32, fallback: String) -> (OpenAIError.Kind, String) {
        switch errno {
        case ECONNREFUSED: return (.connectionRefused, "Connection refused")
        case ECONNRESET, EPIPE: return (.connectionReset, "Connection reset")
        case ETIMEDOUT: return (.timeout, "Request to OpenAI API timed out")
        case EHOSTUNREACH, ENETUNREACH: return (.hostUnreachable, "Upstream host unreachable")
        case EMFILE, ENFILE: return (.outOfDescriptors, "The gateway has no file descriptor left to connect upstream")
        default: return (.network, "Network error communicating with OpenAI")
        }
    }
}

/// The outcome of one attempt: a body, or the transport error that ended it.
enum AttemptBody: Sendable {
    case buffer(ByteBuffer)
    case stream(UpstreamBody)
    case error(ByteBuffer)
    case transport(OpenAIError)

    var errorBytes: [UInt8] {
        switch self {
        case .buffer(let buffer), .error(let buffer): Array(buffer.readableBytesView)
        case .stream, .transport: []
        }
    }

    var transportError: OpenAIError? {
        if case .transport(let error) = self { return error }
        return nil
    }
}
