import Foundation
import Hummingbird
import NIOCore
import OpenAIClient

/// `/` (points to the docs), `/health`, `/openapi.json` (also `/api-docs-json`, the reference app's name) and `/api-docs`.
struct SystemController: Sendable {
    typealias Context = GatewayRequestContext
    let configuration: GatewayConfiguration
    let upstreamBaseURL: String
    /// The model catalogue in use (`MODEL_CATALOGUE_FILE` or the bundled one): the document's enums come from it.
    let catalogue: ModelCatalogue
    /// The short calls' upstream connections (`/health` shows whether they are saturated).
    var slots: UpstreamSlots?
    let startedAt: ContinuousClock.Instant = .now

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: root)
        router.get("health", use: health)
        router.get("openapi.json", use: openAPI)
        router.get("api-docs-json", use: openAPI)
        router.get("api-docs", use: docs)
    }

    /// `/`: a browser is sent to the docs page; anything else gets a small JSON answer that names it.
    @Sendable func root(_ request: Request, context: Context) async throws -> Response {
        if request.headers[.accept]?.lowercased().contains("text/html") == true {
            return Response(status: .found, headers: [.location: "/api-docs"])
        }
        let body: JSONValue = [
            "name": "openai-gateway",
            "version": .string(GatewayVersion.current),
            "docs": "/api-docs",
            "openapi": "/openapi.json",
            "health": "/health",
        ]
        return Self.json(body, status: .ok)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let upstreamHost = URL(string: upstreamBaseURL).flatMap { url in url.host.map { "\($0)\(url.port.map { ":\($0)" } ?? "")" } }
        var body: JSONObject = [
            "status": "ok",
            "simulator": .bool(configuration.useSimulator),
            "upstream": JSONValue(upstreamHost),
            "uptime_seconds": .int(Int64((ContinuousClock.now - startedAt).seconds)),
            "version": .string(GatewayVersion.current),
        ]
        if let pool = slots?.snapshot {
            // Saturated: every connection for short calls is in use and calls are waiting (they get 503
            // upstream_busy after UPSTREAM_SLOT_WAIT_MS). The gateway still answers, so the status stays 200.
            body["upstream_pool"] = [
                "in_use": .int(Int64(pool.inUse)),
                "waiting": .int(Int64(pool.waiting)),
                "max": .int(Int64(pool.limit)),
                "refused": .int(Int64(pool.refused)),
                "saturated": .bool(pool.saturated),
            ]
        }
        return Self.json(.object(body), status: .ok)
    }

    @Sendable func openAPI(_ request: Request, context: Context) async throws -> Response {
        Self.json(GatewayOpenAPI.document(serverURL: nil, catalogue: catalogue, defaultImageModel: configuration.defaultImageModel), status: .ok)
    }

    @Sendable func docs(_ request: Request, context: Context) async throws -> Response {
        let html = APIDocsPage.html(
            specURL: "/openapi.json",
            askForKey: configuration.authMode == .keys || configuration.adminKey != nil
        )
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.jsonBytes))
        )
    }
}

/// The gateway's version: the one constant behind `/health`, `--version`, `/` and the OpenAPI document's `info.version`.
public enum GatewayVersion {
    public static let current = "0.1.0"
}
