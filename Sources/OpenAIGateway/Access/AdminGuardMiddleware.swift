import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Guards `/admin/*`, `/metrics` and `/dashboard`: the caller must present `GATEWAY_ADMIN_KEY` as
/// `Authorization: Bearer …`, `X-Api-Key: …`, or the password of HTTP Basic (what a browser sends after
/// its login prompt, so the dashboard opens from the address bar). Without an admin key configured
/// these routes are open only with `GATEWAY_AUTH=none` (local use); with keys on they answer 403.
struct AdminGuardMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let adminKey: String?
    let authMode: AuthMode

    init(configuration: GatewayConfiguration) {
        self.adminKey = configuration.adminKey
        self.authMode = configuration.authMode
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let adminKey else {
            if authMode == .none { return try await next(request, context) }
            throw GatewayError(code: "admin_disabled")
        }
        guard let presented = CallerSecret(headers: request.headers, allowBasic: true),
            Secret.equal(presented.value, adminKey)
        else {
            var refusal = GatewayError(code: "admin_key_required")
            refusal.headers[.wwwAuthenticate] = "Basic realm=\"openai-gateway admin\", charset=\"UTF-8\""
            throw refusal
        }
        return try await next(request, context)
    }
}

/// The secret a caller presented: `Authorization: Bearer …`, `X-Api-Key: …`, or (admin routes only)
/// the password of `Authorization: Basic …`.
struct CallerSecret {
    var value: String

    init?(headers: HTTPFields, allowBasic: Bool = false) {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let scheme = parts[0].lowercased()
            let credentials = parts[1].trimmingCharacters(in: .whitespaces)
            if scheme == "bearer", !credentials.isEmpty {
                value = credentials
                return
            }
            if scheme == "basic", allowBasic, let decoded = Data(base64Encoded: credentials).map({ String(decoding: $0, as: UTF8.self) }),
                let colon = decoded.firstIndex(of: ":")
            {
                value = String(decoded[decoded.index(after: colon)...])
                return
            }
        }
        if let apiKey = headers[.xAPIKey]?.trimmingCharacters(in: .whitespaces), !apiKey.isEmpty {
            value = apiKey
            return
        }
        return nil
    }
}

/// Comparisons and hashes of secrets.
enum Secret {
    /// Equal in time that does not depend on where the two differ (both are hashed first, so the
    /// lengths do not show either).
    static func equal(_ a: String, _ b: String) -> Bool {
        let left = SHA256.hash(data: Data(a.utf8))
        let right = SHA256.hash(data: Data(b.utf8))
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Lower-case hex SHA-256 of `secret`: what the store keeps of an access key.
    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension HTTPField.Name {
    static let xAPIKey = HTTPField.Name("X-Api-Key")!
}
