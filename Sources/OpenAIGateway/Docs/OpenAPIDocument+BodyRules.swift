import OpenAIClient

/// Rules every request body of the document follows, applied once to the whole document so that each
/// route's schema does not repeat them (schemathesis checks the document against the behaviour).
extension GatewayOpenAPI {
    /// `null` for an optional member of a JSON body is the member left out (``FieldValidator`` treats
    /// null like absent, as the seed's `@IsOptional()` does), so the document says so: each optional
    /// member whose schema has a `type` also takes `null`.
    static func nullableOptionalMembers(_ schema: JSONValue) -> JSONValue {
        guard var object = schema.objectValue, var properties = object["properties"]?.objectValue else { return schema }
        let required = Set(object["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for (name, member) in properties where !required.contains(name) {
            guard var member = member.objectValue else { continue }
            if let type = member["type"] {
                let types = type.arrayValue ?? [type]
                if !types.contains(.string("null")) { member["type"] = .array(types + [.string("null")]) }
                if let values = member["enum"]?.arrayValue, !values.contains(.null) { member["enum"] = .array(values + [.null]) }
            } else if let branches = member["oneOf"]?.arrayValue, !branches.contains(where: { $0["type"] == "null" }) {
                member["oneOf"] = .array(branches + [["type": "null"]])
            } else {
                continue
            }
            properties[name] = .object(member)
        }
        object["properties"] = .object(properties)
        return .object(object)
    }

    /// A JSON body whose unknown members are forwarded to `endpoint` (e.g. `POST /responses`): OpenAI
    /// answers 400 `unknown_parameter` for a member its spec does not have, so the body is closed
    /// (`additionalProperties: false`) and the spec's members the gateway does not check are listed as
    /// forwarded unchecked. `excluded` are members the gateway checks but OpenAI refuses.
    static func forwardedBody(_ schema: JSONValue, endpoint: String, excluded: Set<String> = []) -> JSONValue {
        guard var object = schema.objectValue else { return schema }
        var properties = object["properties"]?.objectValue ?? [:]
        for name in excluded { properties[name] = nil }
        for name in KnownRequestFields.members(endpoint: endpoint) ?? [] where properties[name] == nil && !excluded.contains(name) {
            properties[name] = ["description": "Forwarded to OpenAI unchecked; OpenAI's rules apply."]
        }
        object["properties"] = .object(properties)
        object["additionalProperties"] = false
        return .object(object)
    }

    /// The document with ``nullableOptionalMembers(_:)`` applied to every JSON request body (inline, or
    /// the component schema it references).
    static func withNullableOptionals(paths: JSONObject, schemas: inout JSONObject) -> JSONObject {
        var result = paths
        var referenced = Set<String>()
        for (path, item) in paths {
            guard var operations = item.objectValue else { continue }
            for (method, operation) in operations {
                guard var operation = operation.objectValue, var body = operation["requestBody"]?.objectValue,
                    var content = body["content"]?.objectValue, var json = content["application/json"]?.objectValue,
                    let schema = json["schema"]
                else { continue }
                if let reference = schema["$ref"]?.stringValue {
                    referenced.insert(String(reference.split(separator: "/").last ?? ""))
                    continue
                }
                json["schema"] = nullableOptionalMembers(schema)
                content["application/json"] = .object(json)
                body["content"] = .object(content)
                operation["requestBody"] = .object(body)
                operations[method] = .object(operation)
            }
            result[path] = .object(operations)
        }
        for name in referenced { schemas[name] = schemas[name].map(nullableOptionalMembers) }
        return result
    }
}
