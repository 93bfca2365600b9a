import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIClient

/// With `GATEWAY_AUTH=keys`, every `/api` and `/v1` request needs one of the gateway's access keys
/// (`Authorization: Bearer gk_…` or `X-Api-Key`): a missing, unknown, revoked or expired key is a 401 that
/// does not say which; a route or model the key may not use is a 403. An admitted request is counted
/// against the key's limits (``QuotaBackend``) and its call record carries the key and what it holds, so
/// the quota sink settles it when the record is finished. `/health`, the docs and the admin routes are not
/// guarded here.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let keys: AccessKeys
    let quota: any QuotaBackend
    let estimator: RequestEstimator
    let maxBodySize: Int

    static func isGuarded(_ path: String) -> Bool {
        path == "/api" || path.hasPrefix("/api/") || path == "/v1" || path.hasPrefix("/v1/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard Self.isGuarded(path), request.method != .options else { return try await next(request, context) }
        guard let secret = CallerSecret(headers: request.headers) else { throw GatewayError(code: "access_key_required") }
        let key: AccessKey
        switch await keys.lookup(secret: secret.value) {
        case .key(let found): key = found
        case .invalid: throw GatewayError(code: "invalid_access_key")
        case .unavailable: throw GatewayError(code: "key_store_unavailable")
        }
        context.call.annotate { $0.key = AccessIdentity(keyID: key.id, keyName: key.name) }
        if let routes = key.allowedRoutes, !routes.contains(where: { Self.matches(pattern: $0, path: path) }) {
            throw GatewayError(
                code: "route_not_allowed",
                message: "The access key \"\(key.name)\" may not call \(request.method.rawValue) \(path.prefix(200))"
            )
        }
        var request = request
        let limits = key.limits
        var json: JSONValue?
        let needsBody = key.allowedModels != nil || limits.tokensPerMinute != nil || limits.budgetUSD != nil
        if needsBody, Self.hasJSONBody(request) {
            let buffer = try await request.collectBody(limit: maxBodySize)
            json = try? JSONValue(parsing: buffer)
        }
        let estimate = estimator.estimate(
            method: request.method.rawValue,
            path: path,
            query: request.uri.query,
            json: json,
            bodyBytes: request.headers[.contentLength].flatMap(Int.init)
        )
        if let allowed = key.allowedModels, let model = estimate.model {
            if !allowed.contains(model) {
                var refusal = GatewayError(
                    code: "model_not_allowed",
                    message: "The access key \"\(key.name)\" may not use the model \(model.prefix(100))",
                    parameter: "model"
                )
                refusal.hint = "This key may use \(Wording.orList(allowed))."
                throw refusal
            }
        }
        let decision: QuotaDecision
        do {
            decision = try await quota.admit(QuotaRequest(keyID: key.id, limits: limits, estimate: estimate), now: StoreTime.milliseconds())
        } catch {
            throw GatewayError(code: "quota_store_unavailable")
        }
        switch decision {
        case .refused(let refusal, let status):
            throw Self.error(for: refusal, status: status, key: key)
        case .admitted(let ticket, _):
            context.call.annotate { $0.quota = ticket }
        }
        return try await next(request, context)
    }

    private static func hasJSONBody(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.lowercased() else { return false }
        return type.hasPrefix("application/json") || type.contains("+json")
    }

    /// `pattern` is a path with `*` for one segment and a trailing `**` (or `/*` at the end) for any rest:
    /// `/v1/chat/completions`, `/api/files/*`, `/v1/**`.
    static func matches(pattern: String, path: String) -> Bool {
        let parts = pattern.split(separator: "/")
        let segments = path.split(separator: "/")
        for (index, part) in parts.enumerated() {
            if part == "**" { return true }
            guard index < segments.count else { return false }
            if part == "*" { continue }
            if part != segments[index] { return false }
        }
        return parts.count == segments.count
    }

    /// The gateway's own 429: its `x-ratelimit-*` headers and `x-gateway-limit` (which limit), so it is never
    /// mistaken for the upstream's (which has `openai_error` and OpenAI's headers).
    static func error(for refusal: QuotaRefusal, status: QuotaStatus, key: AccessKey) -> GatewayError {
        var error: GatewayError
        var retryAfter: Double
        switch refusal {
        case .requests(let limit):
            error = GatewayError(
                code: "key_rate_limit_exceeded",
                message: "The access key \"\(key.name)\" is limited to \(limit) requests per minute"
            )
            retryAfter = Double(status.requests?.resetMs ?? 60_000) / 1000
            error.headers[.gatewayLimit] = "requests"
        case .tokens(let limit, let requested):
            error = GatewayError(
                code: "key_rate_limit_exceeded",
                message: "The access key \"\(key.name)\" is limited to \(limit) tokens per minute; this request may use \(requested)"
            )
            error.hint =
                "Wait for the minute to end, or lower max_output_tokens (the gateway counts the input plus the output a request may produce)."
            retryAfter = Double(status.tokens?.resetMs ?? 60_000) / 1000
            error.headers[.gatewayLimit] = "tokens"
        case .streams(let limit):
            error = GatewayError(code: "key_rate_limit_exceeded", message: "The access key \"\(key.name)\" may have \(limit) streams open at once")
            error.hint = "Wait for one of this key's streams to end, or close streams you no longer read."
            retryAfter = 1
            error.headers[.gatewayLimit] = "streams"
        case .budget(let limit, let spent, let reserved, let requested, let period, let resetsAt):
            let usd = { (micros: Int64) in String(format: "%.4f", Double(micros) / 1_000_000) }
            error = GatewayError(
                status: .tooManyRequests,
                message: "The access key \"\(key.name)\" has used its budget of $\(usd(limit)) per \(period.rawValue): "
                    + "$\(usd(spent)) spent, $\(usd(reserved)) held by requests in progress, this request may cost up to $\(usd(requested))",
                errorCode: "insufficient_quota",
                hint:
                    "Wait until the budget resets (\(InteractionLogEntry.timestamp(StoreTime.date(resetsAt)))), lower max_output_tokens, or ask the operator to raise the key's budget."
            )
            retryAfter = max(1, Double(resetsAt - StoreTime.milliseconds()) / 1000)
            error.headers[.gatewayLimit] = "budget"
        }
        error.retryAfterSeconds = retryAfter.rounded(.up)
        if let requests = status.requests {
            error.headers[.rateLimitLimitRequests] = String(requests.limit)
            error.headers[.rateLimitRemainingRequests] = String(requests.remaining)
            error.headers[.rateLimitResetRequests] = Self.duration(requests.resetMs)
        }
        if let tokens = status.tokens {
            error.headers[.rateLimitLimitTokens] = String(tokens.limit)
            error.headers[.rateLimitRemainingTokens] = String(tokens.remaining)
            error.headers[.rateLimitResetTokens] = Self.duration(tokens.resetMs)
        }
        return error
    }

    /// OpenAI's reset format: `12s`, `1.5s`, `250ms`.
    static func duration(_ milliseconds: Int64) -> String {
        milliseconds < 1000 ? "\(max(0, milliseconds))ms" : String(format: "%gs", (Double(milliseconds) / 100).rounded() / 10)
    }
}

extension HTTPField.Name {
    static let gatewayLimit = HTTPField.Name("X-Gateway-Limit")!
    static let rateLimitLimitRequests = HTTPField.Name("X-Ratelimit-Limit-Requests")!
    static let rateLimitRemainingRequests = HTTPField.Name("X-Ratelimit-Remaining-Requests")!
    static let rateLimitResetRequests = HTTPField.Name("X-Ratelimit-Reset-Requests")!
    static let rateLimitLimitTokens = HTTPField.Name("X-Ratelimit-Limit-Tokens")!
    static let rateLimitRemainingTokens = HTTPField.Name("X-Ratelimit-Remaining-Tokens")!
    static let rateLimitResetTokens = HTTPField.Name("X-Ratelimit-Reset-Tokens")!
}
