import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIClient

/// `/api/images`: generate (JSON), edit and variations (multipart, streamed upstream as the parts
/// arrive), each answered with the upstream's JSON, or relayed event by event with `stream: true`
/// (GPT Image models). Every rule comes from the model catalogue (``ImageRules``); retired models are
/// refused without an upstream call when the upstream is api.openai.com (``ModelRetirement``).
struct ImagesController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration
    let catalogue: ModelCatalogue

    /// Largest JSON answer of an edit or variation the gateway collects (ten large base64 images fit).
    static let maxAnswerBytes = 64 * 1024 * 1024

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("generate", use: generate)
        group.post("edit", use: edit)
        group.post("variations", use: variations)
    }

    // MARK: - Handlers

    /// `POST /api/images/generate` → 200 `{created, data: [...], usage?}`, or an SSE stream with `stream: true`.
    @Sendable func generate(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let object = try await request.decodeJSONObjectBody(limit: configuration.maxBodySize, example: #"{"prompt": "a red fox in snow"}"#)
        let defaultModel = ImageRules.defaultModel(.generation, catalogue: catalogue, configured: configuration.defaultImageModel)
        let (problems, model) = ImageRules.validate(object, operation: .generation, catalogue: catalogue, defaultModel: defaultModel)
        guard problems.isEmpty else { throw GatewayError.validation(problems) }
        let body = ImageRules.upstreamBody(object, model: model, defaultModel: defaultModel)
        if let refusal = retirement(body["model"]?.stringValue) { throw refusal }
        annotate(context, fields: body, model: model, operation: .generation)
        guard body["stream"]?.boolValue == true else {
            return context.call.json(try await client.images.generate(body), status: .ok, usage: .billed, describe: Self.describe)
        }
        let opened = try await client.images.open(.generations, body: .json(.object(body)))
        return try await answer(opened, count: body["n"]?.intValue ?? 1, request: request, context: context)
    }

    /// `POST /api/images/edit` (multipart: `image` or `image[]` up to the model's limit, optional `mask`).
    @Sendable func edit(_ request: Request, context: Context) async throws -> Response {
        try await upload(request, operation: .edit, context: context)
    }

    /// `POST /api/images/variations` (multipart `image`; the models with variations: dall-e-2).
    @Sendable func variations(_ request: Request, context: Context) async throws -> Response {
        try await upload(request, operation: .variation, context: context)
    }

    // MARK: - Helpers

    private func upload(_ request: Request, operation: ImageRules.Operation, context: Context) async throws -> Response {
        let defaultModel = ImageRules.defaultModel(operation, catalogue: catalogue, configured: configuration.defaultImageModel)
        var policy = ImageRules.uploadPolicy(operation, catalogue: catalogue, defaultModel: defaultModel)
        let controller = self
        policy.refuse = ModelRetirement.formRefusal(
            defaultModel: defaultModel,
            candidates: ImageRules.models(operation, catalogue: catalogue).map(\.name),
            catalogue: catalogue,
            baseURL: configuration.baseURL
        ) { _, requested in controller.retirement(requested) ?? GatewayError(code: "model_retired", parameter: "model") }
        let images = client.images
        let endpoint: ImagesResource.Endpoint = operation == .edit ? .edits : .variations
        let upload = try await MultipartUpload.forward(request, policy: policy) { body in
            try await images.open(endpoint, body: body)
        }
        let fields = upload.fields.jsonObject
        let model = catalogue.model(upload.fields["model"] ?? defaultModel)
        annotate(context, fields: fields, model: model, operation: operation)
        context.call.annotate { record in
            record.model = record.model ?? defaultModel
            record.bytesIn = upload.requestBytes
            let images = upload.files.filter { $0.rule == "image" }
            let mask = upload.files.first { $0.rule == "mask" }
            record.extra["input_images"] = .int(Int64(images.count))
            record.extra["input_image_bytes"] = .int(Int64(images.reduce(0) { $0 + $1.bytes }))
            record.extra["has_mask"] = .bool(mask != nil)
            if let mask { record.extra["mask_size_bytes"] = .int(Int64(mask.bytes)) }
        }
        let count = upload.fields["n"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 1
        return try await answer(upload.result, count: count, request: request, context: context)
    }

    /// The upstream's answer: relayed event by event when it is a stream, else its JSON collected.
    private func answer(
        _ opened: (metadata: OpenAIResponseMetadata, body: UpstreamBody),
        count: Int,
        request: Request,
        context: Context
    ) async throws -> Response {
        context.call.upstream(opened.metadata)
        if opened.metadata.isEventStream {
            let relay = SSERelay(
                status: .ok,
                events: opened.body.serverSentEvents(maxEventBytes: configuration.maxEventBytes),
                policy: TypedEventRelayPolicy(kind: .images(count)),
                keepAliveInterval: configuration.keepAliveInterval,
                path: request.uri.description,
                call: context.call,
                logger: context.logger
            )
            return relay.response(channel: context.channel)
        }
        let response = try await opened.body.collectAnswer(upTo: Self.maxAnswerBytes, metadata: opened.metadata)
        return context.call.json(response, status: .ok, usage: .billed, describe: Self.describe)
    }

    /// The `model_retired` refusal for `model` when the upstream is api.openai.com.
    func retirement(_ model: String?) -> GatewayError? {
        guard let model, let info = ModelRetirement.retired(model, catalogue: catalogue, baseURL: configuration.baseURL) else { return nil }
        let current = catalogue.models(kind: .image, availableOn: Date()).map(\.name)
        return ModelRetirement.error(info, requested: model, status: .badRequest, alternatives: current)
    }

    /// Model, billing units (images by size and quality, the model's defaults for `auto`) and the request's options.
    private func annotate(_ context: Context, fields: JSONObject, model: ModelInfo?, operation: ImageRules.Operation) {
        let count = fields["n"].flatMap { $0.intValue ?? $0.stringValue.flatMap { Int($0) } } ?? 1
        let size = fields["size"]?.stringValue
        let quality = fields["quality"]?.stringValue
        context.call.annotate { record in
            record.model = model?.name ?? fields["model"]?.stringValue
            record.usageRole = .billed
            record.units = .images([BillableUnits.ImageUnit(size: size, quality: quality, count: count)])
            record.extra["operation"] = .string(operation.rawValue)
            record.extra["n"] = .int(Int64(count))
            record.extra["size"] = JSONValue(size ?? "auto")
            record.extra["quality"] = JSONValue(quality ?? "auto")
            record.extra["stream"] = .bool(fields["stream"]?.boolValue == true || fields["stream"]?.stringValue == "true")
        }
    }

    /// What the log keeps of an answer: images, their decoded bytes, revised prompts; never the base64.
    @Sendable static func describe(_ json: JSONValue) -> JSONObject {
        let data = json["data"]?.arrayValue ?? []
        let bytes = data.reduce(0) { total, image in total + (image["b64_json"]?.stringValue.map { $0.utf8.count / 4 * 3 } ?? 0) }
        return [
            "images_generated": .int(Int64(data.count)),
            "image_size_bytes": .int(Int64(bytes)),
            "has_revised_prompt": .bool(data.contains { $0["revised_prompt"]?.stringValue != nil }),
            "output_format": json["output_format"] ?? .null,
            "background": json["background"] ?? .null,
            "result_size": json["size"] ?? .null,
            "result_quality": json["quality"] ?? .null,
        ]
    }
}
