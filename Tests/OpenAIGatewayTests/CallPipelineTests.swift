import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// The call pipeline over real HTTP: one entry per request, whatever the way it ended, with the
/// route and endpoint templates, object id, bytes, time to first byte, outcome and a cost only for
/// the call that generated the tokens.
@Suite("Call pipeline: one record per request")
struct CallPipelineTests {
    @Test("a Responses call's entry carries its resp_ id, route, bytes and first byte; retrieve and resume are not billed again")
    func responsesEntryAndBilling() async throws {
        let (gateway, id, bodyBytes) = try await GatewayHarness.run { gateway in
            let created = try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o", "input": "Hello", "store": true])
            #expect(created.status == 201)
            let id = try #require(try created.json()["id"]?.stringValue)
            #expect(try await gateway.request(.GET, "/api/responses/\(id)").status == 200)
            let resumed = try await gateway.stream(.GET, "/api/responses/\(id)/stream?starting_after=2")
            #expect(resumed.status == 200)
            return (gateway, id, created.body.count)
        }
        // Read after the graceful shutdown, which drains the log: an entry is written once its body has been sent.
        let entries = try gateway.logEntries()
        #expect(entries.count == 3)
        let create = try #require(entries.first { $0["route"]?.stringValue == "/api/responses/text" })
        #expect(create["object_id"]?.stringValue == id)
        #expect(create["endpoint"]?.stringValue == "POST /v1/responses")
        #expect(create["bytes_out"]?.intValue == bodyBytes)
        #expect((create["bytes_in"]?.intValue ?? 0) > 0)
        #expect(create["first_byte_ms"]?.doubleValue != nil)
        #expect(create["outcome"]?.stringValue == "completed")
        let createCost = try #require(create["cost_usd"]?.doubleValue)
        #expect(createCost > 0)

        let retrieve = try #require(entries.first { $0["route"]?.stringValue == "/api/responses/{id}" })
        #expect(retrieve["endpoint"]?.stringValue == "GET /v1/responses/{id}")
        #expect(retrieve["object_id"]?.stringValue == id)
        #expect(retrieve["usage"] != nil, "the usage is kept for reference")
        #expect(retrieve["cost_usd"] == .null)
        #expect(retrieve["cost_note"]?.stringValue == "usage_for_reference")

        let resume = try #require(entries.first { $0["route"]?.stringValue == "/api/responses/{id}/stream" })
        #expect(resume["object_id"]?.stringValue == id)
        #expect(resume["cost_usd"] == .null)
        #expect(resume["stream"]?["outcome"]?.stringValue == "completed")
        // Summing the log counts the generation once.
        let total = entries.compactMap { $0["cost_usd"]?.doubleValue }.reduce(0, +)
        #expect(total == createCost)
    }

    @Test("success and failure of GET /api/files/:id carry the same route and endpoint templates")
    func sameTemplateOnSuccessAndFailure() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let created = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "user_data"), .file(filename: "a.txt", contentType: "text/plain", text: "hello")]
            )
            let id = try #require(try created.json()["id"]?.stringValue)
            #expect(try await gateway.request(.GET, "/api/files/\(id)").status == 200)
            #expect(try await gateway.request(.GET, "/api/files/file-does-not-exist").status == 404)
            return gateway
        }
        let entries = try gateway.logEntries(api: "files")
        let gets = entries.filter { $0["method"]?.stringValue == "GET" }
        #expect(gets.count == 2)
        for entry in gets {
            #expect(entry["route"]?.stringValue == "/api/files/{id}")
            #expect(entry["endpoint"]?.stringValue == "GET /v1/files/{id}")
        }
        #expect(gets.map { $0["outcome"]?.stringValue } == ["completed", "failed"])
        #expect(gets.last?["error"]?["error_code"]?.stringValue == "not_found_error")
    }

    @Test("an interrupted download is logged once, with the bytes sent and client_cancelled")
    func interruptedDownload() async throws {
        let size = 48 << 20
        let (gateway, received) = try await GatewayHarness.run { gateway in
            let created = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "user_data"), .file(filename: "big.bin", .generated(count: size))]
            )
            let id = try #require(try created.json()["id"]?.stringValue)
            let received = try await GatewayHarness.readPartly(gateway.baseURL + "/api/files/\(id)/content", bytes: 256 << 10)
            return (gateway, received)
        }
        let entries = try gateway.logEntries(api: "files")
        let downloads = entries.filter { $0["route"]?.stringValue == "/api/files/{id}/content" }
        #expect(downloads.count == 1)
        let entry = try #require(downloads.first)
        #expect(entry["outcome"]?.stringValue == "client_cancelled")
        #expect(entry["status"]?.intValue == 200)
        #expect(entry["endpoint"]?.stringValue == "GET /v1/files/{id}/content")
        let sent = try #require(entry["bytes_out"]?.intValue)
        #expect(sent >= received && sent < size, "sent \(sent) of \(size), client read \(received)")
    }

    @Test("an interrupted speech body is logged once, with the bytes sent and client_cancelled")
    func interruptedSpeech() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            // 4096 characters at a quarter speed: tens of megabytes of WAV, more than socket buffers hold.
            let body: JSONValue = [
                "voice": "alloy", "input": .string(String(repeating: "a", count: 4096)), "response_format": "wav", "speed": 0.25,
            ]
            _ = try await GatewayHarness.readPartly(gateway.baseURL + "/api/audio/speech", method: .POST, json: body, bytes: 128 << 10)
            return gateway
        }
        let entries = try gateway.logEntries(api: "audio")
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry["outcome"]?.stringValue == "client_cancelled")
        #expect((entry["bytes_out"]?.intValue ?? 0) > 0)
        #expect(entry["characters"]?.intValue == 4096)
    }

    @Test("a transcription with no duration in its answer is priced from the WAV header; other audio gets a null cost with the reason")
    func transcriptionPricedFromUpload() async throws {
        let gateway = try await GatewayHarness.run { gateway in
            let wav = GatewayHarness.AudioFile(filename: "three-seconds.wav", bytes: GatewayHarness.smallWAV(samples: 48_000))
            let text = try await gateway.audioUpload("/api/audio/transcriptions", fields: [("response_format", "text")], file: wav)
            #expect(text.status == 200)
            let mp3 = GatewayHarness.AudioFile(filename: "clip.mp3", bytes: [0x49, 0x44, 0x33, 4, 0] + [UInt8](repeating: 0, count: 4000))
            let other = try await gateway.audioUpload("/api/audio/transcriptions", fields: [("response_format", "srt")], file: mp3)
            #expect(other.status == 200)
            return gateway
        }
        let entries = try gateway.logEntries(api: "audio")
        #expect(entries.count == 2)
        let wavEntry = try #require(entries.first)
        #expect(wavEntry["audio_seconds"]?.doubleValue == 3)
        let perMinute = try #require(ModelCatalogue.bundled.model("whisper-1")?.prices.perMinute)
        let cost = try #require(wavEntry["cost_usd"]?.doubleValue)
        #expect(abs(cost - 3.0 / 60 * perMinute) < 1e-12)
        let mp3Entry = try #require(entries.last)
        #expect(mp3Entry["cost_usd"] == .null)
        #expect(mp3Entry["cost_note"]?.stringValue == "no_audio_duration")
    }

    @Test("requests to unknown paths all go to gateway.log and open no new log files")
    func junkPathsShareOneLogFile() async throws {
        func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0 }
        let (gateway, growth) = try await GatewayHarness.run { (gateway) async throws -> (GatewayHarness, Int) in
            #expect(try await gateway.request(.GET, "/api/warmup").status == 404)
            let before = openDescriptors()
            for index in 0..<300 {
                #expect(try await gateway.request(.GET, "/api/junk\(index)/x").status == 404)
            }
            return (gateway, openDescriptors() - before)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(gateway.logDirectory)/\(InteractionLogEntry.day(Date()))")
        let entries = try gateway.logEntries(api: "gateway")
        #expect(files == ["gateway.log"])
        #expect(entries.count == 301)
        #expect(entries.last?["route"] == nil)
        #expect(entries.last?["path"]?.stringValue == "/api/junk299/x")
        #expect(entries.last?["error"]?["error_code"]?.stringValue == "route_not_found")
        #expect(growth <= 4, "open descriptors grew by \(growth)")
    }

    @Test("/v1 errors raised by the gateway are in OpenAI's shape; /api errors in the reference app's")
    func errorStylePerRouteGroup() async throws {
        try await GatewayHarness.run(configure: { $0.maxBodySize = 1000 }) { gateway in
            let big: JSONValue = ["model": "gpt-4o", "input": .string(String(repeating: "x", count: 2000))]
            let v1 = try await gateway.request(.POST, "/v1/responses", json: big)
            #expect(v1.status == 413)
            let error = try #require(try v1.json()["error"])
            #expect(error["type"]?.stringValue == "invalid_request_error")
            #expect(error["code"]?.stringValue == "payload_too_large")
            #expect(error["param"]?.stringValue == "body")
            #expect(error["message"]?.stringValue?.contains("MAX_BODY_SIZE") == true, "the message carries the hint")
            #expect(try v1.json()["statusCode"] == nil)
            #expect(v1.headers.first(name: "x-gateway-request-id")?.hasPrefix("gw_") == true)
            #expect(gateway.upstreamCount("POST /v1/responses") == 0)

            let api = try await gateway.request(.GET, "/api/no_such_api")
            #expect(try api.json()["statusCode"]?.intValue == 404)
            #expect(try api.json()["error_code"]?.stringValue == "route_not_found")
        }
    }

    @Test("OpenAI-style error bodies for the statuses the SDKs map to exception classes")
    func openAIErrorShape() {
        let tooLarge = GatewayError.bodyTooLarge(limit: 10).openAIBody["error"]
        #expect(tooLarge?["type"]?.stringValue == "invalid_request_error")
        #expect(tooLarge?["param"]?.stringValue == "body")
        #expect(tooLarge?["code"]?.stringValue == "payload_too_large")
        #expect(GatewayError.openAIType(status: 401) == "authentication_error")
        #expect(GatewayError.openAIType(status: 403) == "permission_error")
        #expect(GatewayError.openAIType(status: 429) == "rate_limit_error")
        #expect(GatewayError.openAIType(status: 502) == "server_error")
        let upstream = GatewayError(upstream: OpenAIError(kind: .timeout, message: "slow"))
        #expect(upstream.openAIBody["error"]?["type"]?.stringValue == "server_error")
        #expect(upstream.status == .gatewayTimeout)
    }

    @Test("two streams in a row on one connection: streams keep the connection alive")
    func streamsKeepTheConnection() async throws {
        try await GatewayHarness.run { gateway in
            try await TestClient.withClient(host: "127.0.0.1", port: gateway.port) { client in
                let json: JSONValue = ["model": "gpt-4o", "input": "Hi"]
                let body = ByteBuffer(bytes: json.jsonBytes)
                let channel = try await client.getChannel()
                for _ in 0..<2 {
                    let response = try await client.post("/api/responses/text/stream", headers: [.contentType: "application/json"], body: body)
                    #expect(response.status == .created)
                    #expect(response.headers[.connection] == nil)
                    #expect(String(buffer: response.body ?? ByteBuffer()).contains("event: response_completed"))
                }
                #expect(try await client.getChannel() === channel)
                #expect(channel.isActive)
            }
        }
    }

    @Test("a client leaving a stream cancels the upstream and the entry says client_cancelled")
    func streamClientCancelled() async throws {
        let gateway = try await GatewayHarness.run(simulator: SimulatorConfiguration(eventDelay: .milliseconds(50))) { gateway in
            _ = try await GatewayHarness.readPartly(
                gateway.baseURL + "/api/responses/text/stream",
                method: .POST,
                json: ["model": "gpt-4o", "input": "A long story please"],
                bytes: 1
            )
            let deadline = ContinuousClock.now + .seconds(2)
            while gateway.simulator.state.stats().clientDisconnects == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(gateway.simulator.state.stats().clientDisconnects >= 1)
            return gateway
        }
        let entries = try gateway.logEntries()
        let entry = try #require(entries.last)
        #expect(entry["outcome"]?.stringValue == "client_cancelled")
        #expect(entry["stream"]?["outcome"]?.stringValue == "client_cancelled")
        #expect(entry["stream"]?["first_event_ms"]?.doubleValue != nil)
    }
}
