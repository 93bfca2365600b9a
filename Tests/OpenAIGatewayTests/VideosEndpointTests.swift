import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import TestSupport
import Testing

@testable import OpenAIGateway

/// The Videos endpoints over real HTTP: client → gateway → simulator.
@Suite("Videos endpoints against the simulator")
struct VideosEndpointTests {
    /// Jobs that complete quickly, and the gateway's poll backoff shortened to 20 ms, +20 ms, at most 50 ms.
    static func run<T: Sendable>(
        generation: Duration = .milliseconds(300),
        configure: @escaping (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        try await GatewayHarness.run(
            simulator: SimulatorConfiguration(eventDelay: .milliseconds(2), videoGenerationTime: generation),
            configure: { configuration in
                configuration.pollBackoff = PollBackoff(first: .milliseconds(20), step: .milliseconds(20), maximum: .milliseconds(50))
                configure(&configuration)
            },
            body
        )
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 3, count: 120)

    static func create(_ gateway: GatewayHarness, _ body: JSONValue = ["prompt": "A calico cat playing a piano"]) async throws -> String {
        let created = try await gateway.request(.POST, "/api/videos", json: body)
        #expect(created.status == 201, "\(created.text)")
        return try #require(try created.json()["id"]?.stringValue)
    }

    static func retrieves(_ gateway: GatewayHarness) -> Int {
        gateway.simulator.state.stats().requests["GET /v1/videos/{id}"] ?? 0
    }

    @Test("create (JSON, seconds as a number normalised), retrieve, poll to completion; cost estimated at create, billed on completion")
    func createPollAndCost() async throws {
        // Long enough for the poll to see the job unfinished first (that poll bills it), even on a busy machine.
        let gateway = try await Self.run(generation: .milliseconds(800)) { gateway in
            let created = try await gateway.request(.POST, "/api/videos", json: ["prompt": "A calico cat", "model": "sora-2", "seconds": 8])
            #expect(created.status == 201, "\(created.text)")
            let video = try created.json()
            #expect(video["object"]?.stringValue == "video")
            #expect(video["seconds"]?.stringValue == "8", "the number 8 went upstream as \"8\"")
            let id = try #require(video["id"]?.stringValue)

            let retrieved = try await gateway.request(.GET, "/api/videos/\(id)")
            #expect(retrieved.status == 200)
            #expect(try retrieved.json()["id"]?.stringValue == id)

            let polled = try await gateway.request(.GET, "/api/videos/\(id)/poll?maxWaitMs=5000")
            #expect(polled.status == 200, "\(polled.text)")
            #expect(try polled.json()["status"]?.stringValue == "completed")
            #expect(try polled.json()["progress"]?.intValue == 100)
            return gateway
        }
        let entries = try gateway.logEntries(api: "videos")
        let create = try #require(entries.first { $0["method"]?.stringValue == "POST" })
        #expect(create["status"]?.intValue == 201)
        #expect(create["video_id"]?.stringValue?.hasPrefix("video_") == true)
        #expect(create["model"]?.stringValue == "sora-2")
        #expect(create["seconds"]?.stringValue == "8")
        #expect(create["size"]?.stringValue == "720x1280")
        #expect(create["progress"]?.intValue == 0)
        #expect(create["video_status"]?.stringValue == "queued")
        #expect(create["estimated_cost_usd"]?.doubleValue == 0.8, "sora-2: $0.10 a second for 8 seconds")
        #expect(create["cost_usd"] == .null, "an estimate is not a charge")
        #expect(create["cost_note"]?.stringValue == "estimate")
        let poll = try #require(entries.first { $0["route"]?.stringValue == "/api/videos/{id}/poll" })
        #expect(poll["status"]?.intValue == 200)
        #expect(poll["poll_retrieves"]?.intValue ?? 0 >= 2)
        #expect(poll["poll_wait_ms"]?.intValue != nil)
        #expect(poll["poll_status"]?.stringValue == "completed")
        #expect(poll["video_status"]?.stringValue == "completed")
        #expect(poll["progress"]?.intValue == 100)
        #expect(poll["generation_time_ms"]?.intValue != nil)
        #expect(poll["cost_usd"]?.doubleValue == 0.8)
        #expect(poll["cost_note"] == nil || poll["cost_note"] == .null)
        let retrieve = try #require(entries.first { $0["route"]?.stringValue == "/api/videos/{id}" })
        #expect(retrieve["cost_usd"] == .null, "a retrieve is not billed")
    }

    @Test("multipart create with an input_reference image, and a form without one (as the SDKs send every create)")
    func multipartCreate() async throws {
        try await Self.run { gateway in
            let withImage = try await gateway.upload(
                "/api/videos",
                parts: [
                    .field("prompt", "Animate this frame"), .field("seconds", "4"),
                    .file("input_reference", filename: "frame.png", contentType: "image/png", .bytes(Self.png)),
                    .field("size", "1280x720"),
                ]
            )
            #expect(withImage.status == 201, "\(withImage.text)")
            #expect(try withImage.json()["size"]?.stringValue == "1280x720", "a field after the image still goes upstream")
            let fieldsOnly = try await gateway.upload("/api/videos", parts: [.field("prompt", "No frame"), .field("seconds", "12.0")])
            #expect(fieldsOnly.status == 201, "\(fieldsOnly.text)")
            #expect(try fieldsOnly.json()["seconds"]?.stringValue == "12")
            #expect(gateway.simulator.state.stats().requests["POST /v1/videos"] == 2)

            let text = try await gateway.upload(
                "/api/videos",
                parts: [.field("prompt", "x"), .file("input_reference", filename: "notes.txt", contentType: "text/plain", text: "hi")]
            )
            #expect(text.status == 400)
            #expect(try text.json()["parameter"]?.stringValue == "input_reference")
            #expect(try text.json()["message"]?.stringValue == "input_reference must be a PNG, JPEG or WebP image")
            #expect(gateway.simulator.state.stats().requests["POST /v1/videos"] == 2, "no upstream call for a declared non-image")
            // A declared image that is not one: its bytes decide, once the part has ended (the upstream body
            // has started then, and is aborted).
            let disguised = try await gateway.upload(
                "/api/videos",
                parts: [
                    .field("prompt", "x"), .file("input_reference", filename: "frame.png", contentType: "image/png", text: "not an image at all"),
                ]
            )
            #expect(disguised.status == 400)
            #expect(try disguised.json()["hint"]?.stringValue?.contains("bytes that are not an image") == true)
            let afterDisguised = gateway.simulator.state.stats().requests["POST /v1/videos"]
            let missing = try await gateway.upload("/api/videos", parts: [.field("seconds", "4")])
            #expect(missing.status == 400)
            #expect(try missing.json()["message"]?.stringValue == "prompt is required")
            #expect(gateway.simulator.state.stats().requests["POST /v1/videos"] == afterDisguised, "no upstream call for a bad form")
        }
    }

    @Test("poll timeout: 504 in about maxWaitMs with a hint, after exactly the retrieves the backoff allows")
    func pollTimeout() async throws {
        try await Self.run(generation: .seconds(60)) { gateway in
            let id = try await Self.create(gateway)
            let before = Self.retrieves(gateway)
            let start = ContinuousClock.now
            let result = try await gateway.request(.GET, "/api/videos/\(id)/poll?maxWaitMs=250")
            let elapsed = ContinuousClock.now - start
            #expect(result.status == 504, "\(result.text)")
            let body = try result.json()
            #expect(body["error_code"]?.stringValue == "poll_timeout")
            #expect(body["hint"]?.stringValue?.contains("GET /api/videos/\(id)/poll") == true, "\(body)")
            #expect(elapsed >= .milliseconds(250) && elapsed < .milliseconds(1500), "\(elapsed)")
            // Retrieves at 0, 20, 60, 110, 160 and 210 ms (start + the sums of 20, 40, 50, 50, 50); the next
            // (260) would pass 250 ms, so one last retrieve at the deadline: 7.
            #expect(Self.retrieves(gateway) - before == 7)
            try await Task.sleep(for: .milliseconds(300))
            #expect(Self.retrieves(gateway) - before == 7, "the poll is not repeated")
        }
    }

    @Test("VIDEO_GENERATION_TIMEOUT is the default wait of a poll")
    func pollDefaultWait() async throws {
        let shortTimeout: (inout GatewayConfiguration) -> Void = { $0.videoGenerationTimeout = .milliseconds(200) }
        try await Self.run(generation: .seconds(60), configure: shortTimeout) { gateway in
            let id = try await Self.create(gateway)
            let start = ContinuousClock.now
            let result = try await gateway.request(.GET, "/api/videos/\(id)/poll")
            let elapsed = ContinuousClock.now - start
            #expect(result.status == 504)
            #expect(elapsed >= .milliseconds(200) && elapsed < .milliseconds(1500), "\(elapsed)")
            #expect(try result.json()["message"]?.stringValue?.hasPrefix("Gave up after 200 ms") == true, "\(result.text)")
        }
    }

    @Test("a client that disconnects stops the polling at once")
    func pollCancelledByDisconnect() async throws {
        try await Self.run(generation: .seconds(60)) { gateway in
            let id = try await Self.create(gateway)
            let before = Self.retrieves(gateway)
            let url = gateway.baseURL + "/api/videos/\(id)/poll?maxWaitMs=60000"
            let client = Task {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(Self.retrieves(gateway) - before >= 3, "the poll was running")
            client.cancel()
            _ = await client.result
            try await Task.sleep(for: .milliseconds(150))
            let afterCancel = Self.retrieves(gateway)
            try await Task.sleep(for: .milliseconds(500))
            #expect(Self.retrieves(gateway) == afterCancel, "no retrieve after the client left")
        }
    }

    @Test("download of each variant: the simulator's bytes, streamed, with its type and a safe attachment name")
    func downloadVariants() async throws {
        try await Self.run { gateway in
            let id = try await Self.create(gateway, ["prompt": "Waves", "model": "sora-2-pro", "size": "1024x1792"])
            #expect(try await gateway.request(.GET, "/api/videos/\(id)/poll").status == 200)
            for (variant, type, ext) in [("video", "video/mp4", "mp4"), ("thumbnail", "image/webp", "webp"), ("spritesheet", "image/jpeg", "jpg")] {
                let direct = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: gateway.simulator.baseURL + "/videos/\(id)/content?variant=\(variant)"),
                    timeout: .seconds(30)
                )
                let expected = Array(buffer: try await direct.body.collect(upTo: 16 << 20))
                let download = try await gateway.request(.GET, "/api/videos/\(id)/download?variant=\(variant)")
                #expect(download.status == 200)
                #expect(download.body == expected, "\(variant): \(download.body.count) bytes, expected \(expected.count)")
                #expect(download.headers.first(name: "content-type") == type)
                #expect(download.headers.first(name: "content-disposition")?.hasPrefix("attachment; filename=\"\(id).\(ext)\"") == true)
            }
            let implicit = try await gateway.request(.GET, "/api/videos/\(id)/download")
            #expect(implicit.headers.first(name: "content-type") == "video/mp4")

            // Paced by the simulator: the first bytes reach the client long before the last.
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/videos/\(id)/content", method: "GET", eventDelayMs: 40))
            let start = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: gateway.baseURL + "/api/videos/\(id)/download"),
                timeout: .seconds(30)
            )
            var first: Duration?
            var bytes = 0
            for try await chunk in response.body {
                if first == nil { first = ContinuousClock.now - start }
                bytes += chunk.readableBytes
            }
            let total = ContinuousClock.now - start
            #expect(bytes == implicit.body.count)
            #expect(total > .milliseconds(500), "\(total)")
            #expect(try #require(first) < total - .milliseconds(300), "first chunk after \(String(describing: first)) of \(total)")
        }
    }

    @Test("a job that fails: the poll answers it (not billed), a download says it failed")
    func failedJob() async throws {
        let gateway = try await Self.run { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/videos", method: "POST", failAfterEvents: 40))
            let id = try await Self.create(gateway)
            let polled = try await gateway.request(.GET, "/api/videos/\(id)/poll")
            #expect(polled.status == 200)
            #expect(try polled.json()["status"]?.stringValue == "failed")
            let download = try await gateway.request(.GET, "/api/videos/\(id)/download")
            #expect(download.status == 409)
            #expect(try download.json()["hint"]?.stringValue?.hasPrefix("The video failed (") == true, "\(download.text)")
            return gateway
        }
        let poll = try #require(try gateway.logEntries(api: "videos").first { $0["route"]?.stringValue == "/api/videos/{id}/poll" })
        #expect(poll["status"]?.intValue == 200)
        #expect(poll["video_status"]?.stringValue == "failed")
        #expect(poll["error_code"]?.stringValue == "video_generation_failed")
        #expect(poll["cost_usd"] == .null, "a failed video is not billed")
    }

    @Test("download before completion is a 409 that says to poll first, without asking for the content")
    func downloadBeforeCompletion() async throws {
        try await Self.run(generation: .seconds(60)) { gateway in
            let id = try await Self.create(gateway)
            let early = try await gateway.request(.GET, "/api/videos/\(id)/download?variant=thumbnail")
            #expect(early.status == 409, "\(early.text)")
            let body = try early.json()
            #expect(body["error_code"]?.stringValue == "video_not_ready")
            #expect(body["message"]?.stringValue?.contains("\"queued\"") == true || body["message"]?.stringValue?.contains("in_progress") == true)
            #expect(body["hint"]?.stringValue?.contains("/api/videos/\(id)/poll") == true)
            #expect(gateway.simulator.state.stats().requests["GET /v1/videos/{id}/content"] == nil)
        }
    }

    @Test("list: the data array with a Link to the next page; delete; remix")
    func listDeleteRemix() async throws {
        try await Self.run { gateway in
            var ids: [String] = []
            for index in 0..<3 { ids.append(try await Self.create(gateway, ["prompt": .string("Clip \(index)")])) }
            let first = try await gateway.request(.GET, "/api/videos?limit=2")
            #expect(first.status == 200)
            #expect(try first.json().arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2], ids[1]])
            let link = try #require(first.headers.first(name: "link"))
            #expect(link == "</api/videos?after=\(ids[1])&limit=2&order=desc>; rel=\"next\"", "\(link)")
            let next = String(link.dropFirst().prefix { $0 != ">" })
            let second = try await gateway.request(.GET, next)
            #expect(try second.json().arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0]])
            #expect(second.headers.first(name: "link") == nil)

            #expect(try await gateway.request(.GET, "/api/videos/\(ids[0])/poll").status == 200)
            let remixed = try await gateway.request(.POST, "/api/videos/\(ids[0])/remix", json: ["prompt": "At night"])
            #expect(remixed.status == 201, "\(remixed.text)")
            #expect(try remixed.json()["remixed_from_video_id"]?.stringValue == ids[0])

            let deleted = try await gateway.request(.DELETE, "/api/videos/\(ids[1])")
            #expect(deleted.status == 200)
            #expect(try deleted.json()["deleted"]?.boolValue == true)
            #expect(try deleted.json()["object"]?.stringValue == "video.deleted")
            #expect(try await gateway.request(.GET, "/api/videos/\(ids[1])").status == 404)
        }
    }

    @Test("edits, extensions and characters under /api/videos")
    func editsExtensionsCharacters() async throws {
        try await Self.run { gateway in
            let id = try await Self.create(gateway, ["prompt": "Base", "seconds": "4"])
            #expect(try await gateway.request(.GET, "/api/videos/\(id)/poll").status == 200)
            let edited = try await gateway.request(.POST, "/api/videos/edits", json: ["video": ["id": .string(id)], "prompt": "Brighter"])
            #expect(edited.status == 201, "\(edited.text)")
            let extended = try await gateway.request(
                .POST,
                "/api/videos/extensions",
                json: ["video": ["id": .string(id)], "prompt": "Then rain", "seconds": 8]
            )
            #expect(extended.status == 201, "\(extended.text)")
            #expect(try extended.json()["seconds"]?.stringValue == "12", "4 + 8 stitched")
            let formEdit = try await gateway.upload("/api/videos/edits", parts: [.field("prompt", "Edit"), .field("video[id]", id)])
            #expect(formEdit.status == 201, "\(formEdit.text)")
            let character = try await gateway.upload(
                "/api/videos/characters",
                parts: [
                    .field("name", "Mochi"), .file("video", filename: "cat.mp4", contentType: "video/mp4", .bytes(Array(repeating: 9, count: 300))),
                ]
            )
            #expect(character.status == 201, "\(character.text)")
            let characterID = try #require(try character.json()["id"]?.stringValue)
            let fetched = try await gateway.request(.GET, "/api/videos/characters/\(characterID)")
            #expect(try fetched.json()["name"]?.stringValue == "Mochi")
        }
    }

    @Test("retired models: 410 model_retired without an upstream call when the upstream is api.openai.com")
    func retiredAtOpenAI() async throws {
        let openAI: (inout GatewayConfiguration) -> Void = { $0.baseURL = "https://api.openai.com/v1" }
        try await Self.run(configure: openAI) { gateway in
            for (path, body) in [
                ("/api/videos", ["prompt": "x"]), ("/api/videos", ["prompt": "x", "model": "sora-2-pro-2025-10-06"]),
                ("/api/videos/video_1/remix", ["prompt": "x"]), ("/api/videos/edits", ["video": ["id": "video_1"], "prompt": "x"]),
            ] as [(String, JSONValue)] {
                let result = try await gateway.request(.POST, path, json: body)
                #expect(result.status == 410, "\(path): \(result.text)")
                let error = try result.json()
                #expect(error["error_code"]?.stringValue == "model_retired")
                #expect(error["parameter"]?.stringValue == "model")
                #expect(error["message"]?.stringValue?.contains("2026-09-24") == true, "\(error)")
                #expect(error["hint"]?.stringValue?.contains("OPENAI_BASE_URL") == true, "\(error)")
            }
            let form = try await gateway.upload(
                "/api/videos",
                parts: [
                    .field("prompt", "x"), .field("model", "sora-2"),
                    .file("input_reference", filename: "a.png", contentType: "image/png", .bytes(Self.png)),
                ]
            )
            #expect(form.status == 410, "\(form.text)")
            // Validation still comes first.
            #expect(try await gateway.request(.POST, "/api/videos", json: ["model": "sora-2"]).status == 400)
        }
    }

    @Test("retired models are forwarded to any other upstream (the simulator)")
    func retiredForwardedElsewhere() async throws {
        try await Self.run { gateway in
            let created = try await gateway.request(.POST, "/api/videos", json: ["prompt": "x", "model": "sora-2-pro"])
            #expect(created.status == 201)
            #expect(gateway.simulator.state.stats().requests["POST /v1/videos"] == 1)
        }
    }

    @Test(
        "each validation rule answers 400 with its parameter and message, before any upstream call",
        arguments: [
            ("POST", "/api/videos", JSONValue.object([:]), "prompt", "prompt is required"),
            ("POST", "/api/videos", ["prompt": ""], "prompt", "prompt must be between 1 and 32000 characters"),
            ("POST", "/api/videos", ["prompt": "<32001>"], "prompt", "prompt must be between 1 and 32000 characters"),
            ("POST", "/api/videos", ["prompt": 3], "prompt", "prompt must be a string"),
            ("POST", "/api/videos", ["prompt": "x", "model": "sora-3"], "model", "model must be one of: sora-2, sora-2-pro"),
            ("POST", "/api/videos", ["prompt": "x", "seconds": "5"], "seconds", "seconds must be one of: \"4\", \"8\", \"12\""),
            ("POST", "/api/videos", ["prompt": "x", "seconds": 4.5], "seconds", "seconds must be one of: \"4\", \"8\", \"12\""),
            ("POST", "/api/videos", ["prompt": "x", "size": "1792x1024"], "size", "size must be one of: 720x1280, 1280x720"),
            (
                "POST", "/api/videos", ["prompt": "x", "size": "640x480", "model": "sora-2-pro"], "size",
                "size must be one of: 720x1280, 1280x720, 1024x1792, 1792x1024"
            ),
            (
                "POST", "/api/videos", ["prompt": "x", "input_reference": ["image_url": "https://a/b.png", "file_id": "file-1"]], "input_reference",
                "input_reference must have exactly one of image_url or file_id"
            ),
            (
                "POST", "/api/videos", ["prompt": "x", "input_reference": ["image_url": "ftp://a/b.png"]], "input_reference.image_url",
                "input_reference.image_url must be an http(s) URL or a data:image/... URL"
            ),
            ("POST", "/api/videos/video_1/remix", ["prompt": ""], "prompt", "prompt must be between 1 and 32000 characters"),
            ("POST", "/api/videos/video_1/remix", JSONValue.object([:]), "prompt", "prompt is required"),
            ("POST", "/api/videos/edits", ["prompt": "x"], "video", "video is required"),
            ("POST", "/api/videos/edits", ["prompt": "x", "video": ["id": ""]], "video.id", "video.id must be longer than or equal to 1 characters"),
            (
                "POST", "/api/videos/extensions", ["prompt": "x", "video": ["id": "video_1"], "seconds": "7"], "seconds",
                "seconds must be one of: \"4\", \"8\", \"12\", \"16\", \"20\""
            ),
            ("POST", "/api/videos/extensions", ["prompt": "x", "video": ["id": "video_1"]], "seconds", "seconds is required"),
            ("GET", "/api/videos/video_1/poll?maxWaitMs=0", JSONValue.null, "maxWaitMs", "maxWaitMs must be greater than 0"),
            (
                "GET", "/api/videos/video_1/poll?maxWaitMs=3600001", JSONValue.null, "maxWaitMs",
                "maxWaitMs must not be greater than 3600000 (one hour)"
            ),
            ("GET", "/api/videos/video_1/poll?maxWaitMs=soon", JSONValue.null, "maxWaitMs", "maxWaitMs must be a whole number of milliseconds"),
            ("GET", "/api/videos/video_1/download?variant=gif", JSONValue.null, "variant", "variant must be one of: video, thumbnail, spritesheet"),
            ("GET", "/api/videos?limit=0", JSONValue.null, "limit", nil),
            ("GET", "/api/videos?order=up", JSONValue.null, "order", nil),
            ("GET", "/api/videos?purpose=x", JSONValue.null, "purpose", "property purpose should not exist"),
        ] as [(String, String, JSONValue, String, String?)]
    )
    func validation(method: String, path: String, body: JSONValue, parameter: String, message: String?) async throws {
        var body = body
        if body["prompt"]?.stringValue == "<32001>" { body = ["prompt": .string(String(repeating: "é", count: 32_001))] }
        try await Self.run { gateway in
            let result = try await gateway.request(HTTPMethod(rawValue: method), path, json: body == .null ? nil : body)
            #expect(result.status == 400, "\(result.text)")
            let error = try result.json()
            #expect(error["error_code"]?.stringValue == "validation_error")
            #expect(error["parameter"]?.stringValue == parameter, "\(error)")
            if let message { #expect(error["message"]?.stringValue == message, "\(error)") }
            #expect((error["hint"]?.stringValue?.count ?? 0) > 10, "every problem has a hint: \(error)")
            #expect(gateway.simulator.state.stats().totalRequests == 0, "no upstream call")
        }
    }

    @Test("the size hint names the model that makes a size")
    func sizeHint() async throws {
        try await Self.run { gateway in
            let result = try await gateway.request(.POST, "/api/videos", json: ["prompt": "x", "size": "1792x1024"])
            #expect(try result.json()["hint"]?.stringValue == "1792x1024 needs sora-2-pro; sora-2 makes 720x1280, 1280x720.")
        }
    }
}

/// Runs `sdk/videos_sdk_check.py`: the official `openai` Python SDK's `videos.create` (a form, with and
/// without an `input_reference`), `videos.retrieve` and `videos.download_content` through the gateway's
/// `/v1`, against the simulator.
@Suite("Official openai SDK videos through the gateway's /v1")
struct VideosSDKTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("sdk").appendingPathComponent("videos_sdk_check.py")

    @Test("videos.create, retrieve, download_content and remix; the /v1 creates and remixes are metered")
    func officialSDKVideos() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.script.path), "missing \(Self.script.path)")
        if let problem = await SDKAvailability.shared.problem() {
            Issue.record("The official openai Python package is required: \(problem)")
            return
        }
        let gateway = try await GatewayHarness.run(
            simulator: SimulatorConfiguration(eventDelay: .milliseconds(1), videoGenerationTime: .milliseconds(300))
        ) { gateway in
            let simulatorRoot = String(gateway.simulator.baseURL.dropLast(3))  // without "/v1"
            let (status, output) = await PythonProcess.run(
                [Self.script.path, "--gateway", gateway.baseURL, "--simulator", simulatorRoot],
                timeout: .seconds(120)
            )
            print("videos SDK check:\n\(output)")
            #expect(status == 0, "videos_sdk_check.py exited with \(status):\n\(output)")
            #expect(output.contains("6 passed, 0 failed"), "\(output)")
            return gateway
        }
        let creates = try gateway.logEntries(api: "videos").filter {
            $0["method"]?.stringValue == "POST" && $0["route"]?.stringValue == "/v1/videos"
        }
        #expect(creates.count == 2)
        #expect(creates.allSatisfy { $0["model"]?.stringValue == "sora-2" }, "\(creates)")
        #expect(creates.compactMap { $0["cost_usd"]?.doubleValue }.sorted() == [0.4, 0.8], "8 s and the default 4 s of sora-2")
        let remix = try #require(try gateway.logEntries(api: "videos").first { $0["route"]?.stringValue == "/v1/videos/{id}/remix" })
        #expect(remix["cost_usd"]?.doubleValue == 0.8, "a remix is priced by the length of the video it makes: \(remix)")
    }
}
