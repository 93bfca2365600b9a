import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// Issue 14, item 6: a client that reads slowly or not at all. The gateway's own backpressure (its
/// client is slow) must never look like an upstream timeout, and a client that stops reading for the
/// client write timeout is disconnected, its call logged `truncated` with the bytes sent.
@Suite("Slow readers")
struct SlowReaderTests {
    static let fileSize = 16 << 20

    /// Uploads a generated file of `fileSize` bytes; returns its id.
    static func uploadFile(_ gateway: GatewayHarness) async throws -> String {
        let created = try await gateway.upload(
            "/api/files",
            parts: [.field("purpose", "user_data"), .file(filename: "big.bin", .generated(count: fileSize))]
        )
        return try #require(try created.json()["id"]?.stringValue, "\(created.text)")
    }

    /// A streaming request whose events are megabytes each (the response object echoes `instructions`:
    /// 2.7 MB, three times), so a reader that stops fills the connection's buffers.
    static let bigStream: String = {
        let instructions = String(repeating: "Answer briefly and kindly. ", count: 100_000)
        return JSONValue.object(["model": "gpt-4.1", "input": "Say hi", "instructions": .string(instructions), "stream": true]).jsonString
    }()

    static func download(_ gateway: GatewayHarness) throws -> JSONValue {
        let downloads = try gateway.logEntries(api: "files").filter { $0["route"]?.stringValue == "/api/files/{id}/content" }
        #expect(downloads.count == 1)
        return try #require(downloads.first)
    }

    @Test("a downloader that pauses longer than OPENAI_TIMEOUT still gets the whole file, logged completed")
    func pausedDownloaderGetsTheWholeFile() async throws {
        let gateway = try await GatewayHarness.run(configure: {
            $0.timeout = .seconds(1)
            $0.clientWriteTimeout = .seconds(20)
        }) { gateway in
            let id = try await Self.uploadFile(gateway)
            let reader = try await RawConnection.open(port: gateway.port, receiveBuffer: 4096)
            try await reader.send("GET", "/api/files/\(id)/content")
            try await reader.read(atLeast: 64 << 10)
            try await Task.sleep(for: .milliseconds(2500))  // 2.5 × the upstream timeout, reading nothing
            #expect(try await reader.readToEnd())
            let body = reader.body
            #expect(body.count == Self.fileSize, "received \(body.count) of \(Self.fileSize)")
            #expect(body.indices.allSatisfy { body[$0] == TestPart.byte(at: $0) })
            return gateway
        }
        let entry = try Self.download(gateway)
        #expect(entry["outcome"]?.stringValue == "completed")
        #expect(entry["bytes_out"]?.intValue == Self.fileSize)
        #expect(entry["error"] == nil)
    }

    @Test("a downloader that stops reading is cut after CLIENT_WRITE_TIMEOUT_MS, logged truncated with the bytes sent")
    func stalledDownloaderIsCutAndLoggedTruncated() async throws {
        let gateway = try await GatewayHarness.run(configure: { $0.clientWriteTimeout = .milliseconds(500) }) { gateway in
            let id = try await Self.uploadFile(gateway)
            let reader = try await RawConnection.open(port: gateway.port, receiveBuffer: 4096)
            try await reader.send("GET", "/api/files/\(id)/content")
            try await reader.read(atLeast: 64 << 10)
            try await Task.sleep(for: .seconds(2))
            #expect(try await reader.readToEnd(within: .seconds(10)))
            #expect(reader.body.count < Self.fileSize)
            #expect(reader.received.hasPrefix("HTTP/1.1 200"))
            // The gateway still answers.
            #expect(try await gateway.request(.GET, "/health").status == 200)
            return gateway
        }
        let entry = try Self.download(gateway)
        #expect(entry["status"]?.intValue == 200)
        #expect(entry["outcome"]?.stringValue == "truncated")
        #expect(entry["error"]?["error_code"]?.stringValue == "client_write_timeout")
        let sent = try #require(entry["bytes_out"]?.intValue)
        #expect(sent > 0 && sent < Self.fileSize, "sent \(sent)")
    }

    /// On `/v1` (the `/api` streams use the same relay, but their events are too small to fill the buffers).
    @Test("a stream reader that pauses longer than OPENAI_TIMEOUT still gets the whole stream, logged completed")
    func pausedStreamReaderGetsTheWholeStream() async throws {
        // Paced so the upstream is still sending while the reader pauses (its whole answer does not sit in buffers).
        let simulator = SimulatorConfiguration(eventDelay: .milliseconds(60))
        let gateway = try await GatewayHarness.run(
            simulator: simulator,
            configure: {
                $0.timeout = .seconds(2)
                $0.clientWriteTimeout = .seconds(20)
            }
        ) { gateway in
            let reader = try await RawConnection.open(port: gateway.port, receiveBuffer: 4096)
            try await reader.send("POST", "/v1/responses", json: Self.bigStream)
            try await reader.read(atLeast: 64 << 10)
            try await Task.sleep(for: .milliseconds(5000))  // 2.5 × the upstream timeout, reading nothing
            #expect(try await reader.readToEnd())
            let text = reader.received
            #expect(text.contains("response.completed"), "\(reader.receivedCount) bytes, ends \(text.suffix(300))")
            #expect(!text.contains("timed out"))
            return gateway
        }
        let entries = try gateway.logEntries(api: "responses")
        #expect(entries.count == 1)
        #expect(entries.first?["outcome"]?.stringValue == "completed", "\(entries)")
    }

    @Test("a stream reader that stops reading is cut after CLIENT_WRITE_TIMEOUT_MS, logged truncated")
    func stalledStreamReaderIsCutAndLoggedTruncated() async throws {
        let gateway = try await GatewayHarness.run(configure: { $0.clientWriteTimeout = .milliseconds(500) }) { gateway in
            let reader = try await RawConnection.open(port: gateway.port, receiveBuffer: 4096)
            try await reader.send("POST", "/v1/responses", json: Self.bigStream)
            try await reader.read(atLeast: 64 << 10)
            try await Task.sleep(for: .seconds(2))
            #expect(try await reader.readToEnd(within: .seconds(10)))
            #expect(!reader.received.contains("response.completed"))
            return gateway
        }
        let entries = try gateway.logEntries(api: "responses")
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry["outcome"]?.stringValue == "truncated", "\(entry)")
        #expect(entry["error"]?["error_code"]?.stringValue == "client_write_timeout")
        #expect((entry["bytes_out"]?.intValue ?? 0) > 0)
    }

    /// The other side of the same timer: an upstream that goes silent while the gateway waits for it.
    @Test("an upstream that goes silent mid-stream still times out after OPENAI_TIMEOUT, with one error frame")
    func silentUpstreamMidStreamTimesOut() async throws {
        let gateway = try await GatewayHarness.run(configure: { $0.timeout = .milliseconds(600) }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", eventDelayMs: 3000))
            let started = ContinuousClock.now
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "Say hi"])
            #expect(ContinuousClock.now - started < .milliseconds(2500))
            let errors = result.frames.filter { $0.name == "error" }
            #expect(errors.count == 1)
            #expect(errors.first?.payload["error_code"]?.stringValue == "timeout_error", "\(result.rawText.suffix(400))")
            return gateway
        }
        let entry = try #require(try gateway.logEntries(api: "responses").first)
        #expect(entry["outcome"]?.stringValue == "upstream_dropped")
        #expect(entry["error"]?["error_code"]?.stringValue == "timeout_error")
    }

    @Test("an upstream that sends no answer after a streamed upload times out OPENAI_TIMEOUT after the upload ended")
    func silentUpstreamAfterUploadTimesOut() async throws {
        try await GatewayHarness.run(configure: { $0.timeout = .milliseconds(600) }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/files", method: "POST", delayMs: 5000))
            let started = ContinuousClock.now
            let result = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "user_data"), .file(filename: "a.txt", contentType: "text/plain", text: "hello")]
            )
            #expect(result.status == 504, "\(result.text)")
            #expect(ContinuousClock.now - started < .milliseconds(2000), "\(ContinuousClock.now - started)")
        }
    }
}
