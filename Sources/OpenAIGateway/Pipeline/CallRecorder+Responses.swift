import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIClient

extension CallRecorder {
    /// The upstream's JSON body, unchanged, as the client's answer; the call is annotated with the
    /// upstream metadata and (when it is finished) the answer's id, model and usage.
    /// - Parameters:
    ///   - role: `.billed` for the call that generated the usage; `.reference` for retrieve, cancel, list...
    ///   - describe: API-specific members for the log, read from the answer.
    public func json(
        _ response: OpenAIResponse,
        status: HTTPResponse.Status,
        usage role: UsageRole = .reference,
        describe: (@Sendable (JSONValue) -> JSONObject)? = nil
    ) -> Response {
        upstream(response.metadata)
        answer(response.body, role: role, describe: describe)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: response.body))
    }

    /// A JSON answer the gateway built itself from an upstream call (e.g. a list reshaped).
    public func json(
        _ value: JSONValue,
        status: HTTPResponse.Status,
        upstream metadata: OpenAIResponseMetadata,
        headers: HTTPFields = [:]
    )
        -> Response
    {
        upstream(metadata)
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: value.jsonBytes)))
    }

    /// Bytes streamed from the upstream to the client as they arrive (a download, speech audio). The
    /// call record counts what was sent and sees whether the transfer ended, broke or the client left.
    /// `Content-Length` is passed on when the upstream sent one.
    public func bytes(
        _ metadata: OpenAIResponseMetadata,
        body: UpstreamBody,
        headers: HTTPFields,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        upstream(metadata)
        var headers = headers
        if let length = metadata.headers.first(name: "content-length"), let bytes = Int(length), bytes >= 0 {
            headers[.contentLength] = String(bytes)
        }
        return Response(status: status, headers: headers, body: ResponseBody(asyncSequence: body))
    }
}

extension OpenAIResponseMetadata {
    /// Whether the upstream answered with an event stream (`text/event-stream`).
    var isEventStream: Bool {
        headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") == true
    }
}

extension UpstreamBody {
    /// Collects an answer opened uncollected (because it could have been a stream) up to `limit` bytes;
    /// a broken or oversized body is the gateway's error for it.
    func collectAnswer(upTo limit: Int, metadata: OpenAIResponseMetadata) async throws(GatewayError) -> OpenAIResponse {
        do {
            return OpenAIResponse(metadata: metadata, body: try await collect(upTo: limit))
        } catch {
            throw GatewayError(upstream: OpenAITransport.classify(error, attempts: metadata.attempts))
        }
    }
}
