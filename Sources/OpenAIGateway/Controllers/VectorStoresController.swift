import Hummingbird
import NIOCore
import OpenAIClient

/// `/api/vector-stores`: stores, their files and file batches, search, file content, polls until a
/// store, file or batch is ready, and an upload that streams a file to `/v1/files` and attaches it.
///
/// Path ids are checked (`vs_…`, `file-…`, `vsfb_…`) before any upstream call; bodies are validated
/// by ``VectorStoreRules``; every list shares ``ListQuery`` (the body is the page's array, `Link`
/// points at the next page). Each call logs the store id, status, file counts, batch id, result
/// count, query and `usage_bytes` (storage is billed per GB-day).
struct VectorStoresController: Sendable {
    typealias Context = GatewayRequestContext
    let client: OpenAIClient
    let configuration: GatewayConfiguration

    /// The wait of a poll when the client names none (the reference app's 30 s).
    static let defaultMaxWait: Duration = .seconds(30)

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":vector_store_id", use: retrieve)
        group.patch(":vector_store_id", use: update)
        group.delete(":vector_store_id", use: delete)
        group.post(":vector_store_id/search", use: search)
        group.post(":vector_store_id/poll", use: poll)
        group.post(":vector_store_id/files", use: addFile)
        group.get(":vector_store_id/files", use: listFiles)
        group.post(":vector_store_id/files/upload", use: upload)
        group.get(":vector_store_id/files/:file_id", use: retrieveFile)
        group.patch(":vector_store_id/files/:file_id", use: updateFile)
        group.delete(":vector_store_id/files/:file_id", use: deleteFile)
        group.get(":vector_store_id/files/:file_id/content", use: fileContent)
        group.post(":vector_store_id/files/:file_id/poll", use: pollFile)
        group.post(":vector_store_id/file-batches", use: createBatch)
        group.get(":vector_store_id/file-batches/:batch_id", use: retrieveBatch)
        group.post(":vector_store_id/file-batches/:batch_id/cancel", use: cancelBatch)
        group.get(":vector_store_id/file-batches/:batch_id/files", use: listBatchFiles)
        group.post(":vector_store_id/file-batches/:batch_id/poll", use: pollBatch)
    }

    // MARK: - Stores

    /// `POST /api/vector-stores` → 201 VectorStore.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await Self.body(request, limit: configuration.maxBodySize, allowEmpty: true, rules: VectorStoreRules.create)
        return context.call.json(try await client.vectorStores.create(body), status: .created, describe: Self.storeFields)
    }

    /// `GET /api/vector-stores?limit=&order=&after=&before=` → 200 array of VectorStores, `Link` to the next page.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = try ListQuery(request, rules: .init(endpoint: "GET /api/vector-stores", allowsBefore: true))
        return try context.call.listPage(try await client.vectorStores.list(query: query.upstream), query: query)
    }

    /// `GET /api/vector-stores/:vector_store_id` → 200 VectorStore.
    @Sendable func retrieve(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        return context.call.json(try await client.vectorStores.retrieve(id: id), status: .ok, describe: Self.storeFields)
    }

    /// `PATCH /api/vector-stores/:vector_store_id` (`name`, `expires_after`, `metadata`; `null` clears) → 200 VectorStore.
    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        let body = try await Self.body(request, limit: configuration.maxBodySize, allowEmpty: false, rules: VectorStoreRules.update)
        return context.call.json(try await client.vectorStores.update(id: id, body), status: .ok, describe: Self.storeFields)
    }

    /// `DELETE /api/vector-stores/:vector_store_id` → 200 `{id, object: "vector_store.deleted", deleted}`.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        return context.call.json(try await client.vectorStores.delete(id: id), status: .ok) {
            ["vector_store_id": JSONValue($0["id"]?.stringValue), "deleted": $0["deleted"] ?? .null]
        }
    }

    /// `POST /api/vector-stores/:vector_store_id/search` → 200 array of results (the page's `data`, as
    /// the reference app answers); the log keeps the query (or `[N queries]`), the query the upstream
    /// searched for and the result count.
    @Sendable func search(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        let body = try await Self.body(request, limit: configuration.maxBodySize, allowEmpty: false, rules: VectorStoreSearchRules.validate)
        let response = try await client.vectorStores.search(storeID: id, body)
        let page = try response.json()
        guard let data = page["data"]?.arrayValue else { throw Self.invalidAnswer(response, "The upstream search result has no data array") }
        context.call.annotate { record in
            record.objectID = id
            record.extra["vector_store_id"] = .string(id)
            record.extra["query"] = VectorStoreSearchRules.logQuery(body["query"])
            record.extra["search_query"] = page["search_query"] ?? .null
            record.extra["result_count"] = JSONValue(data.count)
            record.extra["top_score"] = data.first?["score"] ?? .null
        }
        return context.call.json(.array(data), status: .ok, upstream: response.metadata)
    }

    /// `POST /api/vector-stores/:vector_store_id/poll?max_wait_ms=` → 200 VectorStore once `completed` or `expired`.
    @Sendable func poll(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        let client = self.client
        let response = try await poll(
            wait: try await Self.maxWait(request, limit: configuration.maxBodySize),
            context: context,
            final: ["completed", "expired"],
            againHint: "The vector store \(id) is still processing its files. Poll again (POST /api/vector-stores/\(id)/poll), "
                + "or allow longer with ?max_wait_ms= (up to 3600000).",
            retrieve: { try await client.vectorStores.retrieve(id: id) }
        )
        return context.call.json(response, status: .ok, describe: Self.storeFields)
    }

    /// Retrieves until the object's `status` is one of `final` (the reference app's backoff), for at most `wait`.
    func poll(
        wait: Duration,
        context: Context,
        final: Set<String>,
        againHint: String,
        retrieve: @escaping @Sendable () async throws -> OpenAIResponse
    ) async throws -> OpenAIResponse {
        try await Polling.until(
            maxWait: wait,
            backoff: configuration.pollBackoff,
            context: context,
            againHint: againHint,
            retrieve: retrieve,
            isFinal: { final.contains($0["status"]?.stringValue ?? "") }
        )
    }

    // MARK: - Helpers

    /// The validated JSON object body. An empty body is `{}` when `allowEmpty`.
    static func body(
        _ request: Request,
        limit: Int,
        allowEmpty: Bool,
        rules: (JSONObject) -> [ValidationProblem]
    ) async throws -> JSONObject {
        var request = request
        let object = try await request.decodeJSONObjectBody(limit: limit, example: #"{"name": "docs"}"#, allowEmpty: allowEmpty)
        let problems = rules(object)
        if !problems.isEmpty { throw GatewayError.validation(problems) }
        return object
    }

    /// `max_wait_ms` from the query (as the reference app reads it) or, failing that, from a JSON body.
    static func maxWait(_ request: Request, limit: Int) async throws -> Duration {
        var request = request
        let body = try await request.decodeJSONObjectBody(limit: limit, example: #"{"max_wait_ms": 60000}"#, allowEmpty: true)
        return try Polling.maxWait(request, parameter: "max_wait_ms", body: body, default: defaultMaxWait)
    }

    static func storeID(_ context: Context) throws -> String {
        let id = try context.parameters.id("vector_store_id")
        try VectorStoreRules.checkIDs([(id, .store, "vector_store_id")])
        return id
    }

    /// The store and file ids of a file route.
    static func fileIDs(_ context: Context) throws -> (store: String, file: String) {
        let store = try context.parameters.id("vector_store_id")
        let file = try context.parameters.id("file_id")
        try VectorStoreRules.checkIDs([(store, .store, "vector_store_id"), (file, .file, "file_id")])
        return (store, file)
    }

    /// The store and batch ids of a batch route.
    static func batchIDs(_ context: Context) throws -> (store: String, batch: String) {
        let store = try context.parameters.id("vector_store_id")
        let batch = try context.parameters.id("batch_id")
        try VectorStoreRules.checkIDs([(store, .store, "vector_store_id"), (batch, .batch, "batch_id")])
        return (store, batch)
    }

    static func invalidAnswer(_ response: OpenAIResponse, _ message: String) -> GatewayError {
        GatewayError(
            upstream: OpenAIError(
                kind: .invalidResponse,
                status: response.metadata.status,
                message: message,
                requestID: response.metadata.requestID,
                attempts: response.metadata.attempts
            )
        )
    }

    // MARK: - Log members

    /// A store's log members (the object's status as `store_status`: `status` is the HTTP status): id, status, file counts, `usage_bytes` (for storage pricing), name.
    @Sendable static func storeFields(_ json: JSONValue) -> JSONObject {
        [
            "vector_store_id": JSONValue(json["id"]?.stringValue), "store_status": JSONValue(json["status"]?.stringValue),
            "file_counts": json["file_counts"] ?? .null, "usage_bytes": JSONValue(json["usage_bytes"]?.intValue),
            "name": JSONValue(json["name"]?.stringValue),
        ]
    }

    /// A vector store file's log members.
    @Sendable static func fileFields(_ json: JSONValue) -> JSONObject {
        [
            "vector_store_id": JSONValue(json["vector_store_id"]?.stringValue), "file_id": JSONValue(json["id"]?.stringValue),
            "file_status": JSONValue(json["status"]?.stringValue), "usage_bytes": JSONValue(json["usage_bytes"]?.intValue),
            "last_error": json["last_error"] ?? .null,
        ]
    }

    /// A file batch's log members.
    @Sendable static func batchFields(_ json: JSONValue) -> JSONObject {
        [
            "vector_store_id": JSONValue(json["vector_store_id"]?.stringValue), "batch_id": JSONValue(json["id"]?.stringValue),
            "batch_status": JSONValue(json["status"]?.stringValue), "file_counts": json["file_counts"] ?? .null,
        ]
    }
}
