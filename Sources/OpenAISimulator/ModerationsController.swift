import Hummingbird
import OpenAIClient

/// The Moderations API with deterministic verdicts: a category is flagged when the text contains
/// one of its words (``SimulatedModeration/keywords``), e.g. "kill" flags `violence`.
struct ModerationsController: Sendable {
    let state: SimulatorState

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("moderations", use: create)
    }

    @Sendable func create(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let fields = try RequestFields(try await SimulatorHTTP.jsonBody(&request))
        let model = try fields.string("model") ?? "omni-moderation-latest"
        _ = try state.models.require(model)
        let inputs = try SimulatedModeration.parseInputs(fields["input"])
        let response: JSONValue = [
            "id": .string("modr-" + SimulatorIDs.make("x", hexDigits: 32).dropFirst(2)),
            "model": .string(model),
            "results": .array(inputs.map(SimulatedModeration.result)),
        ]
        return SimulatorHTTP.json(response)
    }
}

enum SimulatedModeration {
    /// What one result judges: text (joined when a multi-modal input has several parts) and whether images came with it.
    struct Input: Sendable {
        var text: String?
        var hasImage: Bool
    }

    /// The categories in the order OpenAI lists them.
    static let categories = [
        "harassment", "harassment/threatening", "sexual", "hate", "hate/threatening", "illicit", "illicit/violent",
        "self-harm/intent", "self-harm/instructions", "self-harm", "sexual/minors", "violence", "violence/graphic",
    ]

    /// Categories OpenAI also scores on images.
    static let imageCategories: Set<String> = [
        "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "violence", "violence/graphic",
    ]

    /// Lower-case phrases that flag a category.
    static let keywords: [String: [String]] = [
        "harassment": ["idiot", "stupid", "loser"],
        "harassment/threatening": ["kill you", "hurt you", "find where you live"],
        "sexual": ["porn", "nsfw", "explicit sex"],
        "hate": ["inferior race", "hate all of them"],
        "hate/threatening": ["exterminate them"],
        "illicit": ["shoplift", "steal", "counterfeit", "launder"],
        "illicit/violent": ["build a bomb", "make a bomb", "untraceable gun"],
        "self-harm/intent": ["kill myself", "want to die", "end my life"],
        "self-harm/instructions": ["how to kill myself", "how to hurt myself"],
        "self-harm": ["self-harm", "suicide", "cut myself"],
        "sexual/minors": [],
        "violence": ["kill", "murder", "attack", "shoot", "stab", "bomb"],
        "violence/graphic": ["gore", "dismember", "blood everywhere"],
    ]

    /// A flagged subcategory flags its parent too, as OpenAI's results do.
    static let parents = [
        "harassment/threatening": "harassment", "hate/threatening": "hate", "illicit/violent": "illicit",
        "self-harm/intent": "self-harm", "self-harm/instructions": "self-harm", "sexual/minors": "sexual",
        "violence/graphic": "violence",
    ]

    static func invalidInput() -> SimulatorAPIError {
        .invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", param: nil)
    }

    /// `input`: a string, an array of strings (one result each), or an array of `text` and
    /// `image_url` parts (one result for all of them).
    static func parseInputs(_ value: JSONValue?) throws(SimulatorAPIError) -> [Input] {
        guard let value else { throw SimulatorAPIError.missingParameter("input") }
        if let text = value.stringValue { return [Input(text: text, hasImage: false)] }
        guard let items = value.arrayValue, !items.isEmpty else { throw invalidInput() }
        if items.allSatisfy({ $0.stringValue != nil }) {
            return items.compactMap(\.stringValue).map { Input(text: $0, hasImage: false) }
        }
        var texts: [String] = []
        var hasImage = false
        for item in items {
            switch item["type"]?.stringValue {
            case "text":
                guard let text = item["text"]?.stringValue else { throw invalidInput() }
                texts.append(text)
            case "image_url":
                guard item["image_url"]?["url"]?.stringValue != nil else { throw invalidInput() }
                hasImage = true
            default:
                throw invalidInput()
            }
        }
        return [Input(text: texts.isEmpty ? nil : texts.joined(separator: "\n"), hasImage: hasImage)]
    }

    static func flags(_ text: String) -> Set<String> {
        let lowered = text.lowercased()
        var flagged = Set(categories.filter { category in (keywords[category] ?? []).contains { lowered.contains($0) } })
        for (child, parent) in parents where flagged.contains(child) { flagged.insert(parent) }
        return flagged
    }

    static func result(_ input: Input) -> JSONValue {
        let text = input.text ?? ""
        let flagged = flags(text)
        var categoryFlags = JSONObject()
        var scores = JSONObject()
        var applied = JSONObject()
        for category in categories {
            let hash = SimulatedResponse.fnv1a(category + "\u{0}" + text)
            categoryFlags[category] = .bool(flagged.contains(category))
            // Flagged: 0.9 to 0.9999; not flagged: below 0.01.
            scores[category] = .double(flagged.contains(category) ? 0.9 + Double(hash % 999) / 10_000 : Double(1 + hash % 9_000) / 1_000_000)
            var types: [JSONValue] = []
            if input.text != nil { types.append("text") }
            if input.hasImage, imageCategories.contains(category) { types.append("image") }
            applied[category] = .array(types)
        }
        return [
            "flagged": .bool(!flagged.isEmpty), "categories": .object(categoryFlags), "category_scores": .object(scores),
            "category_applied_input_types": .object(applied),
        ]
    }
}
