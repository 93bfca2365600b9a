import Foundation
import Testing

@testable import OpenAIClient

@Suite("Model catalogue and cost estimate")
struct ModelCatalogueTests {
    let catalogue = ModelCatalogue.bundled
    var estimator: CostEstimator { CostEstimator(catalogue: catalogue) }

    @Test("the bundled catalogue loads, and every model has a kind")
    func bundledLoads() throws {
        #expect(catalogue.models.count >= 30)
        #expect(catalogue.source?.contains("2026") == true)
        let kinds: Set<ModelKind> = [.text, .image, .video, .audio, .embedding, .moderation]
        for (name, info) in catalogue.models {
            #expect(kinds.contains(info.kind), "\(name) has kind \(info.kind)")
            #expect(info.name == name)
        }
        for name in [
            "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano",
            "o1", "o3", "o3-mini", "o4-mini", "gpt-image-1", "gpt-image-1-mini", "dall-e-2", "dall-e-3", "sora-2",
            "sora-2-pro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts", "whisper-1", "gpt-4o-transcribe",
            "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize", "text-embedding-3-small",
            "text-embedding-3-large", "omni-moderation-latest",
        ] {
            #expect(catalogue.model(name) != nil, "\(name) is missing")
        }
    }

    @Test("every text model has an input and an output price")
    func textModelsArePriced() {
        let textModels = catalogue.models.values.filter { $0.kind == .text }
        #expect(textModels.count >= 12)
        for info in textModels {
            #expect(info.prices.tokens?.input != nil, "\(info.name) has no input price")
            #expect(info.prices.tokens?.output != nil, "\(info.name) has no output price")
        }
    }

    @Test(
        "list prices per 1M tokens",
        arguments: [
            ("gpt-4o", 2.50, 1.25, 10.00), ("gpt-4o-mini", 0.15, 0.075, 0.60), ("gpt-4.1", 2.00, 0.50, 8.00),
            ("gpt-5", 1.25, 0.125, 10.00), ("gpt-5-nano", 0.05, 0.005, 0.40), ("o1", 15, 7.5, 60),
            ("o3-mini", 1.10, 0.55, 4.40), ("o4-mini", 1.10, 0.275, 4.40),
        ]
    )
    func tokenPrices(name: String, input: Double, cached: Double, output: Double) throws {
        let prices = try #require(catalogue.model(name)?.prices.tokens)
        #expect(prices.input == input)
        #expect(prices.cachedInput == cached)
        #expect(prices.output == output)
    }

    @Test("gpt-4o: uncached input, cached input and output each at their own price")
    func gpt4oCost() throws {
        let usage = TokenUsage(input: 1000, cached: 200, output: 500)
        let cost = try #require(estimator.cost(model: "gpt-4o", usage: usage))
        #expect(abs(cost - 0.00725) < 1e-12)
    }

    @Test("a dated snapshot resolves to its base model and costs the same")
    func datedSnapshots() throws {
        #expect(catalogue.resolvedName("gpt-4o-2024-08-06") == "gpt-4o")
        #expect(catalogue.resolvedName("gpt-4.1-mini-2025-04-14") == "gpt-4.1-mini")
        #expect(catalogue.resolvedName("o3-20250416") == "o3")
        #expect(catalogue.resolvedName("gpt-4-0613") == "gpt-4")
        #expect(catalogue.resolvedName("gpt-4o") == "gpt-4o")
        #expect(catalogue.model("gpt-4o-mini-tts-2025-03-20")?.name == "gpt-4o-mini-tts")
        #expect(catalogue.resolvedName("gpt-4o-audio-preview-2024-12-17") == nil)
        let usage = TokenUsage(input: 1000, cached: 200, output: 500)
        let snapshot = try #require(estimator.cost(model: "gpt-4o-2024-08-06", usage: usage))
        #expect(snapshot == estimator.cost(model: "gpt-4o", usage: usage))
    }

    @Test("an unknown model has no cost, not a zero cost")
    func unknownModel() {
        let usage = TokenUsage(input: 1000, output: 500)
        #expect(estimator.cost(model: "gpt-99", usage: usage) == nil)
        #expect(estimator.cost(model: "dall-e-3", usage: usage) == nil)  // priced per image, not per token
        #expect(estimator.imageCost(model: "nope", size: "1024x1024", quality: nil, count: 1) == nil)
        #expect(estimator.videoCost(model: "nope", seconds: 4, size: nil) == nil)
        #expect(estimator.speechCost(model: "gpt-4o", characters: 100) == nil)
        #expect(estimator.transcriptionCost(model: "whisper-1", durationSeconds: nil, usage: nil) == nil)
    }

    @Test("reasoning tokens are part of output and are not counted twice")
    func reasoningNotDoubleCounted() throws {
        let json = try JSONValue(
            parsing: """
                {"input_tokens":1000,"input_tokens_details":{"cached_tokens":0},"output_tokens":500,
                 "output_tokens_details":{"reasoning_tokens":3000},"total_tokens":1500}
                """
        )
        let usage = try #require(TokenUsage(json: json))
        #expect(usage.reasoning == 3000)
        let cost = try #require(estimator.cost(model: "o1", usage: usage))
        #expect(abs(cost - (1000 * 15 + 500 * 60) / 1e6) < 1e-12)
    }

    @Test("usage in the Responses and the Chat Completions shapes")
    func usageShapes() throws {
        let responses = try #require(
            TokenUsage(
                json: try JSONValue(
                    parsing: """
                        {"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":7,
                         "output_tokens_details":{"reasoning_tokens":2},"total_tokens":17}
                        """
                )
            )
        )
        #expect(responses == TokenUsage(input: 10, cached: 4, output: 7, reasoning: 2, total: 17))
        let chat = try #require(
            TokenUsage(
                json: try JSONValue(
                    parsing: """
                        {"prompt_tokens":10,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens":7,
                         "completion_tokens_details":{"reasoning_tokens":2},"total_tokens":17}
                        """
                )
            )
        )
        #expect(chat == responses)
        #expect(TokenUsage(json: .null) == nil)
        #expect(TokenUsage(json: nil) == nil)
        #expect(TokenUsage(json: ["type": "duration", "seconds": 12]) == nil)
        #expect(TokenUsage(json: ["input_tokens": 3, "output_tokens": 4])?.total == 7)
    }

    @Test("image, video, speech and transcription prices")
    func otherCosts() throws {
        #expect(approx(estimator.imageCost(model: "gpt-image-1", size: "1024x1536", quality: "high", count: 2), 0.5))
        #expect(approx(estimator.imageCost(model: "gpt-image-1", size: "auto", quality: "auto", count: 1), 0.042))
        #expect(approx(estimator.imageCost(model: "dall-e-3", size: "1792x1024", quality: "hd", count: 1), 0.12))
        #expect(approx(estimator.imageCost(model: "dall-e-3", size: nil, quality: nil, count: 1), 0.04))
        #expect(approx(estimator.imageCost(model: "dall-e-2", size: "512x512", quality: nil, count: 3), 0.054))
        #expect(estimator.imageCost(model: "dall-e-2", size: "4096x4096", quality: nil, count: 1) == nil)
        #expect(approx(estimator.videoCost(model: "sora-2", seconds: 8, size: "1280x720"), 0.8))
        #expect(approx(estimator.videoCost(model: "sora-2-pro", seconds: 4, size: "1792x1024"), 2.0))
        #expect(approx(estimator.videoCost(model: "sora-2-pro", seconds: 4, size: "720x1280"), 1.2))
        let speech = try #require(estimator.speechCost(model: "tts-1-hd", characters: 1000))
        #expect(abs(speech - 0.03) < 1e-12)
        let whisper = try #require(estimator.transcriptionCost(model: "whisper-1", durationSeconds: 90, usage: nil))
        #expect(abs(whisper - 0.009) < 1e-12)
        let usage = TokenUsage(input: 1000, output: 100, inputAudio: 900)
        let transcribe = try #require(estimator.transcriptionCost(model: "gpt-4o-transcribe", durationSeconds: 60, usage: usage))
        #expect(abs(transcribe - (100 * 2.5 + 900 * 6 + 100 * 10) / 1e6) < 1e-12)
        #expect(estimator.cost(model: "omni-moderation-latest", usage: TokenUsage(input: 500, output: 0)) == 0)
    }

    @Test("lifecycle: dall-e-3 retired on 2026-05-12, replaced by gpt-image-1")
    func lifecycle() throws {
        let dallE3 = try #require(catalogue.model("dall-e-3"))
        #expect(dallE3.lifecycle.retiredOn == "2026-05-12")
        #expect(dallE3.lifecycle.replacement == "gpt-image-1")
        let dayBefore = Date(timeIntervalSince1970: 1_778_457_600)  // 2026-05-11T00:00:00Z
        let dayOf = Date(timeIntervalSince1970: 1_778_544_000)  // 2026-05-12T00:00:00Z
        #expect(!dallE3.isRetired(on: dayBefore))
        #expect(dallE3.isRetired(on: dayOf))
        #expect(catalogue.model("sora-2-pro")?.lifecycle.retiredOn == "2026-09-24")
        #expect(catalogue.model("gpt-4o")?.isRetired(on: dayOf) == false)
    }

    @Test("a catalogue file overrides the bundled one")
    func overrideFromFile() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("catalogue-\(UUID().uuidString).json").path
        let text = """
            {"source":"test","models":{"house-model":{"kind":"text","prices":{"input":1,"output":2},
             "capabilities":{"streaming":true},"lifecycle":{"retired_on":null}}}}
            """
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let custom = try ModelCatalogue(contentsOfFile: path)
        #expect(custom.names == ["house-model"])
        #expect(custom.model("house-model")?.supports("streaming") == true)
        #expect(custom.model("gpt-4o") == nil)
        let cost = CostEstimator(catalogue: custom).cost(model: "house-model-2026-01-01", usage: TokenUsage(input: 1_000_000, output: 1_000_000))
        #expect(cost == 3)
    }

    @Test("a malformed catalogue is rejected with the model and field named")
    func malformedCatalogue() {
        #expect(throws: ModelCatalogueError.self) { try ModelCatalogue(data: Array("not json".utf8)) }
        #expect(throws: ModelCatalogueError.self) { try ModelCatalogue(contentsOfFile: "/nonexistent/models.json") }
        do {
            _ = try ModelCatalogue(data: Array(#"{"models":{"m":{"kind":"text","prices":{"input":"cheap"}}}}"#.utf8))
            Issue.record("expected an error")
        } catch let error as ModelCatalogueError {
            #expect(error.message.contains("\"m\"") && error.message.contains("prices.input"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("typed capability accessors read the catalogue's data")
    func capabilityAccessors() throws {
        let tts = try #require(catalogue.model("tts-1"))
        #expect(tts.task == "speech")
        #expect(tts.stringList("voices") == ["alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer"])
        #expect(tts.stringList("response_formats") == ["mp3", "opus", "aac", "flac", "wav", "pcm"])
        #expect(tts.range("speed") == 0.25...4.0)
        #expect(tts.integer("max_input_characters") == 4096)
        #expect(tts.flag("instructions") == false)
        #expect(try #require(catalogue.model("gpt-4o-mini-tts")).flag("instructions") == true)
        let whisper = try #require(catalogue.model("whisper-1"))
        #expect(whisper.integer("max_file_bytes") == 26_214_400)
        #expect(whisper.flag("translations") == true)
        #expect(whisper.stringList("timestamp_granularities") == ["word", "segment"])
        // Absent or mis-shaped capabilities read as "not stated".
        #expect(tts.stringList("nothing") == nil && tts.range("nothing") == nil && tts.flag("nothing") == nil)
        #expect(tts.string("task") == "speech" && tts.number("max_input_characters") == 4096)
        let odd = ModelInfo(
            name: "odd",
            kind: .audio,
            capabilities: ["voices": ["a", 1], "speed": ["min": 2, "max": 1], "flag": "yes", "size": 1.5]
        )
        #expect(odd.stringList("voices") == nil)
        #expect(odd.range("speed") == nil)
        #expect(odd.flag("flag") == nil)
        #expect(odd.integer("size") == nil && odd.number("size") == 1.5)
        #expect(odd.task == nil)
    }

    @Test("models of a kind and task, in the file's order, without the retired ones at a date")
    func modelsByKindAndTask() throws {
        let now = Date(timeIntervalSince1970: 1_793_836_800)  // 2026-11-05
        #expect(catalogue.models(kind: .audio, task: "speech").map(\.name) == ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"])
        #expect(
            catalogue.models(kind: .audio, task: "transcription", availableOn: now).map(\.name)
                == ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"]
        )
        #expect(catalogue.models(kind: .image).map(\.name).contains("dall-e-3"))
        #expect(!catalogue.models(kind: .image, availableOn: now).map(\.name).contains("dall-e-3"))
        #expect(catalogue.retiredModels(on: now).map(\.name) == ["dall-e-2", "dall-e-3", "sora-2", "sora-2-pro"])
        #expect(catalogue.retiredModels(on: Date(timeIntervalSince1970: 1_700_000_000)).isEmpty)
        #expect(Set(catalogue.orderedNames) == Set(catalogue.names) && catalogue.orderedNames.count == catalogue.models.count)

        let parsed = try ModelCatalogue(data: Array(#"{"models":{"zeta":{"kind":"text"},"alpha":{"kind":"text"},"mid":{"kind":"audio"}}}"#.utf8))
        #expect(parsed.orderedNames == ["zeta", "alpha", "mid"])
        #expect(parsed.names == ["alpha", "mid", "zeta"])
        #expect(parsed.models(kind: .text).map(\.name) == ["zeta", "alpha"])
        let built = ModelCatalogue(
            models: ["b": ModelInfo(name: "b", kind: .text), "a": ModelInfo(name: "a", kind: .text), "c": ModelInfo(name: "c", kind: .text)],
            order: ["c", "missing", "c"]
        )
        #expect(built.orderedNames == ["c", "a", "b"])
    }
}

/// Whether a cost is present and within 1e-12 of `expected`.
private func approx(_ value: Double?, _ expected: Double) -> Bool {
    guard let value else { return false }
    return abs(value - expected) < 1e-12
}
