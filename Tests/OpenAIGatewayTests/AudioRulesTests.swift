import Foundation
import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite struct AudioRulesTests {
    let catalogue = ModelCatalogue.bundled

    private func form(_ pairs: [(String, String)]) -> FormFields {
        var fields = FormFields()
        for (name, value) in pairs { fields.append(name: name, value: value) }
        return fields
    }

    @Test func validSpeechBodiesPass() {
        #expect(AudioRules.validateSpeech(["voice": "alloy", "input": ""], catalogue: catalogue).isEmpty)
        #expect(
            AudioRules.validateSpeech(
                [
                    "model": "gpt-4o-mini-tts", "voice": "cedar", "input": .string(String(repeating: "a", count: 4096)),
                    "response_format": "wav", "speed": 0.25, "instructions": "calm",
                ],
                catalogue: catalogue
            ).isEmpty
        )
        #expect(AudioRules.validateSpeech(["voice": "alloy", "input": "x", "speed": 4], catalogue: catalogue).isEmpty)
    }

    @Test func speechProblemsUseTheSeedMessages() {
        let problems = AudioRules.validateSpeech(
            [
                "model": "tts-2", "voice": "robot", "input": .string(String(repeating: "a", count: 4097)), "response_format": "ogg",
                "speed": 4.5, "instructions": 3,
            ],
            catalogue: catalogue
        )
        let messages = Dictionary(uniqueKeysWithValues: problems.map { ($0.parameter, $0.message) })
        #expect(messages["model"] == "model must be tts-1, tts-1-hd, or gpt-4o-mini-tts")
        #expect(messages["voice"] == "voice must be one of: alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, verse, marin, cedar")
        #expect(messages["input"] == "input must not exceed 4096 characters")
        #expect(messages["response_format"] == "response_format must be one of: mp3, opus, aac, flac, wav, pcm")
        #expect(messages["speed"] == "speed must not exceed 4.0")
        #expect(messages["instructions"] == "instructions must be a string")
        #expect(problems.allSatisfy { $0.hint != nil })
        #expect(
            AudioRules.validateSpeech(["voice": "alloy", "input": "x", "speed": 0.1], catalogue: catalogue).first?.message
                == "speed must be at least 0.25"
        )
        let missing = AudioRules.validateSpeech([:], catalogue: catalogue).map(\.parameter)
        #expect(missing == ["voice", "input"])
    }

    @Test func speechUpstreamBodyAddsTheSeedDefaultsAndKeepsUnknownFields() {
        let body = AudioRules.speechUpstreamBody(["voice": "alloy", "input": "hi", "extra": true])
        #expect(body["model"] == "tts-1")
        #expect(body["response_format"] == "mp3")
        #expect(body["speed"]?.doubleValue == 1.0)
        #expect(body["extra"] == true)
    }

    @Test func transcriptionFormRules() {
        #expect(
            AudioRules.validateForm(
                form([("temperature", "0.5"), ("language", "en")]),
                operation: .transcription,
                complete: true,
                catalogue: catalogue
            ).isEmpty
        )
        let problems = AudioRules.validateForm(
            form([
                ("model", "whisper-2"), ("language", "eng"), ("response_format", "xml"), ("temperature", "1.5"),
                ("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "char"),
            ]),
            operation: .transcription,
            complete: true,
            catalogue: catalogue
        )
        let messages = Dictionary(uniqueKeysWithValues: problems.map { ($0.parameter, $0.message) })
        #expect(messages["model"] == "model must be whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe, or gpt-4o-transcribe-diarize")
        #expect(messages["language"] == "language must be a 2-character ISO-639-1 code (e.g., en, es)")
        #expect(messages["response_format"] == "response_format must be one of: json, text, srt, vtt, verbose_json, diarized_json")
        #expect(messages["temperature"] == "temperature must not exceed 1")
        #expect(messages["timestamp_granularities[]"] == "Each timestamp_granularity must be either word or segment")
        #expect(
            AudioRules.validateForm(form([("temperature", "-0.1")]), operation: .transcription, complete: true, catalogue: catalogue).first?.message
                == "temperature must be at least 0"
        )
        #expect(
            AudioRules.validateForm(form([("temperature", "warm")]), operation: .transcription, complete: true, catalogue: catalogue).first?.parameter
                == "temperature"
        )
    }

    @Test func streamingNeedsAGPT4oModelButOnlyOnceTheModelIsKnown() {
        let early = AudioRules.validateForm(form([("stream", "true")]), operation: .transcription, complete: false, catalogue: catalogue)
        #expect(early.isEmpty)
        let late = AudioRules.validateForm(form([("stream", "true")]), operation: .transcription, complete: true, catalogue: catalogue)
        #expect(late.map(\.parameter) == ["stream"])
        #expect(
            AudioRules.validateForm(
                form([("stream", "true"), ("model", "whisper-1")]),
                operation: .transcription,
                complete: false,
                catalogue: catalogue
            ).count == 1
        )
        #expect(
            AudioRules.validateForm(
                form([("stream", "true"), ("model", "gpt-4o-transcribe")]),
                operation: .transcription,
                complete: true,
                catalogue: catalogue
            )
            .isEmpty
        )
        #expect(
            AudioRules.validateForm(form([("stream", "maybe")]), operation: .transcription, complete: true, catalogue: catalogue).first?.parameter
                == "stream"
        )
    }

    @Test func translationRules() {
        let problems = AudioRules.validateForm(
            form([("model", "gpt-4o-transcribe"), ("response_format", "diarized_json")]),
            operation: .translation,
            complete: true,
            catalogue: catalogue
        )
        #expect(problems.map(\.message) == ["model must be whisper-1", "response_format must be one of: json, text, srt, vtt, verbose_json"])
    }

    @Test func fileFormatByExtension() {
        func check(_ name: String?) -> [ValidationProblem] {
            AudioRules.validateFile(
                UploadedFile(fieldName: "file", filename: name, contentType: nil, bytes: 0),
                fields: FormFields(),
                operation: .transcription,
                catalogue: catalogue
            )
        }
        for name in ["a.flac", "b.MP3", "c.mp4", "d.mpeg", "e.mpga", "f.m4a", "g.ogg", "h.wav", "i.webm"] { #expect(check(name).isEmpty) }
        let opus = check("voice.opus")
        #expect(opus.first?.message == "Audio format \"opus\" is not supported.")
        #expect(opus.first?.parameter == "file")
        #expect(opus.first?.hint?.contains("OPUS") == true)
        #expect(opus.first?.hint?.contains("File: voice.opus") == true)
        #expect(check("notes.txt").first?.message == "Audio format \"txt\" is not supported.")
        #expect(check(nil).first?.parameter == "file")
    }

    @Test func transcriptContentTypes() {
        #expect(AudioRules.transcriptContentType("json") == "application/json; charset=utf-8")
        #expect(AudioRules.transcriptContentType("text") == "text/plain; charset=utf-8")
        #expect(AudioRules.transcriptContentType("srt") == "text/plain; charset=utf-8")
        #expect(AudioRules.transcriptContentType("vtt") == "text/vtt; charset=utf-8")
        let tooLarge = AudioRules.fileTooLarge(bytes: 26_214_400)
        #expect(tooLarge.status.code == 413)
        #expect(tooLarge.message == "Audio file size exceeds maximum allowed size of 25 MB (26,214,400 bytes).")
    }

    // MARK: - Rules from the catalogue

    @Test("tts-1 has no voice marin: 400 naming voice, listing tts-1's voices and naming the models that have it")
    func voiceByModel() throws {
        let problems = AudioRules.validateSpeech(["model": "tts-1", "voice": "marin", "input": "Hi"], catalogue: catalogue)
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.parameter == "voice")
        #expect(problem.message == "voice must be one of: alloy, ash, coral, echo, fable, nova, onyx, sage, shimmer")
        let hint = try #require(problem.hint)
        #expect(hint.contains("gpt-4o-mini-tts"))
        #expect(hint.contains("Voices of tts-1: alloy, ash, coral, echo, fable, nova, onyx, sage, shimmer."))
        // The default model is tts-1, so leaving model out is the same; gpt-4o-mini-tts (or a snapshot of it) has marin.
        let defaulted = AudioRules.validateSpeech(["voice": "ballad", "input": "Hi"], catalogue: catalogue)
        #expect(defaulted.map(\.parameter) == ["voice"])
        #expect(defaulted.first?.hint?.contains("tts-1 (the default model) has no voice \"ballad\"") == true)
        for model in ["gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15"] {
            #expect(AudioRules.validateSpeech(["model": .string(model), "voice": "marin", "input": "Hi"], catalogue: catalogue).isEmpty)
        }
    }

    @Test("instructions on a model whose capabilities say instructions: false is a 400 naming the models that take them")
    func instructionsByModel() throws {
        for body: JSONObject in [
            ["model": "tts-1", "voice": "alloy", "input": "Hi", "instructions": "Speak calmly."],
            ["model": "tts-1-hd", "voice": "alloy", "input": "Hi", "instructions": ""],
            ["voice": "alloy", "input": "Hi", "instructions": "Speak calmly."],
        ] {
            let problems = AudioRules.validateSpeech(body, catalogue: catalogue)
            let problem = try #require(problems.first)
            #expect(problems.count == 1)
            #expect(problem.parameter == "instructions")
            #expect(problem.message.hasPrefix("instructions are not supported with tts-1"))
            #expect(problem.hint?.contains("gpt-4o-mini-tts") == true)
        }
        #expect(AudioRules.validateSpeech(["voice": "alloy", "input": "Hi", "instructions": .null], catalogue: catalogue).isEmpty)
    }

    @Test("transcription formats, timestamps and streaming follow the model's capabilities")
    func transcriptionByModel() throws {
        func problems(_ pairs: [(String, String)], complete: Bool = true, _ operation: AudioRules.Operation = .transcription) -> [ValidationProblem] {
            AudioRules.validateForm(form(pairs), operation: operation, complete: complete, catalogue: catalogue)
        }
        let srt = problems([("model", "gpt-4o-transcribe"), ("response_format", "srt")])
        #expect(srt.map(\.parameter) == ["response_format"])
        #expect(srt.first?.message == "response_format must be one of: json, text")
        #expect(srt.first?.hint?.contains("gpt-4o-transcribe has no response format \"srt\"; whisper-1 has it") == true)
        #expect(problems([("model", "whisper-1"), ("response_format", "srt")]).isEmpty)
        #expect(problems([("model", "gpt-4o-transcribe-diarize"), ("response_format", "diarized_json")]).isEmpty)
        // Without a model, diarized_json may still be followed by model=gpt-4o-transcribe-diarize; once the form is
        // complete the default (whisper-1) applies.
        #expect(problems([("response_format", "diarized_json")], complete: false).isEmpty)
        #expect(problems([("response_format", "diarized_json")]).first?.hint?.contains("whisper-1 (the default model)") == true)
        let timestamps = problems([("model", "gpt-4o-mini-transcribe"), ("timestamp_granularities[]", "word")])
        #expect(timestamps.map(\.parameter) == ["timestamp_granularities[]"])
        #expect(timestamps.first?.hint?.contains("whisper-1") == true)
        #expect(problems([("model", "whisper-1"), ("timestamp_granularities[]", "segment")]).isEmpty)
        let streaming = problems([("stream", "true"), ("model", "whisper-1")])
        #expect(
            streaming.first?.hint
                == "Streaming transcription needs gpt-4o-transcribe, gpt-4o-mini-transcribe or gpt-4o-transcribe-diarize; send model accordingly or drop stream."
        )
    }

    @Test("the file limit and formats come from the model's capabilities")
    func fileLimitFromTheCatalogue() {
        let limit = AudioRules.fileLimit(form([("model", "whisper-1")]), operation: .transcription, catalogue: catalogue)
        #expect(limit.bytes == 26_214_400)
        #expect(limit.error.message == "Audio file size exceeds maximum allowed size of 25 MB (26,214,400 bytes).")
        #expect(limit.error.hint?.hasPrefix("whisper-1 accepts at most 25 MB.") == true)
        #expect(AudioRules.fileLimit(FormFields(), operation: .translation, catalogue: catalogue).bytes == 26_214_400)
        #expect(AudioRules.uploadPolicy(.transcription, catalogue: catalogue).absoluteFileLimit == 26_214_400)
    }

    // MARK: - A catalogue from a deployment (MODEL_CATALOGUE_FILE)

    static let customCatalogueJSON = """
        {"models": {
          "tts-2": {"kind": "audio", "capabilities": {"task": "speech", "voices": ["aurora", "alloy"], "response_formats": ["mp3", "wav"],
                    "speed": {"min": 0.5, "max": 2.0}, "max_input_characters": 8000, "instructions": true}},
          "tts-1": {"kind": "audio", "capabilities": {"task": "speech", "voices": ["alloy"], "response_formats": ["mp3"],
                    "speed": {"min": 0.25, "max": 4.0}, "max_input_characters": 4096, "instructions": false}},
          "tts-old": {"kind": "audio", "capabilities": {"task": "speech", "voices": ["alloy"]},
                      "lifecycle": {"deprecated_on": "2020-01-01", "retired_on": "2020-06-01", "replacement": "tts-2"}},
          "tts-sunset": {"kind": "audio", "capabilities": {"task": "speech", "voices": ["alloy"]},
                         "lifecycle": {"retired_on": "2030-01-01"}},
          "whisper-1": {"kind": "audio", "capabilities": {"task": "transcription", "translations": true, "streaming": false,
                        "response_formats": ["json", "text"], "timestamp_granularities": ["word", "segment"],
                        "file_formats": ["mp3", "wav"], "max_file_bytes": 26214400}},
          "whisper-2": {"kind": "audio", "capabilities": {"task": "transcription", "translations": true, "streaming": true,
                        "response_formats": ["json", "text", "srt"], "timestamp_granularities": [],
                        "file_formats": ["mp3", "wav", "opus"], "max_file_bytes": 52428800}},
          "gpt-4o": {"kind": "text", "prices": {"input": 2.5, "output": 10}}
        }}
        """

    static func customCatalogue() throws -> ModelCatalogue {
        try ModelCatalogue(data: Array(customCatalogueJSON.utf8))
    }

    /// 2026-11-05T00:00:00Z
    static let now = Date(timeIntervalSince1970: 1_793_836_800)

    @Test("a new speech model in the catalogue is accepted with its own voices, formats, range and limits")
    func newSpeechModelIsADataChange() throws {
        let custom = try Self.customCatalogue()
        let valid: JSONObject = [
            "model": "tts-2", "voice": "aurora", "input": .string(String(repeating: "a", count: 8000)), "response_format": "wav",
            "speed": 0.5, "instructions": "Warmly.",
        ]
        #expect(AudioRules.validateSpeech(valid, catalogue: custom, now: Self.now).isEmpty)
        let problems = AudioRules.validateSpeech(
            ["model": "tts-2", "voice": "cedar", "input": .string(String(repeating: "a", count: 8001)), "response_format": "opus", "speed": 3],
            catalogue: custom,
            now: Self.now
        )
        let messages = Dictionary(uniqueKeysWithValues: problems.map { ($0.parameter, $0.message) })
        #expect(messages["voice"] == "voice must be one of: aurora, alloy")
        #expect(messages["input"] == "input must not exceed 8000 characters")
        #expect(messages["response_format"] == "response_format must be one of: mp3, wav")
        #expect(messages["speed"] == "speed must not exceed 2.0")
        // tts-1 lacks aurora; the hint names tts-2. A model named wrongly lists the catalogue's models, not the retired one.
        let aurora = AudioRules.validateSpeech(["model": "tts-1", "voice": "aurora", "input": "x"], catalogue: custom, now: Self.now)
        #expect(aurora.first?.hint?.contains("tts-2 has it") == true)
        let unknown = AudioRules.validateSpeech(["model": "gpt-4o-mini-tts", "voice": "alloy", "input": "x"], catalogue: custom, now: Self.now)
        #expect(unknown.first?.message == "model must be tts-2, tts-1, or tts-sunset")
    }

    @Test("a retired model is a 400 with its retirement date and its replacement as the hint")
    func retiredModels() throws {
        let custom = try Self.customCatalogue()
        let retired = AudioRules.validateSpeech(["model": "tts-old", "voice": "alloy", "input": "x"], catalogue: custom, now: Self.now)
        #expect(retired.count == 1)
        #expect(retired.first?.parameter == "model")
        #expect(retired.first?.message == "model tts-old was retired on 2020-06-01")
        #expect(retired.first?.hint == "Use tts-2 instead.")
        // tts-sunset is a choice until its retirement day, and from that day on it is refused.
        let body: JSONObject = ["model": "tts-sunset", "voice": "alloy", "input": "x"]
        #expect(AudioRules.validateSpeech(body, catalogue: custom, now: Date(timeIntervalSince1970: 1_893_455_999)).isEmpty)
        let after = AudioRules.validateSpeech(body, catalogue: custom, now: Date(timeIntervalSince1970: 1_893_456_000))
        #expect(after.first?.message == "model tts-sunset was retired on 2030-01-01")
        #expect(after.first?.hint == "Use tts-2 or tts-1 instead.")
        #expect(
            AudioRules.validateSpeech(
                ["model": "nope", "voice": "alloy", "input": "x"],
                catalogue: custom,
                now: Date(timeIntervalSince1970: 1_893_456_000)
            )
            .first?.message == "model must be tts-2 or tts-1"
        )
    }

    @Test("a new transcription model brings its formats, file types and file limit")
    func newTranscriptionModel() throws {
        let custom = try Self.customCatalogue()
        func problems(_ pairs: [(String, String)], _ operation: AudioRules.Operation = .transcription) -> [ValidationProblem] {
            AudioRules.validateForm(form(pairs), operation: operation, complete: true, catalogue: custom, now: Self.now)
        }
        #expect(problems([("model", "whisper-2"), ("response_format", "srt"), ("stream", "true")]).isEmpty)
        #expect(problems([("model", "whisper-2"), ("response_format", "srt")], .translation).isEmpty)
        #expect(problems([("model", "whisper-3")]).first?.message == "model must be whisper-1 or whisper-2")
        #expect(problems([("response_format", "vtt")]).first?.message == "response_format must be one of: json, text")
        let opus = UploadedFile(fieldName: "file", filename: "talk.opus", contentType: nil, bytes: 0)
        #expect(
            AudioRules.validateFile(opus, fields: form([("model", "whisper-2")]), operation: .transcription, catalogue: custom, now: Self.now).isEmpty
        )
        let refused = AudioRules.validateFile(
            opus,
            fields: form([("model", "whisper-1")]),
            operation: .transcription,
            catalogue: custom,
            now: Self.now
        )
        #expect(refused.first?.message == "Audio format \"opus\" is not supported.")
        #expect(refused.first?.hint?.contains("whisper-2 accepts opus") == true)
        let limit = AudioRules.fileLimit(form([("model", "whisper-2")]), operation: .transcription, catalogue: custom, now: Self.now)
        #expect(limit.bytes == 52_428_800)
        #expect(limit.error.message == "Audio file size exceeds maximum allowed size of 50 MB (52,428,800 bytes).")
        #expect(AudioRules.uploadPolicy(.transcription, catalogue: custom, now: Self.now).absoluteFileLimit == 52_428_800)
    }
}
