import AsyncHTTPClient
import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// The upstream connections: short JSON calls have a budget of their own with a bounded wait (503
/// `upstream_busy`, shown in `/health`), and streams cannot take it from them.
@Suite("Upstream connection pools")
struct UpstreamPoolTests {
    static let text: JSONValue = ["input": "hi", "model": "gpt-4o-mini"]

    @Test("with every short-call connection busy, one more call waits UPSTREAM_SLOT_WAIT_MS, then 503 with Retry-After; /health says saturated")
    func slotWaitDeadline() async throws {
        try await GatewayHarness.run(configure: { configuration in
            configuration.upstreamMaxConnections = 2
            configuration.upstreamSlotWait = .milliseconds(300)
        }) { gw in
            gw.simulator.state.addFault(SimulatorFault(path: "/v1/responses", method: "POST", count: 2, delayMs: 1_500))
            let slow = (0..<2).map { _ in Task { try await gw.request(.POST, "/api/responses/text", json: Self.text) } }
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            async let refused = gw.request(.POST, "/api/responses/text", json: Self.text)
            try await Task.sleep(for: .milliseconds(100))
            let health = try await gw.request(.GET, "/health").json()
            #expect(health["upstream_pool"]?["in_use"]?.intValue == 2)
            #expect(health["upstream_pool"]?["waiting"]?.intValue == 1)
            #expect(health["upstream_pool"]?["saturated"]?.boolValue == true)
            let answer = try await refused
            let waited = ContinuousClock.now - started
            #expect(answer.status == 503)
            #expect(try answer.json()["error_code"]?.stringValue == "upstream_busy")
            #expect(answer.headers["Retry-After"].first == "1")
            #expect(waited >= .milliseconds(280) && waited < .milliseconds(1_200), "\(waited)")
            for task in slow { #expect(try await task.value.status == 201) }
            let after = try await gw.request(.GET, "/health").json()
            #expect(after["upstream_pool"]?["saturated"]?.boolValue == false)
            #expect(after["upstream_pool"]?["refused"]?.intValue == 1)
        }
    }

    @Test("open streams do not hold the short calls' connections")
    func streamsHaveTheirOwnPool() async throws {
        try await GatewayHarness.run(
            simulator: SimulatorConfiguration(eventDelay: .milliseconds(80)),
            configure: { configuration in
                configuration.upstreamMaxConnections = 1
                configuration.upstreamSlotWait = .milliseconds(200)
            }
        ) { gw in
            let streams = (0..<3).map { _ in Task { try await gw.stream(.POST, "/api/responses/text/stream", json: Self.text) } }
            try await Task.sleep(for: .milliseconds(300))
            #expect(gw.simulator.state.stats().openStreams == 3)
            let started = ContinuousClock.now
            let call = try await gw.request(.POST, "/api/responses/text", json: Self.text)
            #expect(call.status == 201, "\(call.text)")
            #expect(ContinuousClock.now - started < .milliseconds(1_000))
            #expect(gw.simulator.state.stats().openStreams == 3, "the streams were still open during the call")
            for stream in streams { #expect(try await stream.value.status == 201) }
        }
    }
}
