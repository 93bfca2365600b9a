import Hummingbird
import Logging
import NIOCore
import OpenAIClient

/// `/api/responses`: text responses (JSON and SSE), retrieve, delete, cancel, resume and input items.
struct ResponsesController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration
    let requestLogger: RequestLogger

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("text", use: createText)
        group.post("text/stream", use: createTextStream)
        group.get(":id", use: retrieve)
        group.delete(":id", use: delete)
        group.post(":id/cancel", use: cancel)
        group.get(":id/stream", use: resume)
        group.get(":id/input_items", use: inputItems)
    }

    // MARK: - Handlers

    /// `POST /api/responses/text` → 201 with the upstream Response, unchanged.
    @Sendable func createText(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await validatedTextBody(&request)
        let upstreamBody = TextResponseRequest.upstreamBody(body, defaultModel: configuration.defaultModel, stream: false)
        let response = try await upstream("POST /v1/responses") { try await client.responses.create(upstreamBody) }
        return passThrough(response, status: .created, request: request, context: context, requestModel: upstreamBody["model"]?.stringValue)
    }

    /// `POST /api/responses/text/stream` → 201 `text/event-stream`.
    @Sendable func createTextStream(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await validatedTextBody(&request)
        let upstreamBody = TextResponseRequest.upstreamBody(body, defaultModel: configuration.defaultModel, stream: true)
        let endpoint = "POST /v1/responses (stream)"
        let events = try await upstream(endpoint) { try await client.responses.createStream(upstreamBody) }
        return relay(
            events,
            status: .created,
            startingAfter: nil,
            endpoint: endpoint,
            request: request,
            context: context,
            requestModel: upstreamBody["model"]?.stringValue
        )
    }

    /// `GET /api/responses/:id/stream` → 200 `text/event-stream`, resuming after `starting_after` or `Last-Event-ID`.
    @Sendable func resume(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let startingAfter = try Self.startingAfter(request)
        let endpoint = "GET /v1/responses/{id}?stream=true"
        let events = try await upstream(endpoint) { try await client.responses.retrieveStream(id: id, startingAfter: startingAfter) }
        return relay(events, status: .ok, startingAfter: startingAfter, endpoint: endpoint, request: request, context: context, requestModel: nil)
    }

    /// `GET /api/responses/:id` → 200 with the Response.
    @Sendable func retrieve(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let query = request.uri.queryParameters.filter { ["include", "include[]"].contains(String($0.key)) }
            .map { (name: "include[]", value: String($0.value)) }
        let response = try await upstream("GET /v1/responses/{id}") { try await client.responses.retrieve(id: id, query: query) }
        return passThrough(response, status: .ok, request: request, context: context)
    }

    /// `DELETE /api/responses/:id` → 200 `{id, object, deleted}` as the upstream sends it.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let response = try await upstream("DELETE /v1/responses/{id}") { try await client.responses.delete(id: id) }
        return passThrough(response, status: .ok, request: request, context: context)
    }

    /// `POST /api/responses/:id/cancel` → 201 with the cancelled Response (the reference app's status).
    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let response = try await upstream("POST /v1/responses/{id}/cancel") { try await client.responses.cancel(id: id) }
        return passThrough(response, status: .created, request: request, context: context)
    }

    /// `GET /api/responses/:id/input_items` → 200 with the upstream list (`limit`, `order`, `after`, `before`, `include`).
    @Sendable func inputItems(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let query = try Self.listQuery(request)
        let response = try await upstream("GET /v1/responses/{id}/input_items") {
            try await client.responses.listInputItems(id: id, query: query)
        }
        return passThrough(response, status: .ok, request: request, context: context)
    }

    // MARK: - Helpers

    private func validatedTextBody(_ request: inout Request) async throws -> JSONObject {
        let json = try await request.decodeJSONBody(limit: configuration.maxBodySize)
        let problems = TextResponseRequest.validate(json)
        guard problems.isEmpty, let object = json.objectValue else { throw GatewayError.validation(problems) }
        return object
    }

    private func passThrough(
        _ response: OpenAIResponse,
        status: HTTPResponse.Status,
        request: Request,
        context: Context,
        requestModel: String? = nil
    ) -> Response {
        let json = try? response.json()
        requestLogger.success(
            request: request,
            context: context,
            status: Int(status.code),
            endpoint: response.metadata.endpoint,
            metadata: response.metadata,
            responseJSON: json,
            requestModel: requestModel
        )
        return .upstreamJSON(response, status: status)
    }

    private func relay(
        _ events: ResponsesResource.EventStream,
        status: HTTPResponse.Status,
        startingAfter: Int?,
        endpoint: String,
        request: Request,
        context: Context,
        requestModel: String?
    ) -> Response {
        let requestLogger = self.requestLogger
        let metadata = events.metadata
        var extraHeaders: HTTPFields = [.requestID: context.requestID]
        if let upstreamID = metadata.requestID { extraHeaders[.upstreamRequestID] = upstreamID }
        let stream = SSERelay(
            status: status,
            events: events,
            policy: ResponsesRelayPolicy(startingAfter: startingAfter),
            keepAliveInterval: configuration.keepAliveInterval,
            path: request.uri.description,
            extraHeaders: extraHeaders,
            logger: context.logger,
            onFrame: { frame in requestLogger.event(request: request, context: context, frame: frame) },
            onFinish: { result in
                requestLogger.stream(
                    request: request,
                    context: context,
                    status: Int(status.code),
                    endpoint: endpoint,
                    metadata: metadata,
                    result: result,
                    requestModel: requestModel
                )
            }
        )
        return stream.response(for: request)
    }

    /// `starting_after` from the query, else `Last-Event-ID` (the `id:` of the last frame the client saw).
    static func startingAfter(_ request: Request) throws -> Int? {
        if let raw = request.uri.queryParameters["starting_after"] {
            guard let value = Int(raw), value >= -1 else {
                throw GatewayError.validation([
                    ValidationProblem(
                        parameter: "starting_after",
                        message: "starting_after must be a non-negative integer",
                        hint: "Pass the sequence number of the last event you received, e.g. ?starting_after=12."
                    )
                ])
            }
            return value
        }
        if let raw = request.headers[.lastEventID]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let value = Int(raw), value >= -1 else {
                throw GatewayError.validation([
                    ValidationProblem(
                        parameter: "Last-Event-ID",
                        message: "Last-Event-ID must be the integer id of a frame this gateway sent",
                        hint: "Send back the id: of the last event you received, or omit the header to start from the beginning."
                    )
                ])
            }
            return value
        }
        return nil
    }

    /// Validated list parameters for input items.
    static func listQuery(_ request: Request) throws -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        var problems: [ValidationProblem] = []
        let parameters = request.uri.queryParameters
        if let limit = parameters["limit"] {
            if let value = Int(limit), (1...100).contains(value) {
                query.append(("limit", String(value)))
            } else {
                problems.append(
                    ValidationProblem(
                        parameter: "limit",
                        message: "limit must be an integer between 1 and 100",
                        hint: "Use e.g. ?limit=20 (default 20)."
                    )
                )
            }
        }
        if let order = parameters["order"] {
            if ["asc", "desc"].contains(String(order)) {
                query.append(("order", String(order)))
            } else {
                problems.append(
                    ValidationProblem(
                        parameter: "order",
                        message: "order must be either \"asc\" or \"desc\"",
                        hint: "Use ?order=asc for oldest first or ?order=desc for newest first."
                    )
                )
            }
        }
        for key in ["after", "before"] {
            if let value = parameters[Substring(key)] { query.append((key, String(value))) }
        }
        for (key, value) in parameters where key == "include" || key == "include[]" {
            query.append(("include[]", String(value)))
        }
        guard problems.isEmpty else { throw GatewayError.validation(problems) }
        return query
    }
}
