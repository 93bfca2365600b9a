import Foundation

/// What a model produces, as the catalogue names it (`text`, `image`, `video`, `audio`, `embedding`,
/// `moderation`). Kept open: a catalogue file may name a kind this code does not know yet.
public struct ModelKind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let text = ModelKind(rawValue: "text")
    public static let image = ModelKind(rawValue: "image")
    public static let video = ModelKind(rawValue: "video")
    public static let audio = ModelKind(rawValue: "audio")
    public static let embedding = ModelKind(rawValue: "embedding")
    public static let moderation = ModelKind(rawValue: "moderation")

    public var description: String { rawValue }
}

/// Token prices in USD per 1M tokens.
public struct TokenPrices: Sendable, Hashable {
    /// Text input tokens that were not served from the prompt cache.
    public var input: Double
    /// Input tokens served from the prompt cache; `nil` when the model has no cache discount.
    public var cachedInput: Double?
    /// Output tokens, reasoning tokens included. `nil` when the catalogue gives none.
    public var output: Double?
    /// Audio input tokens (transcription models); `nil` prices them as `input`.
    public var audioInput: Double?
    /// Image input tokens (image models); `nil` prices them as `input`.
    public var imageInput: Double?
    /// Cached image input tokens; `nil` prices them as `imageInput`.
    public var cachedImageInput: Double?

    public init(
        input: Double,
        cachedInput: Double? = nil,
        output: Double?,
        audioInput: Double? = nil,
        imageInput: Double? = nil,
        cachedImageInput: Double? = nil
    ) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
        self.audioInput = audioInput
        self.imageInput = imageInput
        self.cachedImageInput = cachedImageInput
    }
}

/// Prices per generated image, by quality and then size (`["high": ["1024x1024": 0.167]]`).
public struct ImagePrices: Sendable, Hashable {
    public var perImage: [String: [String: Double]]
    /// The quality priced when a request says `auto` or nothing.
    public var defaultQuality: String?
    /// The size priced when a request says `auto` or nothing.
    public var defaultSize: String?

    public init(perImage: [String: [String: Double]], defaultQuality: String? = nil, defaultSize: String? = nil) {
        self.perImage = perImage
        self.defaultQuality = defaultQuality
        self.defaultSize = defaultSize
    }
}

/// Every price the catalogue knows for one model, all in USD.
public struct ModelPrices: Sendable, Hashable {
    public var tokens: TokenPrices?
    public var images: ImagePrices?
    /// Video models: per second of video, for any size not in `perSecondBySize`.
    public var perSecond: Double?
    public var perSecondBySize: [String: Double]
    /// Audio models: per minute of audio (transcription, or an estimate for token-priced speech).
    public var perMinute: Double?
    /// Speech models priced per input character (`tts-1`, `tts-1-hd`), per 1M characters.
    public var perMillionCharacters: Double?

    public init(
        tokens: TokenPrices? = nil,
        images: ImagePrices? = nil,
        perSecond: Double? = nil,
        perSecondBySize: [String: Double] = [:],
        perMinute: Double? = nil,
        perMillionCharacters: Double? = nil
    ) {
        self.tokens = tokens
        self.images = images
        self.perSecond = perSecond
        self.perSecondBySize = perSecondBySize
        self.perMinute = perMinute
        self.perMillionCharacters = perMillionCharacters
    }
}

/// When a model stops being served, and what replaces it. Dates are `YYYY-MM-DD` (UTC).
public struct ModelLifecycle: Sendable, Hashable {
    public var deprecatedOn: String?
    public var retiredOn: String?
    public var replacement: String?

    public init(deprecatedOn: String? = nil, retiredOn: String? = nil, replacement: String? = nil) {
        self.deprecatedOn = deprecatedOn
        self.retiredOn = retiredOn
        self.replacement = replacement
    }

    /// Whether the model is retired at `date`: from 00:00 UTC of `retiredOn` on.
    public func isRetired(on date: Date) -> Bool {
        guard let retiredOn, let start = Self.startOfDay(retiredOn) else { return false }
        return date >= start
    }

    /// Whether the model is deprecated (or retired) at `date`.
    public func isDeprecated(on date: Date) -> Bool {
        if isRetired(on: date) { return true }
        guard let deprecatedOn, let start = Self.startOfDay(deprecatedOn) else { return false }
        return date >= start
    }

    /// Parses `YYYY-MM-DD` as midnight UTC (proleptic Gregorian, no time-zone database needed).
    static func startOfDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: Double(days) * 86_400)
    }
}

/// One model of the catalogue: its kind, prices, capabilities and lifecycle.
public struct ModelInfo: Sendable, Hashable {
    /// The catalogue name (a dated snapshot resolves to this base name).
    public var name: String
    public var kind: ModelKind
    public var prices: ModelPrices
    /// Capabilities as the catalogue states them (`streaming`, `sizes`, `n`, `voices`, ...); kept as
    /// JSON so that a new capability is a data change.
    public var capabilities: JSONValue
    public var lifecycle: ModelLifecycle

    public init(
        name: String,
        kind: ModelKind,
        prices: ModelPrices = ModelPrices(),
        capabilities: JSONValue = .object([:]),
        lifecycle: ModelLifecycle = ModelLifecycle()
    ) {
        self.name = name
        self.kind = kind
        self.prices = prices
        self.capabilities = capabilities
        self.lifecycle = lifecycle
    }

    /// Whether the model is retired at `date` (now by default).
    public func isRetired(on date: Date = Date()) -> Bool {
        lifecycle.isRetired(on: date)
    }

    /// A capability by name, e.g. `info.capability("sizes")?.arrayValue`.
    public func capability(_ name: String) -> JSONValue? {
        capabilities[name]
    }

    /// Whether a boolean capability (`streaming`, `edits`, `variations`, ...) is true.
    public func supports(_ capability: String) -> Bool {
        capabilities[capability]?.boolValue ?? false
    }
}

// MARK: - Decoding from the catalogue JSON

extension ModelInfo {
    /// Reads one `models.<name>` entry. Throws naming the model and field when a value has the wrong type.
    init(name: String, json: JSONValue) throws(ModelCatalogueError) {
        guard let object = json.objectValue else {
            throw ModelCatalogueError("model \"\(name)\" must be an object")
        }
        guard let kind = object["kind"]?.stringValue, !kind.isEmpty else {
            throw ModelCatalogueError("model \"\(name)\" needs a string \"kind\"")
        }
        let prices = try ModelPrices(model: name, json: object["prices"] ?? .null)
        let capabilities = object["capabilities"] ?? .object([:])
        guard capabilities.objectValue != nil else {
            throw ModelCatalogueError("model \"\(name)\": \"capabilities\" must be an object")
        }
        let lifecycle = object["lifecycle"] ?? .null
        if !lifecycle.isNull, lifecycle.objectValue == nil {
            throw ModelCatalogueError("model \"\(name)\": \"lifecycle\" must be an object")
        }
        func date(_ key: String) throws(ModelCatalogueError) -> String? {
            guard let value = lifecycle[key], !value.isNull else { return nil }
            guard let text = value.stringValue, ModelLifecycle.startOfDay(text) != nil else {
                throw ModelCatalogueError("model \"\(name)\": lifecycle.\(key) must be a date YYYY-MM-DD")
            }
            return text
        }
        self.init(
            name: name,
            kind: ModelKind(rawValue: kind),
            prices: prices,
            capabilities: capabilities,
            lifecycle: ModelLifecycle(
                deprecatedOn: try date("deprecated_on"),
                retiredOn: try date("retired_on"),
                replacement: lifecycle["replacement"]?.stringValue
            )
        )
    }
}

extension ModelPrices {
    init(model: String, json: JSONValue) throws(ModelCatalogueError) {
        self.init()
        if json.isNull { return }
        guard json.objectValue != nil else { throw ModelCatalogueError("model \"\(model)\": \"prices\" must be an object") }

        func price(_ value: JSONValue?, _ path: String) throws(ModelCatalogueError) -> Double? {
            guard let value, !value.isNull else { return nil }
            guard let number = value.doubleValue, number.isFinite, number >= 0 else {
                throw ModelCatalogueError("model \"\(model)\": prices.\(path) must be a number >= 0")
            }
            return number
        }
        func table(_ value: JSONValue?, _ path: String) throws(ModelCatalogueError) -> [String: Double] {
            guard let value, !value.isNull else { return [:] }
            guard let object = value.objectValue else {
                throw ModelCatalogueError("model \"\(model)\": prices.\(path) must be an object")
            }
            var result: [String: Double] = [:]
            for (key, entry) in object { result[key] = try price(entry, "\(path).\(key)") }
            return result
        }

        if let input = try price(json["input"], "input") {
            tokens = TokenPrices(
                input: input,
                cachedInput: try price(json["cached_input"], "cached_input"),
                output: try price(json["output"], "output"),
                audioInput: try price(json["audio_input"], "audio_input"),
                imageInput: try price(json["image_input"], "image_input"),
                cachedImageInput: try price(json["cached_image_input"], "cached_image_input")
            )
        }
        if let perImage = json["per_image"], !perImage.isNull {
            guard let qualities = perImage.objectValue else {
                throw ModelCatalogueError("model \"\(model)\": prices.per_image must be an object")
            }
            var byQuality: [String: [String: Double]] = [:]
            for (quality, sizes) in qualities { byQuality[quality] = try table(sizes, "per_image.\(quality)") }
            let defaults = json["image_defaults"]
            images = ImagePrices(
                perImage: byQuality,
                defaultQuality: defaults?["quality"]?.stringValue,
                defaultSize: defaults?["size"]?.stringValue
            )
        }
        perSecond = try price(json["per_second"], "per_second")
        perSecondBySize = try table(json["per_second_by_size"], "per_second_by_size")
        perMinute = try price(json["per_minute"], "per_minute")
        perMillionCharacters = try price(json["per_million_characters"], "per_million_characters")
    }
}
