import Foundation
import OpenAIClient

/// The deterministic answer to a transcription or translation: its text follows the uploaded
/// file's name and size, its duration the audio's length (``AudioDuration``: a WAV or MP3 header), else
/// the byte count (32 000 bytes a second, at least one second).
struct SimulatedTranscript: Sendable {
    enum Task: String, Sendable { case transcribe, translate }

    static let bytesPerSecond = 32_000.0

    let task: Task
    let model: String
    let language: String
    let duration: Double
    let text: String
    /// Sentences with their start and end, spread over the duration by length.
    let segments: [(text: String, start: Double, end: Double)]
    let promptTokens: Int

    init(task: Task, model: String, filename: String, bytes: Int, head: [UInt8] = [], language: String?, prompt: String?) {
        self.task = task
        self.model = model
        self.language = Self.languageName(task == .translate ? "en" : language ?? "en")
        let duration = Self.round(AudioDuration.seconds(head: head, fileBytes: bytes) ?? max(1, Double(bytes) / Self.bytesPerSecond))
        self.duration = duration
        let noun = task == .transcribe ? "transcript" : "translation"
        let sentences = [
            "Simulated \(noun) of \(filename) (\(bytes) bytes).",
            "The recording lasts about \(Int(duration.rounded())) seconds.",
            "This text was produced by the OpenAI simulator.",
        ]
        self.text = sentences.joined(separator: " ")
        let total = Double(sentences.reduce(0) { $0 + $1.count })
        var start = 0.0
        var segments: [(String, Double, Double)] = []
        for sentence in sentences {
            let end = Self.round(min(duration, start + duration * Double(sentence.count) / total))
            segments.append((sentence, start, end))
            start = end
        }
        self.segments = segments
        self.promptTokens = ((prompt ?? "").count + 3) / 4
    }

    var isWhisper: Bool { model.hasPrefix("whisper") }

    /// Words with start and end, spread over their segment by length.
    var words: [(word: String, start: Double, end: Double)] {
        segments.flatMap { segment -> [(String, Double, Double)] in
            let words = segment.text.split(separator: " ").map(String.init)
            let letters = Double(words.reduce(0) { $0 + $1.count })
            var start = segment.start
            return words.map { word in
                let end = Self.round(start + (segment.end - segment.start) * Double(word.count) / letters)
                defer { start = end }
                return (word, start, end)
            }
        }
    }

    /// Streamed pieces: the words with their leading space, whose concatenation is ``text``.
    var deltas: [String] {
        text.split(separator: " ").enumerated().map { $0.offset == 0 ? String($0.element) : " " + $0.element }
    }

    /// Whisper bills by duration, the gpt-4o models by tokens.
    var usage: JSONValue {
        isWhisper ? durationUsage : tokenUsage
    }

    var durationUsage: JSONValue {
        ["type": "duration", "seconds": JSONValue(Int(duration.rounded(.up)))]
    }

    var tokenUsage: JSONValue {
        let audioTokens = Int((duration * 10).rounded(.up))
        let outputTokens = text.split(separator: " ").count
        return [
            "type": "tokens", "input_tokens": JSONValue(audioTokens + promptTokens),
            "input_token_details": ["text_tokens": JSONValue(promptTokens), "audio_tokens": JSONValue(audioTokens)],
            "output_tokens": JSONValue(outputTokens), "total_tokens": JSONValue(audioTokens + promptTokens + outputTokens),
        ]
    }

    /// `response_format=json`: translations carry only the text.
    var json: JSONValue {
        task == .translate ? ["text": .string(text)] : ["text": .string(text), "usage": usage]
    }

    func verboseJSON(segments wantSegments: Bool, words wantWords: Bool) -> JSONValue {
        var object: JSONObject = [
            "task": .string(task.rawValue), "language": .string(language), "duration": .double(duration), "text": .string(text),
        ]
        if wantSegments {
            object["segments"] = .array(
                segments.enumerated().map { index, segment in
                    [
                        "id": JSONValue(index), "seek": 0, "start": .double(segment.start), "end": .double(segment.end),
                        "text": .string(" " + segment.text),
                        "tokens": .array(segment.text.split(separator: " ").indices.map { JSONValue(50_364 + index * 100 + $0) }),
                        "temperature": 0.0, "avg_logprob": -0.25, "compression_ratio": 1.2, "no_speech_prob": 0.01,
                    ]
                }
            )
        }
        if wantWords, task == .transcribe {
            object["words"] = .array(words.map { ["word": .string($0.word), "start": .double($0.start), "end": .double($0.end)] })
        }
        if task == .transcribe { object["usage"] = durationUsage }
        return .object(object)
    }

    /// `diarized_json`: segments alternate between speakers `A` and `B`.
    var diarizedJSON: JSONValue {
        [
            "task": "transcribe", "duration": .double(duration), "text": .string(text),
            "segments": .array(
                segments.enumerated().map { index, segment in
                    [
                        "type": "transcript.text.segment", "id": .string("seg_\(index)"), "start": .double(segment.start),
                        "end": .double(segment.end), "text": .string(segment.text), "speaker": index % 2 == 0 ? "A" : "B",
                    ]
                }
            ),
            "usage": usage,
        ]
    }

    var srt: String {
        segments.enumerated().map { index, segment in
            "\(index + 1)\n\(Self.timestamp(segment.start, separator: ",")) --> \(Self.timestamp(segment.end, separator: ","))\n\(segment.text)\n"
        }.joined(separator: "\n")
    }

    var vtt: String {
        "WEBVTT\n\n"
            + segments.map { segment in
                "\(Self.timestamp(segment.start, separator: ".")) --> \(Self.timestamp(segment.end, separator: "."))\n\(segment.text)\n"
            }.joined(separator: "\n")
    }

    /// The streamed events: one `transcript.text.delta` per word, then `transcript.text.done`.
    func streamEvents(logprobs: Bool) -> [JSONValue] {
        func logprob(_ token: String) -> JSONValue {
            ["token": .string(token), "logprob": -0.01, "bytes": .array(token.utf8.map { JSONValue(Int($0)) })]
        }
        var events: [JSONValue] = deltas.map { delta in
            var event: JSONObject = ["type": "transcript.text.delta", "delta": .string(delta)]
            if logprobs { event["logprobs"] = [logprob(delta)] }
            return .object(event)
        }
        var done: JSONObject = ["type": "transcript.text.done", "text": .string(text)]
        if logprobs { done["logprobs"] = .array(deltas.map(logprob)) }
        done["usage"] = tokenUsage
        events.append(.object(done))
        return events
    }

    /// `HH:MM:SS,mmm` (SubRip) or `HH:MM:SS.mmm` (WebVTT).
    static func timestamp(_ seconds: Double, separator: String) -> String {
        let millis = Int((seconds * 1000).rounded())
        let hours = millis / 3_600_000
        let minutes = millis / 60_000 % 60
        let secs = millis / 1000 % 60
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(secs, 2))\(separator)\(pad(millis % 1000, 3))"
    }

    static func round(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }

    /// Verbose JSON names the language in full, as Whisper does.
    static func languageName(_ code: String) -> String {
        let names = [
            "en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese",
            "nl": "dutch", "ja": "japanese", "zh": "chinese", "ko": "korean", "ru": "russian", "ar": "arabic", "hi": "hindi",
        ]
        return names[code.lowercased()] ?? code
    }
}
