import Hummingbird
import NIOCore
import OpenAIClient

/// The Audio API: speech synthesis, transcriptions (JSON, text, subtitles, SSE) and translations.
struct AudioController: Sendable {
    let configuration: SimulatorConfiguration
    let state: SimulatorState

    static let transcriptionFormats = ["json", "text", "srt", "verbose_json", "vtt", "diarized_json"]
    static let translationFormats = ["json", "text", "srt", "verbose_json", "vtt"]
    static let maxSpeechInput = 4096

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("audio/speech", use: speech)
        group.post("audio/transcriptions", use: transcription)
        group.post("audio/translations", use: translation)
    }

    // MARK: - Speech

    @Sendable func speech(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let body = try await SimulatorHTTP.jsonBody(&request, limit: 1 << 20)
        guard body.objectValue != nil else { throw SimulatorAPIError.invalidRequest("The request body must be a JSON object.", param: nil) }
        guard let model = body["model"]?.stringValue, !model.isEmpty else { throw SimulatorAPIError.missingParameter("model") }
        _ = try state.models.require(model)
        guard let input = body["input"]?.stringValue else { throw SimulatorAPIError.missingParameter("input") }
        guard input.count <= Self.maxSpeechInput else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid 'input': string too long. Expected a string with maximum length \(Self.maxSpeechInput), but got a string with length \(input.count) instead.",
                param: "input",
                code: "string_above_max_length"
            )
        }
        // A voice is a built-in name or a custom voice object `{"id": ...}`.
        guard body["voice"]?.stringValue != nil || body["voice"]?["id"]?.stringValue != nil else {
            throw SimulatorAPIError.missingParameter("voice")
        }
        let formatName = body["response_format"]?.stringValue ?? "mp3"
        guard let format = SpeechAudio.Format(rawValue: formatName) else {
            throw SimulatorAPIError.invalidValue(param: "response_format", got: formatName, allowed: SpeechAudio.Format.allCases.map(\.rawValue))
        }
        var speed = 1.0
        if let raw = body["speed"], raw != .null {
            guard let value = raw.doubleValue ?? raw.intValue.map(Double.init), (0.25...4).contains(value) else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid 'speed': expected a number between 0.25 and 4.",
                    param: "speed",
                    code: "invalid_value"
                )
            }
            speed = value
        }
        let audio = SpeechAudio(format: format, characters: input.count, speed: speed)
        return Response(
            status: .ok,
            headers: [.contentType: format.contentType],
            body: ResponseBody { writer in
                var buffer = ByteBuffer(bytes: audio.header)
                // About 32 KB a write: a few PCM blocks, many small frames.
                for index in 0..<audio.blockCount {
                    audio.writeBlock(index, into: &buffer)
                    if buffer.readableBytes >= 32 * 1024 {
                        try await writer.write(buffer)
                        buffer = ByteBuffer()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
                try await writer.finish(nil)
            }
        )
    }

    // MARK: - Transcriptions and translations

    @Sendable func transcription(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        try await transcribe(request, context: context, task: .transcribe)
    }

    @Sendable func translation(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        try await transcribe(request, context: context, task: .translate)
    }

    private func transcribe(_ request: Request, context: SimulatorRequestContext, task: SimulatedTranscript.Task) async throws -> Response {
        // The audio is only counted: its header (or else its size) gives the simulated duration.
        let form = try await MultipartForm.read(request, fileDestination: nil)
        guard let file = form.file else { throw SimulatorAPIError.missingParameter("file") }
        guard let model = form.value("model"), !model.isEmpty else { throw SimulatorAPIError.missingParameter("model") }
        _ = try state.models.require(model)
        let formats = task == .transcribe ? Self.transcriptionFormats : Self.translationFormats
        let format = form.value("response_format") ?? "json"
        guard formats.contains(format) else {
            throw SimulatorAPIError.invalidValue(param: "response_format", got: format, allowed: formats)
        }
        if let raw = form.value("temperature") {
            guard let value = Double(raw), (0...1).contains(value) else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid 'temperature': expected a number between 0 and 1, but got '\(raw)' instead.",
                    param: "temperature",
                    code: "invalid_value"
                )
            }
        }
        let granularities = form.values("timestamp_granularities[]") + form.values("timestamp_granularities")
        for granularity in granularities where granularity != "word" && granularity != "segment" {
            throw SimulatorAPIError.invalidValue(param: "timestamp_granularities[]", got: granularity, allowed: ["word", "segment"])
        }
        let transcript = SimulatedTranscript(
            task: task,
            model: model,
            filename: file.filename,
            bytes: file.bytes,
            head: file.head,
            language: form.value("language"),
            prompt: form.value("prompt")
        )

        if task == .transcribe, form.value("stream") == "true" {
            guard !transcript.isWhisper else {
                throw SimulatorAPIError.invalidRequest(
                    "Streaming is not supported for the \(model) model.",
                    param: "stream",
                    code: "unsupported_value"
                )
            }
            let logprobs = (form.values("include[]") + form.values("include")).contains("logprobs")
            let delay = context.fault?.eventDelayMs.map { Duration.milliseconds($0) } ?? configuration.eventDelay
            return EventStream.response(
                request: request,
                source: .stored(replay: [], live: Self.paced(transcript.streamEvents(logprobs: logprobs), delay: delay)),
                state: state,
                dropAfterEvents: context.fault?.dropAfterEvents
            )
        }
        switch format {
        case "text":
            return Self.text(transcript.text + "\n", contentType: "text/plain; charset=utf-8")
        case "srt":
            return Self.text(transcript.srt, contentType: "text/plain; charset=utf-8")
        case "vtt":
            return Self.text(transcript.vtt, contentType: "text/vtt; charset=utf-8")
        case "verbose_json":
            let wantWords = granularities.contains("word")
            let wantSegments = granularities.isEmpty || granularities.contains("segment")
            return SimulatorHTTP.json(transcript.verboseJSON(segments: wantSegments, words: wantWords))
        case "diarized_json":
            return SimulatorHTTP.json(transcript.diarizedJSON)
        default:
            return SimulatorHTTP.json(transcript.json)
        }
    }

    static func text(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Events played one by one with `delay` between them; the player stops when the reader goes away.
    static func paced(_ events: [JSONValue], delay: Duration) -> AsyncStream<JSONValue> {
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream()
        let player = Task {
            for (index, event) in events.enumerated() {
                if index > 0, delay > .zero {
                    do { try await Task.sleep(for: delay) } catch { break }
                }
                continuation.yield(event)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in player.cancel() }
        return stream
    }
}
