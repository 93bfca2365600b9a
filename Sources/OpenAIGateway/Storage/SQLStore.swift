import Foundation

/// A value bound to, or read from, a SQL statement: the four types both engines share.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)

    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: Double?) { self = value.map { .double($0) } ?? .null }
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }

    public var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .double(let value): value.isFinite ? Int64(exactly: value.rounded()) : nil
        case .text(let value): Int64(value)
        case .null: nil
        }
    }

    public var int: Int? { int64.map { Int($0) } }

    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        case .text(let value): Double(value)
        case .null: nil
        }
    }

    public var string: String? {
        switch self {
        case .text(let value): value
        case .integer(let value): String(value)
        case .double(let value): String(value)
        case .null: nil
        }
    }

    public var isNull: Bool { self == .null }
}

/// One result row, by column name (SQL aliases: name every computed column with `AS`).
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }
}

/// Which engine a ``SQLStore`` talks to (for the few statements that differ, e.g. locking).
public enum SQLEngine: String, Sendable {
    case sqlite
    case postgres
}

/// Something that runs SQL: a store, or a connection inside one of its transactions.
///
/// Statements use `$1`, `$2`, … placeholders on both engines, and only the types and syntax both share
/// (`BIGINT`, `DOUBLE PRECISION`, `TEXT`; `INSERT … ON CONFLICT … DO …`; `… RETURNING`), so one
/// schema and one set of queries serve SQLite and PostgreSQL.
public protocol SQLExecutor: Sendable {
    var engine: SQLEngine { get }
    /// Runs one statement and returns its rows (none for most writes).
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

/// The database that holds the access keys, the usage ledger and the limit and budget counters:
/// SQLite in `DATA_DIR` on one machine, PostgreSQL (`DATABASE_URL`) for several replicas.
public protocol SQLStore: SQLExecutor {
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    /// Where the data lives, for logs (`sqlite:./data/gateway.sqlite`, `postgres://host:5432/db`; never a password).
    var location: String { get }
    func close() async
}

extension SQLExecutor {
    @discardableResult
    public func query(_ sql: String) async throws -> [SQLRow] { try await query(sql, []) }
}

/// A failure of the store (connection lost, constraint, bad SQL), with the engine's message.
public struct SQLStoreError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
