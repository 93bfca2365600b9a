import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import OpenAIClient
import OpenAIGateway
import OpenAISimulator
import ServiceLifecycle

/// `openai-gateway`: reads configuration, builds the application, runs it. No logic lives here.
/// (The entry point is `main.swift`.)
struct OpenAIGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openai-gateway",
        abstract: "A gateway in front of the OpenAI API, with a built-in simulator.",
        discussion: helpDiscussion,
        version: GatewayVersion.current,
        subcommands: [Serve.self, Simulator.self, Keys.self, LedgerBench.self],
        defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway (the default).")

    @Option(help: "Address to listen on.") var host: String?
    @Option(help: "Port to listen on (default: PORT, else 3000).") var port: Int?
    @Option(help: "Root folder of the interaction logs (default: LOG_DIR, else ./logs).") var logDir: String?
    @Flag(help: "Start the built-in simulator and use it as the upstream: no key, no network.") var simulator = false

    func run() async throws {
        var configuration = try ConfigurationLoading.load(.init(host: host, port: port, logDirectory: logDir, useSimulator: simulator))
        var logger = Logger(label: "openai-gateway")
        logger.logLevel = configuration.logLevel.swiftLogLevel
        var services: [any Service] = []
        if configuration.useSimulator {
            // The built-in simulator on a free loopback port is the upstream; it stops after the gateway.
            // It knows the gateway's models (MODEL_CATALOGUE_FILE's, whose problems the gateway reports).
            let models = configuration.modelCatalogueFile.flatMap { try? ModelCatalogue(contentsOfFile: $0) } ?? .bundled
            let simulator = try await SimulatorServer.start(
                SimulatorConfiguration(host: "127.0.0.1", port: 0, eventDelay: configuration.simulatorEventDelay, models: models)
            )
            configuration.baseURL = simulator.baseURL
            services.append(SimulatorService(simulator: simulator))
            logger.notice(
                "SIMULATOR MODE: no OpenAI key is used and nothing leaves this machine; upstream is the built-in simulator at \(simulator.baseURL)"
            )
        } else {
            logger.info("Upstream: \(configuration.baseURL)")
        }
        let app = try await buildApplication(configuration: configuration, logger: logger, services: services)
        try await runReportingStartProblems(host: configuration.host, port: configuration.port, portFlag: "--port N or PORT=N") {
            try await app.runService()
        }
    }
}

struct Simulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run only the simulator: a stand-alone fake OpenAI API at http://HOST:PORT/v1."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Milliseconds between stream events.") var eventDelayMs = 20

    func run() async throws {
        var logger = Logger(label: "openai-simulator")
        logger.logLevel = .info
        let configuration = SimulatorConfiguration(host: host, port: port, eventDelay: .milliseconds(eventDelayMs))
        let app = buildSimulatorApplication(configuration: configuration)
        logger.notice("OpenAI simulator at http://\(host):\(port)/v1 (faults: POST /__simulator/faults, stats: GET /__simulator/stats)")
        try await runReportingStartProblems(host: host, port: port, portFlag: "--port N") { try await app.runService() }
    }
}

/// The root's `--help` text after the subcommands: the default subcommand's flags and every environment key
/// (``GatewayConfiguration/environmentKeys``, the list the README's configuration table is checked against).
let helpDiscussion: String = {
    let serveHelp = Serve.helpMessage(columns: 100)
    let options = serveHelp.range(of: "OPTIONS:").map { String(serveHelp[$0.upperBound...]) } ?? serveHelp
    return "FLAGS OF serve (the default; `openai-gateway --simulator` is `openai-gateway serve --simulator`):"
        + options.trimmingCharacters(in: .newlines).split(separator: "\n").map { "\n" + $0 }.joined()
        + "\n\nENVIRONMENT (also read from .env in the working directory; flags win):\n"
        + GatewayConfiguration.environmentHelp
}()

/// Runs `body` (a server); a port in use, or another known start failure, is said in one line with a hint
/// and exits with status 69 (EX_UNAVAILABLE), not as an error dump.
func runReportingStartProblems(host: String, port: Int, portFlag: String, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        guard let problem = StartupProblem.describe(error, host: host, port: port, portFlag: portFlag) else { throw error }
        FileHandle.standardError.write(Data("error: \(problem)\n".utf8))
        throw ExitCode(69)
    }
}

/// `openai-gateway keys …`: the access keys in the configured store (`DATA_DIR`'s SQLite, or `DATABASE_URL`),
/// the same store the admin API uses. Secrets are printed once, at creation and rotation.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage access keys (GATEWAY_AUTH=keys): create, list, revoke, rotate.",
        subcommands: [Create.self, List.self, Revoke.self, Rotate.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(help: "Folder of the SQLite store (default: DATA_DIR, else ./data); ignored with DATABASE_URL.") var dataDir: String?
        @Flag(help: "Print JSON (the admin API's shape).") var json = false

        func withStore<T>(_ body: (KeyStore) async throws -> T) async throws -> T {
            var configuration = try ConfigurationLoading.load(.init(storeOnly: true))
            if let dataDir { configuration.dataDirectory = dataDir }
            var logger = Logger(label: "openai-gateway")
            logger.logLevel = .warning
            let store = try await GatewayStore.open(configuration: configuration, logger: logger)
            do {
                let result = try await body(KeyStore(store: store))
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }

        func print(_ key: AccessKey, secret: String?) {
            if json {
                var object = key.adminJSON.objectValue ?? [:]
                if let secret { object["secret"] = .string(secret) }
                Swift.print(JSONValue.object(object).jsonString)
            } else {
                Swift.print(key.summary)
                if let secret { Swift.print("secret (shown once; store it now): \(secret)") }
            }
        }

        func fail(_ error: any Error) -> ExitCode {
            let lines: [String]
            if let error = error as? GatewayError {
                let problems = error.problems.isEmpty ? [ValidationProblem(parameter: "", message: error.message, hint: error.hint)] : error.problems
                lines = problems.map { "error: " + $0.message + ($0.hint.map { " (\($0))" } ?? "") }
            } else {
                lines = ["error: \(error)"]
            }
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            return ExitCode(1)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print its secret (once).")
        @OptionGroup var options: StoreOptions
        @Option(help: "Who uses the key.") var name: String
        @Option(help: "Expiry: a duration (30d, 12h, 90m) or a date/time (2027-01-31).") var expires: String?
        @Option(help: "Models the key may use, comma-separated (default: any).") var models: String?
        @Option(help: "Path patterns the key may call, comma-separated: /v1/**, /api/responses/* (default: any).") var routes: String?
        @Option(help: "Requests per minute.") var rpm: Int?
        @Option(help: "Tokens per minute (input estimate plus reserved output, settled with the real usage).") var tpm: Int?
        @Option(help: "Streams open at once.") var maxStreams: Int?
        @Option(help: "Budget in USD per period.") var budget: Double?
        @Option(help: "Budget period: day or month (default month).") var period: String?

        func run() async throws {
            var body: JSONObject = ["name": .string(name)]
            if let expires { body[KeyStore.Settings.parseDuration(expires) != nil ? "expires_in" : "expires_at"] = .string(expires) }
            if let models { body["models"] = .array(models.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
            if let routes { body["routes"] = .array(routes.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
            if let rpm { body["rpm"] = .int(Int64(rpm)) }
            if let tpm { body["tpm"] = .int(Int64(tpm)) }
            if let maxStreams { body["max_streams"] = .int(Int64(maxStreams)) }
            if let budget { body["budget_usd"] = .double(budget) }
            if let period { body["budget_period"] = .string(period) }
            do {
                let settings = try KeyStore.Settings.parse(body)
                let issued = try await options.withStore { try await $0.create(settings) }
                options.print(issued.key, secret: issued.secret)
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw options.fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys (never their secrets).")
        @OptionGroup var options: StoreOptions
        @Flag(help: "Include revoked keys.") var all = false

        func run() async throws {
            let keys = try await options.withStore { try await $0.list(includeRevoked: all) }
            if options.json {
                Swift.print(JSONValue.array(keys.map(\.adminJSON)).jsonString)
            } else if keys.isEmpty {
                Swift.print("no keys (create one with: openai-gateway keys create --name NAME)")
            } else {
                for key in keys { Swift.print(key.summary) }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it stops working (within KEY_CACHE_MS on running gateways).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The key's id (key_…).") var id: String

        func run() async throws {
            guard let key = try await options.withStore({ try await $0.revoke(id: id) }) else {
                throw options.fail(KeyStore.notFound(id))
            }
            options.print(key, secret: nil)
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a key a new secret (printed once); the old one stops working.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The key's id (key_…).") var id: String

        func run() async throws {
            guard let issued = try await options.withStore({ try await $0.rotate(id: id) }) else {
                throw options.fail(KeyStore.notFound(id))
            }
            options.print(issued.key, secret: issued.secret)
        }
    }
}

struct LedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger-bench",
        abstract: "Measure the usage ledger's write rate on the configured store (DATABASE_URL, else SQLite in DATA_DIR).",
        discussion: "Writes N rows through the ledger writer, prints rows/s, then deletes the rows it wrote."
    )

    @Option(help: "Rows to write.") var rows = 100_000

    func run() async throws {
        // No upstream is called: the OpenAI key is not needed.
        let configuration = try ConfigurationLoading.load(.init(storeOnly: true))
        var logger = Logger(label: "openai-gateway")
        logger.logLevel = .warning
        let store = try await GatewayStore.open(configuration: configuration, logger: logger)
        do {
            let result = try await LedgerBenchmark.run(store: store, rows: rows, settings: LedgerWriter.Settings(configuration), logger: logger)
            await store.close()
            print(
                "ledger-bench \(store.location): \(result.stored)/\(result.rows) rows in \(String(format: "%.3f", result.seconds)) s = "
                    + "\(Int(result.rowsPerSecond)) rows/s (batch \(configuration.ledgerBatchRows), spilled \(result.spilled), failed batches \(result.failedBatches))"
            )
        } catch {
            await store.close()
            throw error
        }
    }
}

/// The one way the subcommands read their configuration: flags, environment, `.env`; a problem is printed
/// one line per key and exits 78 (EX_CONFIG).
enum ConfigurationLoading {
    static func load(_ overrides: GatewayConfiguration.Overrides) throws -> GatewayConfiguration {
        let dotEnv = try? String(contentsOfFile: ".env", encoding: .utf8)
        do {
            return try GatewayConfiguration.load(environment: ProcessInfo.processInfo.environment, dotEnv: dotEnv, overrides: overrides)
        } catch {
            FileHandle.standardError.write(Data("Configuration error:\n\(error.description)\n".utf8))
            throw ExitCode(78)
        }
    }
}

/// Keeps the in-process simulator alive until graceful shutdown.
struct SimulatorService: Service {
    let simulator: RunningSimulator

    func run() async throws {
        try? await gracefulShutdown()
        await simulator.shutdown()
    }
}

/// Runs Swift concurrency's jobs on NIO's event loops (the process's one thread pool for I/O and
/// tasks), so a request does not hop between the concurrency pool and the event loops at every
/// await. Nothing in the gateway blocks a thread (file I/O goes to NIO's thread pool), which this needs.
enum ConcurrencyOnEventLoops {
    static func install() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
