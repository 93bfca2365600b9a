import Foundation
import OpenAIClient

/// Validates JSON against the OpenAI spec's own schemas (``SpecSchemas``, generated from the official
/// OpenAPI document by `scripts/generate_request_schemas.py`), so that the rules of the tools, the
/// tool choice, the prompt, `text`, `reasoning` and the other create-body members follow the spec.
///
/// The subset of JSON Schema the spec uses is understood: `$ref`, `allOf`, `anyOf`/`oneOf` (a branch
/// is chosen by the object's `type` when the branches say which `type` they are, else by the value's
/// JSON type), `type` (also as a list), `nullable`, `enum`, `const`, string lengths and `pattern`,
/// number bounds, array bounds and `items`, and `properties`/`required`/`additionalProperties: false`.
/// Each problem names its JSON path; its hint is the schema's own description.
///
/// ```swift
/// SchemaRules.shared.problems(tool, schema: "FileSearchTool", path: "tools[0]")
/// // [tools[0].vector_store_ids must be an array ...]
/// ```
struct SchemaRules: Sendable {
    let schemas: JSONObject
    let properties: JSONObject
    /// Each tool schema of the `Tool` union by its `type` value (`function`, `file_search`, `mcp`, ...),
    /// worked out once.
    let toolSchemas: [String: String]
    /// Every `pattern` of the schemas, compiled once.
    let patterns: [String: NSRegularExpression]

    init(schemas: JSONObject, properties: JSONObject) {
        self.schemas = schemas
        self.properties = properties
        var byType: [String: String] = [:]
        for branch in schemas["Tool"]?["oneOf"]?.arrayValue ?? [] {
            guard let name = branch["$ref"]?.stringValue.map(Self.refName) else { continue }
            for type in Self.typeValues(schemas[name] ?? .null, in: schemas) { byType[type] = name }
        }
        self.toolSchemas = byType
        var patterns: [String: NSRegularExpression] = [:]
        func collect(_ node: JSONValue) {
            if let object = node.objectValue {
                if let pattern = object["pattern"]?.stringValue, patterns[pattern] == nil {
                    patterns[pattern] = try? NSRegularExpression(pattern: pattern)
                }
                for (_, child) in object { collect(child) }
            } else if let array = node.arrayValue {
                array.forEach(collect)
            }
        }
        collect(.object(schemas))
        collect(.object(properties))
        self.patterns = patterns
    }

    static let shared: SchemaRules = {
        let document = (try? JSONValue(parsing: SpecSchemas.json)) ?? [:]
        return SchemaRules(schemas: document["schemas"]?.objectValue ?? [:], properties: document["properties"]?.objectValue ?? [:])
    }()

    /// The problems of `value` against the named component schema.
    func problems(_ value: JSONValue, schema name: String, path: String) -> [ValidationProblem] {
        guard let schema = schemas[name] else { return [] }
        var problems: [ValidationProblem] = []
        check(value, schema, path: path, into: &problems)
        return problems
    }

    /// The problems of the create body's member `name` (its inline schema in `CreateResponse`).
    func problems(member name: String, value: JSONValue) -> [ValidationProblem] {
        guard let schema = properties[name] else { return [] }
        var problems: [ValidationProblem] = []
        check(value, schema, path: name, into: &problems)
        return problems
    }

    // MARK: - Checking

    private static func refName(_ ref: String) -> String { String(ref.split(separator: "/").last ?? "") }

    private static func resolve(_ schema: JSONValue, in schemas: JSONObject) -> JSONValue {
        var current = schema
        var depth = 0
        while let ref = current["$ref"]?.stringValue, depth < 32 {
            current = schemas[refName(ref)] ?? [:]
            depth += 1
        }
        return current
    }

    private func resolve(_ schema: JSONValue) -> JSONValue { Self.resolve(schema, in: schemas) }

    /// The `type` values an object schema stands for (`properties.type.enum` or `const`), through refs and unions.
    private static func typeValues(_ schema: JSONValue, in schemas: JSONObject) -> [String] {
        let schema = resolve(schema, in: schemas)
        if let type = schema["properties"]?["type"] {
            let resolved = resolve(type, in: schemas)
            if let values = resolved["enum"]?.arrayValue?.compactMap(\.stringValue), !values.isEmpty { return values }
            if let value = resolved["const"]?.stringValue { return [value] }
        }
        return (schema["allOf"]?.arrayValue ?? []).flatMap { typeValues($0, in: schemas) }
    }

    private func typeValues(_ schema: JSONValue) -> [String] { Self.typeValues(schema, in: schemas) }

    private func hint(_ schema: JSONValue) -> String? { schema["description"]?.stringValue }

    private func check(_ value: JSONValue, _ schema: JSONValue, path: String, into problems: inout [ValidationProblem], depth: Int = 0) {
        guard depth < 64 else { return }
        let schema = resolve(schema)
        if value.isNull, schema["nullable"]?.boolValue == true { return }
        for part in schema["allOf"]?.arrayValue ?? [] { check(value, part, path: path, into: &problems, depth: depth + 1) }
        if let branches = schema["anyOf"]?.arrayValue ?? schema["oneOf"]?.arrayValue {
            checkUnion(value, branches: branches, parent: schema, path: path, into: &problems, depth: depth)
        }
        if let types = typeNames(schema), !types.contains(where: { Self.matches(value, type: $0) }) {
            problems.append(
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must be \(Self.kinds(types))",
                    hint: hint(schema) ?? "Send \(Self.article(types[0])) (got \(FieldValidator.article(value.typeName)))."
                )
            )
            return
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.isEmpty, !allowed.contains(value) {
            let list = allowed.map { $0.stringValue ?? $0.jsonString }
            let given = value.stringValue.map { "\"\($0.prefix(60))\"" } ?? value.jsonString.prefix(60).description
            problems.append(
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must be one of: \(list.joined(separator: ", "))",
                    hint: "Use \(Wording.orList(list)) (got \(given))." + (hint(schema).map { " " + $0 } ?? "")
                )
            )
            return
        }
        if let constant = schema["const"], constant != value {
            problems.append(ValidationProblem(parameter: path, message: "\(path) must be \(constant.jsonString)", hint: hint(schema)))
            return
        }
        switch value {
        case .string(let text): checkString(text, schema, path: path, into: &problems)
        case .int, .double, .number: checkNumber(value.doubleValue ?? 0, schema, path: path, into: &problems)
        case .array(let items): checkArray(items, schema, path: path, into: &problems, depth: depth)
        case .object(let object): checkObject(object, schema, path: path, into: &problems, depth: depth)
        default: break
        }
    }

    private func checkUnion(
        _ value: JSONValue,
        branches: [JSONValue],
        parent: JSONValue,
        path: String,
        into problems: inout [ValidationProblem],
        depth: Int
    ) {
        var candidates: [(JSONValue, [ValidationProblem])] = []
        for branch in branches {
            var found: [ValidationProblem] = []
            check(value, branch, path: path, into: &found, depth: depth + 1)
            if found.isEmpty { return }
            candidates.append((branch, found))
        }
        // The branch the value meant: the one whose `type` it names, else the one of its JSON type.
        if let type = value["type"]?.stringValue,
            let chosen = candidates.first(where: { typeValues($0.0).contains(type) })
        {
            problems += chosen.1
            return
        }
        let sameType = candidates.filter { candidate in
            typeNames(resolve(candidate.0)).map { $0.contains { Self.matches(value, type: $0) } } ?? false
        }
        if sameType.count == 1, let only = sameType.first {
            problems += only.1
            return
        }
        let kinds = Array(Set(candidates.flatMap { typeNames(resolve($0.0)) ?? [] })).sorted()
        let names = candidates.flatMap { typeValues($0.0) }
        var message = "\(path) is not valid"
        if !names.isEmpty, value.objectValue != nil {
            message = "\(path).type must be one of: \(names.joined(separator: ", "))"
        } else if !kinds.isEmpty {
            message = "\(path) must be \(Self.kinds(kinds))"
        }
        let firstProblem = (sameType.first ?? candidates.first)?.1.first
        problems.append(
            ValidationProblem(
                parameter: names.isEmpty || value.objectValue == nil ? path : path + ".type",
                message: message,
                hint: hint(parent) ?? firstProblem.map { "For example: \($0.message)." }
            )
        )
    }

    private func checkString(_ text: String, _ schema: JSONValue, path: String, into problems: inout [ValidationProblem]) {
        let count = text.count
        if let minimum = schema["minLength"]?.intValue, count < minimum {
            problems.append(
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must be at least \(minimum) character\(minimum == 1 ? "" : "s") long",
                    hint: hint(schema)
                )
            )
        }
        if let maximum = schema["maxLength"]?.intValue, count > maximum {
            problems.append(
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must be at most \(maximum) characters long (it has \(count))",
                    hint: hint(schema)
                )
            )
        }
        if let pattern = schema["pattern"]?.stringValue, let regex = patterns[pattern],
            regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
        {
            problems.append(
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must match \(pattern)",
                    hint: (hint(schema).map { $0 + " " } ?? "") + "Got \"\(text.prefix(60))\"."
                )
            )
        }
    }

    private func checkNumber(_ number: Double, _ schema: JSONValue, path: String, into problems: inout [ValidationProblem]) {
        let bounds: [(String, (Double, Double) -> Bool, String)] = [
            ("minimum", { $0 < $1 }, "at least"), ("maximum", { $0 > $1 }, "at most"),
            ("exclusiveMinimum", { $0 <= $1 }, "greater than"), ("exclusiveMaximum", { $0 >= $1 }, "less than"),
        ]
        for (key, fails, words) in bounds {
            guard let bound = schema[key]?.doubleValue, fails(number, bound) else { continue }
            problems.append(
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must be \(words) \(FieldValidator.format(bound))",
                    hint: hint(schema) ?? "Got \(FieldValidator.format(number))."
                )
            )
        }
    }

    private func checkArray(_ items: [JSONValue], _ schema: JSONValue, path: String, into problems: inout [ValidationProblem], depth: Int) {
        if let minimum = schema["minItems"]?.intValue, items.count < minimum {
            problems.append(
                ValidationProblem(
                    parameter: path,
                    message: "\(path) must have at least \(minimum) element\(minimum == 1 ? "" : "s")",
                    hint: hint(schema)
                )
            )
        }
        if let maximum = schema["maxItems"]?.intValue, items.count > maximum {
            problems.append(ValidationProblem(parameter: path, message: "\(path) must have at most \(maximum) elements", hint: hint(schema)))
        }
        guard let itemSchema = schema["items"] else { return }
        for (index, item) in items.enumerated() {
            check(item, itemSchema, path: FieldValidator.path(path, index: index), into: &problems, depth: depth + 1)
        }
    }

    private func checkObject(_ object: JSONObject, _ schema: JSONValue, path: String, into problems: inout [ValidationProblem], depth: Int) {
        let properties = schema["properties"]?.objectValue ?? [:]
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            let member = FieldValidator.path(path, key: name)
            problems.append(
                ValidationProblem(
                    parameter: member,
                    message: "\(member) is required",
                    hint: properties[name].flatMap { hint(resolve($0)) ?? hint($0) }
                )
            )
        }
        for (name, member) in object {
            let memberPath = FieldValidator.path(path, key: name)
            if let memberSchema = properties[name] {
                check(member, memberSchema, path: memberPath, into: &problems, depth: depth + 1)
            } else if schema["additionalProperties"]?.boolValue == false {
                problems.append(
                    ValidationProblem(
                        parameter: memberPath,
                        message: "\(memberPath) is not a known property",
                        hint: "Known properties: \(properties.map(\.key).sorted().joined(separator: ", "))."
                    )
                )
            } else if let additional = schema["additionalProperties"], additional.objectValue?.isEmpty == false {
                check(member, additional, path: memberPath, into: &problems, depth: depth + 1)
            }
        }
    }

    // MARK: - Types

    private func typeNames(_ schema: JSONValue) -> [String]? {
        if let type = schema["type"]?.stringValue { return schema["nullable"]?.boolValue == true ? [type, "null"] : [type] }
        if let types = schema["type"]?.arrayValue?.compactMap(\.stringValue), !types.isEmpty { return types }
        return nil
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("null", .null), ("array", .array), ("object", .object): true
        case ("number", .int), ("number", .double): true
        case ("integer", .int): true
        case ("integer", .double(let number)): number.rounded() == number && abs(number) < 9e15
        default: false
        }
    }

    /// `an object`, `a string or an array`: the types a value may have (null left out: it is always
    /// "leave it out" in a message).
    private static func kinds(_ types: [String]) -> String {
        let shown = types.filter { $0 != "null" }
        return Wording.orList((shown.isEmpty ? types : shown).map(article))
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "integer": "an integer"
        case "object": "an object"
        case "array": "an array"
        case "null": "null"
        default: "a \(type)"
        }
    }
}
