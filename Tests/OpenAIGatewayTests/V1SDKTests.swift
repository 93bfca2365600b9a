import Foundation
import OpenAISimulator
import TestSupport
import Testing

@testable import OpenAIGateway

/// Runs `sdk/v1_sdk_check.py`: the official `openai` Python SDK pointed at the gateway's `/v1`, against
/// the simulator, compared with the same calls sent to the simulator directly.
@Suite("Official openai SDK through the gateway's /v1")
struct V1SDKTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("sdk").appendingPathComponent("v1_sdk_check.py")

    @Test("responses, chat (streams with and without include_usage), embeddings, models, files, audio, retries, errors and unknown paths")
    func officialSDKThroughTheGateway() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.script.path), "missing \(Self.script.path)")
        if let problem = await SDKAvailability.shared.problem() {
            Issue.record("The official openai Python package is required: \(problem)")
            return
        }
        let maxRetries = 2
        try await GatewayHarness.run(
            simulator: SimulatorConfiguration(eventDelay: .milliseconds(2)),
            configure: { $0.maxRetries = maxRetries }
        ) { gateway in
            let simulatorRoot = String(gateway.simulator.baseURL.dropLast(3))  // without "/v1"
            let (status, output) = await PythonProcess.run(
                [Self.script.path, "--gateway", gateway.baseURL, "--simulator", simulatorRoot, "--max-retries", String(maxRetries)],
                timeout: .seconds(180)
            )
            print("v1 SDK check:\n\(output)")
            #expect(status == 0, "v1_sdk_check.py exited with \(status):\n\(output)")
            let summary = output.split(separator: "\n").last { $0.hasSuffix(" failed") || $0.contains(" passed, ") }
            #expect(summary?.hasSuffix(" 0 failed") == true, "\(output)")
            #expect((summary.flatMap { Int($0.split(separator: " ").first ?? "") } ?? 0) >= 20, "\(output)")
        }
    }
}
