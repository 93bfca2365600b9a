import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// Issue 14, "things that leak": the key must never reach a caller, and no web page may spend it.
@Suite("Secret and cross-site leaks")
struct LeakAndCrossSiteTests {
    static let key = "sk-test-harness-0123456789abcdefghijklmnop"  // GatewayHarness's key

    static func quotingFault(path: String) -> SimulatorFault {
        SimulatorFault(path: path, status: 400, errorMessage: "Invalid key \(key) for this org", errorParam: "auth:\(key)")
    }

    @Test("an upstream error quoting the API key reaches the /api caller masked (message, parameter, openai_error)")
    func upstreamErrorQuotingTheKeyIsMaskedOnAPI() async throws {
        try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(Self.quotingFault(path: "/v1/responses"))
            let result = try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o", "input": "hi"])
            #expect(result.status == 400)
            #expect(!result.text.contains(Self.key))
            #expect(!result.text.contains("0123456789abcdefghijklmnop"))
            #expect(result.text.contains("REDACTED"))
            // Same length mask: the body is still valid JSON.
            let json = try result.json()
            #expect(json["openai_error"]?["message"]?.stringValue?.contains("REDACTED") == true)
        }
    }

    @Test("an upstream error quoting the API key reaches a /v1 caller and an SSE stream masked")
    func upstreamErrorQuotingTheKeyIsMaskedOnV1AndStreams() async throws {
        try await GatewayHarness.run { gateway in
            gateway.simulator.state.addFault(Self.quotingFault(path: "/v1/chat/completions"))
            let v1 = try await gateway.request(
                .POST,
                "/v1/chat/completions",
                json: ["model": "gpt-4o", "messages": [["role": "user", "content": "hi"]]]
            )
            #expect(v1.status == 400)
            #expect(!v1.text.contains(Self.key))
            #expect(v1.text.contains("REDACTED"))

            gateway.simulator.state.addFault(Self.quotingFault(path: "/v1/responses"))
            let stream = try await gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "hi"])
            #expect(!stream.rawText.isEmpty)
            #expect(!stream.rawText.contains(Self.key))
        }
    }

    @Test("an upstream that quotes the API key in its response headers reaches /v1 and /api callers masked")
    func upstreamHeadersQuotingTheKeyAreMasked() async throws {
        // An upstream (or a proxy before it) that echoes the Authorization it was sent, and puts the key in its request id.
        let router = Router()
        let echoed: HTTPFields = [
            .contentType: "application/json", HTTPField.Name("x-echo")!: "Bearer \(Self.key)", HTTPField.Name("x-request-id")!: "req_\(Self.key)",
        ]
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: echoed, body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[]}"#)))
        }
        router.get("/v1/files/:id") { _, _ in
            let file = #"{"id":"file-abc","object":"file","bytes":1,"created_at":1,"filename":"a.txt","purpose":"user_data"}"#
            return Response(status: .ok, headers: echoed, body: .init(byteBuffer: ByteBuffer(string: file)))
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let upstream = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }
        )
        let running = Task { try await upstream.runService() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await GatewayHarness.run(configure: { $0.baseURL = "http://127.0.0.1:\(port)/v1" }) { gateway in
            for path in ["/v1/models", "/api/files/file-abc"] {
                let result = try await gateway.request(.GET, path)
                #expect(result.status == 200, "\(path): \(result.text)")
                let values = result.headers.map(\.value).joined(separator: "\n")
                #expect(!values.contains(Self.key), "\(path): \(values)")
                #expect(!values.contains("0123456789abcdefghijklmnop"), "\(path)")
                #expect(values.contains("REDACTED"), "\(path): \(values)")
            }
        }
    }

    @Test("the key in an upstream request id or error message is masked before any sink (log, ledger, console) sees it")
    func recordIsScrubbedBeforeTheSinks() {
        final class Collecting: CallRecordSink, @unchecked Sendable {
            let records = NIOLockedValueBox<[CallRecord]>([])
            func record(_ call: CallRecord) { records.withLockedValue { $0.append(call) } }
        }
        let sink = Collecting()
        let pipeline = CallPipeline(sinks: [sink], metering: Metering(costs: CostEstimator(catalogue: .bundled)), secrets: [Self.key])
        var record = CallRecord(requestID: "gw_1", method: "GET", path: "/v1/models")
        record.upstreamRequestID = "req_\(Self.key)"
        record.error = ErrorSummary(status: 400, errorCode: "invalid_request_error", message: "Invalid key \(Self.key)")
        pipeline.finish(record, answer: nil, describe: nil)
        let seen = sink.records.withLockedValue { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.upstreamRequestID?.contains(Self.key) == false)
        #expect(seen.first?.upstreamRequestID?.hasPrefix("req_REDACTED") == true)
        #expect(seen.first?.error?.message.contains(Self.key) == false)
    }

    @Test("a key split across two body writes (even one byte at a time) is still masked, and nothing else changes")
    func keySplitAcrossWritesIsMasked() async throws {
        let scrubber = SecretScrubber(secrets: [Self.key])
        let text = "before \(Self.key) middle sk-test-harness-0123 not the key \(Self.key)"
        for size in [1, 3, 7, 40, 1_000] {
            let collected = try await Self.write(text, chunkSize: size, through: scrubber)
            #expect(collected.utf8.count == text.utf8.count)
            #expect(!collected.contains(Self.key))
            #expect(collected.contains("sk-test-harness-0123 not the key"))
            #expect(collected.hasPrefix("before REDACTED***"))
        }
        let plain = "no secret here, ends with sk-te"
        #expect(try await Self.write(plain, chunkSize: 5, through: scrubber) == plain)
    }

    @Test("a cross-site text/plain POST (no CORS preflight) is refused with 415 and never reaches the upstream")
    func crossSiteTextPlainPostIsRefused() async throws {
        try await GatewayHarness.run { gateway in
            for path in ["/api/responses/text", "/v1/responses"] {
                let result = try await Self.send(
                    gateway,
                    .POST,
                    path,
                    body: #"{"model":"gpt-4o","input":"hi"}"#,
                    headers: ["Content-Type": "text/plain"]
                )
                #expect(result.status == 415)
                #expect(result.text.contains("unsupported_media_type"))
                #expect(result.text.contains("application/json"))
            }
            let noType = try await Self.send(gateway, .POST, "/api/responses/text", body: #"{"model":"gpt-4o","input":"hi"}"#, headers: [:])
            #expect(noType.status == 415)
            #expect(gateway.simulator.state.stats().totalRequests == 0)
            // The SDKs' application/json (with a charset) passes.
            let json = try await Self.send(
                gateway,
                .POST,
                "/api/responses/text",
                body: #"{"model":"gpt-4o","input":"hi"}"#,
                headers: ["Content-Type": "application/json; charset=utf-8"]
            )
            #expect(json.status == 200 || json.status == 201)
        }
    }

    @Test("a cross-site multipart form to /api/files from another origin is refused with 403 unless CORS allows that origin")
    func crossSiteMultipartFormIsRefused() async throws {
        let form =
            "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nuser_data\r\n--b\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
        let headers: HTTPHeaders = ["Content-Type": "multipart/form-data; boundary=b", "Origin": "https://evil.example"]
        try await GatewayHarness.run { gateway in
            let refused = try await Self.send(gateway, .POST, "/api/files", body: form, headers: headers)
            #expect(refused.status == 403)
            #expect(refused.text.contains("origin_not_allowed"))
            #expect(refused.text.contains("CORS_ALLOWED_ORIGIN"))
            #expect(gateway.simulator.state.stats().totalRequests == 0)
            // A page served by the gateway itself (same origin, e.g. /api-docs) may call it.
            var sameOrigin = headers
            sameOrigin.replaceOrAdd(name: "Origin", value: gateway.baseURL)
            #expect(try await Self.send(gateway, .POST, "/api/files", body: form, headers: sameOrigin).status == 201)
        }
        try await GatewayHarness.run(configure: { $0.corsAllowedOrigin = "https://evil.example" }) { gateway in
            let allowed = try await Self.send(gateway, .POST, "/api/files", body: form, headers: headers)
            #expect(allowed.status == 201)
        }
    }

    @Test("a DNS-rebinding request (Host names another site) is refused with 403 unless ALLOWED_HOSTS names it")
    func dnsRebindingHostIsRefused() async throws {
        let request = "GET /health HTTP/1.1\r\nHost: attacker.example:3000\r\n\r\n"
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(port: gateway.port)
            try await connection.send(request)
            #expect(try await connection.waitForText("host_not_allowed", within: .seconds(5)))
            #expect(connection.received.hasPrefix("HTTP/1.1 403"))
            let local = try await RawConnection.open(port: gateway.port)
            try await local.send("GET /health HTTP/1.1\r\nHost: localhost:\(gateway.port)\r\n\r\n")
            #expect(try await local.waitForText("200 OK", within: .seconds(5)))
        }
        try await GatewayHarness.run(configure: { $0.allowedHosts = ["attacker.example"] }) { gateway in
            let connection = try await RawConnection.open(port: gateway.port)
            try await connection.send(request)
            #expect(try await connection.waitForText("200 OK", within: .seconds(5)))
        }
    }

    @Test("host names in ALLOWED_HOSTS and Host headers are compared without port and case")
    func hostNames() {
        #expect(RequestGuardMiddleware.hostName("LocalHost:3000") == "localhost")
        #expect(RequestGuardMiddleware.hostName("[::1]:3000") == "::1")
        #expect(RequestGuardMiddleware.hostName("::1") == "::1")
        var configuration = GatewayConfiguration()
        configuration.host = "0.0.0.0"
        #expect(RequestGuardMiddleware.allowedHosts(configuration: configuration) == nil)
        configuration.host = "127.0.0.1"
        #expect(RequestGuardMiddleware.allowedHosts(configuration: configuration)?.contains("localhost") == true)
    }

    // MARK: - Helpers

    static func send(
        _ gateway: GatewayHarness,
        _ method: HTTPMethod,
        _ path: String,
        body: String,
        headers: HTTPHeaders
    ) async throws
        -> GatewayHarness.HTTPResult
    {
        var request = HTTPClientRequest(url: gateway.baseURL + path)
        request.method = method
        request.headers = headers
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return GatewayHarness.HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(collected.readableBytesView))
    }

    static func write(_ text: String, chunkSize: Int, through scrubber: SecretScrubber) async throws -> String {
        let chunks = text.chunked(into: chunkSize)
        let body = scrubber.scrubbing(
            ResponseBody { writer in
                for chunk in chunks { try await writer.write(ByteBuffer(string: chunk)) }
                try await writer.finish(nil)
            }
        )
        let sink = CollectingWriter()
        try await body.write(sink)
        return String(decoding: sink.box.withLockedValue { $0 }, as: UTF8.self)
    }
}

/// A body writer that keeps what it is given.
struct CollectingWriter: ResponseBodyWriter {
    let box = NIOLockedValueBox<[UInt8]>([])
    mutating func write(_ buffer: ByteBuffer) async throws { box.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) } }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
