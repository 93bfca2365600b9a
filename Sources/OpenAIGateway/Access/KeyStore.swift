import Foundation
import NIOCore
import OpenAIClient

/// The access keys in the store (SQLite or PostgreSQL): created with a random secret that is returned
/// once and kept only as its SHA-256, listed, revoked, rotated. The CLI (`openai-gateway keys …`) and the
/// admin API (`/admin/keys`) both work through this type.
public struct KeyStore: Sendable {
    public let store: any SQLStore

    public init(store: any SQLStore) {
        self.store = store
    }

    /// What a new key is allowed to do.
    public struct Settings: Sendable, Hashable {
        public var name: String
        public var expiresAt: Date?
        public var allowedModels: [String]?
        public var allowedRoutes: [String]?
        public var limits: KeyLimits

        public init(
            name: String,
            expiresAt: Date? = nil,
            allowedModels: [String]? = nil,
            allowedRoutes: [String]? = nil,
            limits: KeyLimits = KeyLimits()
        ) {
            self.name = name
            self.expiresAt = expiresAt
            self.allowedModels = allowedModels
            self.allowedRoutes = allowedRoutes
            self.limits = limits
        }
    }

    /// A key and its secret, which exists only in this value: show it once.
    public struct Issued: Sendable {
        public var key: AccessKey
        public var secret: String
    }

    public func create(_ settings: Settings, now: Date = Date()) async throws -> Issued {
        let secret = Self.newSecret()
        let key = AccessKey(
            id: "key_" + Self.randomToken(bytes: 9),
            name: settings.name,
            secretPrefix: String(secret.prefix(10)),
            createdAt: now,
            expiresAt: settings.expiresAt,
            allowedModels: settings.allowedModels,
            allowedRoutes: settings.allowedRoutes,
            limits: settings.limits
        )
        try await store.query(
            """
            INSERT INTO access_keys (id, name, secret_hash, secret_prefix, created_at, expires_at, revoked_at, rotated_at,
                allowed_models, allowed_routes, rpm, tpm, max_streams, budget_usd, budget_period)
            VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8, $9, $10, $11, $12, $13)
            """,
            [
                .text(key.id), .text(key.name), .text(Secret.hash(secret)), .text(key.secretPrefix),
                .integer(StoreTime.milliseconds(now)), SQLValue(key.expiresAt.map { StoreTime.milliseconds($0) }),
                SQLValue(Self.encodeList(key.allowedModels)), SQLValue(Self.encodeList(key.allowedRoutes)),
                SQLValue(key.limits.requestsPerMinute), SQLValue(key.limits.tokensPerMinute), SQLValue(key.limits.concurrentStreams),
                SQLValue(key.limits.budgetUSD), .text(key.limits.budgetPeriod.rawValue),
            ]
        )
        return Issued(key: key, secret: secret)
    }

    /// Every key, newest first; revoked ones only when asked.
    public func list(includeRevoked: Bool = false) async throws -> [AccessKey] {
        let rows = try await store.query(
            "SELECT * FROM access_keys" + (includeRevoked ? "" : " WHERE revoked_at IS NULL") + " ORDER BY created_at DESC, id"
        )
        return rows.compactMap(Self.key(from:))
    }

    public func key(id: String) async throws -> AccessKey? {
        try await store.query("SELECT * FROM access_keys WHERE id = $1", [.text(id)]).first.flatMap(Self.key(from:))
    }

    /// The key whose secret hashes to `secretHash` (revoked and expired ones too: the caller decides).
    public func key(secretHash: String) async throws -> AccessKey? {
        try await store.query("SELECT * FROM access_keys WHERE secret_hash = $1", [.text(secretHash)]).first.flatMap(Self.key(from:))
    }

    /// Revokes the key (its ledger rows keep its id and name). Returns the key, nil when there is none.
    public func revoke(id: String, now: Date = Date()) async throws -> AccessKey? {
        try await store.query(
            "UPDATE access_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            [.text(id), .integer(StoreTime.milliseconds(now))]
        )
        return try await key(id: id)
    }

    /// Gives the key a new secret; the old one stops working at once. Same id, name, limits and usage.
    /// Returns nil when there is no such key or it is revoked.
    public func rotate(id: String, now: Date = Date()) async throws -> Issued? {
        let secret = Self.newSecret()
        let prefix = String(secret.prefix(10))
        let updated = try await store.query(
            """
            UPDATE access_keys SET secret_hash = $2, secret_prefix = $3, rotated_at = $4
            WHERE id = $1 AND revoked_at IS NULL RETURNING id
            """,
            [.text(id), .text(Secret.hash(secret)), .text(prefix), .integer(StoreTime.milliseconds(now))]
        )
        guard !updated.isEmpty, let key = try await key(id: id) else { return nil }
        return Issued(key: key, secret: secret)
    }

    // MARK: - Rows

    static func key(from row: SQLRow) -> AccessKey? {
        guard let id = row["id"].string, let name = row["name"].string, let prefix = row["secret_prefix"].string,
            let created = row["created_at"].int64
        else { return nil }
        return AccessKey(
            id: id,
            name: name,
            secretPrefix: prefix,
            createdAt: StoreTime.date(created),
            expiresAt: row["expires_at"].int64.map(StoreTime.date),
            revokedAt: row["revoked_at"].int64.map(StoreTime.date),
            rotatedAt: row["rotated_at"].int64.map(StoreTime.date),
            allowedModels: decodeList(row["allowed_models"].string),
            allowedRoutes: decodeList(row["allowed_routes"].string),
            limits: KeyLimits(
                requestsPerMinute: row["rpm"].int,
                tokensPerMinute: row["tpm"].int,
                concurrentStreams: row["max_streams"].int,
                budgetUSD: row["budget_usd"].double,
                budgetPeriod: row["budget_period"].string.flatMap(BudgetPeriod.init(rawValue:)) ?? .month
            )
        )
    }

    static func encodeList(_ list: [String]?) -> String? {
        list.map { JSONValue.array($0.map(JSONValue.string)).jsonString }
    }

    static func decodeList(_ text: String?) -> [String]? {
        guard let text, let json = try? JSONValue(parsing: text), let items = json.arrayValue else { return nil }
        return items.compactMap(\.stringValue)
    }

    // MARK: - Secrets

    /// `gk_` and 32 characters of base64url: 192 random bits from the system's CSPRNG.
    static func newSecret() -> String { "gk_" + randomToken(bytes: 24) }

    static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
