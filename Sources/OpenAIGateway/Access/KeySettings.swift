import Foundation
import OpenAIClient

extension KeyStore.Settings {
    /// The settings of a new key from JSON (the admin API's body; the CLI builds the same object from its
    /// flags), every problem named: `name` (required), `expires_at` (RFC 3339 time or a date) or `expires_in`
    /// (`30d`, `12h`, `90m`), `models`, `routes`, `rpm`, `tpm`, `max_streams`, `budget_usd`, `budget_period`
    /// (`day` or `month`).
    public static func parse(_ object: JSONObject, now: Date = Date()) throws -> KeyStore.Settings {
        let known: Set<String> = ["name", "expires_at", "expires_in", "models", "routes", "rpm", "tpm", "max_streams", "budget_usd", "budget_period"]
        var check = FieldValidator(object, acceptsStrings: true)
        for key in object.keys.sorted() where !known.contains(key) {
            check.fail(key, "\(key) is not a key setting", hint: "Use \(Wording.andList(known.sorted())).")
        }
        let name = check.string(
            "name",
            required: true,
            minLength: 1,
            maxLength: 100,
            hint: "Name the key after who uses it, e.g. \"ci\" or \"team-a\"."
        )
        var expiresAt: Date?
        if let text = check.string("expires_at") {
            expiresAt = parseTime(text)
            if expiresAt == nil {
                check.fail("expires_at", "expires_at must be an RFC 3339 time or a date", hint: "Send e.g. 2027-01-31 or 2027-01-31T12:00:00Z.")
            }
        }
        if let text = check.string("expires_in") {
            if let seconds = parseDuration(text) {
                expiresAt = now.addingTimeInterval(seconds)
            } else {
                check.fail("expires_in", "expires_in must be a duration such as 30d, 12h or 90m", hint: "Send a whole number followed by d, h or m.")
            }
        }
        if let expiresAt, expiresAt <= now {
            check.fail("expires_at", "The key would already be expired", hint: "Give a time in the future.")
        }
        let models = strings(&check, "models", hint: "Send the model ids the key may use, e.g. [\"gpt-4o-mini\"].")
        let routes = strings(&check, "routes", hint: "Send path patterns, e.g. [\"/v1/chat/completions\", \"/api/responses/*\", \"/v1/**\"].")
        for (index, route) in (routes ?? []).enumerated() where !route.hasPrefix("/") {
            check.fail(parameter: "routes[\(index)]", "routes[\(index)] must be a path starting with /", hint: "e.g. /v1/** or /api/files/*")
        }
        let limits = KeyLimits(
            requestsPerMinute: check.integer("rpm", min: 1, max: 10_000_000),
            tokensPerMinute: check.integer("tpm", min: 1, max: 10_000_000_000),
            concurrentStreams: check.integer("max_streams", min: 1, max: 1_000_000),
            budgetUSD: check.number("budget_usd", min: 0, max: 10_000_000),
            budgetPeriod: check.oneOf("budget_period", values: BudgetPeriod.allCases.map(\.rawValue)).flatMap(BudgetPeriod.init(rawValue:)) ?? .month
        )
        guard check.isValid, let name else { throw GatewayError.validation(check.problems) }
        return KeyStore.Settings(name: name, expiresAt: expiresAt, allowedModels: models, allowedRoutes: routes, limits: limits)
    }

    private static func strings(_ check: inout FieldValidator, _ key: String, hint: String) -> [String]? {
        guard let array = check.array(key, nonEmpty: true, maxCount: 1_000, hint: hint) else { return nil }
        var values: [String] = []
        for (index, item) in array.enumerated() {
            guard let value = item.stringValue, !value.isEmpty else {
                check.fail(parameter: "\(key)[\(index)]", "\(key)[\(index)] must be a non-empty string", hint: hint)
                continue
            }
            values.append(value)
        }
        return values
    }

    static func parseTime(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }

    public static func parseDuration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0 else { return nil }
        switch unit {
        case "d": return Double(amount) * 86_400
        case "h": return Double(amount) * 3_600
        case "m": return Double(amount) * 60
        default: return nil
        }
    }
}

extension AccessKey {
    /// The key as the admin API and `keys list --json` show it (never the secret).
    public var adminJSON: JSONValue {
        let time = { (date: Date?) in JSONValue(date.map(InteractionLogEntry.timestamp)) }
        let status = revokedAt != nil ? "revoked" : isActive() ? "active" : "expired"
        return [
            "object": "gateway.key",
            "id": .string(id),
            "name": .string(name),
            "prefix": .string(secretPrefix + "…"),
            "status": .string(status),
            "created_at": time(createdAt),
            "expires_at": time(expiresAt),
            "revoked_at": time(revokedAt),
            "rotated_at": time(rotatedAt),
            "models": allowedModels.map { .array($0.map(JSONValue.string)) } ?? .null,
            "routes": allowedRoutes.map { .array($0.map(JSONValue.string)) } ?? .null,
            "limits": [
                "rpm": JSONValue(limits.requestsPerMinute),
                "tpm": JSONValue(limits.tokensPerMinute),
                "max_streams": JSONValue(limits.concurrentStreams),
                "budget_usd": JSONValue(limits.budgetUSD),
                "budget_period": .string(limits.budgetPeriod.rawValue),
            ],
        ]
    }

    /// One line for `keys list`: id, name, status, prefix and limits.
    public var summary: String {
        var parts = ["\(id)  \(name)  \(revokedAt != nil ? "revoked" : isActive() ? "active" : "expired")  \(secretPrefix)…"]
        if let rpm = limits.requestsPerMinute { parts.append("rpm \(rpm)") }
        if let tpm = limits.tokensPerMinute { parts.append("tpm \(tpm)") }
        if let streams = limits.concurrentStreams { parts.append("streams \(streams)") }
        if let budget = limits.budgetUSD { parts.append(String(format: "budget $%.2f/%@", budget, limits.budgetPeriod.rawValue)) }
        if let expiresAt { parts.append("expires \(InteractionLogEntry.timestamp(expiresAt))") }
        if let models = allowedModels { parts.append("models \(models.joined(separator: ","))") }
        if let routes = allowedRoutes { parts.append("routes \(routes.joined(separator: ","))") }
        return parts.joined(separator: "  ")
    }
}

extension KeyStore {
    /// The error for an id that names no key (or a revoked one, for rotation).
    public static func notFound(_ id: String) -> GatewayError {
        GatewayError(code: "key_not_found", message: "No active access key has the id \(id.prefix(100))", parameter: "id")
    }
}
