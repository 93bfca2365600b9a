/// Estimated USD cost of calls, from the model catalogue's list prices.
///
/// Every function returns `nil` when it cannot price the call (unknown model, no price of the needed
/// kind, unknown size or quality): an unknown cost is logged as `null`, never as 0. Nothing is rounded;
/// callers round for display.
///
/// ```swift
/// let estimator = CostEstimator(catalogue: .bundled)
/// estimator.cost(model: "gpt-4o", usage: TokenUsage(input: 1000, cached: 200, output: 500))  // 0.00725
/// ```
public struct CostEstimator: Sendable {
    public let catalogue: ModelCatalogue

    /// Characters of input text per minute of generated speech, used to estimate the per-minute
    /// price of token-priced speech models (about 150 spoken words a minute).
    public static let estimatedSpeechCharactersPerMinute = 900.0

    public init(catalogue: ModelCatalogue = .bundled) {
        self.catalogue = catalogue
    }

    /// Cost of a token-priced call: uncached input at the input price, cached input at the cached price
    /// (or the input price when there is no discount), audio and image input at their own prices, and
    /// output at the output price. Reasoning tokens are already part of `output` and are not added again.
    /// - Returns: `nil` for an unknown model or one without token prices.
    public func cost(model: String, usage: TokenUsage) -> Double? {
        guard let prices = catalogue.model(model)?.prices.tokens else { return nil }
        let input = max(0, usage.input)
        let audio = min(max(0, usage.inputAudio), input)
        let image = min(max(0, usage.inputImage), input - audio)
        let cached = min(max(0, usage.cached), input - audio - image)
        let text = input - audio - image - cached
        let output = max(0, usage.output)
        guard output == 0 || prices.output != nil else { return nil }

        var total = Double(text) * prices.input
        total += Double(cached) * (prices.cachedInput ?? prices.input)
        total += Double(audio) * (prices.audioInput ?? prices.input)
        total += Double(image) * (prices.imageInput ?? prices.input)
        total += Double(output) * (prices.output ?? 0)
        return total / 1_000_000
    }

    /// Cost of generating speech from `characters` characters of input.
    ///
    /// Character-priced models (`tts-1`, `tts-1-hd`) are exact; token-priced ones (`gpt-4o-mini-tts`)
    /// are estimated from their per-minute price and `estimatedSpeechCharactersPerMinute`.
    public func speechCost(model: String, characters: Int) -> Double? {
        guard let prices = catalogue.model(model)?.prices, characters >= 0 else { return nil }
        if let perMillion = prices.perMillionCharacters {
            return Double(characters) * perMillion / 1_000_000
        }
        if let perMinute = prices.perMinute {
            return Double(characters) / Self.estimatedSpeechCharactersPerMinute * perMinute
        }
        return nil
    }

    /// Cost of a transcription or translation: from the token usage when the upstream reported one
    /// and the model is token-priced, else from the audio duration at the per-minute price.
    /// - Returns: `nil` when neither is known (no duration is assumed).
    public func transcriptionCost(model: String, durationSeconds: Double?, usage: TokenUsage?) -> Double? {
        guard let info = catalogue.model(model) else { return nil }
        if let usage, info.prices.tokens != nil, let cost = cost(model: model, usage: usage) {
            return cost
        }
        if let perMinute = info.prices.perMinute, let durationSeconds, durationSeconds.isFinite, durationSeconds >= 0 {
            return durationSeconds / 60 * perMinute
        }
        return nil
    }

    /// Cost of `count` images at a size and quality. `nil` or `"auto"` uses the model's default size
    /// and quality from the catalogue.
    /// - Returns: `nil` for an unknown model, size or quality.
    public func imageCost(model: String, size: String?, quality: String?, count: Int) -> Double? {
        guard let images = catalogue.model(model)?.prices.images, count >= 0 else { return nil }
        guard let quality = Self.explicit(quality) ?? images.defaultQuality,
            let size = Self.explicit(size) ?? images.defaultSize,
            let price = images.perImage[quality]?[size]
        else { return nil }
        return price * Double(count)
    }

    /// Cost of `seconds` of video at `size` (the size's own price when the catalogue has one).
    /// - Returns: `nil` for an unknown model or one without video prices.
    public func videoCost(model: String, seconds: Double, size: String?) -> Double? {
        guard let prices = catalogue.model(model)?.prices, seconds.isFinite, seconds >= 0 else { return nil }
        guard let perSecond = size.flatMap({ prices.perSecondBySize[$0] }) ?? prices.perSecond else { return nil }
        return seconds * perSecond
    }

    private static func explicit(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value != "auto" else { return nil }
        return value
    }
}
