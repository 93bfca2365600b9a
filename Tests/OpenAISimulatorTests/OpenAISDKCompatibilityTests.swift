import Foundation
import OpenAISimulator
import TestSupport
import Testing

/// Runs `sdk/openai_sdk_check.py`, which drives the simulator with the official `openai` Python
/// package, so that the simulator stays compatible with a real client and not only with ours.
///
/// The script is not a package resource: it is found next to this file through `#filePath`.
/// CI installs the `openai` package; locally the test tries `pip install` once and fails with a
/// clear message when the package still cannot be imported.
@Suite("Official openai SDK against the simulator")
struct OpenAISDKCompatibilityTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("sdk").appendingPathComponent("openai_sdk_check.py")

    /// One line the script prints for every check that passed.
    static let expectedChecks = [
        "create", "stream", "stream_helper", "retrieve", "input_items", "delete", "background_cancel", "rate_limit",
        "file_round_trip", "speech", "transcription", "chat_create", "chat_stream", "chat_stream_usage", "chat_stored",
        "embeddings", "models", "moderations", "images_generate", "images_stream", "images_edit", "images_variation",
        "images_sizes", "responses_image_tool", "responses_image_tool_stream", "responses_function_call", "responses_hosted_tools",
    ]

    @Test(
        "the openai Python SDK can use responses, rate limits, files, speech, transcription, chat completions (streamed with and without usage), embeddings, models, moderations, images (generate, stream, edit, variation, sizes) the responses image_generation tool (JSON and stream), function calls and the file_search and code_interpreter tools"
    )
    func officialSDK() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.script.path), "missing \(Self.script.path)")
        if let problem = await SDKAvailability.shared.problem() {
            Issue.record("The official openai Python package is required: \(problem)")
            return
        }
        try await SimHarness.with(eventDelay: .milliseconds(2)) { sim in
            let (status, output) = await PythonProcess.run([Self.script.path, sim.simulator.baseURL], timeout: .seconds(120))
            let lines = output.split(separator: "\n").map(String.init)
            // Shown in the test log so a failure says which SDK version it was.
            print("openai SDK check:\n\(output)")
            #expect(status == 0, "openai_sdk_check.py exited with \(status):\n\(output)")
            for check in Self.expectedChecks {
                #expect(lines.contains { $0.hasPrefix("ok \(check):") }, "no 'ok \(check):' line in:\n\(output)")
            }
            #expect(!lines.contains { $0.hasPrefix("FAIL") }, "\(output)")
            #expect(lines.first?.hasPrefix("openai ") == true)
        }
    }

    @Test("--only runs just the named checks")
    func onlySelectsChecks() async throws {
        if let problem = await SDKAvailability.shared.problem() {
            Issue.record("The official openai Python package is required: \(problem)")
            return
        }
        try await SimHarness.with { sim in
            let (status, output) = await PythonProcess.run(
                [Self.script.path, sim.simulator.baseURL, "--only", "create,rate_limit"],
                timeout: .seconds(60)
            )
            let checkLines = output.split(separator: "\n").filter { $0.hasPrefix("ok ") || $0.hasPrefix("FAIL ") }
            #expect(status == 0, "\(output)")
            #expect(checkLines.count == 2 && checkLines[0].hasPrefix("ok create:") && checkLines[1].hasPrefix("ok rate_limit:"), "\(output)")
            #expect(sim.state.stats().requests["POST /v1/responses"] == 3)
        }
    }
}
