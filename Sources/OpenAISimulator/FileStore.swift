import Foundation
import NIOConcurrencyHelpers
import NIOCore
import OpenAIClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Uploaded files: metadata in memory, bytes on disk (one file per id), so a 512 MB upload
/// never sits in memory.
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
    func add(temporaryPath: String, id: String, bytes: Int, filename: String, purpose: String, expiresAfter: Int?) throws -> Record {
        try FileManager.default.moveItem(atPath: temporaryPath, toPath: path(id: id))
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
    func delete(id: String) -> Bool {
        let now = Self.now()
        let removed = records.withLockedValue { state -> Bool in
            guard let record = state.files[id], !Self.isExpired(record, now: now) else { return false }
            state.files[id] = nil
            return true
        }
        if removed { try? FileManager.default.removeItem(atPath: path(id: id)) }
        return removed
    }

    private static func isExpired(_ record: Record, now: Int) -> Bool {
        if let expiresAt = record.expiresAt { return expiresAt <= now }
        return false
    }
}

/// A file opened with POSIX calls: writes go straight from a `ByteBuffer`'s storage, without the
/// copy into `Data` that `FileHandle` would need. Closed when released; used by one task at a time.
final class PosixFile {
    private let descriptor: Int32

    struct Failure: Error { var message: String }

    static func create(_ path: String) throws(Failure) -> PosixFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw Failure(message: "cannot create \(path): errno \(errno)") }
        return PosixFile(descriptor: fd)
    }

    static func openForReading(_ path: String) throws(Failure) -> PosixFile {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(message: "cannot open \(path): errno \(errno)") }
        return PosixFile(descriptor: fd)
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Writes every readable byte of `buffer` (retrying short writes).
    func write(_ buffer: ByteBuffer) throws(Failure) {
        let fd = descriptor
        let failed = buffer.withUnsafeReadableBytes { raw -> Bool in
            guard var pointer = raw.baseAddress else { return false }
            var remaining = raw.count
            while remaining > 0 {
                let written = posixWrite(fd, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return true
                }
                remaining -= written
                pointer = pointer.advanced(by: written)
            }
            return false
        }
        if failed { throw Failure(message: "write failed: errno \(errno)") }
    }

    /// Reads up to `count` bytes; an empty buffer means end of file.
    func read(upTo count: Int, allocator: ByteBufferAllocator) throws(Failure) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: count)
        let fd = descriptor
        var failed = false
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            guard let base = raw.baseAddress else { return 0 }
            while true {
                let got = posixRead(fd, base, count)
                if got < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return 0
                }
                return got
            }
        }
        if failed { throw Failure(message: "read failed: errno \(errno)") }
        return buffer
    }
}

// `write`/`read` are shadowed by the methods above; these name the C functions unambiguously.
@inline(__always) private func posixWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}

@inline(__always) private func posixRead(_ fd: Int32, _ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, pointer, count)
}
