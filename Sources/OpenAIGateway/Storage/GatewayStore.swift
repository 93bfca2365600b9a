import Foundation
import Logging
import ServiceLifecycle

/// Opening the configured store: PostgreSQL when `DATABASE_URL` is set, else SQLite at
/// `DATA_DIR/gateway.sqlite`; migrated before the gateway takes requests.
public enum GatewayStore {
    public static func open(configuration: GatewayConfiguration, logger: Logger) async throws -> any SQLStore {
        let store: any SQLStore
        if let url = configuration.databaseURL {
            store = try await PostgresStore.open(url: url, logger: logger)
        } else {
            store = try await SQLiteStore.open(path: sqlitePath(configuration), logger: logger)
        }
        do {
            let applied = try await Migrations.migrate(store)
            if !applied.isEmpty { logger.info("Store \(store.location): applied migrations \(applied.map(String.init).joined(separator: ", "))") }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// The SQLite file of a configuration.
    public static func sqlitePath(_ configuration: GatewayConfiguration) -> String {
        (configuration.dataDirectory as NSString).appendingPathComponent("gateway.sqlite")
    }
}

/// Closes the store on graceful shutdown, after everything that writes to it has drained.
struct StoreService: Service {
    let store: any SQLStore

    func run() async throws {
        try? await gracefulShutdown()
        // Also when the group was cancelled (the server could not bind its port): a store left open fails
        // SQLiteNIO's deinit assertion, so the close must not see the cancellation.
        let store = store
        await Task.detached { await store.close() }.value
    }
}
