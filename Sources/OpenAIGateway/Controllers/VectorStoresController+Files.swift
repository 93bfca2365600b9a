import Hummingbird
import NIOCore
import OpenAIClient

/// The files and file batches of a vector store.
extension VectorStoresController {
    static let fileStatuses = ["in_progress", "completed", "failed", "cancelled"]

    /// The `filter` of the file lists: one of the file statuses.
    static let statusFilter = ListQuery.Filter(name: "filter") { value in
        fileStatuses.contains(value)
            ? nil
            : ValidationProblem(
                parameter: "filter",
                message: "filter must be one of: \(fileStatuses.joined(separator: ", "))",
                hint: "List only the files in one status, e.g. ?filter=failed (got \"\(value.prefix(40))\")."
            )
    }

    // MARK: - Files

    /// `POST /api/vector-stores/:vector_store_id/files` (`file_id`, `attributes`, `chunking_strategy`) → 201 VectorStoreFile.
    @Sendable func addFile(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        let body = try await Self.body(request, limit: configuration.maxBodySize, allowEmpty: false) { VectorStoreRules.addFile($0) }
        return context.call.json(try await client.vectorStores.addFile(storeID: id, body), status: .created, describe: Self.fileFields)
    }

    /// `GET /api/vector-stores/:vector_store_id/files?limit=&order=&after=&before=&filter=` → 200 array, `Link` to the next page.
    @Sendable func listFiles(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        let query = try ListQuery(
            request,
            rules: .init(endpoint: "GET /api/vector-stores/{vector_store_id}/files", allowsBefore: true, filters: [Self.statusFilter])
        )
        let response = try await client.vectorStores.listFiles(storeID: id, query: query.upstream)
        return try context.call.listPage(response, query: query, extra: ["vector_store_id": .string(id)])
    }

    /// `GET /api/vector-stores/:vector_store_id/files/:file_id` → 200 VectorStoreFile.
    @Sendable func retrieveFile(_ request: Request, context: Context) async throws -> Response {
        let (store, file) = try Self.fileIDs(context)
        return context.call.json(try await client.vectorStores.retrieveFile(storeID: store, fileID: file), status: .ok, describe: Self.fileFields)
    }

    /// `PATCH /api/vector-stores/:vector_store_id/files/:file_id` (`attributes`) → 200 VectorStoreFile.
    @Sendable func updateFile(_ request: Request, context: Context) async throws -> Response {
        let (store, file) = try Self.fileIDs(context)
        let body = try await Self.body(request, limit: configuration.maxBodySize, allowEmpty: false, rules: VectorStoreRules.updateFile)
        let response = try await client.vectorStores.updateFile(storeID: store, fileID: file, body)
        return context.call.json(response, status: .ok, describe: Self.fileFields)
    }

    /// `DELETE /api/vector-stores/:vector_store_id/files/:file_id` → 200 `{id, object: "vector_store.file.deleted", deleted}`.
    @Sendable func deleteFile(_ request: Request, context: Context) async throws -> Response {
        let (store, file) = try Self.fileIDs(context)
        return context.call.json(try await client.vectorStores.deleteFile(storeID: store, fileID: file), status: .ok) {
            ["vector_store_id": .string(store), "file_id": JSONValue($0["id"]?.stringValue), "deleted": $0["deleted"] ?? .null]
        }
    }

    /// `GET /api/vector-stores/:vector_store_id/files/:file_id/content` → 200 array of `{type: "text", text}` (the page's `data`).
    @Sendable func fileContent(_ request: Request, context: Context) async throws -> Response {
        let (store, file) = try Self.fileIDs(context)
        let response = try await client.vectorStores.fileContent(storeID: store, fileID: file)
        guard let data = try response.json()["data"]?.arrayValue else {
            throw Self.invalidAnswer(response, "The upstream file content has no data array")
        }
        context.call.annotate { record in
            record.objectID = file
            record.extra = [
                "vector_store_id": .string(store), "file_id": .string(file), "parts": JSONValue(data.count),
                "text_length": JSONValue(data.reduce(0) { $0 + ($1["text"]?.stringValue?.count ?? 0) }),
            ]
        }
        return context.call.json(.array(data), status: .ok, upstream: response.metadata)
    }

    /// `POST /api/vector-stores/:vector_store_id/files/:file_id/poll?max_wait_ms=` → 200 VectorStoreFile once
    /// `completed`, `failed` or `cancelled`.
    @Sendable func pollFile(_ request: Request, context: Context) async throws -> Response {
        let (store, file) = try Self.fileIDs(context)
        let wait = try await Self.maxWait(request, limit: configuration.maxBodySize)
        return context.call.json(try await pollFile(store: store, file: file, wait: wait, context: context), status: .ok, describe: Self.fileFields)
    }

    func pollFile(store: String, file: String, wait: Duration, context: Context) async throws -> OpenAIResponse {
        let client = self.client
        return try await poll(
            wait: wait,
            context: context,
            final: ["completed", "failed", "cancelled"],
            againHint: "The file \(file) is still being processed. Poll again (POST /api/vector-stores/\(store)/files/\(file)/poll), "
                + "or allow longer with ?max_wait_ms= (up to 3600000).",
            retrieve: { try await client.vectorStores.retrieveFile(storeID: store, fileID: file) }
        )
    }

    // MARK: - File batches

    /// `POST /api/vector-stores/:vector_store_id/file-batches` (`file_ids` or `files[]`) → 201 VectorStoreFileBatch.
    @Sendable func createBatch(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.storeID(context)
        let body = try await Self.body(request, limit: configuration.maxBodySize, allowEmpty: false, rules: VectorStoreRules.createBatch)
        return context.call.json(try await client.vectorStores.createBatch(storeID: id, body), status: .created, describe: Self.batchFields)
    }

    /// `GET /api/vector-stores/:vector_store_id/file-batches/:batch_id` → 200 VectorStoreFileBatch.
    @Sendable func retrieveBatch(_ request: Request, context: Context) async throws -> Response {
        let (store, batch) = try Self.batchIDs(context)
        return context.call.json(try await client.vectorStores.retrieveBatch(storeID: store, batchID: batch), status: .ok, describe: Self.batchFields)
    }

    /// `POST /api/vector-stores/:vector_store_id/file-batches/:batch_id/cancel` → 200 VectorStoreFileBatch.
    @Sendable func cancelBatch(_ request: Request, context: Context) async throws -> Response {
        let (store, batch) = try Self.batchIDs(context)
        return context.call.json(try await client.vectorStores.cancelBatch(storeID: store, batchID: batch), status: .ok, describe: Self.batchFields)
    }

    /// `GET /api/vector-stores/:vector_store_id/file-batches/:batch_id/files` (list parameters, `filter`) → 200 array.
    @Sendable func listBatchFiles(_ request: Request, context: Context) async throws -> Response {
        let (store, batch) = try Self.batchIDs(context)
        let query = try ListQuery(
            request,
            rules: .init(
                endpoint: "GET /api/vector-stores/{vector_store_id}/file-batches/{batch_id}/files",
                allowsBefore: true,
                filters: [Self.statusFilter]
            )
        )
        let response = try await client.vectorStores.listBatchFiles(storeID: store, batchID: batch, query: query.upstream)
        return try context.call.listPage(response, query: query, extra: ["vector_store_id": .string(store), "batch_id": .string(batch)])
    }

    /// `POST /api/vector-stores/:vector_store_id/file-batches/:batch_id/poll?max_wait_ms=` → 200 VectorStoreFileBatch
    /// once `completed`, `cancelled` or `failed`.
    @Sendable func pollBatch(_ request: Request, context: Context) async throws -> Response {
        let (store, batch) = try Self.batchIDs(context)
        let client = self.client
        let response = try await poll(
            wait: try await Self.maxWait(request, limit: configuration.maxBodySize),
            context: context,
            final: ["completed", "cancelled", "failed"],
            againHint: "The batch \(batch) is still processing. Poll again (POST /api/vector-stores/\(store)/file-batches/\(batch)/poll), "
                + "or allow longer with ?max_wait_ms= (up to 3600000).",
            retrieve: { try await client.vectorStores.retrieveBatch(storeID: store, batchID: batch) }
        )
        return context.call.json(response, status: .ok, describe: Self.batchFields)
    }
}
