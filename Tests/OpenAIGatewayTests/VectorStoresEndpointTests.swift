import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

extension GatewayHarness {
    /// A gateway whose polls back off in tens of milliseconds, in front of a simulator whose vector
    /// store files take `processing` to be processed.
    static func vectorStores<T: Sendable>(
        processing: Duration = .milliseconds(300),
        backoff: PollBackoff = PollBackoff(first: .milliseconds(20), step: .milliseconds(20), maximum: .milliseconds(50)),
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        try await run(
            simulator: SimulatorConfiguration(eventDelay: .milliseconds(5), vectorStoreProcessingTime: processing),
            configure: { $0.pollBackoff = backoff },
            body
        )
    }

    /// Uploads `text` through `POST /api/files` (purpose assistants) and returns the file id.
    func uploadAssistantsFile(_ text: String, filename: String) async throws -> String {
        let uploaded = try await upload("/api/files", parts: [.field("purpose", "assistants"), .file(filename: filename, text: text)])
        #expect(uploaded.status == 201, "\(uploaded.text)")
        return try #require(try uploaded.json()["id"]?.stringValue)
    }

    /// Every request the simulator received.
    var upstreamTotal: Int { simulator.state.stats().totalRequests }
}

@Suite("Vector stores: /api/vector-stores over real HTTP")
struct VectorStoresEndpointTests {
    static let texts = [
        // 300 filler words, then the sentence a search must find: with static chunks of 200 tokens
        // overlapping by 100 it is only in the third chunk (words 201 to 309).
        "guide.md": (1...300).map { "word\($0)" }.joined(separator: " ") + " The lighthouse keeper logs the tide at dawn.",
        "recipes.txt": "Knead the dough for ten minutes, let it rise for an hour, then bake the bread at 230 degrees.",
        "travel.txt": "The night train from Vienna reaches Venice in the morning; book a sleeper cabin early.",
        "garden.txt": "Water tomatoes deeply twice a week and mulch them against the summer heat.",
        "finance.txt": "An index fund spreads risk across many companies at a low yearly fee.",
        "music.txt": "A fugue states its subject in one voice, then answers it in the others.",
    ]

    @Test("the whole life of a store: create with files, add, batch of three, poll each kind, search, filter, update, content, delete")
    func storeLifecycle() async throws {
        let gateway = try await GatewayHarness.vectorStores { gateway in
            var ids: [String: String] = [:]
            for (name, text) in Self.texts.sorted(by: { $0.key < $1.key }) {
                ids[name] = try await gateway.uploadAssistantsFile(text, filename: name)
            }
            let file = { (name: String) -> JSONValue in .string(ids[name] ?? "") }

            let created = try await gateway.request(
                .POST,
                "/api/vector-stores",
                json: [
                    "name": "handbook", "file_ids": [file("guide.md"), file("recipes.txt")], "metadata": ["team": "docs"],
                    "expires_after": ["anchor": "last_active_at", "days": 30],
                    "chunking_strategy": ["type": "static", "static": ["max_chunk_size_tokens": 200, "chunk_overlap_tokens": 100]],
                ]
            )
            #expect(created.status == 201, "\(created.text)")
            let store = try created.json()
            let id = try #require(store["id"]?.stringValue)
            #expect(store["status"] == "in_progress")
            #expect(store["expires_after"]?["days"] == 30)

            let added = try await gateway.request(
                .POST,
                "/api/vector-stores/\(id)/files",
                json: ["file_id": file("travel.txt"), "attributes": ["topic": "travel"]]
            )
            #expect(added.status == 201, "\(added.text)")
            let batch = try await gateway.request(
                .POST,
                "/api/vector-stores/\(id)/file-batches",
                json: [
                    "files": [
                        ["file_id": file("garden.txt"), "attributes": ["topic": "garden", "year": 2023]],
                        ["file_id": file("finance.txt"), "attributes": ["topic": "money", "year": 2024]],
                        ["file_id": file("music.txt"), "attributes": ["topic": "music", "year": 2025], "chunking_strategy": ["type": "auto"]],
                    ]
                ]
            )
            #expect(batch.status == 201, "\(batch.text)")
            let batchID = try #require(try batch.json()["id"]?.stringValue)
            #expect(try batch.json()["file_counts"]?["total"] == 3)

            let polledBatch = try await gateway.request(.POST, "/api/vector-stores/\(id)/file-batches/\(batchID)/poll?max_wait_ms=5000")
            #expect(polledBatch.status == 200, "\(polledBatch.text)")
            #expect(try polledBatch.json()["status"] == "completed")
            #expect(try polledBatch.json()["file_counts"]?["completed"] == 3)
            let polledFile = try await gateway.request(
                .POST,
                "/api/vector-stores/\(id)/files/\(ids["travel.txt"] ?? "")/poll",
                json: ["max_wait_ms": 5000]
            )
            #expect(polledFile.status == 200, "\(polledFile.text)")
            #expect(try polledFile.json()["status"] == "completed")
            let polledStore = try await gateway.request(.POST, "/api/vector-stores/\(id)/poll?max_wait_ms=5000")
            #expect(polledStore.status == 200)
            let ready = try polledStore.json()
            #expect(ready["status"] == "completed")
            #expect(ready["file_counts"]?["completed"] == 6)
            #expect(ready["usage_bytes"]?.intValue == Self.texts.values.reduce(0) { $0 + $1.utf8.count })

            let search = try await gateway.request(.POST, "/api/vector-stores/\(id)/search", json: ["query": "When do I water the tomatoes?"])
            #expect(search.status == 200, "\(search.text)")
            let results = try #require(try search.json().arrayValue)
            #expect(results.first?["file_id"] == file("garden.txt"))
            #expect(results.first?["content"]?[0]?["text"]?.stringValue?.contains("tomatoes") == true)
            let excluded = try await gateway.request(
                .POST,
                "/api/vector-stores/\(id)/search",
                json: [
                    "query": "When do I water the tomatoes?",
                    "filters": [
                        "type": "and", "filters": [["type": "gte", "key": "year", "value": 2024], ["type": "ne", "key": "topic", "value": "x"]],
                    ],
                ]
            )
            #expect(excluded.status == 200)
            #expect(try excluded.json().arrayValue?.contains { $0["file_id"] == file("garden.txt") } == false)
            let chunk = try await gateway.request(.POST, "/api/vector-stores/\(id)/search", json: ["query": "lighthouse tide"])
            let chunks = try #require(try chunk.json().arrayValue)
            #expect(chunks.count == 1)
            #expect(chunks.first?["file_id"] == file("guide.md"))
            #expect(chunks.first?["content"]?[0]?["text"]?.stringValue?.hasPrefix("word201 word202 ") == true)
            let many = try await gateway.request(
                .POST,
                "/api/vector-stores/\(id)/search",
                json: ["query": ["bread", "fugue"], "max_num_results": 5]
            )
            #expect(try many.json().arrayValue?.count == 2)

            let updated = try await gateway.request(
                .PATCH,
                "/api/vector-stores/\(id)",
                json: ["name": "renamed", "metadata": nil, "expires_after": nil]
            )
            #expect(updated.status == 200, "\(updated.text)")
            #expect(try updated.json()["name"] == "renamed")
            #expect(try updated.json()["metadata"] == .null)
            #expect(try updated.json()["expires_after"] == nil)
            let attributes = try await gateway.request(
                .PATCH,
                "/api/vector-stores/\(id)/files/\(ids["travel.txt"] ?? "")",
                json: ["attributes": ["topic": "rail", "stars": 5]]
            )
            #expect(try attributes.json()["attributes"] == ["topic": "rail", "stars": 5])

            let content = try await gateway.request(.GET, "/api/vector-stores/\(id)/files/\(ids["recipes.txt"] ?? "")/content")
            #expect(content.status == 200)
            #expect(try content.json() == [["type": "text", "text": .string(Self.texts["recipes.txt"] ?? "")]])
            let batchFiles = try await gateway.request(.GET, "/api/vector-stores/\(id)/file-batches/\(batchID)/files?filter=completed&order=asc")
            #expect(try batchFiles.json().arrayValue?.count == 3)
            let retrievedBatch = try await gateway.request(.GET, "/api/vector-stores/\(id)/file-batches/\(batchID)")
            #expect(try retrievedBatch.json()["status"] == "completed")
            let cancelled = try await gateway.request(.POST, "/api/vector-stores/\(id)/file-batches/\(batchID)/cancel")
            #expect(cancelled.status == 200)

            let detached = try await gateway.request(.DELETE, "/api/vector-stores/\(id)/files/\(ids["music.txt"] ?? "")")
            #expect(try detached.json()["object"] == "vector_store.file.deleted")
            #expect(try await gateway.request(.GET, "/api/vector-stores/\(id)/files").json().arrayValue?.count == 5)
            let deleted = try await gateway.request(.DELETE, "/api/vector-stores/\(id)")
            #expect(try deleted.json() == ["id": .string(id), "object": "vector_store.deleted", "deleted": true])
            #expect(try await gateway.request(.GET, "/api/vector-stores/\(id)").status == 404)
            // Every upstream call but the six uploads went to /v1/vector_stores with OpenAI-Beta: assistants=v2.
            let stats = gateway.simulator.state.stats()
            #expect(stats.assistantsBetaRequests == stats.totalRequests - 6)
            return gateway
        }
        let entries = try gateway.logEntries(api: "vector_stores")
        let routes = Set(entries.compactMap { $0["route"]?.stringValue })
        #expect(routes.contains("/api/vector-stores/{vector_store_id}/file-batches/{batch_id}/poll"))
        let create = try #require(entries.first { $0["route"] == "/api/vector-stores" && $0["method"] == "POST" })
        #expect(create["vector_store_id"]?.stringValue?.hasPrefix("vs_") == true)
        #expect(create["file_counts"]?["total"] == 2)
        #expect(create["usage_bytes"] == 0)
        #expect(create["endpoint"] == "POST /v1/vector_stores")
        let poll = try #require(entries.first { $0["route"] == "/api/vector-stores/{vector_store_id}/poll" })
        #expect(poll["store_status"] == "completed")
        #expect(poll["usage_bytes"]?.intValue == Self.texts.values.reduce(0) { $0 + $1.utf8.count })
        #expect((poll["poll_retrieves"]?.intValue ?? 0) >= 1)
        let batchPoll = try #require(entries.first { $0["route"] == "/api/vector-stores/{vector_store_id}/file-batches/{batch_id}/poll" })
        #expect(batchPoll["batch_id"]?.stringValue?.hasPrefix("vsfb_") == true)
        #expect(batchPoll["file_counts"]?["completed"] == 3)
        #expect(batchPoll["batch_status"] == "completed")
        let searches = entries.filter { $0["route"] == "/api/vector-stores/{vector_store_id}/search" }
        #expect(searches.map { $0["query"] } == ["When do I water the tomatoes?", "When do I water the tomatoes?", "lighthouse tide", "[2 queries]"])
        #expect(searches.map { $0["result_count"]?.intValue ?? -1 }.last == 2)
        let delete = try #require(entries.first { $0["route"] == "/api/vector-stores/{vector_store_id}" && $0["method"] == "DELETE" })
        #expect(delete["deleted"] == true)
    }

    @Test("a poll past its deadline is a 504 with a hint after the expected number of retrieves")
    func pollTimeout() async throws {
        // Waits of 200, 400, 500 ms: retrieves at 0, 200 and 600 ms (start + the sums); the next (1100 ms)
        // would be past 1000 ms, so one last retrieve at the deadline: 4. (The schedule is from the start,
        // so slow retrieves on a busy machine do not change the count.)
        let backoff = PollBackoff(first: .milliseconds(200), step: .milliseconds(200), maximum: .milliseconds(500))
        try await GatewayHarness.vectorStores(processing: .seconds(60), backoff: backoff) { gateway in
            let fileID = try await gateway.uploadAssistantsFile("slow text", filename: "slow.txt")
            let id = try #require(
                try await gateway.request(.POST, "/api/vector-stores", json: ["file_ids": [.string(fileID)]]).json()["id"]?.stringValue
            )
            let before = gateway.upstreamCount("GET /v1/vector_stores/{id}")
            let start = ContinuousClock.now
            let timedOut = try await gateway.request(.POST, "/api/vector-stores/\(id)/poll?max_wait_ms=1000")
            let elapsed = start.duration(to: .now)
            #expect(elapsed >= .milliseconds(1000) && elapsed < .milliseconds(1800), "\(elapsed)")
            #expect(timedOut.status == 504, "\(timedOut.text)")
            let body = try timedOut.json()
            #expect(body["error_code"] == "poll_timeout")
            #expect(body["hint"]?.stringValue?.contains("/api/vector-stores/\(id)/poll") == true)
            #expect(gateway.upstreamCount("GET /v1/vector_stores/{id}") - before == 4)
        }
    }

    @Test("an object that becomes final after the last scheduled retrieve is answered by the retrieve at the deadline")
    func pollFinalRetrieveAtDeadline() async throws {
        // Retrieves at 0, 200 and 600 ms; the store is ready at about 900 ms; the last one, at the
        // 1000 ms deadline, sees it ready: 200, not 504.
        let backoff = PollBackoff(first: .milliseconds(200), step: .milliseconds(200), maximum: .milliseconds(500))
        try await GatewayHarness.vectorStores(processing: .milliseconds(900), backoff: backoff) { gateway in
            let fileID = try await gateway.uploadAssistantsFile("ready soon", filename: "soon.txt")
            let id = try #require(
                try await gateway.request(.POST, "/api/vector-stores", json: ["file_ids": [.string(fileID)]]).json()["id"]?.stringValue
            )
            let polled = try await gateway.request(.POST, "/api/vector-stores/\(id)/poll?max_wait_ms=1000")
            #expect(polled.status == 200, "\(polled.text)")
            #expect(try polled.json()["status"]?.stringValue == "completed")
        }
    }

    @Test("a poll's wait: a misspelt query key and a body that is not an object are 400s, not a silent default")
    func pollWaitProblems() async throws {
        try await GatewayHarness.run { gateway in
            let misspelt = try await gateway.request(.POST, "/api/vector-stores/vs_abc/poll?maxWaitMs=5")
            #expect(misspelt.status == 400)
            #expect(try misspelt.json()["parameter"]?.stringValue == "maxWaitMs")
            #expect(try misspelt.json()["hint"]?.stringValue?.contains("max_wait_ms") == true)
            let array = try await gateway.request(.POST, "/api/vector-stores/vs_abc/poll", rawBody: Array("[5000]".utf8))
            #expect(array.status == 400)
            #expect(try array.json()["parameter"]?.stringValue == "body")
            let video = try await gateway.request(.GET, "/api/videos/video_1/poll?max_wait_ms=5")
            #expect(video.status == 400)
            #expect(try video.json()["parameter"]?.stringValue == "max_wait_ms")
            #expect(gateway.simulator.state.stats().totalRequests == 0)
        }
    }

    @Test("a poll stops retrieving as soon as the client disconnects")
    func pollCancelledByDisconnect() async throws {
        let gateway = try await GatewayHarness.vectorStores(processing: .seconds(60)) { gateway in
            let fileID = try await gateway.uploadAssistantsFile("slow text", filename: "slow.txt")
            let id = try #require(
                try await gateway.request(.POST, "/api/vector-stores", json: ["file_ids": [.string(fileID)]]).json()["id"]?.stringValue
            )
            let path = "GET /v1/vector_stores/\(id)/files/\(fileID)"
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            var request = HTTPClientRequest(url: gateway.baseURL + "/api/vector-stores/\(id)/files/\(fileID)/poll?max_wait_ms=60000")
            request.method = .POST
            await #expect(throws: (any Error).self) { _ = try await client.execute(request, timeout: .milliseconds(300)) }
            try await client.shutdown()
            try await Task.sleep(for: .milliseconds(100))
            let afterLeaving = gateway.upstreamCount(path)
            #expect(afterLeaving >= 3)
            try await Task.sleep(for: .milliseconds(300))
            #expect(gateway.upstreamCount(path) == afterLeaving)
            return gateway
        }
        let entry = try #require(
            try gateway.logEntries(api: "vector_stores").first { $0["route"] == "/api/vector-stores/{vector_store_id}/files/{file_id}/poll" }
        )
        #expect(entry["outcome"] == "client_cancelled")
        #expect(entry["poll_status"] == "in_progress")
    }

    @Test("wrong path ids are a 400 with a hint, and the upstream is not called")
    func wrongIDs() async throws {
        try await GatewayHarness.vectorStores { gateway in
            let cases: [(HTTPMethod, String, String, String)] = [
                (.GET, "/api/vector-stores/file-abc", "vector_store_id", "looks like a file id"),
                (.DELETE, "/api/vector-stores/vs_", "vector_store_id", "vs_abc123"),
                (.GET, "/api/vector-stores/vs_abc/files/vs_def", "file_id", "looks like a vector store id"),
                (.POST, "/api/vector-stores/vs_abc/files/abc/poll", "file_id", "file-abc123"),
                (.GET, "/api/vector-stores/vs_abc/file-batches/batch_1", "batch_id", "vsfb_abc123"),
                (.POST, "/api/vector-stores/vs%20x/search", "vector_store_id", "vs_abc123"),
            ]
            for (method, path, parameter, hint) in cases {
                let answer = try await gateway.request(method, path, json: method == .GET || method == .DELETE ? nil : ["query": "x"])
                #expect(answer.status == 400, "\(path): \(answer.text)")
                let body = try answer.json()
                #expect(body["parameter"]?.stringValue == parameter, "\(path)")
                #expect(body["hint"]?.stringValue?.contains(hint) == true, "\(path): \(body["hint"] ?? .null)")
            }
            #expect(gateway.upstreamTotal == 0)
        }
    }

    @Test("lists answer the array and a Link to the next page, which the next request follows")
    func linkPagination() async throws {
        try await GatewayHarness.vectorStores { gateway in
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(
                    try #require(
                        try await gateway.request(.POST, "/api/vector-stores", json: ["name": .string("s\(index)")]).json()["id"]?.stringValue
                    )
                )
            }
            let first = try await gateway.request(.GET, "/api/vector-stores?limit=2")
            #expect(first.status == 200)
            #expect(try first.json().arrayValue?.map { $0["id"] } == [.string(ids[2]), .string(ids[1])])
            let link = try #require(first.headers.first(name: "Link"))
            #expect(link == "</api/vector-stores?after=\(ids[1])&limit=2&order=desc>; rel=\"next\"")
            let target = String(link.dropFirst().prefix { $0 != ">" })
            let second = try await gateway.request(.GET, target)
            #expect(try second.json().arrayValue?.map { $0["id"] } == [.string(ids[0])])
            #expect(second.headers.first(name: "Link") == nil)
            let unknown = try await gateway.request(.GET, "/api/vector-stores?page=2")
            #expect(unknown.status == 400)
            #expect(try unknown.json()["message"] == "property page should not exist")
            let badFilter = try await gateway.request(.GET, "/api/vector-stores/\(ids[0])/files?filter=done")
            #expect(try badFilter.json()["parameter"] == "filter")
            #expect(try await gateway.request(.GET, "/api/vector-stores/\(ids[0])/files?filter=completed").status == 200)
        }
    }

    @Test("upload streams the file to /v1/files, attaches it and polls; the upload has its own files.log entry")
    func uploadAndPoll() async throws {
        let gateway = try await GatewayHarness.vectorStores { gateway in
            let id = try #require(try await gateway.request(.POST, "/api/vector-stores", json: [:]).json()["id"]?.stringValue)
            let text = "Lighthouses guide ships past the reef at night."
            let uploaded = try await gateway.upload(
                "/api/vector-stores/\(id)/files/upload?poll=true&max_wait_ms=5000",
                parts: [.field("attributes", #"{"kind": "note"}"#), .file(filename: "light.txt", text: text)]
            )
            #expect(uploaded.status == 201, "\(uploaded.text)")
            let file = try uploaded.json()
            #expect(file["status"] == "completed")
            #expect(file["attributes"] == ["kind": "note"])
            #expect(file["usage_bytes"]?.intValue == text.utf8.count)
            let fileID = try #require(file["id"]?.stringValue)
            let metadata = try await gateway.request(.GET, "/api/files/\(fileID)").json()
            #expect(metadata["purpose"] == "assistants")

            let refused = try await gateway.upload(
                "/api/vector-stores/\(id)/files/upload",
                parts: [
                    .field("purpose", "user_data"), .field("chunking_strategy", #"{"type": "auto", "x": 1}"#), .file(filename: "a.txt", text: "a"),
                ]
            )
            #expect(refused.status == 400)
            #expect(try refused.json()["errors"]?.arrayValue?.map { $0["parameter"] } == ["purpose", "chunking_strategy.x"])
            // A store that does not exist: the upload succeeds, the attach fails, the file is deleted again.
            let orphan = try await gateway.upload("/api/vector-stores/vs_missing/files/upload", parts: [.file(filename: "o.txt", text: "o")])
            #expect(orphan.status == 404, "\(orphan.text)")
            #expect(gateway.upstreamCount("POST /v1/files") == 2)
            #expect(gateway.upstreamCount("DELETE /v1/files/{id}") == 1)
            let files = try await gateway.request(.GET, "/api/files").json().arrayValue ?? []
            #expect(files.map { $0["id"] } == [.string(fileID)])
            // Checked from the query before the body is read (so no body is needed to see it).
            let notPolling = try await gateway.request(.POST, "/api/vector-stores/\(id)/files/upload?max_wait_ms=10")
            #expect(try notPolling.json()["parameter"] == "max_wait_ms")
            return gateway
        }
        let uploads = try gateway.logEntries(api: "files").filter { $0["route"] == "/api/vector-stores/{vector_store_id}/files/upload" }
        #expect(uploads.map { $0["filename"] } == ["light.txt", "o.txt"])
        #expect(uploads.first?["endpoint"] == "POST /v1/files")
        #expect(uploads.first?["purpose"] == "assistants")
        #expect(uploads.first?["filename"] == "light.txt")
        let entries = try gateway.logEntries(api: "vector_stores").filter { $0["route"] == "/api/vector-stores/{vector_store_id}/files/upload" }
        #expect(entries.first?["status"] == 201)
        #expect(entries.first?["usage_bytes"]?.intValue == 47)
        #expect(entries.first?["upload_file_id"] == uploads.first?["file_id"])
        let failed = try #require(entries.first { $0["status"] == 404 })
        #expect(failed["upload_file_id"] == uploads.last?["file_id"])
        #expect(failed["upload_deleted"] == true)
    }
}
