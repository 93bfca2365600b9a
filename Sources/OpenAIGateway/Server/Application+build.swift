import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import OpenAIClient
import OpenAISimulator
import ServiceLifecycle

/// Builds the gateway: upstream client, interaction log writer, routes and middleware.
///
/// With `configuration.useSimulator` it first starts the built-in simulator on a free loopback port
/// and points the client at it. The returned application owns the `HTTPClient`, the log writer and
/// the simulator, and shuts them down (in that order, after the server) on graceful shutdown.
/// - Parameters:
///   - onServerRunning: called with the bound port once the server listens (tests pass port 0).
public func buildApplication(
    configuration: GatewayConfiguration,
    logger: Logger = Logger(label: "openai-gateway"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    var services: [any Service] = []
    var upstreamURL = configuration.baseURL
    if configuration.useSimulator {
        let simulator = try await SimulatorServer.start(
            SimulatorConfiguration(host: "127.0.0.1", port: 0, eventDelay: configuration.simulatorEventDelay)
        )
        upstreamURL = simulator.baseURL
        services.append(SimulatorService(simulator: simulator))
        logger.notice(
            "SIMULATOR MODE: no OpenAI key is used and nothing leaves this machine; upstream is the built-in simulator at \(simulator.baseURL)"
        )
    } else {
        logger.info("Upstream: \(configuration.baseURL)")
    }

    let httpClient = OpenAITransport.makeHTTPClient(idleTimeout: configuration.timeout)
    var clientLogger = logger
    clientLogger.logLevel = min(logger.logLevel, .info)
    let transport = OpenAITransport(
        httpClient: httpClient,
        configuration: configuration.openAIConfiguration(baseURL: upstreamURL),
        logger: clientLogger
    )
    let client = OpenAIClient(transport: transport)

    let catalogue: ModelCatalogue
    if let file = configuration.modelCatalogueFile {
        catalogue = try ModelCatalogue(contentsOfFile: file)
    } else {
        catalogue = .bundled
    }
    let logWriter = InteractionLogWriter(
        directory: configuration.logDirectory,
        minimumLevel: configuration.logLevel,
        logger: logger,
        secrets: configuration.apiKey.map { [$0] } ?? []
    )
    let requestLogger = RequestLogger(
        writer: logWriter,
        costs: CostEstimator(catalogue: catalogue),
        consoleSummary: configuration.environmentName == "development",
        logger: logger
    )

    let router = buildRouter(
        configuration: configuration,
        client: client,
        upstreamURL: upstreamURL,
        requestLogger: requestLogger
    )

    // Services shut down in reverse order after the server: the HTTP client first, then the log
    // writer (which drains what the last requests logged), then the simulator.
    services.append(logWriter)
    services.append(HTTPClientService(client: httpClient))
    let app = Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "openai-gateway"
        ),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.notice("openai-gateway listening on http://\(configuration.host):\(port) (docs at /api-docs)")
            await onServerRunning(port)
        },
        logger: logger
    )
    return app
}

/// The router with every route and the error middleware; exposed for route-listing tests.
func buildRouter(
    configuration: GatewayConfiguration,
    client: OpenAIClient,
    upstreamURL: String,
    requestLogger: RequestLogger
) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: GatewayMiddleware(requestLogger: requestLogger))
    // Cross-origin access only when configured: the gateway spends the API key for whoever calls it,
    // so any web page a user opens must not be able to call it from the browser by default.
    if let origin = configuration.corsAllowedOrigin {
        router.add(
            middleware: CORSMiddleware(
                allowOrigin: origin == "*" ? .all : .custom(origin),
                allowHeaders: [.accept, .authorization, .contentType, .origin, .lastEventID],
                allowMethods: [.get, .post, .delete, .patch, .head, .options],
                exposedHeaders: ["X-Request-Id", "X-Upstream-Request-Id", "Link", "Content-Disposition", "Retry-After"]
            )
        )
    }
    ResponsesController(client: client, configuration: configuration, requestLogger: requestLogger)
        .addRoutes(to: router.group("api/responses"))
    AudioController(client: client, configuration: configuration, requestLogger: requestLogger, catalogue: requestLogger.costs.catalogue)
        .addRoutes(to: router.group("api/audio"))
    FilesController(client: client, configuration: configuration, requestLogger: requestLogger).addRoutes(to: router.group("api/files"))
    SystemController(configuration: configuration, upstreamBaseURL: upstreamURL).addRoutes(to: router)
    return router
}

/// Shuts the shared `HTTPClient` down on graceful shutdown.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
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
