import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAISimulator
import Testing

@testable import OpenAIClient

/// An in-process simulator and an `OpenAITransport` pointed at it, over real HTTP.
struct ClientSimHarness {
    let simulator: RunningSimulator
    let client: OpenAIClient
    var transport: OpenAITransport { client.transport }
    var state: SimulatorState { simulator.state }

    /// Starts a simulator, runs `body`, and always shuts the simulator down.
    static func with<T>(
        maxRetries: Int = 2,
        timeout: Duration = .seconds(10),
        apiKey: String = "sk-test",
        _ body: (ClientSimHarness) async throws -> T
    ) async throws -> T {
        let simulator = try await SimulatorServer.start(SimulatorConfiguration(eventDelay: .milliseconds(2), backgroundStepDelay: .milliseconds(150)))
        let configuration = OpenAIConfiguration(
            apiKey: apiKey,
            baseURL: simulator.baseURL,
            timeout: timeout,
            retryPolicy: RetryPolicy(maxRetries: maxRetries, baseDelay: .milliseconds(5))
        )
        let transport = OpenAITransport(httpClient: HTTPClient.shared, configuration: configuration)
        let harness = ClientSimHarness(simulator: simulator, client: OpenAIClient(transport: transport))
        do {
            let result = try await body(harness)
            await simulator.shutdown()
            return result
        } catch {
            await simulator.shutdown()
            throw error
        }
    }

    /// Another client for this simulator with its own timeout and retries (same key).
    func client(timeout: Duration, maxRetries: Int) -> OpenAIClient {
        var configuration = transport.configuration
        configuration.timeout = timeout
        configuration.idleTimeout = timeout
        configuration.retryPolicy = RetryPolicy(maxRetries: maxRetries, baseDelay: .milliseconds(5))
        return OpenAIClient(transport: OpenAITransport(httpClient: HTTPClient.shared, configuration: configuration))
    }

    /// Requests the simulator counted under a route pattern such as `POST /v1/responses`.
    func requests(_ route: String) -> Int {
        state.stats().requests[route] ?? 0
    }

    /// Polls until `condition` holds or `timeout` passes; returns whether it held.
    func eventually(timeout: Duration = .seconds(1), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    static let body: JSONObject = ["model": "gpt-4o-mini", "input": "Hello from the transport tests"]
}

/// Runs `operation` and returns the ``OpenAIError`` it throws (an issue is recorded when it succeeds).
func expectOpenAIError<T>(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ operation: () async throws -> T
) async throws -> OpenAIError {
    do {
        _ = try await operation()
    } catch let error as OpenAIError {
        return error
    } catch {
        Issue.record("expected an OpenAIError, got \(error)", sourceLocation: sourceLocation)
        throw error
    }
    Issue.record("expected an OpenAIError, the call succeeded", sourceLocation: sourceLocation)
    throw ExpectedFailureMissing()
}

/// Thrown after recording an issue when a call that should fail succeeded.
struct ExpectedFailureMissing: Error {}

/// Runs `body` with the `HTTPClient` the gateway uses, and shuts it down afterwards.
func withGatewayHTTPClient(_ body: (HTTPClient) async throws -> Void) async throws {
    let httpClient = OpenAITransport.makeHTTPClient(idleTimeout: .seconds(10))
    do {
        try await body(httpClient)
    } catch {
        try? await httpClient.shutdown()
        throw error
    }
    try await httpClient.shutdown()
}

@Suite("OpenAITransport against the simulator")
struct TransportTests {
    @Test("429 twice with retry-after-ms, then success: three attempts reach the simulator")
    func retriesRateLimits() async throws {
        try await ClientSimHarness.with(maxRetries: 3) { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", status: 429, count: 2, retryAfterMs: 10))
            let start = ContinuousClock.now
            let response = try await sim.client.responses.create(ClientSimHarness.body)
            #expect(response.metadata.status == 200)
            #expect(response.metadata.attempts == 3)
            #expect(sim.requests("POST /v1/responses") == 3)
            // Two waits of retry-after-ms (10 ms) were honoured rather than skipped.
            #expect(start.duration(to: .now) >= .milliseconds(20))
            #expect(try response.json()["status"]?.stringValue == "completed")
        }
    }

    @Test("a persistent 500 fails after maxRetries + 1 attempts with OpenAI's error fields")
    func persistentServerError() async throws {
        try await ClientSimHarness.with(maxRetries: 2) { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", status: 500, count: 10))
            let error = try await expectOpenAIError {
                try await sim.client.responses.create(ClientSimHarness.body)
            }
            #expect(error.kind == .http)
            #expect(error.status == 500)
            #expect(error.attempts == 3)
            #expect(error.type == "server_error")
            #expect(error.code == "server_error")
            #expect(error.message.contains("The server had an error"))
            #expect(error.requestID?.hasPrefix("req_") == true)
            #expect(error.rateLimit.limitRequests == "10000")
            #expect(error.body?["error"]?["type"]?.stringValue == "server_error")
            #expect(sim.requests("POST /v1/responses") == 3)
        }
    }

    @Test("400 is not retried, faulted or real")
    func badRequestNotRetried() async throws {
        try await ClientSimHarness.with(maxRetries: 3) { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", status: 400, count: 5))
            let faulted = try await expectOpenAIError {
                try await sim.client.responses.create(ClientSimHarness.body)
            }
            #expect(faulted.status == 400 && faulted.attempts == 1)
            #expect(sim.requests("POST /v1/responses") == 1)
            sim.state.clearFaults()

            // A real validation error from the simulator: the missing model.
            let real = try await expectOpenAIError {
                try await sim.client.responses.create(["input": "no model"])
            }
            #expect(real.kind == .http && real.status == 400 && real.attempts == 1)
            #expect(real.type == "invalid_request_error")
            #expect(real.param == "model")
            #expect(real.code == "missing_required_parameter")
            #expect(sim.requests("POST /v1/responses") == 2)
        }
    }

    @Test("a streamed request body is never replayed, even on a retryable 500")
    func streamedBodyNotRetried() async throws {
        try await ClientSimHarness.with(maxRetries: 3) { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", status: 500, count: 5))
            let bytes = ByteBuffer(bytes: JSONValue.object(ClientSimHarness.body).jsonBytes)
            let chunks = AsyncStream<ByteBuffer> { continuation in
                continuation.yield(bytes)
                continuation.finish()
            }
            let request = OpenAIRequest(
                method: .POST,
                path: ["responses"],
                body: .stream(chunks: chunks, length: .known(Int64(bytes.readableBytes)), contentType: "application/json")
            )
            #expect(!request.body.isReplayable)
            let error = try await expectOpenAIError {
                try await sim.transport.send(request)
            }
            #expect(error.status == 500)
            #expect(error.attempts == 1)
            #expect(sim.requests("POST /v1/responses") == 1)
        }
    }

    /// Connection refused is only fast with the gateway's own client
    /// (``OpenAITransport/makeHTTPClient(idleTimeout:maxConnectionsPerHost:)``): `HTTPClient.shared`
    /// keeps reconnecting until the attempt's deadline, so each attempt would take the whole timeout.
    @Test("connection refused fails fast with kind .connectionRefused after every attempt")
    func connectionRefused() async throws {
        try await withGatewayHTTPClient { httpClient in
            let configuration = OpenAIConfiguration(
                apiKey: "sk-test",
                baseURL: "http://127.0.0.1:1/v1",
                timeout: .seconds(5),
                retryPolicy: RetryPolicy(maxRetries: 2, baseDelay: .milliseconds(5))
            )
            let client = OpenAIClient(transport: OpenAITransport(httpClient: httpClient, configuration: configuration))
            let start = ContinuousClock.now
            let error = try await expectOpenAIError { try await client.responses.create(ClientSimHarness.body) }
            #expect(error.kind == .connectionRefused, "\(error)")
            #expect(error.attempts == 3)
            #expect(error.status == nil)
            #expect(start.duration(to: .now) < .seconds(2))

            let streamStart = ContinuousClock.now
            let streamError = try await expectOpenAIError { try await client.responses.createStream(ClientSimHarness.body) }
            #expect(streamError.kind == .connectionRefused && streamError.attempts == 3, "\(streamError)")
            #expect(streamStart.duration(to: .now) < .seconds(2))
        }
    }

    @Test("an attempt slower than the timeout fails with kind .timeout")
    func timeout() async throws {
        try await ClientSimHarness.with(maxRetries: 0, timeout: .milliseconds(200)) { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", count: 2, delayMs: 1500))
            let start = ContinuousClock.now
            let error = try await expectOpenAIError {
                try await sim.client.responses.create(ClientSimHarness.body)
            }
            #expect(error.kind == .timeout, "\(error)")
            #expect(error.attempts == 1)
            #expect(start.duration(to: .now) < .milliseconds(1200))

            // A stream's timeout covers the response head.
            let streamError = try await expectOpenAIError {
                try await sim.client.responses.createStream(ClientSimHarness.body)
            }
            #expect(streamError.kind == .timeout, "\(streamError)")
        }
    }

    @Test("a caller-supplied id stays one path segment")
    func pathSegmentKeepsTheRoute() async throws {
        try await ClientSimHarness.with { sim in
            for id in ["../x", "a/b", "x?stream=true", "..", "%2E%2E"] {
                let error = try await expectOpenAIError {
                    try await sim.client.responses.retrieve(id: id)
                }
                #expect(error.status == 404, "\(id): \(error)")
                #expect(error.endpoint == "GET /v1/responses/{id}", "a failure carries the same template as a success")
            }
            let stats = sim.state.stats()
            #expect(stats.requests == ["GET /v1/responses/{id}": 5], "\(stats.requests)")
            #expect(PercentEncoding.encode("../x", .pathSegment) == "%2E%2E%2Fx")
        }
    }

    @Test("the API key goes out as a bearer token and the other configured headers are set")
    func authorizationHeader() async throws {
        let configuration = OpenAIConfiguration(
            apiKey: "sk-test",
            baseURL: "http://127.0.0.1:9/v1",
            organization: "org-1",
            project: "proj-1"
        )
        let transport = OpenAITransport(httpClient: HTTPClient.shared, configuration: configuration)
        let request = transport.makeHTTPRequest(
            OpenAIRequest(method: .GET, path: ["responses", .id("r")], headers: ["Authorization": "Bearer other"])
        )
        // The simulator does not check keys, so the header is checked where it is built.
        #expect(request.headers["Authorization"] == ["Bearer sk-test"])
        #expect(request.headers.first(name: "OpenAI-Organization") == "org-1")
        #expect(request.headers.first(name: "OpenAI-Project") == "proj-1")
        #expect(request.url == "http://127.0.0.1:9/v1/responses/r")

        let anonymous = OpenAITransport(httpClient: HTTPClient.shared, configuration: OpenAIConfiguration(apiKey: nil))
        #expect(anonymous.makeHTTPRequest(OpenAIRequest(method: .GET, path: ["x"])).headers.first(name: "Authorization") == nil)
    }

    @Test("the API key never appears in an error's description")
    func keyNotInErrors() async throws {
        let key = "sk-test-SECRET-4f9c2a"
        var errors: [OpenAIError] = []
        try await ClientSimHarness.with(maxRetries: 1, apiKey: key) { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", status: 401, count: 1))
            errors.append(
                try await expectOpenAIError { try await sim.client.responses.create(ClientSimHarness.body) }
            )
            sim.state.addFault(SimulatorFault(path: "/v1/responses", status: 500, count: 2))
            errors.append(
                try await expectOpenAIError { try await sim.client.responses.create(ClientSimHarness.body) }
            )
            // One attempt: a POST that timed out is not sent again.
            sim.state.addFault(SimulatorFault(path: "/v1/responses", count: 1, delayMs: 1000))
            let impatient = sim.client(timeout: .milliseconds(200), maxRetries: 1)
            errors.append(try await expectOpenAIError { try await impatient.responses.create(ClientSimHarness.body) })
            sim.state.addFault(SimulatorFault(path: "/v1/responses", dropAfterEvents: 2))
            errors.append(
                try await expectOpenAIError {
                    for try await _ in try await sim.client.responses.createStream(ClientSimHarness.body) {}
                }
            )
        }
        try await withGatewayHTTPClient { httpClient in
            let refused = OpenAIClient(
                transport: OpenAITransport(
                    httpClient: httpClient,
                    configuration: OpenAIConfiguration(apiKey: key, baseURL: "http://127.0.0.1:1/v1", retryPolicy: RetryPolicy(maxRetries: 0))
                )
            )
            errors.append(try await expectOpenAIError { try await refused.responses.retrieve(id: "resp_1") })
        }

        #expect(errors.map(\.kind) == [.http, .http, .timeout, .connectionReset, .connectionRefused])
        for error in errors {
            let texts = [String(describing: error), String(reflecting: error), error.cause ?? "", error.body?.jsonString ?? ""]
            for text in texts {
                #expect(!text.contains(key), "\(error.kind): \(text)")
                #expect(!text.contains("SECRET"), "\(error.kind): \(text)")
            }
        }
    }
}
