import Logging

extension LogLevel {
    /// The swift-log level for the console logger.
    public var swiftLogLevel: Logger.Level {
        switch self {
        case .error: .error
        case .warn: .warning
        case .info: .info
        case .debug: .debug
        case .verbose: .trace
        }
    }
}
