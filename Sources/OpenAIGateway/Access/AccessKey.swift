import Foundation

/// `GATEWAY_AUTH`: who may use the gateway.
public enum AuthMode: String, Sendable, CaseIterable {
    /// Anyone who can reach it (the default, for local use; the start-up log says so).
    case none
    /// Only callers with one of the gateway's access keys (`Authorization: Bearer gk_…` or `X-Api-Key`).
    case keys
}

/// The budget period of a key: spend is counted per UTC day or per UTC calendar month.
public enum BudgetPeriod: String, Sendable, Codable, CaseIterable {
    case day
    case month

    /// Start of the period that contains `date`, in the store's milliseconds.
    public func start(containing date: Date) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts: Set<Calendar.Component> = self == .day ? [.year, .month, .day] : [.year, .month]
        let start = calendar.date(from: calendar.dateComponents(parts, from: date)) ?? date
        return StoreTime.milliseconds(start)
    }

    /// Start of the period after the one that starts at `start`.
    public func end(afterStart start: Int64) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let date = StoreTime.date(start)
        let next = calendar.date(byAdding: self == .day ? .day : .month, value: 1, to: date) ?? date.addingTimeInterval(86_400)
        return StoreTime.milliseconds(next)
    }
}

/// What one key may do: each limit nil means unlimited.
public struct KeyLimits: Sendable, Hashable, Codable {
    /// Requests per minute.
    public var requestsPerMinute: Int?
    /// Tokens per minute: input estimated when the request arrives, settled with the real usage after.
    public var tokensPerMinute: Int?
    /// Streams open at once.
    public var concurrentStreams: Int?
    /// USD per ``budgetPeriod``.
    public var budgetUSD: Double?
    public var budgetPeriod: BudgetPeriod

    public init(
        requestsPerMinute: Int? = nil,
        tokensPerMinute: Int? = nil,
        concurrentStreams: Int? = nil,
        budgetUSD: Double? = nil,
        budgetPeriod: BudgetPeriod = .month
    ) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.concurrentStreams = concurrentStreams
        self.budgetUSD = budgetUSD
        self.budgetPeriod = budgetPeriod
    }

    enum CodingKeys: String, CodingKey {
        case requestsPerMinute = "rpm"
        case tokensPerMinute = "tpm"
        case concurrentStreams = "max_streams"
        case budgetUSD = "budget_usd"
        case budgetPeriod = "budget_period"
    }
}

/// An access key as the store keeps it: never the secret, only its SHA-256 and first characters.
public struct AccessKey: Sendable, Hashable {
    /// Public id (`key_…`), used in the ledger, metrics, the admin API and the CLI.
    public var id: String
    public var name: String
    /// The first characters of the secret (`gk_3fA9…`), to recognise it in a list.
    public var secretPrefix: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var rotatedAt: Date?
    /// Model ids this key may name; nil allows any.
    public var allowedModels: [String]?
    /// Path patterns this key may call (`/v1/chat/completions`, `/api/responses/*`, `/v1/**`); nil allows any.
    public var allowedRoutes: [String]?
    public var limits: KeyLimits

    public init(
        id: String,
        name: String,
        secretPrefix: String,
        createdAt: Date,
        expiresAt: Date? = nil,
        revokedAt: Date? = nil,
        rotatedAt: Date? = nil,
        allowedModels: [String]? = nil,
        allowedRoutes: [String]? = nil,
        limits: KeyLimits = KeyLimits()
    ) {
        self.id = id
        self.name = name
        self.secretPrefix = secretPrefix
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.rotatedAt = rotatedAt
        self.allowedModels = allowedModels
        self.allowedRoutes = allowedRoutes
        self.limits = limits
    }

    /// Usable now: not revoked, not expired.
    public func isActive(at date: Date = Date()) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > date } ?? true)
    }
}

/// Who made a request: set by the access middleware when keys are on, copied into the call record
/// (ledger, metrics, logs) and used to settle what the request reserved.
public struct AccessIdentity: Sendable, Hashable {
    public var keyID: String
    public var keyName: String

    public init(keyID: String, keyName: String) {
        self.keyID = keyID
        self.keyName = keyName
    }
}
