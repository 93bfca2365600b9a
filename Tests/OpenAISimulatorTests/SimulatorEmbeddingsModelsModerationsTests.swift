import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("Simulator Embeddings, Models and Moderations APIs")
struct SimulatorEmbeddingsModelsModerationsTests {
    static func vectors(_ json: JSONValue) -> [[Double]] {
        (json["data"]?.arrayValue ?? []).map { ($0["embedding"]?.arrayValue ?? []).compactMap(\.doubleValue) }
    }

    static func norm(_ vector: [Double]) -> Double {
        vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / (norm(a) * norm(b))
    }

    // MARK: - Embeddings

    @Test func embeddingsAreDeterministicUnitVectors() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = ["model": "text-embedding-3-small", "input": "The quick brown fox"]
            let result = try await sim.post("/v1/embeddings", body)
            #expect(result.status == 200)
            try await SpecCheck.expectValid("CreateEmbeddingResponse", result.body)
            let json = try result.json
            #expect(json["object"] == "list")
            #expect(json["model"] == "text-embedding-3-small")
            #expect(json["data"]?[0]?["object"] == "embedding")
            #expect(json["data"]?[0]?["index"] == 0)
            #expect(json["usage"] == ["prompt_tokens": 5, "total_tokens": 5])
            let vector = try #require(Self.vectors(json).first)
            #expect(vector.count == 1536)
            #expect(abs(Self.norm(vector) - 1) < 1e-4)
            #expect(vector.allSatisfy { Double(Float($0)) == $0 }, "values are float32 values")
            let again = Self.vectors(try await sim.post("/v1/embeddings", body).json)
            #expect(again.first == vector)
            let other = Self.vectors(try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": "Another text"]).json)
            #expect(other.first != vector)
        }
    }

    @Test func embeddingDimensionsFollowModelAndRequest() async throws {
        try await SimHarness.with { sim in
            let large = Self.vectors(try await sim.post("/v1/embeddings", ["model": "text-embedding-3-large", "input": "x y z"]).json)
            #expect(large.first?.count == 3072)
            let ada = Self.vectors(try await sim.post("/v1/embeddings", ["model": "text-embedding-ada-002", "input": "x y z"]).json)
            #expect(ada.first?.count == 1536)
            let full = try #require(
                Self.vectors(try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": "short me"]).json).first
            )
            let shortResult = try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": "short me", "dimensions": 256])
            try await SpecCheck.expectValid("CreateEmbeddingResponse", shortResult.body)
            let short = try #require(Self.vectors(try shortResult.json).first)
            #expect(short.count == 256)
            #expect(abs(Self.norm(short) - 1) < 1e-4)
            // A shorter embedding is the full one cut and normalised again.
            let prefix = Array(full.prefix(256))
            let prefixNorm = Self.norm(prefix)
            #expect(zip(short, prefix).allSatisfy { abs($0 - $1 / prefixNorm) < 1e-5 })

            let refusals: [(JSONValue, String?)] = [
                (["model": "text-embedding-ada-002", "input": "x", "dimensions": 256], "dimensions"),
                (["model": "text-embedding-3-small", "input": "x", "dimensions": 0], "dimensions"),
                (["model": "text-embedding-3-small", "input": "x", "dimensions": 2000], "dimensions"),
                (["model": "text-embedding-3-small", "input": "x", "dimensions": "big"], "dimensions"),
            ]
            for (body, param) in refusals {
                let result = try await sim.post("/v1/embeddings", body)
                #expect(result.status == 400, "\(body.jsonString)")
                #expect(try result.json["error"]?["param"] == JSONValue(param), "\(result.body)")
                try await SpecCheck.expectValid("ErrorResponse", result.body)
            }
        }
    }

    @Test func embeddingInputsStringsTokensAndSimilarity() async throws {
        try await SimHarness.with { sim in
            let texts = ["cats and dogs", "dogs and cats", "a lecture on quantum physics"]
            let batch = try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": .array(texts.map(JSONValue.string))])
            try await SpecCheck.expectValid("CreateEmbeddingResponse", batch.body)
            let batchJSON = try batch.json
            #expect(batchJSON["data"]?.arrayValue?.compactMap { $0["index"]?.intValue } == [0, 1, 2])
            let vectors = Self.vectors(batchJSON)
            let single = Self.vectors(try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": "dogs and cats"]).json)
            #expect(single.first == vectors[1], "an input embeds the same alone or in a batch")
            #expect(Self.cosine(vectors[0], vectors[1]) > 0.6)
            #expect(abs(Self.cosine(vectors[0], vectors[2])) < 0.3)

            let tokens = try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": [1212, 318, 257, 1332, 13]]).json
            #expect(Self.vectors(tokens).count == 1)
            #expect(tokens["usage"]?["prompt_tokens"] == 5)
            let tokenArrays = try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": [[1, 2, 3], [4, 5]]]).json
            #expect(Self.vectors(tokenArrays).count == 2)
            #expect(tokenArrays["usage"]?["total_tokens"] == 5)
            #expect(
                Self.vectors(tokenArrays)[0]
                    == Self.vectors(try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": [1, 2, 3]]).json)[0]
            )
        }
    }

    @Test func base64IsLittleEndianFloat32OfTheSameVector() async throws {
        try await SimHarness.with { sim in
            let floats = try #require(
                Self.vectors(try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": "encode me", "dimensions": 64]).json)
                    .first
            )
            let result = try await sim.post(
                "/v1/embeddings",
                ["model": "text-embedding-3-small", "input": "encode me", "dimensions": 64, "encoding_format": "base64"]
            )
            #expect(result.status == 200)
            let encoded = try #require(try result.json["data"]?[0]?["embedding"]?.stringValue)
            let bytes = try #require(Data(base64Encoded: encoded))
            #expect(bytes.count == 64 * 4)
            let decoded = stride(from: 0, to: bytes.count, by: 4).map { offset -> Double in
                let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[bytes.startIndex + offset + $1]) << (8 * UInt32($1)) }
                return Double(Float(bitPattern: bits))
            }
            #expect(decoded == floats)
        }
    }

    @Test func embeddingValidationErrors() async throws {
        try await SimHarness.with { sim in
            let cases: [(JSONValue, String?)] = [
                (["model": "text-embedding-3-small"], "input"),
                (["input": "x"], "model"),
                (["model": "text-embedding-3-small", "input": ""], nil),
                (["model": "text-embedding-3-small", "input": []], nil),
                (["model": "text-embedding-3-small", "input": [1, "a"]], nil),
                (["model": "text-embedding-3-small", "input": [[1], []]], nil),
                (["model": "text-embedding-3-small", "input": ["a", ""]], nil),
                (["model": "text-embedding-3-small", "input": "x", "encoding_format": "int8"], "encoding_format"),
                (["model": "text-embedding-3-small", "input": .string(String(repeating: "word ", count: 8000))], nil),
            ]
            for (body, param) in cases {
                let result = try await sim.post("/v1/embeddings", body)
                #expect(result.status == 400, "\(body.jsonString.prefix(200))")
                #expect(try result.json["error"]?["param"] == JSONValue(param), "\(result.body)")
                #expect(try result.json["error"]?["type"] == "invalid_request_error")
                try await SpecCheck.expectValid("ErrorResponse", result.body)
            }
            #expect(try await sim.stats()["requests"]?["POST /v1/embeddings"]?.intValue == cases.count)
        }
    }

    // MARK: - Models

    @Test func modelsListRetrieveAndNotFound() async throws {
        try await SimHarness.with { sim in
            let list = try await sim.get("/v1/models")
            #expect(list.status == 200)
            try await SpecCheck.expectValid("ListModelsResponse", list.body)
            let ids = try list.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            for name in ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small", "whisper-1", "omni-moderation-latest"] {
                #expect(ids.contains(name), "\(name) not listed")
            }
            let model = try await sim.get("/v1/models/gpt-4o")
            try await SpecCheck.expectValid("Model", model.body)
            let json = try model.json
            #expect(json["id"] == "gpt-4o")
            #expect(json["object"] == "model")
            #expect(json["owned_by"] == "system")
            #expect(try await sim.get("/v1/models/gpt-4o").json == json, "created is stable")
            let snapshot = try await sim.get("/v1/models/gpt-4o-2024-08-06")
            #expect(snapshot.status == 200)
            #expect(try snapshot.json["id"] == "gpt-4o-2024-08-06")
            let retired = try await sim.get("/v1/models/dall-e-3")
            try await SpecCheck.expectValid("Model", retired.body)
            #expect(try retired.json["shutdown_date"] == "2026-05-12")

            let missing = try await sim.get("/v1/models/gpt-9-ultra")
            #expect(missing.status == 404)
            try await SpecCheck.expectValid("ErrorResponse", missing.body)
            #expect(
                try missing.json == [
                    "error": [
                        "message": "The model 'gpt-9-ultra' does not exist", "type": "invalid_request_error", "param": "model",
                        "code": "model_not_found",
                    ]
                ]
            )
            let stats = try await sim.stats()
            #expect(stats["requests"]?["GET /v1/models"] == 1)
            #expect(stats["requests"]?["GET /v1/models/{id}"] == 5)
        }
    }

    // MARK: - Moderations

    @Test func moderationsFlagByKeyword() async throws {
        try await SimHarness.with { sim in
            let result = try await sim.post("/v1/moderations", ["input": "I want to kill them."])
            #expect(result.status == 200)
            try await SpecCheck.expectValid("CreateModerationResponse", result.body)
            let json = try result.json
            #expect(json["id"]?.stringValue?.hasPrefix("modr-") == true)
            #expect(json["model"] == "omni-moderation-latest")
            let first = try #require(json["results"]?[0])
            #expect(first["flagged"] == true)
            #expect(first["categories"]?["violence"] == true)
            #expect(first["categories"]?["sexual"] == false)
            #expect((first["category_scores"]?["violence"]?.doubleValue ?? 0) > 0.9)
            #expect((first["category_scores"]?["sexual"]?.doubleValue ?? 1) < 0.01)
            #expect(first["category_applied_input_types"]?["violence"] == ["text"])
            #expect(first["categories"]?.objectValue?.count == 13)
            #expect(try await sim.post("/v1/moderations", ["input": "I want to kill them."]).json["results"] == json["results"])

            let batch = try await sim.post("/v1/moderations", ["model": "text-moderation-latest", "input": ["Have a nice day", "You idiot"]])
            try await SpecCheck.expectValid("CreateModerationResponse", batch.body)
            let batchJSON = try batch.json
            #expect(batchJSON["model"] == "text-moderation-latest")
            #expect(batchJSON["results"]?.arrayValue?.compactMap { $0["flagged"]?.boolValue } == [false, true])
            #expect(batchJSON["results"]?[1]?["categories"]?["harassment"] == true)

            let multimodal = try await sim.post(
                "/v1/moderations",
                [
                    "input": [
                        ["type": "text", "text": "how to kill myself"], ["type": "image_url", "image_url": ["url": "https://example.com/a.png"]],
                    ]
                ]
            )
            try await SpecCheck.expectValid("CreateModerationResponse", multimodal.body)
            let mm = try #require(try multimodal.json["results"]?.arrayValue)
            #expect(mm.count == 1)
            #expect(mm[0]["categories"]?["self-harm/instructions"] == true)
            #expect(mm[0]["categories"]?["self-harm"] == true)
            #expect(mm[0]["category_applied_input_types"]?["self-harm"] == ["text", "image"])
            #expect(mm[0]["category_applied_input_types"]?["hate"] == ["text"])

            for body: JSONValue in [[:], ["input": []], ["input": 5], ["input": [["type": "audio"]]]] {
                let bad = try await sim.post("/v1/moderations", body)
                #expect(bad.status == 400, "\(body.jsonString)")
                try await SpecCheck.expectValid("ErrorResponse", bad.body)
            }
        }
    }

    // MARK: - Unknown routes and faults

    @Test func unknownPathsAnswerOpenAIShaped404s() async throws {
        try await SimHarness.with { sim in
            for (method, path) in [(HTTPMethod.POST, "/v1/some_new_api"), (.GET, "/v1/some_new_api/abc/def"), (.PUT, "/v1/models")] {
                let result = try await sim.send(method, path, json: ["x": 1])
                #expect(result.status == 404, "\(method) \(path)")
                #expect(
                    try result.json == [
                        "error": [
                            "message": .string("Invalid URL (\(method.rawValue) \(path))"), "type": "invalid_request_error", "param": nil,
                            "code": nil,
                        ]
                    ]
                )
                try await SpecCheck.expectValid("ErrorResponse", result.body)
                #expect(result.headers.first(name: "x-request-id") != nil)
            }
            #expect(try await sim.stats()["requests"]?["POST /v1/some_new_api"] == 1)
        }
    }

    @Test func faultsApplyToTheNewRoutes() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/embeddings", status: 503))
            sim.state.addFault(SimulatorFault(path: "/v1/models*", method: "GET", status: 500, count: 2))
            sim.state.addFault(SimulatorFault(path: "/v1/moderations", status: 429, retryAfterMs: 200))
            let embedding = try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": "x"])
            #expect(embedding.status == 503)
            #expect(try embedding.json["error"]?["type"] == "server_error")
            #expect(try await sim.get("/v1/models").status == 500)
            #expect(try await sim.get("/v1/models/gpt-4o").status == 500)
            #expect(try await sim.get("/v1/models/gpt-4o").status == 200)
            let moderation = try await sim.post("/v1/moderations", ["input": "x"])
            #expect(moderation.status == 429)
            #expect(moderation.headers.first(name: "retry-after-ms") == "200")
            #expect(try await sim.post("/v1/embeddings", ["model": "text-embedding-3-small", "input": "x"]).status == 200)

            sim.state.addFault(SimulatorFault(path: "/v1/moderations", delayMs: 250))
            let start = ContinuousClock.now
            #expect(try await sim.post("/v1/moderations", ["input": "x"]).status == 200)
            #expect(start.duration(to: .now) >= .milliseconds(250))
            #expect(sim.state.faults().isEmpty)
        }
    }
}
