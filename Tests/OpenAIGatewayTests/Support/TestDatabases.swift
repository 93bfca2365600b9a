import Foundation
import Testing

@testable import OpenAIGateway

/// Databases for the store tests: a fresh SQLite file, or a fresh PostgreSQL database on the server
/// named by `TEST_DATABASE_URL` (`.ci/run` starts one with scripts/postgres.sh and sets it).
///
/// Without `TEST_DATABASE_URL` the PostgreSQL tests print a loud notice and do not run, except under CI
/// (`CI` set), where they fail: CI always has a server.
enum TestDatabases {
    static var postgresServerURL: String? {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the PostgreSQL tests run (for `.enabled(if:)`); prints why not, once per call site.
    static func postgresAvailable() -> Bool {
        if postgresServerURL != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] != nil { return true }  // fails in freshPostgresURL
        print(
            "⚠️  POSTGRESQL TESTS NOT RUN: TEST_DATABASE_URL is not set. Start a server with "
                + "`scripts/postgres.sh start` and run `TEST_DATABASE_URL=$(scripts/postgres.sh start) swift test`."
        )
        return false
    }

    /// A new, empty database on the test server; its URL.
    static func freshPostgresURL() async throws -> String {
        guard let server = postgresServerURL else {
            throw HarnessError("TEST_DATABASE_URL is not set (CI must start PostgreSQL: scripts/postgres.sh start)")
        }
        let name = "gw_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try await PostgresStore.open(url: server)
        try await admin.query("CREATE DATABASE \(name)")
        await admin.close()
        guard var components = URLComponents(string: server) else { throw HarnessError("bad TEST_DATABASE_URL") }
        components.path = "/" + name
        guard let url = components.string else { throw HarnessError("bad TEST_DATABASE_URL") }
        return url
    }

    static func freshSQLitePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gw-store-\(UUID().uuidString)/gateway.sqlite").path
    }

    enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqlite
        case postgres
        var testDescription: String { rawValue }
    }

    /// Engines the current run can test: SQLite always, PostgreSQL when available.
    static var engines: [Engine] { postgresAvailable() ? [.sqlite, .postgres] : [.sqlite] }

    /// A fresh, migrated store of `engine`.
    static func freshStore(_ engine: Engine) async throws -> any SQLStore {
        let store: any SQLStore =
            switch engine {
            case .sqlite: try await SQLiteStore.open(path: freshSQLitePath())
            case .postgres: try await PostgresStore.open(url: freshPostgresURL())
            }
        try await Migrations.migrate(store)
        return store
    }
}
