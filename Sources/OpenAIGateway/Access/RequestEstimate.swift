import Foundation
import OpenAIClient

/// What a request may cost at most, worked out before it goes upstream: the tokens counted against a
/// key's tokens-per-minute and the USD reserved against its budget.
struct RequestEstimate: Sendable, Hashable {
    /// The model a JSON request will use: the one it names, else the default for its route (nil when the
    /// body is not JSON).
    var model: String?
    var inputTokens: Int
    /// Output tokens reserved: `max_output_tokens` (or `max_completion_tokens`, `max_tokens`), else the
    /// model's own limit.
    var outputTokens: Int
    /// Worst-case cost in micro-USD.
    var costMicros: Int64
    /// The request asks for a stream (holds a stream slot).
    var stream: Bool

    var tokens: Int { inputTokens + outputTokens }
}

/// Prices a request's worst case from its JSON body and the model catalogue.
///
/// - Text and embeddings: input ≈ body bytes / 4 (an over-estimate for JSON), or the model's whole context
///   window when the request continues upstream state (`previous_response_id`, `conversation`); output as
///   above, times `n`.
/// - Images: `n` images at the request's size and quality; video: `seconds` at its size; speech: the input's
///   characters.
/// - A request that cannot be priced before it runs (multipart uploads, a model or price the catalogue
///   does not have) reserves `BUDGET_DEFAULT_RESERVATION_USD`; reads and deletes reserve nothing.
struct RequestEstimator: Sendable {
    let costs: CostEstimator
    let defaultModel: String
    let defaultImageModel: String
    let defaultReservationMicros: Int64

    func estimate(method: String, path: String, query: String?, json: JSONValue?, bodyBytes: Int?) -> RequestEstimate {
        let stream =
            json?["stream"]?.boolValue == true || path.hasSuffix("/stream")
            || (query ?? "").split(separator: "&").contains("stream=true")
        guard method == "POST" || method == "PUT" || method == "PATCH" else {
            return RequestEstimate(model: nil, inputTokens: 0, outputTokens: 0, costMicros: 0, stream: stream)
        }
        guard let json, json.objectValue != nil else {
            return RequestEstimate(model: nil, inputTokens: 0, outputTokens: 0, costMicros: defaultReservationMicros, stream: stream)
        }
        let named = json["model"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let model = named ?? (path.contains("/images") ? defaultImageModel : defaultModel)
        let bodyTokens = max(1, (bodyBytes ?? json.jsonBytes.count) / 4)
        guard let info = costs.catalogue.model(model) else {
            return RequestEstimate(model: model, inputTokens: bodyTokens, outputTokens: 0, costMicros: defaultReservationMicros, stream: stream)
        }
        let capabilities = info.capabilities
        var input = bodyTokens
        var output = 0
        var price: Double?
        switch info.kind {
        case .text:
            if json["previous_response_id"]?.stringValue != nil || json["conversation"] != nil,
                let window = capabilities["context_window"]?.intValue
            {
                input = max(input, window)
            }
            let limit =
                json["max_output_tokens"]?.intValue ?? json["max_completion_tokens"]?.intValue ?? json["max_tokens"]?.intValue
                ?? capabilities["max_output_tokens"]?.intValue ?? 4_096
            output = max(0, limit) * max(1, json["n"]?.intValue ?? 1)
            price = costs.cost(model: model, usage: TokenUsage(input: input, output: output))
        case .embedding, .moderation:
            price = costs.cost(model: model, usage: TokenUsage(input: input, output: 0))
        case .image:
            price = costs.imageCost(
                model: model,
                size: json["size"]?.stringValue,
                quality: json["quality"]?.stringValue,
                count: max(1, json["n"]?.intValue ?? 1)
            )
        case .video:
            let seconds = json["seconds"]?.stringValue.flatMap(Double.init) ?? json["seconds"]?.doubleValue ?? 12
            price = costs.videoCost(model: model, seconds: seconds, size: json["size"]?.stringValue)
        case .audio:
            price = json["input"]?.stringValue.flatMap { costs.speechCost(model: model, characters: $0.count) }
        default:
            price = nil
        }
        let micros = price.map { Int64(($0 * 1_000_000).rounded(.up)) } ?? defaultReservationMicros
        return RequestEstimate(model: model, inputTokens: input, outputTokens: output, costMicros: micros, stream: stream)
    }
}

extension TokenUsage {
    /// The gateway's own count of a call cut short: `input` tokens, and output ≈ `outputBytes` / 4 (rounded up).
    static func estimated(input: Int, outputBytes: Int) -> TokenUsage {
        TokenUsage(input: input, output: (outputBytes + 3) / 4)
    }
}
