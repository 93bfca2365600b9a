import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import TestSupport
import Testing

@testable import OpenAIGateway

/// Two gateway processes behind one PostgreSQL (`DATABASE_URL`), as two replicas behind a load balancer
/// would run: one key's requests-per-minute and budget hold across both.
@Suite("Replicas sharing PostgreSQL", .enabled(if: TestDatabases.postgresAvailable()))
struct ReplicaTests {
    struct Replica {
        let process: RunningProcess
        let baseURL: String
        let simulatorURL: String
    }

    static func start(databaseURL: String, folder: String, name: String) async throws -> Replica {
        let process = try RunningProcess(
            ChildProcess.gatewayExecutable,
            ["--simulator", "--port", "0"],
            environment: [
                "GATEWAY_AUTH": "keys", "DATABASE_URL": databaseURL, "GATEWAY_ADMIN_KEY": AccessKeyTests.adminKey,
                "LOG_DIR": folder + "/logs-" + name, "DATA_DIR": folder + "/data-" + name, "NODE_ENV": "test", "OPENAI_RETRY_DELAY": "10",
            ],
            currentDirectory: folder
        )
        guard let port = try await process.waitFor(#"listening on http://127\.0\.0\.1:(\d+)"#, timeout: .seconds(30)),
            let simulator = try await process.waitFor(#"built-in simulator at (http://127\.0\.0\.1:\d+/v1)"#, timeout: .seconds(5))
        else {
            await process.stop()
            // The start of the output says why (a crash report's first lines name the fault and the thread).
            throw HarnessError("replica \(name) did not start:\n\(process.output.prefix(4000))")
        }
        return Replica(process: process, baseURL: "http://127.0.0.1:\(port)", simulatorURL: simulator)
    }

    static func post(_ url: String, _ body: JSONValue, secret: String, client: HTTPClient = .shared) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = ["Content-Type": "application/json", "Authorization": "Bearer \(secret)"]
        request.body = .bytes(ByteBuffer(bytes: body.jsonBytes))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    static func createKey(_ arguments: [String], databaseURL: String) async throws -> String {
        let (status, output) = await ChildProcess.run(
            ChildProcess.gatewayExecutable,
            ["keys", "create", "--json"] + arguments,
            environment: ["DATABASE_URL": databaseURL],
            timeout: .seconds(30)
        )
        guard status == 0, let secret = try JSONValue(parsing: output.trimmingCharacters(in: .whitespacesAndNewlines))["secret"]?.stringValue else {
            throw HarnessError("keys create failed: \(output)")
        }
        return secret
    }

    @Test("two gateway processes enforce one key's requests per minute and budget together")
    func sharedLimits() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: ChildProcess.gatewayExecutable),
            "build the executable first: swift build --build-tests"
        )
        let databaseURL = try await TestDatabases.freshPostgresURL()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gw-replicas-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Both start at once: the migrations run once, under PostgreSQL's advisory lock.
        async let first = Self.start(databaseURL: databaseURL, folder: folder, name: "a")
        async let second = Self.start(databaseURL: databaseURL, folder: folder, name: "b")
        let replicas = try await [first, second]
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64))
        )
        do {
            // Requests per minute: 10 across both, whichever replica a request reaches.
            let rpmSecret = try await Self.createKey(["--name", "shared-rpm", "--rpm", "10"], databaseURL: databaseURL)
            let body: JSONValue = ["input": "hi", "model": "gpt-4o-mini", "max_output_tokens": 20]
            var statuses: [Int] = []
            for index in 0..<20 {
                statuses.append(try await Self.post(replicas[index % 2].baseURL + "/v1/responses", body, secret: rpmSecret))
            }
            #expect(statuses.filter { $0 == 200 }.count == 10, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 10)

            // Budget: room for 4 worst cases; 20 concurrent requests over both replicas while the upstreams are slow.
            let big: JSONValue = ["input": "hi", "model": "gpt-4o-mini", "max_output_tokens": 1_000]
            let reservation = QuotaTests.reservation(for: big)
            let budget = String(Double(reservation * 4) / 1_000_000)
            let budgetSecret = try await Self.createKey(["--name", "shared-budget", "--budget", budget, "--period", "day"], databaseURL: databaseURL)
            for replica in replicas {
                let fault: JSONValue = ["path": "/v1/responses", "method": "POST", "count": 20, "delay_ms": 2000]
                var request = HTTPClientRequest(url: replica.simulatorURL.replacingOccurrences(of: "/v1", with: "") + "/__simulator/faults")
                request.method = .POST
                request.headers = ["Content-Type": "application/json"]
                request.body = .bytes(ByteBuffer(bytes: fault.jsonBytes))
                _ = try await client.execute(request, timeout: .seconds(10))
            }
            let concurrent = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await Self.post(replicas[index % 2].baseURL + "/v1/responses", big, secret: budgetSecret, client: client) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(concurrent.filter { $0 == 200 }.count == 4, "\(concurrent)")
            #expect(concurrent.filter { $0 == 429 }.count == 16)
        } catch {
            try? await client.shutdown()
            for replica in replicas { await replica.process.stop() }
            throw error
        }
        try await client.shutdown()
        for replica in replicas {
            await replica.process.stop()
            #expect(!replica.process.isRunning)
            #expect(replica.process.status == 0, "\(replica.process.output.suffix(1500))")
        }
    }
}
