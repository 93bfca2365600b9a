import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import OpenAIClient
import _NIOFileSystem

/// Uploaded files: metadata in memory, bytes on disk (one file per id), so a 512 MB upload
/// never sits in memory.
///
/// Every file operation on a request path goes through NIO's file system (`FileSystem.shared`),
/// which runs the system calls on NIO's thread pool: a slow disk never blocks a thread of the
/// Swift concurrency pool. Handles are scoped (`withFileHandle`), so they are closed even when the
/// request is cancelled part way.
final class SimulatorFileStore: Sendable {
    /// What `GET /v1/files/{id}` answers, plus what listing needs.
    struct Record: Sendable {
        var id: String
        var bytes: Int
        var createdAt: Int
        var filename: String
        var purpose: String
        var expiresAt: Int?
        /// Insertion order: files created in the same second still list in a stable order.
        var sequence: Int

        var json: JSONValue {
            var object: JSONObject = [
                "id": .string(id), "object": "file", "bytes": JSONValue(bytes), "created_at": JSONValue(createdAt),
                "filename": .string(filename), "purpose": .string(purpose), "status": "processed",
            ]
            // The spec types `expires_at` and `status_details` as plain strings/integers (not nullable),
            // so they are left out rather than sent as null.
            if let expiresAt { object["expires_at"] = JSONValue(expiresAt) }
            return .object(object)
        }
    }

    let directory: String
    /// A directory this store created itself (the default) is removed with the store.
    private let ownsDirectory: Bool
    private let records = NIOLockedValueBox<(files: [String: Record], sequence: Int)>(([:], 0))

    /// - Parameter directory: where bytes go; `nil` makes a fresh temporary folder.
    init(directory: String?) {
        if let directory {
            self.directory = directory
            self.ownsDirectory = false
        } else {
            self.directory = NSTemporaryDirectory() + "openai-simulator-files-" + UUID().uuidString
            self.ownsDirectory = true
        }
        try? FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    deinit {
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    static func makeID() -> String {
        "file-" + SimulatorIDs.make("x", hexDigits: 24).dropFirst(2)
    }

    /// Where an upload in progress is written before it gets its id.
    func temporaryPath() -> String {
        directory + "/upload-" + UUID().uuidString + ".part"
    }

    func path(id: String) -> String {
        directory + "/" + id
    }

    /// Moves a finished upload into place and records it.
    func add(temporaryPath: String, id: String, bytes: Int, filename: String, purpose: String, expiresAfter: Int?) async throws -> Record {
        try await FileSystem.shared.moveItem(at: FilePath(temporaryPath), to: FilePath(path(id: id)))
        let created = Self.now()
        return records.withLockedValue { state in
            state.sequence += 1
            let record = Record(
                id: id,
                bytes: bytes,
                createdAt: created,
                filename: filename,
                purpose: purpose,
                expiresAt: expiresAfter.map { created + $0 },
                sequence: state.sequence
            )
            state.files[id] = record
            return record
        }
    }

    /// A live (not expired) file.
    func record(id: String) -> Record? {
        let now = Self.now()
        return records.withLockedValue { state in
            guard let record = state.files[id], !Self.isExpired(record, now: now) else { return nil }
            return record
        }
    }

    /// Live files, newest first, optionally of one purpose.
    func list(purpose: String?) -> [Record] {
        let now = Self.now()
        return records.withLockedValue { state in
            state.files.values
                .filter { !Self.isExpired($0, now: now) && (purpose == nil || $0.purpose == purpose) }
                .sorted { $0.sequence > $1.sequence }
        }
    }

    /// Forgets a live file and removes its bytes; `false` when unknown or expired.
    func delete(id: String) async -> Bool {
        let now = Self.now()
        let removed = records.withLockedValue { state -> Bool in
            guard let record = state.files[id], !Self.isExpired(record, now: now) else { return false }
            state.files[id] = nil
            return true
        }
        if removed { await Self.discard(path(id: id)) }
        return removed
    }

    /// Removes a file if it is there (an upload that failed, a deleted file), ignoring errors.
    static func discard(_ path: String) async {
        _ = try? await FileSystem.shared.removeItem(at: FilePath(path), recursively: false)
    }

    /// Writes the chunks `nextChunk` hands out (until it returns `nil`) to a new file at `path`,
    /// buffered, and returns how many bytes there were. The file only appears at `path` once it is
    /// complete: NIO creates it unnamed (or under a temporary name) and links it into place when the
    /// handle closes without an error, so a failed upload leaves nothing behind.
    static func write(
        to path: String,
        from nextChunk: () async throws -> ByteBuffer?
    ) async throws -> Int {
        try await FileSystem.shared.withFileHandle(
            forWritingAt: FilePath(path),
            options: .newFile(replaceExisting: true, permissions: .ownerReadWrite)
        ) { handle in
            var writer = handle.bufferedWriter(capacity: .kibibytes(256))
            var count = 0
            while let chunk = try await nextChunk() {
                count += chunk.readableBytes
                try await writer.write(contentsOf: chunk)
            }
            try await writer.flush()
            return count
        }
    }

    /// Streams the first `size` bytes of the file at `path` to a response body, chunk by chunk.
    /// A file shorter than `size` (removed meanwhile) throws, which cuts the connection.
    static func read(_ path: String, size: Int, chunkSize: Int, to writer: inout any ResponseBodyWriter) async throws {
        let sent = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            var sent = 0
            for try await chunk in handle.readChunks(in: 0..<Int64(size), chunkLength: .bytes(Int64(chunkSize))) {
                sent += chunk.readableBytes
                try await writer.write(chunk)
            }
            return sent
        }
        guard sent == size else { throw StorageFailure(message: "\(path) ended after \(sent) of \(size) bytes") }
    }

    struct StorageFailure: Error { var message: String }

    private static func isExpired(_ record: Record, now: Int) -> Bool {
        if let expiresAt = record.expiresAt { return expiresAt <= now }
        return false
    }
}
