import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("Simulator faults")
struct SimulatorFaultTests {
    @Test func statusFaultWithRetryHeadersIsConsumedAfterCount() async throws {
        try await SimHarness.with { sim in
            let added = try await sim.post(
                "/__simulator/faults",
                ["path": "/v1/responses", "method": "POST", "status": 429, "count": 2, "retry_after_ms": 1500]
            )
            #expect(added.status == 201)
            #expect(try await sim.get("/__simulator/faults").json["data"]?[0]?["count"] == 2)
            let body: JSONValue = ["model": "gpt-4o", "input": "hi"]
            for _ in 0..<2 {
                let limited = try await sim.post("/v1/responses", body)
                #expect(limited.status == 429)
                #expect(limited.headers.first(name: "retry-after-ms") == "1500")
                #expect(limited.headers.first(name: "retry-after") == "2")
                #expect(limited.headers.first(name: "x-ratelimit-remaining-requests") == "0")
                let error = try limited.json["error"]
                #expect(error?["code"] == "rate_limit_exceeded")
                #expect(error?["type"] == "requests")
            }
            #expect(try await sim.post("/v1/responses", body).status == 200)
            #expect(try await sim.get("/__simulator/faults").json["data"]?.arrayValue?.isEmpty == true)
            #expect(try await sim.stats()["requests"]?["POST /v1/responses"] == 3)
        }
    }

    @Test(arguments: [(500, "server_error"), (401, "invalid_request_error"), (503, "server_error")])
    func statusFaultTypes(status: Int, type: String) async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/*", status: status))
            let result = try await sim.get("/v1/responses/resp_1")
            #expect(result.status == status)
            #expect(try result.json["error"]?["type"]?.stringValue == type)
            #expect(result.headers.first(name: "retry-after-ms") == nil)
            #expect(try await sim.get("/v1/responses/resp_1").status == 404)
        }
    }

    @Test func methodFilterAndDelay() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", method: "GET", status: 500))
            #expect(try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "x"]).status == 200)
            #expect(sim.state.faults().count == 1)
            sim.state.clearFaults()
            sim.state.addFault(SimulatorFault(path: "/v1/responses", delayMs: 300))
            let start = ContinuousClock.now
            #expect(try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "x"]).status == 200)
            #expect(start.duration(to: .now) >= .milliseconds(300))
            _ = try await sim.send(.DELETE, "/__simulator/faults")
            #expect(sim.state.faults().isEmpty)
        }
    }

    @Test func failAfterEventsEmitsResponseFailed() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", failAfterEvents: 6))
            let result = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "fail please", "stream": true])
            let events = try result.events
            #expect(events.count == 7)
            let failed = try #require(events.last)
            #expect(failed["type"] == "response.failed")
            #expect(failed["sequence_number"] == 6)
            #expect(failed["response"]?["status"] == "failed")
            #expect(failed["response"]?["error"]?["code"] == "server_error")
            try await SpecCheck.expectValid("ResponseStreamEvent", result.body)
            let id = try #require(failed["response"]?["id"]?.stringValue)
            #expect(try await sim.get("/v1/responses/\(id)").json["status"] == "failed")
        }
    }

    @Test func injectEventsGetConsecutiveSequenceNumbers() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.post(
                "/__simulator/faults",
                [
                    "path": "/v1/responses",
                    "inject_events": [["type": "response.future_feature.delta", "delta": "x"], ["type": "response.future_feature.done"]],
                ]
            )
            let events = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "inject", "stream": true]).events
            let types = events.compactMap { $0["type"]?.stringValue }
            #expect(
                Array(types.prefix(4)) == [
                    "response.created", "response.in_progress", "response.future_feature.delta", "response.future_feature.done",
                ]
            )
            #expect(events[2]["delta"] == "x")
            #expect(events.map { $0["sequence_number"]?.intValue } == Array(0..<events.count))
            #expect(types.last == "response.completed")
        }
    }

    @Test func dropAfterEventsCutsTheConnection() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", dropAfterEvents: 3))
            var request = HTTPClientRequest(url: sim.root + "/v1/responses")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: #"{"model":"gpt-4o","input":"drop","stream":true}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            var text = ""
            var failed = false
            do {
                for try await chunk in response.body { text += String(buffer: chunk) }
            } catch {
                failed = true
            }
            #expect(failed, "the body should end with a connection error, not a clean end")
            #expect(text.components(separatedBy: "\ndata: ").count - 1 == 3)
            #expect(!text.contains("response.completed"))
            #expect(try await sim.eventually { sim.state.stats().openStreams == 0 })
            #expect(sim.state.stats().completedStreams == 0)
        }
    }

    @Test func eventDelayPacesTheStream() async throws {
        try await SimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", eventDelayMs: 20))
            let start = ContinuousClock.now
            let events = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "slow", "stream": true]).events
            #expect(start.duration(to: .now) >= .milliseconds(20 * (events.count - 1)))
        }
    }

    @Test func clientDisconnectIsSeenWithinOneSecond() async throws {
        // Events 3 s apart: a failed write cannot be what notices the disconnect within 1 s,
        // only the inbound-close watch can.
        try await SimHarness.with(eventDelay: .seconds(3)) { sim in
            let firstChunk = AsyncStream<Void>.makeStream()
            let reader = Task {
                var request = HTTPClientRequest(url: sim.root + "/v1/responses")
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: #"{"model":"gpt-4o","input":"disconnect me","stream":true}"#))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                for try await _ in response.body {
                    firstChunk.continuation.yield()
                }
            }
            var iterator = firstChunk.stream.makeAsyncIterator()
            _ = await iterator.next()
            #expect(sim.state.stats().openStreams == 1)
            reader.cancel()
            let cancelledAt = ContinuousClock.now
            let seen = try await sim.eventually(timeout: .seconds(1)) { sim.state.stats().clientDisconnects == 1 }
            #expect(seen, "client disconnect not seen within 1 s")
            #expect(cancelledAt.duration(to: .now) < .seconds(1))
            #expect(sim.state.stats().openStreams == 0)
            #expect(sim.state.stats().completedStreams == 0)
        }
    }

    @Test func resumeStreamDisconnectIsSeenWithinOneSecond() async throws {
        try await SimHarness.with(stepDelay: .seconds(3)) { sim in
            let running = try await sim.post("/v1/responses", ["model": "gpt-4o", "input": "wait", "background": true]).json
            let id = try #require(running["id"]?.stringValue)
            let firstChunk = AsyncStream<Void>.makeStream()
            let reader = Task {
                let request = HTTPClientRequest(url: sim.root + "/v1/responses/\(id)?stream=true")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                for try await _ in response.body {
                    firstChunk.continuation.yield()
                }
            }
            var iterator = firstChunk.stream.makeAsyncIterator()
            _ = await iterator.next()
            reader.cancel()
            let seen = try await sim.eventually(timeout: .seconds(1)) { sim.state.stats().clientDisconnects == 1 }
            #expect(seen, "client disconnect not seen within 1 s")
            #expect(sim.state.stats().openStreams == 0)
        }
    }

    @Test func badFaultIsRejected() async throws {
        try await SimHarness.with { sim in
            let missing = try await sim.post("/__simulator/faults", ["status": 500])
            #expect(missing.status == 400)
            #expect(try missing.json["error"]?["param"] == "path")
            let badEvents = try await sim.post("/__simulator/faults", ["path": "/v1/responses", "inject_events": [1]])
            #expect(badEvents.status == 400)
        }
    }

    @Test func faultDecodesFromSnakeCaseJSON() throws {
        let data = Data(#"{"path":"/v1/*","retry_after_ms":5,"drop_after_events":2,"inject_events":[{"type":"x"}]}"#.utf8)
        let fault = try JSONDecoder().decode(SimulatorFault.self, from: data)
        #expect(fault.count == 1)
        #expect(fault.retryAfterMs == 5)
        #expect(fault.dropAfterEvents == 2)
        #expect(fault.matches(method: "GET", path: "/v1/responses/abc"))
        #expect(!fault.matches(method: "GET", path: "/v2/x"))
    }
}
