import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// Issue 14, "smaller defects found": each test repeats the request that showed one.
@Suite("Smaller defects under hostile input")
struct SmallDefectTests {
    @Test("a malformed chunked body is the client's error: 400, not 500")
    func malformedChunkedBodyIs400() async throws {
        try await GatewayHarness.run { gateway in
            for path in ["/api/responses/text", "/api/files", "/v1/responses"] {
                let connection = try await RawConnection.open(port: gateway.port)
                let contentType = path == "/api/files" ? "multipart/form-data; boundary=b" : "application/json"
                try await connection.send(
                    "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\n{\"mod\r\nZZ-not-a-size\r\nel\"\r\n0\r\n\r\n"
                )
                #expect(try await connection.waitForText("\r\n\r\n", within: .seconds(5)))
                #expect(connection.received.hasPrefix("HTTP/1.1 400"), "\(path): \(connection.received.prefix(200))")
                #expect(!connection.received.contains("bug in the gateway"))
            }
        }
    }

    @Test("a percent-encoded id is encoded once upstream: a%20b reaches it as a%20b, not a%2520b")
    func percentEncodedIdIsEncodedOnce() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.GET, "/api/files/a%20b")
            #expect(result.status == 404)
            #expect(result.text.contains("a%20b") || result.text.contains("a b"))
            #expect(!result.text.contains("%2520"))
        }
    }

    @Test("an empty Last-Event-ID header does not let starting_after=-1 through")
    func emptyLastEventIDDoesNotLetNegativeStartingAfterThrough() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.GET, "/api/responses/resp_1/stream?starting_after=-1", headers: ["Last-Event-ID": ""])
            #expect(result.status == 400)
            #expect(try result.json()["parameter"]?.stringValue == "starting_after")
            let header = try await gateway.request(.GET, "/api/responses/resp_1/stream", headers: ["Last-Event-ID": "-1"])
            #expect(header.status == 400)
            #expect(gateway.simulator.state.stats().totalRequests == 0)
        }
    }

    @Test("a 0-byte audio upload is refused with 400 and a hint, never forwarded")
    func emptyAudioUploadIsRefused() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/audio/transcriptions",
                parts: [.field("model", "whisper-1"), .file("file", filename: "speech.wav", contentType: "audio/wav", text: "")]
            )
            #expect(result.status == 400)
            let json = try result.json()
            #expect(json["parameter"]?.stringValue == "file")
            #expect(json["message"]?.stringValue?.contains("empty") == true)
            #expect(json["hint"]?.stringValue?.isEmpty == false)
            #expect(gateway.simulator.state.stats().requests.keys.contains { $0.contains("audio") } == false)
        }
    }

    @Test("TRACE on a known path is refused with 405 and an Allow header")
    func traceOnAKnownPathIs405() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.TRACE, "/api/files")
            #expect(result.status == 405)
            #expect(result.headers.first(name: "Allow")?.contains("GET") == true)
        }
    }

    @Test("Allow lists the methods of the route the path resolves to: a literal segment wins over a capture")
    func allowNamesTheResolvedRoute() {
        let table = RouteTable()
        table.set([
            ("/api/responses/text", "POST"), ("/api/responses/:id", "GET"), ("/api/responses/:id", "DELETE"),
            ("/v1/**", "GET"), ("/v1/**", "POST"),
        ])
        #expect(table.allowedMethods(for: "/api/responses/text") == ["POST"])
        // HEAD is answered wherever GET is (the router generates it), so Allow lists it there.
        #expect(table.allowedMethods(for: "/api/responses/resp_1") == ["DELETE", "GET", "HEAD"])
        #expect(table.allowedMethods(for: "/v1/models/x") == ["GET", "HEAD", "POST"])
        #expect(table.allowedMethods(for: "/nothing/here").isEmpty)
    }

    @Test("unknown fields keep their numbers' text: 1e400 and integers past 64 bits are forwarded untouched")
    func numbersKeepTheirText() throws {
        let text = #"{"huge":1e400,"big":123456789012345678901234567890,"long":0.123456789012345678901,"plain":0.1,"int":42}"#
        let value = try JSONValue(parsing: text)
        #expect(String(decoding: value.jsonBytes, as: UTF8.self) == text)
        #expect(value["huge"] == .number("1e400"))
        #expect(value["big"]?.typeName == "number")
        #expect(value["plain"] == .double(0.1))
        #expect(value["int"] == .int(42))
        #expect(try JSONValue(parsing: "1.5e10") == .double(1.5e10))  // a Double holds it exactly
        // A field the gateway reads still reads as a number (and fails range checks as such).
        #expect(value["huge"]?.doubleValue == .infinity)
    }
}

/// Issue 14 item 7: one upstream event of a huge size must not become the gateway's memory.
@Suite("Bounded stream events")
struct BoundedStreamEventTests {
    static let huge: JSONValue = [
        "type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0,
        "delta": .string(String(repeating: "z", count: 1 << 20)),
    ]

    @Test("an upstream event of 1 MiB with MAX_EVENT_BYTES 256 KiB: one error frame on /api, the stream ends on /v1")
    func hugeEventEndsTheStream() async throws {
        let gateway = try await GatewayHarness.run(configure: { $0.maxEventBytes = 256 * 1024 }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/responses", count: 2, injectEvents: [Self.huge]))
            let result = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["input": "Hi"])
            #expect(result.frames.last?.name == "error")
            #expect(result.frames.last?.payload["error_code"]?.stringValue == "upstream_response_too_large")
            #expect(!result.frames.contains { $0.name == "response_completed" })

            let v1 = try await gateway.stream(.POST, "/v1/responses", json: ["model": "gpt-4o", "input": "Hi", "stream": true])
            #expect(!v1.rawText.contains("response.completed"))
            #expect(v1.rawText.utf8.count < (1 << 20) + 64 * 1024)
            return gateway
        }
        let entries = try gateway.logEntries()
        #expect(entries.count == 2)
        #expect(
            entries.allSatisfy { $0["error"]?["error_code"]?.stringValue == "upstream_response_too_large" },
            "\(entries.map { $0["error"] ?? .null })"
        )
    }
}
