import OpenAIClient

/// Counters the simulator keeps, served as `GET /__simulator/stats`.
public struct SimulatorStats: Sendable, Codable, Equatable {
    /// Requests per route pattern, e.g. `"POST /v1/responses": 3`, `"GET /v1/responses/{id}": 1`.
    public var requests: [String: Int] = [:]
    /// All `/v1` requests, faulted ones included (`/__simulator` requests are not counted).
    public var totalRequests = 0
    /// Requests that carried `OpenAI-Beta: assistants=v2` (as the SDKs send it to `/v1/vector_stores...`).
    public var assistantsBetaRequests = 0
    /// Event streams being written now.
    public var openStreams = 0
    /// Event streams that ran to their end (a `drop_after_events` drop does not count).
    public var completedStreams = 0
    /// Event streams whose client went away before the end.
    public var clientDisconnects = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case requests
        case totalRequests = "total_requests"
        case openStreams = "open_streams"
        case completedStreams = "completed_streams"
        case clientDisconnects = "client_disconnects"
        case assistantsBetaRequests = "assistants_beta_requests"
    }

    /// The stats as ordered JSON.
    public var json: JSONValue {
        [
            "requests": .object(JSONObject(requests.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })),
            "total_requests": JSONValue(totalRequests),
            "open_streams": JSONValue(openStreams),
            "completed_streams": JSONValue(completedStreams),
            "client_disconnects": JSONValue(clientDisconnects),
            "assistants_beta_requests": JSONValue(assistantsBetaRequests),
        ]
    }

    /// Collections whose members are addressed by id: `/v1/<collection>/{id}` and `/v1/<collection>/{id}/<action>`.
    static let collections: [[Substring]] = [
        ["chat", "completions"], ["responses"], ["files"], ["models"], ["vector_stores"], ["__simulator", "images"], ["videos", "characters"],
        ["videos"],
    ]

    /// Segments that name an action of a collection rather than one of its members (`/v1/videos/edits`).
    static let actions: Set<Substring> = ["edits", "extensions", "characters", "input_tokens"]

    /// The route pattern a request is counted under, e.g. `GET /v1/files/{id}/content`.
    static func routePattern(method: String, path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.first == "v1" {
            let rest = parts.dropFirst()
            for collection in collections where rest.starts(with: collection) {
                let extra = rest.count - collection.count
                guard extra == 1 || extra == 2, !actions.contains(rest[rest.startIndex + collection.count]) else { continue }
                var pattern = ["v1"] + collection.map(String.init) + ["{id}"]
                if extra == 2, let action = rest.last { pattern.append(String(action)) }
                return "\(method) /" + pattern.joined(separator: "/")
            }
        }
        return "\(method) \(path)"
    }
}
