import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@Suite("Simulator POST /v1/responses/input_tokens")
struct SimulatorInputTokensTests {
    @Test("a spec-valid count, the same as a create's input usage, continuing a conversation")
    func countMatchesUsage() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = ["model": "gpt-4o", "input": "Tell me about the sea", "instructions": "Be brief."]
            let counted = try await sim.post("/v1/responses/input_tokens", body)
            #expect(counted.status == 200)
            try await SpecCheck.expectValid("TokenCountsResource", counted.body)
            let created = try await sim.post("/v1/responses", body).json
            #expect(try counted.json["object"] == "response.input_tokens")
            #expect(try counted.json["input_tokens"] == created["usage"]?["input_tokens"])
            // A follow-up counts the conversation so far, as the create's usage does.
            let id = try #require(created["id"]?.stringValue)
            let next: JSONValue = ["input": "And the mountains?", "previous_response_id": .string(id)]
            let followUp = try await sim.post("/v1/responses/input_tokens", next).json
            let continued = try await sim.post(
                "/v1/responses",
                ["model": "gpt-4o", "input": "And the mountains?", "previous_response_id": .string(id)]
            ).json
            #expect(followUp["input_tokens"] == continued["usage"]?["input_tokens"])
            #expect(try await sim.stats()["requests"]?["POST /v1/responses/input_tokens"] == 2)
        }
    }

    @Test("members the endpoint does not take are refused, as OpenAI does")
    func unknownParameter() async throws {
        try await SimHarness.with { sim in
            let refused = try await sim.post("/v1/responses/input_tokens", ["input": "Hi", "stream": true])
            #expect(refused.status == 400)
            #expect(try refused.json["error"]?["param"] == "stream")
            #expect(try refused.json["error"]?["code"] == "unknown_parameter")
            let missing = try await sim.post("/v1/responses/input_tokens", ["input": "Hi", "previous_response_id": "resp_nope"])
            #expect(missing.status == 404)
        }
    }
}
