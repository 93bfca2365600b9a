import HTTPTypes
import Hummingbird

/// Keeps web pages from spending the key: a request whose `Host` the gateway does not serve (DNS
/// rebinding) or whose `Origin` is another site's (unless CORS allows it) gets 403, and a body whose
/// `Content-Type` is not JSON (or multipart for uploads) gets 415, so a cross-site `text/plain` or form
/// POST, which a browser sends without a CORS preflight, never reaches a handler.
struct RequestGuardMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// Lower-cased host names without port; nil allows any.
    let allowedHosts: Set<String>?
    /// `CORS_ALLOWED_ORIGIN`: `*`, one origin, or nil (only same-origin pages).
    let corsAllowedOrigin: String?
    /// The served routes: a known path with a method it does not serve gets 405 with `Allow`.
    let routes: RouteTable

    init(configuration: GatewayConfiguration, routes: RouteTable = RouteTable()) {
        self.allowedHosts = Self.allowedHosts(configuration: configuration)
        self.corsAllowedOrigin = configuration.corsAllowedOrigin
        self.routes = routes
    }

    static func allowedHosts(configuration: GatewayConfiguration) -> Set<String>? {
        if let list = configuration.allowedHosts { return list.contains("*") ? nil : Set(list.map(hostName)) }
        let host = configuration.host.lowercased()
        if ["0.0.0.0", "::", "[::]", "*"].contains(host) { return nil }
        return ["localhost", "127.0.0.1", "::1", hostName(host)]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority
        if let allowedHosts, let host, !allowedHosts.contains(Self.hostName(host)) {
            throw GatewayError(code: "host_not_allowed", message: "The gateway does not serve the host \"\(host.prefix(200))\"", parameter: "Host")
        }
        if let origin = request.headers[.origin], !originAllowed(origin, host: host) {
            throw GatewayError(code: "origin_not_allowed", message: "Requests from \(origin.prefix(200)) are not allowed", parameter: "Origin")
        }
        if Self.hasBody(request), !Self.acceptedContentType(request.headers[.contentType], path: request.uri.path) {
            let sent = request.headers[.contentType].map { "\"\($0.prefix(100))\"" } ?? "none"
            throw GatewayError(
                code: "unsupported_media_type",
                message: "Content-Type \(sent) is not accepted; send application/json (or multipart/form-data for uploads)",
                parameter: "Content-Type"
            )
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.allowedMethods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var refusal = GatewayError(code: "method_not_allowed", message: "Cannot \(request.method.rawValue) \(request.uri.path)")
            refusal.allowedMethods = allowed
            throw refusal
        }
    }

    /// Same-origin pages (the gateway's own /api-docs) are always allowed; others only through CORS.
    private func originAllowed(_ origin: String, host: String?) -> Bool {
        if corsAllowedOrigin == "*" || corsAllowedOrigin?.lowercased() == origin.lowercased() { return true }
        guard let host, let schemeEnd = origin.range(of: "://") else { return false }
        return origin[schemeEnd.upperBound...].lowercased() == host.lowercased()
    }

    private static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }

    static func acceptedContentType(_ value: String?, path: String) -> Bool {
        guard let value else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if mediaType == "application/json" || mediaType.hasSuffix("+json") || mediaType == "multipart/form-data" { return true }
        return mediaType == "application/sdp" && (path == "/v1/realtime/calls" || path.hasPrefix("/v1/realtime/"))
    }

    /// `host` lower-cased without its port (`[::1]:3000` is `::1`).
    static func hostName(_ host: String) -> String {
        let lowered = host.lowercased()
        if lowered.hasPrefix("["), let close = lowered.firstIndex(of: "]") {
            return String(lowered[lowered.index(after: lowered.startIndex)..<close])
        }
        if lowered.filter({ $0 == ":" }).count == 1, let colon = lowered.firstIndex(of: ":") {
            return String(lowered[..<colon])
        }
        return lowered
    }
}
