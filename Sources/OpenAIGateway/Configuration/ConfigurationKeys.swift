import Foundation

/// One environment key the gateway reads (also from `.env`).
public struct EnvironmentKey: Sendable {
    /// The key, e.g. `OPENAI_TIMEOUT`.
    public var name: String
    /// Other names read for the same setting (`OPENAI_API_BASE_URL` for `OPENAI_BASE_URL`).
    public var aliases: [String] = []
    /// The default, as a user writes it (`60000`), or `—` when there is none.
    public var defaultValue: String
    /// What it does, in one line.
    public var effect: String
}

extension GatewayConfiguration {
    /// Every key ``load(environment:dotEnv:overrides:)`` reads: the one list behind `--help` (and checked
    /// against the loader's source and the README's configuration table by the tests, so neither drifts).
    public static let environmentKeys: [EnvironmentKey] = [
        EnvironmentKey(name: "OPENAI_API_KEY", defaultValue: "—", effect: "The upstream's key; required unless --simulator"),
        EnvironmentKey(
            name: "OPENAI_BASE_URL",
            aliases: ["OPENAI_API_BASE_URL"],
            defaultValue: "https://api.openai.com/v1",
            effect: "Upstream base URL (any OpenAI-compatible server, e.g. a stand-alone simulator)"
        ),
        EnvironmentKey(name: "OPENAI_ORGANIZATION", aliases: ["OPENAI_ORG_ID"], defaultValue: "—", effect: "Sent as OpenAI-Organization"),
        EnvironmentKey(name: "OPENAI_PROJECT", aliases: ["OPENAI_PROJECT_ID"], defaultValue: "—", effect: "Sent as OpenAI-Project"),
        EnvironmentKey(name: "HOST", defaultValue: "127.0.0.1", effect: "Listen address (--host)"),
        EnvironmentKey(name: "PORT", defaultValue: "3000", effect: "Listen port (--port)"),
        EnvironmentKey(name: "OPENAI_DEFAULT_MODEL", defaultValue: "gpt-4o", effect: "Model used when a request names none"),
        EnvironmentKey(
            name: "OPENAI_DEFAULT_IMAGE_MODEL",
            defaultValue: "gpt-image-1.5",
            effect: "Image model of generations and edits that name none"
        ),
        EnvironmentKey(name: "OPENAI_TIMEOUT", defaultValue: "60000", effect: "Per-attempt upstream timeout, ms"),
        EnvironmentKey(name: "OPENAI_MAX_RETRIES", defaultValue: "3", effect: "Retries after the first attempt (0-10)"),
        EnvironmentKey(name: "OPENAI_RETRY_DELAY", defaultValue: "1000", effect: "First retry delay, ms; doubles each retry, at most 8 s"),
        EnvironmentKey(name: "VIDEO_GENERATION_TIMEOUT", defaultValue: "600000", effect: "Default wait of GET /api/videos/:id/poll, ms"),
        EnvironmentKey(name: "LOG_LEVEL", defaultValue: "info", effect: "error, warn, info, debug (one log entry per stream event) or verbose"),
        EnvironmentKey(name: "LOG_DIR", defaultValue: "./logs", effect: "Root of the interaction logs (--log-dir)"),
        EnvironmentKey(name: "NODE_ENV", defaultValue: "development", effect: "development prints one console line per request"),
        EnvironmentKey(name: "MAX_BODY_SIZE", defaultValue: "33554432", effect: "Largest JSON request body, bytes"),
        EnvironmentKey(name: "MAX_EVENT_BYTES", defaultValue: "8388608", effect: "Largest single upstream stream event, bytes"),
        EnvironmentKey(name: "SSE_KEEP_ALIVE_MS", defaultValue: "15000", effect: "Idle interval before a : keep-alive comment"),
        EnvironmentKey(name: "SIMULATOR_EVENT_DELAY_MS", defaultValue: "20", effect: "Pace of the built-in simulator's stream events"),
        EnvironmentKey(name: "MODEL_CATALOGUE_FILE", defaultValue: "bundled", effect: "A JSON file replacing the model catalogue"),
        EnvironmentKey(name: "CORS_ALLOWED_ORIGIN", defaultValue: "none", effect: "One origin (or *) allowed to call from a browser"),
        EnvironmentKey(name: "ALLOWED_HOSTS", defaultValue: "loopback names", effect: "Host names a request's Host may carry (* = any)"),
        EnvironmentKey(name: "HEADER_READ_TIMEOUT_MS", defaultValue: "10000", effect: "A new connection must send its request head within this"),
        EnvironmentKey(name: "IDLE_TIMEOUT_MS", defaultValue: "60000", effect: "An idle kept-alive connection is closed after this"),
        EnvironmentKey(name: "BODY_IDLE_TIMEOUT_MS", defaultValue: "30000", effect: "An upload that sends nothing for this long is cut"),
        EnvironmentKey(
            name: "CLIENT_WRITE_TIMEOUT_MS",
            defaultValue: "30000",
            effect: "A client that reads nothing of its response for this long is disconnected"
        ),
        EnvironmentKey(name: "LISTEN_BACKLOG", defaultValue: "1024", effect: "Connections the kernel queues before the gateway accepts them"),
        EnvironmentKey(name: "MAX_CONNECTIONS", defaultValue: "1000", effect: "Client connections open at once"),
        EnvironmentKey(name: "SHUTDOWN_TIMEOUT_MS", defaultValue: "30000", effect: "Graceful shutdown waits this long for requests in progress"),
        EnvironmentKey(name: "GATEWAY_AUTH", defaultValue: "none", effect: "none, or keys (every /api and /v1 request needs an access key)"),
        EnvironmentKey(name: "GATEWAY_ADMIN_KEY", defaultValue: "—", effect: "Secret of /admin/*, /metrics and /dashboard (16+ characters)"),
        EnvironmentKey(name: "DATA_DIR", defaultValue: "./data", effect: "Where the embedded SQLite store lives"),
        EnvironmentKey(name: "DATABASE_URL", defaultValue: "—", effect: "postgres://... keeps keys, ledger and counters in PostgreSQL"),
        EnvironmentKey(name: "KEY_CACHE_MS", defaultValue: "2000", effect: "How long a replica trusts what it read about a key"),
        EnvironmentKey(
            name: "LEDGER_QUEUE_ROWS",
            defaultValue: "50000",
            effect: "Usage ledger rows held in memory at most; more go to the spill file"
        ),
        EnvironmentKey(name: "LEDGER_BATCH_ROWS", defaultValue: "500", effect: "Ledger rows per INSERT (at most 1000)"),
        EnvironmentKey(name: "LEDGER_FLUSH_MS", defaultValue: "200", effect: "A partial batch of ledger rows is written after this"),
        EnvironmentKey(name: "UPSTREAM_MAX_CONNECTIONS", defaultValue: "256", effect: "Upstream connections short JSON calls use at once"),
        EnvironmentKey(name: "UPSTREAM_MAX_STREAMS", defaultValue: "2048", effect: "Upstream connections of streams and uploads (their own pool)"),
        EnvironmentKey(name: "UPSTREAM_SLOT_WAIT_MS", defaultValue: "5000", effect: "A short call waits this long for a free connection, then 503"),
        EnvironmentKey(
            name: "BUDGET_DEFAULT_RESERVATION_USD",
            defaultValue: "0.05",
            effect: "What a request that cannot be priced before it runs holds against its key's budget"
        ),
    ]

    /// The keys as `--help` lists them: one line each, `NAME (alias)  default  effect`.
    public static var environmentHelp: String {
        let names = environmentKeys.map { key in ([key.name] + key.aliases).joined(separator: " / ") }
        let nameWidth = names.map(\.count).max() ?? 0
        let defaultWidth = min(environmentKeys.map(\.defaultValue.count).max() ?? 0, 26)
        return zip(names, environmentKeys).map { name, key in
            let paddedName = name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let paddedDefault =
                key.defaultValue.count < defaultWidth
                ? key.defaultValue.padding(toLength: defaultWidth, withPad: " ", startingAt: 0) : key.defaultValue
            return "  \(paddedName)  \(paddedDefault)  \(key.effect)"
        }.joined(separator: "\n")
    }
}
