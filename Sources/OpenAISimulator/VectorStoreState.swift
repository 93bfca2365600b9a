import Foundation
import NIOConcurrencyHelpers
import OpenAIClient

/// The simulator's vector stores: stores, their files (chunked when attached) and file batches.
///
/// A file's bytes are read and chunked when it is attached; its status then reads `in_progress`
/// until `processingTime` has passed, and `completed` (or `failed`, for bytes that are not text)
/// afterwards, so nothing runs in the background. Counts, `usage_bytes` and statuses are computed
/// from the files each time they are read, so they are always true.
final class SimulatorVectorStores: Sendable {
    struct Store: Sendable {
        var id: String
        var name: String?
        var description: String?
        var createdAt: Int
        var lastActiveAt: Int
        var metadata: JSONObject?
        /// `expires_after.days` (anchor `last_active_at`).
        var expiresAfterDays: Int?
        var sequence: Int
    }

    /// What processing a file gave: its chunks and text, or why it failed.
    enum Content: Sendable {
        case text(String, chunks: [VectorStoreIndex.Chunk])
        case failed(code: String, message: String)
    }

    struct StoreFile: Sendable {
        var id: String
        var storeID: String
        var filename: String
        var createdAt: Int
        var readyAt: ContinuousClock.Instant
        var attributes: JSONObject
        var chunking: VectorStoreIndex.Chunking
        var content: Content
        var batchID: String?
        var cancelled = false
        var sequence: Int

        func status(at now: ContinuousClock.Instant) -> String {
            if cancelled { return "cancelled" }
            if now < readyAt { return "in_progress" }
            if case .failed = content { return "failed" }
            return "completed"
        }

        /// Bytes the file takes in the store once processed (its text), 0 before.
        func usageBytes(at now: ContinuousClock.Instant) -> Int {
            guard status(at: now) == "completed", case .text(let text, _) = content else { return 0 }
            return text.utf8.count
        }
    }

    struct Batch: Sendable {
        var id: String
        var storeID: String
        var createdAt: Int
        var fileIDs: [String]
        var cancelled = false
        var sequence: Int
    }

    private struct State {
        var stores: [String: Store] = [:]
        /// Keyed by store id, then file id.
        var files: [String: [String: StoreFile]] = [:]
        var batches: [String: Batch] = [:]
        var sequence = 0
    }

    let processingTime: Duration
    private let state = NIOLockedValueBox(State())

    init(processingTime: Duration) {
        self.processingTime = processingTime
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    // MARK: - Stores

    func createStore(name: String?, description: String?, metadata: JSONObject?, expiresAfterDays: Int?) -> Store {
        let now = Self.now()
        return state.withLockedValue { state in
            state.sequence += 1
            let store = Store(
                id: SimulatorIDs.make("vs", hexDigits: 32),
                name: name,
                description: description,
                createdAt: now,
                lastActiveAt: now,
                metadata: metadata,
                expiresAfterDays: expiresAfterDays,
                sequence: state.sequence
            )
            state.stores[store.id] = store
            state.files[store.id] = [:]
            return store
        }
    }

    func store(_ id: String) -> Store? { state.withLockedValue { $0.stores[id] } }

    /// Changes a store (and marks it active); nil when there is no such store.
    func updateStore(_ id: String, _ change: (inout Store) -> Void) -> Store? {
        let now = Self.now()
        return state.withLockedValue { state in
            guard var store = state.stores[id] else { return nil }
            change(&store)
            store.lastActiveAt = now
            state.stores[id] = store
            return store
        }
    }

    /// Stores, oldest first.
    func stores() -> [Store] {
        state.withLockedValue { $0.stores.values.sorted { $0.sequence < $1.sequence } }
    }

    func deleteStore(_ id: String) -> Bool {
        state.withLockedValue { state in
            guard state.stores.removeValue(forKey: id) != nil else { return false }
            state.files[id] = nil
            state.batches = state.batches.filter { $0.value.storeID != id }
            return true
        }
    }

    // MARK: - Files

    /// A file about to be attached, already read and chunked.
    struct Attachment: Sendable {
        var fileID: String
        var filename: String
        var attributes: JSONObject
        var chunking: VectorStoreIndex.Chunking
        var content: Content
    }

    /// Attaches files (replacing an earlier attachment of the same file); nil when the store is gone.
    func attach(_ attachments: [Attachment], to storeID: String, batchID: String?) -> [StoreFile]? {
        let now = Self.now()
        let readyAt = ContinuousClock.now + processingTime
        return state.withLockedValue { state in
            guard state.stores[storeID] != nil else { return nil }
            state.stores[storeID]?.lastActiveAt = now
            return attachments.map { attachment in
                state.sequence += 1
                let file = StoreFile(
                    id: attachment.fileID,
                    storeID: storeID,
                    filename: attachment.filename,
                    createdAt: now,
                    readyAt: readyAt,
                    attributes: attachment.attributes,
                    chunking: attachment.chunking,
                    content: attachment.content,
                    batchID: batchID,
                    sequence: state.sequence
                )
                state.files[storeID, default: [:]][attachment.fileID] = file
                return file
            }
        }
    }

    func file(_ fileID: String, in storeID: String) -> StoreFile? {
        state.withLockedValue { $0.files[storeID]?[fileID] }
    }

    /// A store's files, oldest first.
    func files(in storeID: String) -> [StoreFile] {
        state.withLockedValue { ($0.files[storeID] ?? [:]).values.sorted { $0.sequence < $1.sequence } }
    }

    func updateAttributes(_ fileID: String, in storeID: String, attributes: JSONObject) -> StoreFile? {
        state.withLockedValue { state in
            guard state.files[storeID]?[fileID] != nil else { return nil }
            state.files[storeID]?[fileID]?.attributes = attributes
            return state.files[storeID]?[fileID]
        }
    }

    func detach(_ fileID: String, from storeID: String) -> Bool {
        state.withLockedValue { $0.files[storeID]?.removeValue(forKey: fileID) != nil }
    }

    // MARK: - Batches

    func createBatch(storeID: String, fileIDs: [String]) -> Batch {
        let now = Self.now()
        return state.withLockedValue { state in
            state.sequence += 1
            let batch = Batch(
                id: SimulatorIDs.make("vsfb", hexDigits: 32),
                storeID: storeID,
                createdAt: now,
                fileIDs: fileIDs,
                sequence: state.sequence
            )
            state.batches[batch.id] = batch
            return batch
        }
    }

    func batch(_ id: String, in storeID: String) -> Batch? {
        state.withLockedValue { state in
            guard let batch = state.batches[id], batch.storeID == storeID else { return nil }
            return batch
        }
    }

    /// The batch's files that are still attached through it.
    func files(of batch: Batch) -> [StoreFile] {
        state.withLockedValue { state in
            batch.fileIDs.compactMap { id in state.files[batch.storeID]?[id].flatMap { $0.batchID == batch.id ? $0 : nil } }
        }
    }

    /// Cancels the batch's files that are still in progress.
    func cancelBatch(_ id: String, in storeID: String) -> Batch? {
        let now = ContinuousClock.now
        return state.withLockedValue { state in
            guard var batch = state.batches[id], batch.storeID == storeID else { return nil }
            batch.cancelled = true
            state.batches[id] = batch
            for fileID in batch.fileIDs {
                guard let file = state.files[storeID]?[fileID], file.batchID == id, file.status(at: now) == "in_progress" else { continue }
                state.files[storeID]?[fileID]?.cancelled = true
            }
            return batch
        }
    }

    // MARK: - Objects

    static func counts(_ files: [StoreFile], at now: ContinuousClock.Instant) -> JSONValue {
        var counts = ["in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0]
        for file in files { counts[file.status(at: now), default: 0] += 1 }
        return [
            "in_progress": JSONValue(counts["in_progress"]), "completed": JSONValue(counts["completed"]),
            "failed": JSONValue(counts["failed"]), "cancelled": JSONValue(counts["cancelled"]), "total": JSONValue(files.count),
        ]
    }

    /// The VectorStoreObject of a store.
    func json(_ store: Store) -> JSONValue {
        let now = ContinuousClock.now
        let files = files(in: store.id)
        let expiresAt = store.expiresAfterDays.map { store.lastActiveAt + $0 * 86_400 }
        let status: String
        if let expiresAt, expiresAt <= Self.now() {
            status = "expired"
        } else {
            status = files.contains { $0.status(at: now) == "in_progress" } ? "in_progress" : "completed"
        }
        var object: JSONObject = [
            "id": .string(store.id), "object": "vector_store", "created_at": JSONValue(store.createdAt),
            // The spec types `name` as a string, so an unnamed store has "".
            "name": .string(store.name ?? ""),
            "usage_bytes": JSONValue(files.reduce(0) { $0 + $1.usageBytes(at: now) }),
            "file_counts": Self.counts(files, at: now), "status": .string(status),
        ]
        if let description = store.description { object["description"] = .string(description) }
        if let days = store.expiresAfterDays { object["expires_after"] = ["anchor": "last_active_at", "days": JSONValue(days)] }
        object["expires_at"] = JSONValue(expiresAt)
        object["last_active_at"] = JSONValue(store.lastActiveAt)
        object["metadata"] = store.metadata.map(JSONValue.object) ?? .null
        return .object(object)
    }

    /// The VectorStoreFileObject of a file.
    static func json(_ file: StoreFile) -> JSONValue {
        let now = ContinuousClock.now
        let status = file.status(at: now)
        var lastError: JSONValue = .null
        if status == "failed", case .failed(let code, let message) = file.content {
            lastError = ["code": .string(code), "message": .string(message)]
        }
        return [
            "id": .string(file.id), "object": "vector_store.file", "usage_bytes": JSONValue(file.usageBytes(at: now)),
            "created_at": JSONValue(file.createdAt), "vector_store_id": .string(file.storeID), "status": .string(status),
            "last_error": lastError, "chunking_strategy": file.chunking.json, "attributes": .object(file.attributes),
        ]
    }

    /// The VectorStoreFileBatchObject of a batch.
    func json(_ batch: Batch) -> JSONValue {
        let now = ContinuousClock.now
        let files = files(of: batch)
        let statuses = files.map { $0.status(at: now) }
        let status: String
        if statuses.contains("in_progress") {
            status = "in_progress"
        } else if batch.cancelled {
            status = "cancelled"
        } else if !statuses.isEmpty, statuses.allSatisfy({ $0 == "failed" }) {
            status = "failed"
        } else {
            status = "completed"
        }
        return [
            "id": .string(batch.id), "object": "vector_store.files_batch", "created_at": JSONValue(batch.createdAt),
            "vector_store_id": .string(batch.storeID), "status": .string(status), "file_counts": Self.counts(files, at: now),
        ]
    }

    // MARK: - Search

    struct SearchResult: Sendable {
        var file: StoreFile
        var text: String
        var score: Double
    }

    /// The store's best chunks for `query` among its completed files that pass `filter`.
    func search(storeID: String, query: [String], filter: JSONValue?, limit: Int, threshold: Double) -> [SearchResult] {
        let now = ContinuousClock.now
        let candidates = files(in: storeID).filter { file in
            file.status(at: now) == "completed" && (filter.map { VectorStoreIndex.matches($0, attributes: file.attributes) } ?? true)
        }
        let chunked: [[VectorStoreIndex.Chunk]] = candidates.map { file in
            if case .text(_, let chunks) = file.content { return chunks }
            return []
        }
        _ = updateStore(storeID) { _ in }
        return VectorStoreIndex.rank(query: query, files: chunked)
            .filter { $0.score >= threshold }
            .prefix(limit)
            .map { SearchResult(file: candidates[$0.fileIndex], text: chunked[$0.fileIndex][$0.chunkIndex].text, score: $0.score) }
    }
}
