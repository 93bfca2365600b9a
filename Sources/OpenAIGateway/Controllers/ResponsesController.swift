import Hummingbird
import Logging
import NIOCore
import OpenAIClient

/// `/api/responses`: text and image responses (JSON and SSE), retrieve, delete, cancel, resume and input items.
struct ResponsesController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration
    let catalogue: ModelCatalogue

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("text", use: createText)
        group.post("text/stream", use: createTextStream)
        group.post("images", use: createImage)
        group.post("images/stream", use: createImageStream)
        group.post("code-interpreter", use: createCodeInterpreter)
        group.post("input-tokens", use: countInputTokens)
        group.get(":id", use: retrieve)
        group.delete(":id", use: delete)
        group.post(":id/cancel", use: cancel)
        group.get(":id/stream", use: resume)
        group.get(":id/input_items", use: inputItems)
    }

    // MARK: - Handlers

    /// `POST /api/responses/text` → 201 with the upstream Response, unchanged.
    @Sendable func createText(_ request: Request, context: Context) async throws -> Response {
        let body = try await validatedTextBody(request, context: context, stream: false)
        return context.call.json(try await client.responses.create(body), status: .created, usage: .billed)
    }

    /// `POST /api/responses/text/stream` → 201 `text/event-stream`.
    @Sendable func createTextStream(_ request: Request, context: Context) async throws -> Response {
        let body = try await validatedTextBody(request, context: context, stream: true)
        context.call.annotate { $0.usageRole = .billed }
        return relay(try await client.responses.createStream(body), status: .created, startingAfter: nil, request: request, context: context)
    }

    /// `POST /api/responses/images` → 201 with the upstream Response (its `image_generation_call` items
    /// carry the images): a Responses call with the image tool built from the `image_*` fields.
    @Sendable func createImage(_ request: Request, context: Context) async throws -> Response {
        let body = try await validatedImageBody(request, context: context, stream: false)
        return context.call.json(try await client.responses.create(body), status: .created, usage: .billed)
    }

    /// `POST /api/responses/images/stream` → 201 `text/event-stream` with the image route's event map
    /// (`image_generation_call.in_progress`, `.generating`, `image_gen_partial`, `image_gen_completed`, ...).
    @Sendable func createImageStream(_ request: Request, context: Context) async throws -> Response {
        let body = try await validatedImageBody(request, context: context, stream: true)
        context.call.annotate { $0.usageRole = .billed }
        let events = try await client.responses.createStream(body)
        return relay(events, status: .created, startingAfter: nil, imageMap: true, request: request, context: context)
    }

    /// `GET /api/responses/:id/stream` → 200 `text/event-stream`, resuming after `starting_after` or `Last-Event-ID`.
    /// The usage in the replayed events is the original call's: logged for reference, not billed again.
    @Sendable func resume(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        let startingAfter = try Self.startingAfter(request)
        let events = try await client.responses.retrieveStream(id: id, startingAfter: startingAfter)
        return relay(events, status: .ok, startingAfter: startingAfter, request: request, context: context)
    }

    /// `GET /api/responses/:id` → 200 with the Response.
    @Sendable func retrieve(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        let query = request.uri.queryParameters.filter { ["include", "include[]"].contains(String($0.key)) }
            .map { (name: "include[]", value: String($0.value)) }
        return context.call.json(try await client.responses.retrieve(id: id, query: query), status: .ok)
    }

    /// `DELETE /api/responses/:id` → 200 `{id, object, deleted}` as the upstream sends it.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        return context.call.json(try await client.responses.delete(id: id), status: .ok)
    }

    /// `POST /api/responses/:id/cancel` → 201 with the cancelled Response (the reference app's status).
    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        return context.call.json(try await client.responses.cancel(id: id), status: .created)
    }

    /// `GET /api/responses/:id/input_items` → 200 with the upstream list (`limit`, `order`, `after`, `before`, `include`).
    @Sendable func inputItems(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        let query = try ListQuery(request, rules: Self.inputItemRules)
        let response = try await client.responses.listInputItems(id: id, query: query.upstream)
        return try context.call.listPage(response, query: query, envelope: true)
    }

    // MARK: - Helpers

    /// The validated client body as the upstream body (defaults applied); the model it names is
    /// recorded, in case the answer does not say.
    private func validatedTextBody(_ request: Request, context: Context, stream: Bool) async throws -> JSONObject {
        var request = request
        let json = try await request.decodeJSONBody(limit: configuration.maxBodySize)
        let problems = TextResponseRequest.validate(json)
        guard problems.isEmpty, let object = json.objectValue else { throw GatewayError.validation(problems) }
        for type in ToolRules.unknownTypes(object["tools"]) {
            context.logger.debug("forwarding a tool type the spec does not list", metadata: ["tool_type": .string(type)])
        }
        let body = TextResponseRequest.upstreamBody(object, defaultModel: configuration.defaultModel, stream: stream)
        context.call.annotate { $0.model = body["model"]?.stringValue }
        return body
    }

    private func validatedImageBody(_ request: Request, context: Context, stream: Bool) async throws -> JSONObject {
        var request = request
        let json = try await request.decodeJSONBody(limit: configuration.maxBodySize)
        let problems = ImageResponseRequest.validate(json, catalogue: catalogue)
        guard problems.isEmpty, let object = json.objectValue else { throw GatewayError.validation(problems) }
        let body = ImageResponseRequest.upstreamBody(object, defaultModel: configuration.defaultModel, stream: stream)
        let tool = body["tools"]?.arrayValue?.last
        context.call.annotate { record in
            record.model = body["model"]?.stringValue
            record.extra["image_model"] = tool?["model"] ?? .null
            record.extra["image_size"] = tool?["size"] ?? .null
            record.extra["image_quality"] = tool?["quality"] ?? .null
        }
        return body
    }

    func relay(
        _ events: ResponsesResource.EventStream,
        status: HTTPResponse.Status,
        startingAfter: Int?,
        imageMap: Bool = false,
        request: Request,
        context: Context
    ) -> Response {
        context.call.upstream(events.metadata)
        let stream = SSERelay(
            status: status,
            events: events,
            policy: ResponsesRelayPolicy(startingAfter: startingAfter, imageMap: imageMap),
            keepAliveInterval: configuration.keepAliveInterval,
            path: request.uri.description,
            call: context.call,
            logger: context.logger
        )
        return stream.response(channel: context.channel)
    }

    /// `starting_after` from the query, else `Last-Event-ID` (the `id:` of the last frame the client saw).
    static func startingAfter(_ request: Request) throws -> Int? {
        if let raw = request.uri.queryParameters["starting_after"] {
            guard let value = Int(raw), value >= 0 else {
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
            guard let value = Int(raw), value >= 0 else {
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

    /// `GET /api/responses/:id/input_items`: `limit` 1-100, `order`, `after`, `before`, `include` (repeatable).
    static let inputItemRules = ListQuery.Rules(
        endpoint: "GET /api/responses/:id/input_items",
        defaultOrder: nil,
        allowsBefore: true,
        filters: [ListQuery.Filter(name: "include[]", aliases: ["include"], repeated: true)]
    )
}
