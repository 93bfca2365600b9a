import Foundation
import NIOCore
import NIOPosix
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

#if canImport(Glibc)
import Glibc
#endif

/// The usage ledger's write side over real HTTP, on SQLite and PostgreSQL: one row per call with the
/// log's numbers, the spill file when the store is down or the queue full, and its replay.
@Suite("Usage ledger: rows, spill file, replay")
struct LedgerTests {
    /// Where a test's gateway keeps its store and spill file, and how to open that store afterwards.
    struct Target: Sendable {
        var dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-ledger-\(UUID().uuidString)").path
        var databaseURL: String?

        static func fresh(_ engine: TestDatabases.Engine) async throws -> Target {
            Target(databaseURL: engine == .postgres ? try await TestDatabases.freshPostgresURL() : nil)
        }

        func configure(_ configuration: inout GatewayConfiguration) {
            configuration.dataDirectory = dataDirectory
            configuration.databaseURL = databaseURL
        }

        func openStore() async throws -> any SQLStore {
            if let databaseURL { return try await PostgresStore.open(url: databaseURL) }
            return try await SQLiteStore.open(path: (dataDirectory as NSString).appendingPathComponent("gateway.sqlite"))
        }

        func rows() async throws -> [LedgerRow] {
            let store = try await openStore()
            do {
                let rows = try await store.query("SELECT * FROM ledger ORDER BY ts, id").compactMap(LedgerRow.init)
                await store.close()
                return rows
            } catch {
                await store.close()
                throw error
            }
        }

        var spillPath: String { (dataDirectory as NSString).appendingPathComponent("ledger-spill.jsonl") }
        var spillFilesGone: Bool {
            !FileManager.default.fileExists(atPath: spillPath)
                && !FileManager.default.fileExists(atPath: (dataDirectory as NSString).appendingPathComponent("ledger-spill.replaying.jsonl"))
        }
    }

    @Test(
        "each call's ledger row carries its log entry's numbers: JSON, stream, cancelled stream, upload entry, 400, unknown route",
        arguments: TestDatabases.engines
    )
    func rowEqualsLogEntry(engine: TestDatabases.Engine) async throws {
        let target = try await Target.fresh(engine)
        let gateway = try await GatewayHarness.run(
            simulator: SimulatorConfiguration(eventDelay: .milliseconds(30), vectorStoreProcessingTime: .milliseconds(50)),
            configure: target.configure
        ) { gateway in
            #expect(try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o", "input": "Hello"]).status == 201)
            let stream = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o-mini", "input": "Hi there"])
            #expect(stream.status == 201 || stream.status == 200, "\(stream.status)")
            _ = try await GatewayHarness.readPartly(
                gateway.baseURL + "/api/responses/text/stream",
                method: .POST,
                json: ["model": "gpt-4o", "input": "A long story please"],
                bytes: 1
            )
            let deadline = ContinuousClock.now + .seconds(3)
            while gateway.simulator.state.stats().clientDisconnects == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let store = try #require(try await gateway.request(.POST, "/api/vector-stores", json: [:]).json()["id"]?.stringValue)
            let upload = try await gateway.upload("/api/vector-stores/\(store)/files/upload", parts: [.file(filename: "n.txt", text: "A note.")])
            #expect(upload.status == 201, "\(upload.text)")
            #expect(try await gateway.request(.POST, "/api/responses/text", rawBody: Array("{".utf8)).status == 400)
            #expect(try await gateway.request(.GET, "/api/no-such-route").status == 404)
            #expect(try await gateway.request(.GET, "/health").status == 200)
            return gateway
        }
        let entries = try ["responses", "files", "vector_stores", "gateway"].flatMap { try gateway.logEntries(api: $0) }
        let rows = try await target.rows()
        let usage = entries.filter { $0["route"]?.stringValue != "/health" }
        #expect(entries.count == usage.count + 1, "the /health call is logged")
        #expect(rows.count == usage.count, "one row per logged API call, none for /health")
        #expect(Set(rows.map(\.id)).count == rows.count)

        for entry in usage {
            let requestID = try #require(entry["request_id"]?.stringValue)
            let api = try #require(entry["api"]?.stringValue)
            let row = try #require(rows.first { $0.requestID == requestID && $0.api == api }, "no row for \(requestID) in \(api)")
            #expect(row.route == entry["route"]?.stringValue)
            #expect(row.path == entry["path"]?.stringValue)
            #expect(row.method == entry["method"]?.stringValue)
            #expect(row.endpoint == entry["endpoint"]?.stringValue)
            #expect(row.model == entry["model"]?.stringValue)
            #expect(row.status == entry["status"]?.intValue)
            #expect(row.outcome == entry["outcome"]?.stringValue)
            #expect(row.attempts == entry["attempts"]?.intValue)
            #expect(row.objectID == entry["object_id"]?.stringValue)
            #expect(row.upstreamRequestID == entry["upstream_request_id"]?.stringValue)
            #expect(row.latencyMs == entry["latency_ms"]?.doubleValue)
            #expect(row.bytesOut == entry["bytes_out"]?.intValue)
            #expect(row.inputTokens == entry["usage"]?["input_tokens"]?.intValue)
            #expect(row.cachedTokens == entry["usage"]?["cached_tokens"]?.intValue)
            #expect(row.outputTokens == entry["usage"]?["output_tokens"]?.intValue)
            #expect(row.reasoningTokens == entry["usage"]?["reasoning_tokens"]?.intValue)
            #expect(row.totalTokens == entry["usage"]?["total_tokens"]?.intValue)
            #expect(row.costUSD == entry["cost_usd"]?.doubleValue)
            #expect(row.costNote == entry["cost_note"]?.stringValue)
            #expect(row.errorCode == entry["error"]?["error_code"]?.stringValue)
            #expect(row.keyID == nil, "GATEWAY_AUTH=none: no key")
        }
        // The scenarios are all there, as rows.
        let billed = rows.filter { $0.route == "/api/responses/text" && $0.status == 201 }
        #expect(billed.count == 1)
        #expect(billed.first.map { $0.costUSD ?? 0 > 0 && $0.totalTokens ?? 0 > 0 && $0.usageRole == "billed" } == true)
        #expect(rows.contains { $0.route == "/api/responses/text/stream" && $0.outcome == "completed" && $0.model == "gpt-4o-mini" })
        #expect(rows.contains { $0.route == "/api/responses/text/stream" && $0.outcome == "client_cancelled" })
        let uploadEntry = try #require(rows.first { $0.api == "files" && $0.route == "/api/vector-stores/{vector_store_id}/files/upload" })
        #expect(uploadEntry.id == uploadEntry.requestID + "/1")
        #expect(rows.contains { $0.id == uploadEntry.requestID && $0.api == "vector_stores" && $0.status == 201 })
        #expect(rows.contains { $0.route == "/api/responses/text" && $0.status == 400 && $0.errorCode != nil })
        #expect(rows.contains { $0.route == nil && $0.path == "/api/no-such-route" && $0.status == 404 })
        #expect(target.spillFilesGone)
    }

    @Test(
        "the database stopped mid-load: requests keep answering, rows spill, every row is stored after the restart",
        .enabled(if: TestDatabases.postgresAvailable())
    )
    func databaseStoppedMidLoad() async throws {
        let server = try await ScratchPostgres.start()
        var stopped = false
        do {
            let target = Target(databaseURL: server.url)
            let (ids, spilledWhileDown) = try await GatewayHarness.run(configure: {
                target.configure(&$0)
                $0.ledgerFlushInterval = .milliseconds(20)
            }) { gateway -> ([String], Bool) in
                var ids: [String] = []
                func call(_ index: Int) async throws {
                    let started = ContinuousClock.now
                    let response = try await gateway.request(
                        .POST,
                        "/api/responses/text",
                        json: ["model": "gpt-4o", "input": .string("Call \(index)")]
                    )
                    let state = stopped ? "down" : "up"
                    #expect(response.status == 201, "request \(index) answered \(response.status) while the database was \(state)")
                    #expect(ContinuousClock.now - started < .seconds(2), "request \(index) waited for the ledger")
                    ids.append(try #require(response.headers.first(name: "x-request-id")))
                }
                for index in 0..<10 { try await call(index) }
                try await server.stop()
                stopped = true
                for index in 10..<40 { try await call(index) }
                // The writer gives up on the store (an error, or no answer within its write timeout) and spills.
                var spilled = false
                let spillDeadline = ContinuousClock.now + .seconds(15)
                while !spilled, ContinuousClock.now < spillDeadline {
                    try await call(ids.count)
                    spilled = FileManager.default.fileExists(atPath: target.spillPath)
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await server.restart()
                stopped = false
                for index in ids.count..<(ids.count + 10) { try await call(index) }
                // Replayed once the store answers again; the spill file is removed after that.
                let replayDeadline = ContinuousClock.now + .seconds(30)
                while !target.spillFilesGone, ContinuousClock.now < replayDeadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(target.spillFilesGone, "the spill file was replayed and removed while the gateway ran")
                return (ids, spilled)
            }
            #expect(spilledWhileDown, "rows went to the spill file while the database was down")
            let rows = try await target.rows()
            #expect(Set(rows.map(\.requestID)) == Set(ids), "every request has its row")
            #expect(rows.count == ids.count, "no row twice")
            #expect(target.spillFilesGone)
        } catch {
            try? await server.stop()
            try? await server.remove()
            throw error
        }
        try await server.stop()
        try await server.remove()
    }

    @Test("a spill file present at start is replayed, rows already stored are not doubled", arguments: TestDatabases.engines)
    func spillFileReplayedOnStart(engine: TestDatabases.Engine) async throws {
        let target = try await Target.fresh(engine)
        // A previous run's spill: 1 200 rows (more than a batch), one of them already in the store, the last
        // line cut short by a crash.
        let spilled = (0..<1_200).map { LedgerBenchmark.sample(id: "spilled-\($0)", index: $0) }
        let store = try await target.openStore()
        try await Migrations.migrate(store)
        try await LedgerInsert(batchRows: 1).run(spilled[7..<8], on: store)
        await store.close()
        try FileManager.default.createDirectory(atPath: target.dataDirectory, withIntermediateDirectories: true)
        let cut = try LedgerSpillFile.lines(for: [LedgerBenchmark.sample(id: "cut-short", index: 0)]).prefix(40)
        try Data(try LedgerSpillFile.lines(for: spilled) + cut).write(to: URL(fileURLWithPath: target.spillPath))

        let requestID = try await GatewayHarness.run(configure: target.configure) { gateway in
            let response = try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o", "input": "After the spill"])
            #expect(response.status == 201)
            return try #require(response.headers.first(name: "x-request-id"))
        }
        let rows = try await target.rows()
        #expect(rows.count == spilled.count + 1)
        #expect(Set(rows.map(\.id)) == Set(spilled.map(\.id) + [requestID]))
        #expect(rows.first { $0.id == "spilled-42" } == spilled[42], "a replayed row is the row that was spilled")
        #expect(target.spillFilesGone)
    }

    @Test("a full queue spills instead of blocking or dropping; the spill is replayed once the store takes writes")
    func fullQueueSpills() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-ledger-\(UUID().uuidString)").path
        let store = try await SQLiteStore.open(path: (directory as NSString).appendingPathComponent("gateway.sqlite"))
        try await Migrations.migrate(store)
        let writer = LedgerWriter(
            store: store,
            dataDirectory: directory,
            settings: .init(queueRows: 50, batchRows: 10, flushInterval: .milliseconds(5), writeTimeout: .seconds(30)),
            logger: .init(label: "ledger-test")
        )
        let running = Task { try await writer.run() }
        // The store is busy (another writer holds SQLite's write lock) for a second: the writer's first
        // batch waits, the queue fills.
        let holding = Task { try await store.transaction { _ in try await Task.sleep(for: .seconds(1)) } }
        try await Task.sleep(for: .milliseconds(50))
        let rows = (0..<500).map { LedgerBenchmark.sample(id: "full-\($0)", index: $0) }
        let started = ContinuousClock.now
        for row in rows { writer.append(row) }
        #expect(ContinuousClock.now - started < .milliseconds(200), "append never waits for the store")
        #expect(writer.stats.queued <= 50)
        let deadline = ContinuousClock.now + .seconds(5)
        while writer.stats.spilled < 450, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(writer.stats.spilled >= 450, "what the queue cannot hold goes to the spill file")
        #expect(FileManager.default.fileExists(atPath: writer.spillPath) || writer.stats.replayed > 0)
        try await holding.value
        writer.finish()
        try await running.value
        let stored = try await store.query("SELECT id FROM ledger").compactMap { $0["id"].string }
        #expect(Set(stored) == Set(rows.map(\.id)), "no row dropped")
        #expect(stored.count == rows.count)
        #expect(writer.stats.replayed == writer.stats.spilled)
        #expect(!FileManager.default.fileExists(atPath: writer.spillPath))
        await store.close()
    }

    @Test("LEDGER_* settings are read and range-checked")
    func configuration() throws {
        let config = try GatewayConfiguration.load(environment: [
            "OPENAI_API_KEY": "sk-abc", "LEDGER_QUEUE_ROWS": "1000", "LEDGER_BATCH_ROWS": "100", "LEDGER_FLUSH_MS": "50",
        ])
        #expect(config.ledgerQueueRows == 1000)
        #expect(config.ledgerBatchRows == 100)
        #expect(config.ledgerFlushInterval == .milliseconds(50))
        let defaults = try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "sk-abc"])
        #expect(defaults.ledgerQueueRows == 50_000 && defaults.ledgerBatchRows == 500 && defaults.ledgerFlushInterval == .milliseconds(200))
        #expect {
            try GatewayConfiguration.load(environment: ["OPENAI_API_KEY": "sk-abc", "LEDGER_BATCH_ROWS": "5000", "LEDGER_FLUSH_MS": "0"])
        } throws: { error in
            let text = "\(error)"
            return text.contains("LEDGER_BATCH_ROWS: must be between 1 and 1000") && text.contains("LEDGER_FLUSH_MS")
        }
    }
}

/// A PostgreSQL server of a test's own (scripts/postgres.sh in a temporary directory, on a free loopback
/// port), to stop and restart under load.
struct ScratchPostgres: Sendable {
    let directory: String
    let port: Int
    let url: String

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/postgres.sh").path
    }

    static func start() async throws -> ScratchPostgres {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-pg-\(UUID().uuidString.prefix(8))").path
        let port = try await freePort()
        let url = try await run(["start", directory, String(port)]).trimmingCharacters(in: .whitespacesAndNewlines)
        return ScratchPostgres(directory: directory, port: port, url: url)
    }

    func stop() async throws { _ = try await Self.run(["stop", directory]) }
    func restart() async throws { _ = try await Self.run(["start", directory, String(port)]) }
    func remove() async throws { try FileManager.default.removeItem(atPath: directory) }

    /// A loopback port nothing listens on now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        guard port > 0 else { throw HarnessError("no free port") }
        return port
    }

    /// Runs scripts/postgres.sh with `arguments`; its standard output. The output goes through a file, not a
    /// pipe: the server the script starts would inherit the pipe and hold it open.
    static func run(_ arguments: [String]) async throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("gw-pg-out-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil), let output = FileHandle(forWritingAtPath: outputPath) else {
            throw HarnessError("cannot create \(outputPath)")
        }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Polled: Foundation's terminationHandler is not called here on Linux (seen hanging under swift test).
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(120)
        var status: Int32 = -1
        while ContinuousClock.now < deadline {
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                status = (raw >> 8) & 0xff
                break
            }
            if reaped == -1, !process.isRunning {
                status = process.terminationStatus
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try? output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else { throw HarnessError("scripts/postgres.sh \(arguments.joined(separator: " ")) failed (\(status))") }
        return text
    }
}
