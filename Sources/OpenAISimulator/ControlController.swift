import Hummingbird
import OpenAIClient

/// `/__simulator/...`: fault injection, models and introspection over HTTP.
struct ControlController: Sendable {
    let state: SimulatorState

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("faults", use: addFault)
        group.get("faults", use: listFaults)
        group.delete("faults", use: clearFaults)
        group.get("stats", use: stats)
        group.post("reset", use: reset)
        group.post("models", use: addModels)
    }

    /// Adds one model `{"id": "my-model", "kind": "text", "context_window": 8192}` or an array of them;
    /// answers them as `/v1/models` lists them.
    @Sendable func addModels(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let body = try await SimulatorHTTP.jsonBody(&request, limit: 1 << 20)
        let models = try (body.arrayValue ?? [body]).map { value throws(SimulatorAPIError) in try SimulatorModels.parse(value) }
        models.forEach(state.models.add)
        return SimulatorHTTP.json(
            ["object": "list", "data": .array(models.map { ModelsController.object(id: $0.name, info: $0) })],
            status: .created
        )
    }

    /// Accepts one fault object or an array of them.
    @Sendable func addFault(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let body = try await SimulatorHTTP.jsonBody(&request, limit: 1 << 20)
        let faults = try (body.arrayValue ?? [body]).map { value throws(SimulatorAPIError) in try SimulatorFault.parse(value) }
        faults.forEach(state.addFault)
        return SimulatorHTTP.json(["object": "list", "data": .array(faults.map(\.json))], status: .created)
    }

    @Sendable func listFaults(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        SimulatorHTTP.json(["object": "list", "data": .array(state.faults().map(\.json))])
    }

    @Sendable func clearFaults(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        state.clearFaults()
        return SimulatorHTTP.json(["deleted": true])
    }

    @Sendable func stats(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        SimulatorHTTP.json(state.stats().json)
    }

    @Sendable func reset(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        state.reset()
        return SimulatorHTTP.json(["reset": true])
    }
}
