import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("Simulator Audio API")
struct SimulatorAudioTests {
    func speech(_ sim: SimHarness, _ body: JSONValue) async throws -> (status: Int, contentType: String?, bytes: [UInt8]) {
        var request = HTTPClientRequest(url: sim.root + "/v1/audio/speech")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body.jsonString))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers.first(name: "content-type"), Array(buffer: bytes))
    }

    static func le32(_ bytes: [UInt8], _ at: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
    }

    @Test func speechWAVIsValidRIFF() async throws {
        try await SimHarness.with { sim in
            let input = String(repeating: "a", count: 50)  // 3 s at speed 1, 1.5 s at speed 2
            let result = try await speech(
                sim,
                ["model": "gpt-4o-mini-tts", "input": .string(input), "voice": "alloy", "response_format": "wav", "speed": 2]
            )
            #expect(result.status == 200)
            #expect(result.contentType == "audio/wav")
            let bytes = result.bytes
            try #require(bytes.count > 44)
            #expect(Array(bytes[0..<4]) == Array("RIFF".utf8))
            #expect(Array(bytes[8..<16]) == Array("WAVEfmt ".utf8))
            #expect(Self.le32(bytes, 4) == bytes.count - 8)
            #expect(bytes[22] == 1 && bytes[34] == 16)  // mono, 16-bit
            #expect(Self.le32(bytes, 24) == 24_000)
            #expect(Array(bytes[36..<40]) == Array("data".utf8))
            #expect(Self.le32(bytes, 40) == 36_000 * 2)  // 1.5 s of samples
            #expect(bytes.count == 44 + 72_000)
            #expect(bytes[44..<1000].contains { $0 != 0 })  // a tone, not silence

            let pcm = try await speech(sim, ["model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "pcm"])
            #expect(pcm.contentType == "audio/pcm")
            #expect(pcm.bytes.count == 12_000 * 2)  // the 0.5 s minimum
            #expect(
                pcm.bytes
                    == Array(
                        try await speech(sim, ["model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "wav"]).bytes.dropFirst(44)
                    )
            )
        }
    }

    @Test func speechPlaceholderFormatsHaveMagicBytes() async throws {
        try await SimHarness.with { sim in
            let expected: [(String, String, [UInt8])] = [
                ("mp3", "audio/mpeg", [0xFF, 0xFB]), ("opus", "audio/ogg", Array("OggS".utf8)), ("aac", "audio/aac", [0xFF, 0xF1]),
                ("flac", "audio/flac", Array("fLaC".utf8)),
            ]
            for (format, contentType, magic) in expected {
                let short = try await speech(sim, ["model": "tts-1", "input": "Hello there.", "voice": "nova", "response_format": .string(format)])
                #expect(short.status == 200)
                #expect(short.contentType == contentType)
                #expect(Array(short.bytes.prefix(magic.count)) == magic, "\(format)")
                let long = try await speech(
                    sim,
                    ["model": "tts-1", "input": .string(String(repeating: "word ", count: 200)), "voice": "nova", "response_format": .string(format)]
                )
                #expect(long.bytes.count > short.bytes.count * 5, "\(format) size follows duration")
                let again = try await speech(sim, ["model": "tts-1", "input": "Hello there.", "voice": "nova", "response_format": .string(format)])
                #expect(again.bytes == short.bytes)
            }
            let mp3 = try await speech(sim, ["model": "tts-1", "input": "Hello", "voice": "nova"])
            #expect(mp3.contentType == "audio/mpeg")
        }
    }

    @Test func speechValidation() async throws {
        try await SimHarness.with { sim in
            let cases: [(JSONValue, String)] = [
                (["input": "x", "voice": "alloy"], "model"),
                (["model": "tts-1", "voice": "alloy"], "input"),
                (["model": "tts-1", "input": "x"], "voice"),
                (["model": "tts-1", "input": .string(String(repeating: "x", count: 4097)), "voice": "alloy"], "input"),
                (["model": "tts-1", "input": "x", "voice": "alloy", "response_format": "ogg"], "response_format"),
                (["model": "tts-1", "input": "x", "voice": "alloy", "speed": 5], "speed"),
            ]
            for (body, param) in cases {
                let result = try await sim.post("/v1/audio/speech", body)
                #expect(result.status == 400, "\(body.jsonString)")
                #expect(try result.json["error"]?["param"]?.stringValue == param)
                #expect(try result.json["error"]?["type"] == "invalid_request_error")
            }
            #expect(try await sim.stats()["requests"]?["POST /v1/audio/speech"] == 6)
        }
    }

    func transcribe(
        _ sim: SimHarness,
        path: String = "/v1/audio/transcriptions",
        model: String = "gpt-4o-transcribe",
        fields: [(String, String)] = []
    )
        async throws -> SimHTTPResult
    {
        let parts: [MultipartBody.Part] =
            [.file(name: "file", filename: "meeting.wav", bytes: [UInt8](repeating: 7, count: 96_000)), .field("model", model)]
            + fields.map { .field($0.0, $0.1) }
        return try await sim.upload(path, parts)
    }

    @Test func transcriptionJSONShapes() async throws {
        try await SimHarness.with { sim in
            let json = try await transcribe(sim)
            #expect(json.status == 200)
            let body = try json.json
            #expect(body["text"]?.stringValue?.hasPrefix("Simulated transcript of meeting.wav (96000 bytes).") == true)
            #expect(body["usage"]?["type"] == "tokens")
            try await SpecCheck.expectValid("CreateTranscriptionResponseJson", json.body)

            let whisper = try await transcribe(sim, model: "whisper-1")
            #expect(try whisper.json["usage"] == ["type": "duration", "seconds": 3])
            try await SpecCheck.expectValid("CreateTranscriptionResponseJson", whisper.body)

            let verbose = try await transcribe(
                sim,
                model: "whisper-1",
                fields: [
                    ("response_format", "verbose_json"), ("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "segment"),
                    ("language", "fr"),
                ]
            )
            let verboseJSON = try verbose.json
            #expect(verboseJSON["task"] == "transcribe")
            #expect(verboseJSON["language"] == "french")
            #expect(verboseJSON["duration"]?.doubleValue == 3)
            #expect((verboseJSON["segments"]?.arrayValue?.count ?? 0) == 3)
            #expect((verboseJSON["words"]?.arrayValue?.count ?? 0) > 5)
            try await SpecCheck.expectValid("CreateTranscriptionResponseVerboseJson", verbose.body)
            let segmentsOnly = try await transcribe(sim, model: "whisper-1", fields: [("response_format", "verbose_json")]).json
            #expect(segmentsOnly["words"] == nil)

            let diarized = try await transcribe(sim, model: "gpt-4o-transcribe-diarize", fields: [("response_format", "diarized_json")])
            #expect(try diarized.json["segments"]?[1]?["speaker"] == "B")
            try await SpecCheck.expectValid("CreateTranscriptionResponseDiarizedJson", diarized.body)
        }
    }

    @Test func transcriptionTextAndSubtitles() async throws {
        try await SimHarness.with { sim in
            let text = try await transcribe(sim, fields: [("response_format", "text")])
            #expect(text.headers.first(name: "content-type") == "text/plain; charset=utf-8")
            #expect(text.body.hasPrefix("Simulated transcript of meeting.wav"))
            let srt = try await transcribe(sim, fields: [("response_format", "srt")])
            #expect(srt.headers.first(name: "content-type") == "text/plain; charset=utf-8")
            #expect(srt.body.hasPrefix("1\n00:00:00,000 --> 00:00:0"))
            #expect(srt.body.contains("\n\n2\n"))
            #expect(srt.body.contains("--> 00:00:03,000\nThis text was produced by the OpenAI simulator.\n"))
            let vtt = try await transcribe(sim, fields: [("response_format", "vtt")])
            #expect(vtt.headers.first(name: "content-type") == "text/vtt; charset=utf-8")
            #expect(vtt.body.hasPrefix("WEBVTT\n\n00:00:00.000 --> 00:00:0"))

            let bad = try await transcribe(sim, fields: [("response_format", "xml")])
            #expect(bad.status == 400)
            #expect(try bad.json["error"]?["param"] == "response_format")
            let noModel = try await sim.upload("/v1/audio/transcriptions", [.file(name: "file", filename: "a.wav", bytes: [1])])
            #expect(try noModel.json["error"]?["param"] == "model")
            let noFile = try await sim.upload("/v1/audio/transcriptions", [.field("model", "whisper-1")])
            #expect(try noFile.json["error"]?["param"] == "file")
        }
    }

    @Test func transcriptionStreamEvents() async throws {
        try await SimHarness.with { sim in
            let result = try await transcribe(sim, fields: [("stream", "true"), ("include[]", "logprobs")])
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            let events = try result.events
            try #require(events.count > 3)
            let deltas = events.dropLast()
            #expect(deltas.allSatisfy { $0["type"] == "transcript.text.delta" && $0["logprobs"]?[0]?["token"] == $0["delta"] })
            let done = try #require(events.last)
            #expect(done["type"] == "transcript.text.done")
            #expect(done["text"]?.stringValue == deltas.compactMap { $0["delta"]?.stringValue }.joined())
            #expect(done["usage"]?["type"] == "tokens")
            try await SpecCheck.expectValid("CreateTranscriptionResponseStreamEvent", result.body)
            #expect(result.body.contains("event: transcript.text.delta\n"))

            let whisper = try await transcribe(sim, model: "whisper-1", fields: [("stream", "true")])
            #expect(whisper.status == 400)
            #expect(try await sim.eventually { try await sim.stats()["completed_streams"] == 1 })
        }
    }

    @Test func translationsAndFaults() async throws {
        try await SimHarness.with { sim in
            let json = try await transcribe(sim, path: "/v1/audio/translations", model: "whisper-1")
            #expect(try json.json["text"]?.stringValue?.hasPrefix("Simulated translation of meeting.wav") == true)
            try await SpecCheck.expectValid("CreateTranslationResponseJson", json.body)
            let verbose = try await transcribe(sim, path: "/v1/audio/translations", model: "whisper-1", fields: [("response_format", "verbose_json")])
            #expect(try verbose.json["task"] == "translate")
            #expect(try verbose.json["language"] == "english")
            try await SpecCheck.expectValid("CreateTranslationResponseVerboseJson", verbose.body)
            let diarized = try await transcribe(
                sim,
                path: "/v1/audio/translations",
                model: "whisper-1",
                fields: [("response_format", "diarized_json")]
            )
            #expect(diarized.status == 400)

            sim.state.addFault(SimulatorFault(path: "/v1/audio/translations", status: 429))
            #expect(try await transcribe(sim, path: "/v1/audio/translations", model: "whisper-1").status == 429)
            sim.state.addFault(SimulatorFault(path: "/v1/files", method: "POST", status: 503))
            #expect(try await sim.upload("/v1/files", [.field("purpose", "batch"), .file(name: "file", filename: "a", bytes: [1])]).status == 503)
            let stats = try await sim.stats()
            #expect(stats["requests"]?["POST /v1/audio/translations"] == 4)
            #expect(stats["requests"]?["POST /v1/files"] == 1)
        }
    }
}
