import AsyncHTTPClient
import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("ResponsesResource against the simulator")
struct ResponsesResourceTests {
    @Test("create returns the simulator's response and fills the metadata")
    func create() async throws {
        try await ClientSimHarness.with { sim in
            let response = try await sim.client.responses.create(ClientSimHarness.body)
            let json = try response.json()
            #expect(json["object"]?.stringValue == "response")
            #expect(json["id"]?.stringValue?.hasPrefix("resp_") == true)
            #expect(json["status"]?.stringValue == "completed")
            #expect(json["model"]?.stringValue?.hasPrefix("gpt-4o-mini") == true)
            #expect((json["usage"]?["total_tokens"]?.intValue ?? 0) > 0)
            let metadata = response.metadata
            #expect(metadata.status == 200)
            #expect(metadata.endpoint == "POST /v1/responses")
            #expect(metadata.attempts == 1)
            #expect(metadata.requestID?.hasPrefix("req_") == true)
            #expect(metadata.rateLimit.limitRequests == "10000")
            #expect(metadata.rateLimit.remainingTokens == "29999000")
            #expect(!metadata.rateLimit.isEmpty)
            #expect(sim.requests("POST /v1/responses") == 1)
        }
    }

    @Test("retrieve, listInputItems and delete reach their routes; a deleted response is a 404")
    func retrieveListDelete() async throws {
        try await ClientSimHarness.with { sim in
            let input: JSONValue = [
                ["role": "user", "content": "first"],
                ["role": "assistant", "content": "second"],
                ["role": "user", "content": "third"],
            ]
            let created = try await sim.client.responses.create(["model": "gpt-4o-mini", "input": input]).json()
            let id = try #require(created["id"]?.stringValue)

            let retrieved = try await sim.client.responses.retrieve(id: id)
            #expect(try retrieved.json() == created)
            #expect(retrieved.metadata.endpoint == "GET /v1/responses/{id}")

            let items = try await sim.client.responses.listInputItems(id: id, query: [("order", "asc"), ("limit", "2")])
            let list = try items.json()
            #expect(list["object"]?.stringValue == "list")
            #expect(list["data"]?.arrayValue?.compactMap { $0["role"]?.stringValue } == ["user", "assistant"])
            #expect(list["has_more"]?.boolValue == true)
            #expect(items.metadata.endpoint == "GET /v1/responses/{id}/input_items")

            let deleted = try await sim.client.responses.delete(id: id).json()
            #expect(deleted["id"]?.stringValue == id)
            #expect(deleted["deleted"]?.boolValue == true)

            let gone = try await expectOpenAIError { try await sim.client.responses.retrieve(id: id) }
            #expect(gone.kind == .http && gone.status == 404 && gone.attempts == 1)
            #expect(gone.message.contains(id))

            let stats = sim.state.stats().requests
            #expect(stats["GET /v1/responses/{id}"] == 2)
            #expect(stats["GET /v1/responses/{id}/input_items"] == 1)
            #expect(stats["DELETE /v1/responses/{id}"] == 1)
        }
    }

    @Test("cancel stops a background response")
    func cancelBackground() async throws {
        try await ClientSimHarness.with { sim in
            var body = ClientSimHarness.body
            body["background"] = true
            let created = try await sim.client.responses.create(body).json()
            #expect(created["status"]?.stringValue == "queued")
            let id = try #require(created["id"]?.stringValue)
            let cancelled = try await sim.client.responses.cancel(id: id)
            #expect(try cancelled.json()["status"]?.stringValue == "cancelled")
            #expect(cancelled.metadata.endpoint == "POST /v1/responses/{id}/cancel")
            #expect(try await sim.client.responses.retrieve(id: id).json()["status"]?.stringValue == "cancelled")

            // A foreground response cannot be cancelled: 400, not retried.
            let foreground = try await sim.client.responses.create(ClientSimHarness.body).json()
            let error = try await expectOpenAIError {
                try await sim.client.responses.cancel(id: foreground["id"]?.stringValue ?? "")
            }
            #expect(error.status == 400 && error.attempts == 1)
        }
    }

    @Test("createStream yields typed events in order with consecutive sequence numbers")
    func createStream() async throws {
        try await ClientSimHarness.with { sim in
            let stream = try await sim.client.responses.createStream(ClientSimHarness.body)
            #expect(stream.metadata.status == 200)
            #expect(stream.metadata.endpoint == "POST /v1/responses")
            #expect(stream.metadata.requestID?.hasPrefix("req_") == true)
            var events: [ResponseStreamEvent] = []
            for try await event in stream { events.append(event) }

            let types = events.map(\.type)
            #expect(types.prefix(4) == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"])
            #expect(
                types.suffix(4) == ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]
            )
            guard case .responseCreated = events.first, case .responseCompleted(let completed) = events.last else {
                Issue.record("first/last events are not typed: \(types)")
                return
            }
            #expect(events.map { $0.raw["sequence_number"]?.intValue } == Array(0..<events.count).map { Optional($0) })
            var deltas = ""
            for event in events {
                if case .outputTextDelta(let delta) = event { deltas += delta.delta ?? "" }
                if case .unknown(let type, _) = event { Issue.record("unexpected unknown event \(type)") }
            }
            #expect(!deltas.isEmpty)
            let finalText = completed.raw["response"]?["output"]?[0]?["content"]?[0]?["text"]?.stringValue
            #expect(finalText == deltas)
            #expect(try await sim.eventually { sim.state.stats().completedStreams == 1 })
        }
    }

    @Test("a stream cut by the upstream throws a connection error after the delivered events")
    func droppedStream() async throws {
        try await ClientSimHarness.with { sim in
            sim.state.addFault(SimulatorFault(path: "/v1/responses", dropAfterEvents: 3))
            var received: [String] = []
            let error = try await expectOpenAIError {
                for try await event in try await sim.client.responses.createStream(ClientSimHarness.body) {
                    received.append(event.type)
                }
            }
            #expect(received == ["response.created", "response.in_progress", "response.output_item.added"])
            #expect(error.kind.isConnectionFailure, "\(error)")
            #expect(error.requestID?.hasPrefix("req_") == true)
        }
    }

    @Test("leaving the loop early closes the upstream stream")
    func earlyExitDisconnects() async throws {
        try await ClientSimHarness.with { sim in
            // Slow events so the stream is surely still running when the loop is left.
            sim.state.addFault(SimulatorFault(path: "/v1/responses", eventDelayMs: 100))
            var seen = 0
            for try await _ in try await sim.client.responses.createStream(ClientSimHarness.body) {
                seen += 1
                if seen == 2 { break }
            }
            #expect(seen == 2)
            let disconnected = try await sim.eventually(timeout: .seconds(1)) { sim.state.stats().clientDisconnects == 1 }
            #expect(disconnected, "stats: \(sim.state.stats())")
            #expect(sim.state.stats().openStreams == 0)
        }
    }

    @Test("an event type the client does not know arrives as .unknown with its payload intact")
    func unknownEvent() async throws {
        try await ClientSimHarness.with { sim in
            let injected: JSONValue = ["type": "response.future_feature.delta", "payload": ["nested": [1, 2.5, "x", nil]], "flag": true]
            sim.state.addFault(SimulatorFault(path: "/v1/responses", injectEvents: [injected]))
            var unknown: [(String, JSONValue)] = []
            var types: [String] = []
            for try await event in try await sim.client.responses.createStream(ClientSimHarness.body) {
                types.append(event.type)
                if case .unknown(let type, let raw) = event { unknown.append((type, raw)) }
            }
            try #require(unknown.count == 1, "\(types)")
            #expect(unknown[0].0 == "response.future_feature.delta")
            #expect(unknown[0].1["payload"] == injected["payload"])
            #expect(unknown[0].1["flag"]?.boolValue == true)
            #expect(unknown[0].1["sequence_number"]?.intValue == 2)
            #expect(types[2] == "response.future_feature.delta")
            #expect(types.last == "response.completed")
        }
    }

    @Test("retrieveStream(startingAfter:) replays only the later events")
    func resumeStream() async throws {
        try await ClientSimHarness.with { sim in
            var all: [JSONValue] = []
            let stream = try await sim.client.responses.createStream(ClientSimHarness.body)
            for try await event in stream { all.append(event.raw) }
            let id = try #require(all.first?["response"]?["id"]?.stringValue)
            #expect(all.count > 6)

            var resumed: [JSONValue] = []
            for try await event in try await sim.client.responses.retrieveStream(id: id, startingAfter: 5) { resumed.append(event.raw) }
            #expect(resumed.map { $0["sequence_number"]?.intValue } == Array(6..<all.count).map { Optional($0) })
            #expect(resumed == Array(all.dropFirst(6)))

            var everything = 0
            for try await _ in try await sim.client.responses.retrieveStream(id: id) { everything += 1 }
            #expect(everything == all.count)
            #expect(sim.requests("GET /v1/responses/{id}") == 2)
        }
    }
}
