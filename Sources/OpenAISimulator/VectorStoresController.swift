import Hummingbird
import NIOCore
import OpenAIClient
import _NIOFileSystem

/// The Vector Stores API: stores, their files, file batches, file content and search, over a
/// small real store (``SimulatorVectorStores``) fed by the simulator's uploaded files.
struct VectorStoresController: Sendable {
    let stores: SimulatorVectorStores
    let files: SimulatorFileStore

    /// The most bytes of a file the simulator reads to index it.
    static let maxIndexedBytes = 64 << 20

    func addRoutes(to group: RouterGroup<SimulatorRequestContext>) {
        group.post("vector_stores", use: create)
        group.get("vector_stores", use: list)
        group.get("vector_stores/:vs", use: retrieve)
        group.post("vector_stores/:vs", use: update)
        group.delete("vector_stores/:vs", use: delete)
        group.post("vector_stores/:vs/search", use: search)
        group.post("vector_stores/:vs/files", use: addFile)
        group.get("vector_stores/:vs/files", use: listFiles)
        group.get("vector_stores/:vs/files/:file", use: retrieveFile)
        group.post("vector_stores/:vs/files/:file", use: updateFile)
        group.delete("vector_stores/:vs/files/:file", use: deleteFile)
        group.get("vector_stores/:vs/files/:file/content", use: fileContent)
        group.post("vector_stores/:vs/file_batches", use: createBatch)
        group.get("vector_stores/:vs/file_batches/:batch", use: retrieveBatch)
        group.post("vector_stores/:vs/file_batches/:batch/cancel", use: cancelBatch)
        group.get("vector_stores/:vs/file_batches/:batch/files", use: listBatchFiles)
    }

    // MARK: - Stores

    @Sendable func create(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let body = try await Self.object(&request)
        let fileIDs = try Self.stringArray(body["file_ids"], param: "file_ids", maxCount: 500) ?? []
        let chunking = try Self.chunking(body["chunking_strategy"], param: "chunking_strategy")
        let days = try Self.expiresAfter(body["expires_after"])
        let metadata = try Self.metadata(body["metadata"])
        let name = try Self.optionalString(body["name"], param: "name")
        let description = try Self.optionalString(body["description"], param: "description")
        let attachments = try await prepare(fileIDs.map { ($0, chunking, [:]) })
        let store = stores.createStore(name: name, description: description, metadata: metadata, expiresAfterDays: days)
        _ = stores.attach(attachments, to: store.id, batchID: nil)
        return SimulatorHTTP.json(stores.json(store))
    }

    @Sendable func list(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let page = try Self.page(stores.stores(), id: \.id, request: request, extraKeys: [])
        return SimulatorHTTP.json(Self.list(page, json: stores.json))
    }

    @Sendable func retrieve(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        SimulatorHTTP.json(stores.json(try store(context)))
    }

    @Sendable func update(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try store(context).id
        var request = request
        let body = try await Self.object(&request)
        let name = try Self.optionalString(body["name"], param: "name")
        let days = try Self.expiresAfter(body["expires_after"])
        let metadata = try Self.metadata(body["metadata"])
        let updated = stores.updateStore(id) { store in
            if body["name"] != nil { store.name = name }
            if body["expires_after"] != nil { store.expiresAfterDays = days }
            if body["metadata"] != nil { store.metadata = metadata }
        }
        guard let updated else { throw SimulatorAPIError.vectorStoreNotFound(id) }
        return SimulatorHTTP.json(stores.json(updated))
    }

    @Sendable func delete(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try context.parameters.require("vs")
        guard stores.deleteStore(id) else { throw SimulatorAPIError.vectorStoreNotFound(id) }
        return SimulatorHTTP.json(["id": .string(id), "object": "vector_store.deleted", "deleted": true])
    }

    @Sendable func search(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try store(context).id
        var request = request
        let body = try await Self.object(&request)
        let queries: [String]
        switch body["query"] {
        case .string(let text)?: queries = [text]
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }): queries = items.compactMap(\.stringValue)
        case nil: throw SimulatorAPIError.missingParameter("query")
        default: throw SimulatorAPIError.invalidRequest("Invalid 'query': expected a string or a non-empty array of strings.", param: "query")
        }
        let limit = try Self.integer(body["max_num_results"], param: "max_num_results", range: 1...50) ?? 10
        if let filters = body["filters"], let problem = VectorStoreIndex.filterProblem(filters) {
            throw SimulatorAPIError.invalidRequest(problem, param: "filters")
        }
        var threshold = 0.0
        if let options = body["ranking_options"] {
            guard let object = options.objectValue else {
                throw SimulatorAPIError.invalidRequest("Invalid 'ranking_options': expected an object.", param: "ranking_options")
            }
            if let ranker = object["ranker"], !["none", "auto", "default-2024-11-15"].contains(ranker.stringValue ?? "") {
                throw SimulatorAPIError.invalidValue(
                    param: "ranking_options.ranker",
                    got: ranker.stringValue ?? ranker.jsonString,
                    allowed: ["none", "auto", "default-2024-11-15"]
                )
            }
            if let value = object["score_threshold"] {
                guard let number = value.doubleValue, (0...1).contains(number) else {
                    throw SimulatorAPIError.invalidRequest(
                        "Invalid 'ranking_options.score_threshold': expected a number between 0 and 1.",
                        param: "ranking_options.score_threshold"
                    )
                }
                threshold = number
            }
        }
        let rewrite = body["rewrite_query"]?.boolValue ?? false
        let searchQuery = rewrite ? [VectorStoreIndex.rewrite(queries)] : queries
        let results = stores.search(storeID: id, query: searchQuery, filter: body["filters"], limit: limit, threshold: threshold)
        let page: JSONValue = [
            "object": "vector_store.search_results.page",
            "search_query": .array(searchQuery.map(JSONValue.string)),
            "data": .array(
                results.map { result in
                    [
                        "file_id": .string(result.file.id), "filename": .string(result.file.filename), "score": .double(result.score),
                        "attributes": .object(result.file.attributes), "content": [["type": "text", "text": .string(result.text)]],
                    ]
                }
            ),
            "has_more": false,
            "next_page": nil,
        ]
        return SimulatorHTTP.json(page)
    }

    // MARK: - Files

    @Sendable func addFile(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try store(context).id
        var request = request
        let body = try await Self.object(&request)
        guard let fileID = body["file_id"] else { throw SimulatorAPIError.missingParameter("file_id") }
        guard let fileID = fileID.stringValue else {
            throw SimulatorAPIError.invalidRequest("Invalid 'file_id': expected a string.", param: "file_id")
        }
        let chunking = try Self.chunking(body["chunking_strategy"], param: "chunking_strategy")
        let attributes = try Self.attributes(body["attributes"], param: "attributes")
        let attachments = try await prepare([(fileID, chunking, attributes)])
        guard let file = stores.attach(attachments, to: id, batchID: nil)?.first else { throw SimulatorAPIError.vectorStoreNotFound(id) }
        return SimulatorHTTP.json(SimulatorVectorStores.json(file))
    }

    @Sendable func listFiles(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try store(context).id
        let files = try Self.filtered(stores.files(in: id), request: request)
        let page = try Self.page(files, id: \.id, request: request, extraKeys: ["filter"])
        return SimulatorHTTP.json(Self.list(page, json: SimulatorVectorStores.json))
    }

    @Sendable func retrieveFile(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        SimulatorHTTP.json(SimulatorVectorStores.json(try storeFile(context)))
    }

    @Sendable func updateFile(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let file = try storeFile(context)
        var request = request
        let body = try await Self.object(&request)
        guard let value = body["attributes"] else { throw SimulatorAPIError.missingParameter("attributes") }
        let attributes = try Self.attributes(value, param: "attributes")
        guard let updated = stores.updateAttributes(file.id, in: file.storeID, attributes: attributes) else {
            throw SimulatorAPIError.vectorStoreFileNotFound(file.id, store: file.storeID)
        }
        return SimulatorHTTP.json(SimulatorVectorStores.json(updated))
    }

    @Sendable func deleteFile(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let file = try storeFile(context)
        guard stores.detach(file.id, from: file.storeID) else { throw SimulatorAPIError.vectorStoreFileNotFound(file.id, store: file.storeID) }
        return SimulatorHTTP.json(["id": .string(file.id), "object": "vector_store.file.deleted", "deleted": true])
    }

    /// The parsed text of a processed file, as one text part.
    @Sendable func fileContent(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let file = try storeFile(context)
        var data: [JSONValue] = []
        if file.status(at: .now) == "completed", case .text(let text, _) = file.content {
            data = [["type": "text", "text": .string(text)]]
        }
        return SimulatorHTTP.json(["object": "vector_store.file_content.page", "data": .array(data), "has_more": false, "next_page": nil])
    }

    // MARK: - Batches

    @Sendable func createBatch(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = try store(context).id
        var request = request
        let body = try await Self.object(&request)
        var entries: [(String, VectorStoreIndex.Chunking, JSONObject)] = []
        switch (body["file_ids"], body["files"]) {
        case (nil, nil):
            throw SimulatorAPIError.invalidRequest("Either 'file_ids' or 'files' is required.", param: "file_ids")
        case (.some, .some):
            throw SimulatorAPIError.invalidRequest("'file_ids' and 'files' are mutually exclusive.", param: "files")
        case (let ids?, nil):
            let chunking = try Self.chunking(body["chunking_strategy"], param: "chunking_strategy")
            let attributes = try Self.attributes(body["attributes"], param: "attributes")
            let fileIDs = try Self.stringArray(ids, param: "file_ids", maxCount: 2000) ?? []
            guard !fileIDs.isEmpty else { throw SimulatorAPIError.invalidRequest("Invalid 'file_ids': expected at least 1 item.", param: "file_ids") }
            entries = fileIDs.map { ($0, chunking, attributes) }
        case (nil, let files?):
            guard let items = files.arrayValue, !items.isEmpty, items.count <= 2000 else {
                throw SimulatorAPIError.invalidRequest("Invalid 'files': expected an array of 1 to 2000 objects.", param: "files")
            }
            for (index, item) in items.enumerated() {
                let param = "files[\(index)]"
                guard let object = item.objectValue, let fileID = object["file_id"]?.stringValue else {
                    throw SimulatorAPIError.missingParameter("\(param).file_id")
                }
                let chunking = try Self.chunking(object["chunking_strategy"], param: "\(param).chunking_strategy")
                entries.append((fileID, chunking, try Self.attributes(object["attributes"], param: "\(param).attributes")))
            }
        }
        let attachments = try await prepare(entries)
        let batch = stores.createBatch(storeID: id, fileIDs: attachments.map(\.fileID))
        guard stores.attach(attachments, to: id, batchID: batch.id) != nil else { throw SimulatorAPIError.vectorStoreNotFound(id) }
        return SimulatorHTTP.json(stores.json(batch))
    }

    @Sendable func retrieveBatch(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        SimulatorHTTP.json(stores.json(try batch(context)))
    }

    @Sendable func cancelBatch(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let batch = try batch(context)
        guard let cancelled = stores.cancelBatch(batch.id, in: batch.storeID) else { throw SimulatorAPIError.batchNotFound(batch.id) }
        return SimulatorHTTP.json(stores.json(cancelled))
    }

    @Sendable func listBatchFiles(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let batch = try batch(context)
        let files = try Self.filtered(stores.files(of: batch), request: request)
        let page = try Self.page(files, id: \.id, request: request, extraKeys: ["filter"])
        return SimulatorHTTP.json(Self.list(page, json: SimulatorVectorStores.json))
    }

    // MARK: - Lookups

    private func store(_ context: SimulatorRequestContext) throws -> SimulatorVectorStores.Store {
        let id = try context.parameters.require("vs")
        guard let store = stores.store(id) else { throw SimulatorAPIError.vectorStoreNotFound(id) }
        return store
    }

    private func storeFile(_ context: SimulatorRequestContext) throws -> SimulatorVectorStores.StoreFile {
        let store = try store(context)
        let fileID = try context.parameters.require("file")
        guard let file = stores.file(fileID, in: store.id) else { throw SimulatorAPIError.vectorStoreFileNotFound(fileID, store: store.id) }
        return file
    }

    private func batch(_ context: SimulatorRequestContext) throws -> SimulatorVectorStores.Batch {
        let store = try store(context)
        let batchID = try context.parameters.require("batch")
        guard let batch = stores.batch(batchID, in: store.id) else { throw SimulatorAPIError.batchNotFound(batchID) }
        return batch
    }

    /// Reads and chunks each file (off the concurrency pool, through NIO's file system). A file that
    /// is not in the Files API is a 404 before anything is attached; bytes that are not UTF-8 text
    /// give a file that will fail, as OpenAI's do.
    private func prepare(_ entries: [(String, VectorStoreIndex.Chunking, JSONObject)]) async throws -> [SimulatorVectorStores.Attachment] {
        var attachments: [SimulatorVectorStores.Attachment] = []
        for (fileID, chunking, attributes) in entries {
            guard let record = files.record(id: fileID) else { throw SimulatorAPIError.fileNotFound(fileID) }
            let content: SimulatorVectorStores.Content
            if record.bytes > Self.maxIndexedBytes {
                content = .failed(code: "invalid_file", message: "The file is larger than the simulator indexes (\(Self.maxIndexedBytes) bytes).")
            } else {
                let path = files.path(id: fileID)
                let buffer = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                    try await handle.readToEnd(maximumSizeAllowed: .bytes(Int64(Self.maxIndexedBytes)))
                }
                let bytes = Array(buffer.readableBytesView)
                if !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) {
                    content = .text(text, chunks: VectorStoreIndex.chunks(text, chunking: chunking))
                } else {
                    content = .failed(code: "unsupported_file", message: "The file \(record.filename) is not a supported text document.")
                }
            }
            attachments.append(.init(fileID: fileID, filename: record.filename, attributes: attributes, chunking: chunking, content: content))
        }
        return attachments
    }
}
