import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

extension SimHarness {
    /// Uploads `text` as an `assistants` file and returns its id.
    func uploadText(_ text: String, filename: String) async throws -> String {
        let file = try await upload(purpose: "assistants", filename: filename, bytes: Array(text.utf8))
        return try #require(file["id"]?.stringValue)
    }

    /// Retrieves `path` until its `status` is not `in_progress` (at most `timeout`).
    func settled(_ path: String, timeout: Duration = .seconds(5)) async throws -> JSONValue {
        var last: JSONValue = .null
        _ = try await eventually(timeout: timeout) {
            last = try await get(path).json
            return last["status"] != "in_progress"
        }
        return last
    }
}

@Suite("Simulator Vector Stores API")
struct SimulatorVectorStoresTests {
    static let swiftText = "Swift is a compiled language from Apple. Actors isolate mutable state in Swift concurrency."
    static let pastaText = "Boil the pasta in salted water for nine minutes, then toss it with olive oil and garlic."

    @Test func storeWithFilesGoesFromInProgressToCompletedWithTrueCounts() async throws {
        try await SimHarness.with(vectorStoreProcessingTime: .milliseconds(300)) { sim in
            let swift = try await sim.uploadText(Self.swiftText, filename: "swift.txt")
            let pasta = try await sim.uploadText(Self.pastaText, filename: "pasta.md")
            let created = try await sim.post(
                "/v1/vector_stores",
                ["name": "notes", "file_ids": [.string(swift), .string(pasta)], "metadata": ["team": "docs"]]
            )
            #expect(created.status == 200, "\(created.body)")
            try await SpecCheck.expectValid("VectorStoreObject", created.body)
            let store = try created.json
            let id = try #require(store["id"]?.stringValue)
            #expect(id.hasPrefix("vs_"))
            #expect(store["status"] == "in_progress")
            #expect(store["file_counts"]?["in_progress"] == 2)
            #expect(store["file_counts"]?["total"] == 2)
            #expect(store["usage_bytes"] == 0)
            #expect(store["metadata"] == ["team": "docs"])

            let done = try await sim.settled("/v1/vector_stores/\(id)")
            #expect(done["status"] == "completed")
            #expect(done["file_counts"]?["completed"] == 2)
            #expect(done["file_counts"]?["in_progress"] == 0)
            #expect(done["usage_bytes"]?.intValue == Self.swiftText.utf8.count + Self.pastaText.utf8.count)

            let file = try await sim.get("/v1/vector_stores/\(id)/files/\(swift)")
            try await SpecCheck.expectValid("VectorStoreFileObject", file.body)
            #expect(try file.json["status"] == "completed")
            #expect(try file.json["usage_bytes"]?.intValue == Self.swiftText.utf8.count)
            #expect(try file.json["chunking_strategy"]?["static"]?["max_chunk_size_tokens"] == 800)

            let content = try await sim.get("/v1/vector_stores/\(id)/files/\(pasta)/content")
            try await SpecCheck.expectValid("VectorStoreFileContentResponse", content.body)
            #expect(try content.json["data"] == [["type": "text", "text": .string(Self.pastaText)]])
        }
    }

    @Test func binaryFileFails() async throws {
        try await SimHarness.with(vectorStoreProcessingTime: .milliseconds(50)) { sim in
            let binary = try await sim.upload(purpose: "assistants", filename: "blob.pdf", bytes: [0x25, 0x50, 0x00, 0xFF, 0xFE, 0x00])
            let fileID = try #require(binary["id"]?.stringValue)
            let id = try #require(try await sim.post("/v1/vector_stores", [:]).json["id"]?.stringValue)
            let added = try await sim.post("/v1/vector_stores/\(id)/files", ["file_id": .string(fileID)])
            #expect(try added.json["status"] == "in_progress")
            let file = try await sim.settled("/v1/vector_stores/\(id)/files/\(fileID)")
            #expect(file["status"] == "failed")
            #expect(file["last_error"]?["code"] == "unsupported_file")
            try await SpecCheck.expectValid("VectorStoreFileObject", file.jsonString)
            let store = try await sim.get("/v1/vector_stores/\(id)").json
            #expect(store["file_counts"]?["failed"] == 1)
            #expect(store["usage_bytes"] == 0)
            #expect(store["status"] == "completed")
        }
    }

    @Test func searchRanksLexicallyHonoursFiltersThresholdAndRewrite() async throws {
        try await SimHarness.with(vectorStoreProcessingTime: .zero) { sim in
            let swift = try await sim.uploadText(Self.swiftText, filename: "swift.txt")
            let pasta = try await sim.uploadText(Self.pastaText, filename: "pasta.md")
            let id = try #require(try await sim.post("/v1/vector_stores", ["name": "kb"]).json["id"]?.stringValue)
            let batch = try await sim.post(
                "/v1/vector_stores/\(id)/file_batches",
                [
                    "files": [
                        ["file_id": .string(swift), "attributes": ["topic": "code", "year": 2024]],
                        ["file_id": .string(pasta), "attributes": ["topic": "food", "year": 2020]],
                    ]
                ]
            )
            try await SpecCheck.expectValid("VectorStoreFileBatchObject", batch.body)
            _ = try await sim.settled("/v1/vector_stores/\(id)/file_batches/\(try #require(try batch.json["id"]?.stringValue))")

            let search = try await sim.post("/v1/vector_stores/\(id)/search", ["query": "How do actors work in Swift?"])
            #expect(search.status == 200, "\(search.body)")
            try await SpecCheck.expectValid("VectorStoreSearchResultsPage", search.body)
            let results = try #require(try search.json["data"]?.arrayValue)
            #expect(results.first?["file_id"] == .string(swift))
            #expect(results.first?["attributes"]?["topic"] == "code")
            let score = try #require(results.first?["score"]?.doubleValue)
            #expect(score > 0 && score < 1)
            #expect(try search.json["search_query"] == ["How do actors work in Swift?"])
            // The same query gives the same score.
            let again = try await sim.post("/v1/vector_stores/\(id)/search", ["query": "How do actors work in Swift?"])
            #expect(try again.json["data"]?[0]?["score"]?.doubleValue == score)

            let filtered = try await sim.post(
                "/v1/vector_stores/\(id)/search",
                [
                    "query": "swift actors pasta",
                    "filters": [
                        "type": "and",
                        "filters": [
                            ["type": "ne", "key": "topic", "value": "code"],
                            [
                                "type": "or",
                                "filters": [["type": "lt", "key": "year", "value": 2022], ["type": "in", "key": "topic", "value": ["x"]]],
                            ],
                        ],
                    ],
                ]
            )
            #expect(try filtered.json["data"]?.arrayValue?.map { $0["file_id"] } == [.string(pasta)])
            let excluded = try await sim.post(
                "/v1/vector_stores/\(id)/search",
                ["query": "swift actors", "filters": ["type": "gte", "key": "year", "value": 2025]]
            )
            #expect(try excluded.json["data"]?.arrayValue?.isEmpty == true)
            let inFilter = try await sim.post(
                "/v1/vector_stores/\(id)/search",
                ["query": "swift pasta", "filters": ["type": "nin", "key": "topic", "value": ["code"]]]
            )
            #expect(try inFilter.json["data"]?.arrayValue?.map { $0["file_id"] } == [.string(pasta)])

            let thresholded = try await sim.post("/v1/vector_stores/\(id)/search", ["query": "swift", "ranking_options": ["score_threshold": 0.999]])
            #expect(try thresholded.json["data"]?.arrayValue?.isEmpty == true)
            let limited = try await sim.post("/v1/vector_stores/\(id)/search", ["query": ["swift", "pasta"], "max_num_results": 1])
            #expect(try limited.json["data"]?.arrayValue?.count == 1)
            #expect(try limited.json["search_query"] == ["swift", "pasta"])

            let rewritten = try await sim.post("/v1/vector_stores/\(id)/search", ["query": "What is the pasta time?", "rewrite_query": true])
            #expect(try rewritten.json["search_query"] == ["pasta time"])
            #expect(try rewritten.json["data"]?[0]?["file_id"] == .string(pasta))

            let bad = try await sim.post("/v1/vector_stores/\(id)/search", ["query": "x", "filters": ["type": "like", "key": "a", "value": 1]])
            #expect(bad.status == 400)
        }
    }

    @Test func staticChunkingSplitsIntoOverlappingWindows() async throws {
        try await SimHarness.with(vectorStoreProcessingTime: .zero) { sim in
            let words = (1...250).map { "w\($0)" }
            let fileID = try await sim.uploadText(words.joined(separator: " ") + " needle", filename: "long.txt")
            let id = try #require(try await sim.post("/v1/vector_stores", [:]).json["id"]?.stringValue)
            let added = try await sim.post(
                "/v1/vector_stores/\(id)/files",
                [
                    "file_id": .string(fileID),
                    "chunking_strategy": ["type": "static", "static": ["max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50]],
                ]
            )
            #expect(try added.json["chunking_strategy"]?["static"]?["chunk_overlap_tokens"] == 50)
            _ = try await sim.settled("/v1/vector_stores/\(id)/files/\(fileID)")
            // 251 words in windows of 100 every 50: 1-100, 51-150, 101-200, 151-250, 201-251.
            let needle = try await sim.post("/v1/vector_stores/\(id)/search", ["query": "needle"]).json
            #expect(needle["data"]?.arrayValue?.count == 1)
            #expect(needle["data"]?[0]?["content"]?[0]?["text"]?.stringValue?.hasPrefix("w201 ") == true)
            let overlap = try await sim.post("/v1/vector_stores/\(id)/search", ["query": "w120"]).json
            #expect(overlap["data"]?.arrayValue?.count == 2)

            let invalid = try await sim.post(
                "/v1/vector_stores/\(id)/files",
                [
                    "file_id": .string(fileID),
                    "chunking_strategy": ["type": "static", "static": ["max_chunk_size_tokens": 800, "chunk_overlap_tokens": 401]],
                ]
            )
            #expect(invalid.status == 400)
            #expect(try invalid.json["error"]?["param"] == "chunking_strategy.static.chunk_overlap_tokens")
        }
    }

    @Test func batchProgressesAndCancelStopsTheRest() async throws {
        try await SimHarness.with(vectorStoreProcessingTime: .seconds(30)) { sim in
            let ids = try await [sim.uploadText("one", filename: "1.txt"), sim.uploadText("two", filename: "2.txt")]
            let store = try #require(try await sim.post("/v1/vector_stores", [:]).json["id"]?.stringValue)
            let batch = try await sim.post(
                "/v1/vector_stores/\(store)/file_batches",
                ["file_ids": .array(ids.map(JSONValue.string)), "attributes": ["k": true]]
            ).json
            let batchID = try #require(batch["id"]?.stringValue)
            #expect(batchID.hasPrefix("vsfb_"))
            #expect(batch["status"] == "in_progress")
            #expect(batch["file_counts"]?["in_progress"] == 2)
            let cancelled = try await sim.post("/v1/vector_stores/\(store)/file_batches/\(batchID)/cancel", [:])
            try await SpecCheck.expectValid("VectorStoreFileBatchObject", cancelled.body)
            #expect(try cancelled.json["status"] == "cancelled")
            #expect(try cancelled.json["file_counts"]?["cancelled"] == 2)
            let files = try await sim.get("/v1/vector_stores/\(store)/file_batches/\(batchID)/files?filter=cancelled")
            try await SpecCheck.expectValid("ListVectorStoreFilesResponse", files.body)
            #expect(try files.json["data"]?.arrayValue?.count == 2)
            #expect(try files.json["data"]?[0]?["attributes"] == ["k": true])
            let detached = try await sim.send(.DELETE, "/v1/vector_stores/\(store)/files/\(ids[0])")
            try await SpecCheck.expectValid("DeleteVectorStoreFileResponse", detached.body)
            #expect(try detached.json["deleted"] == true)
            let none = try await sim.get("/v1/vector_stores/\(store)/files?filter=completed")
            #expect(try none.json["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func updateListPaginateAndDelete() async throws {
        try await SimHarness.with(vectorStoreProcessingTime: .zero) { sim in
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(try #require(try await sim.post("/v1/vector_stores", ["name": .string("s\(index)")]).json["id"]?.stringValue))
            }
            let page = try await sim.get("/v1/vector_stores?limit=2")
            try await SpecCheck.expectValid("ListVectorStoresResponse", page.body)
            #expect(try page.json["data"]?.arrayValue?.map { $0["id"] } == [.string(ids[2]), .string(ids[1])])
            #expect(try page.json["has_more"] == true)
            let next = try await sim.get("/v1/vector_stores?limit=2&after=\(ids[1])").json
            #expect(next["data"]?.arrayValue?.map { $0["id"] } == [.string(ids[0])])
            #expect(next["has_more"] == false)
            let ascending = try await sim.get("/v1/vector_stores?order=asc&limit=1").json
            #expect(ascending["last_id"] == .string(ids[0]))

            let updated = try await sim.post(
                "/v1/vector_stores/\(ids[0])",
                ["name": nil, "metadata": ["a": "b"], "expires_after": ["anchor": "last_active_at", "days": 7]]
            )
            try await SpecCheck.expectValid("VectorStoreObject", updated.body)
            #expect(try updated.json["name"] == "")
            #expect(try updated.json["expires_after"]?["days"] == 7)
            #expect(try updated.json["expires_at"]?.intValue != nil)
            #expect(try await sim.post("/v1/vector_stores/\(ids[0])", ["expires_after": ["anchor": "created_at", "days": 7]]).status == 400)
            #expect(try await sim.post("/v1/vector_stores/\(ids[0])", ["bogus": 1]).status == 400)

            let deleted = try await sim.send(.DELETE, "/v1/vector_stores/\(ids[0])")
            try await SpecCheck.expectValid("DeleteVectorStoreResponse", deleted.body)
            #expect(try deleted.json == ["id": .string(ids[0]), "object": "vector_store.deleted", "deleted": true])
            #expect(try await sim.get("/v1/vector_stores/\(ids[0])").status == 404)
            #expect(try await sim.post("/v1/vector_stores", ["file_ids": ["file-missing"]]).status == 404)
        }
    }
}
