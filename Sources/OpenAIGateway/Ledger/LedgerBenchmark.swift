import Foundation
import Logging
import OpenAIClient

/// Measures how fast the ledger writer puts rows into a store: `openai-gateway ledger-bench` and
/// `benchmarks/ledger_bench.sh`.
public enum LedgerBenchmark {
    public struct Result: Sendable {
        public var rows: Int
        public var seconds: Double
        /// Rows in the store afterwards (of those the benchmark wrote).
        public var stored: Int
        public var spilled: Int
        public var failedBatches: Int
        public var rowsPerSecond: Double { seconds > 0 ? Double(stored) / seconds : 0 }
    }

    /// Appends `rows` rows (a typical billed Responses call each, unique ids) to a ``LedgerWriter`` on
    /// `store` as fast as it takes them, and times from the first append until every row is in the store.
    /// The benchmark's rows are deleted afterwards; its spill file (if the store fails) goes to a temporary
    /// directory, also removed.
    /// - Parameters:
    ///   - settings: the writer's batch size and flush interval; the queue is made large enough to hold
    ///     every row, so nothing spills because the benchmark outran the writer.
    public static func run(
        store: any SQLStore,
        rows: Int,
        settings: LedgerWriter.Settings = LedgerWriter.Settings(),
        logger: Logger = Logger(label: "openai-gateway.ledger-bench")
    ) async throws -> Result {
        let count = max(1, rows)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = settings
        settings.queueRows = max(settings.queueRows, count)
        let writer = LedgerWriter(store: store, dataDirectory: directory, settings: settings, logger: logger)
        let prefix = "bench-\(UUID().uuidString.prefix(8).lowercased())-"
        let batch = (0..<count).map { sample(id: "\(prefix)\($0)", index: $0) }

        let start = ContinuousClock.now
        let running = Task { try await writer.run() }
        for row in batch { writer.append(row) }
        // Timed while the writer runs normally (not its shutdown drain, which has a deadline), bounded at 10 minutes.
        let deadline = start + .seconds(600)
        while writer.stats.written + writer.stats.spilled < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        let elapsed = ContinuousClock.now - start
        writer.finish()
        try await running.value

        let stored = try await store.query("SELECT COUNT(*) AS n FROM ledger WHERE id LIKE $1", [.text(prefix + "%")]).first?["n"].int ?? 0
        try await store.query("DELETE FROM ledger WHERE id LIKE $1", [.text(prefix + "%")])
        let stats = writer.stats
        return Result(
            rows: count,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            stored: stored,
            spilled: stats.spilled,
            failedBatches: stats.failedBatches
        )
    }

    /// A row like one of a billed, completed `POST /api/responses/text`.
    static func sample(id: String, index: Int) -> LedgerRow {
        var record = CallRecord(requestID: id, method: "POST", path: "/api/responses/text")
        record.route = "/api/responses/text"
        record.api = "responses"
        record.endpoint = "POST /v1/responses"
        record.status = 200
        record.attempts = 1
        record.latencyMs = 812.25 + Double(index % 100)
        record.firstByteMs = 301.5
        record.bytesIn = 180
        record.bytesOut = 2_400
        record.upstreamRequestID = "req_\(index)"
        record.objectID = "resp_\(index)"
        record.model = "gpt-4o"
        record.usage = .init(input: 120, cached: 20, output: 380, reasoning: 0)
        record.usageRole = .billed
        record.cost = 0.0041
        record.key = AccessIdentity(keyID: "key_bench", keyName: "bench")
        return LedgerRow(record)
    }
}
