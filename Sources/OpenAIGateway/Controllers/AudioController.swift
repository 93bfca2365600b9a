import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import OpenAIClient

/// `/api/audio`: speech (streamed audio), transcriptions (JSON, text, subtitles or SSE) and translations.
///
/// Transcription and translation uploads stream through ``MultipartUpload`` (≤ 25 MB, checked while the
/// bytes pass). Only the fields the client sent go upstream: the gateway does not add `response_format`
/// or `temperature` (OpenAI's defaults, json and 0, are the seed's), see ``AudioRules/defaultFields(_:)``
/// for `model`.
struct AudioController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration
    let requestLogger: RequestLogger
    let catalogue: ModelCatalogue

    /// Largest transcript collected from the upstream (text formats and JSON are small; verbose JSON with
    /// word timestamps of 25 MB of audio stays far below this).
    static let maxTranscriptBytes = 16 * 1024 * 1024

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("speech", use: speech)
        group.post("transcriptions", use: transcription)
        group.post("translations", use: translation)
    }

    // MARK: - Speech

    /// `POST /api/audio/speech` → 200 audio, streamed back as the upstream produces it.
    @Sendable func speech(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let json = try await request.decodeJSONBody(limit: configuration.maxBodySize)
        guard let object = json.objectValue else {
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: "body",
                    message: "The request body must be a JSON object",
                    hint: "Send e.g. {\"voice\": \"alloy\", \"input\": \"Hello\"} with Content-Type: application/json."
                )
            ])
        }
        let problems = AudioRules.validateSpeech(object, catalogue: catalogue)
        guard problems.isEmpty else { throw GatewayError.validation(problems) }
        let upstreamBody = AudioRules.speechUpstreamBody(object)
        let opened = try await upstream("POST /v1/audio/speech") { try await client.audio.speech(upstreamBody) }

        let format = upstreamBody["response_format"]?.stringValue ?? AudioRules.Defaults.speechFormat
        let model = upstreamBody["model"]?.stringValue ?? AudioRules.Defaults.speechModel
        let characters = upstreamBody["input"]?.stringValue?.count ?? 0
        var headers: HTTPFields = [
            .contentType: opened.metadata.headers.first(name: "content-type") ?? AudioRules.speechContentType(format),
            .contentDisposition: "attachment; filename=\"speech.\(format)\"",
        ]
        if let length = opened.metadata.headers.first(name: "content-length"), Int(length) != nil { headers[.contentLength] = length }
        if let upstreamID = opened.metadata.requestID { headers[.upstreamRequestID] = upstreamID }

        let speechExtra: JSONObject = [
            "voice": upstreamBody["voice"] ?? .null, "characters": .int(Int64(characters)), "response_format": .string(format),
            "speed": upstreamBody["speed"] ?? .null,
        ]
        let requestLogger = self.requestLogger
        let cost = requestLogger.costs.speechCost(model: model, characters: characters)
        let audio = opened.body
        let metadata = opened.metadata
        let loggedRequest = request
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                var extra = speechExtra
                var bytes = 0
                var failure: (any Error)?
                do {
                    for try await chunk in audio {
                        bytes += chunk.readableBytes
                        try await writer.write(chunk)
                    }
                } catch {
                    failure = error
                }
                // One entry when the audio has been sent (or the transfer broke off).
                extra["audio_bytes"] = .int(Int64(bytes))
                if let failure { extra["stream_error"] = .string(String(describing: failure)) }
                requestLogger.success(
                    request: loggedRequest,
                    context: context,
                    status: 200,
                    endpoint: metadata.endpoint,
                    metadata: metadata,
                    responseJSON: nil,
                    requestModel: model,
                    cost: cost,
                    extra: extra
                )
                if let failure { throw failure }
                try await writer.finish(nil)
            }
        )
    }

    // MARK: - Transcriptions and translations

    /// `POST /api/audio/transcriptions` → 200 JSON, text, subtitles, or an SSE stream with `stream=true`.
    @Sendable func transcription(_ request: Request, context: Context) async throws -> Response {
        let client = self.client
        let endpoint = "POST /v1/audio/transcriptions"
        let (opened, fields, file) = try await upstream(endpoint) {
            try await MultipartUpload.forward(request, policy: AudioRules.uploadPolicy(.transcription, catalogue: catalogue)) { body in
                try await client.audio.transcriptionStream(body)
            }
        }
        let model = fields["model"] ?? AudioRules.Defaults.transcriptionModel
        var extraHeaders: HTTPFields = [.requestID: context.requestID]
        if let upstreamID = opened.metadata.requestID { extraHeaders[.upstreamRequestID] = upstreamID }
        let upstreamType = opened.metadata.headers.first(name: "content-type")?.lowercased() ?? ""
        if upstreamType.hasPrefix("text/event-stream") {
            let requestLogger = self.requestLogger
            let metadata = opened.metadata
            let relay = SSERelay(
                status: .ok,
                events: opened.body.serverSentEvents,
                policy: TranscriptionRelayPolicy(),
                keepAliveInterval: configuration.keepAliveInterval,
                path: request.uri.description,
                extraHeaders: extraHeaders,
                logger: context.logger,
                onFinish: { result in
                    let stream = result.policy
                    var extra = Self.fileExtra(file)
                    extra["text_length"] = .int(Int64(stream.text.count))
                    extra["stream"] = ["outcome": .string(result.outcome.rawValue), "events": .int(Int64(stream.events))]
                    if let error = result.error { extra["stream_error"] = .string(error.message) }
                    let usage = stream.usage.flatMap(TokenUsage.init(json:))
                    let seconds = stream.usage?["seconds"]?.doubleValue
                    requestLogger.success(
                        request: request,
                        context: context,
                        status: 200,
                        endpoint: metadata.endpoint,
                        metadata: metadata,
                        responseJSON: stream.usage.map { ["usage": $0] },
                        requestModel: model,
                        cost: requestLogger.costs.transcriptionCost(model: model, durationSeconds: seconds, usage: usage),
                        extra: extra
                    )
                }
            )
            return relay.response(for: request)
        }
        let collected: ByteBuffer
        do {
            collected = try await opened.body.collect(upTo: Self.maxTranscriptBytes)
        } catch {
            var gatewayError = GatewayError(upstream: OpenAITransport.classify(error, attempts: opened.metadata.attempts))
            gatewayError.endpoint = endpoint
            throw gatewayError
        }
        return transcript(metadata: opened.metadata, body: collected, model: model, fields: fields, file: file, request: request, context: context)
    }

    /// `POST /api/audio/translations` (into English, whisper-1) → 200 JSON or text.
    @Sendable func translation(_ request: Request, context: Context) async throws -> Response {
        let client = self.client
        let (response, fields, file) = try await upstream("POST /v1/audio/translations") {
            try await MultipartUpload.forward(request, policy: AudioRules.uploadPolicy(.translation, catalogue: catalogue)) { body in
                try await client.audio.translation(body)
            }
        }
        return transcript(
            metadata: response.metadata,
            body: response.body,
            model: fields["model"] ?? AudioRules.Defaults.transcriptionModel,
            fields: fields,
            file: file,
            request: request,
            context: context
        )
    }

    // MARK: - Helpers

    /// The client's answer for a collected transcript: the upstream body unchanged, with the content type of its format.
    private func transcript(
        metadata: OpenAIResponseMetadata,
        body: ByteBuffer,
        model: String,
        fields: FormFields,
        file: UploadedFile,
        request: Request,
        context: Context
    ) -> Response {
        let format = AudioRules.responseFormat(fields)
        var extra = Self.fileExtra(file)
        extra["response_format"] = .string(format)
        let json = AudioRules.isJSONFormat(format) ? try? JSONValue(parsing: body) : nil
        let text = json?["text"]?.stringValue ?? (json == nil ? String(buffer: body) : "")
        extra["text_length"] = .int(Int64(text.count))
        // verbose_json carries `duration`; gpt-4o-* models report `usage` (tokens, or `{type: duration, seconds}`).
        let seconds = json?["duration"]?.doubleValue ?? json?["usage"]?["seconds"]?.doubleValue
        if let seconds { extra["duration_seconds"] = .double(seconds) }
        if let language = json?["language"]?.stringValue { extra["detected_language"] = .string(language) }
        let usage = json?["usage"].flatMap(TokenUsage.init(json:))
        let cost = requestLogger.costs.transcriptionCost(model: model, durationSeconds: seconds, usage: usage)
        requestLogger.success(
            request: request,
            context: context,
            status: 200,
            endpoint: metadata.endpoint,
            metadata: metadata,
            responseJSON: json,
            requestModel: model,
            cost: cost,
            extra: extra
        )
        var headers: HTTPFields = [.contentType: AudioRules.transcriptContentType(format)]
        if let upstreamID = metadata.requestID { headers[.upstreamRequestID] = upstreamID }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    private static func fileExtra(_ file: UploadedFile) -> JSONObject {
        [
            "filename": JSONValue(file.filename), "file_bytes": .int(Int64(file.bytes)),
            "file_size_mb": .string(String(format: "%.2f", Double(file.bytes) / 1_048_576)),
        ]
    }

}
