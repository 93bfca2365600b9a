import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The simulator's routes: `/v1/responses...`, `/v1/chat/completions...`, `/v1/embeddings`,
/// `/v1/models...`, `/v1/moderations`, `/v1/files...`, `/v1/vector_stores...`, `/v1/audio/...`, `/v1/images/...`, `/v1/videos...`, `/__simulator/...`, and
/// OpenAI-shaped 404s for the rest.
public func buildSimulatorRouter(
    configuration: SimulatorConfiguration,
    state: SimulatorState
) -> Router<SimulatorRequestContext> {
    state.models.use(configuration.models)
    let router = Router(context: SimulatorRequestContext.self)
    router.addMiddleware { SimulatorMiddleware(state: state) }
    ResponsesController(configuration: configuration, state: state).addRoutes(to: router.group("v1"))
    ChatCompletionsController(configuration: configuration, state: state).addRoutes(to: router.group("v1"))
    EmbeddingsController(state: state).addRoutes(to: router.group("v1"))
    ModelsController(models: state.models).addRoutes(to: router.group("v1"))
    ModerationsController(state: state).addRoutes(to: router.group("v1"))
    let files = SimulatorFileStore(directory: configuration.fileDirectory)
    FilesController(store: files).addRoutes(to: router.group("v1"))
    VectorStoresController(stores: SimulatorVectorStores(processingTime: configuration.vectorStoreProcessingTime), files: files)
        .addRoutes(to: router.group("v1"))
    AudioController(configuration: configuration, state: state).addRoutes(to: router.group("v1"))
    ImagesController(configuration: configuration, state: state).addRoutes(to: router.group("v1"))
    VideosController(configuration: configuration, state: state).addRoutes(to: router.group("v1"))
    ControlController(state: state).addRoutes(to: router.group("__simulator"))
    return router
}

/// The simulator as a Hummingbird application, for `openai-gateway simulator` and `--simulator`.
///
/// - Parameters:
///   - configuration: address and pacing.
///   - state: faults, stored responses and stats; pass your own to drive it in-process.
///   - onServerRunning: called with the bound port once the socket listens.
public func buildSimulatorApplication(
    configuration: SimulatorConfiguration,
    state: SimulatorState = .init(),
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildSimulatorRouter(configuration: configuration, state: state),
        // A backlog for a thousand connections at once (a benchmark's streams), like a real API's front door.
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "openai-simulator", backlog: 1024),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger ?? Logger(label: "openai-simulator")
    )
}

/// A simulator running in the background of this process (see ``SimulatorServer/start(_:state:)``).
public struct RunningSimulator: Sendable {
    /// The bound port (the real one when 0 was asked).
    public let port: Int
    /// What an OpenAI client should use as its base URL: `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { "http://\(host):\(port)/v1" }
    /// The simulator's state, to add faults and read stats in-process.
    public let state: SimulatorState
    let host: String
    let serviceGroup: ServiceGroup
    let task: Task<Void, any Error>

    /// Stops the server and every background run; returns once the server has closed.
    /// Open streams are ended; a connection still busy after two seconds is cut.
    public func shutdown() async {
        state.cancelBackgroundRuns()
        await serviceGroup.triggerGracefulShutdown()
        let task = self.task
        let watchdog = Task {
            try await Task.sleep(for: .seconds(2))
            task.cancel()
        }
        _ = await task.result
        watchdog.cancel()
    }
}

public enum SimulatorServer {
    /// Starts the simulator in the background and returns once its socket is bound.
    ///
    /// ```swift
    /// let simulator = try await SimulatorServer.start(.init(port: 0))
    /// defer { Task { await simulator.shutdown() } }
    /// // point a client at simulator.baseURL
    /// ```
    public static func start(_ configuration: SimulatorConfiguration, state: SimulatorState = .init()) async throws -> RunningSimulator {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "openai-simulator")
        logger.logLevel = .warning
        let app = buildSimulatorApplication(
            configuration: configuration,
            state: state,
            logger: logger,
            onServerRunning: { port in
                continuation.yield(port)
                continuation.finish()
            }
        )
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await serviceGroup.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // The server stopped before listening: surface its error.
            try await task.value
            throw SimulatorStartError(message: "the simulator stopped before it was listening on \(configuration.host):\(configuration.port)")
        }
        let host = configuration.host == "0.0.0.0" || configuration.host.isEmpty ? "127.0.0.1" : configuration.host
        return RunningSimulator(port: port, state: state, host: host, serviceGroup: serviceGroup, task: task)
    }
}

/// The simulator could not start listening.
public struct SimulatorStartError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
