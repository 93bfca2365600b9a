import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The shared store for several replicas: PostgreSQL through postgres-nio's pooled `PostgresClient`,
/// whose run loop this store owns (started on open, ended by ``close()``).
public final class PostgresStore: SQLStore {
    public let engine = SQLEngine.postgres
    public let location: String
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    private init(client: PostgresClient, location: String, logger: Logger) {
        self.client = client
        self.location = location
        self.logger = logger
        self.runTask = Task { await client.run() }
    }

    /// Connections the store's pool opens at most (the descriptor budget keeps room for them).
    public static let maximumConnections = 20

    /// Connects to `url` (`postgres://user:password@host:5432/database?sslmode=disable|prefer|require`)
    /// and checks the connection with one query, so a wrong URL fails at start, not at the first request.
    public static func open(
        url: String,
        maximumConnections: Int = PostgresStore.maximumConnections,
        logger: Logger = Logger(label: "openai-gateway.postgres")
    ) async throws -> PostgresStore {
        let target = try DatabaseURL(url)
        var configuration = PostgresClient.Configuration(
            host: target.host,
            port: target.port,
            username: target.username,
            password: target.password,
            database: target.database,
            tls: target.tls
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        // Failures are thrown to the caller; the client's own log lines (a lease before its run loop started) are noise.
        var quiet = logger
        quiet.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        let store = PostgresStore(client: client, location: target.description, logger: quiet)
        do {
            try await store.query("SELECT 1 AS ok")
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        do {
            return try await Self.rows(client.query(Self.query(sql, binds), logger: logger))
        } catch let error as SQLStoreError {
            throw error
        } catch {
            throw SQLStoreError("PostgreSQL: \(String(reflecting: error))")
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(Connection(connection: connection, logger: logger))
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            throw SQLStoreError("PostgreSQL: \(String(reflecting: error))")
        } catch let error as SQLStoreError {
            throw error
        } catch {
            throw SQLStoreError("PostgreSQL: \(String(reflecting: error))")
        }
    }

    public func close() async {
        runTask.cancel()
        _ = await runTask.value
    }

    private struct Connection: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        var engine: SQLEngine { .postgres }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await PostgresStore.rows(connection.query(PostgresStore.query(sql, binds), logger: logger))
        }
    }

    static func query(_ sql: String, _ binds: [SQLValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .double(let double): bindings.append(double)
            case .text(let text): bindings.append(text)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        var columns: [String]?
        for try await row in sequence {
            if columns == nil { columns = row.map(\.columnName) }
            rows.append(SQLRow(columns: columns ?? [], values: try row.map(value)))
        }
        return rows
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .numeric: return .double(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// `DATABASE_URL`, parsed: `postgres://user:password@host:port/database?sslmode=…`.
struct DatabaseURL: CustomStringConvertible {
    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var tls: PostgresClient.Configuration.TLS

    init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["postgres", "postgresql"].contains(scheme), let host = components.host, !host.isEmpty
        else {
            throw SQLStoreError("DATABASE_URL: must look like postgres://user:password@host:5432/database")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user?.removingPercentEncoding ?? "postgres"
        self.password = components.password?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value?.lowercased() {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case nil, "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case let other?: throw SQLStoreError("DATABASE_URL: sslmode \(other) is not one of disable, prefer, require")
        }
    }

    /// Without the password.
    var description: String { "postgres://\(username)@\(host):\(port)/\(database ?? "")" }
}
