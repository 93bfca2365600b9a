import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import TestSupport
import Testing

/// One HTTP answer, fully read.
struct SimHTTPResult {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: JSONValue {
        get throws { try JSONValue(parsing: body) }
    }

    /// The `data:` payloads of an SSE body, parsed.
    var events: [JSONValue] {
        get throws {
            try body.split(separator: "\n", omittingEmptySubsequences: true)
                .filter { $0.hasPrefix("data: ") }
                .map { try JSONValue(parsing: String($0.dropFirst(6))) }
        }
    }
}

/// Starts a fast simulator for one test and talks to it over real HTTP.
struct SimHarness {
    let simulator: RunningSimulator
    var state: SimulatorState { simulator.state }
    var root: String { "http://127.0.0.1:\(simulator.port)" }

    static func with<T>(
        eventDelay: Duration = .milliseconds(1),
        stepDelay: Duration = .milliseconds(150),
        vectorStoreProcessingTime: Duration = .milliseconds(150),
        videoGeneration: Duration = .milliseconds(400),
        _ body: (SimHarness) async throws -> T
    ) async throws -> T {
        let simulator = try await SimulatorServer.start(
            .init(
                port: 0,
                eventDelay: eventDelay,
                backgroundStepDelay: stepDelay,
                vectorStoreProcessingTime: vectorStoreProcessingTime,
                videoGenerationTime: videoGeneration
            )
        )
        do {
            let result = try await body(SimHarness(simulator: simulator))
            await simulator.shutdown()
            return result
        } catch {
            await simulator.shutdown()
            throw error
        }
    }

    func send(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil, rawBody: String? = nil) async throws -> SimHTTPResult {
        var request = HTTPClientRequest(url: root + path)
        request.method = method
        if let text = rawBody ?? json?.jsonString {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: text))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return SimHTTPResult(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    func post(_ path: String, _ json: JSONValue) async throws -> SimHTTPResult {
        try await send(.POST, path, json: json)
    }

    func get(_ path: String) async throws -> SimHTTPResult {
        try await send(.GET, path)
    }

    func stats() async throws -> JSONValue {
        try await get("/__simulator/stats").json
    }

    /// Polls until `condition` holds or `timeout` passes; returns whether it held.
    func eventually(timeout: Duration = .seconds(3), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}

/// Runs the shared OpenAPI spec checker on a JSON value or an SSE transcript.
///
/// The checker runs as a child process that is awaited without blocking a thread: the
/// simulator's handlers share the cooperative pool with the tests, and a blocked pool would
/// delay them (and break the 1-second disconnect checks).
enum SpecCheck {
    static let sharedDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    static var script: URL { sharedDirectory.appendingPathComponent("tools/openai_spec_check.py") }

    private actor Availability {
        var reason: String??
        func get() async -> String? {
            if let reason { return reason }
            let result: String?
            if !FileManager.default.fileExists(atPath: SpecCheck.script.path) {
                result = "spec checker not found at \(SpecCheck.script.path)"
            } else {
                result = await PythonModules.problem(["yaml", "jsonschema"])
            }
            reason = .some(result)
            return result
        }
    }

    private static let availability = Availability()

    /// Validates `text` against `schema`; records an issue with the checker's output when invalid, and fails
    /// (never skips) when the checker or a Python package it needs is missing.
    static func expectValid(_ schema: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        if let reason = await availability.get() {
            Issue.record("SpecCheck cannot run: \(reason)", sourceLocation: sourceLocation)
            return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("simcheck-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = await run([script.path, schema, file.path])
        #expect(status == 0, "spec check \(schema) failed: \(output)\n\(text.prefix(2000))", sourceLocation: sourceLocation)
    }

    /// Runs python3 without blocking a thread (see ``PythonProcess``).
    static func run(_ arguments: [String]) async -> (Int32, String) {
        await PythonProcess.run(arguments, timeout: .seconds(120))
    }
}
