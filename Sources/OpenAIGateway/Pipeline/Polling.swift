import Hummingbird
import OpenAIClient
import ServiceLifecycle

/// The wait between two retrieves of a poll: the reference app's 5 s, then 5 s more each time, at
/// most 20 s (5, 10, 15, 20, 20, ...). Tests make it short through ``GatewayConfiguration/pollBackoff``.
public struct PollBackoff: Sendable, Equatable {
    public var first: Duration
    public var step: Duration
    public var maximum: Duration

    public init(first: Duration = .seconds(5), step: Duration = .seconds(5), maximum: Duration = .seconds(20)) {
        self.first = first
        self.step = step
        self.maximum = maximum
    }

    /// The wait after the `retrieve`-th retrieve (1-based).
    public func delay(afterRetrieve retrieve: Int) -> Duration {
        min(first + step * max(0, retrieve - 1), maximum)
    }
}

/// Waiting for an upstream object (a video, a vector store, a file, a file batch) to reach a final
/// state, for the `.../poll` routes.
///
/// ```swift
/// let wait = try Polling.maxWait(request.uri.queryParameters["maxWaitMs"].map(String.init), parameter: "maxWaitMs",
///                                default: configuration.videoGenerationTimeout)
/// let video = try await Polling.until(maxWait: wait, backoff: configuration.pollBackoff, context: context,
///     againHint: "Poll again with GET /api/videos/\(id)/poll, or raise maxWaitMs (at most 3600000).",
///     retrieve: { try await videos.retrieve(id: id) },
///     isFinal: { ["completed", "failed"].contains($0["status"]?.stringValue ?? "") })
/// return context.call.json(video, status: .ok)
/// ```
enum Polling {
    /// The longest wait a client may ask for: one hour.
    static let maxWaitLimit = 3_600_000

    /// Validates a wait given as a query string: whole milliseconds, `0 < N ≤ 3,600,000`; absent → `default`.
    static func maxWait(_ raw: String?, parameter: String, default defaultWait: Duration) throws(GatewayError) -> Duration {
        guard let raw else { return defaultWait }
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard let value = Int(text) ?? Double(text).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }) else {
            throw waitProblem(parameter, message: "\(parameter) must be a whole number of milliseconds", got: "\"\(raw)\"")
        }
        return try checked(value, parameter: parameter)
    }

    /// Validates a wait given as a JSON member: an integral number of milliseconds; absent or null → `default`.
    static func maxWait(_ value: JSONValue?, parameter: String, default defaultWait: Duration) throws(GatewayError) -> Duration {
        switch value {
        case nil, .null?: return defaultWait
        case .int(let number)?: return try checked(Int(clamping: number), parameter: parameter)
        case .double(let number)? where number.rounded() == number && abs(number) < 1e15:
            return try checked(Int(number), parameter: parameter)
        case .string(let text)?: return try maxWait(text, parameter: parameter, default: defaultWait)
        case let other?:
            throw waitProblem(parameter, message: "\(parameter) must be a whole number of milliseconds", got: other.jsonString)
        }
    }

    /// The wait of a poll route: `parameter` from the query, else from the JSON `body`; any other query
    /// key (a misspelt `maxWaitMs`) is a 400 instead of a silent default.
    static func maxWait(_ request: Request, parameter: String, body: JSONObject = [:], default defaultWait: Duration) throws(GatewayError) -> Duration
    {
        let unknown = request.uri.queryParameters.map { String($0.key) }.filter { $0 != parameter }
        if let name = Set(unknown).sorted().first {
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: name,
                    message: "property \(name) should not exist",
                    hint: "The poll takes \(parameter) (the longest wait in milliseconds, 1 to \(maxWaitLimit))."
                )
            ])
        }
        if let raw = request.uri.queryParameters[Substring(parameter)] {
            return try maxWait(String(raw), parameter: parameter, default: defaultWait)
        }
        return try maxWait(body[parameter], parameter: parameter, default: defaultWait)
    }

    private static func checked(_ value: Int, parameter: String) throws(GatewayError) -> Duration {
        guard value > 0 else { throw waitProblem(parameter, message: "\(parameter) must be greater than 0", got: String(value)) }
        guard value <= maxWaitLimit else {
            throw waitProblem(parameter, message: "\(parameter) must not be greater than \(maxWaitLimit) (one hour)", got: String(value))
        }
        return .milliseconds(value)
    }

    private static func waitProblem(_ parameter: String, message: String, got: String) -> GatewayError {
        .validation([
            ValidationProblem(
                parameter: parameter,
                message: message,
                hint: "Give the longest time to wait in milliseconds, from 1 to \(maxWaitLimit), e.g. \(parameter)=60000 (got \(got))."
            )
        ])
    }

    private enum Wake: Sendable {
        case elapsed, clientGone, shutdown
    }

    /// How long the last retrieve (at the deadline) and any retrieve running into the deadline may take
    /// past it before the poll gives up on it.
    static let retrieveGrace: Duration = .seconds(2)

    /// Retrieves the object at once, then at the start plus each sum of the ``PollBackoff`` delays
    /// (so a slow retrieve does not push the later ones back), until `isFinal` says its JSON is
    /// final; returns that answer. The poll is never retried as a whole (each retrieve has the
    /// transport's retries).
    ///
    /// - When the next retrieve would be at or past the deadline (`maxWait` after the start), it
    ///   retrieves once more at the deadline and answers that object if it is final, else throws 504
    ///   `poll_timeout` with `againHint`. So a poll that times out makes
    ///   `2 + #{k ≥ 1 : d1 + ... + dk < maxWait}` retrieves.
    /// - A retrieve still running ``retrieveGrace`` after the deadline is abandoned (504).
    /// - A client that goes away stops it at once, even during a retrieve (499 `request_cancelled`);
    ///   graceful shutdown stops it with 503 `server_shutting_down`.
    /// - The call record gets `poll_retrieves`, `poll_wait_ms` and `poll_status` (the last status seen).
    static func until(
        maxWait: Duration,
        backoff: PollBackoff,
        context: GatewayRequestContext,
        againHint: String,
        retrieve: @escaping @Sendable () async throws -> OpenAIResponse,
        isFinal: @escaping @Sendable (JSONValue) -> Bool
    ) async throws -> OpenAIResponse {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + maxWait
        let watcher = await ClientCloseWatcher.of(context.channel)
        var retrieves = 0
        var lastStatus: String?
        var lastRequestID: String?
        func note() {
            let waited = start.duration(to: clock.now)
            context.call.annotate { record in
                record.extra["poll_retrieves"] = .int(Int64(retrieves))
                record.extra["poll_wait_ms"] = .int(waited.milliseconds)
                record.extra["poll_status"] = JSONValue(lastStatus)
            }
        }
        func timeout() -> GatewayError {
            note()
            var error = GatewayError(code: "poll_timeout")
            let status = lastStatus.map { " (still \($0))" } ?? ""
            error.message = "Gave up after \(maxWait.milliseconds) ms and \(retrieves) retrieves\(status)"
            error.hint = againHint
            error.requestID = lastRequestID
            return error
        }
        var next = start
        var atDeadline = false
        while true {
            if watcher?.isClosed == true { throw GatewayError(code: "request_cancelled") }
            guard let response = try await bounded(retrieve, until: max(deadline, clock.now) + retrieveGrace, watcher: watcher) else {
                throw timeout()
            }
            retrieves += 1
            let json = try? response.json()
            lastStatus = json?["status"]?.stringValue
            lastRequestID = response.metadata.requestID
            note()
            if let json, isFinal(json) { return response }
            if atDeadline { throw timeout() }
            next = next + backoff.delay(afterRetrieve: retrieves)
            if next >= deadline {
                next = deadline
                atDeadline = true
            }
            switch await sleep(until: next, watcher: watcher) {
            case .clientGone: throw GatewayError(code: "request_cancelled")
            case .shutdown: throw GatewayError(code: "server_shutting_down")
            case .elapsed: break
            }
        }
    }

    /// Runs one retrieve, abandoned (nil) at `limit`, or with an error when the client leaves or the
    /// server shuts down first.
    private static func bounded(
        _ retrieve: @escaping @Sendable () async throws -> OpenAIResponse,
        until limit: ContinuousClock.Instant,
        watcher: ClientCloseWatcher?
    ) async throws -> OpenAIResponse? {
        enum Outcome: Sendable {
            case answer(OpenAIResponse)
            case wake(Wake)
        }
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask { .answer(try await retrieve()) }
            group.addTask { .wake(await sleep(until: limit, watcher: watcher)) }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return nil }
            switch first {
            case .answer(let response): return response
            case .wake(.elapsed): return nil
            case .wake(.clientGone): throw GatewayError(code: "request_cancelled")
            case .wake(.shutdown): throw GatewayError(code: "server_shutting_down")
            }
        }
    }

    /// Sleeps until `instant`, or less when the client leaves or the server shuts down.
    private static func sleep(until instant: ContinuousClock.Instant, watcher: ClientCloseWatcher?) async -> Wake {
        await withTaskGroup(of: Wake?.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(until: instant, clock: .continuous)
                    return .elapsed
                } catch {
                    return nil  // cancelled: another child won
                }
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                } catch {
                    return nil
                }
                return Task.isCancelled ? nil : .shutdown
            }
            if let watcher {
                group.addTask {
                    await watcher.waitForClose()
                    return Task.isCancelled ? nil : .clientGone
                }
            }
            // Every child returned nil only when this task was cancelled: the request is gone.
            var wake = Wake.clientGone
            for await result in group {
                if let result {
                    wake = result
                    break
                }
            }
            group.cancelAll()
            return wake
        }
    }
}
