import NIOHTTP1

/// The Vector Stores API: `/vector_stores`, their files and file batches, file content and search.
///
/// Every call carries `OpenAI-Beta: assistants=v2`, as the official SDKs send it. Bodies are JSON
/// objects (validated by the caller); list calls take their query pairs as given.
///
/// ```swift
/// let store = try await client.vectorStores.create(["name": "docs", "file_ids": ["file-abc"]])
/// let hits = try await client.vectorStores.search(storeID: "vs_123", ["query": "refund policy"])
/// let file = try await client.vectorStores.retrieveFile(storeID: "vs_123", fileID: "file-abc")
/// ```
public struct VectorStoresResource: Sendable {
    let transport: OpenAITransport

    /// The header the Assistants v2 family of endpoints expects.
    public static let betaHeader: HTTPHeaders = ["OpenAI-Beta": "assistants=v2"]

    private func call(
        _ method: HTTPMethod,
        _ path: OpenAIPath,
        query: [(name: String, value: String)] = [],
        body: JSONObject? = nil
    ) async throws(OpenAIError) -> OpenAIResponse {
        try await transport.send(
            OpenAIRequest(method: method, path: path, query: query, headers: Self.betaHeader, body: body.map { .json(.object($0)) } ?? .none)
        )
    }

    private static func store(_ id: String) -> OpenAIPath.Segment { .parameter(name: "vector_store_id", value: id) }
    private static func file(_ id: String) -> OpenAIPath.Segment { .parameter(name: "file_id", value: id) }
    private static func batch(_ id: String) -> OpenAIPath.Segment { .parameter(name: "batch_id", value: id) }

    // MARK: - Stores

    /// `POST /vector_stores`: the VectorStoreObject.
    public func create(_ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.POST, ["vector_stores"], body: body)
    }

    /// `GET /vector_stores` (`limit`, `order`, `after`, `before`): one page.
    public func list(query: [(name: String, value: String)] = []) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.GET, ["vector_stores"], query: query)
    }

    /// `GET /vector_stores/{vector_store_id}`.
    public func retrieve(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.GET, ["vector_stores", Self.store(id)])
    }

    /// `POST /vector_stores/{vector_store_id}` (`name`, `expires_after`, `metadata`; `null` clears).
    public func update(id: String, _ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.POST, ["vector_stores", Self.store(id)], body: body)
    }

    /// `DELETE /vector_stores/{vector_store_id}`: `{id, object: "vector_store.deleted", deleted}`.
    public func delete(id: String) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.DELETE, ["vector_stores", Self.store(id)])
    }

    /// `POST /vector_stores/{vector_store_id}/search`: a `vector_store.search_results.page`.
    public func search(storeID: String, _ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.POST, ["vector_stores", Self.store(storeID), "search"], body: body)
    }

    // MARK: - Files

    /// `POST /vector_stores/{vector_store_id}/files` (`file_id`, `attributes`, `chunking_strategy`).
    public func addFile(storeID: String, _ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.POST, ["vector_stores", Self.store(storeID), "files"], body: body)
    }

    /// `GET /vector_stores/{vector_store_id}/files` (`limit`, `order`, `after`, `before`, `filter`).
    public func listFiles(storeID: String, query: [(name: String, value: String)] = []) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.GET, ["vector_stores", Self.store(storeID), "files"], query: query)
    }

    /// `GET /vector_stores/{vector_store_id}/files/{file_id}`.
    public func retrieveFile(storeID: String, fileID: String) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.GET, ["vector_stores", Self.store(storeID), "files", Self.file(fileID)])
    }

    /// `POST /vector_stores/{vector_store_id}/files/{file_id}` (`attributes`).
    public func updateFile(storeID: String, fileID: String, _ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.POST, ["vector_stores", Self.store(storeID), "files", Self.file(fileID)], body: body)
    }

    /// `DELETE /vector_stores/{vector_store_id}/files/{file_id}`: detaches the file (the file itself stays).
    public func deleteFile(storeID: String, fileID: String) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.DELETE, ["vector_stores", Self.store(storeID), "files", Self.file(fileID)])
    }

    /// `GET /vector_stores/{vector_store_id}/files/{file_id}/content`: the parsed text, a `vector_store.file_content.page`.
    public func fileContent(storeID: String, fileID: String) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.GET, ["vector_stores", Self.store(storeID), "files", Self.file(fileID), "content"])
    }

    // MARK: - File batches

    /// `POST /vector_stores/{vector_store_id}/file_batches` (`file_ids` or `files`, `attributes`, `chunking_strategy`).
    public func createBatch(storeID: String, _ body: JSONObject) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.POST, ["vector_stores", Self.store(storeID), "file_batches"], body: body)
    }

    /// `GET /vector_stores/{vector_store_id}/file_batches/{batch_id}`.
    public func retrieveBatch(storeID: String, batchID: String) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.GET, ["vector_stores", Self.store(storeID), "file_batches", Self.batch(batchID)])
    }

    /// `POST /vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel`.
    public func cancelBatch(storeID: String, batchID: String) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.POST, ["vector_stores", Self.store(storeID), "file_batches", Self.batch(batchID), "cancel"])
    }

    /// `GET /vector_stores/{vector_store_id}/file_batches/{batch_id}/files` (list parameters and `filter`).
    public func listBatchFiles(
        storeID: String,
        batchID: String,
        query: [(name: String, value: String)] = []
    ) async throws(OpenAIError) -> OpenAIResponse {
        try await call(.GET, ["vector_stores", Self.store(storeID), "file_batches", Self.batch(batchID), "files"], query: query)
    }
}

extension OpenAIClient {
    /// The Vector Stores API.
    public var vectorStores: VectorStoresResource { VectorStoresResource(transport: transport) }
}
