import Hummingbird
import OpenAIClient

/// The Models API: the models the simulator knows (see ``SimulatorModels``) as OpenAI's model list.
struct ModelsController: Sendable {
    let models: SimulatorModels

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.get("models", use: list)
        group.get("models/:id", use: retrieve)
    }

    @Sendable func list(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        SimulatorHTTP.json(["object": "list", "data": .array(models.all().map { Self.object(id: $0.id, info: $0.info) })])
    }

    /// A catalogue name, or a dated snapshot of one (`gpt-4o-2024-08-06`), answered under the id asked for.
    @Sendable func retrieve(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let info = models.model(id) else {
            throw SimulatorAPIError(
                status: 404,
                message: "The model '\(id)' does not exist",
                type: "invalid_request_error",
                param: "model",
                code: "model_not_found"
            )
        }
        return SimulatorHTTP.json(Self.object(id: id, info: info))
    }

    /// A `model` object; `created` is a fixed date derived from the name, `shutdown_date` the
    /// catalogue's retirement date when it has one.
    static func object(id: String, info: ModelInfo) -> JSONValue {
        var object: JSONObject = [
            "id": .string(id), "object": "model",
            "created": JSONValue(1_600_000_000 + Int(SimulatedResponse.fnv1a(info.name) % 150_000_000)),
            "owned_by": "system",
        ]
        if let retiredOn = info.lifecycle.retiredOn { object["shutdown_date"] = .string(retiredOn) }
        return .object(object)
    }
}
