import Foundation
import Hummingbird
import NIOCore
import OpenAIClient

/// The Chat Completions API: create (JSON and `stream: true`), and for `store: true` completions
/// retrieve, update metadata, list and delete.
struct ChatCompletionsController: Sendable {
    let configuration: SimulatorConfiguration
    let state: SimulatorState

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("chat/completions", use: create)
        group.get("chat/completions", use: list)
        group.get("chat/completions/:id", use: retrieve)
        group.post("chat/completions/:id", use: update)
        group.delete("chat/completions/:id", use: delete)
    }

    @Sendable func create(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let create = try CreateChatCompletionRequest.parse(try await SimulatorHTTP.jsonBody(&request))
        let model = try state.models.require(create.model)
        let simulated = SimulatedChatCompletion(request: create)
        try SimulatorModels.checkContextWindow(model, tokens: simulated.promptTokens, chat: true)
        if create.store {
            // Stored as soon as it is created (the stream below only replays it).
            state.insertChatCompletion(
                id: simulated.id,
                .init(completion: simulated.completion, metadata: create.metadata ?? [:], model: create.model)
            )
        }
        guard create.stream else { return SimulatorHTTP.json(simulated.completion) }
        let fault = context.fault
        let (chunks, failed) = simulated.streamPayloads(fault: fault)
        var frames = chunks.map(SimulatorHTTP.dataFrame)
        if !failed { frames.append(SimulatorHTTP.doneFrame) }
        return EventStream.response(
            request: request,
            source: .frames(frames, delay: fault?.eventDelayMs.map { Duration.milliseconds($0) } ?? configuration.eventDelay),
            state: state,
            dropAfterEvents: fault?.dropAfterEvents
        )
    }

    @Sendable func retrieve(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let stored = state.chatCompletion(id: id) else { throw SimulatorAPIError.chatCompletionNotFound(id) }
        return SimulatorHTTP.json(stored.json)
    }

    /// `{"metadata": {...}}` replaces the metadata of a stored completion (`null` clears it).
    @Sendable func update(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        var request = request
        let fields = try RequestFields(try await SimulatorHTTP.jsonBody(&request, limit: 1 << 20))
        guard fields.body["metadata"] != nil else { throw SimulatorAPIError.missingParameter("metadata") }
        let metadata = try fields.metadata() ?? [:]
        guard let stored = state.updateChatCompletion(id: id, metadata: metadata) else {
            throw SimulatorAPIError.chatCompletionNotFound(id)
        }
        return SimulatorHTTP.json(stored.json)
    }

    @Sendable func delete(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard state.deleteChatCompletion(id: id) else { throw SimulatorAPIError.chatCompletionNotFound(id) }
        return SimulatorHTTP.json(["object": "chat.completion.deleted", "id": .string(id), "deleted": true])
    }

    /// `?model=`, `?metadata[key]=value` (every pair must match), `after`, `limit` (1–100, default 20)
    /// and `order` (`asc` by default, as OpenAI lists chat completions).
    @Sendable func list(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var limit = 20
        if let raw = query.get("limit") {
            guard let value = Int(raw), (1...100).contains(value) else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid 'limit': expected an integer between 1 and 100, but got '\(raw)' instead.",
                    param: "limit",
                    code: "invalid_value"
                )
            }
            limit = value
        }
        let order = query.get("order") ?? "asc"
        guard order == "asc" || order == "desc" else {
            throw SimulatorAPIError.invalidValue(param: "order", got: order, allowed: ["asc", "desc"])
        }
        let model = query.get("model")
        var metadata: [(String, String)] = []
        for (key, value) in query {
            // Hummingbird decodes values, not keys: `metadata%5Bteam%5D` is how clients send `metadata[team]`.
            let name = String(key).removingPercentEncoding ?? String(key)
            if name.hasPrefix("metadata["), name.hasSuffix("]") {
                metadata.append((String(name.dropFirst("metadata[".count).dropLast()), String(value)))
            }
        }
        var completions = state.chatCompletions().filter { stored in
            (model == nil || stored.model == model) && metadata.allSatisfy { stored.metadata[$0.0]?.stringValue == $0.1 }
        }
        if order == "desc" { completions.reverse() }
        if let after = query.get("after") {
            guard let index = completions.firstIndex(where: { $0.completion["id"]?.stringValue == after }) else {
                throw SimulatorAPIError.chatCompletionNotFound(after)
            }
            completions = Array(completions[(index + 1)...])
        }
        let page = completions.prefix(limit).map(\.json)
        let list: JSONValue = [
            "object": "list",
            "data": .array(Array(page)),
            "first_id": .string(page.first?["id"]?.stringValue ?? ""),
            "last_id": .string(page.last?["id"]?.stringValue ?? ""),
            "has_more": .bool(completions.count > limit),
        ]
        return SimulatorHTTP.json(list)
    }
}

extension SimulatorAPIError {
    static func chatCompletionNotFound(_ id: String) -> SimulatorAPIError {
        SimulatorAPIError(
            status: 404,
            message: "Chat completion with id '\(id)' not found.",
            type: "invalid_request_error",
            param: nil,
            code: nil
        )
    }
}
