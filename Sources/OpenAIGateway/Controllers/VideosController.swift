import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import OpenAIClient

/// `/api/videos`: create (JSON or multipart with an `input_reference` image), retrieve, poll until done,
/// download every variant (streamed), list (array body + `Link`), delete, remix, and the spec's edits,
/// extensions and characters.
///
/// Cost: a job's price (per second, from the catalogue) is logged when it is created, as an estimate
/// (`cost_note: "estimate"`), and billed on the poll that sees it complete.
struct VideosController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration
    let catalogue: ModelCatalogue

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: create)
        group.get(use: list)
        group.post("edits", use: edit)
        group.post("extensions", use: extend)
        group.post("characters", use: createCharacter)
        group.get("characters/:id", use: character)
        group.get(":id", use: retrieve)
        group.delete(":id", use: delete)
        group.get(":id/poll", use: poll)
        group.get(":id/download", use: download)
        group.post(":id/remix", use: remix)
    }

    /// The downloadable assets, their default media types (the spec's) and file extensions.
    enum Variant: String, CaseIterable, Sendable {
        case video, thumbnail, spritesheet

        var defaultContentType: String {
            switch self {
            case .video: "video/mp4"
            case .thumbnail: "image/webp"
            case .spritesheet: "image/jpeg"
            }
        }

        var fileExtension: String {
            switch self {
            case .video: "mp4"
            case .thumbnail: "webp"
            case .spritesheet: "jpg"
            }
        }
    }

    // MARK: - Jobs

    /// `POST /api/videos` → 201 Video. JSON `{prompt, model, seconds, size, input_reference}`, or multipart
    /// with the same fields and an `input_reference` image part (streamed upstream).
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        if request.isMultipartForm { return try await createMultipart(request, context: context) }
        let body = try await jsonObject(request, example: "{\"prompt\": \"A calico cat playing a piano on stage\", \"seconds\": \"8\"}")
        let (upstream, job, problems) = VideoRules.create(body, catalogue: catalogue)
        guard let job, problems.isEmpty else { throw GatewayError.validation(problems) }
        try refuseRetired(job.model)
        let response = try await client.videos.create(.json(.object(upstream)))
        return try answer(response, status: .created, job: job, context: context)
    }

    private func createMultipart(_ request: Request, context: Context) async throws -> Response {
        let catalogue = self.catalogue
        let reference = FilePartRule(
            name: "input_reference",
            required: false,
            limit: { _ in (VideoRules.maxReferenceBytes, Self.tooLarge("input_reference", limit: VideoRules.maxReferenceBytes)) },
            validate: { file, _, _ in VideoRules.referenceImageProblems(file) }
        )
        var policy = MultipartUploadPolicy(
            files: [reference],
            absoluteFileLimit: VideoRules.maxReferenceBytes,
            validateFields: { fields, complete in
                VideoRules.formProblems(fields, complete: complete) { VideoRules.createForm($0, catalogue: catalogue) }
            },
            upstreamField: VideoRules.upstreamField
        )
        policy.refuse = retiredModelRefusal()
        let client = self.client
        let upload = try await MultipartUpload.forward(request, policy: policy) { body in try await client.videos.create(body) }
        let (response, fields, file) = (upload.result, upload.fields, upload.files.first)
        let object = fields.jsonObject
        let info = catalogue.model(object["model"]?.stringValue ?? VideoRules.defaultModel)
        let job = VideoRules.Job(
            model: object["model"]?.stringValue ?? VideoRules.defaultModel,
            seconds: object["seconds"]?.stringValue.map(VideoRules.normalisedSeconds) ?? info?.string("default_seconds") ?? "4",
            size: object["size"]?.stringValue ?? info?.string("default_size")
        )
        context.call.annotate { record in
            record.bytesIn = upload.requestBytes
            if let file {
                record.extra["input_reference_bytes"] = .int(Int64(file.bytes))
                record.extra["input_reference_filename"] = JSONValue(file.filename)
            }
        }
        return try answer(response, status: .created, job: job, context: context)
    }

    /// `GET /api/videos/:id` → 200 Video.
    @Sendable func retrieve(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        return context.call.json(try await client.videos.retrieve(id: id), status: .ok, describe: Self.videoFields)
    }

    /// `DELETE /api/videos/:id` → 200 `{id, object: "video.deleted", deleted}`.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        return context.call.json(try await client.videos.delete(id: id), status: .ok) {
            ["video_id": $0["id"] ?? .null, "deleted": $0["deleted"] ?? .null]
        }
    }

    /// `GET /api/videos?limit=&order=&after=` → 200 with the page's `data` array, and
    /// `Link: </api/videos?...&after=...>; rel="next"` when the upstream has more.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = try ListQuery(request, rules: ListQuery.Rules(endpoint: "GET /api/videos"))
        let response = try await client.videos.list(query: query.upstream)
        return try context.call.listPage(response, query: query)
    }

    /// `POST /api/videos/:id/remix` `{prompt}` → 201 the new Video (`remixed_from_video_id` set).
    @Sendable func remix(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        let body = try await jsonObject(request, example: "{\"prompt\": \"The same scene at night\"}")
        let problems = VideoRules.remix(body)
        guard problems.isEmpty else { throw GatewayError.validation(problems) }
        // The source's model is not known without asking the upstream: a body's own `model`, else the default.
        try refuseRetired(body["model"]?.stringValue ?? VideoRules.defaultModel)
        context.call.annotate { $0.extra["source_video_id"] = .string(id) }
        let response = try await client.videos.remix(id: id, body: .object(body))
        return try answer(response, status: .created, job: nil, context: context)
    }

    /// `POST /api/videos/edits` → 201 Video. JSON `{video: {id}, prompt}`, or multipart with a `video`
    /// upload (or `video[id]`) and `prompt`.
    @Sendable func edit(_ request: Request, context: Context) async throws -> Response {
        try await source(request, context: context, extending: false)
    }

    /// `POST /api/videos/extensions` → 201 Video. JSON `{video: {id}, prompt, seconds}`, or multipart.
    /// `seconds` is the new segment's length; the answer's `seconds` is the stitched total.
    @Sendable func extend(_ request: Request, context: Context) async throws -> Response {
        try await source(request, context: context, extending: true)
    }

    private func source(_ request: Request, context: Context, extending: Bool) async throws -> Response {
        let client = self.client
        let send: @Sendable (OpenAIRequest.Body) async throws -> OpenAIResponse = { body in
            extending ? try await client.videos.extend(body) : try await client.videos.edit(body)
        }
        let seconds: String?
        let response: OpenAIResponse
        if request.isMultipartForm {
            let catalogue = self.catalogue
            let fileSeen = NIOLockedValueBox(false)
            let video = FilePartRule(
                name: "video",
                required: false,
                limit: { _ in (VideoRules.maxVideoUploadBytes, Self.tooLarge("video", limit: VideoRules.maxVideoUploadBytes)) },
                validate: { _, _, _ in
                    fileSeen.withLockedValue { $0 = true }
                    return []
                }
            )
            var policy = MultipartUploadPolicy(
                files: [video],
                absoluteFileLimit: VideoRules.maxVideoUploadBytes,
                validateFields: { fields, complete in
                    let hasFile = fileSeen.withLockedValue { $0 }
                    return VideoRules.formProblems(fields, complete: complete) {
                        VideoRules.sourceForm($0, hasFile: hasFile || !complete, extending: extending, catalogue: catalogue)
                    }
                },
                upstreamField: VideoRules.upstreamField
            )
            policy.refuse = retiredModelRefusal()
            let upload = try await MultipartUpload.forward(request, policy: policy, send: send)
            let (result, fields) = (upload.result, upload.fields)
            context.call.annotate { record in
                record.bytesIn = upload.requestBytes
                if let file = upload.files.first { record.extra["video_upload_bytes"] = .int(Int64(file.bytes)) }
                if let id = fields["video[id]"] { record.extra["source_video_id"] = .string(id) }
            }
            (response, seconds) = (result, fields["seconds"].map(VideoRules.normalisedSeconds))
        } else {
            let body = try await jsonObject(request, example: "{\"video\": {\"id\": \"video_123\"}, \"prompt\": \"Add a sunset\"}")
            var upstream = body
            var problems: [ValidationProblem]
            if extending {
                let checked = VideoRules.extend(body, catalogue: catalogue)
                (upstream, seconds, problems) = (checked.body, checked.seconds, checked.problems)
            } else {
                (seconds, problems) = (nil, VideoRules.edit(body))
            }
            guard problems.isEmpty else { throw GatewayError.validation(problems) }
            try refuseRetired(body["model"]?.stringValue ?? VideoRules.defaultModel)
            context.call.annotate { $0.extra["source_video_id"] = JSONValue(body["video"]?["id"]?.stringValue) }
            response = try await send(.json(.object(upstream)))
        }
        // An extension bills its new segment; an edit, the clip it makes.
        let job = seconds.map { VideoRules.Job(model: VideoRules.defaultModel, seconds: $0, size: nil) }
        return try answer(response, status: .created, job: job, billingAnswerLength: !extending, context: context)
    }

    // MARK: - Poll

    /// `GET /api/videos/:id/poll?maxWaitMs=N` (default `VIDEO_GENERATION_TIMEOUT`, at most one hour): waits
    /// until the video is `completed` or `failed`, with the reference app's backoff (5 s, +5 s, at most 20 s),
    /// then 200 with the Video; past the deadline 504 `poll_timeout`. Each retrieve has the normal retries;
    /// the poll itself is never repeated. A client that disconnects stops it at once.
    @Sendable func poll(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        let maxWait = try Polling.maxWait(request, parameter: "maxWaitMs", default: configuration.videoGenerationTimeout)
        context.call.annotate { $0.objectID = id }
        let client = self.client
        let sawUnfinished = NIOLockedValueBox(false)
        let response = try await Polling.until(
            maxWait: maxWait,
            backoff: configuration.pollBackoff,
            context: context,
            againHint:
                "The video is still being generated: poll again with GET /api/videos/\(id)/poll?maxWaitMs=\(Int(maxWait.seconds * 1000)) "
                + "(at most 3600000), or check its progress with GET /api/videos/\(id).",
            retrieve: { try await client.videos.retrieve(id: id) },
            isFinal: { json in
                let final = Self.isFinal(json)
                if !final { sawUnfinished.withLockedValue { $0 = true } }
                return final
            }
        )
        let json = try response.json()
        // The poll that watched the job complete bills it; one that finds it already done only reports it.
        let completes = json["status"]?.stringValue == "completed" && sawUnfinished.withLockedValue { $0 }
        if completes, let seconds = json["seconds"]?.stringValue.flatMap(Double.init) {
            context.call.annotate { $0.units = .videoSeconds(seconds, size: json["size"]?.stringValue) }
        }
        return context.call.json(response, status: .ok, usage: completes ? .billed : .reference, describe: Self.videoFields)
    }

    static func isFinal(_ json: JSONValue) -> Bool {
        let status = json["status"]?.stringValue
        return status == "completed" || status == "failed"
    }

    // MARK: - Download

    /// `GET /api/videos/:id/download?variant=video|thumbnail|spritesheet` → 200 with the asset streamed from
    /// the upstream. The video's status is read first: one that is not completed is a 409 (poll first)
    /// instead of an opaque upstream error.
    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        let variantName = request.uri.queryParameters.get("variant").map { String($0) } ?? Variant.video.rawValue
        guard let variant = Variant(rawValue: variantName) else {
            let list = Variant.allCases.map(\.rawValue).joined(separator: ", ")
            throw GatewayError.validation([
                ValidationProblem(
                    parameter: "variant",
                    message: "variant must be one of: \(list)",
                    hint: "Use variant=video (the MP4, the default), thumbnail (a WebP image) or spritesheet (a JPEG) (got \"\(variantName)\")."
                )
            ])
        }
        let metadataResponse = try await client.videos.retrieve(id: id)
        let object = try? metadataResponse.json()
        context.call.annotate { record in
            record.objectID = id
            record.model = object?["model"]?.stringValue
            for (key, value) in Self.videoFields(object ?? .null) { record.extra[key] = value }
            record.extra["variant"] = .string(variant.rawValue)
        }
        guard let status = object?["status"]?.stringValue else {
            context.call.upstream(metadataResponse.metadata)
            throw GatewayError(
                upstream: OpenAIError(
                    kind: .invalidResponse,
                    status: metadataResponse.metadata.status,
                    message: "The upstream video has no status",
                    requestID: metadataResponse.metadata.requestID,
                    attempts: metadataResponse.metadata.attempts
                )
            )
        }
        guard status == "completed" else {
            context.call.upstream(metadataResponse.metadata)
            var error = GatewayError(
                code: "video_not_ready",
                message: "Video \(id) cannot be downloaded yet: its status is \"\(status)\"",
                parameter: "id"
            )
            if status == "failed" {
                let reason = object?["error"]?["message"]?.stringValue.map { " (\($0))" } ?? ""
                error.hint = "The video failed\(reason); create it again with POST /api/videos."
            } else {
                error.hint = "Wait until it is completed with GET /api/videos/\(id)/poll, then download it."
            }
            error.requestID = metadataResponse.metadata.requestID
            throw error
        }
        let (metadata, body) = try await client.videos.content(id: id, variant: variant.rawValue)
        let headers: HTTPFields = [
            .contentType: metadata.headers.first(name: "content-type") ?? variant.defaultContentType,
            .contentDisposition: ContentDisposition.attachment(filename: "\(id).\(variant.fileExtension)", defaultName: "video"),
        ]
        return context.call.bytes(metadata, body: body, headers: headers)
    }

    // MARK: - Characters

    /// `POST /api/videos/characters` (multipart `video` upload and `name`, 1–80 characters) → 201 Character.
    @Sendable func createCharacter(_ request: Request, context: Context) async throws -> Response {
        let policy = MultipartUploadPolicy(
            fileField: "video",
            absoluteFileLimit: VideoRules.maxVideoUploadBytes,
            validateFields: { fields, complete in VideoRules.formProblems(fields, complete: complete, check: VideoRules.characterForm) },
            fileLimit: { _ in (VideoRules.maxVideoUploadBytes, Self.tooLarge("video", limit: VideoRules.maxVideoUploadBytes)) }
        )
        let client = self.client
        let upload = try await MultipartUpload.forward(request, policy: policy) { body in
            try await client.videos.createCharacter(body)
        }
        context.call.annotate { record in
            record.bytesIn = upload.requestBytes
            record.extra["name"] = JSONValue(upload.fields["name"])
            record.extra["video_upload_bytes"] = .int(Int64(upload.file.bytes))
        }
        return context.call.json(upload.result, status: .created) { ["character_id": $0["id"] ?? .null] }
    }

    /// `GET /api/videos/characters/:id` → 200 Character.
    @Sendable func character(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.id("id")
        return context.call.json(try await client.videos.character(id: id), status: .ok) {
            ["character_id": $0["id"] ?? .null, "name": $0["name"] ?? .null]
        }
    }

    // MARK: - Helpers

    /// A job's answer: the Video as the upstream sent it, its price logged as an estimate.
    /// - Parameters:
    ///   - job: what the request asked for; `nil` (a remix) prices the answer's own length and size.
    ///   - billingAnswerLength: price the answer's `seconds` rather than the request's (not for extensions,
    ///     whose answer gives the stitched total).
    private func answer(
        _ response: OpenAIResponse,
        status: HTTPResponse.Status,
        job: VideoRules.Job?,
        billingAnswerLength: Bool = true,
        context: Context
    ) throws -> Response {
        let json = try? response.json()
        let answerSeconds = billingAnswerLength ? json?["seconds"]?.stringValue.flatMap(Double.init) : nil
        let seconds = answerSeconds ?? job.flatMap { Double($0.seconds) }
        let size = json?["size"]?.stringValue ?? job?.size
        context.call.annotate { record in
            record.model = json?["model"]?.stringValue ?? job?.model
            if let seconds { record.units = .videoSeconds(seconds, size: size) }
        }
        return context.call.json(response, status: status, usage: .estimate, describe: Self.videoFields)
    }

    /// The multipart form's refusal of a retired model (``ModelRetirement/formRefusal``).
    private func retiredModelRefusal() -> @Sendable (FormFields, Bool) -> GatewayError? {
        let (catalogue, baseURL) = (catalogue, configuration.baseURL)
        return ModelRetirement.formRefusal(
            defaultModel: VideoRules.defaultModel,
            candidates: VideoRules.models(catalogue).map(\.name),
            catalogue: catalogue,
            baseURL: baseURL
        ) { _, requested in
            Self.retirement(requested, catalogue: catalogue, baseURL: baseURL) ?? GatewayError(code: "model_retired", parameter: "model")
        }
    }

    private func refuseRetired(_ model: String) throws(GatewayError) {
        if let error = Self.retirement(model, catalogue: catalogue, baseURL: configuration.baseURL) { throw error }
    }

    /// 410 `model_retired` when `model` is retired and the upstream is OpenAI; the hint says where a
    /// retired video model is still served when the catalogue names no replacement.
    static func retirement(_ model: String, catalogue: ModelCatalogue, baseURL: String) -> GatewayError? {
        guard let info = ModelRetirement.retired(model, catalogue: catalogue, baseURL: baseURL) else { return nil }
        let available = VideoRules.models(catalogue).filter { !$0.isRetired() }.map(\.name)
        var error = ModelRetirement.error(info, requested: model, status: .gone, alternatives: available)
        if info.lifecycle.replacement == nil, available.isEmpty {
            error.hint =
                "OpenAI no longer serves \(info.name). Point OPENAI_BASE_URL at an OpenAI-compatible upstream that still serves it, "
                + "or run the gateway with --simulator."
        }
        return error
    }

    private func jsonObject(_ request: Request, example: String) async throws -> JSONObject {
        var request = request
        return try await request.decodeJSONObjectBody(limit: configuration.maxBodySize, example: example)
    }

    static func tooLarge(_ part: String, limit: Int) -> GatewayError {
        var error = GatewayError(code: "payload_too_large", message: "\(part) is larger than \(limit / 1_048_576) MB", parameter: part)
        error.hint = "Send a smaller \(part) (at most \(limit / 1_048_576) MB)."
        return error
    }

    /// The video members logged for every call: id, status (`video_status`: `status` is the HTTP status),
    /// progress, seconds, size, times, remix source, error.
    @Sendable static func videoFields(_ json: JSONValue) -> JSONObject {
        var fields: JSONObject = [
            "video_id": JSONValue(json["id"]?.stringValue), "video_status": JSONValue(json["status"]?.stringValue),
            "progress": JSONValue(json["progress"]?.intValue), "seconds": JSONValue(json["seconds"]?.stringValue),
            "size": JSONValue(json["size"]?.stringValue), "created_at": JSONValue(json["created_at"]?.intValue),
            "completed_at": JSONValue(json["completed_at"]?.intValue), "expires_at": JSONValue(json["expires_at"]?.intValue),
            "remixed_from_video_id": JSONValue(json["remixed_from_video_id"]?.stringValue),
        ]
        if let created = json["created_at"]?.intValue, let completed = json["completed_at"]?.intValue {
            fields["generation_time_ms"] = .int(Int64(completed - created) * 1000)
        }
        if json["status"]?.stringValue == "failed" {
            fields["error_code"] = JSONValue(json["error"]?["code"]?.stringValue)
            fields["error_message"] = JSONValue(json["error"]?["message"]?.stringValue)
        }
        return fields
    }
}
