import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("an open stream ends cleanly with one error frame telling the client to resume, and the upstream stream is closed")
    func streamEndsOnShutdown() async throws {
        try await GatewayHarness.run(simulator: SimulatorConfiguration(eventDelay: .milliseconds(150))) { gateway in
            async let streamed = gateway.stream(.POST, "/api/responses/text/stream", json: ["model": "gpt-4o", "input": "A long answer please"])
            try await Task.sleep(for: .milliseconds(700))
            let started = ContinuousClock.now
            await gateway.shutdown()
            let result = try await streamed
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(result.frames.count >= 2)
            let last = try #require(result.frames.last)
            #expect(last.name == "error")
            #expect(last.payload["error_code"]?.stringValue == "server_shutting_down")
            #expect(last.payload["hint"]?.stringValue?.contains("Last-Event-ID") == true)
            #expect(result.frames.filter { $0.name == "error" }.count == 1)
            #expect(last.event.id == String(result.frames.count - 2))  // no id: line; the last upstream id stays
            #expect(last.payload["sequence"]?.intValue == result.frames.count - 1)
            var closed = false
            for _ in 0..<50 where !closed {
                closed = gateway.simulator.state.stats().openStreams == 0
                if !closed { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(closed)
        }
    }
}
