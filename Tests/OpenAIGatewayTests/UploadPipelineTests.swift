import Foundation
import OpenAIClient
import OpenAISimulator
import Testing

@testable import OpenAIGateway

/// The streaming upload pipeline when the upstream fails while the client is still sending.
@Suite("Upload pipeline failures")
struct UploadPipelineTests {
    @Test("the upstream answering an error mid-upload gives a JSON error, and the gateway keeps serving")
    func upstreamFailsMidUpload() async throws {
        try await GatewayHarness.run(configure: { $0.maxRetries = 0 }) { gateway in
            gateway.simulator.state.addFault(SimulatorFault(path: "/v1/files", method: "POST", status: 500, count: 2))
            for contentLength in [true, false] {
                let result = try await gateway.upload(
                    "/api/files",
                    parts: [.field("purpose", "user_data"), .file(filename: "big.bin", .generated(count: 20 * 1024 * 1024))],
                    contentLength: contentLength
                )
                #expect(result.status >= 500 && result.status < 600, "status \(result.status): \(result.text)")
                #expect((try? result.json()["error_code"]?.stringValue) != nil, "\(result.text)")
            }
            let health = try await gateway.request(.GET, "/health")
            #expect(health.status == 200)
            // A good upload still works afterwards on the same gateway.
            let upload = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "user_data"), .file(filename: "ok.txt", .generated(count: 100_000))]
            )
            #expect(upload.status == 201, "\(upload.text)")
        }
    }

    @Test("an upload over the limit is refused with 413 while the upstream never completes a file")
    func overLimitAbortsUpstream() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/files",
                parts: [.field("purpose", "vision"), .file(filename: "huge.png", contentType: "image/png", .generated(count: 21 * 1024 * 1024))],
                contentLength: false
            )
            #expect(result.status == 413)
            let list = try await gateway.request(.GET, "/api/files")
            #expect(try list.json().arrayValue?.isEmpty == true)
            let health = try await gateway.request(.GET, "/health")
            #expect(health.status == 200)
        }
    }
}
