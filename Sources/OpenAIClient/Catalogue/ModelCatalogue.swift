import Foundation

/// A problem with a model catalogue file: what is wrong and where.
public struct ModelCatalogueError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "model catalogue: \(message)" }
}

/// The models the gateway knows: kind, prices, capabilities and lifecycle.
///
/// Validation and cost estimates both read it, so a new model is a data change. The bundled copy is
/// `Catalogue/models.json`; a deployment can replace it with its own file (`MODEL_CATALOGUE_FILE`).
///
/// ```swift
/// let catalogue = ModelCatalogue.bundled
/// catalogue.model("gpt-4o-2024-08-06")?.name   // "gpt-4o"
/// catalogue.model("dall-e-3")?.isRetired()     // true after 2026-05-12
/// ```
public struct ModelCatalogue: Sendable {
    /// Every model by its catalogue name.
    public let models: [String: ModelInfo]
    /// The `source` note of the file (where the prices come from).
    public let source: String?
    /// The `as_of` date of the prices.
    public let asOf: String?
    /// Every catalogue name in the order the file lists them (messages and documents list models in
    /// this order); names of a catalogue built from a dictionary are sorted.
    public let orderedNames: [String]

    /// The catalogue shipped with the package, or an empty one if the resource cannot be read
    /// (an empty catalogue prices nothing, so costs are logged as unknown rather than the process stopping).
    public static let bundled: ModelCatalogue = {
        guard let bytes = BundledCatalogue.bytes(), let catalogue = try? ModelCatalogue(data: bytes) else {
            return ModelCatalogue(models: [:])
        }
        return catalogue
    }()

    /// Builds a catalogue from models in memory (tests, or a catalogue assembled in code).
    /// - Parameter order: the order in which the models are listed; names it misses follow, sorted,
    ///   and names that are not in `models` are ignored.
    public init(models: [String: ModelInfo], order: [String] = [], source: String? = nil, asOf: String? = nil) {
        self.models = models
        self.source = source
        self.asOf = asOf
        var seen = Set<String>()
        var ordered = order.filter { models[$0] != nil && seen.insert($0).inserted }
        ordered += models.keys.filter { !seen.contains($0) }.sorted()
        self.orderedNames = ordered
    }

    /// Parses catalogue JSON: `{"source":…, "as_of":…, "models": {"<name>": {kind, prices, capabilities, lifecycle}}}`.
    /// - Throws: `ModelCatalogueError` naming the model and field that is wrong.
    public init(data: [UInt8]) throws {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: data)
        } catch {
            throw ModelCatalogueError("not valid JSON (\(error))")
        }
        guard let models = json["models"]?.objectValue else {
            throw ModelCatalogueError("the top level must be an object with a \"models\" object")
        }
        var parsed: [String: ModelInfo] = [:]
        for (name, entry) in models {
            parsed[name] = try ModelInfo(name: name, json: entry)
        }
        self.init(models: parsed, order: models.keys, source: json["source"]?.stringValue, asOf: json["as_of"]?.stringValue)
    }

    /// Reads a catalogue file (the `MODEL_CATALOGUE_FILE` override).
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelCatalogueError("cannot read \(path)")
        }
        try self.init(data: [UInt8](data))
    }

    /// The model named `name`: an exact match, else the base model of a dated snapshot
    /// (`gpt-4o-2024-08-06`, `gpt-4.1-2025-04-14`, `o3-20250416`, `gpt-4-0613` → their base), else `nil`.
    public func model(_ name: String) -> ModelInfo? {
        resolvedName(name).flatMap { models[$0] }
    }

    /// The catalogue name that `name` resolves to (see `model(_:)`), or `nil` when unknown.
    public func resolvedName(_ name: String) -> String? {
        if models[name] != nil { return name }
        guard let base = Self.strippingSnapshotSuffix(name), models[base] != nil else { return nil }
        return base
    }

    /// All catalogue names, sorted.
    public var names: [String] { models.keys.sorted() }

    /// `name` without a trailing snapshot date (`-YYYY-MM-DD`, `-YYYYMMDD` or `-MMDD`), or `nil` if it has none.
    static func strippingSnapshotSuffix(_ name: String) -> String? {
        let characters = Array(name)
        func digits(_ range: Range<Int>) -> Bool {
            range.lowerBound >= 0 && range.upperBound <= characters.count
                && characters[range].allSatisfy { $0.isASCII && $0.isNumber }
        }
        func dash(_ index: Int) -> Bool { index >= 0 && index < characters.count && characters[index] == "-" }
        let count = characters.count
        // -YYYY-MM-DD
        if count > 11, dash(count - 11), digits(count - 10..<count - 6), dash(count - 6), digits(count - 5..<count - 3),
            dash(count - 3), digits(count - 2..<count)
        {
            return String(characters[0..<count - 11])
        }
        // -YYYYMMDD
        if count > 9, dash(count - 9), digits(count - 8..<count) {
            return String(characters[0..<count - 9])
        }
        // -MMDD (older snapshots such as gpt-4-0613, gpt-3.5-turbo-0125)
        if count > 5, dash(count - 5), digits(count - 4..<count),
            let month = Int(String(characters[count - 4..<count - 2])), (1...12).contains(month)
        {
            return String(characters[0..<count - 5])
        }
        return nil
    }
}

/// Finds the bundled `models.json` without ever calling SwiftPM's generated `Bundle.module`
/// blindly: that accessor stops the process when the resource bundle is missing.
enum BundledCatalogue {
    static let bundleName = "openai-gateway_OpenAIClient"

    static func bytes() -> [UInt8]? {
        let fileManager = FileManager.default
        let mainURL = Bundle.main.bundleURL
        let candidates = [
            mainURL.appendingPathComponent("\(bundleName).resources").path,
            mainURL.appendingPathComponent("\(bundleName).bundle").path,
        ]
        // Bundle.module looks in exactly these places first, so touching it is safe once one exists.
        if candidates.contains(where: { fileManager.fileExists(atPath: $0) }),
            let url = Bundle.module.url(forResource: "models", withExtension: "json"),
            let data = fileManager.contents(atPath: url.path)
        {
            return [UInt8](data)
        }
        // A source checkout: the resource sits next to this file.
        let sibling = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("models.json")
        return fileManager.contents(atPath: sibling.path).map { [UInt8]($0) }
    }
}
