import NIOHTTP1
import OpenAIClient
import Testing

@testable import OpenAIGateway

/// Every vector-store validation rule over real HTTP: a 400 naming the parameter (a JSON path), the
/// message and a hint, and no upstream call.
@Suite("Vector stores: validation")
struct VectorStoreValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var method: HTTPMethod = .POST
        var path: String
        var body: JSONValue?
        var parameter: String
        var message: String

        var description: String { "\(method.rawValue) \(path) → \(parameter)" }
    }

    static let store = "/api/vector-stores"
    static let one = "/api/vector-stores/vs_test"

    static func staticChunking(_ size: JSONValue, _ overlap: JSONValue) -> JSONValue {
        ["type": "static", "static": ["max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap]]
    }

    static let cases: [Case] = [
        // create: file ids, name, chunking, expiry, metadata
        Case(path: store, body: ["file_ids": ["file-ok", "abc"]], parameter: "file_ids[1]", message: "Each file_id must start with \"file-\""),
        Case(path: store, body: ["file_ids": "file-a"], parameter: "file_ids", message: "file_ids must be an array"),
        Case(path: store, body: ["name": 5], parameter: "name", message: "name must be a string"),
        Case(path: store, body: ["description": ["x"]], parameter: "description", message: "description must be a string"),
        Case(
            path: store,
            body: ["chunking_strategy": ["type": "auto", "static": [:]]],
            parameter: "chunking_strategy.static",
            message: "type \"auto\" takes no other keys"
        ),
        Case(
            path: store,
            body: ["chunking_strategy": staticChunking(99, 0)],
            parameter: "chunking_strategy.static.max_chunk_size_tokens",
            message: "between 100 and 4096 (got 99)"
        ),
        Case(
            path: store,
            body: ["chunking_strategy": staticChunking(4097, 0)],
            parameter: "chunking_strategy.static.max_chunk_size_tokens",
            message: "between 100 and 4096 (got 4097)"
        ),
        Case(
            path: store,
            body: ["chunking_strategy": staticChunking(800, 401)],
            parameter: "chunking_strategy.static.chunk_overlap_tokens",
            message: "must not exceed max_chunk_size_tokens / 2 = 400 (got 401)"
        ),
        Case(
            path: store,
            body: ["chunking_strategy": staticChunking(800, -1)],
            parameter: "chunking_strategy.static.chunk_overlap_tokens",
            message: "must not be negative"
        ),
        Case(
            path: store,
            body: ["chunking_strategy": ["type": "static"]],
            parameter: "chunking_strategy.static",
            message: "needs a \"static\" object"
        ),
        Case(
            path: store,
            body: ["chunking_strategy": ["type": "semantic"]],
            parameter: "chunking_strategy.type",
            message: "type must be \"auto\" or \"static\" (got \"semantic\")"
        ),
        Case(path: store, body: ["chunking_strategy": "auto"], parameter: "chunking_strategy", message: "chunking_strategy must be an object"),
        Case(
            path: store,
            body: ["expires_after": ["anchor": "created_at", "days": 7]],
            parameter: "expires_after.anchor",
            message: "expires_after.anchor must be \"last_active_at\""
        ),
        Case(
            path: store,
            body: ["expires_after": ["anchor": "last_active_at", "days": 366]],
            parameter: "expires_after.days",
            message: "expires_after.days must not be greater than 365"
        ),
        Case(
            path: store,
            body: ["expires_after": ["anchor": "last_active_at"]],
            parameter: "expires_after.days",
            message: "expires_after.days is required"
        ),
        Case(
            path: store,
            body: ["metadata": .object(JSONObject((0..<17).map { ("k\($0)", JSONValue.string("v")) }))],
            parameter: "metadata",
            message: "metadata must have at most 16 key-value pairs"
        ),
        Case(
            path: store,
            body: ["metadata": .object(JSONObject([(String(repeating: "k", count: 65), JSONValue.string("v"))]))],
            parameter: "metadata.\(String(repeating: "k", count: 65))",
            message: "metadata keys must be at most 64 characters"
        ),
        Case(
            path: store,
            body: ["metadata": ["note": .string(String(repeating: "x", count: 513))]],
            parameter: "metadata.note",
            message: "metadata.note must be at most 512 characters"
        ),
        Case(path: store, body: ["metadata": ["n": 1]], parameter: "metadata.n", message: "metadata.n must be a string"),
        Case(path: store, body: [1, 2], parameter: "body", message: "The request body must be a JSON object"),
        // update
        Case(method: .PATCH, path: one, body: ["name": 3], parameter: "name", message: "name must be a string"),
        Case(
            method: .PATCH,
            path: one,
            body: ["expires_after": ["anchor": "last_active_at", "days": 0]],
            parameter: "expires_after.days",
            message: "expires_after.days must not be less than 1"
        ),
        Case(method: .PATCH, path: one, body: ["metadata": [1]], parameter: "metadata", message: "metadata must be an object"),
        // search: query, max_num_results, ranking_options, rewrite_query, filters
        Case(path: one + "/search", body: [:], parameter: "query", message: "query is required"),
        Case(path: one + "/search", body: ["query": []], parameter: "query", message: "query array cannot be empty"),
        Case(path: one + "/search", body: ["query": ["a", 3]], parameter: "query[1]", message: "each value in query must be a string"),
        Case(path: one + "/search", body: ["query": 4], parameter: "query", message: "query must be a string or an array of strings"),
        Case(
            path: one + "/search",
            body: ["query": "q", "max_num_results": 51],
            parameter: "max_num_results",
            message: "max_num_results must not be greater than 50"
        ),
        Case(path: one + "/search", body: ["query": "q", "max_num_results": 0], parameter: "max_num_results", message: "must not be less than 1"),
        Case(
            path: one + "/search",
            body: ["query": "q", "max_num_results": 2.5],
            parameter: "max_num_results",
            message: "max_num_results must be an integer number"
        ),
        Case(
            path: one + "/search",
            body: ["query": "q", "ranking_options": ["ranker": "best"]],
            parameter: "ranking_options.ranker",
            message: "ranking_options.ranker must be one of: none, auto, default-2024-11-15"
        ),
        Case(
            path: one + "/search",
            body: ["query": "q", "ranking_options": ["score_threshold": 1.5]],
            parameter: "ranking_options.score_threshold",
            message: "ranking_options.score_threshold must not be greater than 1"
        ),
        Case(path: one + "/search", body: ["query": "q", "ranking_options": 1], parameter: "ranking_options", message: "must be an object"),
        Case(path: one + "/search", body: ["query": "q", "rewrite_query": "yes"], parameter: "rewrite_query", message: "must be a boolean value"),
        Case(
            path: one + "/search",
            body: ["query": "q", "filters": ["type": "eq", "key": "a"]],
            parameter: "filters.value",
            message: "Invalid search filter configuration: filters.value is required"
        ),
        Case(
            path: one + "/search",
            body: [
                "query": "q",
                "filters": ["type": "and", "filters": [["type": "eq", "key": "a", "value": 1], ["type": "in", "key": "b", "value": "x"]]],
            ],
            parameter: "filters.filters[1].value",
            message: "filters.filters[1].value must be an array for type \"in\""
        ),
        Case(
            path: one + "/search",
            body: ["query": "q", "filters": ["type": "or", "filters": []]],
            parameter: "filters.filters",
            message: "must be a non-empty array of filters"
        ),
        Case(
            path: one + "/search",
            body: ["query": "q", "filters": ["type": "like", "key": "a", "value": 1]],
            parameter: "filters.type",
            message: "must be one of eq, ne, gt, gte, lt, lte, in, nin, and, or (got \"like\")"
        ),
        Case(
            path: one + "/search",
            body: ["query": "q", "filters": ["type": "eq", "key": "", "value": 1]],
            parameter: "filters.key",
            message: "filters.key must be a non-empty string"
        ),
        Case(
            path: one + "/search",
            body: [
                "query": "q", "filters": ["type": "and", "filters": [["type": "or", "filters": [["type": "eq", "key": "a", "value": ["x": 1]]]]]],
            ],
            parameter: "filters.filters[0].filters[0].value",
            message: "must be a string, number, boolean or array (got an object)"
        ),
        Case(
            path: one + "/search",
            body: ["query": "q", "filters": ["type": "nin", "key": "a", "value": [1, true]]],
            parameter: "filters.value[1]",
            message: "filters.value[1] must be a string or a number"
        ),
        Case(path: one + "/search", body: ["query": "q", "filters": "a=1"], parameter: "filters", message: "filters must be an object"),
        // files: file_id, attributes, chunking
        Case(path: one + "/files", body: [:], parameter: "file_id", message: "file_id is required"),
        Case(path: one + "/files", body: ["file_id": "vs_1"], parameter: "file_id", message: "file_id must start with \"file-\""),
        Case(
            path: one + "/files",
            body: ["file_id": "file-a", "attributes": .object(JSONObject((0..<17).map { ("k\($0)", JSONValue.int(1)) }))],
            parameter: "attributes",
            message: "attributes must have at most 16 keys"
        ),
        Case(
            path: one + "/files",
            body: ["file_id": "file-a", "attributes": ["k": ["nested": true]]],
            parameter: "attributes.k",
            message: "attributes.k must be a string, a number or a boolean"
        ),
        Case(
            path: one + "/files",
            body: ["file_id": "file-a", "attributes": ["k": .string(String(repeating: "x", count: 513))]],
            parameter: "attributes.k",
            message: "attributes.k must be at most 512 characters"
        ),
        Case(
            path: one + "/files",
            body: ["file_id": "file-a", "chunking_strategy": staticChunking(100, 51)],
            parameter: "chunking_strategy.static.chunk_overlap_tokens",
            message: "= 50 (got 51)"
        ),
        Case(method: .PATCH, path: one + "/files/file-a", body: [:], parameter: "attributes", message: "attributes is required"),
        Case(
            method: .PATCH,
            path: one + "/files/file-a",
            body: ["attributes": [1]],
            parameter: "attributes",
            message: "attributes must be an object"
        ),
        // batches
        Case(path: one + "/file-batches", body: [:], parameter: "file_ids", message: "file_ids or files is required"),
        Case(path: one + "/file-batches", body: ["file_ids": []], parameter: "file_ids", message: "file_ids array cannot be empty"),
        Case(
            path: one + "/file-batches",
            body: ["file_ids": ["file-a"], "files": [["file_id": "file-b"]]],
            parameter: "files",
            message: "file_ids and files are mutually exclusive"
        ),
        Case(
            path: one + "/file-batches",
            body: ["files": [["file_id": "x"]]],
            parameter: "files[0].file_id",
            message: "files[0].file_id must start with \"file-\""
        ),
        Case(path: one + "/file-batches", body: ["files": ["file-a"]], parameter: "files[0]", message: "files[0] must be an object"),
        Case(
            path: one + "/file-batches",
            body: ["files": [["file_id": "file-a", "chunking_strategy": staticChunking(5000, 0)]]],
            parameter: "files[0].chunking_strategy.static.max_chunk_size_tokens",
            message: "(got 5000)"
        ),
        Case(
            path: one + "/file-batches",
            body: ["file_ids": ["file-a"], "attributes": ["k": nil]],
            parameter: "attributes.k",
            message: "must be a string"
        ),
        // polls
        Case(path: one + "/poll?max_wait_ms=0", body: nil, parameter: "max_wait_ms", message: "max_wait_ms must be greater than 0"),
        Case(path: one + "/poll", body: ["max_wait_ms": "soon"], parameter: "max_wait_ms", message: "whole number of milliseconds"),
        Case(path: one + "/files/file-a/poll?max_wait_ms=3600001", body: nil, parameter: "max_wait_ms", message: "must not be greater than 3600000"),
        Case(path: one + "/file-batches/vsfb_1/poll?max_wait_ms=1.5", body: nil, parameter: "max_wait_ms", message: "whole number"),
        Case(path: one + "/files/upload?poll=maybe", body: nil, parameter: "poll", message: "poll must be true or false"),
        // lists
        Case(method: .GET, path: store + "?limit=101", parameter: "limit", message: "limit must not be greater than 100"),
        Case(method: .GET, path: store + "?order=up", parameter: "order", message: "order must be either \"asc\" or \"desc\""),
        Case(
            method: .GET,
            path: one + "/files?filter=done",
            parameter: "filter",
            message: "filter must be one of: in_progress, completed, failed, cancelled"
        ),
        Case(method: .GET, path: one + "/file-batches/vsfb_1/files?purpose=x", parameter: "purpose", message: "property purpose should not exist"),
    ]

    @Test("each rule is a 400 with the parameter path, the message and a hint, and no upstream call")
    func rules() async throws {
        try await GatewayHarness.run { gateway in
            for rule in Self.cases {
                let answer = try await gateway.request(rule.method, rule.path, json: rule.body)
                #expect(answer.status == 400, "\(rule): \(answer.text)")
                let body = try answer.json()
                #expect(body["parameter"]?.stringValue == rule.parameter, "\(rule): \(answer.text)")
                #expect(body["message"]?.stringValue?.contains(rule.message) == true, "\(rule): \(answer.text)")
                #expect((body["hint"]?.stringValue?.count ?? 0) > 10, "\(rule): \(answer.text)")
            }
            #expect(gateway.upstreamTotal == 0)
        }
    }

    @Test("every problem of a body is reported at once")
    func everyProblemAtOnce() async throws {
        try await GatewayHarness.run { gateway in
            let answer = try await gateway.request(
                .POST,
                Self.store,
                json: ["file_ids": ["x"], "name": 1, "expires_after": ["anchor": "never", "days": 1000], "chunking_strategy": ["type": "x"]]
            )
            let parameters = try answer.json()["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue }
            #expect(
                parameters == ["name", "file_ids[0]", "chunking_strategy.type", "expires_after.anchor", "expires_after.days"]
            )
        }
    }

    @Test("a valid body passes the rules")
    func validBodies() {
        #expect(
            VectorStoreRules.create([
                "name": "n", "file_ids": ["file-a"], "chunking_strategy": Self.staticChunking(4096, 2048),
                "expires_after": ["anchor": "last_active_at", "days": 365],
                "metadata": .object(JSONObject((0..<16).map { ("k\($0)", JSONValue.string(String(repeating: "v", count: 512))) })),
            ]).isEmpty
        )
        #expect(VectorStoreRules.update(["name": nil, "expires_after": nil, "metadata": nil]).isEmpty)
        #expect(
            VectorStoreRules.addFile(["file_id": "file-a", "attributes": ["a": "b", "n": 1.5, "t": true], "chunking_strategy": ["type": "auto"]])
                .isEmpty
        )
        #expect(VectorStoreRules.updateFile(["attributes": nil]).isEmpty)
        #expect(
            VectorStoreSearchRules.validate([
                "query": ["a", "b"], "max_num_results": 50, "rewrite_query": true, "ranking_options": ["ranker": "none", "score_threshold": 0],
                "filters": [
                    "type": "or",
                    "filters": [
                        ["type": "in", "key": "a", "value": [1, "x"]], ["type": "and", "filters": [["type": "gte", "key": "y", "value": 2]]],
                    ],
                ],
            ]).isEmpty
        )
    }
}
