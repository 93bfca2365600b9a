import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// The Audio endpoints over real HTTP: client → gateway → simulator.
@Suite("Audio endpoints against the simulator")
struct AudioEndpointTests {
    typealias AudioFile = GatewayHarness.AudioFile
    static let wavFile = AudioFile(filename: "meeting.wav", bytes: GatewayHarness.smallWAV())

    /// What the simulator answers itself for a speech body (to compare the relayed bytes with).
    private func directSpeech(_ gateway: GatewayHarness, _ body: JSONValue) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: gateway.simulator.baseURL + "/audio/speech")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer sk-test-harness-0123456789abcdefghijklmnop")
        request.body = .bytes(ByteBuffer(bytes: body.jsonBytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return Array(try await response.body.collect(upTo: 64 << 20).readableBytesView)
    }

    @Test("speech wav: the simulator's RIFF bytes, audio/wav, speech.wav, a log entry with cost")
    func speechWAV() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let body: JSONValue = ["voice": "alloy", "input": "Hello from the gateway", "response_format": "wav"]
            let result = try await gateway.request(.POST, "/api/audio/speech", json: body)
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("audio/wav") == true)
            #expect(result.headers.first(name: "content-disposition") == "attachment; filename=\"speech.wav\"")
            #expect(Array(result.body.prefix(4)) == Array("RIFF".utf8))
            #expect(Array(result.body[8..<12]) == Array("WAVE".utf8))
            let expected = try await directSpeech(
                gateway,
                ["model": "tts-1", "voice": "alloy", "input": "Hello from the gateway", "response_format": "wav", "speed": 1.0]
            )
            #expect(result.body == expected)
            return gateway
        }
        let entry = try #require(try gateway.logEntries(api: "audio").last)
        #expect(entry["model"]?.stringValue == "tts-1")
        #expect(entry["voice"]?.stringValue == "alloy")
        #expect(entry["characters"]?.intValue == 22)
        #expect(entry["response_format"]?.stringValue == "wav")
        let cost = try #require(entry["cost_usd"]?.doubleValue)
        #expect(cost > 0)
    }

    @Test("speech defaults to mp3 and streams a long input completely")
    func speechStreamed() async throws {
        try await GatewayHarness.run { gateway in
            let input = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 90)
            let result = try await gateway.request(.POST, "/api/audio/speech", json: ["voice": "nova", "input": .string(input)])
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type") == "audio/mpeg")
            #expect(result.headers.first(name: "content-disposition") == "attachment; filename=\"speech.mp3\"")
            let expected = try await directSpeech(
                gateway,
                ["model": "tts-1", "voice": "nova", "input": .string(input), "response_format": "mp3", "speed": 1.0]
            )
            #expect(result.body.count == expected.count)
            #expect(result.body == expected)
        }
    }

    @Test("every bad speech input is a 400 with parameter and hint, and never reaches the upstream")
    func speechValidation() async throws {
        try await GatewayHarness.run { gateway in
            let cases: [(JSONValue, String, String)] = [
                (["voice": "alloy", "input": "x", "model": "tts-2"], "model", "model must be tts-1, tts-1-hd, or gpt-4o-mini-tts"),
                (["input": "x"], "voice", "voice is required"),
                (["voice": "robot", "input": "x"], "voice", "voice must be one of"),
                (["voice": "alloy"], "input", "input is required"),
                (["voice": "alloy", "input": .string(String(repeating: "a", count: 4097))], "input", "input must not exceed 4096 characters"),
                (["voice": "alloy", "input": "x", "response_format": "ogg"], "response_format", "response_format must be one of"),
                (["voice": "alloy", "input": "x", "speed": 0.2], "speed", "speed must be at least 0.25"),
                (["voice": "alloy", "input": "x", "speed": 4.01], "speed", "speed must not exceed 4.0"),
                (["voice": "alloy", "input": "x", "instructions": 5], "instructions", "instructions must be a string"),
                // From the model catalogue: tts-1 has neither the newer voices nor instructions.
                (["model": "tts-1", "voice": "marin", "input": "x"], "voice", "voice must be one of: alloy, ash, coral"),
                (
                    ["model": "tts-1", "voice": "alloy", "input": "x", "instructions": "Calmly."], "instructions",
                    "instructions are not supported with tts-1"
                ),
            ]
            for (body, parameter, message) in cases {
                let result = try await gateway.request(.POST, "/api/audio/speech", json: body)
                #expect(result.status == 400, "\(body.jsonString)")
                let json = try result.json()
                #expect(json["parameter"]?.stringValue == parameter)
                #expect(json["message"]?.stringValue?.hasPrefix(message) == true, "\(json["message"]?.stringValue ?? "")")
                #expect(json["hint"]?.stringValue?.isEmpty == false)
            }
            #expect(gateway.upstreamCount("POST /v1/audio/speech") == 0)
        }
    }

    @Test("transcription: json, verbose_json, text, srt and vtt with their content types")
    func transcriptionFormats() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let json = try await gateway.audioUpload("/api/audio/transcriptions", fields: [("model", "whisper-1")], file: Self.wavFile)
            #expect(json.status == 200, "\(json.text)")
            #expect(json.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
            #expect(try json.json()["text"]?.stringValue?.isEmpty == false)

            let verbose = try await gateway.audioUpload(
                "/api/audio/transcriptions",
                fields: [("model", "whisper-1"), ("response_format", "verbose_json"), ("timestamp_granularities", "word"), ("temperature", "0.5")],
                file: Self.wavFile
            )
            #expect(verbose.status == 200, "\(verbose.text)")
            let verboseJSON = try verbose.json()
            #expect(verboseJSON["duration"]?.doubleValue != nil)
            #expect(verboseJSON["words"]?.arrayValue != nil)

            // The catalogue gives gpt-4o-transcribe json and text only; the subtitle formats are whisper-1's.
            for (format, type, model) in [
                ("text", "text/plain", "gpt-4o-transcribe"), ("srt", "text/plain", "whisper-1"), ("vtt", "text/vtt", "whisper-1"),
            ] {
                let result = try await gateway.audioUpload(
                    "/api/audio/transcriptions",
                    fields: [("response_format", format), ("model", model)],
                    file: Self.wavFile
                )
                #expect(result.status == 200, "\(format): \(result.text)")
                #expect(result.headers.first(name: "content-type")?.hasPrefix(type) == true, "\(format)")
                #expect((try? JSONValue(parsing: result.body))?.objectValue == nil)
                if format == "vtt" { #expect(result.text.hasPrefix("WEBVTT")) }
                if format == "srt" { #expect(result.text.contains("-->")) }
            }
            // Field order does not matter: the fields after the file still count.
            let after = try await gateway.audioUpload(
                "/api/audio/transcriptions",
                fields: [("response_format", "text"), ("model", "whisper-1")],
                file: Self.wavFile,
                fileFirst: true
            )
            #expect(after.status == 200)
            #expect(after.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
            return gateway
        }
        let entries = try gateway.logEntries(api: "audio")
        let verbose = try #require(entries.first { $0["response_format"]?.stringValue == "verbose_json" })
        #expect(verbose["duration_seconds"]?.doubleValue != nil)
        #expect(verbose["filename"]?.stringValue == "meeting.wav")
        #expect(verbose["file_bytes"]?.intValue == Self.wavFile.bytes.count)
        #expect((verbose["cost_usd"]?.doubleValue ?? 0) > 0)
        #expect(entries.allSatisfy { ($0["text_length"]?.intValue ?? 0) > 0 })
    }

    @Test("translation: json and text")
    func translation() async throws {
        try await GatewayHarness.run { gateway in
            let json = try await gateway.audioUpload(
                "/api/audio/translations",
                fields: [("model", "whisper-1"), ("temperature", "0.2")],
                file: Self.wavFile
            )
            #expect(json.status == 200, "\(json.text)")
            #expect(try json.json()["text"]?.stringValue?.isEmpty == false)
            let text = try await gateway.audioUpload(
                "/api/audio/translations",
                fields: [("model", "whisper-1"), ("response_format", "text")],
                file: Self.wavFile
            )
            #expect(text.status == 200)
            #expect(text.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
        }
    }

    /// Needs `MultipartUploadPolicy` to append `AudioRules.defaultFields` (the simulator, like OpenAI, requires `model`).
    @Test("model defaults to whisper-1 when the form omits it")
    func defaultModel() async throws {
        try await GatewayHarness.run { gateway in
            let transcription = try await gateway.audioUpload("/api/audio/transcriptions", fields: [], file: Self.wavFile)
            #expect(transcription.status == 200, "\(transcription.text)")
            let translation = try await gateway.audioUpload("/api/audio/translations", fields: [], file: Self.wavFile)
            #expect(translation.status == 200, "\(translation.text)")
        }
    }

    @Test("streaming transcription relays transcript.text.delta/done with running ids")
    func streamingTranscription() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.audioStream(
                "/api/audio/transcriptions",
                fields: [("model", "gpt-4o-mini-transcribe"), ("stream", "true")],
                file: Self.wavFile
            )
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            let names = result.frames.map(\.name)
            #expect(names.last == "transcript.text.done")
            #expect(names.dropLast().allSatisfy { $0 == "transcript.text.delta" })
            #expect(names.count >= 2)
            for (index, frame) in result.frames.enumerated() {
                #expect(frame.event.id == String(index))
                #expect(frame.payload["type"]?.stringValue == frame.name)
            }
            let deltas = result.frames.dropLast().compactMap { $0.payload["delta"]?.stringValue }.joined()
            #expect(result.frames.last?.payload["text"]?.stringValue == deltas)
        }
    }

    @Test("bad transcription and translation forms are 400s with parameter and hint, before the upstream")
    func formValidation() async throws {
        try await GatewayHarness.run { gateway in
            let cases: [(String, [(String, String)], AudioFile?, String, String)] = [
                ("transcriptions", [("model", "whisper-2")], Self.wavFile, "model", "model must be whisper-1, gpt-4o-transcribe"),
                ("transcriptions", [("language", "eng")], Self.wavFile, "language", "language must be a 2-character ISO-639-1 code"),
                ("transcriptions", [("response_format", "xml")], Self.wavFile, "response_format", "response_format must be one of"),
                ("transcriptions", [("temperature", "1.5")], Self.wavFile, "temperature", "temperature must not exceed 1"),
                ("transcriptions", [("temperature", "-1")], Self.wavFile, "temperature", "temperature must be at least 0"),
                ("transcriptions", [("timestamp_granularities[]", "char")], Self.wavFile, "timestamp_granularities[]", "Each timestamp_granularity"),
                ("transcriptions", [("stream", "true"), ("model", "whisper-1")], Self.wavFile, "stream", "stream is not supported with whisper-1"),
                (
                    "transcriptions", [("model", "gpt-4o-transcribe"), ("response_format", "srt")], Self.wavFile, "response_format",
                    "response_format must be one of: json, text"
                ),
                (
                    "transcriptions", [("model", "gpt-4o-mini-transcribe"), ("timestamp_granularities[]", "word")], Self.wavFile,
                    "timestamp_granularities[]", "timestamp_granularities is not supported"
                ),
                ("transcriptions", [], AudioFile(filename: "voice.opus", bytes: [1, 2, 3]), "file", "Audio format \"opus\" is not supported."),
                ("transcriptions", [], AudioFile(filename: "notes.txt", bytes: [1, 2, 3]), "file", "Audio format \"txt\" is not supported."),
                ("transcriptions", [("model", "whisper-1")], nil, "file", "file is required"),
                ("translations", [("model", "gpt-4o-transcribe")], Self.wavFile, "model", "model must be whisper-1"),
                ("translations", [("response_format", "diarized_json")], Self.wavFile, "response_format", "response_format must be one of"),
                ("translations", [("temperature", "2")], Self.wavFile, "temperature", "temperature must not exceed 1"),
                ("translations", [], nil, "file", "file is required"),
            ]
            for (route, fields, file, parameter, message) in cases {
                let result = try await gateway.audioUpload("/api/audio/\(route)", fields: fields, file: file)
                #expect(result.status == 400, "\(route) \(fields): \(result.text)")
                let json = try result.json()
                #expect(json["parameter"]?.stringValue == parameter, "\(route) \(fields)")
                #expect(json["message"]?.stringValue?.hasPrefix(message) == true, "\(json["message"]?.stringValue ?? "")")
                #expect(json["hint"]?.stringValue?.isEmpty == false)
            }
            #expect(gateway.upstreamCount("POST /v1/audio/transcriptions") == 0)
            #expect(gateway.upstreamCount("POST /v1/audio/translations") == 0)
        }
    }

    @Test("fields after the file are checked against the model that follows the file")
    func modelAfterTheFile() async throws {
        try await GatewayHarness.run { gateway in
            // diarized_json is only gpt-4o-transcribe-diarize's: fine when that model follows the file...
            let diarized = try await gateway.audioUpload(
                "/api/audio/transcriptions",
                fields: [("response_format", "diarized_json"), ("model", "gpt-4o-transcribe-diarize")],
                file: Self.wavFile,
                fileFirst: true
            )
            #expect(diarized.status == 200, "\(diarized.text)")
            // ...and a 400 when the model after the file (or the default, whisper-1) lacks it.
            for fields in [[("response_format", "diarized_json"), ("model", "gpt-4o-transcribe")], [("response_format", "diarized_json")]] {
                let refused = try await gateway.audioUpload("/api/audio/transcriptions", fields: fields, file: Self.wavFile, fileFirst: true)
                #expect(refused.status == 400, "\(fields): \(refused.text)")
                #expect(try refused.json()["parameter"]?.stringValue == "response_format")
            }
        }
    }

    @Test("audio over 25 MB is a 413: at once with a Content-Length, while counting without one")
    func oversizedAudio() async throws {
        try await GatewayHarness.run { gateway in
            let big = AudioFile(filename: "long.wav", bytes: [UInt8](repeating: 0, count: 30 * 1024 * 1024))
            let declared = try await gateway.audioUpload("/api/audio/transcriptions", fields: [], file: big)
            #expect(declared.status == 413)
            let json = try declared.json()
            #expect(json["parameter"]?.stringValue == "file")
            #expect(json["error_code"]?.stringValue == "audio_file_too_large")
            #expect(json["hint"]?.stringValue?.isEmpty == false)

            let counted = try await gateway.audioUploadStreamed(
                "/api/audio/translations",
                fields: [("model", "whisper-1")],
                filename: "long.wav",
                fileBytes: 26 * 1024 * 1024
            )
            #expect(counted.status == 413, "\(counted.text)")
            #expect(try counted.json()["error_code"]?.stringValue == "audio_file_too_large")
        }
    }
}
