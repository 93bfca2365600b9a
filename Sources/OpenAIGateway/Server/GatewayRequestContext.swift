import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Per-request data: the gateway's request id and when the request arrived.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Sent back as `X-Request-Id` and written in every log entry of the request.
    public let requestID: String
    public let startTime: ContinuousClock.Instant

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = Self.makeRequestID()
        self.startTime = .now
        self.logger[metadataKey: "request_id"] = .string(requestID)
    }

    /// Bodies are bounded by the gateway's own limit (`MAX_BODY_SIZE`), counted as they arrive.
    public var maxUploadSize: Int { Int.max }

    /// Milliseconds since the request arrived.
    public var elapsedMilliseconds: Double {
        (ContinuousClock.now - startTime).seconds * 1000
    }

    static func makeRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "gw_" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let upstreamRequestID = HTTPField.Name("X-Upstream-Request-Id")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
