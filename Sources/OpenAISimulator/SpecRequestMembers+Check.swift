import OpenAIClient

extension SpecRequestMembers {
    /// The spec's operations with a JSON body: the path's segments (`nil` for a `{parameter}`) and the members.
    private static let operations: [(method: String, segments: [String?], members: Set<String>)] = {
        guard let object = try? JSONValue(parsing: Array(json.utf8)).objectValue else { return [] }
        return object.compactMap { key, value in
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].contains("?"), let names = value.arrayValue?.compactMap(\.stringValue) else { return nil }
            let segments = parts[1].split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            return (parts[0], segments, Set(names))
        }
    }()

    /// The members the spec allows in the JSON body of `method path` (`/v1/responses`), or `nil` when
    /// the spec has no JSON body there. A literal segment wins over a `{parameter}` (`/responses/input_tokens`).
    static func members(method: String, path: String) -> Set<String>? {
        var segments = path.split(separator: "/").map(String.init)
        guard segments.first == "v1" else { return nil }
        segments.removeFirst()
        let matches = operations.filter { operation in
            operation.method == method && operation.segments.count == segments.count
                && zip(operation.segments, segments).allSatisfy { template, segment in template == nil || template == segment }
        }
        return matches.max { $0.segments.compactMap { $0 }.count < $1.segments.compactMap { $0 }.count }?.members
    }

    /// OpenAI's 400 `unknown_parameter` for the first top-level member of `body` that the spec does not
    /// list for `method path`; nothing when every member is known or the spec has no JSON body there.
    static func check(_ body: JSONValue, method: String, path: String) throws(SimulatorAPIError) {
        guard let object = body.objectValue, let members = members(method: method, path: path) else { return }
        if let unknown = object.keys.first(where: { !members.contains($0) }) {
            throw .unknownParameter(unknown)
        }
    }
}
