import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Per-request data: the call record of the request (which carries its id and start time).
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's call record: handlers annotate it; the call pipeline finishes it.
    public let call: CallRecorder
    /// The connection, so that a long response can see the client go away without reading the
    /// request stream (which would end the connection's keep-alive).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        // Hummingbird's request id (also in the logger's metadata as hb.request.id) is the one id:
        // `X-Request-Id`, and `request_id` in the interaction log.
        let id = source.logger[metadataKey: "hb.request.id"].map { "\($0)" } ?? ""
        self.call = CallRecorder(requestID: "gw_" + id)
    }

    /// The gateway's request id (`X-Request-Id`).
    public var requestID: String { call.requestID }

    /// Bodies are bounded by the gateway's own limit (`MAX_BODY_SIZE`), counted as they arrive.
    public var maxUploadSize: Int { Int.max }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let upstreamRequestID = HTTPField.Name("X-Upstream-Request-Id")!
    /// The gateway's request id on `/v1`, where `X-Request-Id` is the upstream's.
    static let gatewayRequestID = HTTPField.Name("X-Gateway-Request-Id")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
}

extension Parameters {
    /// The path parameter `key` as the caller meant it: percent-decoded once (the upstream path encodes
    /// it again, so `a%20b` reaches the upstream as `a%20b`, not `a%2520b`); a malformed escape is kept as sent.
    func id(_ key: String) throws -> String {
        let raw = try require(key)
        return raw.removingPercentEncoding ?? raw
    }
}
