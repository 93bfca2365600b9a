import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The ledger's spill file: rows the store could not take (down, slow, or the queue full), one JSON
/// ``LedgerRow`` per line, appended to `DATA_DIR/ledger-spill.jsonl`.
///
/// To replay, the file is first renamed to `ledger-spill.replaying.jsonl` (so new spills start a fresh
/// file while the old one is read), its rows are written to the store, and only then is it removed. A
/// replaying file left by a process that stopped mid-replay is replayed again on start (the inserts
/// are `ON CONFLICT (id) DO NOTHING`, so rows already in the store are not doubled).
///
/// Every method blocks: call them on NIO's thread pool. The lock orders an append against the rename.
struct LedgerSpillFile: Sendable {
    let directory: String
    var path: String { (directory as NSString).appendingPathComponent("ledger-spill.jsonl") }
    var replayingPath: String { (directory as NSString).appendingPathComponent("ledger-spill.replaying.jsonl") }
    private let lock = NIOLock()

    init(directory: String) {
        self.directory = directory
    }

    /// One line per row (JSON, newline-terminated).
    static func lines(for rows: [LedgerRow]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for row in rows {
            bytes += try encoder.encode(row)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// Appends `bytes` (whole lines) to the spill file, creating it and its folder when needed.
    func append(_ bytes: [UInt8]) throws {
        try lock.withLock {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let descriptor = path.withCString { systemOpenForAppend($0) }
            guard descriptor >= 0 else { throw SpillFileError("cannot open \(path): \(String(cString: strerror(errno)))") }
            defer { systemClose(descriptor) }
            let (written, failure) = LogFileSet.writeAll(bytes, to: descriptor)
            if let failure {
                // A partial last line would glue onto the next append: end it, so only that row is unreadable.
                if written > 0 { _ = LogFileSet.writeAll([UInt8(ascii: "\n")], to: descriptor) }
                throw SpillFileError("cannot write \(path): \(failure)")
            }
        }
    }

    /// Whether there is anything to replay.
    var hasRows: Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: replayingPath) || manager.fileExists(atPath: path)
    }

    /// Makes the replaying file the one to read: an existing one (an interrupted replay), else the spill
    /// file renamed. False when there is nothing to replay.
    func claimForReplay() throws -> Bool {
        try lock.withLock {
            let manager = FileManager.default
            if manager.fileExists(atPath: replayingPath) { return true }
            guard manager.fileExists(atPath: path) else { return false }
            guard rename(path, replayingPath) == 0 else {
                throw SpillFileError("cannot rename \(path): \(String(cString: strerror(errno)))")
            }
            return true
        }
    }

    /// Up to `limit` bytes of the replaying file from `offset`; empty at its end.
    func read(from offset: UInt64, limit: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: replayingPath) else {
            throw SpillFileError("cannot open \(replayingPath)")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return [UInt8](try handle.read(upToCount: limit) ?? Data())
    }

    /// Removes the replaying file once its rows are in the store.
    func finishReplay() throws {
        try FileManager.default.removeItem(atPath: replayingPath)
    }
}

/// A spill file that cannot be opened, written or renamed, with the system's reason.
struct SpillFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
