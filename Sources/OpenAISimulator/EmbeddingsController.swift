import Foundation
import Hummingbird
import OpenAIClient

/// The Embeddings API: deterministic unit vectors, as floats or as base64 of little-endian float32.
struct EmbeddingsController: Sendable {
    /// Vector lengths when the catalogue does not say; any other model gets 1536.
    static let defaultDimensions = ["text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536]
    static let maxInputTokens = 8192
    static let maxRequestTokens = 300_000
    static let maxInputs = 2048
    let state: SimulatorState

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("embeddings", use: create)
    }

    @Sendable func create(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let fields = try RequestFields(try await SimulatorHTTP.jsonBody(&request))
        let model = try fields.requiredString("model")
        _ = try state.models.require(model)
        let inputs = try SimulatedEmbedding.parseInputs(fields["input"])
        let format = try fields.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw SimulatorAPIError.invalidValue(param: "encoding_format", got: format, allowed: ["float", "base64"])
        }
        let fullDimensions = Self.dimensions(of: model)
        var dimensions = fullDimensions
        if fields["dimensions"] != nil {
            guard !model.hasPrefix("text-embedding-ada") else {
                throw SimulatorAPIError.invalidRequest("This model does not support specifying dimensions.", param: "dimensions")
            }
            dimensions = try fields.int("dimensions", in: 1...fullDimensions) ?? fullDimensions
        }
        for input in inputs where input.tokens > Self.maxInputTokens {
            throw SimulatorAPIError.invalidRequest(
                "This model's maximum context length is \(Self.maxInputTokens) tokens, however you requested \(input.tokens) tokens "
                    + "(\(input.tokens) in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
                param: nil
            )
        }
        let tokens = inputs.reduce(0) { $0 + $1.tokens }
        guard tokens <= Self.maxRequestTokens else {
            throw SimulatorAPIError.invalidRequest(
                "Requested \(tokens) tokens, max \(Self.maxRequestTokens) tokens per request",
                param: nil,
                code: "max_tokens_per_request"
            )
        }
        let data = inputs.enumerated().map { index, input -> JSONValue in
            let vector = SimulatedEmbedding.vector(for: input, model: model, fullDimensions: fullDimensions, dimensions: dimensions)
            let embedding: JSONValue =
                format == "base64" ? .string(SimulatedEmbedding.base64(vector)) : .array(vector.map { .double(Double($0)) })
            return ["object": "embedding", "index": JSONValue(index), "embedding": embedding]
        }
        let response: JSONValue = [
            "object": "list", "data": .array(data), "model": .string(model),
            "usage": ["prompt_tokens": JSONValue(tokens), "total_tokens": JSONValue(tokens)],
        ]
        return SimulatorHTTP.json(response)
    }

    /// The model's vector length: the catalogue's `dimensions`, else the table, else 1536.
    static func dimensions(of model: String) -> Int {
        if let fromCatalogue = ModelCatalogue.bundled.model(model)?.capability("dimensions")?.intValue, fromCatalogue > 0 {
            return fromCatalogue
        }
        return defaultDimensions[model] ?? 1536
    }
}

/// Deterministic embeddings: the same input and model always give the same vector, inputs that
/// share words point in similar directions (each word adds a few fixed components), and a shorter
/// `dimensions` is the full vector cut and normalised again, as OpenAI's text-embedding-3 models do.
enum SimulatedEmbedding {
    /// One input: text, or tokens given as integers.
    struct Input: Sendable {
        /// The words the vector is built from (a token input's tokens stand for words).
        var words: [String]
        /// What makes this input's own part of the vector.
        var key: String
        var tokens: Int
    }

    static func invalidInput() -> SimulatorAPIError {
        .invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", param: nil)
    }

    /// `input`: a string, an array of strings, an array of token integers, or an array of token arrays.
    static func parseInputs(_ value: JSONValue?) throws(SimulatorAPIError) -> [Input] {
        guard let value else { throw SimulatorAPIError.missingParameter("input") }
        if let text = value.stringValue {
            guard !text.isEmpty else { throw invalidInput() }
            return [textInput(text)]
        }
        guard let items = value.arrayValue, !items.isEmpty, items.count <= EmbeddingsController.maxInputs else {
            throw invalidInput()
        }
        if items.allSatisfy({ $0.stringValue != nil }) {
            let texts = items.compactMap(\.stringValue)
            guard texts.allSatisfy({ !$0.isEmpty }) else { throw invalidInput() }
            return texts.map(textInput)
        }
        if let tokens = tokenArray(value) {
            return [tokenInput(tokens)]
        }
        var inputs: [Input] = []
        for item in items {
            guard let tokens = tokenArray(item), !tokens.isEmpty else { throw invalidInput() }
            inputs.append(tokenInput(tokens))
        }
        return inputs
    }

    private static func tokenArray(_ value: JSONValue) -> [Int]? {
        guard let items = value.arrayValue else { return nil }
        var tokens: [Int] = []
        for item in items {
            guard case .int = item, let token = item.intValue, token >= 0 else { return nil }
            tokens.append(token)
        }
        return tokens
    }

    static func textInput(_ text: String) -> Input {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        return Input(words: words, key: "text:" + text, tokens: max(1, (text.count + 3) / 4))
    }

    static func tokenInput(_ tokens: [Int]) -> Input {
        Input(words: tokens.map { "#\($0)" }, key: "tokens:" + tokens.map(String.init).joined(separator: ","), tokens: tokens.count)
    }

    /// The unit vector of an input, `dimensions` long (at most `fullDimensions`).
    static func vector(for input: Input, model: String, fullDimensions: Int, dimensions: Int) -> [Float] {
        var values = [Double](repeating: 0, count: fullDimensions)
        // Each word adds ±1 at 8 positions picked by its hash: inputs with words in common share them.
        var counts: [String: Int] = [:]
        for word in input.words { counts[word, default: 0] += 1 }
        for (word, count) in counts {
            var random = SplitMix64(seed: SimulatedResponse.fnv1a(model + "\u{1}" + word))
            for _ in 0..<8 {
                let position = Int(random.next() % UInt64(fullDimensions))
                values[position] += (random.next() & 1 == 0 ? 1 : -1) * Double(count)
            }
        }
        let wordNorm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // Every input also gets its own dense part, half the weight of its words.
        var random = SplitMix64(seed: SimulatedResponse.fnv1a(model + "\u{2}" + input.key))
        let own = (0..<fullDimensions).map { _ in random.nextSigned() }
        let ownNorm = own.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let scale = ownNorm > 0 ? (wordNorm > 0 ? 0.5 * wordNorm : 1) / ownNorm : 0
        for index in values.indices { values[index] += own[index] * scale }
        let kept = values.prefix(dimensions)
        let norm = kept.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return kept.map { Float(norm > 0 ? $0 / norm : 0) }
    }

    /// What `encoding_format: "base64"` sends: the float32 values, little-endian, in base64.
    static func base64(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern  // least significant byte first: little-endian on any host
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
        }
        return Data(bytes).base64EncodedString()
    }
}

/// A small, fast, seeded random number generator (Steele, Lea and Flood's SplitMix64): the same
/// seed gives the same values on every run (simulated vectors, and the tests' "random" chunkings).
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [-1, 1).
    mutating func nextSigned() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53) * 2 - 1
    }
}
