import Logging

/// The console's log handler: the gateway's own lines at every level, the libraries' (AsyncHTTPClient,
/// NIO, Hummingbird, service lifecycle) only from `info` up, so `LOG_LEVEL=debug` shows what the gateway
/// does (retries, streams the client ended, tools forwarded unchecked) rather than connection-pool
/// internals. `LOG_LEVEL=verbose` (trace) shows everything, the libraries' internals included.
public struct ConsoleLogHandler: LogHandler {
    /// The modules whose lines are the gateway's own (swift-log's `source` is the caller's module).
    static let ownModules: Set<String> = ["OpenAIGateway", "OpenAIClient", "OpenAISimulator", "openai_gateway"]

    private var wrapped: any LogHandler

    public init(wrapping wrapped: any LogHandler) {
        self.wrapped = wrapped
    }

    /// Installs the handler (over swift-log's standard-error stream handler) for the whole process; once, at start.
    public static func bootstrap() {
        LoggingSystem.bootstrap { label in ConsoleLogHandler(wrapping: StreamLogHandler.standardError(label: label)) }
    }

    /// Whether a line at `level` from `source` is shown by a logger at `loggerLevel`.
    static func shows(level: Logger.Level, source: String, loggerLevel: Logger.Level) -> Bool {
        level >= .info || loggerLevel == .trace || ownModules.contains(source)
    }

    public func log(event: LogEvent) {
        guard Self.shows(level: event.level, source: event.source, loggerLevel: logLevel) else { return }
        wrapped.log(event: event)
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }
}
