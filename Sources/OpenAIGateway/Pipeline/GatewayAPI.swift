/// The APIs the gateway logs separately: each has its own `<api>.log`. A call's API comes from its
/// matched route, never from the raw request path, so junk paths cannot open new log files.
public enum GatewayAPI {
    /// Requests that match no API route (unknown paths, `/health`, the docs) log here.
    public static let fallback = "gateway"

    /// The API of a route template: `/api/vector-stores/{id}` → `vector_stores`, `/v1/chat/completions`
    /// → `chat`, when it is one of the log files the writer keeps (``InteractionLogWriter/knownAPIs``);
    /// anything else → ``fallback``.
    public static func forRoute(_ template: String?) -> String {
        guard let template else { return fallback }
        var parts = template.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "api" || parts[0] == "v1" else { return fallback }
        parts.removeFirst()
        let name = String(parts[0].map { $0 == "-" ? "_" : $0 })
        return InteractionLogWriter.knownAPIs.contains(name) ? name : fallback
    }
}
