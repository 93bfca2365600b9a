import OpenAIClient

/// The top-level members of every upstream endpoint's request body, from the OpenAI spec
/// (``SpecSchemas/requestMembers``), so that when the upstream rejects a field it does not know
/// (`unknown_parameter`, named in `param`) the hint can name the field the caller probably meant.
/// Unknown fields are still forwarded: only the upstream decides that one is wrong.
enum KnownRequestFields {
    /// `method path` with every `{capture}` written `{}` → the members of its body.
    static let members: [String: [String]] = {
        guard let object = try? JSONValue(parsing: Array(SpecSchemas.requestMembers.utf8)).objectValue else { return [:] }
        var members: [String: [String]] = [:]
        for (endpoint, names) in object {
            members[normalized(endpoint)] = names.arrayValue?.compactMap(\.stringValue) ?? []
        }
        return members
    }()

    /// The members of the body of `endpoint`, an upstream call such as `POST /v1/responses` or
    /// `POST /v1/vector_stores/{id}/search` (any base path, any capture names); nil for an unknown endpoint.
    static func members(endpoint: String) -> [String]? {
        let wanted = normalized(endpoint)
        guard let space = wanted.firstIndex(of: " ") else { return nil }
        let method = wanted[..<space]
        // The longest spec path the endpoint ends with (the base path, `/v1`, comes first); a spec path starts
        // with `/`, so the match is at a segment boundary.
        let match = members.keys.filter { key in
            key.hasPrefix(method + " ") && wanted.hasSuffix(key.dropFirst(method.count + 1))
        }.max { $0.count < $1.count }
        return match.flatMap { members[$0] }
    }

    /// The known member of `endpoint`'s body nearest to `field`, when it looks like a typo of it.
    static func suggestion(for field: String, endpoint: String) -> String? {
        guard let names = members(endpoint: endpoint), !names.contains(field) else { return nil }
        let lowered = field.lowercased()
        if let sameButCase = names.first(where: { $0.lowercased() == lowered }) { return sameButCase }
        return Wording.nearest(to: lowered, among: names)
    }

    /// The hint for an upstream `unknown_parameter` on `endpoint`, naming the nearest known field.
    static func hint(unknown field: String, endpoint: String) -> String? {
        guard let near = suggestion(for: field, endpoint: endpoint) else { return nil }
        return "Did you mean `\(near)`? `\(field)` is not a field of \(endpoint); rename it, or remove it."
    }

    private static func normalized(_ endpoint: String) -> String {
        var out = ""
        var inCapture = false
        for character in endpoint {
            if character == "{" {
                inCapture = true
                out += "{}"
            } else if character == "}" {
                inCapture = false
            } else if !inCapture {
                out.append(character)
            }
        }
        return out
    }
}
