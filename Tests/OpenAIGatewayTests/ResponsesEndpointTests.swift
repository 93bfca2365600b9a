import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// The Responses endpoints over real HTTP: client → gateway → simulator.
@Suite("Responses endpoints against the simulator")
struct ResponsesEndpointTests {
    @Test("POST /api/responses/text returns 201 with the upstream Response unchanged")
    func createText() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o", "input": "Say hello", "store": true])
            #expect(result.status == 201)
            let json = try result.json()
            #expect(json["object"]?.stringValue == "response")
            #expect(json["status"]?.stringValue == "completed")
            #expect(json["model"]?.stringValue == "gpt-4o")
            #expect(json["output_text"]?.stringValue?.isEmpty == false || json["output"]?.arrayValue?.isEmpty == false)
            #expect(result.headers.first(name: "x-request-id")?.hasPrefix("gw_") == true)
            #expect(result.headers.first(name: "x-upstream-request-id")?.hasPrefix("req_") == true)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
        }
    }

    @Test("the configured default model is used when the request names none")
    func defaultModel() async throws {
        try await GatewayHarness.run(configure: { $0.defaultModel = "gpt-4.1-mini" }) { gateway in
            let result = try await gateway.request(.POST, "/api/responses/text", json: ["input": "Hi"])
            #expect(result.status == 201)
            #expect(try result.json()["model"]?.stringValue == "gpt-4.1-mini")
            let empty = try await gateway.request(.POST, "/api/responses/text", json: ["input": "Hi", "model": ""])
            #expect(try empty.json()["model"]?.stringValue == "gpt-4.1-mini")
        }
    }

    @Test("streaming: one frame per upstream event, ids = sequence numbers, at the simulator's pace")
    func streamText() async throws {
        try await GatewayHarness.run(simulator: SimulatorConfiguration(eventDelay: .milliseconds(40))) { gateway in
            let result = try await gateway.stream(
                .POST,
                "/api/responses/text/stream",
                json: ["model": "gpt-4o", "input": "Tell me a short story about a fox"]
            )
            #expect(result.status == 201)
            #expect(result.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            #expect(result.headers.first(name: "cache-control") == "no-cache")
            #expect(result.headers.first(name: "x-accel-buffering") == "no")
            let names = result.frames.map(\.name)
            #expect(names.first == "response_created")
            #expect(names.dropFirst().first == "response_in_progress")
            #expect(names.last == "response_completed")
            #expect(names.contains("text_delta"))
            #expect(names.contains("text_done"))
            #expect(!names.contains("error"))
            // ids and sequences rise by one per frame, from 0.
            for (index, frame) in result.frames.enumerated() {
                #expect(frame.event.id == String(index))
                #expect(frame.payload["sequence"]?.intValue == index)
            }
            // The final frame carries the accumulated text and real usage.
            let completed = try #require(result.frames.last).payload
            let deltas = result.frames.filter { $0.name == "text_delta" }.compactMap { $0.payload["delta"]?.stringValue }.joined()
            #expect(completed["output_text"]?.stringValue == deltas)
            #expect((completed["usage"]?["output_tokens"]?.intValue ?? 0) > 0)
            // Events arrive one by one: the deltas are spread over time, not delivered in one burst.
            let deltaFrames = result.frames.filter { $0.name == "text_delta" }
            let first = try #require(deltaFrames.first).arrival
            let last = try #require(deltaFrames.last).arrival
            let spread = (last - first).seconds
            #expect(spread >= Double(deltaFrames.count - 1) * 0.040 * 0.5, "deltas arrived within \(spread) s")
        }
    }

    @Test("retrieve, input items, delete")
    func lifecycle() async throws {
        try await GatewayHarness.run { gateway in
            let created = try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o", "input": "Remember me"])
            let id = try #require(try created.json()["id"]?.stringValue)
            let retrieved = try await gateway.request(.GET, "/api/responses/\(id)")
            #expect(retrieved.status == 200)
            #expect(try retrieved.json()["id"]?.stringValue == id)
            let items = try await gateway.request(.GET, "/api/responses/\(id)/input_items?limit=10&order=asc")
            #expect(items.status == 200)
            let itemsJSON = try items.json()
            #expect(itemsJSON["object"]?.stringValue == "list")
            #expect((itemsJSON["data"]?.arrayValue?.count ?? 0) >= 1)
            let deleted = try await gateway.request(.DELETE, "/api/responses/\(id)")
            #expect(deleted.status == 200)
            #expect(try deleted.json()["deleted"]?.boolValue == true)
            let gone = try await gateway.request(.GET, "/api/responses/\(id)")
            #expect(gone.status == 404)
            let goneJSON = try gone.json()
            #expect(goneJSON["error_code"]?.stringValue == "not_found_error")
            #expect(goneJSON["request_id"]?.stringValue == gone.headers.first(name: "X-Request-Id"))
            #expect(goneJSON["upstream_request_id"]?.stringValue?.hasPrefix("req_") == true)
            #expect(goneJSON["hint"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("bad list parameters are a 400 naming the parameter")
    func badListParameters() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.GET, "/api/responses/resp_x/input_items?limit=1000&order=up")
            #expect(result.status == 400)
            let json = try result.json()
            let parameters = json["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue }
            #expect(parameters == ["limit", "order"])
        }
    }

    @Test("ids are percent-encoded into the upstream path")
    func idEncoding() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.GET, "/api/responses/..%2F..%2Fv1%2Ffiles")
            #expect(result.status == 404)
            let stats = gateway.simulator.state.stats()
            #expect(stats.requests["GET /v1/files"] == nil)
        }
    }

    @Test("cancel a background response")
    func cancelBackground() async throws {
        try await GatewayHarness.run(simulator: SimulatorConfiguration(eventDelay: .milliseconds(5), backgroundStepDelay: .seconds(2))) {
            gateway in
            let created = try await gateway.request(
                .POST,
                "/api/responses/text",
                json: ["model": "gpt-4o", "input": "Long job", "background": true]
            )
            #expect(created.status == 201)
            let createdJSON = try created.json()
            #expect(createdJSON["status"]?.stringValue == "queued")
            let id = try #require(createdJSON["id"]?.stringValue)
            let cancelled = try await gateway.request(.POST, "/api/responses/\(id)/cancel")
            #expect(cancelled.status == 201)
            #expect(try cancelled.json()["status"]?.stringValue == "cancelled")
        }
    }

    @Test("resume: starting_after and Last-Event-ID continue the same numbering")
    func resume() async throws {
        try await GatewayHarness.run { gateway in
            let first = try await gateway.stream(
                .POST,
                "/api/responses/text/stream",
                json: ["model": "gpt-4o", "input": "Resume me please", "store": true]
            )
            let id = try #require(first.frames.first?.payload["response_id"]?.stringValue)
            let total = first.frames.count
            #expect(total > 6)

            let resumed = try await gateway.stream(.GET, "/api/responses/\(id)/stream?starting_after=3")
            #expect(resumed.status == 200)
            #expect(resumed.frames.first?.event.id == "4")
            #expect(resumed.frames.map { $0.event.id ?? "" } == (4..<total).map(String.init))
            #expect(resumed.frames.map(\.name) == first.frames.dropFirst(4).map(\.name))

            var headers = HTTPHeaders()
            headers.add(name: "Last-Event-ID", value: "5")
            let byHeader = try await gateway.stream(.GET, "/api/responses/\(id)/stream", headers: headers)
            #expect(byHeader.frames.first?.event.id == "6")
            #expect(byHeader.frames.count == total - 6)

            let bad = try await gateway.request(.GET, "/api/responses/\(id)/stream?starting_after=abc")
            #expect(bad.status == 400)
            #expect(try bad.json()["parameter"]?.stringValue == "starting_after")
        }
    }
}
