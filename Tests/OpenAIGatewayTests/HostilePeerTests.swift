import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// Issue 14: idle, slow, stalled and too many peers must not hold the gateway's connections.
/// Each test repeats one attack on loopback, with short timeouts so it stays fast.
@Suite("Hostile and slow peers")
struct HostilePeerTests {
    static let textRequest = #"{"model":"gpt-4o","input":"Say hi"}"#

    static func post(_ path: String, body: String, host: String = "127.0.0.1") -> String {
        "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
    }

    @Test("idle sockets that never send a byte are closed after the header-read timeout")
    func idleSocketsAreClosed() async throws {
        try await GatewayHarness.run(configure: { $0.headerReadTimeout = .milliseconds(400) }) { gateway in
            var connections: [RawConnection] = []
            for _ in 0..<50 { connections.append(try await RawConnection.open(port: gateway.port)) }
            let started = ContinuousClock.now
            for connection in connections {
                #expect(try await connection.waitUntilClosed(within: .seconds(5)))
            }
            #expect(ContinuousClock.now - started < .seconds(3))
            // The gateway still answers.
            #expect(try await gateway.request(.GET, "/health").status == 200)
        }
    }

    @Test("a slowloris head sent one byte at a time is cut at the header-read timeout")
    func slowlorisHeadIsCut() async throws {
        try await GatewayHarness.run(configure: { $0.headerReadTimeout = .milliseconds(500) }) { gateway in
            let connection = try await RawConnection.open(port: gateway.port)
            let started = ContinuousClock.now
            let head = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + String(repeating: "a", count: 200)
            for byte in head {
                guard (try? await connection.send(String(byte))) != nil, !connection.isClosed else { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(connection.isClosed)
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(!connection.received.contains("200 OK"))
        }
    }

    @Test("a kept-alive connection left idle after a request is closed after the idle timeout")
    func keptAliveIdleConnectionIsClosed() async throws {
        try await GatewayHarness.run(configure: { $0.idleTimeout = .milliseconds(600) }) { gateway in
            let connection = try await RawConnection.open(port: gateway.port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await connection.waitForText("200 OK", within: .seconds(5)))
            try await Task.sleep(for: .milliseconds(200))
            #expect(!connection.isClosed)  // still usable inside the idle timeout
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await Task.sleep(for: .milliseconds(300))
            #expect(connection.received.components(separatedBy: "200 OK").count == 3)
            #expect(try await connection.waitUntilClosed(within: .seconds(3)))
        }
    }

    @Test("pipelined requests sent in one write are all answered before the idle timeout closes the connection")
    func pipelinedRequestsAreAnswered() async throws {
        try await GatewayHarness.run(configure: { $0.idleTimeout = .milliseconds(500) }) { gateway in
            let connection = try await RawConnection.open(port: gateway.port)
            let body = Self.textRequest
            try await connection.send(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + Self.post("/api/responses/text", body: body) + body
                    + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            )
            #expect(try await connection.waitUntilClosed(within: .seconds(10)))
            #expect(
                connection.received.components(separatedBy: "HTTP/1.1 20").count == 4,
                "\(connection.received.replacingOccurrences(of: "\r\n", with: " | "))"
            )
            #expect(connection.received.contains("\"output_text\""))
        }
    }

    @Test("an upload that stalls mid-body is cut after the body idle timeout; a slow moving one completes")
    func stalledUploadIsCutMovingOneCompletes() async throws {
        try await GatewayHarness.run(configure: { $0.bodyIdleTimeout = .milliseconds(500) }) { gateway in
            let stalled = try await RawConnection.open(port: gateway.port)
            let body = Self.textRequest
            try await stalled.send(Self.post("/api/responses/text", body: body) + String(body.prefix(10)))
            let started = ContinuousClock.now
            #expect(try await stalled.waitUntilClosed(within: .seconds(5)))
            #expect(ContinuousClock.now - started < .seconds(3))

            // Slower than the idle timeout in total, but never idle for that long.
            let moving = try await RawConnection.open(port: gateway.port)
            try await moving.send(Self.post("/api/responses/text", body: body))
            for chunk in body.chunked(into: 4) {
                try await Task.sleep(for: .milliseconds(150))
                try await moving.send(chunk)
            }
            #expect(try await moving.waitForText("\"output_text\"", within: .seconds(10)))
            #expect(moving.received.hasPrefix("HTTP/1.1 200") || moving.received.hasPrefix("HTTP/1.1 201"))
        }
    }

    @Test("an upload held back by a slow upstream (the gateway's own backpressure) is not cut by the body idle timeout")
    func uploadHeldBackByASlowUpstreamIsNotCut() async throws {
        try await GatewayHarness.run(configure: { $0.bodyIdleTimeout = .milliseconds(400) }) { gateway in
            // The simulator reads nothing of the body for 2 s, so the 64 MiB upload backs up to the client.
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/files", method: "POST", delayMs: 2_000))
            let started = ContinuousClock.now
            let result = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "user_data"), .file("file", filename: "big.bin", .generated(count: 64 << 20))]
            )
            #expect(result.status == 201, "\(result.text.prefix(300))")
            #expect(ContinuousClock.now - started >= .seconds(2))
        }
    }

    @Test("connections beyond MAX_CONNECTIONS get a fast 503 with retry-after while open ones keep working")
    func connectionsBeyondTheCapGet503() async throws {
        try await GatewayHarness.run(configure: { $0.maxConnections = 4 }) { gateway in
            var open: [RawConnection] = []
            for _ in 0..<4 { open.append(try await RawConnection.open(port: gateway.port)) }
            // Let the server accept them first (connections are accepted onto several event loops).
            try await Task.sleep(for: .milliseconds(300))
            let extra = try await RawConnection.open(port: gateway.port)
            let started = ContinuousClock.now
            try await extra.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await extra.waitUntilClosed(within: .seconds(2)))
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(extra.received.hasPrefix("HTTP/1.1 503"))
            #expect(extra.received.lowercased().contains("retry-after: 1"))
            #expect(extra.received.contains("too_many_connections"))
            // The open ones keep working.
            try await open[0].send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await open[0].waitForText("200 OK", within: .seconds(5)))
            // And once one closes, a new connection is served again.
            await open[1].close()
            try await Task.sleep(for: .milliseconds(200))
            let next = try await RawConnection.open(port: gateway.port)
            try await next.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await next.waitForText("200 OK", within: .seconds(5)))
        }
    }

    @Test("a client holding a half-sent body does not keep graceful shutdown past its deadline")
    func halfSentBodyDoesNotBlockShutdown() async throws {
        let started = ContinuousClock.now
        var received = ""
        try await GatewayHarness.run(configure: {
            $0.shutdownTimeout = .milliseconds(800)
            $0.bodyIdleTimeout = .seconds(60)
        }) { gateway in
            let holder = try await RawConnection.open(port: gateway.port)
            let body = Self.textRequest
            try await holder.send(Self.post("/api/responses/text", body: body) + String(body.prefix(10)))
            try await Task.sleep(for: .milliseconds(200))
            await gateway.shutdown()
            #expect(try await holder.waitUntilClosed(within: .seconds(5)))
            received = holder.received
        }
        // run returns only once the server, the HTTP client and the log writer have all stopped.
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(received.hasPrefix("HTTP/1.1 503"))
        #expect(received.contains("server_shutting_down"))
    }
}

extension String {
    func chunked(into size: Int) -> [String] {
        var chunks: [String] = []
        var rest = Substring(self)
        while !rest.isEmpty {
            chunks.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return chunks
    }
}
