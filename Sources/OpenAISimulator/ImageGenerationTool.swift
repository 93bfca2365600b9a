import Foundation
import OpenAIClient

/// The `image_generation` tool of a `POST /v1/responses` request, validated as the Images API
/// validates the same options (errors name `tools[i].field`), with `auto` resolved.
struct ImageGenerationTool: Sendable {
    var model: String
    /// Resolved: `auto` is 1024x1024.
    var size: String
    /// Resolved: `auto` is `medium`.
    var quality: String
    var format: SimulatedImage.Format
    var transparent: Bool
    var partialImages: Int
    /// Resolved: `auto` is `generate` (the simulator makes a new image either way).
    var action: String

    /// The first `image_generation` tool of `tools`, or `nil` when there is none.
    static func parse(_ tools: JSONValue?) throws(SimulatorAPIError) -> ImageGenerationTool? {
        guard let tools = tools?.arrayValue else { return nil }
        guard let index = tools.firstIndex(where: { $0["type"]?.stringValue == "image_generation" }),
            let tool = tools[index].objectValue
        else { return nil }
        let path = "tools[\(index)]"
        let fields = RequestFields(tool)
        func string(_ key: String) throws(SimulatorAPIError) -> String? {
            guard let raw = fields[key] else { return nil }
            guard let value = raw.stringValue else { throw SimulatorAPIError.invalidType("\(path).\(key)", expected: "a string", got: raw) }
            return value
        }
        func oneOf(_ key: String, _ allowed: [String], default value: String) throws(SimulatorAPIError) -> String {
            let value = try string(key) ?? value
            guard allowed.contains(value) else { throw SimulatorAPIError.invalidValue(param: "\(path).\(key)", got: value, allowed: allowed) }
            return value
        }

        let model = try string("model") ?? "gpt-image-1"
        guard ImageJob.Family(model: model) == .gptImage else {
            throw SimulatorAPIError.invalidValue(
                param: "\(path).model",
                got: model,
                allowed: ImageJob.generationModels.filter { $0.hasPrefix("gpt-image") }
            )
        }
        let sizes = ImageJob.Family.gptImage.sizes
        let size = try string("size") ?? "auto"
        guard sizes.contains(size) || ImageJob.Family.isCustomSize(size, model: model) else {
            throw SimulatorAPIError.invalidValue(param: "\(path).size", got: size, allowed: sizes)
        }
        let quality = try oneOf("quality", ImageJob.Family.gptImage.qualities, default: "auto")
        let formatName = try oneOf("output_format", SimulatedImage.Format.allCases.map(\.rawValue), default: "png")
        let background = try oneOf("background", ["transparent", "opaque", "auto"], default: "auto")
        _ = try oneOf("moderation", ["auto", "low"], default: "auto")
        let action = try oneOf("action", ["generate", "edit", "auto"], default: "auto")
        _ = try fields.int("output_compression", in: 0...100, param: "\(path).output_compression")
        let partialImages = try fields.int("partial_images", in: 0...3, param: "\(path).partial_images") ?? 0
        let format = SimulatedImage.Format(rawValue: formatName) ?? .png
        if background == "transparent", format == .jpeg {
            throw .invalidRequest(
                "Transparent background is not supported for the jpeg output format.",
                param: "\(path).background",
                code: "invalid_value"
            )
        }
        return ImageGenerationTool(
            model: model,
            size: size == "auto" ? "1024x1024" : size,
            quality: quality == "auto" ? "medium" : quality,
            format: format,
            transparent: background == "transparent",
            partialImages: partialImages,
            action: action == "auto" ? "generate" : action
        )
    }
}

/// The `image_generation_call` the simulated model makes with the tool: one image whose seed is
/// the model, prompt and options, so the same request gives the same image.
struct ImageGenerationCall: Sendable {
    let id: String
    let tool: ImageGenerationTool
    let revisedPrompt: String
    let image: SimulatedImage
    /// The final image, base64.
    let result: String
    /// The partial images, base64, when the response streams (coarser versions of the final one).
    let partialResults: [String]

    init(tool: ImageGenerationTool, prompt: String, streamed: Bool) {
        id = SimulatorIDs.make("ig")
        self.tool = tool
        revisedPrompt = prompt.isEmpty ? "An abstract pattern of coloured tiles." : "A detailed, vivid image of \(prompt)"
        let seed = SimulatedResponse.fnv1a(
            ["r", tool.model, prompt, tool.size, tool.quality, String(tool.transparent)].joined(separator: "\u{1}")
        )
        let (width, height) = SimulatedImage.dimensions(tool.size) ?? (1024, 1024)
        let image = SimulatedImage(seed: seed, width: width, height: height, format: tool.format, transparent: tool.transparent)
        self.image = image
        result = Data(image.bytes).base64EncodedString()
        let count = streamed ? tool.partialImages : 0
        partialResults = (0..<count).map { index in
            var partial = image
            partial.partial = (index, count)
            return Data(partial.bytes).base64EncodedString()
        }
    }

    /// The image's output tokens (by size and quality, as the Images API counts them).
    var outputTokens: Int {
        ImageJob.outputTokens(size: tool.size, quality: tool.quality, partialImages: partialResults.count)
    }

    private var options: JSONObject {
        [
            "background": tool.transparent ? "transparent" : "opaque",
            "output_format": .string(tool.format.rawValue),
            "quality": .string(tool.quality),
            "size": .string(tool.size),
        ]
    }

    /// The output item: `in_progress` (no result yet), `failed`, or `completed` with the image.
    func item(status: String) -> JSONValue {
        var item: JSONObject = ["id": .string(id), "type": "image_generation_call", "status": .string(status)]
        guard status == "completed" else {
            item["result"] = JSONValue.null
            return .object(item)
        }
        item["action"] = .string(tool.action)
        item = item.withMembers(options)
        item["result"] = .string(result)
        item["revised_prompt"] = .string(revisedPrompt)
        return .object(item)
    }

    /// The call's stream events at `outputIndex`, from its `output_item.added` to its `output_item.done`.
    func events(outputIndex: Int) -> [PlannedEvent] {
        let location: JSONObject = ["output_index": JSONValue(outputIndex), "item_id": .string(id)]
        var events = [
            PlannedEvent(type: "response.output_item.added", fields: ["output_index": JSONValue(outputIndex), "item": item(status: "in_progress")]),
            PlannedEvent(type: "response.image_generation_call.in_progress", fields: location),
            PlannedEvent(type: "response.image_generation_call.generating", fields: location),
        ]
        for (index, partial) in partialResults.enumerated() {
            let fields = location.withMembers(["partial_image_index": JSONValue(index), "partial_image_b64": .string(partial)])
            events.append(PlannedEvent(type: "response.image_generation_call.partial_image", fields: fields.withMembers(options)))
        }
        events.append(PlannedEvent(type: "response.image_generation_call.completed", fields: location))
        events.append(
            PlannedEvent(type: "response.output_item.done", fields: ["output_index": JSONValue(outputIndex), "item": item(status: "completed")])
        )
        return events
    }
}
