import Foundation
import HTTPTypes
import OpenAIClient

/// Retired models (the catalogue's `lifecycle.retired_on`): OpenAI stopped serving dall-e-2 and
/// dall-e-3 on 2026-05-12 and sora-2 / sora-2-pro on 2026-09-24. When the upstream is OpenAI itself
/// the gateway answers `model_retired` without calling it; other OpenAI-compatible upstreams (and the
/// simulator) may still serve them, so there the request is forwarded.
///
/// ```swift
/// if let info = ModelRetirement.retired(model, catalogue: catalogue, baseURL: configuration.baseURL) {
///     throw ModelRetirement.error(info, requested: model, status: .gone)
/// }
/// ```
enum ModelRetirement {
    /// The catalogue entry of `model` when it is retired at `now` and the upstream (`baseURL`) is
    /// api.openai.com; nil otherwise (unknown models included: the upstream decides).
    static func retired(_ model: String, catalogue: ModelCatalogue, baseURL: String, now: Date = Date()) -> ModelInfo? {
        guard isOpenAI(baseURL), let info = catalogue.model(model), info.isRetired(on: now) else { return nil }
        return info
    }

    /// Whether `baseURL` is OpenAI's own API (any scheme, port or path).
    static func isOpenAI(_ baseURL: String) -> Bool {
        URL(string: baseURL)?.host?.lowercased() == "api.openai.com"
    }

    /// 400/410 `model_retired` for the `model` parameter: the date and the catalogue's replacement.
    /// - Parameter alternatives: models to suggest when the catalogue names no replacement.
    static func error(_ info: ModelInfo, requested: String, status: HTTPResponse.Status, alternatives: [String] = []) -> GatewayError {
        GatewayError(
            status: status,
            message: "model \(text(info, requested: requested))",
            errorCode: "model_retired",
            parameter: "model",
            hint: replacementHint(info, available: alternatives)
        )
    }

    /// `dall-e-3 was retired on 2026-05-12` (with the snapshot name the request used, when it differs).
    static func text(_ info: ModelInfo, requested: String? = nil) -> String {
        let name = requested.map { $0 == info.name ? $0 : "\($0) (\(info.name))" } ?? info.name
        return "\(name) was retired on \(info.lifecycle.retiredOn ?? "an earlier date")"
    }

    /// `Use gpt-image-1 instead.`, with the available models when the replacement is not among them.
    static func replacementHint(_ info: ModelInfo, available: [String]) -> String {
        if let replacement = info.lifecycle.replacement, !replacement.isEmpty {
            return "Use \(replacement) instead."
                + (available.contains(replacement) || available.isEmpty ? "" : " Available models: \(available.joined(separator: ", ")).")
        }
        return available.isEmpty ? "The catalogue has no replacement for it." : "Use \(Wording.orList(available)) instead."
    }

    /// The multipart form's check (a ``MultipartUploadPolicy/refuse``): the `model` field once it has
    /// come; before it, only when every model the form could still name is retired (then the request
    /// is refused before the upstream hears of it, e.g. variations, whose only model is dall-e-2);
    /// once the body is complete, the default model. `error` builds the refusal for a retired model.
    static func formRefusal(
        defaultModel: String,
        candidates: [String],
        catalogue: ModelCatalogue,
        baseURL: String,
        error: @escaping @Sendable (_ info: ModelInfo, _ requested: String) -> GatewayError
    ) -> @Sendable (FormFields, Bool) -> GatewayError? {
        { fields, complete in
            if let named = fields["model"] {
                return retired(named, catalogue: catalogue, baseURL: baseURL).map { error($0, named) }
            }
            guard let info = retired(defaultModel, catalogue: catalogue, baseURL: baseURL) else { return nil }
            let allRetired = candidates.allSatisfy { retired($0, catalogue: catalogue, baseURL: baseURL) != nil }
            return complete || allRetired ? error(info, defaultModel) : nil
        }
    }
}
