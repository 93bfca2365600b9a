import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import OpenAIClient

/// `/v1/*`: the OpenAI API itself, forwarded, so the official SDKs and any OpenAI client work through the
/// gateway by changing their base URL.
///
/// Every path and method goes upstream with its query and body; bodies and SSE bytes come back
/// unchanged. Hop-by-hop headers are dropped both ways, and the client's `Authorization` is replaced by
/// the gateway's key. Known endpoints (``V1Endpoint``) are metered; every call is one log entry.
///
/// Retries: a replayable request (a body up to `MAX_BODY_SIZE`, buffered) is retried by the gateway's one
/// retry policy; when that gives up, the answer carries `x-should-retry: false` so the SDK does not retry on
/// top. A streamed body (multipart or larger) is never retried by the gateway, and the SDK's own retry
/// logic is left alone.
struct OpenAICompatibleController: Sendable {
    typealias Context = GatewayRequestContext
    let transport: OpenAITransport
    let configuration: GatewayConfiguration

    private static let streamMember = Array(#""stream""#.utf8)

    /// Largest JSON answer kept to read its usage (image answers with base64 payloads can be large).
    static let maxMeteredAnswerBytes = 16 * 1024 * 1024

    func addRoutes(to router: Router<Context>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("v1/**", method: method, use: forward)
        }
    }

    @Sendable func forward(_ request: Request, context: Context) async throws -> Response {
        let path = String(request.uri.path.dropFirst(3))  // after "/v1"
        guard Self.isPlainPath(path) else { throw GatewayError(code: "invalid_path", parameter: "path") }
        let endpoint = V1Endpoint.match(method: request.method.rawValue, path: path)
        let role: UsageRole = endpoint.billing == .none ? .reference : .billed
        context.call.annotate { record in
            record.route = "/v1" + endpoint.template
            record.usageRole = role
            if endpoint.billing == .free { record.units = .free }
        }
        var upstream = OpenAIRequest(
            method: HTTPMethod(rawValue: request.method.rawValue),
            path: OpenAIPath(encoded: path, template: endpoint.template),
            headers: Self.forwardedHeaders(request.headers)
        )
        upstream.rawQuery = request.uri.query

        var request = request
        let contentType = request.headers[.contentType]
        let length = request.headers[.contentLength].flatMap(Int.init)
        let streamedBody = Self.streamsBody(contentType: contentType, length: length, limit: configuration.maxBodySize)
        var injectedUsage = false
        if !streamedBody, length.map({ $0 > 0 }) ?? (request.headers[.transferEncoding] != nil) {
            var buffer = try await request.collectBody(limit: configuration.maxBodySize)
            // The request is read only when the answer will not say what the call costs (speech, images, video)
            // or when a Chat Completions stream may need its usage asked for; the answer carries model and usage.
            let readRequest =
                [.speech, .images, .video].contains(endpoint.billing)
                || (endpoint.template == "/chat/completions" && buffer.readableBytesView.containsRun(Self.streamMember))
            if readRequest, contentType?.lowercased().contains("json") == true || contentType == nil,
                let json = try? JSONValue(parsing: buffer)
            {
                meter(request: json, endpoint: endpoint, context: context)
                if endpoint.template == "/chat/completions", let withUsage = Self.askingForUsage(json, body: buffer) {
                    buffer = withUsage
                    injectedUsage = true
                }
            }
            upstream.body = .bytes(buffer, contentType: contentType ?? "application/json")
        }

        let opened: (metadata: OpenAIResponseMetadata, body: UpstreamBody)
        do {
            if streamedBody {
                let streamed = try await Self.openStreaming(
                    upstream,
                    request: request,
                    contentType: contentType,
                    length: length,
                    transport: transport
                )
                opened = (streamed.metadata, streamed.body)
                meter(upload: streamed.tap, endpoint: endpoint, context: context)
            } else {
                opened = try await transport.open(upstream)
            }
        } catch {
            return failure(error, gatewayRetried: !streamedBody, request: request, context: context)
        }
        context.call.upstream(opened.metadata)
        var headers = Self.returnedHeaders(opened.metadata.headers)
        if opened.metadata.isEventStream {
            headers[.contentLength] = nil  // the relay frames the body itself (and may add an error event)
            let relay = SSERelay(
                status: .init(code: opened.metadata.status),
                events: BodyChunks(body: opened.body),
                policy: PassthroughStreamPolicy(strippingInjectedUsage: injectedUsage, maxEventBytes: configuration.maxEventBytes),
                keepAliveInterval: configuration.keepAliveInterval,
                path: request.uri.description,
                call: context.call,
                logger: context.logger
            )
            var response = relay.response(channel: context.channel)
            response.headers = headers
            return response
        }
        let call = context.call
        let metered = opened.metadata.headers.first(name: "content-type")?.lowercased().contains("json") == true
        let body = opened.body
        return Response(
            status: .init(code: opened.metadata.status),
            headers: headers,
            body: ResponseBody { writer in
                var kept = ByteBuffer()
                var keeping = metered
                // The answer is read for usage even when the client leaves part way: the call was made.
                defer { if keeping { call.answer(kept, role: role) } }
                for try await chunk in body {
                    if keeping {
                        if kept.readableBytes == 0, chunk.readableBytes <= Self.maxMeteredAnswerBytes {
                            kept = chunk  // the usual one-chunk answer: kept without a copy
                        } else if kept.readableBytes + chunk.readableBytes <= Self.maxMeteredAnswerBytes {
                            kept.writeImmutableBuffer(chunk)
                        } else {
                            keeping = false
                            kept = ByteBuffer()
                        }
                    }
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            }
        )
    }

    // MARK: - Requests

    /// Whether a forwarded path stays under `/v1`: no segment is `.` or `..` once percent-decoded (in any
    /// case), and none hides a slash or backslash (`%2F`, `%5C`, `\`).
    static func isPlainPath(_ path: String) -> Bool {
        let utf8 = path.utf8
        // The usual path has no `%`, no `\` and no dot segment: checked on bytes, without building strings.
        if !utf8.contains(UInt8(ascii: "%")), !utf8.contains(UInt8(ascii: "\\")) {
            return !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "." || $0 == ".." }
        }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            let lowered = segment.lowercased()
            if lowered.contains("%2f") || lowered.contains("%5c") || lowered.contains("\\") { return false }
            let decoded = lowered.replacingOccurrences(of: "%2e", with: ".")
            if decoded == "." || decoded == ".." { return false }
        }
        return true
    }

    /// Hop-by-hop headers (RFC 9110 §7.6.1) and those the gateway sets itself: never forwarded.
    static let droppedRequestHeaders: Set<String> = [
        "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate",
        "proxy-connection", "host", "authorization", "content-length", "content-type", "expect", "accept-encoding", "cookie",
        "user-agent", "x-request-id", "api-key", "x-api-key",
    ]

    /// The client's headers that go upstream: `OpenAI-Beta`, `Idempotency-Key`, `X-Stainless-*`,
    /// `OpenAI-Organization`/`OpenAI-Project` (the configured ones win), `Accept` and the rest, without
    /// the hop-by-hop ones and without the client's credentials.
    static func forwardedHeaders(_ fields: HTTPFields) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for field in fields where !droppedRequestHeaders.contains(field.name.canonicalName) {
            headers.add(name: field.name.rawName, value: field.value)
        }
        return headers
    }

    /// Whether the body goes upstream as it arrives (never retried) instead of buffered: multipart
    /// uploads, and bodies over the JSON limit or of unknown length that are not JSON.
    static func streamsBody(contentType: String?, length: Int?, limit: Int) -> Bool {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("multipart/") || type.hasPrefix("application/octet-stream") || type.hasPrefix("audio/") { return true }
        if let length { return length > limit && !type.contains("json") }
        return false
    }

    /// A Chat Completions stream body that asks for usage when the client did not, or nil. Without a
    /// `stream_options` member the member is spliced into the client's bytes (nothing else changes);
    /// with one that lacks `include_usage: true` the body is re-encoded with it.
    static func askingForUsage(_ json: JSONValue, body: ByteBuffer) -> ByteBuffer? {
        guard var object = json.objectValue, object["stream"] == true, object["stream_options"]?["include_usage"] != true else {
            return nil
        }
        let bytes = body.readableBytesView
        if object["stream_options"] == nil, let open = bytes.firstIndex(of: UInt8(ascii: "{")) {
            var spliced = ByteBuffer()
            spliced.reserveCapacity(bytes.count + 40)
            spliced.writeBytes(bytes[..<(open + 1)])
            spliced.writeStaticString(#""stream_options":{"include_usage":true},"#)
            spliced.writeBytes(bytes[(open + 1)...])
            return spliced
        }
        var options = object["stream_options"]?.objectValue ?? [:]
        options["include_usage"] = true
        object["stream_options"] = .object(options)
        return ByteBuffer(bytes: JSONValue.object(object).jsonBytes)
    }

    /// What the request says about the call's billing: model, characters, images, video seconds.
    private func meter(request json: JSONValue, endpoint: V1Endpoint, context: Context) {
        context.call.annotate { record in
            record.model = json["model"]?.stringValue
            switch endpoint.billing {
            case .speech:
                record.units = .speechCharacters(json["input"]?.stringValue?.count ?? 0)
            case .images:
                record.model = record.model ?? "dall-e-2"
                let count = json["n"]?.intValue ?? 1
                record.units = .images([.init(size: json["size"]?.stringValue, quality: json["quality"]?.stringValue, count: count)])
            case .video:
                record.units = Self.videoUnits(seconds: json["seconds"], size: json["size"]?.stringValue, endpoint: endpoint)
            case .none, .tokens, .transcription, .free:
                break
            }
        }
    }

    /// A video request's `seconds` (the spec's string, or a number) at its size. A create that names none makes
    /// OpenAI's default 4 seconds; a remix or an edit without them is priced by the answer's own length (``CallPipeline``).
    static func videoUnits(seconds: JSONValue?, size: String?, endpoint: V1Endpoint) -> BillableUnits {
        if let seconds = seconds?.stringValue.flatMap(Double.init) ?? seconds?.doubleValue { return .videoSeconds(seconds, size: size) }
        return endpoint.template == "/videos" ? .videoSeconds(4, size: size) : .none
    }

    /// What a multipart upload says about the call: its model and, for audio, the duration in a WAV header.
    private func meter(upload tap: MultipartTap, endpoint: V1Endpoint, context: Context) {
        context.call.annotate { record in
            record.bytesIn = record.bytesIn ?? tap.fileBytes
            if let model = tap.fields["model"] { record.model = model }
            switch endpoint.billing {
            case .transcription:
                record.model = record.model ?? AudioRules.Defaults.transcriptionModel
                let seconds = AudioDuration.wavSeconds(head: tap.fileHead, fileBytes: tap.fileBytes)
                record.units = .audioSeconds(seconds, source: seconds == nil ? nil : "upload_header")
            case .images:
                record.model = record.model ?? "dall-e-2"
                let count = tap.fields["n"].flatMap(Int.init) ?? 1
                record.units = .images([.init(size: tap.fields["size"], quality: tap.fields["quality"], count: count)])
            case .video:
                // The SDKs send every video create as a form; the model defaults upstream to sora-2.
                record.model = record.model ?? "sora-2"
                record.units = Self.videoUnits(seconds: tap.fields["seconds"].map(JSONValue.string), size: tap.fields["size"], endpoint: endpoint)
            case .none, .tokens, .speech, .free:
                break
            }
        }
    }

    /// Opens the upstream call with the client's body streamed through as it arrives: only this task
    /// reads the client's body; the HTTP client pulls the chunks from a one-slot channel.
    static func openStreaming(
        _ upstream: OpenAIRequest,
        request client: Request,
        contentType: String?,
        length: Int?,
        transport: OpenAITransport
    ) async throws -> (metadata: OpenAIResponseMetadata, body: UpstreamBody, tap: MultipartTap) {
        var tap = MultipartTap(contentType: contentType)
        let size: HTTPClientRequest.Body.Length = length.map { .known(Int64($0)) } ?? .unknown
        let type = contentType ?? "application/octet-stream"
        var chunks = client.body.makeAsyncIterator()
        let opened = try await ChunkChannel.upload(
            send: { channel in
                var request = upstream
                request.body = .stream(chunks: channel, length: size, contentType: type)
                let (metadata, body) = try await transport.open(request)
                return (metadata: metadata, body: body)
            },
            next: {
                let chunk = try await chunks.next()
                if let chunk { tap.append(chunk) }
                return chunk
            }
        )
        return (opened.metadata, opened.body, tap)
    }

    // MARK: - Answers

    /// Response headers that stay with the gateway's own framing.
    /// `openai-organization`/`openai-project` name the gateway's own account: not for its clients.
    static let droppedResponseHeaders: Set<String> = [
        "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-connection",
        "openai-organization", "openai-project",
    ]

    /// The upstream's headers as the client gets them (`x-request-id`, `openai-processing-ms`,
    /// `openai-version`, `x-ratelimit-*`, `retry-after(-ms)`, content type and disposition, ...).
    static func returnedHeaders(_ headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        for (name, value) in headers where !isDroppedResponseHeader(name) {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return fields
    }

    /// Whether a response header is hop-by-hop; only names starting like one are lower-cased and looked up.
    private static func isDroppedResponseHeader(_ name: String) -> Bool {
        switch name.utf8.first {
        case UInt8(ascii: "c"), UInt8(ascii: "C"), UInt8(ascii: "k"), UInt8(ascii: "K"), UInt8(ascii: "t"), UInt8(ascii: "T"),
            UInt8(ascii: "u"), UInt8(ascii: "U"), UInt8(ascii: "p"), UInt8(ascii: "P"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            return droppedResponseHeaders.contains(name.lowercased())
        default:
            return false
        }
    }

    /// The client's answer for a failed upstream call: the upstream's own error answer unchanged
    /// (status, headers, body), or, when it never answered, OpenAI's error shape with the gateway's status.
    /// After the gateway's own retries the answer says `x-should-retry: false`.
    private func failure(_ error: any Error, gatewayRetried: Bool, request: Request, context: Context) -> Response {
        let gatewayError = GatewayError(error, request: request, logger: context.logger)
        context.call.failed(gatewayError)
        var response: Response
        if let upstream = error as? OpenAIError, let status = upstream.status, upstream.kind == .http {
            let body = Self.withUnknownFieldHint(upstream)
            var headers = Self.returnedHeaders(HTTPHeaders(upstream.responseHeaders))
            headers[.contentLength] = String(body.count)
            response = Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        } else {
            response = ErrorStyle.openAI.response(for: gatewayError, path: "", requestID: context.requestID)
        }
        if gatewayRetried { response.headers[.shouldRetry] = "false" }
        return response
    }
}

extension OpenAICompatibleController {
    /// The upstream's error body, unchanged except for an `unknown_parameter`: its message then ends with
    /// the nearest known field ("Did you mean `temperature`?"), which the SDKs show.
    static func withUnknownFieldHint(_ error: OpenAIError) -> [UInt8] {
        guard let hint = GatewayError.unknownFieldHint(error), var body = (try? JSONValue(parsing: error.responseBody))?.objectValue,
            var object = body["error"]?.objectValue, let message = object["message"]?.stringValue
        else { return error.responseBody }
        object["message"] = .string("\(message) (gateway: \(hint))")
        body["error"] = .object(object)
        return JSONValue.object(body).jsonBytes
    }
}

extension HTTPField.Name {
    /// The OpenAI SDKs' retry override.
    static let shouldRetry = HTTPField.Name("x-should-retry")!
}
