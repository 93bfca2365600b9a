import AsyncHTTPClient
import NIOHTTP1

/// The Responses API: `/responses`.
///
/// ```swift
/// let client = OpenAIClient(transport: transport)
/// let created = try await client.responses.create(["model": "gpt-4o", "input": "Hello"])
/// for try await event in try await client.responses.createStream(["model": "gpt-4o", "input": "Hi"]) {
///     if case .outputTextDelta(let delta) = event { print(delta.delta ?? "", terminator: "") }
/// }
/// ```
public struct ResponsesResource: Sendable {
    public typealias EventStream = ResponseEventStream<UpstreamBody>
    let transport: OpenAITransport

    /// `POST /responses` with `stream: false`. The body is sent as given (unknown fields included).
    public func create(_ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        var body = body
        body["stream"] = false
        return try await transport.send(OpenAIRequest(method: .POST, path: ["responses"], body: .json(.object(body))))
    }

    /// `POST /responses` with `stream: true`.
    public func createStream(_ body: JSONObject) async throws(OpenAIError) -> EventStream {
        var body = body
        body["stream"] = true
        let request = OpenAIRequest(
            method: .POST,
            path: ["responses"],
            headers: ["Accept": "text/event-stream"],
            body: .json(.object(body))
        )
        let (metadata, stream) = try await transport.open(request)
        return ResponseEventStream(metadata: metadata, body: stream, maxEventBytes: transport.configuration.maxEventBytes)
    }

    /// `POST /responses/input_tokens`: `{object: "response.input_tokens", input_tokens}` for a body of
    /// the spec's `TokenCountsBody` (`model`, `input`, `instructions`, `tools`, ...); nothing is generated.
    public func inputTokens(_ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["responses", "input_tokens"], body: .json(.object(body))))
    }

    /// `GET /responses/{id}`.
    public func retrieve(id: String, query: [(name: String, value: String)] = []) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .GET, path: ["responses", .id(id)], query: query))
    }

    /// `GET /responses/{id}?stream=true[&starting_after=N]`: the stored events of a response after
    /// sequence number `startingAfter`, live until it ends when it is still running.
    public func retrieveStream(id: String, startingAfter: Int? = nil) async throws(OpenAIError) -> EventStream {
        var query: [(name: String, value: String)] = [("stream", "true")]
        if let startingAfter { query.append(("starting_after", String(startingAfter))) }
        let request = OpenAIRequest(
            method: .GET,
            path: ["responses", .id(id)],
            query: query,
            headers: ["Accept": "text/event-stream"]
        )
        let (metadata, stream) = try await transport.open(request)
        return ResponseEventStream(metadata: metadata, body: stream, maxEventBytes: transport.configuration.maxEventBytes)
    }

    /// `DELETE /responses/{id}`.
    public func delete(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .DELETE, path: ["responses", .id(id)]))
    }

    /// `POST /responses/{id}/cancel` (background responses only).
    public func cancel(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["responses", .id(id), "cancel"]))
    }

    /// `GET /responses/{id}/input_items` with `limit`, `order`, `after`, `before`, `include[]`.
    public func listInputItems(id: String, query: [(name: String, value: String)] = []) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(
            OpenAIRequest(method: .GET, path: ["responses", .id(id), "input_items"], query: query)
        )
    }
}

/// A typed client for the OpenAI REST API, one resource per API.
public struct OpenAIClient: Sendable {
    public let transport: OpenAITransport

    public init(transport: OpenAITransport) {
        self.transport = transport
    }

    public var responses: ResponsesResource { ResponsesResource(transport: transport) }
}
