import Foundation
import OpenAISimulator
import TestSupport
import Testing

@testable import OpenAIGateway

/// Runs `sdk/vector_stores_sdk_check.py`: the official `openai` Python SDK's `vector_stores.create`,
/// `vector_stores.files.upload_and_poll` and `vector_stores.search`, through the gateway's `/v1` and
/// straight at the simulator.
@Suite("Official openai SDK: vector stores")
struct VectorStoresSDKTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("sdk").appendingPathComponent("vector_stores_sdk_check.py")

    @Test("create, upload_and_poll and search, through the gateway's /v1 and against the simulator")
    func officialSDK() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.script.path), "missing \(Self.script.path)")
        if let problem = await SDKAvailability.shared.problem() {
            Issue.record("The official openai Python package is required: \(problem)")
            return
        }
        try await GatewayHarness.run(
            simulator: SimulatorConfiguration(eventDelay: .milliseconds(2), vectorStoreProcessingTime: .milliseconds(200))
        ) { gateway in
            for baseURL in [gateway.baseURL + "/v1", gateway.simulator.baseURL] {
                let (status, output) = await PythonProcess.run([Self.script.path, "--base-url", baseURL], timeout: .seconds(120))
                print("vector stores SDK check against \(baseURL):\n\(output)")
                #expect(status == 0, "vector_stores_sdk_check.py exited with \(status):\n\(output)")
                #expect(output.contains("4 passed, 0 failed"), "\(output)")
            }
            // Three searches per run, each reached the simulator once (nothing retried or lost on the way).
            #expect(gateway.simulator.state.stats().requests["POST /v1/vector_stores/{id}/search"] == 6)
        }
    }
}
