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
        let object = try await request.decodeJSONObjectBody(limit: configuration.maxBodySize, example: #"{"voice": "alloy", "input": "Hello"}"#)
        let problems = AudioRules.validateSpeech(object, catalogue: catalogue)
        guard problems.isEmpty else { throw GatewayError.validation(problems) }
        let upstreamBody = AudioRules.speechUpstreamBody(object)
        let format = upstreamBody["response_format"]?.stringValue ?? AudioRules.Defaults.speechFormat
        context.call.annotate { record in
            record.model = upstreamBody["model"]?.stringValue
            record.usageRole = .billed
            let characters = upstreamBody["input"]?.stringValue?.count ?? 0
            record.units = .speechCharacters(characters)
            record.extra = [
                "voice": upstreamBody["voice"] ?? .null, "characters": .int(Int64(characters)), "response_format": .string(format),
                "speed": upstreamBody["speed"] ?? .null,
            ]
        }
        let (metadata, audio) = try await client.audio.speech(upstreamBody)
        let headers: HTTPFields = [
            .contentType: metadata.headers.first(name: "content-type") ?? AudioRules.speechContentType(format),
            .contentDisposition: "attachment; filename=\"speech.\(format)\"",
        ]
        return context.call.bytes(metadata, body: audio, headers: headers)
    }

    // MARK: - Transcriptions and translations

    /// `POST /api/audio/transcriptions` → 200 JSON, text, subtitles, or an SSE stream with `stream=true`.
    @Sendable func transcription(_ request: Request, context: Context) async throws -> Response {
        let client = self.client
        let upload = try await MultipartUpload.forward(request, policy: AudioRules.uploadPolicy(.transcription, catalogue: catalogue)) { body in
            try await client.audio.transcriptionStream(body)
        }
        let (opened, fields) = (upload.result, upload.fields)
        record(upload, context: context)
        context.call.upstream(opened.metadata)
        if opened.metadata.isEventStream {
            let relay = SSERelay(
                status: .ok,
                events: opened.body.serverSentEvents(maxEventBytes: configuration.maxEventBytes),
                policy: TypedEventRelayPolicy(kind: .transcription),
                keepAliveInterval: configuration.keepAliveInterval,
                path: request.uri.description,
                call: context.call,
                logger: context.logger
            )
            return relay.response(channel: context.channel)
        }
        let collected = try await opened.body.collectAnswer(upTo: Self.maxTranscriptBytes, metadata: opened.metadata)
        return transcript(collected.body, fields: fields, context: context)
    }

    /// `POST /api/audio/translations` (into English, whisper-1) → 200 JSON or text.
    @Sendable func translation(_ request: Request, context: Context) async throws -> Response {
        let client = self.client
        let upload = try await MultipartUpload.forward(request, policy: AudioRules.uploadPolicy(.translation, catalogue: catalogue)) { body in
            try await client.audio.translation(body)
        }
        record(upload, context: context)
        context.call.upstream(upload.result.metadata)
        return transcript(upload.result.body, fields: upload.fields, context: context)
    }

    // MARK: - Helpers

    /// What the upload tells about the call: model, file, and the audio's duration from its header
    /// (priced per minute when the upstream's answer has no duration).
    private func record<T>(_ upload: MultipartUpload.Outcome<T>, context: Context) {
        let (fields, file) = (upload.fields, upload.file)
        context.call.annotate { record in
            record.model = fields["model"] ?? AudioRules.Defaults.transcriptionModel
            record.usageRole = .billed
            record.bytesIn = upload.requestBytes
            let seconds = AudioDuration.wavSeconds(head: file.head, fileBytes: file.bytes)
            record.units = .audioSeconds(seconds, source: seconds == nil ? nil : "upload_header")
            record.extra = [
                "filename": JSONValue(file.filename), "file_bytes": .int(Int64(file.bytes)),
                "file_size_mb": .string(String(format: "%.2f", Double(file.bytes) / 1_048_576)),
                "response_format": .string(AudioRules.responseFormat(fields)),
            ]
            if let seconds { record.extra["audio_seconds"] = .double(seconds) }
        }
    }

    /// The client's answer for a collected transcript: the upstream body unchanged, with the content type of its format.
    private func transcript(_ body: ByteBuffer, fields: FormFields, context: Context) -> Response {
        let format = AudioRules.responseFormat(fields)
        if AudioRules.isJSONFormat(format) {
            // Read when the call is finished, like every JSON answer: usage, and the duration (verbose_json's
            // `duration`, or whisper's `usage: {type: duration, seconds}`) that prices it per minute.
            context.call.answer(body, role: .billed) { json in
                [
                    "text_length": .int(Int64(json["text"]?.stringValue?.count ?? 0)),
                    "duration_seconds": json["duration"] ?? json["usage"]?["seconds"] ?? .null,
                    "detected_language": json["language"] ?? .null,
                ]
            }
        } else {
            context.call.annotate { $0.extra["text_length"] = .int(Int64(String(buffer: body).count)) }
        }
        return Response(status: .ok, headers: [.contentType: AudioRules.transcriptContentType(format)], body: .init(byteBuffer: body))
    }
}
