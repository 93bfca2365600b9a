import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

extension SimHarness {
    /// A real PNG made by the simulator itself, to upload as an edit's input.
    func samplePNG(_ prompt: String = "a sample") async throws -> [UInt8] {
        let result = try await post("/v1/images/generations", ["prompt": .string(prompt)])
        #expect(result.status == 200, "\(result.body)")
        return try #require(Self.decodedImage(try result.json["data"]?[0]))
    }

    /// The bytes of a `b64_json` image item or event.
    static func decodedImage(_ item: JSONValue?) -> [UInt8]? {
        guard let text = item?["b64_json"]?.stringValue, let data = Data(base64Encoded: text) else { return nil }
        return Array(data)
    }
}

let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

@Suite("Simulator Images API")
struct SimulatorImagesTests {
    @Test func generationWithGPTImageIsB64PNGWithUsage() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post("/v1/images/generations", ["prompt": "a red fox in the snow"])
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("ImagesResponse", result.body)
            let json = try result.json
            #expect(json["size"] == "1024x1024")
            #expect(json["output_format"] == "png")
            #expect(json["background"] == "opaque")
            #expect(json["quality"] == "medium")
            #expect(json["data"]?[0]?["url"] == nil)
            let bytes = try #require(SimHarness.decodedImage(json["data"]?[0]))
            #expect(bytes.starts(with: pngSignature))
            // IHDR: 1024×1024 (`auto`), 8-bit RGB.
            #expect(Array(bytes[16..<24]) == [0, 0, 4, 0, 0, 0, 4, 0])
            #expect(bytes[24] == 8 && bytes[25] == 2)
            let usage = try #require(json["usage"])
            #expect(usage["input_tokens_details"]?["image_tokens"]?.intValue == 0)
            #expect(usage["input_tokens"]?.intValue == usage["input_tokens_details"]?["text_tokens"]?.intValue)
            #expect(usage["total_tokens"]?.intValue == (usage["input_tokens"]?.intValue ?? 0) + (usage["output_tokens"]?.intValue ?? 0))

            // Deterministic: the same request, the same image; another prompt, another image.
            let again = try await sim.post("/v1/images/generations", ["prompt": "a red fox in the snow"]).json
            #expect(again["data"]?[0]?["b64_json"] == json["data"]?[0]?["b64_json"])
            let other = try await sim.post("/v1/images/generations", ["prompt": "a blue whale"]).json
            #expect(other["data"]?[0]?["b64_json"] != json["data"]?[0]?["b64_json"])

            // Transparent background: RGBA; n, size, quality and format are echoed.
            let transparent = try await sim.post(
                "/v1/images/generations",
                ["prompt": "a logo", "n": 2, "size": "1536x1024", "quality": "high", "background": "transparent", "response_format": "url"]
            )
            try await SpecCheck.expectValid("ImagesResponse", transparent.body)
            let transparentJSON = try transparent.json
            #expect(transparentJSON["data"]?.arrayValue?.count == 2)
            #expect(transparentJSON["size"] == "1536x1024" && transparentJSON["quality"] == "high" && transparentJSON["background"] == "transparent")
            let rgba = try #require(SimHarness.decodedImage(transparentJSON["data"]?[1]))
            #expect(rgba[25] == 6)

            let jpeg = try await sim.post("/v1/images/generations", ["prompt": "a photo", "output_format": "jpeg"])
            try await SpecCheck.expectValid("ImagesResponse", jpeg.body)
            let jpegBytes = try #require(SimHarness.decodedImage(try jpeg.json["data"]?[0]))
            // A baseline JPEG: SOI, a SOF0 frame of 1024×1024 with 3 components, EOI.
            #expect(jpegBytes.starts(with: [0xFF, 0xD8, 0xFF]) && jpegBytes.suffix(2) == [0xFF, 0xD9])
            let sof = try #require((0..<(jpegBytes.count - 1)).first { jpegBytes[$0] == 0xFF && jpegBytes[$0 + 1] == 0xC0 })
            #expect(Array(jpegBytes[(sof + 5)..<(sof + 10)]) == [4, 0, 4, 0, 3])
        }
    }

    @Test func dallEModelsAnswerURLsServedByTheSimulator() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post("/v1/images/generations", ["model": "dall-e-3", "prompt": "a lighthouse", "size": "1792x1024"])
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("ImagesResponse", result.body)
            let json = try result.json
            #expect(json["usage"] == nil && json["size"] == nil)
            #expect(json["data"]?[0]?["revised_prompt"]?.stringValue?.contains("a lighthouse") == true)
            let url = try #require(json["data"]?[0]?["url"]?.stringValue)
            #expect(url.hasPrefix("\(sim.simulator.baseURL)/__simulator/images/img-"))
            let path = String(url.dropFirst(sim.root.count))
            let download = try await sim.download(path)
            #expect(download.status == 200)
            #expect(download.contentType == "image/png")
            #expect(download.bytes.starts(with: pngSignature))
            #expect(try await sim.download(path).bytes == download.bytes)
            #expect(try await sim.download("/v1/__simulator/images/nope.png").status == 404)
            #expect(sim.state.stats().requests["GET /v1/__simulator/images/{id}"] == 3)

            let dalle2 = try await sim.post("/v1/images/generations", ["model": "dall-e-2", "prompt": "a cat", "n": 3, "size": "256x256"])
            try await SpecCheck.expectValid("ImagesResponse", dalle2.body)
            let urls = try dalle2.json["data"]?.arrayValue?.compactMap { $0["url"]?.stringValue } ?? []
            #expect(urls.count == 3 && Set(urls).count == 3)

            let b64 = try await sim.post("/v1/images/generations", ["model": "dall-e-2", "prompt": "a cat", "response_format": "b64_json"])
            #expect(try SimHarness.decodedImage(b64.json["data"]?[0])?.starts(with: pngSignature) == true)
        }
    }

    @Test func generationStreamsPartialImagesThenCompleted() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post(
                "/v1/images/generations",
                ["model": "gpt-image-1", "prompt": "a river", "stream": true, "partial_images": 2]
            )
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            try await SpecCheck.expectValid("ImageGenStreamEvent", result.body)
            let events = try result.events
            #expect(
                events.compactMap { $0["type"]?.stringValue } == [
                    "image_generation.partial_image", "image_generation.partial_image", "image_generation.completed",
                ]
            )
            #expect(events.compactMap { $0["partial_image_index"]?.intValue } == [0, 1])
            #expect(result.body.contains("event: image_generation.completed\n"))
            for event in events { #expect(SimHarness.decodedImage(event)?.starts(with: pngSignature) == true) }
            #expect(events[0]["b64_json"] != events[2]["b64_json"])
            let usage = try #require(events.last?["usage"])
            #expect((usage["output_tokens"]?.intValue ?? 0) > 0)
            #expect(sim.state.stats().completedStreams == 1)

            // The final image is the one the JSON answer gives.
            let plain = try await sim.post("/v1/images/generations", ["model": "gpt-image-1", "prompt": "a river"]).json
            #expect(plain["data"]?[0]?["b64_json"] == events[2]["b64_json"])

            let none = try await sim.post("/v1/images/generations", ["prompt": "a river", "stream": true]).events
            #expect(none.compactMap { $0["type"]?.stringValue } == ["image_generation.completed"])
        }
    }

    @Test func editsTakeSeveralImagesAndAMask() async throws {
        try await SimHarness.with { sim in
            let first = try await sim.samplePNG("first")
            let second = try await sim.samplePNG("second")
            let mask = try await sim.samplePNG("mask")
            let parts: [MultipartBody.Part] = [
                .field("model", "gpt-image-1"),
                .field("prompt", "put them together"),
                .file(name: "image[]", filename: "a.png", bytes: first),
                .file(name: "image[]", filename: "b.png", bytes: second),
                .file(name: "mask", filename: "mask.png", bytes: mask),
                .field("n", "2"),
                .field("size", "1024x1536"),
            ]
            let result = try await sim.upload("/v1/images/edits", parts)
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("ImagesResponse", result.body)
            let json = try result.json
            #expect(json["data"]?.arrayValue?.count == 2)
            #expect(json["size"] == "1024x1536")
            #expect(json["usage"]?["input_tokens_details"]?["image_tokens"]?.intValue == 646)
            #expect(SimHarness.decodedImage(json["data"]?[0])?.starts(with: pngSignature) == true)

            // Other input images, other output.
            let swapped = try await sim.upload("/v1/images/edits", [parts[0], parts[1], parts[3], parts[2], parts[4]])
            #expect(try swapped.json["data"]?[0]?["b64_json"] != json["data"]?[0]?["b64_json"])

            let single = try await sim.upload(
                "/v1/images/edits",
                [
                    .field("prompt", "brighter"), .file(name: "image", filename: "a.png", bytes: first), .field("stream", "true"),
                    .field("partial_images", "1"),
                ]
            )
            #expect(single.status == 200, "\(single.body)")
            try await SpecCheck.expectValid("ImageEditStreamEvent", single.body)
            #expect(try single.events.compactMap { $0["type"]?.stringValue } == ["image_edit.partial_image", "image_edit.completed"])

            let dalle2 = try await sim.upload(
                "/v1/images/edits",
                [
                    .field("model", "dall-e-2"), .field("prompt", "a hat"), .file(name: "image", filename: "a.png", bytes: first),
                    .file(name: "mask", filename: "m.png", bytes: mask), .field("size", "512x512"),
                ]
            )
            try await SpecCheck.expectValid("ImagesResponse", dalle2.body)
            #expect(try dalle2.json["data"]?[0]?["url"]?.stringValue?.hasSuffix(".png") == true)
        }
    }

    @Test func variationsNeedDallE2() async throws {
        try await SimHarness.with { sim in
            let png = try await sim.samplePNG()
            let result = try await sim.upload(
                "/v1/images/variations",
                [.file(name: "image", filename: "in.png", bytes: png), .field("n", "2"), .field("response_format", "b64_json")]
            )
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("ImagesResponse", result.body)
            let json = try result.json
            #expect(json["data"]?.arrayValue?.count == 2)
            #expect(json["usage"] == nil)
            #expect(SimHarness.decodedImage(json["data"]?[1])?.starts(with: pngSignature) == true)

            let gpt = try await sim.upload(
                "/v1/images/variations",
                [.field("model", "gpt-image-1"), .file(name: "image", filename: "in.png", bytes: png)]
            )
            #expect(gpt.status == 400)
            try await SpecCheck.expectValid("ErrorResponse", gpt.body)
            #expect(try gpt.json["error"]?["param"] == "model")

            let missing = try await sim.upload("/v1/images/variations", [.field("n", "1")])
            #expect(try missing.json["error"]?["param"] == "image")
            let badSize = try await sim.upload(
                "/v1/images/variations",
                [.file(name: "image", filename: "in.png", bytes: png), .field("size", "1024x1536")]
            )
            #expect(try badSize.json["error"]?["param"] == "size")
        }
    }

    @Test func errorsNameTheParameter() async throws {
        try await SimHarness.with { sim in
            let cases: [(JSONValue, String, String?)] = [
                (["model": "gpt-image-1"], "prompt", "missing_required_parameter"),
                (["model": "dall-e-3", "prompt": "x", "size": "512x512"], "size", "invalid_value"),
                (["model": "gpt-image-1", "prompt": "x", "size": "256x256"], "size", "invalid_value"),
                (["model": "dall-e-3", "prompt": "x", "n": 2], "n", "integer_above_max_value"),
                (["model": "dall-e-2", "prompt": "x", "n": 11], "n", "integer_above_max_value"),
                (["prompt": "x", "n": 0], "n", "integer_below_min_value"),
                (["model": "dall-e-2", "prompt": "x", "stream": true], "stream", "unsupported_value"),
                (["prompt": "x", "stream": true, "partial_images": 4], "partial_images", "integer_above_max_value"),
                (["prompt": "x", "output_format": "gif"], "output_format", "invalid_value"),
                (["prompt": "x", "quality": "hd"], "quality", "invalid_value"),
                (["model": "gpt-4o", "prompt": "x"], "model", "invalid_value"),
            ]
            for (body, param, code) in cases {
                let result = try await sim.post("/v1/images/generations", body)
                #expect(result.status == 400, "\(body.jsonString): \(result.body)")
                try await SpecCheck.expectValid("ErrorResponse", result.body)
                let error = try result.json["error"]
                #expect(error?["param"]?.stringValue == param, "\(body.jsonString): \(result.body)")
                #expect(error?["code"]?.stringValue == code, "\(body.jsonString): \(result.body)")
                #expect(error?["type"] == "invalid_request_error")
            }
            let noImage = try await sim.upload("/v1/images/edits", [.field("prompt", "x")])
            #expect(try noImage.json["error"]?["param"] == "image")
            let notAnImage = try await sim.upload(
                "/v1/images/edits",
                [.field("prompt", "x"), .file(name: "image", filename: "a.png", bytes: Array("plain text".utf8))]
            )
            #expect(try notAnImage.json["error"]?["code"] == "invalid_image_file")
            let noPrompt = try await sim.upload("/v1/images/edits", [.file(name: "image", filename: "a.png", bytes: try await sim.samplePNG())])
            #expect(try noPrompt.json["error"]?["param"] == "prompt")
            let badMask = try await sim.upload(
                "/v1/images/edits",
                [
                    .field("prompt", "x"), .file(name: "image", filename: "a.png", bytes: try await sim.samplePNG()),
                    .file(name: "mask", filename: "m.png", bytes: [0xFF, 0xD8, 0xFF, 0xE0]),
                ]
            )
            #expect(try badMask.json["error"]?["param"] == "mask")
        }
    }

    @Test func faultsAndStatsApply() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/images/*", method: "POST", status: 429, retryAfterMs: 50))
            let limited = try await sim.post("/v1/images/generations", ["prompt": "x"])
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "retry-after-ms") == "50")
            try await SpecCheck.expectValid("ErrorResponse", limited.body)
            #expect(try await sim.post("/v1/images/generations", ["prompt": "x"]).status == 200)

            sim.state.addFault(SimulatorFault(path: "/v1/images/generations", dropAfterEvents: 1))
            let dropped = try? await sim.post("/v1/images/generations", ["prompt": "x", "stream": true, "partial_images": 3])
            #expect((try dropped?.events.count ?? 0) <= 1)

            sim.state.addFault(SimulatorFault(path: "/v1/images/generations", failAfterEvents: 1))
            let failed = try await sim.post("/v1/images/generations", ["prompt": "x", "stream": true, "partial_images": 2])
            #expect(try failed.events.compactMap { $0["type"]?.stringValue } == ["image_generation.partial_image", "error"])

            let stats = sim.state.stats()
            #expect(stats.requests["POST /v1/images/generations"] == 4)
            #expect(stats.totalRequests == 4)
        }
    }
}
