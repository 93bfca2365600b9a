import Foundation
import Hummingbird
import NIOCore
import OpenAIClient

/// The Videos API: jobs that move `queued → in_progress → completed` over
/// ``SimulatorConfiguration/videoGenerationTime``, their assets (an MP4, a WebP thumbnail, a JPEG
/// spritesheet) served in paced chunks, list pages, remixes, edits, extensions and characters.
///
/// A fault on a create (`POST /v1/videos`, `/remix`, `/edits`, `/extensions`) with `fail_after_events: N`
/// makes the job fail when its progress reaches N; `event_delay_ms` on `/content` paces its chunks.
struct VideosController: Sendable {
    let configuration: SimulatorConfiguration
    let state: SimulatorState

    static let models = ["sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-pro-2025-10-06", "sora-2-2025-12-08"]
    static let sizes = ["720x1280", "1280x720", "1024x1792", "1792x1024"]
    /// The sizes of the models that are not `pro`.
    static let standardSizes = ["720x1280", "1280x720"]
    static let seconds = ["4", "8", "12"]
    static let extensionSeconds = ["4", "8", "12", "16", "20"]
    static let maxPromptLength = 32_000
    /// Bytes per body chunk of a download.
    static let chunkSize = 4096

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("videos", use: create)
        group.get("videos", use: list)
        group.post("videos/edits", use: edit)
        group.post("videos/extensions", use: extend)
        group.post("videos/characters", use: createCharacter)
        group.get("videos/characters/:id", use: character)
        group.get("videos/:id", use: retrieve)
        group.delete("videos/:id", use: delete)
        group.get("videos/:id/content", use: content)
        group.post("videos/:id/remix", use: remix)
    }

    // MARK: - Jobs

    /// `POST /v1/videos`, JSON or multipart (`input_reference` as an image part or a `{image_url | file_id}` object).
    @Sendable func create(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let fields = try await VideoFields.read(request, files: ["input_reference"])
        let model = try fields.string("model") ?? "sora-2"
        guard Self.models.contains(model) else { throw SimulatorAPIError.invalidValue(param: "model", got: model, allowed: Self.models) }
        let prompt = try Self.prompt(fields)
        let sizes = model.contains("pro") ? Self.sizes : Self.standardSizes
        let size = try fields.string("size") ?? "720x1280"
        guard sizes.contains(size) else { throw SimulatorAPIError.invalidValue(param: "size", got: size, allowed: sizes) }
        let seconds = try fields.string("seconds") ?? "4"
        guard Self.seconds.contains(seconds), let count = Int(seconds) else {
            throw SimulatorAPIError.invalidValue(param: "seconds", got: seconds, allowed: Self.seconds)
        }
        if let reference = try fields.object("input_reference") {
            let given = ["image_url", "file_id"].filter { reference[$0]?.stringValue != nil }
            guard given.count == 1 else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid 'input_reference': provide exactly one of 'image_url' or 'file_id'.",
                    param: "input_reference",
                    code: "invalid_value"
                )
            }
        }
        if let file = fields.form?.files.first(where: { $0.name == "input_reference" }) {
            guard file.bytes > 0, ImageHeader.kind(ofMagic: file.prefix) != nil else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid 'input_reference': expected a PNG, JPEG or WebP image.",
                    param: "input_reference",
                    code: "invalid_image_format"
                )
            }
        }
        return start(model: model, prompt: prompt, size: size, seconds: count, remixedFrom: nil, context: context)
    }

    @Sendable func retrieve(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        SimulatorHTTP.json(try video(context).json())
    }

    @Sendable func delete(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard state.videos.delete(id: id) else { throw SimulatorAPIError.videoNotFound(id) }
        return SimulatorHTTP.json(["object": "video.deleted", "deleted": true, "id": .string(id)])
    }

    /// `GET /v1/videos?limit=&order=&after=`: newest first by default, 20 a page (0–100).
    @Sendable func list(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var limit = 20
        if let raw = query.get("limit") {
            guard let value = Int(raw), (0...100).contains(value) else {
                throw SimulatorAPIError.invalidRequest(
                    "Invalid 'limit': expected an integer between 0 and 100, but got '\(raw)' instead.",
                    param: "limit",
                    code: "invalid_value"
                )
            }
            limit = value
        }
        let order = query.get("order") ?? "desc"
        guard order == "asc" || order == "desc" else { throw SimulatorAPIError.invalidValue(param: "order", got: order, allowed: ["asc", "desc"]) }
        var videos = state.videos.all()
        if order == "desc" { videos.reverse() }
        if let after = query.get("after") {
            guard let index = videos.firstIndex(where: { $0.id == after }) else { throw SimulatorAPIError.videoNotFound(after) }
            videos = Array(videos[(index + 1)...])
        }
        let now = ContinuousClock.now
        let page = videos.prefix(limit).map { $0.json(at: now) }
        return SimulatorHTTP.json([
            "object": "list", "data": .array(Array(page)),
            "first_id": JSONValue(page.first?["id"]?.stringValue), "last_id": JSONValue(page.last?["id"]?.stringValue),
            "has_more": .bool(videos.count > page.count),
        ])
    }

    /// `POST /v1/videos/{id}/remix` `{prompt}`: a new job with the source's model, size and length.
    @Sendable func remix(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let source = try completedVideo(context)
        let fields = try await VideoFields.read(request, files: [])
        let prompt = try Self.prompt(fields)
        return start(model: source.model, prompt: prompt, size: source.size, seconds: source.seconds, remixedFrom: source.id, context: context)
    }

    /// `POST /v1/videos/edits`: `video` is `{id}` (JSON, or `video[id]` in a form) or an uploaded video.
    @Sendable func edit(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let fields = try await VideoFields.read(request, files: ["video"])
        let prompt = try Self.prompt(fields)
        if let source = try sourceVideo(fields) {
            return start(model: source.model, prompt: prompt, size: source.size, seconds: source.seconds, remixedFrom: nil, context: context)
        }
        return start(model: "sora-2", prompt: prompt, size: "720x1280", seconds: 4, remixedFrom: nil, context: context)
    }

    /// `POST /v1/videos/extensions`: the source video followed by `seconds` more (the job's `seconds` is the total).
    @Sendable func extend(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let fields = try await VideoFields.read(request, files: ["video"])
        let prompt = try Self.prompt(fields)
        guard let seconds = try fields.string("seconds") else { throw SimulatorAPIError.missingParameter("seconds") }
        guard Self.extensionSeconds.contains(seconds), let added = Int(seconds) else {
            throw SimulatorAPIError.invalidValue(param: "seconds", got: seconds, allowed: Self.extensionSeconds)
        }
        let source = try sourceVideo(fields)
        return start(
            model: source?.model ?? "sora-2",
            prompt: prompt,
            size: source?.size ?? "720x1280",
            seconds: (source?.seconds ?? 4) + added,
            remixedFrom: nil,
            context: context
        )
    }

    // MARK: - Content

    /// `GET /v1/videos/{id}/content?variant=video|thumbnail|spritesheet`, in chunks of 4 KiB paced by the
    /// stream event delay (a fault's `event_delay_ms` overrides it).
    @Sendable func content(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let variantName = request.uri.queryParameters.get("variant") ?? "video"
        guard let variant = SimulatedVideoAsset.Variant(rawValue: variantName) else {
            throw SimulatorAPIError.invalidValue(param: "variant", got: variantName, allowed: SimulatedVideoAsset.Variant.allCases.map(\.rawValue))
        }
        let video = try video(context)
        let status = video.state(at: .now).status
        guard status == .completed else {
            throw SimulatorAPIError.invalidRequest(
                "Video is not ready yet (its status is '\(status.rawValue)'); wait until it is 'completed'.",
                param: nil,
                code: "video_not_ready"
            )
        }
        let bytes = video.asset.bytes(variant)
        let delay = context.fault?.eventDelayMs.map { Duration.milliseconds($0) } ?? configuration.eventDelay
        return Response(
            status: .ok,
            headers: [.contentType: variant.contentType, .contentLength: String(bytes.count)],
            body: ResponseBody { writer in
                var offset = 0
                while offset < bytes.count {
                    if offset > 0, delay > .zero { try await Task.sleep(for: delay) }
                    let end = min(bytes.count, offset + Self.chunkSize)
                    try await writer.write(ByteBuffer(bytes: bytes[offset..<end]))
                    offset = end
                }
                try await writer.finish(nil)
            }
        )
    }

    // MARK: - Characters

    /// `POST /v1/videos/characters` (multipart `video` and `name`, 1–80 characters).
    @Sendable func createCharacter(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let fields = try await VideoFields.read(request, files: ["video"])
        guard fields.form?.files.contains(where: { $0.name == "video" && $0.bytes > 0 }) == true else {
            throw SimulatorAPIError.missingParameter("video")
        }
        guard let name = try fields.string("name"), !name.isEmpty else { throw SimulatorAPIError.missingParameter("name") }
        guard name.count <= 80 else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid 'name': string too long. Expected a string with maximum length 80, but got a string with length \(name.count) instead.",
                param: "name",
                code: "string_above_max_length"
            )
        }
        let id = SimulatorIDs.make("char", hexDigits: 32)
        let character: JSONValue = ["id": .string(id), "name": .string(name), "created_at": JSONValue(Int(Date().timeIntervalSince1970))]
        state.videos.insertCharacter(character, id: id)
        return SimulatorHTTP.json(character)
    }

    @Sendable func character(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let character = state.videos.character(id: id) else {
            throw SimulatorAPIError(
                status: 404,
                message: "Character with id '\(id)' not found.",
                type: "invalid_request_error",
                param: nil,
                code: nil
            )
        }
        return SimulatorHTTP.json(character)
    }

    // MARK: - Helpers

    private func start(model: String, prompt: String, size: String, seconds: Int, remixedFrom: String?, context: SimulatorRequestContext) -> Response
    {
        let video = SimulatedVideo(
            id: SimulatorIDs.make("video", hexDigits: 32),
            model: model,
            prompt: prompt,
            size: size,
            seconds: seconds,
            remixedFrom: remixedFrom,
            createdAt: Int(Date().timeIntervalSince1970),
            started: .now,
            generationTime: configuration.videoGenerationTime,
            failAtProgress: context.fault?.failAfterEvents.map { min($0, 100) }
        )
        state.videos.insert(video)
        return SimulatorHTTP.json(video.json(at: video.started))
    }

    private func video(_ context: SimulatorRequestContext) throws -> SimulatedVideo {
        let id = try context.parameters.require("id")
        guard let video = state.videos.video(id: id) else { throw SimulatorAPIError.videoNotFound(id) }
        return video
    }

    private func completedVideo(_ context: SimulatorRequestContext) throws -> SimulatedVideo {
        try Self.completed(try video(context))
    }

    /// The video a `video: {id}` (or form field `video[id]`) names; `nil` when a video file was uploaded instead.
    private func sourceVideo(_ fields: VideoFields) throws -> SimulatedVideo? {
        let id = try fields.object("video")?["id"]?.stringValue ?? fields.form?.value("video[id]")
        guard let id else {
            if fields.form?.files.contains(where: { $0.name == "video" && $0.bytes > 0 }) == true { return nil }
            throw SimulatorAPIError.missingParameter("video")
        }
        guard let video = state.videos.video(id: id) else { throw SimulatorAPIError.videoNotFound(id) }
        return try Self.completed(video)
    }

    private static func completed(_ video: SimulatedVideo) throws -> SimulatedVideo {
        let status = video.state(at: .now).status
        guard status == .completed else {
            throw SimulatorAPIError.invalidRequest(
                "Video '\(video.id)' is not completed (its status is '\(status.rawValue)'); only completed videos can be used.",
                param: "video_id",
                code: "invalid_video_state"
            )
        }
        return video
    }

    private static func prompt(_ fields: VideoFields) throws -> String {
        guard let prompt = try fields.string("prompt"), !prompt.isEmpty else { throw SimulatorAPIError.missingParameter("prompt") }
        guard prompt.count <= maxPromptLength else {
            throw SimulatorAPIError.invalidRequest(
                "Invalid 'prompt': string too long. Expected a string with maximum length \(maxPromptLength), but got a string with length \(prompt.count) instead.",
                param: "prompt",
                code: "string_above_max_length"
            )
        }
        return prompt
    }
}

/// The fields of a videos request, from a JSON body or a multipart form (whose values are all text).
struct VideoFields: Sendable {
    var json: RequestFields?
    var form: MultipartForm?

    static func read(_ request: Request, files: Set<String>) async throws -> VideoFields {
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true {
            return VideoFields(form: try await MultipartForm.read(request, fileField: "", fileDestination: nil, countedFiles: files))
        }
        var request = request
        return VideoFields(json: try RequestFields(try await SimulatorHTTP.jsonBody(&request, limit: 1 << 20)))
    }

    func string(_ key: String) throws(SimulatorAPIError) -> String? {
        if let json { return try json.string(key) }
        return form?.value(key)
    }

    /// A JSON object member; in a form, its `key[member]` fields.
    func object(_ key: String) throws(SimulatorAPIError) -> JSONObject? {
        if let json { return try json.object(key) }
        let prefix = key + "["
        let members = (form?.fields ?? []).filter { $0.name.hasPrefix(prefix) && $0.name.hasSuffix("]") }
        guard !members.isEmpty else { return nil }
        return JSONObject(members.map { (String($0.name.dropFirst(prefix.count).dropLast()), JSONValue.string($0.value)) })
    }
}

extension SimulatorAPIError {
    static func videoNotFound(_ id: String) -> SimulatorAPIError {
        SimulatorAPIError(status: 404, message: "Video with id '\(id)' not found.", type: "invalid_request_error", param: nil, code: nil)
    }
}
