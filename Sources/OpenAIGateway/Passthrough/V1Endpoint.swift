/// What the gateway knows about an OpenAI endpoint forwarded under `/v1`: its template (for the call
/// record and the log), its API (the log file) and how it is billed. Unknown paths are forwarded too,
/// with a template whose id-like segments are `{id}`.
struct V1Endpoint: Sendable, Hashable {
    /// How a call of the endpoint is metered.
    enum Billing: Sendable, Hashable {
        /// Not billable (lists, retrieves, deletes...); usage in the answer is kept for reference.
        case none
        /// Tokens in the answer's `usage` (responses, chat, completions, embeddings).
        case tokens
        /// Speech: characters of the request's `input`.
        case speech
        /// Transcription or translation: the answer's duration or token usage.
        case transcription
        /// Images: per image by the request's model, size and quality (token usage for GPT Image models).
        case images
        /// Video: the request's `seconds` at its `size`.
        case video
        /// Moderations: free.
        case free
    }

    var method: String
    /// The path after `/v1`, with `{id}` for parameters: `/files/{id}/content`.
    var template: String
    var billing: Billing

    /// The API of the endpoint (its log file): `/chat/completions` → `chat`.
    var api: String { GatewayAPI.forRoute("/v1" + template) }

    private static let known: [(method: String, template: String, billing: Billing)] = [
        ("POST", "/responses", .tokens), ("GET", "/responses/{id}", .none), ("DELETE", "/responses/{id}", .none),
        ("POST", "/responses/{id}/cancel", .none), ("GET", "/responses/{id}/input_items", .none),
        ("POST", "/responses/input_tokens", .none), ("POST", "/responses/compact", .tokens),
        ("POST", "/chat/completions", .tokens), ("GET", "/chat/completions", .none), ("GET", "/chat/completions/{id}", .none),
        ("POST", "/chat/completions/{id}", .none), ("DELETE", "/chat/completions/{id}", .none),
        ("GET", "/chat/completions/{id}/messages", .none),
        ("POST", "/completions", .tokens), ("POST", "/embeddings", .tokens), ("POST", "/moderations", .free),
        ("GET", "/models", .none), ("GET", "/models/{id}", .none), ("DELETE", "/models/{id}", .none),
        ("POST", "/files", .none), ("GET", "/files", .none), ("GET", "/files/{id}", .none), ("DELETE", "/files/{id}", .none),
        ("GET", "/files/{id}/content", .none),
        ("POST", "/uploads", .none), ("POST", "/uploads/{id}/parts", .none), ("POST", "/uploads/{id}/complete", .none),
        ("POST", "/uploads/{id}/cancel", .none),
        ("POST", "/batches", .none), ("GET", "/batches", .none), ("GET", "/batches/{id}", .none), ("POST", "/batches/{id}/cancel", .none),
        ("POST", "/images/generations", .images), ("POST", "/images/edits", .images), ("POST", "/images/variations", .images),
        ("POST", "/audio/speech", .speech), ("POST", "/audio/transcriptions", .transcription),
        ("POST", "/audio/translations", .transcription),
        ("POST", "/videos", .video), ("POST", "/videos/edits", .video), ("POST", "/videos/extensions", .video),
        ("POST", "/videos/characters", .none), ("GET", "/videos/characters/{id}", .none),
        ("GET", "/videos", .none), ("GET", "/videos/{id}", .none), ("DELETE", "/videos/{id}", .none),
        ("GET", "/videos/{id}/content", .none), ("POST", "/videos/{id}/remix", .video),
    ]

    /// The route templates of the known endpoints (`/v1/files/{id}`): bounded, so they may be metric labels.
    private static let knownRoutes: Set<String> = Set(known.map { "/v1" + $0.template })

    /// Whether `route` is the template of a known endpoint (an unknown path's template may carry any word).
    static func isKnown(route: String) -> Bool { knownRoutes.contains(route) }

    /// The known templates split into segments once (matching runs on every `/v1` request).
    private static let patterns: [(method: String, parts: [Substring], template: String, billing: Billing)] = known.map {
        ($0.method, $0.template.split(separator: "/"), $0.template, $0.billing)
    }

    /// Literal segments of OpenAI paths: any other segment that looks like an id is `{id}` in a template.
    private static let vocabulary: Set<Substring> = {
        var words = Set<Substring>()
        for entry in known { for part in entry.template.split(separator: "/") where !part.hasPrefix("{") { words.insert(part) } }
        for word in [
            "vector_stores", "file_batches", "search", "conversations", "items", "containers", "realtime", "sessions",
            "client_secrets", "calls", "fine_tuning", "jobs", "checkpoints", "events", "evals", "runs", "output_items",
            "assistants", "threads", "messages", "steps", "organization", "projects", "usage", "costs", "skills", "versions",
            "graders", "alpha", "permissions", "checkpoints", "certificates", "admin_api_keys", "invites", "users", "groups", "roles",
        ] {
            words.insert(Substring(word))
        }
        return words
    }()

    /// The endpoint of a forwarded request.
    /// - Parameters:
    ///   - path: the path after `/v1`, as received (`/files/file-abc/content`).
    static func match(method: String, path: String) -> V1Endpoint {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        for entry in patterns where entry.method == method && entry.parts.count == segments.count {
            let parts = entry.parts
            if zip(parts, segments).allSatisfy({ $0.first == "{" || $0 == $1 }) {
                return V1Endpoint(method: method, template: entry.template, billing: entry.billing)
            }
        }
        // A template never carries a caller's value: after the API's name every unknown segment is {id}, and
        // an API name that does not look like one is {api}.
        let template = segments.enumerated().map { index, segment -> String in
            if vocabulary.contains(segment) { return String(segment) }
            if index == 0, segment.count <= 40, segment.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" || $0 == "-" }) {
                return String(segment)
            }
            return index == 0 ? "{api}" : "{id}"
        }
        return V1Endpoint(method: method, template: "/" + template.joined(separator: "/"), billing: .none)
    }
}
