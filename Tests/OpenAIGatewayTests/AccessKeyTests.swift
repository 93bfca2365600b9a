import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpenAIClient
import TestSupport
import Testing

@testable import OpenAIGateway

/// Access keys over real HTTP: `GATEWAY_AUTH=keys` guards /api and /v1, the admin API and the CLI manage
/// the keys on one store, and no secret ever reaches a log or another answer.
@Suite("Access keys")
struct AccessKeyTests {
    static let adminKey = "admin-key-0123456789abcdef"
    static var admin: HTTPHeaders { ["Authorization": "Bearer \(adminKey)"] }

    static func keysOn(_ configuration: inout GatewayConfiguration) {
        configuration.authMode = .keys
        configuration.adminKey = adminKey
        configuration.keyCacheTTL = .milliseconds(100)
    }

    static let textBody: JSONValue = ["input": "Say hi", "model": "gpt-4o-mini", "max_output_tokens": 50]

    /// Creates a key through the admin API; returns (id, secret).
    static func createKey(_ gw: GatewayHarness, _ settings: JSONValue) async throws -> (String, String) {
        let created = try await gw.request(.POST, "/admin/keys", json: settings, headers: admin)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.headers["Cache-Control"].first == "no-store")
        let json = try created.json()
        let id = try #require(json["id"]?.stringValue)
        let secret = try #require(json["secret"]?.stringValue)
        return (id, secret)
    }

    static func bearer(_ secret: String) -> HTTPHeaders { ["Authorization": "Bearer \(secret)"] }

    @Test("no key, an unknown key, a revoked and an expired key → 401 in the route's error shape; /health stays open")
    func refusals() async throws {
        try await GatewayHarness.run(configure: Self.keysOn) { gw in
            let missing = try await gw.request(.POST, "/api/responses/text", json: Self.textBody)
            #expect(missing.status == 401)
            #expect(try missing.json()["error_code"]?.stringValue == "access_key_required")
            let v1 = try await gw.request(.POST, "/v1/responses", json: Self.textBody)
            #expect(v1.status == 401)
            #expect(try v1.json()["error"]?["type"]?.stringValue == "authentication_error")
            #expect(try v1.json()["error"]?["code"]?.stringValue == "access_key_required")
            #expect(try await gw.request(.GET, "/health").status == 200)
            #expect(gw.simulator.state.stats().totalRequests == 0, "a refused request never reaches the upstream")

            let unknown = try await gw.request(.POST, "/api/responses/text", json: Self.textBody, headers: Self.bearer("gk_not-a-key"))
            #expect(unknown.status == 401)
            #expect(try unknown.json()["error_code"]?.stringValue == "invalid_access_key")

            let (id, secret) = try await Self.createKey(gw, ["name": "temp"])
            let ok = try await gw.request(.POST, "/api/responses/text", json: Self.textBody, headers: Self.bearer(secret))
            #expect(ok.status == 201, "\(ok.text)")
            let viaHeader = try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: ["X-Api-Key": secret])
            #expect(viaHeader.status == 200, "\(viaHeader.text)")

            #expect(try await gw.request(.DELETE, "/admin/keys/\(id)", headers: Self.admin).status == 200)
            let revoked = try await gw.request(.POST, "/api/responses/text", json: Self.textBody, headers: Self.bearer(secret))
            #expect(revoked.status == 401)
            // The same answer as for a key that never existed: nothing tells a caller which keys exist.
            #expect(try revoked.json()["message"] == unknown.json()["message"])

            // Expiry: a key written with an expiry a moment away stops working when it passes.
            let store = KeyStore(store: try await SQLiteStore.open(path: gw.dataDirectory + "/gateway.sqlite"))
            let expiring = try await store.create(.init(name: "short", expiresAt: Date().addingTimeInterval(0.5)))
            await store.store.close()
            #expect(try await gw.request(.GET, "/v1/models", headers: Self.bearer(expiring.secret)).status == 200)
            try await Task.sleep(for: .milliseconds(700))
            #expect(try await gw.request(.GET, "/v1/models", headers: Self.bearer(expiring.secret)).status == 401)
        }
    }

    @Test("admin API: create, list, show, rotate, revoke; the secret is shown once and never logged")
    func adminLifecycle() async throws {
        let (secrets, logs) = try await GatewayHarness.run(configure: Self.keysOn) { gw -> ([String], String) in
            #expect(try await gw.request(.GET, "/admin/keys").status == 401)
            #expect(try await gw.request(.GET, "/admin/keys", headers: Self.bearer("wrong-admin-key-000000")).status == 401)
            let basic = "Basic " + Data("admin:\(Self.adminKey)".utf8).base64EncodedString()
            #expect(try await gw.request(.GET, "/admin/keys", headers: ["Authorization": basic]).status == 200)

            let (id, secret) = try await Self.createKey(
                gw,
                ["name": "team-a", "rpm": 100, "budget_usd": 5, "budget_period": "day", "models": ["gpt-4o-mini"], "expires_in": "30d"]
            )
            #expect(secret.hasPrefix("gk_") && secret.count >= 3 + 22, "at least 128 random bits")
            let list = try await gw.request(.GET, "/admin/keys", headers: Self.admin)
            #expect(!list.text.contains(secret))
            let listed = try #require(list.json()["data"]?.arrayValue?.first)
            #expect(listed["id"]?.stringValue == id)
            #expect(listed["limits"]?["rpm"]?.intValue == 100)
            #expect(listed["limits"]?["budget_period"]?.stringValue == "day")
            #expect(listed["status"]?.stringValue == "active")
            #expect(try await gw.request(.GET, "/admin/keys/\(id)", headers: Self.admin).json()["name"]?.stringValue == "team-a")

            let rotated = try await gw.request(.POST, "/admin/keys/\(id)/rotate", headers: Self.admin)
            #expect(rotated.status == 200)
            let newSecret = try #require(rotated.json()["secret"]?.stringValue)
            #expect(newSecret != secret)
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: Self.bearer(secret)).status == 401)
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: Self.bearer(newSecret)).status == 200)

            let bad = try await gw.request(.POST, "/admin/keys", json: ["rpm": 0, "budget_period": "week", "colour": "red"], headers: Self.admin)
            #expect(bad.status == 400)
            let parameters = try bad.json()["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? []
            #expect(Set(parameters).isSuperset(of: ["name", "rpm", "budget_period", "colour"]), "\(bad.text)")
            #expect(try await gw.request(.POST, "/admin/keys/key_nope/rotate", headers: Self.admin).status == 404)
            return ([secret, newSecret], gw.allLogText())
        }
        for secret in secrets { #expect(!logs.contains(secret), "a key's secret is never logged") }
        #expect(!logs.contains(Self.adminKey))
    }

    @Test("a key's routes and models are enforced before anything goes upstream")
    func restrictions() async throws {
        try await GatewayHarness.run(configure: Self.keysOn) { gw in
            let (_, secret) = try await Self.createKey(
                gw,
                ["name": "narrow", "routes": ["/v1/responses", "/v1/models/*"], "models": ["gpt-4o-mini"]]
            )
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: Self.bearer(secret)).status == 200)
            #expect(try await gw.request(.GET, "/v1/models/gpt-4o", headers: Self.bearer(secret)).status == 200)
            let route = try await gw.request(.POST, "/api/responses/text", json: Self.textBody, headers: Self.bearer(secret))
            #expect(route.status == 403)
            #expect(try route.json()["error_code"]?.stringValue == "route_not_allowed")
            let before = gw.simulator.state.stats().totalRequests
            let model = try await gw.request(.POST, "/v1/responses", json: ["input": "hi", "model": "gpt-4o"], headers: Self.bearer(secret))
            #expect(model.status == 403)
            #expect(try model.json()["error"]?["param"]?.stringValue == "model")
            #expect(try model.json()["error"]?["message"]?.stringValue?.contains("gpt-4o-mini") == true)
            #expect(gw.simulator.state.stats().totalRequests == before)
        }
    }

    @Test("the CLI creates, lists, rotates and revokes keys in the store a running gateway reads")
    func cliLifecycle() async throws {
        let executable = ChildProcess.gatewayExecutable
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build the executable first: swift build --build-tests")
        try await GatewayHarness.run(configure: Self.keysOn) { gw in
            let env = ["DATA_DIR": gw.dataDirectory, "DATABASE_URL": ""]
            let (status, output) = await ChildProcess.run(
                executable,
                ["keys", "create", "--name", "cli", "--rpm", "50", "--json"],
                environment: env,
                timeout: .seconds(30)
            )
            #expect(status == 0, "\(output)")
            let created = try JSONValue(parsing: output.trimmingCharacters(in: .whitespacesAndNewlines))
            let id = try #require(created["id"]?.stringValue)
            let secret = try #require(created["secret"]?.stringValue)
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: Self.bearer(secret)).status == 200)

            let (_, listed) = await ChildProcess.run(executable, ["keys", "list"], environment: env, timeout: .seconds(30))
            #expect(listed.contains(id) && listed.contains("rpm 50") && !listed.contains(secret), "\(listed)")

            let (_, rotatedOutput) = await ChildProcess.run(executable, ["keys", "rotate", id, "--json"], environment: env, timeout: .seconds(30))
            let rotated = try #require(try JSONValue(parsing: rotatedOutput.trimmingCharacters(in: .whitespacesAndNewlines))["secret"]?.stringValue)
            try await Task.sleep(for: .milliseconds(200))  // KEY_CACHE_MS is 100 here
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: Self.bearer(secret)).status == 401)
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: Self.bearer(rotated)).status == 200)

            let (revokeStatus, _) = await ChildProcess.run(executable, ["keys", "revoke", id], environment: env, timeout: .seconds(30))
            #expect(revokeStatus == 0)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await gw.request(.POST, "/v1/responses", json: Self.textBody, headers: Self.bearer(rotated)).status == 401)
            let (missingStatus, missing) = await ChildProcess.run(executable, ["keys", "rotate", id], environment: env, timeout: .seconds(30))
            #expect(missingStatus == 1 && missing.contains("No active access key"))
        }
    }

    @Test("the official openai SDK uses an access key as its api_key: AuthenticationError and RateLimitError as OpenAI's")
    func officialSDK() async throws {
        if let problem = await SDKAvailability.shared.problem() {
            Issue.record("The official openai Python package is required: \(problem)")
            return
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("sdk/keys_sdk_check.py").path
        try await GatewayHarness.run(configure: Self.keysOn) { gw in
            let (_, key) = try await Self.createKey(gw, ["name": "sdk"])
            let (_, limited) = try await Self.createKey(gw, ["name": "sdk-limited", "rpm": 1])
            let (status, output) = await PythonProcess.run(
                [script, "--gateway", gw.baseURL, "--key", key, "--limited-key", limited],
                timeout: .seconds(120)
            )
            #expect(status == 0, "keys_sdk_check.py exited with \(status):\n\(output)")
            #expect(output.contains("4 passed, 0 failed"), "\(output)")
        }
    }
}
