import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import OpenAIClient
import ServiceLifecycle

/// Builds the gateway: upstream client, call pipeline (metering and the interaction log), routes
/// and middleware.
///
/// The returned application owns the `HTTPClient` and the log writer, and shuts them down (in that
/// order, after the server) on graceful shutdown, followed by `services` (e.g. the simulator that
/// `--simulator` started as the upstream).
/// - Parameters:
///   - services: run beside the server and shut down after it (last in, last out).
///   - onServerRunning: called with the bound port once the server listens (tests pass port 0).
public func buildApplication(
    configuration: GatewayConfiguration,
    logger: Logger = Logger(label: "openai-gateway"),
    services extraServices: [any Service] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let httpClient = OpenAITransport.makeHTTPClient(idleTimeout: configuration.timeout)
    var clientLogger = logger
    clientLogger.logLevel = min(logger.logLevel, .info)
    let transport = OpenAITransport(httpClient: httpClient, configuration: configuration.openAIConfiguration(), logger: clientLogger)
    let catalogue = try configuration.modelCatalogueFile.map { try ModelCatalogue(contentsOfFile: $0) } ?? .bundled
    let logWriter = InteractionLogWriter(
        directory: configuration.logDirectory,
        minimumLevel: configuration.logLevel,
        logger: logger,
        secrets: configuration.apiKey.map { [$0] } ?? []
    )
    let store = try await GatewayStore.open(configuration: configuration, logger: logger)
    logger.notice(
        "Access: GATEWAY_AUTH=\(configuration.authMode.rawValue)\(configuration.authMode == .none ? " (anyone who can reach the gateway uses it)" : ""); store \(store.location)"
    )
    let ledger = LedgerWriter(
        store: store,
        dataDirectory: configuration.dataDirectory,
        settings: LedgerWriter.Settings(configuration),
        logger: logger
    )
    let pipeline = CallPipeline(
        sinks: [
            InteractionLogSink(writer: logWriter, consoleSummary: configuration.environmentName == "development", logger: logger),
            LedgerSink(writer: ledger),
        ],
        metering: Metering(costs: CostEstimator(catalogue: catalogue))
    )
    let components = GatewayComponents(store: store, ledger: ledger)
    let router = buildRouter(
        configuration: configuration,
        client: OpenAIClient(transport: transport),
        pipeline: pipeline,
        components: components
    )

    // Services shut down in reverse order after the server: the HTTP client first, then the log
    // writer (which drains what the last requests logged), the ledger writer (which drains its queue
    // into the store), the store, then the extra services.
    let services: [any Service] =
        extraServices + [StoreService(store: store), ledger, logWriter, HTTPClientService(client: httpClient)]
    let limits = ConnectionLimits(
        headerReadTimeout: configuration.headerReadTimeout,
        idleTimeout: configuration.idleTimeout,
        bodyIdleTimeout: configuration.bodyIdleTimeout,
        maxConnections: configuration.maxConnections,
        shutdownTimeout: configuration.shutdownTimeout
    )
    let connections = ConnectionCounter()
    let app = Application(
        router: router,
        server: .http1(
            configuration: .init(additionalChannelHandlers: [
                ConnectionGuard(limits: limits, counter: connections), ClientCloseWatcher(),
            ])
        ),
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

/// The gateway's shared parts besides the upstream client and the call pipeline, built once by
/// ``buildApplication(configuration:logger:services:onServerRunning:)`` and handed to the router.
struct GatewayComponents: Sendable {
    /// Keys, ledger and limit counters (SQLite in `DATA_DIR`, or PostgreSQL).
    var store: any SQLStore
    /// The usage ledger's writer (queue depth, spills), for `/metrics`.
    var ledger: (any LedgerStatsSource)?
}

/// The router with every route and the call pipeline's middleware; exposed for route-listing tests.
func buildRouter(
    configuration: GatewayConfiguration,
    client: OpenAIClient,
    pipeline: CallPipeline,
    components: GatewayComponents
) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(
        middleware: CallPipelineMiddleware(pipeline: pipeline, scrubber: SecretScrubber(secrets: configuration.apiKey.map { [$0] } ?? []))
    )
    let routeTable = RouteTable()
    router.add(middleware: RequestGuardMiddleware(configuration: configuration, routes: routeTable))
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
    ResponsesController(client: client, configuration: configuration, catalogue: pipeline.metering.costs.catalogue)
        .addRoutes(to: router.group("api/responses"))
    AudioController(client: client, configuration: configuration, catalogue: pipeline.metering.costs.catalogue)
        .addRoutes(to: router.group("api/audio"))
    FilesController(client: client, configuration: configuration).addRoutes(to: router.group("api/files"))
    VectorStoresController(client: client, configuration: configuration).addRoutes(to: router.group("api/vector-stores"))
    VideosController(client: client, configuration: configuration, catalogue: pipeline.metering.costs.catalogue)
        .addRoutes(to: router.group("api/videos"))
    ImagesController(client: client, configuration: configuration, catalogue: pipeline.metering.costs.catalogue)
        .addRoutes(to: router.group("api/images"))
    OpenAICompatibleController(transport: client.transport, configuration: configuration).addRoutes(to: router)
    SystemController(configuration: configuration, upstreamBaseURL: configuration.baseURL, catalogue: pipeline.metering.costs.catalogue)
        .addRoutes(to: router)
    // The operator's routes: /admin/*, /metrics, /dashboard, behind GATEWAY_ADMIN_KEY.
    let adminGuard = AdminGuardMiddleware(configuration: configuration)
    _ = router.group("admin").add(middleware: adminGuard)
    routeTable.set(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
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
