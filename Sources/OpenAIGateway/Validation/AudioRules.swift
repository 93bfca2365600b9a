import Foundation
import OpenAIClient

/// Validation of the Audio API requests (seed-behavior §2.7 messages, §2.10 file rules), with hints.
enum AudioRules {
    static let speechModels = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
    static let voices = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse", "marin", "cedar"]
    static let speechFormats = ["mp3", "opus", "aac", "flac", "wav", "pcm"]
    static let transcriptionModels = ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"]
    static let transcriptionFormats = ["json", "text", "srt", "vtt", "verbose_json", "diarized_json"]
    static let translationFormats = ["json", "text", "srt", "vtt", "verbose_json"]
    static let audioExtensions = ["flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"]
    /// 25 MiB, inclusive (seed-behavior §2.10).
    static let maxAudioBytes = 26_214_400
    static let maxSpeechCharacters = 4096

    // MARK: - Speech

    /// Problems with a `POST /api/audio/speech` body (empty when it is valid).
    static func validateSpeech(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        rules.oneOf(
            "model",
            values: speechModels,
            message: "model must be tts-1, tts-1-hd, or gpt-4o-mini-tts",
            hint: "Use tts-1 (fast), tts-1-hd (higher quality) or gpt-4o-mini-tts (supports instructions); the default is tts-1."
        )
        rules.oneOf(
            "voice",
            values: voices,
            required: true,
            message: "voice must be one of: \(voices.joined(separator: ", "))",
            hint: "Pick a voice, e.g. \"alloy\". Voices: \(voices.joined(separator: ", "))."
        )
        if let input = rules.string("input", required: true, hint: "Send the text to speak as a string (at most 4096 characters)."),
            input.count > maxSpeechCharacters
        {
            rules.fail(
                "input",
                "input must not exceed \(maxSpeechCharacters) characters",
                hint: "The input has \(input.count) characters; split it into requests of at most \(maxSpeechCharacters) and join the audio."
            )
        }
        rules.oneOf(
            "response_format",
            values: speechFormats,
            message: "response_format must be one of: \(speechFormats.joined(separator: ", "))",
            hint: "Use mp3 (default), opus, aac, flac, wav or pcm (raw 24 kHz 16-bit mono)."
        )
        if let speed = rules.number("speed", hint: "Send speed as a number between 0.25 and 4.0 (default 1.0).") {
            if speed < 0.25 {
                rules.fail("speed", "speed must be at least 0.25", hint: "Use a speed between 0.25 (slowest) and 4.0 (fastest); 1.0 is normal.")
            } else if speed > 4 {
                rules.fail("speed", "speed must not exceed 4.0", hint: "Use a speed between 0.25 (slowest) and 4.0 (fastest); 1.0 is normal.")
            }
        }
        rules.string("instructions", hint: "Send instructions as a string, e.g. \"Speak calmly.\" (gpt-4o-mini-tts only).")
        return rules.problems
    }

    /// The upstream speech body: the client's body (unknown fields included) with the seed's defaults
    /// (`model`, `response_format`, `speed` are always sent).
    static func speechUpstreamBody(_ body: JSONObject) -> JSONObject {
        var upstream = body
        if upstream["model"] == nil || upstream["model"]?.isNull == true { upstream["model"] = "tts-1" }
        if upstream["response_format"] == nil || upstream["response_format"]?.isNull == true { upstream["response_format"] = "mp3" }
        if upstream["speed"] == nil || upstream["speed"]?.isNull == true { upstream["speed"] = .double(1.0) }
        if upstream["instructions"]?.isNull == true { upstream["instructions"] = nil }
        return upstream
    }

    /// The content type of speech audio in `format` (used when the upstream sends none).
    static func speechContentType(_ format: String) -> String {
        switch format {
        case "opus": "audio/ogg; codecs=opus"
        case "aac": "audio/aac"
        case "flac": "audio/flac"
        case "wav": "audio/wav"
        case "pcm": "audio/pcm"
        default: "audio/mpeg"
        }
    }

    // MARK: - Transcriptions and translations

    enum Operation: Sendable {
        case transcription, translation
    }

    /// The scalar form fields as a JSON object of strings (first value of each), for `FieldValidator`.
    static func object(_ fields: FormFields) -> JSONObject {
        var object = JSONObject()
        for (name, value) in fields.pairs where object[name] == nil { object[name] = .string(value) }
        return object
    }

    /// Problems with the text fields of a transcription or translation form. `complete` is false while
    /// fields may still follow the file, so checks that depend on an absent field wait.
    static func validateForm(_ fields: FormFields, operation: Operation, complete: Bool) -> [ValidationProblem] {
        var rules = FieldValidator(object(fields), acceptsStrings: true)
        let model: String?
        switch operation {
        case .transcription:
            model = rules.oneOf(
                "model",
                values: transcriptionModels,
                message: "model must be whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe, or gpt-4o-transcribe-diarize",
                hint: "Use whisper-1 (default), gpt-4o-transcribe, gpt-4o-mini-transcribe or gpt-4o-transcribe-diarize."
            )
            rules.oneOf(
                "response_format",
                values: transcriptionFormats,
                message: "response_format must be one of: \(transcriptionFormats.joined(separator: ", "))",
                hint: "Use json (default), text, srt, vtt, verbose_json (whisper-1) or diarized_json (gpt-4o-transcribe-diarize)."
            )
        case .translation:
            model = rules.oneOf(
                "model",
                values: ["whisper-1"],
                message: "model must be whisper-1",
                hint: "Translations are only available with whisper-1 (the default); leave model out or send whisper-1."
            )
            rules.oneOf(
                "response_format",
                values: translationFormats,
                message: "response_format must be one of: \(translationFormats.joined(separator: ", "))",
                hint: "Use json (default), text, srt, vtt or verbose_json."
            )
        }
        if let language = fields["language"], operation == .transcription {
            let isCode = language.count == 2 && language.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.isAlphabetic }
            if !isCode {
                rules.fail(
                    "language",
                    "language must be a 2-character ISO-639-1 code (e.g., en, es)",
                    hint: "Send the audio's language as two letters (en, es, fr, de ...), or leave it out to detect it."
                )
            }
        }
        if let temperature = rules.number("temperature", hint: "Send temperature as a number between 0 and 1 (default 0), e.g. 0.2.") {
            if temperature < 0 {
                rules.fail("temperature", "temperature must be at least 0", hint: "Use a temperature between 0 and 1 (default 0).")
            } else if temperature > 1 {
                rules.fail("temperature", "temperature must not exceed 1", hint: "Use a temperature between 0 and 1 (default 0).")
            }
        }
        if operation == .transcription {
            for name in ["timestamp_granularities[]", "timestamp_granularities"] {
                for value in fields.values(name) where value != "word" && value != "segment" {
                    rules.fail(
                        parameter: name,
                        "Each timestamp_granularity must be either word or segment",
                        hint:
                            "Send the field once per value, e.g. -F \"timestamp_granularities[]=word\" -F \"timestamp_granularities[]=segment\" (got \"\(value.prefix(40))\")."
                    )
                }
            }
            if let stream = rules.boolean("stream", hint: "Send stream as true or false."), stream {
                // whisper-1 (also the default model) cannot stream; a model sent after the file is only known at the end.
                if model == "whisper-1" || (model == nil && fields["model"] == nil && complete) {
                    rules.fail(
                        "stream",
                        "stream is not supported with whisper-1",
                        hint:
                            "Streaming transcription needs gpt-4o-transcribe, gpt-4o-mini-transcribe or gpt-4o-transcribe-diarize; send model accordingly or drop stream."
                    )
                }
            }
        }
        return rules.problems
    }

    /// Problems with the uploaded file's name (format by extension, case-insensitive).
    static func validateFile(_ file: UploadedFile) -> [ValidationProblem] {
        let supported = audioExtensions.joined(separator: ", ")
        guard let filename = file.filename, !filename.isEmpty else {
            return [
                ValidationProblem(
                    parameter: "file",
                    message: "file must have a filename with an audio extension",
                    hint: "Send the audio as a file part with its name, e.g. -F file=@speech.mp3 (supported: \(supported))."
                )
            ]
        }
        let ext = (filename as NSString).pathExtension.lowercased()
        guard audioExtensions.contains(ext) else {
            let shown = ext.isEmpty ? "(none)" : ext
            return [
                ValidationProblem(
                    parameter: "file",
                    message: "Audio format \"\(shown)\" is not supported.",
                    hint:
                        "Supported formats: \(supported). Note: OPUS files are not accepted directly; convert them to ogg or another supported format. File: \(filename.prefix(200))"
                )
            ]
        }
        return []
    }

    /// The 413 for an audio file over 25 MB.
    static var fileTooLarge: GatewayError {
        GatewayError(
            status: .contentTooLarge,
            message: "Audio file size exceeds maximum allowed size of 25 MB (26,214,400 bytes).",
            errorCode: "audio_file_too_large",
            parameter: "file",
            hint: "Compress the audio (e.g. a lower-bitrate mp3), or split it into parts of at most 25 MB and transcribe each."
        )
    }

    /// The upload policy of a transcription or translation.
    static func uploadPolicy(_ operation: Operation) -> MultipartUploadPolicy {
        MultipartUploadPolicy(
            absoluteFileLimit: maxAudioBytes,
            validateFields: { fields, complete in validateForm(fields, operation: operation, complete: complete) },
            validateFile: { file, _ in validateFile(file) },
            fileLimit: { _ in (maxAudioBytes, fileTooLarge) },
            upstreamField: { name, value in
                // The seed's clients send `timestamp_granularities` without brackets; OpenAI reads the bracketed name.
                name == "timestamp_granularities" ? ("timestamp_granularities[]", value) : (name, value)
            },
            defaultFields: { defaultFields($0) }
        )
    }

    /// The response format a form asks for (the default is json).
    static func responseFormat(_ fields: FormFields) -> String { fields["response_format"] ?? "json" }

    /// The content type the gateway answers a transcription or translation with.
    ///
    /// `srt` is sent as `text/plain` (SubRip has no registered media type, OpenAI itself answers text/plain,
    /// and browsers and clients display it instead of downloading it); `vtt` has its own, `text/vtt`.
    static func transcriptContentType(_ format: String) -> String {
        switch format {
        case "text", "srt": "text/plain; charset=utf-8"
        case "vtt": "text/vtt; charset=utf-8"
        default: "application/json; charset=utf-8"
        }
    }

    static func isJSONFormat(_ format: String) -> Bool { ["json", "verbose_json", "diarized_json"].contains(format) }
}

extension AudioRules {
    /// Fields the upstream needs that the client may leave out: OpenAI requires `model`, and the seed's
    /// default is whisper-1. `response_format` and `temperature` are left to OpenAI's own defaults (json, 0),
    /// which are the seed's. For ``MultipartUploadPolicy`` to append at the end of the upstream body.
    static func defaultFields(_ fields: FormFields) -> [(name: String, value: String)] {
        fields["model"] == nil ? [("model", "whisper-1")] : []
    }
}
