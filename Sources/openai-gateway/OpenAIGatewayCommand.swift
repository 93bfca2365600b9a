import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import OpenAIGateway
import OpenAISimulator
import ServiceLifecycle

/// `openai-gateway`: reads configuration, builds the application, runs it. No logic lives here.
/// (The entry point is `main.swift`.)
struct OpenAIGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openai-gateway",
        abstract: "A gateway in front of the OpenAI API, with a built-in simulator.",
        version: GatewayVersion.current,
        subcommands: [Serve.self, Simulator.self, LedgerBench.self],
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
        let dotEnv = try? String(contentsOfFile: ".env", encoding: .utf8)
        var configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(
                environment: ProcessInfo.processInfo.environment,
                dotEnv: dotEnv,
                overrides: .init(host: host, port: port, logDirectory: logDir, useSimulator: simulator)
            )
        } catch {
            FileHandle.standardError.write(Data("Configuration error:\n\(error.description)\n".utf8))
            throw ExitCode(78)
        }
        var logger = Logger(label: "openai-gateway")
        logger.logLevel = configuration.logLevel.swiftLogLevel
        var services: [any Service] = []
        if configuration.useSimulator {
            // The built-in simulator on a free loopback port is the upstream; it stops after the gateway.
            let simulator = try await SimulatorServer.start(
                SimulatorConfiguration(host: "127.0.0.1", port: 0, eventDelay: configuration.simulatorEventDelay)
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
        try await app.runService()
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
        try await app.runService()
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
        let dotEnv = try? String(contentsOfFile: ".env", encoding: .utf8)
        let configuration: GatewayConfiguration
        do {
            // No upstream is called: the OpenAI key is not needed.
            configuration = try GatewayConfiguration.load(
                environment: ProcessInfo.processInfo.environment,
                dotEnv: dotEnv,
                overrides: .init(useSimulator: true)
            )
        } catch {
            FileHandle.standardError.write(Data("Configuration error:\n\(error.description)\n".utf8))
            throw ExitCode(78)
        }
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
