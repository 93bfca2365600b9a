import Hummingbird
import OpenAIClient

/// The Responses API: create (JSON, stream, background), retrieve (and resume a stream),
/// delete, cancel and list input items.
struct ResponsesController: Sendable {
    let configuration: SimulatorConfiguration
    let state: SimulatorState

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("responses", use: create)
        group.post("responses/input_tokens", use: inputTokens)
        group.get("responses/:id", use: retrieve)
        group.delete("responses/:id", use: delete)
        group.post("responses/:id/cancel", use: cancel)
        group.get("responses/:id/input_items", use: inputItems)
    }

    @Sendable func create(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let create = try CreateResponseRequest.parse(try await SimulatorHTTP.jsonBody(&request))
        let model = try state.models.require(create.model)
        let previousTokens = try previousTotalTokens(create)
        try SimulatorModels.checkContextWindow(model, tokens: SimulatedResponse.inputTokens(create, previousTotalTokens: previousTokens))
        let simulated = SimulatedResponse(request: create, previousTotalTokens: previousTokens)
        let fault = context.fault
        let plan = EventPlan(response: simulated, fault: fault)
        let delay = fault?.eventDelayMs.map { Duration.milliseconds($0) } ?? configuration.eventDelay
        let items = Self.inputItemResources(create.inputItems)

        if create.background {
            let queued = simulated.snapshot(status: "queued")
            state.insert(id: simulated.id, .init(snapshot: queued, inputItems: items, background: true))
            let subscription = create.stream ? state.subscribe(id: simulated.id, startingAfter: -1) : nil
            let run = Task { [state, configuration] in
                await Self.runBackground(plan, id: simulated.id, state: state, eventDelay: delay, stepDelay: configuration.backgroundStepDelay)
            }
            state.setRun(id: simulated.id, run)
            if let subscription {
                return EventStream.response(
                    request: request,
                    source: .stored(replay: subscription.replay, live: subscription.live),
                    state: state,
                    dropAfterEvents: fault?.dropAfterEvents
                )
            }
            return SimulatorHTTP.json(queued)
        }
        if create.stream {
            if create.store {
                state.insert(id: simulated.id, .init(snapshot: simulated.snapshot(status: "in_progress"), inputItems: items, background: false))
            }
            return EventStream.response(
                request: request,
                source: .plan(plan, storeID: create.store ? simulated.id : nil, delay: delay),
                state: state,
                dropAfterEvents: fault?.dropAfterEvents
            )
        }
        if create.store {
            var stored = SimulatorState.StoredResponse(snapshot: plan.finalSnapshot, inputItems: items, background: false)
            stored.events = plan.payloads
            stored.finished = true
            state.insert(id: simulated.id, stored)
        }
        return SimulatorHTTP.json(plan.finalSnapshot)
    }

    /// `POST /v1/responses/input_tokens`: `{object: "response.input_tokens", input_tokens}`, counted as a
    /// create counts its usage (members outside the spec's body are refused by `SimulatorHTTP.jsonBody`).
    @Sendable func inputTokens(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let value = try await SimulatorHTTP.jsonBody(&request)
        guard var body = value.objectValue else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid type for request body: expected an object, but got \(value.typeName) instead.",
                param: nil,
                code: "invalid_type"
            )
        }
        // The model is optional here; the count does not depend on it, but a model named must exist.
        if let model = body["model"]?.stringValue {
            _ = try state.models.require(model)
        } else {
            body["model"] = "gpt-4o"
        }
        let create = try CreateResponseRequest.parse(.object(body))
        let tokens = SimulatedResponse.inputTokens(create, previousTotalTokens: try previousTotalTokens(create))
        return SimulatorHTTP.json(["object": "response.input_tokens", "input_tokens": JSONValue(tokens)])
    }

    /// The total tokens of the previous response a request continues (0 without one); 404 when it is unknown.
    private func previousTotalTokens(_ create: CreateResponseRequest) throws -> Int {
        guard let previous = create.previousResponseID else { return 0 }
        guard let tokens = state.totalTokens(id: previous) else {
            throw SimulatorAPIError(
                status: 404,
                message: "Previous response with id '\(previous)' not found.",
                type: "invalid_request_error",
                param: "previous_response_id",
                code: "previous_response_not_found"
            )
        }
        return tokens
    }

    /// Plays a background response: queued now, in progress after a step, events paced, done after another step.
    static func runBackground(_ plan: EventPlan, id: String, state: SimulatorState, eventDelay: Duration, stepDelay: Duration) async {
        for (index, planned) in plan.events.enumerated() {
            do {
                if planned.isStep {
                    try await Task.sleep(for: stepDelay)
                } else if index > 1, eventDelay > .zero {
                    try await Task.sleep(for: eventDelay)
                }
            } catch {
                return
            }
            let event = planned.payload(sequenceNumber: index)
            guard state.append(id: id, event: event, snapshot: planned.snapshot, finishes: index == plan.events.count - 1) else { return }
        }
    }

    @Sendable func retrieve(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let query = request.uri.queryParameters
        if query.get("stream") == "true" {
            let startingAfter = query.get("starting_after").flatMap { Int($0) } ?? -1
            guard let subscription = state.subscribe(id: id, startingAfter: startingAfter) else { throw SimulatorAPIError.responseNotFound(id) }
            return EventStream.response(
                request: request,
                source: .stored(replay: subscription.replay, live: subscription.live),
                state: state,
                dropAfterEvents: context.fault?.dropAfterEvents
            )
        }
        guard let stored = state.response(id: id) else { throw SimulatorAPIError.responseNotFound(id) }
        return SimulatorHTTP.json(stored.snapshot)
    }

    @Sendable func delete(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard state.delete(id: id) else { throw SimulatorAPIError.responseNotFound(id) }
        return SimulatorHTTP.json(["id": .string(id), "object": "response", "deleted": true])
    }

    @Sendable func cancel(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        switch state.cancel(id: id) {
        case .notFound:
            throw SimulatorAPIError.responseNotFound(id)
        case .notBackground:
            throw SimulatorAPIError.invalidRequest("Cannot cancel a synchronous response.", param: nil)
        case .finished(let status):
            throw SimulatorAPIError.invalidRequest("Cannot cancel a \(status) response.", param: nil)
        case .cancelled(let snapshot):
            return SimulatorHTTP.json(snapshot)
        }
    }

    @Sendable func inputItems(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let stored = state.response(id: id) else { throw SimulatorAPIError.responseNotFound(id) }
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
        let order = query.get("order") ?? "desc"
        guard order == "asc" || order == "desc" else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid value for 'order': expected one of 'asc' or 'desc', but got '\(order)' instead.",
                param: "order",
                code: "invalid_value"
            )
        }
        var items = order == "asc" ? stored.inputItems : stored.inputItems.reversed()
        if let after = query.get("after") {
            guard let index = items.firstIndex(where: { $0["id"]?.stringValue == after }) else {
                throw SimulatorAPIError.invalidRequest("Item with id '\(after)' not found.", param: "after", code: nil)
            }
            items = Array(items[(index + 1)...])
        }
        let page = Array(items.prefix(limit))
        let list: JSONValue = [
            "object": "list",
            "data": .array(page),
            "first_id": .string(page.first?["id"]?.stringValue ?? ""),
            "last_id": .string(page.last?["id"]?.stringValue ?? ""),
            "has_more": .bool(items.count > limit),
        ]
        return SimulatorHTTP.json(list)
    }

    /// The input as OpenAI lists it: every item with an id, messages with content parts.
    static func inputItemResources(_ items: [JSONValue]) -> [JSONValue] {
        items.map { item in
            guard var object = item.objectValue else { return item }
            let isMessage = object["type"]?.stringValue == "message" || (object["type"] == nil && object["role"] != nil)
            if isMessage {
                let role = object["role"]?.stringValue ?? "user"
                let partType = role == "assistant" ? "output_text" : "input_text"
                var parts: [JSONValue]
                if let text = object["content"]?.stringValue {
                    parts = [["type": .string(partType), "text": .string(text)]]
                } else {
                    parts = object["content"]?.arrayValue ?? []
                }
                if role == "assistant" {
                    parts = parts.map { part in
                        guard var part = part.objectValue else { return part }
                        if part["type"]?.stringValue == "input_text" { part["type"] = "output_text" }
                        if part["annotations"] == nil { part["annotations"] = [] }
                        if part["logprobs"] == nil { part["logprobs"] = [] }
                        return .object(part)
                    }
                }
                var message: JSONObject = [
                    "id": object["id"] ?? .string(SimulatorIDs.make("msg")), "type": "message", "role": .string(role),
                    "content": .array(parts),
                ]
                message["status"] = object["status"] ?? "completed"
                return .object(message)
            }
            if object["id"] == nil { object["id"] = .string(SimulatorIDs.make("item")) }
            return .object(object)
        }
    }
}
