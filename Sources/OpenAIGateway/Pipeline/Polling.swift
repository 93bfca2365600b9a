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

    /// Retrieves the object at once, then again after each ``PollBackoff`` delay, until `isFinal`
    /// says its JSON is final; returns that answer. The poll is never retried as a whole (each
    /// retrieve has the transport's retries).
    ///
    /// - When the next wait would end past the deadline (`maxWait` after the start), it waits until
    ///   the deadline and throws 504 `poll_timeout` with `againHint`: so a poll makes
    ///   `1 + #{k ≥ 1 : d1 + ... + dk < maxWait}` retrieves.
    /// - A client that goes away stops it at once (499 `request_cancelled`); graceful shutdown stops
    ///   it with 503 `server_shutting_down`.
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
        func note(_ status: String?) {
            let waited = start.duration(to: clock.now)
            context.call.annotate { record in
                record.extra["poll_retrieves"] = .int(Int64(retrieves))
                record.extra["poll_wait_ms"] = .int(waited.milliseconds)
                record.extra["poll_status"] = JSONValue(status)
            }
        }
        while true {
            if watcher?.isClosed == true { throw GatewayError(code: "request_cancelled") }
            let response = try await retrieve()
            retrieves += 1
            let json = try? response.json()
            note(json?["status"]?.stringValue)
            if let json, isFinal(json) { return response }
            let wake = clock.now + backoff.delay(afterRetrieve: retrieves)
            let pastDeadline = wake >= deadline
            switch await sleep(until: pastDeadline ? deadline : wake, watcher: watcher) {
            case .clientGone: throw GatewayError(code: "request_cancelled")
            case .shutdown: throw GatewayError(code: "server_shutting_down")
            case .elapsed: break
            }
            if pastDeadline {
                note(json?["status"]?.stringValue)
                var error = GatewayError(code: "poll_timeout")
                let status = json?["status"]?.stringValue.map { " (still \($0))" } ?? ""
                error.message = "Gave up after \(maxWait.milliseconds) ms and \(retrieves) retrieves\(status)"
                error.hint = againHint
                error.requestID = response.metadata.requestID
                throw error
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
