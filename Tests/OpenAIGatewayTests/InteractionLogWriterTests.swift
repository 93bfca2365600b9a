import Foundation
import Logging
import NIOPosix
import OpenAIClient
import Testing

@testable import OpenAIGateway

@Suite("Interaction log writer")
struct InteractionLogWriterTests {
    /// A fresh empty directory under the temporary directory.
    private func makeDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("interaction-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func lines(_ path: String) throws -> [JSONValue] {
        let data = try #require(FileManager.default.contents(atPath: path), "missing \(path)")
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { try JSONValue(parsing: String($0)) }
    }

    private func entry(api: String, level: LogLevel = .info, _ fields: JSONObject, date: Date = Date()) -> InteractionLogEntry {
        InteractionLogEntry(api: api, level: level, fields: fields, date: date)
    }

    private static let logger = Logger(label: "test.interaction-log")

    @Test("entries land in <dir>/<UTC day>/<api>.log, one compact JSON object per line, in order")
    func filesAndOrder() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .debug, logger: Self.logger)
        let run = Task { try await writer.run() }
        let date = Date(timeIntervalSince1970: 1_793_836_800.5)  // 2026-11-05T00:00:00.500Z
        for index in 0..<5 { writer.log(entry(api: "responses", ["n": .int(Int64(index))], date: date)) }
        writer.log(entry(api: "images", ["n": 99], date: date))
        writer.log(entry(api: "../escape", ["n": 7], date: date))
        await writer.flush()

        let responses = try lines("\(directory)/2026-11-05/responses.log")
        #expect(responses.map { $0["n"]?.intValue } == [0, 1, 2, 3, 4])
        #expect(try lines("\(directory)/2026-11-05/images.log").first?["n"] == 99)
        #expect(try lines("\(directory)/2026-11-05/gateway.log").first?["n"] == 7)
        let raw = try #require(FileManager.default.contents(atPath: "\(directory)/2026-11-05/images.log"))
        #expect(String(decoding: raw, as: UTF8.self) == "{\"n\":99}\n")

        // The next day goes to its own directory.
        writer.log(entry(api: "responses", ["n": 5], date: date.addingTimeInterval(86_400)))
        writer.finish()
        try await run.value
        #expect(try lines("\(directory)/2026-11-06/responses.log").first?["n"] == 5)
        #expect(try lines("\(directory)/2026-11-05/responses.log").count == 5)
    }

    @Test("1000 entries from concurrent tasks: none lost, each task's entries in its order")
    func concurrentEntries() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .info, logger: Self.logger)
        let run = Task { try await writer.run() }
        let date = Date(timeIntervalSince1970: 1_793_836_800)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<20 {
                group.addTask {
                    for index in 0..<50 {
                        writer.log(self.entry(api: "files", ["task": .int(Int64(task)), "i": .int(Int64(index))], date: date))
                    }
                }
            }
        }
        writer.finish()
        try await run.value

        let entries = try lines("\(directory)/2026-11-05/files.log")
        #expect(entries.count == 1000)
        var seen: [Int: [Int]] = [:]
        for entry in entries {
            let task = try #require(entry["task"]?.intValue)
            seen[task, default: []].append(try #require(entry["i"]?.intValue))
        }
        #expect(seen.count == 20)
        for (_, indices) in seen { #expect(indices == Array(0..<50)) }
    }

    @Test("entries more verbose than the minimum level are skipped")
    func levelFiltering() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .warn, logger: Self.logger)
        let run = Task { try await writer.run() }
        let date = Date(timeIntervalSince1970: 1_793_836_800)
        for level in LogLevel.allCases { writer.log(entry(api: "audio", level: level, ["level": .string(level.rawValue)], date: date)) }
        writer.finish()
        try await run.value
        #expect(try lines("\(directory)/2026-11-05/audio.log").map { $0["level"]?.stringValue } == ["error", "warn"])
        #expect(writer.isEnabled(.error) && !writer.isEnabled(.info))
        #expect(LogLevel(parsing: " DEBUG ") == .debug && LogLevel(parsing: "warning") == .warn && LogLevel(parsing: "loud") == nil)
        #expect(LogLevel.error < LogLevel.verbose)
    }

    @Test("base64 payloads and credentials never reach the file")
    func redaction() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = "sk-test-1234567890abcdef"
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .info, logger: Self.logger, secrets: [key])
        let run = Task { try await writer.run() }
        let payload = String(repeating: "QUJD", count: 3000)
        let date = Date(timeIntervalSince1970: 1_793_836_800)
        writer.log(
            entry(
                api: "images",
                [
                    "b64_json": .string(payload),
                    "image_url": .string("data:image/png;base64,\(payload)"),
                    "headers": ["Authorization": .string("Bearer \(key)"), "x-api-key": "abc", "content-type": "image/png"],
                    "message": .string("upstream said: invalid key \(key)"),
                    "prompt": "a short prompt",
                ],
                date: date
            )
        )
        writer.finish()
        try await run.value

        let raw = String(decoding: try #require(FileManager.default.contents(atPath: "\(directory)/2026-11-05/images.log")), as: UTF8.self)
        #expect(!raw.contains("QUJDQUJD"))
        #expect(!raw.contains(key))
        let line = try #require(try lines("\(directory)/2026-11-05/images.log").first)
        #expect(line["b64_json"] == "<base64 elided: 12000 chars>")
        #expect(line["image_url"] == "<data:image/png;base64 elided: 12000 chars>")
        #expect(line["headers"]?["Authorization"] == "<redacted>")
        #expect(line["headers"]?["x-api-key"] == "<redacted>")
        #expect(line["headers"]?["content-type"] == "image/png")
        #expect(line["message"] == "upstream said: invalid key sk-...redacted")
        #expect(line["prompt"] == "a short prompt")
        #expect(LogRedaction.redact(["input_tokens": 5, "text": "hello"]) == ["input_tokens": 5, "text": "hello"])
        #expect(LogRedaction.redactSecrets(in: "key=\(key)", secret: key) == "key=sk-...redacted")
    }

    @Test("a directory that cannot be created does not crash and does not block log or flush")
    func writeFailure() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let blocker = "\(directory)/not-a-directory"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let writer = InteractionLogWriter(directory: blocker, minimumLevel: .info, logger: Self.logger)
        let run = Task { try await writer.run() }
        let started = ContinuousClock.now
        for index in 0..<200 { writer.log(entry(api: "videos", ["i": .int(Int64(index))])) }
        #expect(ContinuousClock.now - started < .seconds(2))
        await writer.flush()
        #expect(writer.failedWriteCount == 200)
        writer.finish()
        try await run.value
        // After shutdown, log still returns at once.
        writer.log(entry(api: "videos", ["late": true]))
        await writer.flush()
    }

    @Test("cancellation of run() still writes every accepted entry")
    func cancellationDrains() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .info, logger: Self.logger)
        let date = Date(timeIntervalSince1970: 1_793_836_800)
        for index in 0..<100 { writer.log(entry(api: "vector_stores", ["i": .int(Int64(index))], date: date)) }
        let run = Task { try await writer.run() }
        run.cancel()
        try await run.value
        #expect(try lines("\(directory)/2026-11-05/vector_stores.log").count == 100)
    }

    /// The process's open file descriptors and what they point at (Linux: `/proc/self/fd`).
    private static func openDescriptors() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").map { name in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")) ?? ""
        }
    }

    private static let hasProcFD = FileManager.default.fileExists(atPath: "/proc/self/fd")

    @Test("only the known api names have their own file; anything else goes to gateway.log")
    func knownAPIs() {
        for api in [
            "responses", "files", "audio", "images", "videos", "vector_stores", "chat", "completions", "embeddings", "moderations",
            "models", "batches", "uploads", "conversations", "containers", "realtime", "evals", "fine_tuning", "gateway",
        ] {
            #expect(InteractionLogWriter.fileName(forAPI: api) == api)
        }
        #expect(InteractionLogWriter.knownAPIs.count == 19)
        #expect(InteractionLogWriter.fileName(forAPI: "Responses") == "responses")
        for junk in ["", "wp-admin", "vector-stores", "../escape", "a/b", "responses2", "x\u{0}y"] {
            #expect(InteractionLogWriter.fileName(forAPI: junk) == "gateway", "\(junk)")
        }
    }

    @Test("300 made-up api names all land in gateway.log and open at most the known files", .enabled(if: hasProcFD))
    func unknownAPIsShareGatewayLog() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = try Self.openDescriptors().count
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .info, logger: Self.logger)
        let run = Task { try await writer.run() }
        let date = Date(timeIntervalSince1970: 1_793_836_800)
        for index in 0..<300 { writer.log(entry(api: "junk-\(index)", ["i": .int(Int64(index))], date: date)) }
        writer.log(entry(api: "responses", ["known": true], date: date))
        await writer.flush()

        let during = try Self.openDescriptors()
        #expect(during.count - before <= InteractionLogWriter.knownAPIs.count, "\(during)")
        #expect(during.filter { $0.hasPrefix(directory) }.count == 2)
        #expect(try lines("\(directory)/2026-11-05/gateway.log").map { $0["i"]?.intValue } == Array(0..<300))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/2026-11-05").sorted() == ["gateway.log", "responses.log"])
        writer.finish()
        try await run.value
        #expect(try Self.openDescriptors().filter { $0.hasPrefix(directory) }.isEmpty)
    }

    @Test("the files of a finished day are closed when the first entry of the next day is written", .enabled(if: hasProcFD))
    func dayChangeClosesFiles() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .info, logger: Self.logger)
        let run = Task { try await writer.run() }
        let date = Date(timeIntervalSince1970: 1_793_836_800)  // 2026-11-05
        writer.log(entry(api: "responses", ["n": 1], date: date))
        writer.log(entry(api: "files", ["n": 2], date: date))
        await writer.flush()
        #expect(try Self.openDescriptors().filter { $0.hasPrefix("\(directory)/2026-11-05/") }.count == 2)

        writer.log(entry(api: "responses", ["n": 3], date: date.addingTimeInterval(86_400)))
        await writer.flush()
        let open = try Self.openDescriptors()
        #expect(open.filter { $0.hasPrefix("\(directory)/2026-11-05/") }.isEmpty, "\(open)")
        #expect(open.filter { $0.hasPrefix("\(directory)/2026-11-06/") } == ["\(directory)/2026-11-06/responses.log"])
        writer.finish()
        try await run.value
        #expect(try lines("\(directory)/2026-11-05/files.log").count == 1)
        #expect(try lines("\(directory)/2026-11-06/responses.log").first?["n"] == 3)
    }

    @Test("a burst of 10,000 entries is written in full and in order, a buffer per file rather than a write per line")
    func burst() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .info, logger: Self.logger)
        let date = Date(timeIntervalSince1970: 1_793_836_800)
        // Queued before run() starts: drained in one round, one buffer for the one file.
        for index in 0..<10_000 { writer.log(entry(api: "responses", ["i": .int(Int64(index))], date: date)) }
        let run = Task { try await writer.run() }
        await writer.flush()
        #expect(try lines("\(directory)/2026-11-05/responses.log").map { $0["i"]?.intValue } == Array(0..<10_000))
        #expect(writer.bufferWriteCount == 1)

        // While it runs: 10,000 more from 10 tasks, across two files.
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<10 {
                group.addTask {
                    for index in 0..<1_000 {
                        writer.log(
                            self.entry(
                                api: task.isMultiple(of: 2) ? "audio" : "files",
                                ["task": .int(Int64(task)), "i": .int(Int64(index))],
                                date: date
                            )
                        )
                    }
                }
            }
        }
        await writer.flush()
        let audio = try lines("\(directory)/2026-11-05/audio.log")
        let files = try lines("\(directory)/2026-11-05/files.log")
        #expect(audio.count == 5_000 && files.count == 5_000)
        var seen: [Int: [Int]] = [:]
        for line in audio + files { seen[line["task"]?.intValue ?? -1, default: []].append(line["i"]?.intValue ?? -1) }
        #expect(seen.count == 10)
        for (_, indices) in seen { #expect(indices == Array(0..<1_000)) }
        #expect(writer.bufferWriteCount < 1_000, "\(writer.bufferWriteCount) writes for 10,000 entries")
        #expect(writer.failedWriteCount == 0)
        writer.finish()
        try await run.value
    }

    @Test("the file work runs on the writer's thread pool: with that pool stopped nothing is written, and it is counted")
    func fileWorkRunsOnTheThreadPool() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let date = Date(timeIntervalSince1970: 1_793_836_800)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let writer = InteractionLogWriter(directory: directory, minimumLevel: .info, logger: Self.logger, threadPool: pool)
        let run = Task { try await writer.run() }
        writer.log(entry(api: "models", ["n": 1], date: date))
        await writer.flush()
        #expect(try lines("\(directory)/2026-11-05/models.log").count == 1)

        try await pool.shutdownGracefully()
        for index in 0..<5 { writer.log(entry(api: "models", ["n": .int(Int64(index))], date: date)) }
        await writer.flush()
        #expect(writer.failedWriteCount == 5)
        writer.finish()
        try await run.value
        #expect(try lines("\(directory)/2026-11-05/models.log").count == 1)
    }

    @Test("the request summary keeps its documented key order and logs an unknown cost as null")
    func requestSummary() throws {
        let date = Date(timeIntervalSince1970: 1_793_882_467.123)  // 2026-11-05T12:41:07.123Z
        let entry = InteractionLogEntry.request(
            requestID: "req_1",
            api: "responses",
            method: "POST",
            route: "/api/responses/text",
            endpoint: "POST /v1/responses",
            status: 200,
            attempts: 1,
            latencyMs: 812.5,
            upstreamRequestID: nil,
            model: "gpt-4o",
            usage: TokenUsage(input: 10, cached: 2, output: 5, reasoning: 1),
            costUSD: nil,
            stream: StreamSummary(outcome: .completed, events: 42, extra: ["first_event_ms": 80]),
            error: nil,
            extra: ["previous_response_id": "resp_0", "api": "an API's own api member"],
            date: date
        )
        #expect(entry.api == "responses" && entry.level == .info)
        #expect(
            Array(entry.fields.keys) == [
                "timestamp", "level", "request_id", "api", "method", "route", "endpoint", "status", "attempts",
                "latency_ms", "model", "usage", "cost_usd", "stream", "previous_response_id", "object_api",
            ]
        )
        // A member named like a core field does not replace it, and is not lost either.
        #expect(entry.fields["api"] == "responses")
        #expect(entry.fields["object_api"] == "an API's own api member")
        #expect(entry.fields["timestamp"] == "2026-11-05T12:41:07.123Z")
        #expect(entry.fields["cost_usd"] == .null)
        #expect(entry.fields["api"] == "responses")
        #expect(
            JSONValue.object(entry.fields)["usage"]?.jsonString
                == #"{"input_tokens":10,"cached_tokens":2,"output_tokens":5,"reasoning_tokens":1,"total_tokens":15}"#
        )
        #expect(JSONValue.object(entry.fields)["stream"]?.jsonString == #"{"outcome":"completed","events":42,"first_event_ms":80}"#)

        let failed = InteractionLogEntry.request(
            level: .error,
            requestID: "req_2",
            api: "files",
            method: "GET",
            route: "/api/files/:id",
            endpoint: nil,
            status: 404,
            latencyMs: 3,
            costUSD: 0.00725,
            error: ErrorSummary(status: 404, errorCode: "not_found", message: "No such file"),
            date: date
        )
        #expect(failed.fields["cost_usd"] == 0.00725)
        #expect(failed.fields["error"]?.jsonString == #"{"status":404,"error_code":"not_found","message":"No such file"}"#)
        #expect(failed.fields["endpoint"] == nil)
        #expect(InteractionLogEntry.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(InteractionLogEntry.day(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29")
    }
}
