import OpenAIClient

/// The rules of `POST /api/vector-stores/:id/search`: `query` (a string or a non-empty array of
/// strings, required), `max_num_results` 1...50, `filters` (comparison and compound filters, nested,
/// each problem named by its path such as `filters.filters[1].value`), `ranking_options` and
/// `rewrite_query`.
enum VectorStoreSearchRules {
    static let comparisonTypes = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"]
    static let compoundTypes = ["and", "or"]
    static let rankers = ["none", "auto", "default-2024-11-15"]

    static let filterHint =
        "A comparison filter is {\"type\": \"eq\", \"key\": \"author\", \"value\": \"Ada\"} (type one of eq, ne, gt, gte, lt, lte, in, nin; "
        + "in/nin take an array); a compound filter is {\"type\": \"and\" or \"or\", \"filters\": [ ... ]}, nested as deep as needed."

    static func validate(_ body: JSONObject) -> [ValidationProblem] {
        var rules = FieldValidator(body)
        let queryHint = "Send \"query\": \"what to look for\", or a non-empty array of such strings."
        switch body["query"] {
        case nil, .null?:
            rules.fail("query", "query is required", hint: queryHint)
        case .string?:
            break
        case .array(let items)?:
            if items.isEmpty {
                rules.fail("query", "query array cannot be empty", hint: queryHint)
            }
            for (index, item) in items.enumerated() where item.stringValue == nil {
                rules.fail(parameter: "query[\(index)]", "each value in query must be a string", hint: queryHint)
            }
        case .some(let other):
            rules.fail("query", "query must be a string or an array of strings", hint: queryHint + " (got \(FieldValidator.article(other.typeName)))")
        }
        rules.integer("max_num_results", min: 1, max: 50, hint: "Use a whole number from 1 to 50 (the default is 10).")
        rules.boolean("rewrite_query")
        rules.nested("ranking_options") { options in
            options.oneOf(
                "ranker",
                values: rankers,
                hint: "Use \"auto\" (the default), \"default-2024-11-15\", or \"none\" to skip re-ranking."
            )
            options.number("score_threshold", min: 0, max: 1, hint: "Use a number from 0 to 1: results scoring below it are left out.")
        }
        if let filter = body["filters"], !filter.isNull {
            rules.problems += problems(filter, path: "filters")
        }
        return rules.problems
    }

    /// Every problem of one filter and its children, each at its own path.
    static func problems(_ filter: JSONValue, path: String) -> [ValidationProblem] {
        func problem(_ at: String, _ detail: String) -> ValidationProblem {
            ValidationProblem(parameter: at, message: "Invalid search filter configuration: \(detail)", hint: filterHint)
        }
        guard let object = filter.objectValue else {
            return [problem(path, "\(path) must be an object (got \(FieldValidator.article(filter.typeName)))")]
        }
        let typePath = FieldValidator.path(path, key: "type")
        guard let type = object["type"]?.stringValue else {
            return [problem(typePath, "\(typePath) must be a string")]
        }
        if compoundTypes.contains(type) {
            let filtersPath = FieldValidator.path(path, key: "filters")
            guard let children = object["filters"]?.arrayValue, !children.isEmpty else {
                return [problem(filtersPath, "\(filtersPath) must be a non-empty array of filters for type \"\(type)\"")]
            }
            return children.enumerated().flatMap { problems($0.element, path: FieldValidator.path(filtersPath, index: $0.offset)) }
        }
        guard comparisonTypes.contains(type) else {
            return [problem(typePath, "\(typePath) must be one of \((comparisonTypes + compoundTypes).joined(separator: ", ")) (got \"\(type)\")")]
        }
        var found: [ValidationProblem] = []
        let keyPath = FieldValidator.path(path, key: "key")
        if (object["key"]?.stringValue ?? "").isEmpty {
            found.append(problem(keyPath, "\(keyPath) must be a non-empty string (the attribute to compare)"))
        }
        let valuePath = FieldValidator.path(path, key: "value")
        switch object["value"] {
        case .string?, .int?, .double?, .bool?:
            if type == "in" || type == "nin" {
                found.append(problem(valuePath, "\(valuePath) must be an array for type \"\(type)\""))
            }
        case .array(let items)?:
            if items.isEmpty {
                found.append(problem(valuePath, "\(valuePath) must not be an empty array"))
            }
            for (index, item) in items.enumerated() {
                switch item {
                case .string, .int, .double: continue
                default:
                    let itemPath = FieldValidator.path(valuePath, index: index)
                    found.append(problem(itemPath, "\(itemPath) must be a string or a number (got \(FieldValidator.article(item.typeName)))"))
                }
            }
        case nil:
            found.append(problem(valuePath, "\(valuePath) is required"))
        case .some(let other):
            found.append(
                problem(valuePath, "\(valuePath) must be a string, number, boolean or array (got \(FieldValidator.article(other.typeName)))")
            )
        }
        return found
    }

    /// What the log keeps of the query: the string, or `[N queries]`.
    static func logQuery(_ query: JSONValue?) -> JSONValue {
        switch query {
        case .string(let text)?: .string(text)
        case .array(let items)?: .string("[\(items.count) queries]")
        default: .null
        }
    }
}
