import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import TestSupport
import Testing

@testable import OpenAIGateway

/// Issue 14, item 2: at the descriptor limit the gateway crashed (SIGILL in libdispatch, whose worker-pool
/// monitor cannot open /proc/<tid>/stat once every descriptor is taken). Running out must mean 503, not a crash.
extension HostilePeerTests {
    /// util-linux's `prlimit` starts the gateway with a hard descriptor limit.
    static let prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func openDescriptors(of pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    @Test("the descriptor budget fits connections, sockets being refused and both upstream pools under the limit")
    func descriptorBudgetFitsTheLimit() {
        for (limit, perUpstream) in [(256, 1), (256, 2), (64, 1), (64, 2)] {
            let budget = DescriptorBudget(
                limit: limit,
                startLimit: limit,
                inUse: 12,
                maxConnections: 1_000,
                upstreamConnections: 256,
                upstreamStreams: 2_048,
                descriptorsPerUpstream: perUpstream
            )
            #expect(budget.limitsConnections)
            #expect(budget.upstreamConnections == budget.maxConnections && budget.upstreamStreams == budget.maxConnections)
            // With every served connection open, the listener still accepts the next socket (to answer it 503).
            #expect(AcceptCeiling(ceiling: budget.acceptCeiling, open: budget.maxConnections).isAcceptingNewConnections(), "\(budget)")
            // Everything at once still leaves the headroom free.
            let worst = budget.inUse + budget.acceptCeiling + perUpstream * (budget.upstreamConnections + budget.upstreamStreams)
            #expect(worst <= limit - budget.headroom, "\(budget)")
        }
        // A roomy limit changes nothing that was configured.
        let roomy = DescriptorBudget(
            limit: 1_048_576,
            startLimit: 1_024,
            inUse: 20,
            maxConnections: 1_000,
            upstreamConnections: 256,
            upstreamStreams: 2_048,
            descriptorsPerUpstream: 1
        )
        #expect(!roomy.limitsConnections)
        #expect(roomy.maxConnections == 1_000 && roomy.upstreamConnections == 256 && roomy.upstreamStreams == 2_048)
        // A limit with no room left still serves one connection rather than none.
        let tiny = DescriptorBudget(
            limit: 16,
            startLimit: 16,
            inUse: 20,
            maxConnections: 1_000,
            upstreamConnections: 256,
            upstreamStreams: 2_048,
            descriptorsPerUpstream: 1
        )
        #expect(tiny.maxConnections == 1 && tiny.acceptCeiling > 1)
    }

    @Test("an upstream connect failing with EMFILE or ENFILE is a 503 with Retry-After, not retried, not a 502")
    func upstreamConnectOutOfDescriptorsIs503() {
        for code in [EMFILE, ENFILE] {
            let error = OpenAITransport.classify(IOError(errnoCode: code, reason: "socket"), attempts: 1)
            #expect(error.kind == .outOfDescriptors)
            #expect(!RetryPolicy(maxRetries: 3).shouldRetry(error, retriesSoFar: 0))
            let gateway = GatewayError(upstream: error)
            #expect(gateway.status == .serviceUnavailable)
            #expect(gateway.errorCode == "gateway_out_of_descriptors")
            #expect(gateway.retryAfterSeconds == 1)
            #expect(gateway.hint?.contains("ulimit -n") == true)
        }
        // The same failure wrapped in a connection error's description.
        struct Wrapped: Error, CustomStringConvertible { var description: String { "connect failed: socket(): Too many open files (errno: 24)" } }
        #expect(OpenAITransport.classify(Wrapped(), attempts: 1).kind == .outOfDescriptors)
    }

    @Test("descriptor exhaustion: 300 connections with requests in flight under prlimit --nofile=256:256 get 503, the process lives and recovers")
    func descriptorExhaustionRefusesWith503NotACrash() async throws {
        let prlimit = try #require(Self.prlimit, "prlimit (util-linux) is needed: apt-get install util-linux")
        try #require(
            FileManager.default.isExecutableFile(atPath: ChildProcess.gatewayExecutable),
            "build the executable first: swift build --build-tests"
        )
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gw-descriptors-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The in-process simulator shares the limit: every upstream connection costs two descriptors here.
        let process = try RunningProcess(
            prlimit,
            ["--nofile=256:256", ChildProcess.gatewayExecutable, "--simulator", "--port", "0"],
            environment: ["LOG_DIR": folder + "/logs", "DATA_DIR": folder + "/data", "NODE_ENV": "test", "OPENAI_MAX_RETRIES": "0"],
            currentDirectory: folder
        )
        do {
            try await Self.exhaustDescriptors(process)
        } catch {
            await process.stop()
            throw error
        }
        await process.stop()
    }

    private static func exhaustDescriptors(_ process: RunningProcess) async throws {
        guard let port = try await process.waitFor(#"listening on http://127\.0\.0\.1:(\d+)"#, timeout: .seconds(60)).flatMap({ Int($0) }),
            let simulator = try await process.waitFor(#"built-in simulator at (http://127\.0\.0\.1:\d+)/v1"#, timeout: .seconds(5))
        else {
            throw HarnessError("the gateway did not start under prlimit:\n\(process.output.prefix(4000))")
        }
        // The start-up line says what the limit allows.
        let served = try await process.waitFor(#"client connections served at once (\d+)"#, timeout: .seconds(1)).flatMap { Int($0) } ?? 0
        #expect(process.output.contains("Descriptors: limit 256"))
        #expect(served > 0 && served < 128)
        // Every upstream answer takes 2 s, so the served requests hold their upstream connections meanwhile.
        var fault = HTTPClientRequest(url: simulator + "/__simulator/faults")
        fault.method = .POST
        fault.headers = ["Content-Type": "application/json"]
        fault.body = .bytes(ByteBuffer(string: #"{"path":"/v1/responses","method":"POST","delay_ms":2000,"count":10000}"#))
        #expect(try await HTTPClient.shared.execute(fault, timeout: .seconds(5)).status.code == 201)

        let started = ContinuousClock.now
        let request = post("/api/responses/text", body: textRequest) + textRequest
        var connections: [RawConnection] = []
        var peak = 0
        for index in 0..<300 {
            let connection = try await RawConnection.open(port: port)
            try? await connection.send(request)
            connections.append(connection)
            if index % 20 == 0 { peak = max(peak, openDescriptors(of: process.processIdentifier)) }
        }
        // Every connection gets an answer, none hangs: served ones after the upstream's 2 s, the others a fast 503.
        func answered(_ connection: RawConnection) -> Bool {
            let text = connection.received
            return text.contains("\"output_text\"") || (text.hasPrefix("HTTP/1.1 503") && connection.isClosed) || connection.isClosed
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while !connections.allSatisfy(answered), ContinuousClock.now < deadline, process.isRunning {
            peak = max(peak, openDescriptors(of: process.processIdentifier))
            try await Task.sleep(for: .milliseconds(100))
        }
        let elapsed = ContinuousClock.now - started
        try #require(process.isRunning, "the gateway died:\n\(process.output.suffix(3000))")
        let ok = connections.filter { $0.received.hasPrefix("HTTP/1.1 201") }
        let refused = connections.filter { $0.received.hasPrefix("HTTP/1.1 503") }
        #expect(ok.count + refused.count == connections.count, "unanswered: \(connections.count - ok.count - refused.count)")
        #expect(ok.count > 0 && ok.count <= max(served, 1))
        #expect(refused.count > 0)
        // Each refusal says when to come back and why.
        let unexplained = refused.map { $0.received.lowercased() }.filter { text in
            !(text.contains("retry-after: 1") && text.contains("\"hint\"")
                && (text.contains("too_many_connections") || text.contains("gateway_out_of_descriptors")))
        }
        #expect(unexplained.isEmpty, "\(unexplained.count) refusals without retry-after, hint or code: \(unexplained.first?.prefix(400) ?? "")")
        #expect(elapsed < .seconds(12))
        #expect(peak > 0 && peak < 256, "peak descriptors \(peak)")
        // Nothing ran out: the log files opened, the upstream connections connected.
        #expect(!process.output.contains("Too many open files"), "\(process.output.suffix(3000))")

        // Once the clients go, the gateway serves again.
        for connection in connections { await connection.close() }
        try await Task.sleep(for: .milliseconds(300))
        var clear = HTTPClientRequest(url: simulator + "/__simulator/faults")
        clear.method = .DELETE
        _ = try await HTTPClient.shared.execute(clear, timeout: .seconds(5))
        var text = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/responses/text")
        text.method = .POST
        text.headers = ["Content-Type": "application/json"]
        text.body = .bytes(ByteBuffer(string: textRequest))
        let response = try await HTTPClient.shared.execute(text, timeout: .seconds(10))
        #expect(response.status.code == 201)
        _ = try await response.body.collect(upTo: 1 << 20)
        let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(5))
        let healthBody = try await health.body.collect(upTo: 1 << 20)
        #expect(health.status.code == 200)
        #expect(String(buffer: healthBody).contains(#""status":"ok""#))
        #expect(process.isRunning)
    }
}
