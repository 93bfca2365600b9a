import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite struct AudioRulesTests {
    private func form(_ pairs: [(String, String)]) -> FormFields {
        var fields = FormFields()
        for (name, value) in pairs { fields.append(name: name, value: value) }
        return fields
    }

    @Test func validSpeechBodiesPass() {
        #expect(AudioRules.validateSpeech(["voice": "alloy", "input": ""]).isEmpty)
        #expect(
            AudioRules.validateSpeech([
                "model": "gpt-4o-mini-tts", "voice": "cedar", "input": .string(String(repeating: "a", count: 4096)),
                "response_format": "wav", "speed": 0.25, "instructions": "calm",
            ]).isEmpty
        )
        #expect(AudioRules.validateSpeech(["voice": "alloy", "input": "x", "speed": 4]).isEmpty)
    }

    @Test func speechProblemsUseTheSeedMessages() {
        let problems = AudioRules.validateSpeech([
            "model": "tts-2", "voice": "robot", "input": .string(String(repeating: "a", count: 4097)), "response_format": "ogg",
            "speed": 4.5, "instructions": 3,
        ])
        let messages = Dictionary(uniqueKeysWithValues: problems.map { ($0.parameter, $0.message) })
        #expect(messages["model"] == "model must be tts-1, tts-1-hd, or gpt-4o-mini-tts")
        #expect(messages["voice"] == "voice must be one of: alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, verse, marin, cedar")
        #expect(messages["input"] == "input must not exceed 4096 characters")
        #expect(messages["response_format"] == "response_format must be one of: mp3, opus, aac, flac, wav, pcm")
        #expect(messages["speed"] == "speed must not exceed 4.0")
        #expect(messages["instructions"] == "instructions must be a string")
        #expect(problems.allSatisfy { $0.hint != nil })
        #expect(AudioRules.validateSpeech(["voice": "alloy", "input": "x", "speed": 0.1]).first?.message == "speed must be at least 0.25")
        let missing = AudioRules.validateSpeech([:]).map(\.parameter)
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
        #expect(AudioRules.validateForm(form([("temperature", "0.5"), ("language", "en")]), operation: .transcription, complete: true).isEmpty)
        let problems = AudioRules.validateForm(
            form([
                ("model", "whisper-2"), ("language", "eng"), ("response_format", "xml"), ("temperature", "1.5"),
                ("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "char"),
            ]),
            operation: .transcription,
            complete: true
        )
        let messages = Dictionary(uniqueKeysWithValues: problems.map { ($0.parameter, $0.message) })
        #expect(messages["model"] == "model must be whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe, or gpt-4o-transcribe-diarize")
        #expect(messages["language"] == "language must be a 2-character ISO-639-1 code (e.g., en, es)")
        #expect(messages["response_format"] == "response_format must be one of: json, text, srt, vtt, verbose_json, diarized_json")
        #expect(messages["temperature"] == "temperature must not exceed 1")
        #expect(messages["timestamp_granularities[]"] == "Each timestamp_granularity must be either word or segment")
        #expect(
            AudioRules.validateForm(form([("temperature", "-0.1")]), operation: .transcription, complete: true).first?.message
                == "temperature must be at least 0"
        )
        #expect(
            AudioRules.validateForm(form([("temperature", "warm")]), operation: .transcription, complete: true).first?.parameter
                == "temperature"
        )
    }

    @Test func streamingNeedsAGPT4oModelButOnlyOnceTheModelIsKnown() {
        let early = AudioRules.validateForm(form([("stream", "true")]), operation: .transcription, complete: false)
        #expect(early.isEmpty)
        let late = AudioRules.validateForm(form([("stream", "true")]), operation: .transcription, complete: true)
        #expect(late.map(\.parameter) == ["stream"])
        #expect(
            AudioRules.validateForm(form([("stream", "true"), ("model", "whisper-1")]), operation: .transcription, complete: false).count == 1
        )
        #expect(
            AudioRules.validateForm(form([("stream", "true"), ("model", "gpt-4o-transcribe")]), operation: .transcription, complete: true)
                .isEmpty
        )
        #expect(AudioRules.validateForm(form([("stream", "maybe")]), operation: .transcription, complete: true).first?.parameter == "stream")
    }

    @Test func translationRules() {
        let problems = AudioRules.validateForm(
            form([("model", "gpt-4o-transcribe"), ("response_format", "diarized_json")]),
            operation: .translation,
            complete: true
        )
        #expect(problems.map(\.message) == ["model must be whisper-1", "response_format must be one of: json, text, srt, vtt, verbose_json"])
    }

    @Test func fileFormatByExtension() {
        func check(_ name: String?) -> [ValidationProblem] {
            AudioRules.validateFile(UploadedFile(fieldName: "file", filename: name, contentType: nil, bytes: 0))
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
        #expect(AudioRules.fileTooLarge.status.code == 413)
    }
}
