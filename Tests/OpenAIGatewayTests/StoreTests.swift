import Foundation
import Testing

@testable import OpenAIGateway

/// The storage contract both engines keep: one schema and one set of queries (`$N` placeholders,
/// `ON CONFLICT`, `RETURNING`, transactions), over the real SQLite file and a real PostgreSQL server.
@Suite("Store: SQLite and PostgreSQL")
struct StoreTests {
    @Test("migrations apply once; placeholders, upserts, RETURNING and rollback behave alike", arguments: TestDatabases.engines)
    func contract(engine: TestDatabases.Engine) async throws {
        let store = try await TestDatabases.freshStore(engine)
        #expect(store.engine.rawValue == engine.rawValue)
        // Already migrated by freshStore: a second run applies nothing.
        #expect(try await Migrations.migrate(store).isEmpty)

        // Placeholders used out of order and twice mean the same value on both engines.
        let rows = try await store.query("SELECT $2 AS b, $1 AS a, $2 AS b2", [.text("first"), .integer(42)])
        #expect(rows.first?["a"].string == "first")
        #expect(rows.first?["b"].int == 42)
        #expect(rows.first?["b2"].int == 42)

        let upsert = """
            INSERT INTO quota_windows (key_id, window_start, requests, tokens) VALUES ($1, $2, 1, $3)
            ON CONFLICT (key_id, window_start) DO UPDATE SET requests = quota_windows.requests + 1, tokens = quota_windows.tokens + $3
            RETURNING requests, tokens
            """
        _ = try await store.query(upsert, [.text("key_a"), .integer(60_000), .integer(10)])
        let second = try await store.query(upsert, [.text("key_a"), .integer(60_000), .integer(5)])
        #expect(second.first?["requests"].int == 2)
        #expect(second.first?["tokens"].int == 15)

        // A transaction that throws leaves nothing behind.
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await store.transaction { tx in
                try await tx.query("INSERT INTO budget_periods (key_id, period_start, spent_micros) VALUES ($1, 0, 5)", [.text("key_b")])
                throw Abort()
            }
        }
        #expect(try await store.query("SELECT COUNT(*) AS n FROM budget_periods").first?["n"].int == 0)

        // Doubles, NULLs and text with quotes and a dollar sign round-trip.
        try await store.query(
            "INSERT INTO leases (id, key_id, kind, period_start, amount_micros, replica, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [.text("l1"), .text("it's $1"), .text("budget"), .null, .integer(1), .text("r"), .integer(9)]
        )
        let lease = try await store.query("SELECT key_id, period_start, amount_micros * 1.5 AS scaled FROM leases WHERE id = $1", [.text("l1")])
        #expect(lease.first?["key_id"].string == "it's $1")
        #expect(lease.first?["period_start"].isNull == true)
        #expect(lease.first?["scaled"].double == 1.5)
        await store.close()
    }

    @Test("replicas starting at once migrate once: no race in PostgreSQL's catalogue", .enabled(if: TestDatabases.postgresAvailable()))
    func concurrentMigrations() async throws {
        let url = try await TestDatabases.freshPostgresURL()
        let stores = try await withThrowingTaskGroup(of: (any SQLStore).self) { group in
            for _ in 0..<6 { group.addTask { try await PostgresStore.open(url: url) } }
            return try await group.reduce(into: [any SQLStore]()) { $0.append($1) }
        }
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for store in stores { group.addTask { try await Migrations.migrate(store) } }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty }.count == 1, "\(applied)")
        for store in stores { await store.close() }
    }

    @Test("SQLite runs in WAL mode in DATA_DIR, created on start")
    func sqliteWAL() async throws {
        let path = TestDatabases.freshSQLitePath()
        let store = try await SQLiteStore.open(path: path)
        #expect(try await store.query("PRAGMA journal_mode").first?["journal_mode"].string == "wal")
        #expect(FileManager.default.fileExists(atPath: path))
        await store.close()
    }

    @Test("a wrong DATABASE_URL is a configuration problem that names the key, never the password")
    func databaseURLProblems() {
        #expect(throws: GatewayConfiguration.Problems.self) {
            try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "sk-x", "DATABASE_URL": "mysql://u:hunter2@h/db"])
        }
        do {
            _ = try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "sk-x", "DATABASE_URL": "mysql://u:hunter2@h/db"])
        } catch {
            #expect(error.description.contains("DATABASE_URL"))
            #expect(!error.description.contains("hunter2"))
        }
    }
}
