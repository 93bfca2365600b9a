import Foundation
import OpenAIClient

/// Everything the gateway reads at start, validated once.
///
/// Precedence: command-line flags, then the environment, then a `.env` file in the working
/// directory, then the defaults below. ``load(environment:dotEnv:overrides:)`` collects every problem
/// (one per key) instead of stopping at the first.
public struct GatewayConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 3000
    /// `OPENAI_API_KEY`; nil only in simulator mode.
    public var apiKey: String?
    /// `OPENAI_BASE_URL` or `OPENAI_API_BASE_URL`.
    public var baseURL: String = "https://api.openai.com/v1"
    public var organization: String?
    public var project: String?
    /// `OPENAI_DEFAULT_MODEL`: used when a request names no model (or an empty one).
    public var defaultModel: String = "gpt-4o"
    /// `OPENAI_DEFAULT_IMAGE_MODEL`: the image model of generations and edits that name none (variations
    /// use the first catalogue model that makes them).
    public var defaultImageModel: String = "gpt-image-1.5"
    /// `OPENAI_TIMEOUT` (ms): per-attempt timeout.
    public var timeout: Duration = .milliseconds(60_000)
    /// `OPENAI_MAX_RETRIES` (0...10).
    public var maxRetries: Int = 3
    /// `OPENAI_RETRY_DELAY` (ms): the first retry's delay; later ones double, up to 8 s.
    public var retryDelay: Duration = .milliseconds(1_000)
    /// `VIDEO_GENERATION_TIMEOUT` (ms, ≤ 3 600 000): the default wait of `GET /api/videos/:id/poll` (`maxWaitMs`).
    public var videoGenerationTimeout: Duration = .milliseconds(600_000)
    /// The waits between the retrieves of the `.../poll` routes (the reference app's 5 s, +5 s, at most 20 s).
    public var pollBackoff = PollBackoff()
    /// `LOG_LEVEL`: error, warn, info, debug or verbose. Debug adds one log entry per stream event.
    public var logLevel: LogLevel = .info
    /// `LOG_DIR`: root of the interaction logs.
    public var logDirectory: String = "./logs"
    /// `NODE_ENV`: development prints a one-line summary of each call to the console.
    public var environmentName: String = "development"
    /// `MAX_BODY_SIZE` (bytes): largest JSON request body accepted.
    public var maxBodySize: Int = 32 * 1024 * 1024
    /// `MAX_EVENT_BYTES`: the largest single event of an upstream stream (8 MiB); a larger one ends the
    /// stream with one `error` frame instead of growing the gateway's memory.
    public var maxEventBytes: Int = 8 * 1024 * 1024
    /// `SSE_KEEP_ALIVE_MS`: an idle stream gets a `: keep-alive` comment this often.
    public var keepAliveInterval: Duration = .seconds(15)
    /// `MODEL_CATALOGUE_FILE`: replaces the bundled model catalogue.
    public var modelCatalogueFile: String?
    /// `CORS_ALLOWED_ORIGIN`: one origin (e.g. `http://localhost:5173`) or `*` allowed to call the gateway
    /// from a browser; nil (the default) sends no CORS headers.
    public var corsAllowedOrigin: String?
    /// `ALLOWED_HOSTS`: comma-separated host names (a port is ignored) that a request's `Host` may name
    /// (DNS rebinding); `*` allows any. Default: `localhost`, `127.0.0.1`, `[::1]` and `HOST`, or any
    /// when `HOST` is a wildcard address (0.0.0.0, ::).
    public var allowedHosts: [String]?
    /// `HEADER_READ_TIMEOUT_MS`: a new connection must send a complete request head within this.
    public var headerReadTimeout: Duration = .seconds(10)
    /// `IDLE_TIMEOUT_MS`: a kept-alive connection with no request is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// `BODY_IDLE_TIMEOUT_MS`: an upload that sends nothing for this long is cut (time between chunks).
    public var bodyIdleTimeout: Duration = .seconds(30)
    /// `CLIENT_WRITE_TIMEOUT_MS`: a client that reads nothing of its response for this long is
    /// disconnected (the call's outcome is `truncated`, with the bytes sent).
    public var clientWriteTimeout: Duration = .seconds(30)
    /// `LISTEN_BACKLOG`: connections the kernel queues before the gateway accepts them. Sized for a
    /// thousand clients connecting at once (beyond it, a connection attempt waits a second and retries).
    public var listenBacklog = 1024
    /// `MAX_CONNECTIONS`: client connections open at once; more get a fast 503 with `retry-after`.
    public var maxConnections: Int = 1_000
    /// `SHUTDOWN_TIMEOUT_MS`: how long a graceful shutdown waits for requests in progress before closing them.
    public var shutdownTimeout: Duration = .seconds(30)
    /// `GATEWAY_AUTH`: `none` (anyone who can reach the gateway uses it; for local use) or `keys` (every
    /// `/api` and `/v1` request needs one of the gateway's access keys).
    public var authMode: AuthMode = .none
    /// `GATEWAY_ADMIN_KEY`: the secret of `/admin/*`, `/metrics` and `/dashboard` (at least 16 characters).
    public var adminKey: String?
    /// `DATA_DIR`: where the embedded SQLite store (`gateway.sqlite`: keys, ledger, counters) and the
    /// ledger's spill file live.
    public var dataDirectory: String = "./data"
    /// `DATABASE_URL`: `postgres://…` keeps keys, ledger and the shared limit and budget counters in
    /// PostgreSQL, for several replicas; nil uses SQLite in `DATA_DIR`.
    public var databaseURL: String?
    /// `KEY_CACHE_MS`: how long a replica trusts what it read about a key (a key revoked through another
    /// replica or the CLI stops working within this; through this replica's admin API at once).
    public var keyCacheTTL: Duration = .seconds(2)
    /// `BUDGET_DEFAULT_RESERVATION_USD`: what a request whose worst case cannot be priced before it runs
    /// (an upload, an unknown model) holds against its key's budget until it is settled.
    public var defaultReservationUSD: Double = 0.05
    /// `UPSTREAM_MAX_CONNECTIONS`: upstream connections short JSON calls may use at once.
    public var upstreamMaxConnections: Int = 256
    /// `UPSTREAM_MAX_STREAMS`: upstream connections of streams and streamed uploads (a pool of their own).
    public var upstreamMaxStreams: Int = 2_048
    /// `UPSTREAM_SLOT_WAIT_MS`: how long a short call waits for a free upstream connection before a 503.
    public var upstreamSlotWait: Duration = .seconds(5)
    /// `LEDGER_QUEUE_ROWS`: usage ledger rows held in memory at most; more go to the spill file.
    public var ledgerQueueRows: Int = 50_000
    /// `LEDGER_BATCH_ROWS`: ledger rows per `INSERT` (at most 1 000).
    public var ledgerBatchRows: Int = 500
    /// `LEDGER_FLUSH_MS`: a partial batch of ledger rows is written after this.
    public var ledgerFlushInterval: Duration = .milliseconds(200)
    /// Start the built-in simulator and use it as the upstream.
    public var useSimulator: Bool = false
    /// `SIMULATOR_EVENT_DELAY_MS`: pace of the built-in simulator's stream events.
    public var simulatorEventDelay: Duration = .milliseconds(20)

    public init() {}

    /// Command-line values, which win over everything else.
    public struct Overrides: Sendable {
        public var host: String?
        public var port: Int?
        public var logDirectory: String?
        public var useSimulator: Bool = false
        /// Only the store is needed (`openai-gateway keys …`): no upstream key is required.
        public var storeOnly: Bool = false
        public init(host: String? = nil, port: Int? = nil, logDirectory: String? = nil, useSimulator: Bool = false, storeOnly: Bool = false) {
            self.host = host
            self.port = port
            self.logDirectory = logDirectory
            self.useSimulator = useSimulator
            self.storeOnly = storeOnly
        }
    }

    /// The problems found while loading; each line names its key.
    public struct Problems: Error, CustomStringConvertible, Sendable {
        public var lines: [String]
        public var description: String { lines.joined(separator: "\n") }
    }

    /// Reads and validates the configuration.
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - dotEnv: the contents of `.env` (or nil when there is none).
    ///   - overrides: command-line flags.
    public static func load(
        environment: [String: String],
        dotEnv: String? = nil,
        overrides: Overrides = Overrides()
    ) throws(Problems) -> GatewayConfiguration {
        var values = dotEnv.map(parseDotEnv) ?? [:]
        for (key, value) in environment { values[key] = value }
        var reader = Reader(values: values)
        var config = GatewayConfiguration()
        config.useSimulator = overrides.useSimulator

        config.port = overrides.port ?? reader.integer("PORT", default: 3000, range: 1...65535)
        if let port = overrides.port, !(0...65535).contains(port) {
            reader.problems.append("--port: must be between 0 and 65535 (got \(port))")
        }
        config.host = overrides.host ?? reader.string("HOST") ?? "127.0.0.1"
        config.apiKey = reader.string("OPENAI_API_KEY")
        let baseURL = reader.string("OPENAI_BASE_URL") ?? reader.string("OPENAI_API_BASE_URL")
        if let baseURL {
            let keyName = reader.string("OPENAI_BASE_URL") != nil ? "OPENAI_BASE_URL" : "OPENAI_API_BASE_URL"
            if let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                url.host?.isEmpty == false
            {
                config.baseURL = baseURL
            } else {
                reader.problems.append("\(keyName): must be an http(s) URL such as https://api.openai.com/v1 (got \"\(baseURL)\")")
            }
        }
        config.organization = reader.string("OPENAI_ORGANIZATION") ?? reader.string("OPENAI_ORG_ID")
        config.project = reader.string("OPENAI_PROJECT") ?? reader.string("OPENAI_PROJECT_ID")
        config.defaultModel = reader.string("OPENAI_DEFAULT_MODEL") ?? "gpt-4o"
        config.defaultImageModel = reader.string("OPENAI_DEFAULT_IMAGE_MODEL") ?? "gpt-image-1.5"
        config.timeout = .milliseconds(reader.integer("OPENAI_TIMEOUT", default: 60_000, range: 1...3_600_000))
        config.maxRetries = reader.integer("OPENAI_MAX_RETRIES", default: 3, range: 0...10)
        config.retryDelay = .milliseconds(reader.integer("OPENAI_RETRY_DELAY", default: 1_000, range: 1...60_000))
        config.videoGenerationTimeout = .milliseconds(
            reader.integer("VIDEO_GENERATION_TIMEOUT", default: 600_000, range: 1...3_600_000)
        )
        if let level = reader.string("LOG_LEVEL") {
            if let parsed = LogLevel(rawValue: level.lowercased()) {
                config.logLevel = parsed
            } else {
                reader.problems.append(
                    "LOG_LEVEL: must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(level)\")"
                )
            }
        }
        config.logDirectory = overrides.logDirectory ?? reader.string("LOG_DIR") ?? "./logs"
        if let name = reader.string("NODE_ENV") {
            if ["development", "production", "test"].contains(name) {
                config.environmentName = name
            } else {
                reader.problems.append("NODE_ENV: must be one of development, production, test (got \"\(name)\")")
            }
        }
        config.maxBodySize = reader.integer("MAX_BODY_SIZE", default: 32 * 1024 * 1024, range: 1024...(1 << 40))
        config.maxEventBytes = reader.integer("MAX_EVENT_BYTES", default: 8 * 1024 * 1024, range: 65_536...(1 << 30))
        config.keepAliveInterval = .milliseconds(reader.integer("SSE_KEEP_ALIVE_MS", default: 15_000, range: 100...600_000))
        config.simulatorEventDelay = .milliseconds(reader.integer("SIMULATOR_EVENT_DELAY_MS", default: 20, range: 0...60_000))
        if let origin = reader.string("CORS_ALLOWED_ORIGIN") {
            if origin == "*" || (URL(string: origin)?.scheme.map { ["http", "https"].contains($0) } ?? false) {
                config.corsAllowedOrigin = origin
            } else {
                reader.problems.append("CORS_ALLOWED_ORIGIN: must be * or an origin such as http://localhost:5173 (got \"\(origin)\")")
            }
        }
        config.headerReadTimeout = .milliseconds(reader.integer("HEADER_READ_TIMEOUT_MS", default: 10_000, range: 100...600_000))
        config.idleTimeout = .milliseconds(reader.integer("IDLE_TIMEOUT_MS", default: 60_000, range: 100...3_600_000))
        config.bodyIdleTimeout = .milliseconds(reader.integer("BODY_IDLE_TIMEOUT_MS", default: 30_000, range: 100...3_600_000))
        config.clientWriteTimeout = .milliseconds(reader.integer("CLIENT_WRITE_TIMEOUT_MS", default: 30_000, range: 100...3_600_000))
        config.listenBacklog = reader.integer("LISTEN_BACKLOG", default: 1024, range: 1...65_535)
        config.maxConnections = reader.integer("MAX_CONNECTIONS", default: 1_000, range: 1...1_000_000)
        config.shutdownTimeout = .milliseconds(reader.integer("SHUTDOWN_TIMEOUT_MS", default: 30_000, range: 0...3_600_000))
        if let hosts = reader.string("ALLOWED_HOSTS") {
            config.allowedHosts = hosts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty }
        }
        if let mode = reader.string("GATEWAY_AUTH") {
            if let parsed = AuthMode(rawValue: mode.lowercased()) {
                config.authMode = parsed
            } else {
                reader.problems.append("GATEWAY_AUTH: must be none or keys (got \"\(mode.prefix(40))\")")
            }
        }
        if let adminKey = reader.string("GATEWAY_ADMIN_KEY") {
            if adminKey.count >= 16 {
                config.adminKey = adminKey
            } else {
                reader.problems.append("GATEWAY_ADMIN_KEY: must be at least 16 characters (e.g. the output of `openssl rand -hex 24`)")
            }
        }
        config.dataDirectory = reader.string("DATA_DIR") ?? "./data"
        if let url = reader.string("DATABASE_URL") {
            do {
                _ = try DatabaseURL(url)
                config.databaseURL = url
            } catch {
                reader.problems.append("\(error)")
            }
        }
        if let reservation = reader.string("BUDGET_DEFAULT_RESERVATION_USD") {
            if let value = Double(reservation), value >= 0, value <= 1_000 {
                config.defaultReservationUSD = value
            } else {
                reader.problems.append(
                    "BUDGET_DEFAULT_RESERVATION_USD: must be a number of dollars between 0 and 1000 (got \"\(reservation.prefix(40))\")"
                )
            }
        }
        config.upstreamMaxConnections = reader.integer("UPSTREAM_MAX_CONNECTIONS", default: 256, range: 1...100_000)
        config.upstreamMaxStreams = reader.integer("UPSTREAM_MAX_STREAMS", default: 2_048, range: 1...1_000_000)
        config.upstreamSlotWait = .milliseconds(reader.integer("UPSTREAM_SLOT_WAIT_MS", default: 5_000, range: 0...600_000))
        config.keyCacheTTL = .milliseconds(reader.integer("KEY_CACHE_MS", default: 2_000, range: 0...600_000))
        config.ledgerQueueRows = reader.integer("LEDGER_QUEUE_ROWS", default: 50_000, range: 1...10_000_000)
        config.ledgerBatchRows = reader.integer("LEDGER_BATCH_ROWS", default: 500, range: 1...LedgerInsert.maximumRows)
        config.ledgerFlushInterval = .milliseconds(reader.integer("LEDGER_FLUSH_MS", default: 200, range: 1...60_000))
        if let file = reader.string("MODEL_CATALOGUE_FILE") {
            if FileManager.default.isReadableFile(atPath: file) {
                config.modelCatalogueFile = file
            } else {
                reader.problems.append("MODEL_CATALOGUE_FILE: cannot read \"\(file)\"")
            }
        }

        if !config.useSimulator, !overrides.storeOnly {
            if let key = config.apiKey {
                let host = URL(string: config.baseURL)?.host?.lowercased() ?? ""
                if host == "api.openai.com" && !key.hasPrefix("sk-") {
                    reader.problems.append("OPENAI_API_KEY: must start with \"sk-\" for api.openai.com")
                }
            } else {
                reader.problems.append(
                    "OPENAI_API_KEY: is required (or start with --simulator to use the built-in simulator without a key)"
                )
            }
        }
        guard reader.problems.isEmpty else { throw Problems(lines: reader.problems) }
        return config
    }

    /// Parses `KEY=value` lines; `#` comments, `export ` prefixes and single or double quotes are understood.
    public static func parseDotEnv(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let first = value.first, first == "\"" || first == "'",
                let closing = value.dropFirst().firstIndex(of: first)
            {
                value = String(value[value.index(after: value.startIndex)..<closing])
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            if !key.isEmpty { values[key] = value }
        }
        return values
    }

    private struct Reader {
        let values: [String: String]
        var problems: [String] = []

        func string(_ key: String) -> String? {
            guard let value = values[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }

        mutating func integer(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
            guard let raw = string(key) else { return defaultValue }
            guard let value = Int(raw) ?? Double(raw).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }) else {
                problems.append("\(key): must be a whole number (got \"\(raw)\")")
                return defaultValue
            }
            guard range.contains(value) else {
                problems.append("\(key): must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
                return defaultValue
            }
            return value
        }
    }

    /// The upstream client configuration derived from this one.
    public func openAIConfiguration(baseURL overrideURL: String? = nil) -> OpenAIConfiguration {
        OpenAIConfiguration(
            apiKey: apiKey,
            baseURL: overrideURL ?? baseURL,
            organization: organization,
            project: project,
            timeout: timeout,
            retryPolicy: RetryPolicy(maxRetries: maxRetries, baseDelay: retryDelay),
            maxEventBytes: maxEventBytes
        )
    }
}
