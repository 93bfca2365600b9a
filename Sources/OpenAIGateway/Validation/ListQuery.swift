import HTTPTypes
import Hummingbird
import OpenAIClient

/// The validated query of every list endpoint (`GET /api/files`, `/api/responses/:id/input_items`,
/// the video and vector-store lists): `limit` in a range, `order`, `after`, `before`, and the
/// endpoint's own filters. One policy for keys the endpoint does not know: a 400 naming the key,
/// whose hint lists what the endpoint accepts. Every problem is reported at once.
///
/// ```swift
/// let query = try ListQuery(request, rules: .init(endpoint: "GET /api/videos"))
/// let page = try await client.transport.send(OpenAIRequest(method: .GET, path: ["videos"], query: query.upstream))
/// return try context.call.listPage(page, query: query)   // the data array, Link: <...after=...>; rel="next"
/// ```
struct ListQuery: Sendable {
    /// An endpoint-specific key (e.g. `purpose`, `filter`): its validator returns the problem with a value, if any.
    struct Filter: Sendable {
        var name: String
        /// Further spellings of the same key (e.g. `include[]` for `include`); sent upstream as `name`.
        var aliases: [String] = []
        /// Whether the key may be given several times (all values are kept, in order).
        var repeated = false
        var validate: @Sendable (String) -> ValidationProblem? = { _ in nil }
    }

    struct Rules: Sendable {
        /// For hints, e.g. `GET /api/videos`.
        var endpoint: String
        var limit: ClosedRange<Int> = 1...100
        /// Sent upstream when the client gives no `order` (nil: nothing is sent).
        var defaultOrder: String? = "desc"
        var allowsBefore = false
        var filters: [Filter] = []

        /// The keys this endpoint accepts, for the unknown-key hint.
        var acceptedKeys: [String] {
            ["limit", "order", "after"] + (allowsBefore ? ["before"] : []) + filters.map(\.name)
        }
    }

    /// The gateway path the query was sent to (for the `Link` of the next page).
    let path: String
    var limit: Int?
    var order: String?
    var after: String?
    var before: String?
    /// Validated filter values, by their upstream name, in the order given.
    var filters: [(name: String, value: String)] = []

    /// Validates `request`'s query.
    init(_ request: Request, rules: Rules) throws(GatewayError) {
        try self.init(
            path: request.uri.path,
            parameters: request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) },
            rules: rules
        )
    }

    /// Validates `parameters` (in the order the client sent them) for `path`.
    init(path: String, parameters: [(name: String, value: String)], rules: Rules) throws(GatewayError) {
        self.path = path
        var problems: [ValidationProblem] = []
        func values(_ name: String) -> [String] { parameters.filter { $0.name == name }.map(\.value) }
        let known = Set(["limit", "order", "after"] + (rules.allowsBefore ? ["before"] : []) + rules.filters.flatMap { [$0.name] + $0.aliases })
        var reportedUnknown = Set<String>()
        for (name, _) in parameters where !known.contains(name) && reportedUnknown.insert(name).inserted {
            problems.append(
                ValidationProblem(
                    parameter: name,
                    message: "property \(name) should not exist",
                    hint:
                        "\(rules.endpoint) accepts \(Wording.andList(rules.acceptedKeys)); limit is \(rules.limit.lowerBound)-\(rules.limit.upperBound), order asc or desc."
                )
            )
        }
        for name in known {
            let given = values(name)
            let repeated = rules.filters.first { $0.name == name || $0.aliases.contains(name) }?.repeated ?? false
            if given.count > 1, !repeated {
                problems.append(
                    ValidationProblem(
                        parameter: name,
                        message: "\(name) must be given once (got \(given.count) values)",
                        hint: "Send ?\(name)= a single time."
                    )
                )
            }
        }
        if let raw = values("limit").first {
            let range = rules.limit
            let hint =
                "Use a whole number from \(range.lowerBound) to \(range.upperBound), e.g. ?limit=\(min(max(20, range.lowerBound), range.upperBound)) (got \"\(raw)\")."
            if let limit = Int(raw.trimmingCharacters(in: .whitespaces)) {
                if limit < range.lowerBound {
                    problems.append(ValidationProblem(parameter: "limit", message: "limit must be at least \(range.lowerBound)", hint: hint))
                } else if limit > range.upperBound {
                    problems.append(ValidationProblem(parameter: "limit", message: "limit must not be greater than \(range.upperBound)", hint: hint))
                } else {
                    self.limit = limit
                }
            } else {
                problems.append(ValidationProblem(parameter: "limit", message: "limit must be an integer number", hint: hint))
            }
        }
        if let order = values("order").first {
            if ["asc", "desc"].contains(order) {
                self.order = order
            } else {
                problems.append(
                    ValidationProblem(
                        parameter: "order",
                        message: "order must be either \"asc\" or \"desc\"",
                        hint: "Use ?order=desc for newest first or ?order=asc for oldest first (got \"\(order)\")."
                    )
                )
            }
        } else {
            order = rules.defaultOrder
        }
        for name in ["after", "before"] where name == "after" || rules.allowsBefore {
            guard let value = values(name).first else { continue }
            if value.isEmpty {
                problems.append(
                    ValidationProblem(
                        parameter: name,
                        message: "\(name) must not be empty",
                        hint: "Give the id of the last object of the previous page (its Link header has it), or leave \(name) out."
                    )
                )
            } else if name == "after" {
                after = value
            } else {
                before = value
            }
        }
        for filter in rules.filters {
            for (name, value) in parameters where name == filter.name || filter.aliases.contains(name) {
                if let problem = filter.validate(value) {
                    problems.append(problem)
                } else {
                    filters.append((filter.name, value))
                }
                if !filter.repeated { break }
            }
        }
        if !problems.isEmpty { throw GatewayError.validation(problems) }
    }

    /// The upstream query: the filters, then `order`, `limit`, `after`, `before` when set.
    var upstream: [(name: String, value: String)] {
        var query = filters
        if let order { query.append(("order", order)) }
        if let limit { query.append(("limit", String(limit))) }
        if let after { query.append(("after", after)) }
        if let before { query.append(("before", before)) }
        return query
    }

    /// The gateway URL of the page after `lastID`: the same path, filters, `limit` and `order`.
    func nextPath(after lastID: String) -> String { path(cursor: "after", lastID) }

    /// The gateway URL of the page before `firstID` (paging backwards with `before`).
    func nextPath(before firstID: String) -> String { path(cursor: "before", firstID) }

    private func path(cursor: String, _ id: String) -> String {
        var parts = ["\(cursor)=\(PercentEncoding.encode(id, .queryComponent))"]
        if let limit { parts.append("limit=\(limit)") }
        if let order { parts.append("order=\(order)") }
        for (name, value) in filters {
            parts.append("\(PercentEncoding.encode(name, .queryComponent))=\(PercentEncoding.encode(value, .queryComponent))")
        }
        return path + "?" + parts.joined(separator: "&")
    }
}

extension CallRecorder {
    /// An upstream list envelope (`{data, has_more, last_id}`) answered as the bare `data` array (the
    /// reference app's body), with `Link: <next page>; rel="next"` when the upstream has more. The
    /// call record logs `count`, `has_more` and `extra`.
    /// - Parameter envelope: answer the upstream's list object unchanged instead (routes the reference
    ///   app did not have, such as input items, keep OpenAI's shape), still with the `Link`.
    func listPage(_ response: OpenAIResponse, query: ListQuery, extra: JSONObject = [:], envelope: Bool = false) throws(GatewayError) -> Response {
        let page = try? response.json()
        guard let data = page?["data"]?.arrayValue else {
            throw GatewayError(
                upstream: OpenAIError(
                    kind: .invalidResponse,
                    status: response.metadata.status,
                    message: "The upstream list has no data array",
                    requestID: response.metadata.requestID,
                    attempts: response.metadata.attempts
                )
            )
        }
        let hasMore = page?["has_more"]?.boolValue ?? false
        var headers: HTTPFields = [:]
        // The next page in the direction the client is paging: after the last object, or (paging with
        // `before`) before the first one.
        if hasMore, query.before != nil, let firstID = page?["first_id"]?.stringValue ?? data.first?["id"]?.stringValue {
            headers[.link] = "<\(query.nextPath(before: firstID))>; rel=\"next\""
        } else if hasMore, let lastID = page?["last_id"]?.stringValue ?? data.last?["id"]?.stringValue {
            headers[.link] = "<\(query.nextPath(after: lastID))>; rel=\"next\""
        }
        annotate { record in
            for (key, value) in extra { record.extra[key] = value }
            record.extra["count"] = .int(Int64(data.count))
            record.extra["has_more"] = .bool(hasMore)
            if let order = query.order { record.extra["order"] = .string(order) }
        }
        if envelope {
            var answer = json(response, status: .ok)
            answer.headers.append(contentsOf: headers)
            return answer
        }
        return json(.array(data), status: .ok, upstream: response.metadata, headers: headers)
    }
}

extension HTTPField.Name {
    /// RFC 8288 `Link` (pagination of the list endpoints).
    static let link = HTTPField.Name("Link")!
}
