import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIClient
import Testing

@testable import OpenAIGateway

/// `/api/images/*` over real HTTP against the simulator.
@Suite("Images endpoints")
struct ImagesEndpointTests {
    static let png256 = TestImages.png(width: 256, height: 256)

    @Test("generate: JSON with b64_json, priced per image for dall-e-3 by size and quality, logged without base64")
    func generate() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let result = try await gateway.request(
                .POST,
                "/api/images/generate",
                json: ["model": "dall-e-3", "prompt": "a lighthouse at dusk", "size": "1024x1792", "quality": "hd", "response_format": "b64_json"]
            )
            #expect(result.status == 200, "\(result.text.prefix(300))")
            let data = try #require(try result.json()["data"]?.arrayValue)
            #expect(data.count == 1)
            let base64 = try #require(data.first?["b64_json"]?.stringValue)
            #expect(Data(base64Encoded: base64).map { Array($0.prefix(4)) } == [0x89, 0x50, 0x4E, 0x47])
            #expect(data.first?["revised_prompt"]?.stringValue != nil)

            let gpt = try await gateway.request(.POST, "/api/images/generate", json: ["prompt": "an otter", "n": 2])
            #expect(gpt.status == 200, "\(gpt.text.prefix(300))")
            #expect(try gpt.json()["data"]?.arrayValue?.count == 2)
            #expect(try gpt.json()["usage"]?["output_tokens"]?.intValue != nil)
            return gateway
        }
        let entries = try gateway.logEntries(api: "images")
        #expect(entries.count == 2)
        let dalle = try #require(entries.first)
        #expect(dalle["model"]?.stringValue == "dall-e-3")
        #expect(dalle["images_generated"]?.intValue == 1)
        #expect(dalle["has_revised_prompt"]?.boolValue == true)
        #expect((dalle["image_size_bytes"]?.intValue ?? 0) > 0)
        #expect(dalle["cost_usd"]?.doubleValue == 0.12)  // the catalogue's dall-e-3 hd 1024x1792 price
        let gpt = try #require(entries.last)
        #expect(gpt["model"]?.stringValue == "gpt-image-1.5")  // the default image model
        #expect(gpt["n"]?.intValue == 2)
        #expect((gpt["cost_usd"]?.doubleValue ?? 0) > 0)
        #expect(gpt["usage"]?["output_tokens"]?.intValue != nil)
        #expect(!gateway.allLogText().contains("iVBORw0KGgo"))  // no base64 PNG anywhere in the logs
    }

    @Test("generate with stream: partial images then completed, relayed event by event and logged")
    func generateStream() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let result = try await gateway.stream(
                .POST,
                "/api/images/generate",
                json: ["model": "gpt-image-1", "prompt": "a paper boat", "stream": true, "partial_images": 2]
            )
            #expect(result.status == 200)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            #expect(result.frames.map(\.name) == ["image_generation.partial_image", "image_generation.partial_image", "image_generation.completed"])
            #expect(result.frames.map(\.event.id) == ["0", "1", "2"])
            #expect(result.frames.first?.payload["partial_image_index"]?.intValue == 0)
            #expect(result.frames.last?.payload["b64_json"]?.stringValue?.isEmpty == false)
            return gateway
        }
        let entry = try #require(try gateway.logEntries(api: "images").last)
        #expect(entry["outcome"]?.stringValue == "completed")
        #expect(entry["partial_images"]?.intValue == 2)
        #expect(entry["images_generated"]?.intValue == 1)
        #expect((entry["cost_usd"]?.doubleValue ?? 0) > 0)
    }

    @Test("every model, size, quality, n and option rule names the parameter, the model and what it takes; no upstream call")
    func rules() async throws {
        try await GatewayHarness.run { gateway in
            let cases: [(JSONValue, String, String)] = [
                (
                    ["model": "gpt-image-1", "prompt": "x", "size": "1792x1024"], "size",
                    "size 1792x1024 is not available for gpt-image-1; use auto, 1024x1024, 1024x1536 or 1536x1024"
                ),
                (
                    ["model": "gpt-image-1", "prompt": "x", "quality": "hd"], "quality",
                    "quality hd is not available for gpt-image-1; use auto, low, medium or high"
                ),
                (["model": "dall-e-3", "prompt": "x", "n": 2], "n", "n must be 1 for dall-e-3"),
                (["model": "dall-e-2", "prompt": "x", "n": 11], "n", "n must be between 1 and 10 for dall-e-2"),
                (["model": "gpt-image-1", "prompt": "x", "style": "vivid"], "style", "style is not available for gpt-image-1"),
                (["model": "dall-e-3", "prompt": "x", "stream": true], "stream", "stream is not available for dall-e-3"),
                (
                    ["model": "dall-e-2", "prompt": .string(String(repeating: "a", count: 1001))], "prompt",
                    "prompt is 1001 characters; dall-e-2 accepts at most 1000"
                ),
                (
                    ["model": "gpt-image-1", "prompt": "x", "output_compression": 50], "output_compression",
                    "output_compression applies to jpeg and webp output only"
                ),
                (
                    ["model": "gpt-image-1", "prompt": "x", "background": "transparent", "output_format": "jpeg"], "background",
                    "background transparent needs output_format png or webp"
                ),
                (
                    ["model": "gpt-image-1", "prompt": "x", "partial_images": 4], "partial_images",
                    "partial_images must be between 0 and 3 for gpt-image-1"
                ),
                (
                    ["model": "dall-e-2", "prompt": "x", "response_format": "png"], "response_format",
                    "response_format png is not available for dall-e-2; use url or b64_json"
                ),
                (
                    ["model": "imagine-9", "prompt": "x"], "model",
                    "model must be gpt-image-1.5, gpt-image-1, gpt-image-1-mini, dall-e-2, or dall-e-3"
                ),
                (["prompt": "x", "temperature": 1], "temperature", "property temperature should not exist"),
                (["model": "gpt-image-1"], "prompt", "prompt is required"),
                (["prompt": "x", "n": "two"], "n", "n must be an integer number"),
            ]
            for (body, parameter, message) in cases {
                let result = try await gateway.request(.POST, "/api/images/generate", json: body)
                #expect(result.status == 400, "\(body.jsonString)")
                let json = try result.json()
                #expect(json["parameter"]?.stringValue == parameter, "\(body.jsonString): \(json.jsonString)")
                #expect(json["message"]?.stringValue == message, "\(body.jsonString)")
                #expect(json["hint"]?.stringValue?.isEmpty == false, "\(body.jsonString)")
            }
            let several = try await gateway.request(
                .POST,
                "/api/images/generate",
                json: ["model": "dall-e-3", "prompt": "x", "n": 3, "quality": "low"]
            )
            #expect(try several.json()["errors"]?.arrayValue?.count == 2)
            let json = try await gateway.request(.POST, "/api/images/generate", rawBody: Array("[1]".utf8))
            #expect(json.status == 400)
            #expect(gateway.simulator.state.stats().requests["POST /v1/images/generations"] == nil)
        }
    }

    @Test("retired models: refused with their date and replacement in front of api.openai.com, forwarded to other upstreams")
    func retired() async throws {
        try await GatewayHarness.run(configure: { $0.baseURL = "https://api.openai.com/v1" }) { gateway in
            let result = try await gateway.request(.POST, "/api/images/generate", json: ["model": "dall-e-3", "prompt": "x"])
            #expect(result.status == 400)
            let json = try result.json()
            #expect(json["error_code"]?.stringValue == "model_retired")
            #expect(json["parameter"]?.stringValue == "model")
            #expect(json["message"]?.stringValue == "model dall-e-3 was retired on 2026-05-12")
            #expect(json["hint"]?.stringValue == "Use gpt-image-1 instead.")
            let edit = try await gateway.upload(
                "/api/images/edit",
                parts: [
                    .field("model", "dall-e-2"), .field("prompt", "x"),
                    .file("image", filename: "a.png", contentType: "image/png", .bytes(Self.png256)),
                ]
            )
            #expect(edit.status == 400)
            #expect(try edit.json()["error_code"]?.stringValue == "model_retired")
            // No model field at all: every variations model is retired, so the refusal comes at the first
            // file, before any upstream call (there is no network here: a call would end in a 5xx).
            let variation = try await gateway.upload(
                "/api/images/variations",
                parts: [.file("image", filename: "a.png", contentType: "image/png", .bytes(Self.png256 + [UInt8](repeating: 0, count: 2 << 20)))]
            )
            #expect(variation.status == 400, "\(variation.text.prefix(300))")
            #expect(try variation.json()["error_code"]?.stringValue == "model_retired")
        }
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.POST, "/api/images/generate", json: ["model": "dall-e-2", "prompt": "x", "size": "256x256"])
            #expect(result.status == 200)
            #expect(gateway.simulator.state.stats().requests["POST /v1/images/generations"] == 1)
        }
    }

    @Test("edit: three images and a mask stream upstream; n arrives as a form string; logged with the inputs")
    func editWithImagesAndMask() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let image = TestImages.png(width: 64, height: 48)
            let result = try await gateway.upload(
                "/api/images/edit",
                parts: [
                    .field("model", "gpt-image-1"), .field("prompt", "add a hat"), .field("n", "2"),
                    .file("image[]", filename: "a.png", contentType: "image/png", .bytes(image)),
                    .file("image[]", filename: "b.png", contentType: "image/png", .bytes(image)),
                    .file("image[]", filename: "c.png", contentType: "image/png", .bytes(image)),
                    .file("mask", filename: "mask.png", contentType: "image/png", .bytes(TestImages.png(width: 64, height: 48, alpha: 0))),
                ]
            )
            #expect(result.status == 200, "\(result.text.prefix(300))")
            #expect(try result.json()["data"]?.arrayValue?.count == 2)
            #expect(gateway.simulator.state.stats().requests["POST /v1/images/edits"] == 1)
            return gateway
        }
        let entry = try #require(try gateway.logEntries(api: "images").last)
        #expect(entry["operation"]?.stringValue == "edit")
        #expect(entry["input_images"]?.intValue == 3)
        #expect(entry["has_mask"]?.boolValue == true)
        #expect(entry["images_generated"]?.intValue == 2)
        #expect((entry["bytes_in"]?.intValue ?? 0) > 4 * 64 * 48 * 4)
    }

    @Test("edit and variation problems: JSON body, no image, square, mask size, count, unknown part, oversized image (413)")
    func uploadProblems() async throws {
        try await GatewayHarness.run { gateway in
            let json = try await gateway.request(.POST, "/api/images/edit", json: ["prompt": "x"])
            #expect(json.status == 400)
            #expect(try json.json()["parameter"]?.stringValue == "image")
            #expect(try json.json()["hint"]?.stringValue?.contains("-F image=@") == true)

            let noImage = try await gateway.upload("/api/images/edit", parts: [.field("prompt", "x")])
            #expect(noImage.status == 400)
            #expect(try noImage.json()["message"]?.stringValue == "image is required")

            let notSquare = try await gateway.upload(
                "/api/images/variations",
                parts: [.file("image", filename: "a.png", contentType: "image/png", .bytes(TestImages.png(width: 40, height: 30)))]
            )
            #expect(notSquare.status == 400)
            #expect(try notSquare.json()["message"]?.stringValue == "image must be square for dall-e-2 (it is 40x30)")

            let jpegForDalle = try await gateway.upload(
                "/api/images/edit",
                parts: [
                    .field("model", "dall-e-2"), .field("prompt", "x"),
                    .file("image", filename: "a.jpg", contentType: "image/jpeg", .bytes(TestImages.jpegHead(width: 32, height: 32))),
                ]
            )
            #expect(jpegForDalle.status == 400)
            #expect(try jpegForDalle.json()["message"]?.stringValue == "image must be png for dall-e-2 (got jpeg)")
            // Problems seen before the first file's bytes never reach the upstream; the ones below need
            // the files' bytes, so the upstream body has started and is aborted (nothing is answered).
            #expect(gateway.simulator.state.stats().requests["POST /v1/images/edits"] == nil)

            let maskSize = try await gateway.upload(
                "/api/images/edit",
                parts: [
                    .field("prompt", "x"), .file("image", filename: "a.png", contentType: "image/png", .bytes(Self.png256)),
                    .file("mask", filename: "m.png", contentType: "image/png", .bytes(TestImages.png(width: 128, height: 128, alpha: 0))),
                ]
            )
            #expect(maskSize.status == 400)
            #expect(try maskSize.json()["message"]?.stringValue == "mask must have the dimensions of the image (mask 128x128, image 256x256)")

            let twoForDalle = try await gateway.upload(
                "/api/images/edit",
                parts: [
                    .field("model", "dall-e-2"), .field("prompt", "x"),
                    .file("image", filename: "a.png", contentType: "image/png", .bytes(Self.png256)),
                    .file("image", filename: "b.png", contentType: "image/png", .bytes(Self.png256)),
                ]
            )
            #expect(twoForDalle.status == 400)
            #expect(try twoForDalle.json()["parameter"]?.stringValue == "image")

            let unknownPart = try await gateway.upload(
                "/api/images/variations",
                parts: [
                    .file("image", filename: "a.png", contentType: "image/png", .bytes(Self.png256)),
                    .file("picture", filename: "b.png", contentType: "image/png", .bytes(Self.png256)),
                ]
            )
            #expect(unknownPart.status == 400)
            #expect(try unknownPart.json()["parameter"]?.stringValue == "picture")

            let gptVariation = try await gateway.upload(
                "/api/images/variations",
                parts: [.field("model", "gpt-image-1"), .file("image", filename: "a.png", contentType: "image/png", .bytes(Self.png256))]
            )
            #expect(gptVariation.status == 400)
            #expect(try gptVariation.json()["message"]?.stringValue == "model gpt-image-1 cannot do variations")

            // 5 MB of image after model=dall-e-2 (4 MB limit): 413 part way, the upstream body aborted.
            let big = Self.png256 + [UInt8](repeating: 0, count: 5 * 1024 * 1024)
            let oversized = try await gateway.upload(
                "/api/images/edit",
                parts: [
                    .field("model", "dall-e-2"), .field("prompt", "x"), .file("image", filename: "big.png", contentType: "image/png", .bytes(big)),
                ]
            )
            #expect(oversized.status == 413)
            #expect(try oversized.json()["error_code"]?.stringValue == "image_file_too_large")
            #expect(try oversized.json()["message"]?.stringValue == "image is larger than 4 MB, the most dall-e-2 accepts")
        }
    }

    @Test("the default model's limits apply at the end of a form that names no model; a truncated form is a 400")
    func defaultModelLimitsAndTruncatedForms() async throws {
        try await GatewayHarness.run(configure: { $0.defaultImageModel = "dall-e-2" }) { gateway in
            let big = Self.png256 + [UInt8](repeating: 0, count: 5 * 1024 * 1024)
            let result = try await gateway.upload(
                "/api/images/edit",
                parts: [.field("prompt", "x"), .file("image", filename: "big.png", contentType: "image/png", .bytes(big))]
            )
            #expect(result.status == 413, "\(result.text.prefix(300))")
            #expect(try result.json()["message"]?.stringValue == "image is larger than 4 MB, the most dall-e-2 accepts")

            // A body that stops before its closing boundary (and before any file) is not a form without an image.
            var request = HTTPClientRequest(url: gateway.baseURL + "/api/images/edit")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=XyZ")
            request.body = .bytes(ByteBuffer(string: "--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nadd a h"))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 400)
            #expect(try JSONValue(parsing: body)["message"]?.stringValue == "The multipart body ended before its closing boundary")
        }
    }

    @Test("variation: dall-e-2 square PNG, response_format url forwarded (the reference app dropped it)")
    func variation() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/images/variations",
                parts: [
                    .field("n", "2"), .field("response_format", "url"), .field("size", "256x256"),
                    .file("image", filename: "a.png", contentType: "image/png", .bytes(Self.png256)),
                ]
            )
            #expect(result.status == 200, "\(result.text.prefix(300))")
            let data = try #require(try result.json()["data"]?.arrayValue)
            #expect(data.count == 2)
            #expect(data.allSatisfy { $0["url"]?.stringValue?.hasPrefix("http") == true })
            return gateway
        }
        let entry = try #require(try gateway.logEntries(api: "images").last)
        #expect(entry["model"]?.stringValue == "dall-e-2")
        #expect(entry["cost_usd"]?.doubleValue == 0.032)  // 2 × dall-e-2 256x256
    }
}
