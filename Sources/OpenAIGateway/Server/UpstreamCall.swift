import HTTPTypes
import Hummingbird
import OpenAIClient

/// Runs an upstream call, turning its failure into the gateway's error, with the endpoint and the
/// attempts made kept for the log. Every controller calls the upstream through this.
func upstream<T>(_ endpoint: String, _ call: () async throws -> T) async throws -> T {
    do {
        return try await call()
    } catch let error as OpenAIError {
        var gatewayError = GatewayError(upstream: error)
        gatewayError.endpoint = endpoint
        gatewayError.attempts = error.attempts
        throw gatewayError
    }
}

extension Response {
    /// The upstream's JSON body, unchanged, with `X-Upstream-Request-Id` when the upstream sent an id.
    static func upstreamJSON(_ response: OpenAIResponse, status: HTTPResponse.Status) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let upstreamID = response.metadata.requestID { headers[.upstreamRequestID] = upstreamID }
        return Response(status: status, headers: headers, body: .init(byteBuffer: response.body))
    }
}
