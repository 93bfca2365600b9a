import AsyncHTTPClient
import NIOHTTP1

/// The Audio API: `/audio/speech`, `/audio/transcriptions` and `/audio/translations`.
///
/// Speech comes back as a streamed body (audio bytes as the upstream produces them). Transcriptions
/// and translations take a multipart body, usually a streamed one (``OpenAIRequest/Body/stream(_:contentType:)``),
/// which makes the request non-replayable, so those calls are never retried.
///
/// ```swift
/// let (metadata, audio) = try await client.audio.speech(["model": "tts-1", "voice": "alloy", "input": "Hi"])
/// for try await chunk in audio { write(chunk) }
/// ```
public struct AudioResource: Sendable {
    let transport: OpenAITransport

    /// `POST /audio/speech`: the audio streams back as it arrives; nothing is collected.
    /// The body is sent as given (unknown fields included).
    public func speech(_ body: JSONObject) async throws(OpenAIError) -> (metadata: OpenAIResponseMetadata, body: UpstreamBody) {
        try await transport.open(OpenAIRequest(method: .POST, path: ["audio", "speech"], body: .json(.object(body))))
    }

    /// `POST /audio/transcriptions`, collected (JSON, or text for `text`/`srt`/`vtt`: both are small).
    public func transcription(_ body: OpenAIRequest.Body) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["audio", "transcriptions"], body: body))
    }

    /// `POST /audio/transcriptions` with its response body streamed: a `text/event-stream` of
    /// `transcript.text.delta`/`transcript.text.done` events when the form has `stream=true`,
    /// otherwise the same JSON or text as ``transcription(_:)``, uncollected.
    public func transcriptionStream(
        _ body: OpenAIRequest.Body
    ) async throws(OpenAIError) -> (
        metadata: OpenAIResponseMetadata, body: UpstreamBody
    ) {
        try await transport.open(
            OpenAIRequest(
                method: .POST,
                path: ["audio", "transcriptions"],
                headers: ["Accept": "text/event-stream, application/json, text/plain"],
                body: body
            )
        )
    }

    /// `POST /audio/translations` (into English), collected like ``transcription(_:)``.
    public func translation(_ body: OpenAIRequest.Body) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(OpenAIRequest(method: .POST, path: ["audio", "translations"], body: body))
    }
}

extension OpenAIClient {
    /// The Audio API.
    public var audio: AudioResource { AudioResource(transport: transport) }
}
