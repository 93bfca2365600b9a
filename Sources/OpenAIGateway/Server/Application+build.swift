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
    // What can fail comes first, before anything that must be shut down exists (an HTTPClient released
    // without shutdown stops the process).
    let catalogue = try configuration.modelCatalogueFile.map { try ModelCatalogue(contentsOfFile: $0) } ?? .bundled
    let store = try await GatewayStore.open(configuration: configuration, logger: logger)
    // The connections fit the descriptor limit (running out crashes the process in libdispatch).
    let descriptors = await DescriptorBudget.make(configuration: configuration)
    descriptors.log(to: logger)
    // Two pools: short JSON calls, with a bounded wait for a connection; streams and streamed uploads,
    // which hold their connections for long, in a pool of their own.
    let httpClient = OpenAITransport.makeHTTPClient(idleTimeout: configuration.timeout, maxConnectionsPerHost: descriptors.upstreamConnections)
    // No read timeout: the streams' bodies time each read the gateway asks for (UpstreamBody).
    let streamClient = OpenAITransport.makeHTTPClient(idleTimeout: nil, maxConnectionsPerHost: descriptors.upstreamStreams)
    let slots = UpstreamSlots(limit: descriptors.upstreamConnections, wait: configuration.upstreamSlotWait)
    var clientLogger = logger
    clientLogger.logLevel = min(logger.logLevel, .info)
    let transport = OpenAITransport(
        httpClient: httpClient,
        streamClient: streamClient,
        slots: slots,
        configuration: configuration.openAIConfiguration(),
        logger: clientLogger
    )
    let logWriter = InteractionLogWriter(
        directory: configuration.logDirectory,
        minimumLevel: configuration.logLevel,
        logger: logger,
        secrets: configuration.apiKey.map { [$0] } ?? []
    )
    logger.notice(
        "Access: GATEWAY_AUTH=\(configuration.authMode.rawValue)\(configuration.authMode == .none ? " (anyone who can reach the gateway uses it)" : ""); store \(store.location)"
    )
    let metrics = GatewayMetrics(catalogue: catalogue)
    let ledger = LedgerWriter(
        store: store,
        dataDirectory: configuration.dataDirectory,
        settings: LedgerWriter.Settings(configuration),
        logger: logger
    )
    var components = GatewayComponents(store: store, configuration: configuration, logger: logger, metrics: metrics)
    components.ledger = ledger
    if configuration.authMode == .keys, configuration.adminKey == nil {
        logger.warning(
            "GATEWAY_AUTH=keys without GATEWAY_ADMIN_KEY: /admin, /metrics and /dashboard answer 403; manage keys with `openai-gateway keys`"
        )
    }
    let pipeline = CallPipeline(
        sinks: [
            InteractionLogSink(writer: logWriter, consoleSummary: configuration.environmentName == "development", logger: logger),
            LedgerSink(writer: ledger),
            metrics,
            QuotaSink(quota: components.quota),
        ],
        metering: Metering(costs: CostEstimator(catalogue: catalogue)),
        secrets: configuration.apiKey.map { [$0] } ?? []
    )
    let router = buildRouter(
        configuration: configuration,
        client: OpenAIClient(transport: transport),
        pipeline: pipeline,
        components: components
    )

    // Services shut down in reverse order after the server: the HTTP client first, then the log
    // writer (which drains what the last requests logged), the quota settlements and the ledger writer
    // (which drain into the store), the store, then the extra services; the shutdown line comes last of
    // all, once everything drained.
    let connections = ConnectionCounter()
    let report = ShutdownReport(connections: connections, logWriter: logWriter, logger: logger)
    let services: [any Service] =
        [report] + extraServices + [StoreService(store: store), ledger] + (components.quotaService.map { [$0] } ?? [])
        + [logWriter, HTTPClientService(client: httpClient), HTTPClientService(client: streamClient)]
    let limits = ConnectionLimits(
        headerReadTimeout: configuration.headerReadTimeout,
        idleTimeout: configuration.idleTimeout,
        bodyIdleTimeout: configuration.bodyIdleTimeout,
        maxConnections: descriptors.maxConnections,
        shutdownTimeout: configuration.shutdownTimeout,
        clientWriteTimeout: configuration.clientWriteTimeout
    )
    let app = Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: {
                    // Per connection: the guard tells the watcher when its write timeout cut the response.
                    let watcher = ClientCloseWatcher()
                    return [ExpectContinueHandler(), ConnectionGuard(limits: limits, counter: connections, watcher: watcher), watcher]
                }()
            )
        ),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "openai-gateway",
            backlog: configuration.listenBacklog,
            availableConnectionsDelegate: AcceptCeiling(ceiling: descriptors.acceptCeiling)
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
    /// The Prometheus metrics (also a sink of the call pipeline), rendered by `/metrics`.
    var metrics: GatewayMetrics
    /// The usage ledger's writer (queue depth, spills), for `/metrics`.
    var ledger: (any LedgerStatsSource)?
    /// The access keys, through their cache.
    var keys: AccessKeys
    /// The limit and budget counters: in this process with SQLite, in the shared store with PostgreSQL.
    var quota: any QuotaBackend
    /// The counters' background work (settlements, lease renewal) when they are shared.
    var quotaService: SharedQuota?

    init(store: any SQLStore, configuration: GatewayConfiguration, logger: Logger, metrics: GatewayMetrics) {
        self.store = store
        self.metrics = metrics
        self.keys = AccessKeys(keyStore: KeyStore(store: store), ttl: configuration.keyCacheTTL)
        if store.engine == .postgres {
            let shared = SharedQuota(store: store, logger: logger)
            self.quota = shared
            self.quotaService = shared
        } else {
            self.quota = LocalQuota(store: store)
        }
    }
}

/// The router with every route and the call pipeline's middleware; exposed for route-listing tests.
func buildRouter(
    configuration: GatewayConfiguration,
    client: OpenAIClient,
    pipeline: CallPipeline,
    components: GatewayComponents
) -> Router<GatewayRequestContext> {
    // HEAD is answered wherever GET is (uptime probes send `HEAD /health`): the GET handler's status and
    // headers, no body.
    let router = Router(context: GatewayRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(
        middleware: CallPipelineMiddleware(pipeline: pipeline, scrubber: SecretScrubber(secrets: configuration.apiKey.map { [$0] } ?? []))
    )
    let routeTable = RouteTable()
    router.add(middleware: RequestGuardMiddleware(configuration: configuration, routes: routeTable))
    if configuration.authMode == .keys {
        router.add(
            middleware: AccessMiddleware(
                keys: components.keys,
                quota: components.quota,
                estimator: RequestEstimator(
                    costs: pipeline.metering.costs,
                    defaultModel: configuration.defaultModel,
                    defaultImageModel: configuration.defaultImageModel,
                    defaultReservationMicros: Int64((configuration.defaultReservationUSD * 1_000_000).rounded())
                ),
                maxBodySize: configuration.maxBodySize
            )
        )
    }
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
    SystemController(
        configuration: configuration,
        upstreamBaseURL: configuration.baseURL,
        catalogue: pipeline.metering.costs.catalogue,
        slots: client.transport.slots
    )
    .addRoutes(to: router)
    // The operator's routes: /admin/*, /metrics, /dashboard, behind GATEWAY_ADMIN_KEY.
    let adminGuard = AdminGuardMiddleware(configuration: configuration)
    let admin = router.group("admin").add(middleware: adminGuard)
    AdminKeysController(keys: components.keys).addRoutes(to: admin.group("keys"))
    AdminUsageController(store: components.store).addRoutes(to: admin)
    MetricsController(metrics: components.metrics, ledger: components.ledger).addRoutes(to: router.group().add(middleware: adminGuard))
    routeTable.set(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
    components.metrics.knownRoutes(router.routes.map { $0.path.description })
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
