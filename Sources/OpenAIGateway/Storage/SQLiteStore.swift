import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLiteNIO

/// The embedded store: one SQLite file in `DATA_DIR`, WAL mode. SQLite runs on NIO's thread pool, never
/// on the concurrency pool. One connection, used by one statement or transaction at a time (SQLite has
/// one writer anyway); `$N` placeholders become SQLite's `?N`.
public final class SQLiteStore: SQLStore {
    public let engine = SQLEngine.sqlite
    public let location: String
    private let connection: SQLiteConnection
    private let gate = AsyncGate()

    private init(connection: SQLiteConnection, location: String) {
        self.connection = connection
        self.location = location
    }

    /// Opens (creating it and its folder when needed) the database file at `path`; `:memory:` for a
    /// private in-memory database.
    public static func open(path: String, logger: Logger = Logger(label: "openai-gateway.sqlite")) async throws -> SQLiteStore {
        let storage: SQLiteConnection.Storage
        if path == ":memory:" {
            storage = .memory
        } else {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            storage = .file(path: path)
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        let connection = try await SQLiteConnection.open(
            storage: storage,
            threadPool: .singleton,
            logger: quiet,
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        let store = SQLiteStore(connection: connection, location: "sqlite:\(path)")
        // WAL: readers do not block the writer; NORMAL is durable across a process crash (not a power cut),
        // which the ledger's spill file does not need more than.
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=ON"] {
            try await store.query(pragma)
        }
        return store
    }

    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        await gate.acquire()
        defer { gate.release() }
        return try await run(sql, binds)
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        await gate.acquire()
        defer { gate.release() }
        try await run("BEGIN IMMEDIATE", [])
        do {
            let result = try await body(Transaction(store: self))
            try await run("COMMIT", [])
            return result
        } catch {
            _ = try? await run("ROLLBACK", [])
            throw error
        }
    }

    public func close() async {
        try? await connection.close()
    }

    /// A statement inside a transaction (the gate is already held).
    private struct Transaction: SQLExecutor {
        let store: SQLiteStore
        var engine: SQLEngine { .sqlite }
        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] { try await store.run(sql, binds) }
    }

    @discardableResult
    fileprivate func run(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let data = binds.map { value -> SQLiteData in
            switch value {
            case .null: .null
            case .integer(let integer): .integer(SQLiteInt64(integer))
            case .double(let double): .float(double)
            case .text(let text): .text(text)
            }
        }
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(Self.numberedPlaceholders(sql), data)
        } catch {
            throw SQLStoreError("SQLite: \(error)")
        }
        guard let first = rows.first else { return [] }
        let columns = first.columns.map(\.name)
        return rows.map { row in
            SQLRow(
                columns: columns,
                values: row.columns.map { column in
                    switch column.data {
                    case .null, .blob: .null
                    case .integer(let integer): .integer(Int64(integer))
                    case .float(let double): .double(double)
                    case .text(let text): .text(text)
                    }
                }
            )
        }
    }

    /// `$12` → `?12` (outside quoted literals): SQLite numbers `$name` parameters by first appearance,
    /// `?N` by N, which is what PostgreSQL's `$N` means.
    static func numberedPlaceholders(_ sql: String) -> String {
        guard sql.contains("$") else { return sql }
        var result = ""
        result.reserveCapacity(sql.utf8.count)
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "$" {
                result.append("?")
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A FIFO lock for async code: one holder at a time, waiters resumed in order; `release` is synchronous.
final class AsyncGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = state.withLockedValue { state -> Bool in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if proceed { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
