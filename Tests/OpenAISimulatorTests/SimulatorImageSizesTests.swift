import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

extension SimHarness {
    /// An image the simulator makes, in `format` and `size`, from the Images API.
    func sampleImage(_ prompt: String, model: String = "gpt-image-1", size: String = "1024x1024", format: String = "png") async throws -> [UInt8] {
        var body: JSONObject = ["model": .string(model), "prompt": .string(prompt), "size": .string(size), "response_format": "b64_json"]
        if model.hasPrefix("gpt-image") { body["output_format"] = .string(format) }
        let result = try await post("/v1/images/generations", .object(body))
        #expect(result.status == 200, "\(result.body)")
        return try #require(Self.decodedImage(try result.json["data"]?[0]))
    }

    /// The `error` of an edit with these parts, checked against the spec.
    func editError(_ parts: [MultipartBody.Part], sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue? {
        let result = try await upload("/v1/images/edits", parts)
        #expect(result.status == 400, "\(result.body)", sourceLocation: sourceLocation)
        try await SpecCheck.expectValid("ErrorResponse", result.body, sourceLocation: sourceLocation)
        return try result.json["error"]
    }
}

@Suite("Simulator images: sizes and inputs")
struct SimulatorImageSizesTests {
    @Test("every model's sizes give a PNG of that size, as b64_json and through its URL")
    func everySizeIsReal() async throws {
        try await SimHarness.with { sim in
            let cases = [
                ("gpt-image-1", "1024x1024"), ("gpt-image-1", "1536x1024"), ("gpt-image-1.5", "1024x1536"),
                ("gpt-image-2", "1536x864"), ("dall-e-2", "256x256"), ("dall-e-2", "512x512"), ("dall-e-3", "1792x1024"),
                ("dall-e-3", "1024x1792"),
            ]
            for (model, size) in cases {
                let result = try await sim.post("/v1/images/generations", ["model": .string(model), "prompt": "a harbour", "size": .string(size)])
                #expect(result.status == 200, "\(model) \(size): \(result.body)")
                if size != "1536x864" { try await SpecCheck.expectValid("ImagesResponse", result.body) }
                let item = try result.json["data"]?[0]
                let bytes: [UInt8]
                if let url = item?["url"]?.stringValue {
                    #expect(url.hasSuffix("-\(size).png"), "\(url)")
                    let download = try await sim.download(String(url.dropFirst(sim.root.count)))
                    #expect(download.status == 200 && download.contentType == "image/png")
                    bytes = download.bytes
                } else {
                    bytes = try #require(SimHarness.decodedImage(item))
                }
                let decoded = try await ImageCheck.decode(bytes)
                #expect("\(decoded["width"]?.intValue ?? 0)x\(decoded["height"]?.intValue ?? 0)" == size, "\(model): \(decoded)")
                #expect((decoded["colours"]?.intValue ?? 0) > 64)
            }
            // gpt-image-2 sizes must be multiples of 16 within 1:3...3:1; other models keep their list.
            for (model, size) in [("gpt-image-2", "1000x1000"), ("gpt-image-2", "3200x1024"), ("gpt-image-1", "1536x864")] {
                let result = try await sim.post("/v1/images/generations", ["model": .string(model), "prompt": "x", "size": .string(size)])
                #expect(try result.status == 400 && result.json["error"]?["param"] == "size", "\(model) \(size): \(result.body)")
            }
        }
    }

    @Test("a url image is the b64_json image, served again from its name; jpeg and webp names too")
    func urlsServeTheSameImage() async throws {
        try await SimHarness.with { sim in
            for (model, size) in [("dall-e-3", "1792x1024"), ("dall-e-2", "512x512")] {
                let body: JSONObject = ["model": .string(model), "prompt": "a kite", "size": .string(size)]
                var asB64 = body
                asB64["response_format"] = "b64_json"
                let b64 = try #require(SimHarness.decodedImage(try await sim.post("/v1/images/generations", .object(asB64)).json["data"]?[0]))
                let answer = try await sim.post("/v1/images/generations", .object(body))
                try await SpecCheck.expectValid("ImagesResponse", answer.body)
                let url = try #require(try answer.json["data"]?[0]?["url"]?.stringValue)
                #expect(url.hasSuffix("-\(size).png"))
                let download = try await sim.download(String(url.dropFirst(sim.root.count)))
                #expect(download.contentType == "image/png")
                #expect(download.bytes == b64, "\(model)")
            }
            // The route serves every format a name can carry: webp is documented as PNG bytes under image/webp.
            for (format, decodedAs) in [("jpeg", "jpeg"), ("webp", "png"), ("png", "png")] {
                let download = try await sim.download("/v1/__simulator/images/img-c0ffee-t-1536x1024.\(format)")
                #expect(download.status == 200 && download.contentType == "image/\(format)")
                let decoded = try await ImageCheck.decode(download.bytes)
                #expect(decoded["width"]?.intValue == 1536 && decoded["height"]?.intValue == 1024 && decoded["format"]?.stringValue == decodedAs)
            }
            #expect(try await sim.download("/v1/__simulator/images/img-c0ffee-9000x10.png").status == 404)
        }
    }

    @Test("edits take PNG, JPEG and WebP for GPT image models, with the output of the requested size")
    func gptImageEditInputs() async throws {
        try await SimHarness.with { sim in
            let png = try await sim.sampleImage("png")
            let jpeg = try await sim.sampleImage("jpeg", size: "1536x1024", format: "jpeg")
            var webp = Array("RIFF".utf8) + [30, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0]
            webp += [0, 0, 0, 0, 0xFF, 0x03, 0x00, 0xFF, 0x03, 0x00] + [UInt8](repeating: 0, count: 16)
            let result = try await sim.upload(
                "/v1/images/edits",
                [
                    .field("prompt", "merge"), .file(name: "image[]", filename: "a.png", bytes: png),
                    .file(name: "image[]", filename: "b.jpg", bytes: jpeg), .file(name: "image[]", filename: "c.webp", bytes: webp),
                    .file(name: "mask", filename: "m.png", bytes: png), .field("size", "1024x1536"),
                ]
            )
            #expect(result.status == 200, "\(result.body)")
            try await SpecCheck.expectValid("ImagesResponse", result.body)
            #expect(try result.json["usage"]?["input_tokens_details"]?["image_tokens"]?.intValue == 3 * 323)
            let decoded = try await ImageCheck.decode(try #require(SimHarness.decodedImage(try result.json["data"]?[0])))
            #expect(decoded["width"]?.intValue == 1024 && decoded["height"]?.intValue == 1536)

            // At most 16 images; each must be an image whose header gives its size.
            let seventeen = (0..<17).map { MultipartBody.Part.file(name: "image[]", filename: "\($0).png", bytes: png) }
            let tooMany = try await sim.editError([.field("prompt", "x")] + seventeen)
            #expect(tooMany?["code"] == "array_above_max_length" && tooMany?["param"] == "image")
            let truncated = try await sim.editError([.field("prompt", "x"), .file(name: "image", filename: "a.png", bytes: Array(png.prefix(12)))])
            #expect(truncated?["code"] == "invalid_image_file" && truncated?["param"] == "image")
            let gif = try await sim.editError([
                .field("prompt", "x"), .file(name: "image", filename: "a.gif", bytes: Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 40)),
            ])
            #expect(gif?["code"] == "invalid_image_file")

            // The mask: a PNG of the first image's size.
            let small = try await sim.sampleImage("small", model: "dall-e-2", size: "512x512")
            let mismatch = try await sim.editError([
                .field("prompt", "x"), .file(name: "image", filename: "a.png", bytes: png), .file(name: "mask", filename: "m.png", bytes: small),
            ])
            #expect(mismatch?["code"] == "mask_dimensions_mismatch" && mismatch?["param"] == "mask", "\(String(describing: mismatch))")
            #expect(mismatch?["message"]?.stringValue?.contains("512x512") == true)
            let jpegMask = try await sim.editError([
                .field("prompt", "x"), .file(name: "image", filename: "a.png", bytes: png), .file(name: "mask", filename: "m.jpg", bytes: jpeg),
            ])
            #expect(jpegMask?["param"] == "mask" && jpegMask?["code"] == "invalid_image_file")
        }
    }

    @Test("dall-e-2 edits and variations take one square PNG under 4 MB")
    func dallE2Inputs() async throws {
        try await SimHarness.with { sim in
            let square = try await sim.sampleImage("square", model: "dall-e-2", size: "512x512")
            let wide = try await sim.sampleImage("wide", size: "1536x1024")
            let jpeg = try await sim.sampleImage("jpeg", format: "jpeg")
            let ok = try await sim.upload(
                "/v1/images/edits",
                [
                    .field("model", "dall-e-2"), .field("prompt", "a hat"), .file(name: "image", filename: "a.png", bytes: square),
                    .file(name: "mask", filename: "m.png", bytes: square), .field("size", "256x256"), .field("response_format", "b64_json"),
                ]
            )
            #expect(ok.status == 200, "\(ok.body)")
            let decoded = try await ImageCheck.decode(try #require(SimHarness.decodedImage(try ok.json["data"]?[0])))
            #expect(decoded["width"]?.intValue == 256 && decoded["height"]?.intValue == 256)

            let notSquare = try await sim.editError([
                .field("model", "dall-e-2"), .field("prompt", "x"), .file(name: "image", filename: "w.png", bytes: wide),
            ])
            #expect(notSquare?["code"] == "invalid_image_dimensions" && notSquare?["param"] == "image")
            let notPNG = try await sim.editError([
                .field("model", "dall-e-2"), .field("prompt", "x"), .file(name: "image", filename: "j.jpg", bytes: jpeg),
            ])
            #expect(notPNG?["code"] == "invalid_image_file")
            let two = try await sim.editError([
                .field("model", "dall-e-2"), .field("prompt", "x"), .file(name: "image[]", filename: "a.png", bytes: square),
                .file(name: "image[]", filename: "b.png", bytes: square),
            ])
            #expect(two?["code"] == "array_above_max_length")
            // A square PNG header followed by 4 MB of anything.
            let large = square + [UInt8](repeating: 0, count: 4 << 20)
            let tooLarge = try await sim.editError([
                .field("model", "dall-e-2"), .field("prompt", "x"), .file(name: "image", filename: "l.png", bytes: large),
            ])
            #expect(tooLarge?["code"] == "image_file_too_large" && tooLarge?["param"] == "image")

            let variation = try await sim.upload("/v1/images/variations", [.file(name: "image", filename: "w.png", bytes: wide)])
            #expect(try variation.status == 400 && variation.json["error"]?["code"] == "invalid_image_dimensions")
            let goodVariation = try await sim.upload(
                "/v1/images/variations",
                [.file(name: "image", filename: "s.png", bytes: square), .field("size", "512x512")]
            )
            #expect(goodVariation.status == 200, "\(goodVariation.body)")
            #expect(sim.state.stats().requests["POST /v1/images/edits"] == 5)
            #expect(sim.state.stats().requests["POST /v1/images/variations"] == 2)
        }
    }
}
