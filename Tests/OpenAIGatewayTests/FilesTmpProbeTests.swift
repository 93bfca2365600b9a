import Testing
@testable import OpenAIGateway

@Suite("tmp probe files")
struct FilesTmpProbeTests {
    @Test func earlyReject() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/files", parts: [.field("purpose", "assistant"), .file(filename: "big.png", contentType: "image/png", .generated(count: 25 * 1024 * 1024))])
            #expect(result.status == 400)
        }
    }
    @Test func directSimulator() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await GatewayHarness.postMultipart(url: gateway.simulator.baseURL + "/files",
                parts: [.field("purpose", "vision"), .file(filename: "big.png", contentType: "image/png", .generated(count: 25 * 1024 * 1024))])
            #expect(result.status == 200)
        }
    }
}
