import NIOConcurrencyHelpers
import OpenAIClient

/// The models the simulator knows: its catalogue (``SimulatorConfiguration/models``, the bundled
/// model catalogue by default) and the models added while it runs (``add(_:)``,
/// `POST /__simulator/models`). A request naming any other model gets OpenAI's 404 `model_not_found`.
///
/// ```swift
/// simulator.state.models.add(ModelInfo(name: "my-fine-tune", kind: .text, capabilities: ["context_window": 8192]))
/// ```
public final class SimulatorModels: Sendable {
    private struct Storage {
        var catalogue: ModelCatalogue = .bundled
        var added: [String: ModelInfo] = [:]
    }

    private let storage = NIOLockedValueBox(Storage())

    public init() {}

    /// Replaces the catalogue (models added with ``add(_:)`` stay).
    public func use(_ catalogue: ModelCatalogue) {
        storage.withLockedValue { $0.catalogue = catalogue }
    }

    /// Adds (or replaces) a model; it is known under `info.name` from now on, and survives `reset`.
    public func add(_ info: ModelInfo) {
        storage.withLockedValue { $0.added[info.name] = info }
    }

    /// A known model: an added one by its exact name, else a catalogue model or a dated snapshot of one.
    public func model(_ name: String) -> ModelInfo? {
        storage.withLockedValue { $0.added[name] ?? $0.catalogue.model(name) }
    }

    /// Every known model with the id it is listed under: the catalogue's in its order, then the added ones, sorted.
    public func all() -> [(id: String, info: ModelInfo)] {
        storage.withLockedValue { storage in
            storage.catalogue.orderedNames.compactMap { name in
                storage.added[name] == nil ? storage.catalogue.models[name].map { (name, $0) } : nil
            } + storage.added.keys.sorted().compactMap { name in storage.added[name].map { (name, $0) } }
        }
    }

    /// The model a request names, or OpenAI's 404 `model_not_found`.
    func require(_ name: String) throws(SimulatorAPIError) -> ModelInfo {
        guard let info = model(name) else { throw .modelNotFound(name) }
        return info
    }

    /// Parses `{"id": "my-model", "kind": "text", "context_window": 8192}` (`kind` defaults to `text`;
    /// `context_window` is optional, without it inputs of any length are accepted).
    static func parse(_ value: JSONValue) throws(SimulatorAPIError) -> ModelInfo {
        let fields = try RequestFields(value)
        let id = try fields.requiredString("id")
        guard !id.isEmpty else { throw .invalidRequest("Invalid 'id': empty string.", param: "id", code: "empty_string") }
        let kind = try fields.string("kind") ?? ModelKind.text.rawValue
        var capabilities: JSONObject = [:]
        if let window = try fields.int("context_window", in: 1...Int(Int32.max)) { capabilities["context_window"] = JSONValue(window) }
        return ModelInfo(name: id, kind: ModelKind(rawValue: kind), capabilities: .object(capabilities))
    }

    /// OpenAI's 400 `context_length_exceeded` when `tokens` is beyond the model's `context_window`.
    /// - Parameter chat: Chat Completions words it differently and names `messages`.
    static func checkContextWindow(_ info: ModelInfo, tokens: Int, chat: Bool = false) throws(SimulatorAPIError) {
        guard let window = info.integer("context_window"), tokens > window else { return }
        if chat {
            throw .invalidRequest(
                "This model's maximum context length is \(window) tokens. However, your messages resulted in \(tokens) tokens. "
                    + "Please reduce the length of the messages.",
                param: "messages",
                code: "context_length_exceeded"
            )
        }
        throw .invalidRequest(
            "Your input exceeds the context window of this model. Please adjust your input and try again.",
            param: "input",
            code: "context_length_exceeded"
        )
    }
}
