import Foundation
import Logging
import NIOConcurrencyHelpers
import OpenAIClient
import ServiceLifecycle

/// Appends interaction log entries, one compact JSON object per line, to
/// `<directory>/<YYYY-MM-DD UTC>/<api>.log`, off the request path.
///
/// `log(_:)` never blocks, never throws and never drops an accepted entry: it hands the entry to an
/// unbounded stream that `run()` drains. Run the writer as a service of the application's
/// `ServiceGroup`, listed before the HTTP server so that it shuts down after it: on graceful shutdown
/// (or cancellation) it writes every entry already accepted, then closes its files.
///
/// ```swift
/// let writer = InteractionLogWriter(directory: "./logs", minimumLevel: .info, logger: logger)
/// writer.log(.request(requestID: id, api: "responses", method: "POST", route: "/api/responses/text",
///                     endpoint: "POST /v1/responses", status: 200, latencyMs: 812, costUSD: 0.00725))
/// ```
public final class InteractionLogWriter: Service {
    private enum Item: Sendable {
        case entry(InteractionLogEntry)
        case flush(CheckedContinuation<Void, Never>)
    }

    private struct State {
        var running = false
        var failedWrites = 0
        var lateEntries = 0
    }

    /// The log root (`LOG_DIR`).
    public let directory: String
    /// Entries more verbose than this are skipped.
    public let minimumLevel: LogLevel
    private let logger: Logger
    private let secrets: [String]
    private let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - directory: the log root; day directories are created under it as needed.
    ///   - minimumLevel: the most verbose level written (`LOG_LEVEL`).
    ///   - logger: where write failures are reported (never the entries themselves).
    ///   - secrets: strings scrubbed from every line (the upstream API key), on top of `LogRedaction`.
    public init(directory: String, minimumLevel: LogLevel, logger: Logger, secrets: [String] = []) {
        self.directory = directory
        self.minimumLevel = minimumLevel
        self.logger = logger
        self.secrets = secrets.filter { $0.count >= 8 }
        (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
    }

    /// Whether an entry at `level` would be written (lets callers skip building costly entries).
    public func isEnabled(_ level: LogLevel) -> Bool { level <= minimumLevel }

    /// Queues `entry` for writing. Returns at once; safe from any task or thread.
    public func log(_ entry: InteractionLogEntry) {
        guard isEnabled(entry.level) else { return }
        if case .terminated = continuation.yield(.entry(entry)) {
            // The writer has shut down; there is no file to put it in any more.
            let late = state.withLockedValue { state -> Int in
                state.lateEntries += 1
                return state.lateEntries
            }
            if late == 1 { logger.warning("interaction log entry after shutdown was not written", metadata: ["api": "\(entry.api)"]) }
        }
    }

    /// Waits until every entry logged before this call is written (or could not be written).
    /// Returns at once when the writer has finished; waits for `run()` to start otherwise.
    public func flush() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            if case .terminated = continuation.yield(.flush(waiter)) { waiter.resume() }
        }
    }

    /// Stops accepting entries; `run()` writes what was accepted and returns.
    public func finish() {
        continuation.finish()
    }

    /// How many entries could not be written (for metrics and tests).
    public var failedWriteCount: Int { state.withLockedValue { $0.failedWrites } }

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
        let files = LogFileSet(directory: directory, logger: logger)
        let continuation = self.continuation
        // AsyncStream delivers buffered elements after finish() and after cancellation, so ending the
        // stream is enough for the loop to write everything already accepted.
        await withGracefulShutdownHandler {
            for await item in stream {
                switch item {
                case .entry(let entry):
                    if !files.write(line(for: entry), api: entry.api, day: InteractionLogEntry.day(entry.date)) {
                        state.withLockedValue { $0.failedWrites += 1 }
                    }
                case .flush(let waiter):
                    waiter.resume()
                }
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        continuation.finish()
        files.closeAll()
    }

    private func line(for entry: InteractionLogEntry) -> [UInt8] {
        var bytes = LogRedaction.redact(.object(entry.fields)).jsonBytes
        if !secrets.isEmpty {
            var text = String(decoding: bytes, as: UTF8.self)
            for secret in secrets { text = LogRedaction.redactSecrets(in: text, secret: secret) }
            bytes = Array(text.utf8)
        }
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

/// The open log files of the current day, one per API. Used only inside `InteractionLogWriter.run()`,
/// by one task, so it needs no lock.
final class LogFileSet {
    private let directory: String
    private let logger: Logger
    private var day: String?
    private var descriptors: [String: Int32] = [:]
    /// Entries that failed, by file path; the first failure is reported at once, the count on close.
    private var failures: [String: Int] = [:]

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    deinit { closeAll() }

    /// Appends `line` to `<directory>/<day>/<api>.log`. Returns false when it could not.
    func write(_ line: [UInt8], api: String, day: String) -> Bool {
        if self.day != day {
            closeAll()
            self.day = day
        }
        let name = Self.fileName(api)
        let path = "\(directory)/\(day)/\(name).log"
        let descriptor: Int32
        if let open = descriptors[name] {
            descriptor = open
        } else {
            switch openFile(path: path, dayDirectory: "\(directory)/\(day)") {
            case .success(let opened):
                descriptor = opened
                descriptors[name] = opened
            case .failure(let reason):
                recordFailure(path: path, reason: reason)
                return false
            }
        }
        if let reason = Self.writeAll(line, to: descriptor) {
            recordFailure(path: path, reason: reason)
            // Reopen next time: the file may have been removed or the disk freed.
            Self.close(descriptor)
            descriptors[name] = nil
            return false
        }
        return true
    }

    func closeAll() {
        for descriptor in descriptors.values { Self.close(descriptor) }
        descriptors.removeAll()
        for (path, count) in failures where count > 1 {
            logger.error("interaction log: \(count) entries could not be written", metadata: ["file": "\(path)"])
        }
        failures.removeAll()
    }

    /// `api` restricted to `[a-z0-9_-]` so that it cannot leave the day directory.
    static func fileName(_ api: String) -> String {
        let allowed = api.lowercased().unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        return allowed && !api.isEmpty ? api.lowercased() : "gateway"
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

    private func recordFailure(path: String, reason: String) {
        let count = (failures[path] ?? 0) + 1
        failures[path] = count
        if count == 1 {
            logger.error(
                "interaction log: write failed, entries for this file are lost until it works",
                metadata: ["file": "\(path)", "reason": "\(reason)"]
            )
        }
    }

    /// Writes every byte (a short write or EINTR continues), or returns why it could not.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
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
                return written == 0 ? "wrote 0 bytes" : errnoText()
            }
        }
        return nil
    }

    private static func close(_ descriptor: Int32) {
        systemClose(descriptor)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

// File-scope wrappers: inside `LogFileSet` the names `write` and `close` would find its own methods.
private func systemOpenForAppend(_ path: UnsafePointer<CChar>) -> Int32 {
    open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

private func systemClose(_ descriptor: Int32) {
    _ = close(descriptor)
}
