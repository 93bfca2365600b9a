import Foundation
import Hummingbird
import NIOCore
import OpenAIClient

/// The Images API: generations (JSON, and `stream: true` for the GPT image models), edits and
/// variations (multipart, read as it arrives), and the simulator's own image URLs.
struct ImagesController: Sendable {
    let configuration: SimulatorConfiguration
    let state: SimulatorState

    /// Where `response_format: "url"` images are served, under `/v1`.
    static let imageRoute = "__simulator/images"

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("images/generations", use: generate)
        group.post("images/edits", use: edit)
        group.post("images/variations", use: variation)
        group.get("\(Self.imageRoute)/:name", use: image)
    }

    @Sendable func generate(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let fields = ImageFields(json: try RequestFields(try await SimulatorHTTP.jsonBody(&request, limit: 1 << 20)))
        let job = try ImageJob.parse(fields, kind: .generation, inputs: [])
        return try answer(job, request: request, context: context)
    }

    @Sendable func edit(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        // The images are only counted, hashed and sniffed: their bytes are never kept.
        let form = try await MultipartForm.read(request, fileDestination: nil, countedFiles: ["image", "image[]", "mask"])
        let job = try ImageJob.parse(ImageFields(form: form), kind: .edit, inputs: form.files)
        return try answer(job, request: request, context: context)
    }

    @Sendable func variation(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let form = try await MultipartForm.read(request, fileDestination: nil, countedFiles: ["image"])
        let job = try ImageJob.parse(ImageFields(form: form), kind: .variation, inputs: form.files)
        return try answer(job, request: request, context: context)
    }

    /// `GET /v1/__simulator/images/img-<seed>-<width>x<height>.<format>`: the bytes an image URL points to, made again from its seed.
    @Sendable func image(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard let image = SimulatedImage(fileName: name) else {
            throw SimulatorAPIError(status: 404, message: "No such image: \(name)", type: "invalid_request_error", param: nil, code: nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: image.format.contentType, .cacheControl: "public, max-age=3600"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: image.bytes))
        )
    }

    private func answer(_ job: ImageJob, request: Request, context: SimulatorRequestContext) throws -> Response {
        guard job.stream else {
            let authority = request.head.authority ?? "\(configuration.host):\(configuration.port)"
            return SimulatorHTTP.json(job.response(urlBase: "http://\(authority)/v1/\(Self.imageRoute)/"))
        }
        let fault = context.fault
        return EventStream.response(
            request: request,
            source: .frames(
                job.streamEvents(fault: fault).map(SimulatorHTTP.frame),
                delay: fault?.eventDelayMs.map { Duration.milliseconds($0) } ?? configuration.eventDelay
            ),
            state: state,
            dropAfterEvents: fault?.dropAfterEvents
        )
    }
}

/// The fields of an images request, from a JSON body (generations) or a form (edits, variations,
/// whose values are all text: `n=2`, `stream=true`).
struct ImageFields: Sendable {
    var json: RequestFields?
    var form: MultipartForm?

    init(json: RequestFields) {
        self.json = json
    }

    init(form: MultipartForm) {
        self.form = form
    }

    func string(_ key: String) throws(SimulatorAPIError) -> String? {
        if let json { return try json.string(key) }
        return form?.value(key)
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(SimulatorAPIError) -> Int? {
        if let json { return try json.int(key, in: range) }
        guard let text = form?.value(key) else { return nil }
        guard let value = Int(text) else { throw SimulatorAPIError.invalidType(key, expected: "an integer", got: .string(text)) }
        // The same range errors as a JSON body.
        return try RequestFields(JSONObject([(key, JSONValue(value))])).int(key, in: range)
    }

    func bool(_ key: String) throws(SimulatorAPIError) -> Bool? {
        if let json { return try json.bool(key) }
        guard let text = form?.value(key) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw SimulatorAPIError.invalidType(key, expected: "a boolean", got: .string(text))
        }
    }
}

/// One validated images request and the deterministic answer to it.
struct ImageJob: Sendable {
    enum Kind: Sendable {
        case generation, edit, variation

        /// The prefix of its stream events' types.
        var eventPrefix: String { self == .edit ? "image_edit" : "image_generation" }
    }

    enum Family: Sendable {
        case gptImage, dallE2, dallE3

        init?(model: String) {
            if model.hasPrefix("gpt-image") || model.hasPrefix("chatgpt-image") {
                self = .gptImage
            } else if model == "dall-e-2" {
                self = .dallE2
            } else if model == "dall-e-3" {
                self = .dallE3
            } else {
                return nil
            }
        }

        var sizes: [String] {
            switch self {
            case .gptImage: return ["1024x1024", "1536x1024", "1024x1536", "auto"]
            case .dallE2: return ["256x256", "512x512", "1024x1024"]
            case .dallE3: return ["1024x1024", "1792x1024", "1024x1792"]
            }
        }

        /// gpt-image-2 also takes any `WIDTHxHEIGHT` whose sides are multiples of 16, with an aspect
        /// ratio within 1:3...3:1, a long edge of at most 3840 and at most 3840×2160 pixels.
        static func isCustomSize(_ size: String, model: String) -> Bool {
            guard model.hasPrefix("gpt-image-2"), let (width, height) = SimulatedImage.dimensions(size) else { return false }
            return width % 16 == 0 && height % 16 == 0 && max(width, height) <= 3 * min(width, height) && max(width, height) <= 3840
                && width * height <= 3840 * 2160
        }

        var qualities: [String] {
            switch self {
            case .gptImage: return ["low", "medium", "high", "auto"]
            case .dallE2: return ["standard", "auto"]
            case .dallE3: return ["standard", "hd", "auto"]
            }
        }

        var maxPromptLength: Int {
            switch self {
            case .gptImage: return 32_000
            case .dallE2: return 1000
            case .dallE3: return 4000
            }
        }
    }

    static let defaultModel = "gpt-image-1"
    static let editModels = ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "dall-e-2"]
    static let generationModels = ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "dall-e-2", "dall-e-3"]
    /// Image tokens counted per input image of an edit.
    static let inputImageTokens = 323
    /// Extra output tokens per partial image, as OpenAI bills them.
    static let partialImageTokens = 100

    var kind: Kind
    var model: String
    var family: Family
    var prompt: String
    var n: Int
    /// Resolved: `auto` is 1024x1024.
    var size: String
    /// Resolved: `auto` is `medium` (GPT image) or `standard` (DALL·E).
    var quality: String
    var transparent: Bool
    var format: SimulatedImage.Format
    var b64: Bool
    var stream: Bool
    var partialImages: Int
    var inputs: [MultipartForm.File]
    let created = Int(Date().timeIntervalSince1970)

    static func parse(_ fields: ImageFields, kind: Kind, inputs: [MultipartForm.File]) throws(SimulatorAPIError) -> ImageJob {
        let model = try fields.string("model") ?? (kind == .variation ? "dall-e-2" : defaultModel)
        if kind == .variation, model != "dall-e-2" {
            throw .invalidRequest("Invalid value: '\(model)'. Value must be 'dall-e-2'.", param: "model", code: "invalid_value")
        }
        let allowed = kind == .edit ? editModels : generationModels
        guard let family = Family(model: model), kind != .edit || family != .dallE3 else {
            throw SimulatorAPIError.invalidValue(param: "model", got: model, allowed: allowed)
        }

        var prompt = ""
        if kind != .variation {
            prompt = try fields.string("prompt") ?? ""
            guard !prompt.isEmpty else { throw SimulatorAPIError.missingParameter("prompt") }
            guard prompt.count <= family.maxPromptLength else {
                throw .invalidRequest(
                    "Invalid 'prompt': string too long. Expected a string with maximum length \(family.maxPromptLength), but got a string with length \(prompt.count) instead.",
                    param: "prompt",
                    code: "string_above_max_length"
                )
            }
        }

        let images = try Self.images(inputs, kind: kind, family: family)

        let n = try fields.int("n", in: family == .dallE3 ? 1...1 : 1...10) ?? 1
        let defaultSize = family == .gptImage && kind == .generation ? "auto" : "1024x1024"
        let size = try fields.string("size") ?? defaultSize
        guard family.sizes.contains(size) || Family.isCustomSize(size, model: model) else {
            throw SimulatorAPIError.invalidValue(param: "size", got: size, allowed: family.sizes)
        }
        var quality = "auto"
        if kind != .variation {
            quality = try fields.string("quality") ?? "auto"
            guard family.qualities.contains(quality) else {
                throw SimulatorAPIError.invalidValue(param: "quality", got: quality, allowed: family.qualities)
            }
        }
        let responseFormat = try fields.string("response_format") ?? (family == .gptImage ? "b64_json" : "url")
        guard responseFormat == "url" || responseFormat == "b64_json" else {
            throw SimulatorAPIError.invalidValue(param: "response_format", got: responseFormat, allowed: ["url", "b64_json"])
        }
        let formatName = try fields.string("output_format") ?? "png"
        guard let format = SimulatedImage.Format(rawValue: formatName) else {
            throw SimulatorAPIError.invalidValue(param: "output_format", got: formatName, allowed: SimulatedImage.Format.allCases.map(\.rawValue))
        }
        let background = try fields.string("background") ?? "auto"
        guard ["transparent", "opaque", "auto"].contains(background) else {
            throw SimulatorAPIError.invalidValue(param: "background", got: background, allowed: ["transparent", "opaque", "auto"])
        }
        if family == .gptImage, background == "transparent", format == .jpeg {
            throw .invalidRequest("Transparent background is not supported for the jpeg output format.", param: "background", code: "invalid_value")
        }
        let stream = kind == .variation ? false : try fields.bool("stream") ?? false
        if stream, family != .gptImage {
            throw .invalidRequest("Streaming is not supported for the \(model) model.", param: "stream", code: "unsupported_value")
        }
        let partialImages = try fields.int("partial_images", in: 0...3) ?? 0

        let gpt = family == .gptImage
        return ImageJob(
            kind: kind,
            model: model,
            family: family,
            prompt: prompt,
            n: n,
            size: size == "auto" ? "1024x1024" : size,
            quality: quality == "auto" ? (gpt ? "medium" : "standard") : quality,
            transparent: gpt && background == "transparent",
            format: gpt ? format : .png,
            b64: gpt || responseFormat == "b64_json",
            stream: stream,
            partialImages: stream ? partialImages : 0,
            inputs: images
        )
    }

    // MARK: - Answer

    /// The seed of image `index` (and of its partial images): the same request gives the same images.
    func seed(_ index: Int) -> UInt64 {
        let inputs = self.inputs.map { "\($0.name):\(String($0.hash, radix: 16))" }.joined(separator: ",")
        let kindName = kind == .generation ? "g" : kind == .edit ? "e" : "v"
        return SimulatedResponse.fnv1a(
            [kindName, model, prompt, size, quality, String(transparent), inputs, String(index)].joined(separator: "\u{1}")
        )
    }

    func image(_ index: Int, partial: (index: Int, count: Int)? = nil) -> SimulatedImage {
        let (width, height) = SimulatedImage.dimensions(size) ?? (1024, 1024)
        return SimulatedImage(seed: seed(index), width: width, height: height, format: format, transparent: transparent, partial: partial)
    }

    var textTokens: Int { kind == .variation ? 0 : max(1, (prompt.count + 3) / 4) }
    var imageTokens: Int { inputs.filter { $0.name != "mask" }.count * Self.inputImageTokens }

    /// Output tokens of one image, by quality and shape (gpt-image-1's published counts).
    var outputTokensPerImage: Int {
        Self.outputTokens(size: size, quality: quality, partialImages: partialImages)
    }

    /// Output tokens of one image of `size` (resolved) and `quality` (resolved), with its partial images.
    static func outputTokens(size: String, quality: String, partialImages: Int) -> Int {
        let square = size == "1024x1024"
        let base: Int
        switch quality {
        case "low": base = square ? 272 : 408
        case "high": base = square ? 4160 : 6240
        default: base = square ? 1056 : 1584
        }
        return base + partialImages * partialImageTokens
    }

    func usage(outputImages: Int, countInput: Bool) -> JSONValue {
        let text = countInput ? textTokens : 0
        let images = countInput ? imageTokens : 0
        let output = outputImages * outputTokensPerImage
        return [
            "input_tokens": JSONValue(text + images),
            "output_tokens": JSONValue(output),
            "total_tokens": JSONValue(text + images + output),
            "input_tokens_details": ["text_tokens": JSONValue(text), "image_tokens": JSONValue(images)],
        ]
    }

    /// The `ImagesResponse`; `urlBase` is where this simulator serves image files.
    func response(urlBase: String) -> JSONValue {
        let data = (0..<n).map { index -> JSONValue in
            let image = self.image(index)
            var item: JSONObject = b64 ? ["b64_json": .string(Data(image.bytes).base64EncodedString())] : ["url": .string(urlBase + image.fileName)]
            if family == .dallE3 { item["revised_prompt"] = .string("A detailed, vivid image of \(prompt)") }
            return .object(item)
        }
        var response: JSONObject = ["created": JSONValue(created), "data": .array(data)]
        if family == .gptImage {
            response["background"] = transparent ? "transparent" : "opaque"
            response["output_format"] = .string(format.rawValue)
            response["size"] = .string(size)
            response["quality"] = .string(quality)
            response["usage"] = usage(outputImages: n, countInput: true)
        }
        return .object(response)
    }

    /// The stream: for each image its partial images, then its `completed` event, whose usage
    /// counts that image's output (the input tokens are counted on the first image's event).
    /// A fault's `inject_events` come after the first event; `fail_after_events` ends with an `error` event.
    func streamEvents(fault: SimulatorFault?) -> [JSONValue] {
        var events: [JSONValue] = []
        for index in 0..<n {
            for partial in 0..<partialImages {
                var event = common(type: "partial_image", image: image(index, partial: (partial, partialImages)))
                event["partial_image_index"] = JSONValue(partial)
                events.append(.object(event))
            }
            var completed = common(type: "completed", image: image(index))
            completed["usage"] = usage(outputImages: 1, countInput: index == 0)
            events.append(.object(completed))
        }
        if let inject = fault?.injectEvents, !inject.isEmpty { events.insert(contentsOf: inject, at: min(1, events.count)) }
        if let failAfter = fault?.failAfterEvents, failAfter < events.count {
            events = Array(events.prefix(max(0, failAfter)))
            events.append([
                "type": "error",
                "error": [
                    "type": "server_error", "code": "server_error", "param": nil,
                    "message": "The server had an error while processing your request (simulated fault).",
                ],
            ])
        }
        return events
    }

    private func common(type: String, image: SimulatedImage) -> JSONObject {
        [
            "type": .string("\(kind.eventPrefix).\(type)"),
            "b64_json": .string(Data(image.bytes).base64EncodedString()),
            "created_at": JSONValue(created),
            "size": .string(size),
            "quality": .string(quality),
            "background": transparent ? "transparent" : "opaque",
            "output_format": .string(format.rawValue),
        ]
    }
}
