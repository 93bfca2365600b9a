import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import OpenAIClient
import ServiceLifecycle

/// Appends interaction log entries, one compact JSON object per line, to
/// `<directory>/<YYYY-MM-DD UTC>/<api>.log`, off the request path.
///
/// `log(_:)` never blocks, never throws and never drops an accepted entry: it appends the entry to an
/// unbounded queue that `run()` drains. Each round takes every entry queued so far, builds one buffer per
/// file and writes each buffer with one call, so a burst of entries costs a few system calls, not one
/// per line. The file work (opening, writing, closing) runs on NIO's blocking thread pool, never on a
/// Swift concurrency thread.
///
/// Files come from a fixed set, ``knownAPIs``: an entry whose `api` is not one of them goes to
/// `gateway.log`, so a client cannot make the writer open a file per made-up path. The files of a day are
/// closed when the first entry of another day is written.
///
/// Run the writer as a service of the application's `ServiceGroup`, listed before the HTTP server so that
/// it shuts down after it: on graceful shutdown (or cancellation) it writes every entry already accepted,
/// then closes its files. A write failure is counted (``failedWriteCount``) and reported once per file.
///
/// ```swift
/// let writer = InteractionLogWriter(directory: "./logs", minimumLevel: .info, logger: logger)
/// writer.log(.request(requestID: id, api: "responses", method: "POST", route: "/api/responses/text",
///                     endpoint: "POST /v1/responses", status: 200, latencyMs: 812, costUSD: 0.00725))
/// ```
public final class InteractionLogWriter: Service {
    /// The `api` names that have their own log file (`<api>.log`); every other name is written to
    /// `gateway.log`.
    public static let knownAPIs: Set<String> = [
        "responses", "files", "audio", "images", "videos", "vector_stores", "chat", "completions", "embeddings", "moderations",
        "models", "batches", "uploads", "conversations", "containers", "realtime", "evals", "fine_tuning", "gateway",
    ]

    /// The file (without `.log`) that entries of `api` go to: `api` lowercased when it is one of
    /// ``knownAPIs``, `gateway` otherwise.
    public static func fileName(forAPI api: String) -> String {
        let name = api.lowercased()
        return knownAPIs.contains(name) ? name : "gateway"
    }

    private enum Item: Sendable {
        case entry(InteractionLogEntry)
        case flush(CheckedContinuation<Void, Never>)
    }

    private struct State {
        /// Whether `run()` was called.
        var running = false
        /// False once `finish()`, graceful shutdown or cancellation stopped the writer taking entries.
        var accepting = true
        /// True once `run()` wrote the last accepted entry.
        var drained = false
        var queue: [Item] = []
        /// `run()` waiting for the queue to fill.
        var waiter: CheckedContinuation<Void, Never>?
        var failedWrites = 0
        var lateEntries = 0
        /// Entries written (or failed) so far, and those still queued when the intake stopped.
        var entriesHandled = 0
        var queuedAtFinish = 0
        var bufferWrites = 0
        var reportedInactivePool = false
    }

    /// The log root (`LOG_DIR`).
    public let directory: String
    /// Entries more verbose than this are skipped.
    public let minimumLevel: LogLevel
    private let logger: Logger
    private let encoder: LogLineEncoder
    private let threadPool: NIOThreadPool
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - directory: the log root; day directories are created under it as needed.
    ///   - minimumLevel: the most verbose level written (`LOG_LEVEL`).
    ///   - logger: where write failures are reported (never the entries themselves).
    ///   - secrets: strings scrubbed from every line (the upstream API key), on top of `LogRedaction`.
    ///   - threadPool: where the file work runs (NIO's shared blocking pool by default).
    public init(
        directory: String,
        minimumLevel: LogLevel,
        logger: Logger,
        secrets: [String] = [],
        threadPool: NIOThreadPool = .singleton
    ) {
        self.directory = directory
        self.minimumLevel = minimumLevel
        self.logger = logger
        self.encoder = LogLineEncoder(secrets: secrets.filter { $0.count >= 8 })
        self.threadPool = threadPool
    }

    /// Whether an entry at `level` would be written (lets callers skip building costly entries).
    public func isEnabled(_ level: LogLevel) -> Bool { level <= minimumLevel }

    /// For the shutdown line: entries still queued when the intake stopped (written afterwards), entries
    /// written in all, and entries that arrived after the intake stopped (not written).
    public var drainCounts: (queuedAtStop: Int, written: Int, late: Int) {
        state.withLockedValue { ($0.queuedAtFinish, $0.entriesHandled - $0.failedWrites, $0.lateEntries) }
    }

    /// Queues `entry` for writing. Returns at once; safe from any task or thread.
    public func log(_ entry: InteractionLogEntry) {
        guard isEnabled(entry.level) else { return }
        let (waiter, late) = state.withLockedValue { state -> (CheckedContinuation<Void, Never>?, Int) in
            guard state.accepting else {
                state.lateEntries += 1
                return (nil, state.lateEntries)
            }
            state.queue.append(.entry(entry))
            defer { state.waiter = nil }
            return (state.waiter, 0)
        }
        waiter?.resume()
        // The writer has shut down; there is no file to put it in any more.
        if late == 1 { logger.warning("interaction log entry after shutdown was not written", metadata: ["api": "\(entry.api)"]) }
    }

    /// Waits until every entry logged before this call is written (or could not be written).
    /// Returns at once when the writer has finished; waits for `run()` to start otherwise.
    public func flush() async {
        await withCheckedContinuation { (flushed: CheckedContinuation<Void, Never>) in
            let (queued, waiter) = state.withLockedValue { state -> (Bool, CheckedContinuation<Void, Never>?) in
                // Nothing will be written any more: drained, or stopped before run() started.
                if state.drained || (!state.accepting && !state.running) { return (false, nil) }
                state.queue.append(.flush(flushed))
                defer { state.waiter = nil }
                return (true, state.waiter)
            }
            if queued { waiter?.resume() } else { flushed.resume() }
        }
    }

    /// Stops accepting entries; `run()` writes what was accepted and returns.
    public func finish() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if state.accepting { state.queuedAtFinish = state.queue.count { if case .entry = $0 { true } else { false } } }
            state.accepting = false
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// How many entries could not be written (for metrics and tests).
    public var failedWriteCount: Int { state.withLockedValue { $0.failedWrites } }

    /// How many buffers were written, each with one write call (for tests of the batching).
    var bufferWriteCount: Int { state.withLockedValue { $0.bufferWrites } }

    /// Drains the queue into the log files until `finish()`, graceful shutdown or cancellation,
    /// then writes what is left and closes the files. Never throws for a write failure.
    public func run() async throws {
        let alreadyRunning = state.withLockedValue { state -> Bool in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else {
            logger.error("InteractionLogWriter.run() called twice; the second call returns at once")
            return
        }
        // Shutdown and cancellation only stop the intake: the loop still writes everything accepted.
        var files = await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                var files = LogFileSet(directory: directory, logger: logger)
                while let batch = await nextBatch() {
                    files = await write(batch, to: files)
                }
                return files
            } onCancel: {
                self.finish()
            }
        } onGracefulShutdown: {
            self.finish()
        }
        let closed = await threadPool.runEvenIfCancelled { [files] in
            var files = files
            files.closeAll()
            return true
        }
        if closed == nil { files.closeAll() }
    }

    /// Every item queued so far (waiting until there is one), or nil once the writer stopped taking
    /// entries and the queue is empty.
    private func nextBatch() async -> [Item]? {
        enum Step {
            case batch([Item])
            case wait, end
        }
        while true {
            let step = state.withLockedValue { state -> Step in
                if !state.queue.isEmpty {
                    var batch: [Item] = []
                    swap(&batch, &state.queue)
                    return .batch(batch)
                }
                if !state.accepting {
                    state.drained = true
                    return .end
                }
                return .wait
            }
            switch step {
            case .batch(let batch): return batch
            case .end: return nil
            case .wait:
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let ready = state.withLockedValue { state -> Bool in
                        if !state.queue.isEmpty || !state.accepting { return true }
                        state.waiter = waiter
                        return false
                    }
                    if ready { waiter.resume() }
                }
            }
        }
    }

    /// Writes the entries of `batch` (one buffer per file, on the thread pool), then wakes its flushes.
    private func write(_ batch: [Item], to files: LogFileSet) async -> LogFileSet {
        var entries: [InteractionLogEntry] = []
        var flushes: [CheckedContinuation<Void, Never>] = []
        entries.reserveCapacity(batch.count)
        for item in batch {
            switch item {
            case .entry(let entry): entries.append(entry)
            case .flush(let waiter): flushes.append(waiter)
            }
        }
        var files = files
        if !entries.isEmpty {
            let encoder = self.encoder
            let outcome = await threadPool.runEvenIfCancelled { [files, entries] in
                var files = files
                let result = files.write(LogFileSet.buffers(for: entries, encoder: encoder))
                return (files: files, result: result)
            }
            let failed: Int
            let buffers: Int
            if let outcome {
                files = outcome.files
                failed = outcome.result.failedLines
                buffers = outcome.result.buffersWritten
            } else {
                failed = entries.count
                buffers = 0
            }
            let firstPoolFailure = state.withLockedValue { state -> Bool in
                state.entriesHandled += entries.count
                state.failedWrites += failed
                state.bufferWrites += buffers
                guard outcome == nil, !state.reportedInactivePool else { return false }
                state.reportedInactivePool = true
                return true
            }
            if firstPoolFailure {
                logger.error("interaction log: the I/O thread pool is not running; entries are lost (see failedWriteCount)")
            }
        }
        for flush in flushes { flush.resume() }
        return files
    }
}

/// Turns an entry into its log line: redacted, secrets scrubbed, newline-terminated.
struct LogLineEncoder: Sendable {
    let secrets: [[UInt8]]

    init(secrets: [String]) {
        self.secrets = secrets.map { Array($0.utf8) }
    }

    func line(for entry: InteractionLogEntry) -> [UInt8] {
        var bytes = LogRedaction.redact(.object(entry.fields)).jsonBytes
        for secret in secrets { bytes = LogRedaction.redactSecrets(in: bytes, secret: secret) }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The open log files of the current day, one per file name. A value that `InteractionLogWriter.run()`
/// hands to one thread-pool job at a time and takes back, so it needs no lock.
struct LogFileSet: Sendable {
    /// The lines of one file of one round, in order, with the end offset of each line.
    struct Buffer: Sendable {
        var day: String
        var name: String
        var bytes: [UInt8] = []
        var lineEnds: [Int] = []
    }

    struct WriteResult: Sendable {
        var failedLines = 0
        var buffersWritten = 0
    }

    private let directory: String
    private let logger: Logger
    private(set) var day: String?
    private var descriptors: [String: Int32] = [:]
    /// Entries that failed, by file path; the first failure is reported at once, the count on close.
    private var failures: [String: Int] = [:]

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// How many files are open.
    var openFileCount: Int { descriptors.count }

    /// The entries as one buffer per day and file, in the order each first appears; each file's lines
    /// keep the entries' order.
    static func buffers(for entries: [InteractionLogEntry], encoder: LogLineEncoder) -> [Buffer] {
        var buffers: [Buffer] = []
        var index: [String: Int] = [:]
        for entry in entries {
            let day = InteractionLogEntry.day(entry.date)
            let name = InteractionLogWriter.fileName(forAPI: entry.api)
            let key = "\(day)/\(name)"
            let position: Int
            if let existing = index[key] {
                position = existing
            } else {
                position = buffers.count
                index[key] = position
                buffers.append(Buffer(day: day, name: name))
            }
            buffers[position].bytes += encoder.line(for: entry)
            buffers[position].lineEnds.append(buffers[position].bytes.count)
        }
        return buffers
    }

    /// Appends each buffer to `<directory>/<day>/<name>.log` with one write, closing the files of the
    /// previous day when the day changes. Blocking: call it on a thread-pool thread.
    mutating func write(_ buffers: [Buffer]) -> WriteResult {
        var result = WriteResult()
        for buffer in buffers {
            if day != buffer.day {
                closeAll()
                day = buffer.day
            }
            let path = "\(directory)/\(buffer.day)/\(buffer.name).log"
            let descriptor: Int32
            if let open = descriptors[buffer.name] {
                descriptor = open
            } else {
                switch openFile(path: path, dayDirectory: "\(directory)/\(buffer.day)") {
                case .success(let opened):
                    descriptor = opened
                    descriptors[buffer.name] = opened
                case .failure(let reason):
                    recordFailure(path: path, reason: reason, lines: buffer.lineEnds.count)
                    result.failedLines += buffer.lineEnds.count
                    continue
                }
            }
            result.buffersWritten += 1
            let (written, failure) = Self.writeAll(buffer.bytes, to: descriptor)
            if let failure {
                // Lines written in full before the failure are in the file; the others are lost.
                let lost = buffer.lineEnds.count { $0 > written }
                recordFailure(path: path, reason: failure, lines: lost)
                result.failedLines += lost
                // Reopen next time: the file may have been removed or the disk freed.
                Self.close(descriptor)
                descriptors[buffer.name] = nil
            }
        }
        return result
    }

    /// Closes every file and reports the failure counts. Blocking: call it on a thread-pool thread.
    mutating func closeAll() {
        for descriptor in descriptors.values { Self.close(descriptor) }
        descriptors.removeAll()
        for (path, count) in failures where count > 1 {
            logger.error("interaction log: \(count) entries could not be written", metadata: ["file": "\(path)"])
        }
        failures.removeAll()
    }

    private enum OpenResult {
        case success(Int32)
        case failure(String)
    }

    private func openFile(path: String, dayDirectory: String) -> OpenResult {
        do {
            try FileManager.default.createDirectory(atPath: dayDirectory, withIntermediateDirectories: true)
        } catch {
            return .failure("cannot create \(dayDirectory): \(Self.obstruction(of: dayDirectory) ?? "\(error)")")
        }
        let descriptor = path.withCString { systemOpenForAppend($0) }
        guard descriptor >= 0 else { return .failure("cannot open: \(Self.errnoText())") }
        return .success(descriptor)
    }

    /// Names the nearest existing ancestor of `path` that is not a directory (the usual reason
    /// Foundation gives only as "error 512").
    private static func obstruction(of path: String) -> String? {
        var url = URL(fileURLWithPath: path)
        for _ in 0..<64 {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? nil : "\(url.path) is a file, not a directory"
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
        return nil
    }

    private mutating func recordFailure(path: String, reason: String, lines: Int) {
        let count = (failures[path] ?? 0) + lines
        let first = failures[path] == nil
        failures[path] = count
        if first {
            logger.error(
                "interaction log: write failed, entries for this file are lost until it works",
                metadata: ["file": "\(path)", "reason": "\(reason)"]
            )
        }
    }

    /// Writes every byte with as few calls as the kernel allows (a short write or EINTR continues).
    /// Returns how many bytes were written, and why it stopped when it could not write them all.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> (written: Int, failure: String?) {
        var offset = 0
        var interruptions = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemWrite(descriptor, base + offset, buffer.count - offset)
            }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR, interruptions < 100 {
                interruptions += 1
            } else {
                return (offset, written == 0 ? "wrote 0 bytes" : errnoText())
            }
        }
        return (offset, nil)
    }

    private static func close(_ descriptor: Int32) {
        systemClose(descriptor)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

// File-scope wrappers: inside `LogFileSet` the names `write` and `close` would find its own methods.
func systemOpenForAppend(_ path: UnsafePointer<CChar>) -> Int32 {
    open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

func systemClose(_ descriptor: Int32) {
    _ = close(descriptor)
}
