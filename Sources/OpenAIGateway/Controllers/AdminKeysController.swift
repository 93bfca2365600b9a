import Foundation
import Hummingbird
import NIOCore
import OpenAIClient

/// `/admin/keys`: create (the secret is in this answer only), list, show, revoke and rotate access keys,
/// on the same store as `openai-gateway keys …`. A change drops this replica's key cache at once.
struct AdminKeysController: Sendable {
    typealias Context = GatewayRequestContext
    let keys: AccessKeys

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: show)
        group.delete(":id", use: revoke)
        group.post(":id/rotate", use: rotate)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.decodeJSONObjectBody(limit: 64 * 1024, example: #"{"name": "ci", "rpm": 60, "budget_usd": 5}"#)
        let settings = try KeyStore.Settings.parse(body)
        let issued = try await storeCall { try await keys.keyStore.create(settings) }
        keys.invalidate()
        return Self.issued(issued, status: .created)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = try AdminQuery(request, endpoint: "GET /admin/keys", accepted: ["include_revoked"])
        var problems: [ValidationProblem] = []
        let all = query.choice("include_revoked", ["true", "false"], default: "false", problems: &problems) == "true"
        if !problems.isEmpty { throw GatewayError.validation(problems) }
        let list = try await storeCall { try await keys.keyStore.list(includeRevoked: all) }
        return SystemController.json(["object": "list", "data": .array(list.map(\.adminJSON))], status: .ok)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        guard let key = try await storeCall({ try await keys.keyStore.key(id: id) }) else { throw KeyStore.notFound(id) }
        return SystemController.json(key.adminJSON, status: .ok)
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        guard let key = try await storeCall({ try await keys.keyStore.revoke(id: id) }) else { throw KeyStore.notFound(id) }
        keys.invalidate()
        return SystemController.json(key.adminJSON, status: .ok)
    }

    @Sendable func rotate(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        guard let issued = try await storeCall({ try await keys.keyStore.rotate(id: id) }) else { throw KeyStore.notFound(id) }
        keys.invalidate()
        return Self.issued(issued, status: .ok)
    }

    /// The key and its secret; `Cache-Control: no-store` so no proxy or browser keeps the secret.
    static func issued(_ issued: KeyStore.Issued, status: HTTPResponse.Status) -> Response {
        var body = issued.key.adminJSON.objectValue ?? [:]
        body["secret"] = .string(issued.secret)
        var response = SystemController.json(.object(body), status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as GatewayError {
            throw error
        } catch {
            throw GatewayError(code: "key_store_unavailable")
        }
    }
}
