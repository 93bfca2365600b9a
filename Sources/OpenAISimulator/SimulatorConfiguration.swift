import OpenAIClient

/// How the simulator listens and how fast it plays its streams.
///
/// ```swift
/// let simulator = try await SimulatorServer.start(.init(port: 0, eventDelay: .zero))
/// ```
public struct SimulatorConfiguration: Sendable {
    /// Address to bind; only loopback makes sense for a fake upstream.
    public var host: String = "127.0.0.1"
    /// Port to bind; `0` asks the system for a free one (see ``RunningSimulator/port``).
    public var port: Int = 0
    /// Pause between two stream events (a fault's `event_delay_ms` overrides it per request).
    public var eventDelay: Duration = .milliseconds(10)
    /// Pause between the lifecycle steps of a background response (queued, in progress, done).
    public var backgroundStepDelay: Duration = .milliseconds(200)
    /// Where uploaded files (`POST /v1/files`) are stored; `nil` uses a fresh temporary folder,
    /// removed when the simulator is released.
    public var fileDirectory: String?
    /// How long a file attached to a vector store stays `in_progress` before it is `completed` (or `failed`).
    public var vectorStoreProcessingTime: Duration = .milliseconds(500)
    /// How long a video job takes from `queued` to `completed` (its progress grows with time).
    public var videoGenerationTime: Duration = .seconds(3)
    /// The models the simulator knows (a request naming another gets OpenAI's 404 `model_not_found`);
    /// add more while it runs with ``SimulatorModels/add(_:)`` or `POST /__simulator/models`.
    public var models: ModelCatalogue = .bundled

    /// - Parameters:
    ///   - host: address to bind.
    ///   - port: port to bind, `0` for any free port.
    ///   - eventDelay: pause between stream events.
    ///   - backgroundStepDelay: pause between background lifecycle steps.
    ///   - fileDirectory: where uploaded files go; `nil` for a fresh temporary folder.
    ///   - vectorStoreProcessingTime: how long a vector store file is `in_progress`.
    ///   - videoGenerationTime: how long a video job takes to complete.
    ///   - models: the models it knows, the bundled model catalogue by default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        eventDelay: Duration = .milliseconds(10),
        backgroundStepDelay: Duration = .milliseconds(200),
        fileDirectory: String? = nil,
        vectorStoreProcessingTime: Duration = .milliseconds(500),
        videoGenerationTime: Duration = .seconds(3),
        models: ModelCatalogue = .bundled
    ) {
        self.host = host
        self.port = port
        self.eventDelay = eventDelay
        self.backgroundStepDelay = backgroundStepDelay
        self.fileDirectory = fileDirectory
        self.vectorStoreProcessingTime = vectorStoreProcessingTime
        self.videoGenerationTime = videoGenerationTime
        self.models = models
    }
}
