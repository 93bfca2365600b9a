import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

/// The simulator's Videos API over real HTTP: lifecycle, assets, list pages, remix, edits,
/// extensions, characters and failure by fault; every object checked against the official spec.
@Suite("Simulator Videos API")
struct SimulatorVideosTests {
    /// A simulator whose jobs take `generation` to complete.
    static func with<T>(
        generation: Duration = .milliseconds(400),
        eventDelay: Duration = .milliseconds(1),
        _ body: (SimHarness) async throws -> T
    )
        async throws -> T
    {
        try await SimHarness.with(eventDelay: eventDelay, videoGeneration: generation, body)
    }

    /// Creates a video and waits until it is completed.
    static func completedVideo(_ sim: SimHarness, _ body: JSONValue = ["prompt": "A calico cat playing a piano"]) async throws -> JSONValue {
        let created = try await sim.post("/v1/videos", body)
        #expect(created.status == 200, "\(created.body)")
        let id = try #require(try created.json["id"]?.stringValue)
        var latest = try created.json
        let done = try await sim.eventually(timeout: .seconds(5)) {
            latest = try await sim.get("/v1/videos/\(id)").json
            return latest["status"]?.stringValue == "completed"
        }
        #expect(done)
        return latest
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 64)

    @Test("a job moves queued → in_progress → completed over the generation time; every state is a valid VideoResource")
    func lifecycle() async throws {
        try await Self.with(generation: .milliseconds(1500)) { sim in
            let created = try await sim.post("/v1/videos", ["prompt": "A calico cat", "model": "sora-2", "seconds": "8", "size": "1280x720"])
            #expect(created.status == 200)
            try await SpecCheck.expectValid("VideoResource", created.body)
            let video = try created.json
            #expect(video["status"]?.stringValue == "queued")
            #expect(video["progress"]?.intValue == 0)
            #expect(video["seconds"]?.stringValue == "8")
            #expect(video["size"]?.stringValue == "1280x720")
            #expect(video["completed_at"] == .null)
            let id = try #require(video["id"]?.stringValue)
            #expect(id.hasPrefix("video_"))

            var statuses: [String] = []
            var progress: [Int] = []
            var bodies: [String: String] = [:]
            let done = try await sim.eventually(timeout: .seconds(5)) {
                let current = try await sim.get("/v1/videos/\(id)")
                let json = try current.json
                let status = json["status"]?.stringValue ?? ""
                statuses.append(status)
                progress.append(json["progress"]?.intValue ?? -1)
                bodies[status] = current.body
                return status == "completed"
            }
            #expect(done)
            // One of each state against the spec (the checker is too slow to run on every retrieve).
            for body in bodies.values { try await SpecCheck.expectValid("VideoResource", body) }
            #expect(statuses.contains("in_progress"), "\(statuses)")
            #expect(progress == progress.sorted(), "progress never goes back: \(progress)")
            #expect(progress.contains { (1...99).contains($0) }, "\(progress)")
            let final = try await sim.get("/v1/videos/\(id)").json
            #expect(final["progress"]?.intValue == 100)
            let completedAt = try #require(final["completed_at"]?.intValue)
            #expect(final["expires_at"]?.intValue ?? 0 > completedAt)
        }
    }

    @Test("the three variants: an MP4 of ftyp/moov/mdat boxes, a VP8L WebP and a JPEG, in several chunks")
    func assets() async throws {
        try await Self.with(eventDelay: .milliseconds(2)) { sim in
            let video = try await Self.completedVideo(sim, ["prompt": "Waves", "model": "sora-2-pro", "size": "1792x1024", "seconds": "4"])
            let id = try #require(video["id"]?.stringValue)

            var request = HTTPClientRequest(url: sim.root + "/v1/videos/\(id)/content")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.headers.first(name: "content-type") == "video/mp4")
            var mp4: [UInt8] = []
            var chunks = 0
            for try await chunk in response.body {
                chunks += 1
                mp4 += Array(buffer: chunk)
            }
            #expect(chunks > 4, "the video arrives in paced chunks (\(chunks))")
            #expect(response.headers.first(name: "content-length") == String(mp4.count))
            let boxes = Self.boxes(mp4)
            #expect(boxes.map(\.type) == ["ftyp", "moov", "mdat"])
            #expect(Array(mp4[8..<12]) == Array("isom".utf8))
            // moov → mvhd: timescale 1000, duration 4000 ms.
            #expect(Array(mp4[44..<48]) == Array("mvhd".utf8))
            #expect(Self.bigEndian(mp4[60..<64]) == 1000)
            #expect(Self.bigEndian(mp4[64..<68]) == 4000)

            let thumbnail = try await sim.download("/v1/videos/\(id)/content?variant=thumbnail")
            #expect(thumbnail.status == 200)
            #expect(thumbnail.contentType == "image/webp")
            #expect(Array(thumbnail.bytes[0..<4]) == Array("RIFF".utf8))
            #expect(Array(thumbnail.bytes[8..<16]) == Array("WEBPVP8L".utf8))
            #expect(Int(thumbnail.bytes[4]) | Int(thumbnail.bytes[5]) << 8 == thumbnail.bytes.count - 8)
            #expect(thumbnail.bytes[20] == 0x2F)
            let header = thumbnail.bytes[21..<25].reversed().reduce(0) { $0 << 8 | Int($1) }
            #expect(header & 0x3FFF + 1 == 179, "width is a tenth of 1792")
            #expect(header >> 14 & 0x3FFF + 1 == 102, "height is a tenth of 1024")

            let sprites = try await sim.download("/v1/videos/\(id)/content?variant=spritesheet")
            #expect(sprites.contentType == "image/jpeg")
            #expect(sprites.bytes.starts(with: [0xFF, 0xD8, 0xFF]))
            #expect(Array(sprites.bytes.suffix(2)) == [0xFF, 0xD9])

            let again = try await sim.download("/v1/videos/\(id)/content?variant=video")
            #expect(again.bytes == mp4, "assets are deterministic")
            let bad = try await sim.get("/v1/videos/\(id)/content?variant=poster")
            #expect(bad.status == 400)
            #expect(try bad.json["error"]?["param"]?.stringValue == "variant")
        }
    }

    @Test("content before completion is a 400; an unknown id is a 404")
    func contentBeforeCompletion() async throws {
        try await Self.with(generation: .seconds(30)) { sim in
            let id = try #require(try await sim.post("/v1/videos", ["prompt": "Slow"]).json["id"]?.stringValue)
            let early = try await sim.get("/v1/videos/\(id)/content")
            #expect(early.status == 400)
            #expect(try early.json["error"]?["code"]?.stringValue == "video_not_ready")
            #expect(try await sim.get("/v1/videos/video_nope").status == 404)
            #expect(try await sim.get("/v1/videos/video_nope/content").status == 404)
        }
    }

    @Test("list pages with has_more and after, newest first by default; a valid VideoListResource")
    func listPages() async throws {
        try await Self.with { sim in
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(try #require(try await sim.post("/v1/videos", ["prompt": .string("Clip \(index)")]).json["id"]?.stringValue))
            }
            let first = try await sim.get("/v1/videos?limit=2")
            try await SpecCheck.expectValid("VideoListResource", first.body)
            let page = try first.json
            #expect(page["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[2], ids[1]])
            #expect(page["has_more"]?.boolValue == true)
            #expect(page["last_id"]?.stringValue == ids[1])
            let second = try await sim.get("/v1/videos?limit=2&after=\(ids[1])").json
            #expect(second["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0]])
            #expect(second["has_more"]?.boolValue == false)
            let ascending = try await sim.get("/v1/videos?order=asc").json
            #expect(ascending["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ids)
            #expect(try await sim.get("/v1/videos?limit=101").status == 400)
            #expect(try await sim.get("/v1/videos?order=up").status == 400)
        }
    }

    @Test("remix makes a new job with remixed_from_video_id; only a completed video can be remixed")
    func remix() async throws {
        try await Self.with { sim in
            let source = try await Self.completedVideo(sim, ["prompt": "Day", "seconds": "8"])
            let id = try #require(source["id"]?.stringValue)
            let remixed = try await sim.post("/v1/videos/\(id)/remix", ["prompt": "Night"])
            #expect(remixed.status == 200)
            let json = try remixed.json
            // Before the new job can complete: it cannot be remixed yet.
            let pending = try #require(json["id"]?.stringValue)
            #expect(try await sim.post("/v1/videos/\(pending)/remix", ["prompt": "Again"]).status == 400)
            try await SpecCheck.expectValid("VideoResource", remixed.body)
            #expect(json["remixed_from_video_id"]?.stringValue == id)
            #expect(json["id"]?.stringValue != id)
            #expect(json["seconds"]?.stringValue == "8")
            #expect(json["prompt"]?.stringValue == "Night")
            #expect(try await sim.post("/v1/videos/\(id)/remix", [:]).status == 400)
        }
    }

    @Test("delete answers a valid DeletedVideoResource, then the video is gone")
    func delete() async throws {
        try await Self.with { sim in
            let id = try #require(try await sim.post("/v1/videos", ["prompt": "Bye"]).json["id"]?.stringValue)
            let deleted = try await sim.send(.DELETE, "/v1/videos/\(id)")
            #expect(deleted.status == 200)
            try await SpecCheck.expectValid("DeletedVideoResource", deleted.body)
            #expect(try deleted.json["deleted"]?.boolValue == true)
            #expect(try await sim.get("/v1/videos/\(id)").status == 404)
            #expect(try await sim.send(.DELETE, "/v1/videos/\(id)").status == 404)
        }
    }

    @Test("a fault with fail_after_events makes the job fail at that progress, with a valid error")
    func failureByFault() async throws {
        try await Self.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/videos", method: "POST", failAfterEvents: 0))
            let created = try await sim.post("/v1/videos", ["prompt": "Doomed"])
            try await SpecCheck.expectValid("VideoResource", created.body)
            let json = try created.json
            #expect(json["status"]?.stringValue == "failed")
            #expect(json["error"]?["code"]?.stringValue == "video_generation_failed")
            let id = try #require(json["id"]?.stringValue)
            #expect(try await sim.get("/v1/videos/\(id)/content").status == 400)
            // The fault was used up: the next job completes.
            let next = try await Self.completedVideo(sim)
            #expect(next["status"]?.stringValue == "completed")
        }
    }

    @Test("multipart create with an input_reference image; a reference that is not an image is refused")
    func multipartCreate() async throws {
        try await Self.with { sim in
            let created = try await sim.upload(
                "/v1/videos",
                [.field("prompt", "From this frame"), .field("seconds", "4"), .file(name: "input_reference", filename: "frame.png", bytes: Self.png)]
            )
            #expect(created.status == 200, "\(created.body)")
            try await SpecCheck.expectValid("VideoResource", created.body)
            let fieldsOnly = try await sim.upload("/v1/videos", [.field("prompt", "No reference"), .field("model", "sora-2")])
            #expect(fieldsOnly.status == 200, "\(fieldsOnly.body)")
            let text = try await sim.upload(
                "/v1/videos",
                [.field("prompt", "Bad"), .file(name: "input_reference", filename: "notes.txt", bytes: Array("hello".utf8))]
            )
            #expect(text.status == 400)
            #expect(try text.json["error"]?["param"]?.stringValue == "input_reference")
        }
    }

    @Test(
        "create validation answers OpenAI's errors",
        arguments: [
            (JSONValue.object([:]), "prompt"),
            (["prompt": "<32001 characters>"], "prompt"),
            (["prompt": "x", "model": "sora-3"], "model"),
            (["prompt": "x", "size": "1792x1024"], "size"),
            (["prompt": "x", "seconds": 4], "seconds"),
            (["prompt": "x", "seconds": "5"], "seconds"),
            (["prompt": "x", "input_reference": ["image_url": "https://x/a.png", "file_id": "file-1"]], "input_reference"),
        ] as [(JSONValue, String)]
    )
    func createValidation(body: JSONValue, param: String) async throws {
        // A prompt one character over the limit, made here so the test's arguments print short.
        let oversized = JSONValue.string(String(repeating: "a", count: 32_001))
        var body = body
        if case .object(var object) = body, object["prompt"]?.stringValue == "<32001 characters>" {
            object["prompt"] = oversized
            body = .object(object)
        }
        try await Self.with { sim in
            let result = try await sim.post("/v1/videos", body)
            #expect(result.status == 400, "\(result.body)")
            #expect(try result.json["error"]?["param"]?.stringValue == param, "\(result.body)")
        }
    }

    @Test("edits, extensions (seconds is the stitched total) and characters")
    func editsExtensionsCharacters() async throws {
        try await Self.with { sim in
            let source = try await Self.completedVideo(sim, ["prompt": "Base", "seconds": "8"])
            let id = try #require(source["id"]?.stringValue)
            let edited = try await sim.post("/v1/videos/edits", ["video": ["id": .string(id)], "prompt": "Brighter"])
            #expect(edited.status == 200, "\(edited.body)")
            try await SpecCheck.expectValid("VideoResource", edited.body)
            #expect(try edited.json["seconds"]?.stringValue == "8")
            let extended = try await sim.post("/v1/videos/extensions", ["video": ["id": .string(id)], "prompt": "Then rain", "seconds": "4"])
            #expect(extended.status == 200, "\(extended.body)")
            try await SpecCheck.expectValid("VideoResource", extended.body)
            #expect(try extended.json["seconds"]?.stringValue == "12")
            let formEdit = try await sim.upload("/v1/videos/edits", [.field("prompt", "Edit"), .field("video[id]", id)])
            #expect(formEdit.status == 200, "\(formEdit.body)")
            #expect(try await sim.post("/v1/videos/extensions", ["video": ["id": .string(id)], "prompt": "x", "seconds": "7"]).status == 400)
            #expect(try await sim.post("/v1/videos/edits", ["prompt": "No source"]).status == 400)

            let character = try await sim.upload(
                "/v1/videos/characters",
                [.field("name", "Mochi"), .file(name: "video", filename: "cat.mp4", bytes: Array(repeating: 1, count: 256))]
            )
            #expect(character.status == 200, "\(character.body)")
            try await SpecCheck.expectValid("VideoCharacterResource", character.body)
            let characterID = try #require(try character.json["id"]?.stringValue)
            let fetched = try await sim.get("/v1/videos/characters/\(characterID)")
            #expect(try fetched.json["name"]?.stringValue == "Mochi")
            #expect(try await sim.get("/v1/videos/characters/char_nope").status == 404)
            #expect(try await sim.upload("/v1/videos/characters", [.field("name", "No video")]).status == 400)
        }
    }

    @Test("stats count video routes by pattern, with edits and characters as actions, not ids")
    func statsPatterns() async throws {
        try await Self.with { sim in
            let id = try #require(try await sim.post("/v1/videos", ["prompt": "Count me"]).json["id"]?.stringValue)
            _ = try await sim.get("/v1/videos/\(id)")
            _ = try await sim.get("/v1/videos/\(id)")
            _ = try await sim.get("/v1/videos/\(id)/content")
            _ = try await sim.post("/v1/videos/edits", ["prompt": "x"])
            _ = try await sim.get("/v1/videos/characters/char_1")
            let requests = sim.state.stats().requests
            #expect(requests["POST /v1/videos"] == 1)
            #expect(requests["GET /v1/videos/{id}"] == 2)
            #expect(requests["GET /v1/videos/{id}/content"] == 1)
            #expect(requests["POST /v1/videos/edits"] == 1)
            #expect(requests["GET /v1/videos/characters/{id}"] == 1)
        }
    }

    // MARK: - Helpers

    static func boxes(_ bytes: [UInt8]) -> [(type: String, size: Int)] {
        var offset = 0
        var result: [(type: String, size: Int)] = []
        while offset + 8 <= bytes.count {
            let size = bigEndian(bytes[offset..<offset + 4])
            guard size >= 8 else { break }
            result.append((String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self), size))
            offset += size
        }
        #expect(offset == bytes.count, "the boxes cover the file exactly")
        return result
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 << 8 | Int($1) }
    }
}
