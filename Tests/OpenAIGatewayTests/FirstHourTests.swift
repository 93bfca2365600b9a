import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import OpenAIClient
import OpenAISimulator
import ServiceLifecycle
import TestSupport
import Testing

@testable import OpenAIGateway

/// What a new user meets in the first hour (issue 13): HTTP behaviour curl and uptime probes expect,
/// error bodies that say what is wrong, and a console that says what happened.
@Suite("First hour: HTTP behaviour")
struct FirstHourHTTPTests {
    static let textBody: JSONValue = ["input": "Hello", "model": "gpt-4o"]

    @Test("Expect: 100-continue is answered at once, before the body, and the request then completes")
    func expectContinue() async throws {
        try await GatewayHarness.run { gateway in
            let body = Self.textBody.jsonString
            let connection = try await RawConnection.open(port: gateway.port)
            defer { Task { await connection.close() } }
            try await connection.send(
                "POST /api/responses/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n"
            )
            let started = ContinuousClock.now
            #expect(try await connection.waitForText("HTTP/1.1 100 Continue\r\n\r\n", within: .seconds(2)))
            #expect(ContinuousClock.now - started < .milliseconds(500))
            #expect(!connection.received.contains("201"))  // nothing final before the body
            try await connection.send(body)
            #expect(try await connection.waitForText("\"object\":\"response\"", within: .seconds(5)))
            #expect(connection.received.contains("HTTP/1.1 201 Created"))
            // Without the header there is no interim answer.
            let plain = try await RawConnection.open(port: gateway.port)
            try await plain.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await plain.waitForText("\"status\":\"ok\"", within: .seconds(5)))
            #expect(!plain.received.contains("100 Continue"))
            await plain.close()
        }
    }

    @Test("HEAD answers wherever GET does: same status and headers, no body; and it is logged")
    func headLikeGet() async throws {
        let log = try await GatewayHarness.run { gateway in
            for path in ["/health", "/openapi.json", "/api-docs", "/api/files"] {
                let get = try await gateway.request(.GET, path)
                let head = try await gateway.request(.HEAD, path)
                #expect(head.status == get.status, "\(path)")
                #expect(head.body.isEmpty, "\(path)")
                #expect(head.headers.first(name: "Content-Type") == get.headers.first(name: "Content-Type"), "\(path)")
                // (/health's uptime can change its length between the two calls.)
                if path != "/health", let length = get.headers.first(name: "Content-Length") {
                    #expect(head.headers.first(name: "Content-Length") == length, "\(path)")
                }
                #expect(head.headers.first(name: "X-Request-Id")?.hasPrefix("gw_") == true)
            }
            return gateway
        }.allLogText()
        #expect(log.contains("\"method\":\"HEAD\""))
    }

    @Test("a wrong method on an existing path is 405 with Allow, HEAD listed where GET is")
    func methodNotAllowed() async throws {
        try await GatewayHarness.run { gateway in
            let post = try await gateway.request(.POST, "/health", json: [:])
            #expect(post.status == 405)
            #expect(post.headers.first(name: "Allow") == "GET, HEAD")
            let head = try await gateway.request(.HEAD, "/api/responses/text")
            #expect(head.status == 405)
            #expect(head.headers.first(name: "Allow") == "POST")
            let get = try await gateway.request(.GET, "/api/responses/text")
            #expect(get.status == 405)
            #expect(try get.json()["error_code"] == "method_not_allowed")
            let unknown = try await gateway.request(.GET, "/no/such/route")
            #expect(unknown.status == 404)
        }
    }

    @Test("GET / names the docs page: JSON for curl, a redirect for a browser")
    func rootPointsToDocs() async throws {
        try await GatewayHarness.run { gateway in
            let plain = try await gateway.request(.GET, "/")
            #expect(plain.status == 200)
            let json = try plain.json()
            #expect(json["docs"] == "/api-docs")
            #expect(json["version"] == .string(GatewayVersion.current))
            // Over a raw socket: HTTPClient follows redirects.
            let browser = try await RawConnection.open(port: gateway.port)
            try await browser.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html,application/xhtml+xml\r\n\r\n")
            #expect(try await browser.waitForText("\r\n\r\n", within: .seconds(5)))
            #expect(browser.received.hasPrefix("HTTP/1.1 302 Found\r\n"), "\(browser.received)")
            #expect(browser.received.lowercased().contains("\r\nlocation: /api-docs\r\n"))
            await browser.close()
        }
    }

    @Test("one version everywhere: /health, / and the OpenAPI document's info.version")
    func oneVersion() async throws {
        try await GatewayHarness.run { gateway in
            let health = try await gateway.request(.GET, "/health").json()
            let document = try await gateway.request(.GET, "/openapi.json").json()
            #expect(health["version"] == .string(GatewayVersion.current))
            #expect(document["info"]?["version"] == .string(GatewayVersion.current))
        }
    }
}

@Suite("First hour: error bodies")
struct FirstHourErrorTests {
    /// The problem of `parameter` in a 400's `errors`.
    static func problem(_ json: JSONValue, _ parameter: String) -> JSONValue? {
        json["errors"]?.arrayValue?.first { $0["parameter"]?.stringValue == parameter }
    }

    @Test(
        "a missing required field says it is required (not that it has the wrong type), on several routes",
        arguments: [
            ("/api/responses/text", ["model": "gpt-4o"] as JSONValue, "input"),
            ("/api/audio/speech", ["voice": "alloy"] as JSONValue, "input"),
            ("/api/audio/speech", ["input": "Hello"] as JSONValue, "voice"),
            ("/api/images/generate", ["size": "1024x1024"] as JSONValue, "prompt"),
            ("/api/vector-stores/vs_1/search", [:] as JSONValue, "query"),
        ]
    )
    func missingIsRequired(path: String, body: JSONValue, parameter: String) async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.POST, path, json: body)
            #expect(result.status == 400)
            let json = try result.json()
            let problem = try #require(Self.problem(json, parameter), "\(result.text)")
            #expect(problem["message"] == .string("\(parameter) is required"))
            #expect(problem["hint"]?.stringValue?.contains("is required") == false)
            #expect(problem["hint"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("a field of the wrong type still says which type it must be")
    func wrongTypeStaysWrongType() async throws {
        try await GatewayHarness.run { gateway in
            let json = try await gateway.request(.POST, "/api/responses/text", json: ["input": 5]).json()
            #expect(Self.problem(json, "input")?["message"] == "input must be a string")
        }
    }

    @Test("a multipart upload without a required field says it is required")
    func multipartMissingIsRequired() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload("/api/files", parts: [.file(filename: "notes.txt", contentType: "text/plain", text: "hello")])
            #expect(result.status == 400)
            #expect(Self.problem(try result.json(), "purpose")?["message"] == "purpose is required")
        }
    }

    @Test("multipart validation reports every problem at once, also those in fields after the file, and creates nothing")
    func multipartEveryProblem() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/files",
                parts: [
                    .file(filename: "notes.txt", contentType: "text/plain", .generated(count: 300_000)),
                    .field("purpose", "user-datta"),
                    .field("expires_after[anchor]", "last_access"),
                    .field("expires_after[seconds]", "soon"),
                ]
            )
            #expect(result.status == 400)
            let json = try result.json()
            let parameters = Set(json["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? [])
            #expect(parameters.isSuperset(of: ["purpose", "expires_after[anchor]", "expires_after[seconds]"]), "\(result.text)")
            #expect(json["message"]?.stringValue?.hasPrefix("Request validation failed with") == true)
            // One problem per parameter and message, though the fields were checked both part way and at the end.
            let pairs = json["errors"]?.arrayValue?.map { "\($0["parameter"]?.stringValue ?? "") \($0["message"]?.stringValue ?? "")" } ?? []
            #expect(pairs.count == Set(pairs).count)
            let listed = try await HTTPClient.shared.execute(HTTPClientRequest(url: gateway.simulator.baseURL + "/files"), timeout: .seconds(10))
            let files = try JSONValue(parsing: Array(try await listed.body.collect(upTo: 1 << 20).readableBytesView))
            #expect(files["data"]?.arrayValue?.isEmpty == true, "the upstream kept a file")
        }
    }

    @Test("multipart problems before the file and in the file part are reported together with the later ones")
    func multipartProblemsAcrossTheBody() async throws {
        try await GatewayHarness.run { gateway in
            let result = try await gateway.upload(
                "/api/files",
                parts: [
                    .field("purpose", "bogus"),
                    .file(filename: "notes.txt", contentType: "text/plain", text: "hello"),
                    .field("expires_after[seconds]", "12"),
                ]
            )
            #expect(result.status == 400)
            let parameters = Set(try result.json()["errors"]?.arrayValue?.compactMap { $0["parameter"]?.stringValue } ?? [])
            #expect(parameters.isSuperset(of: ["purpose", "expires_after[seconds]", "expires_after[anchor]"]), "\(result.text)")
        }
    }

    @Test("request_id in an error body is the gateway's own id: the X-Request-Id header and the log's request_id")
    func requestIDIsTheGateways() async throws {
        let (bodyID, entries) = try await GatewayHarness.run { gateway in
            let result = try await gateway.request(.POST, "/api/responses/text", json: ["model": "gpt-4o"])
            let json = try result.json()
            #expect(json["request_id"]?.stringValue == result.headers.first(name: "X-Request-Id"))
            #expect(json["upstream_request_id"] == nil)  // the upstream was never called
            return (json["request_id"]?.stringValue, gateway)
        }
        let logged = try entries.logEntries().compactMap { $0["request_id"]?.stringValue }
        #expect(bodyID.map(logged.contains) == true)
    }

    @Test("an upstream unknown_parameter gets a hint naming the nearest known field, on /api and /v1")
    func unknownParameterSuggestion() async throws {
        try await GatewayHarness.run { gateway in
            let api = try await gateway.request(.POST, "/api/responses/input-tokens", json: ["input": "Hi", "instuctions": "Be brief"])
            #expect(api.status == 400)
            let apiJSON = try api.json()
            #expect(apiJSON["error_code"] == "unknown_parameter")
            #expect(apiJSON["parameter"] == "instuctions")
            #expect(apiJSON["hint"]?.stringValue?.contains("Did you mean `instructions`?") == true, "\(api.text)")
            #expect(apiJSON["upstream_request_id"]?.stringValue?.hasPrefix("req_") == true)

            let v1 = try await gateway.request(.POST, "/v1/responses/input_tokens", json: ["input": "Hi", "instrctions": "Be brief"])
            #expect(v1.status == 400)
            let error = try #require(try v1.json()["error"])
            #expect(error["code"] == "unknown_parameter")
            #expect(error["param"] == "instrctions")
            #expect(error["message"]?.stringValue?.contains("Did you mean `instructions`?") == true, "\(v1.text)")
            #expect(v1.headers.first(name: "Content-Length") == String(v1.body.count))
        }
    }

    @Test("the nearest known field comes from the endpoint's own request schema")
    func knownFieldSuggestions() {
        #expect(KnownRequestFields.suggestion(for: "temprature", endpoint: "POST /v1/responses") == "temperature")
        #expect(KnownRequestFields.suggestion(for: "Temperature", endpoint: "POST /v1/responses") == "temperature")
        #expect(KnownRequestFields.suggestion(for: "max_results", endpoint: "POST /v1/vector_stores/{id}/search") == "max_num_results")
        #expect(KnownRequestFields.suggestion(for: "temprature", endpoint: "POST /v1/chat/completions") == "temperature")
        #expect(KnownRequestFields.suggestion(for: "completely_different", endpoint: "POST /v1/responses") == nil)
        #expect(KnownRequestFields.suggestion(for: "temperature", endpoint: "POST /v1/responses") == nil)  // known: no hint
        #expect(KnownRequestFields.members(endpoint: "POST /v1/nothing/here") == nil)
    }
}

@Suite("First hour: console and command line")
struct FirstHourConsoleTests {
    static func record(_ method: String, _ path: String, status: Int) -> CallRecord {
        var record = CallRecord(requestID: "gw_1", method: method, path: path)
        record.status = status
        return record
    }

    @Test("the console line says what happened: a stream the client cancelled")
    func consoleLineCancelledStream() {
        var call = Self.record("POST", "/api/responses/text/stream", status: 201)
        call.route = "/api/responses/text/stream"
        call.stream = StreamRecord(outcome: .clientCancelled, events: 12, frames: 12)
        call.outcome = .clientCancelled
        call.latencyMs = 196.2
        #expect(
            InteractionLogSink.consoleLine(for: call) == "POST /api/responses/text/stream → 201 stream cancelled by client after 12 events, 196 ms"
        )
    }

    @Test("the console line of an unknown route prints its path and the error")
    func consoleLineUnknownRoute() {
        var call = Self.record("GET", "/nope", status: 404)
        call.error = ErrorSummary(status: 404, errorCode: "route_not_found", message: "Cannot GET /nope")
        call.outcome = .failed
        #expect(InteractionLogSink.consoleLine(for: call) == "GET /nope → 404 route_not_found: Cannot GET /nope, 0 ms")
    }

    @Test("the console line of a completed call names the object, model, tokens and cost")
    func consoleLineCompleted() {
        var call = Self.record("POST", "/api/responses/text", status: 201)
        call.objectID = "resp_1"
        call.model = "gpt-4o"
        call.usage = TokenUsage(input: 7, output: 25)
        call.cost = 0.000268
        call.latencyMs = 11.6
        #expect(InteractionLogSink.consoleLine(for: call) == "POST /api/responses/text → 201 resp_1, gpt-4o, 32 tokens, $0.000268, 12 ms")
    }

    @Test("a running gateway prints one line per request, unknown routes by their path, and the shutdown line last")
    func consoleLinesOfARunningGateway() async throws {
        let simulator = try await SimulatorServer.start(SimulatorConfiguration(eventDelay: .milliseconds(2)))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-console-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = GatewayConfiguration()
        configuration.port = 0
        configuration.baseURL = simulator.baseURL
        configuration.apiKey = "sk-test-console-0123456789"
        configuration.logDirectory = directory + "/logs"
        configuration.dataDirectory = directory + "/data"
        configuration.environmentName = "development"
        let lines = CapturedLines()
        var logger = Logger(label: "console") { _ in ConsoleLogHandler(wrapping: CapturingHandler(lines: lines)) }
        logger.logLevel = .info
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try await buildApplication(configuration: configuration, logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        for (method, path, body) in [
            (HTTPMethod.GET, "/no/such/route", nil), (.POST, "/api/responses/text", "{}"), (.POST, "/api/responses/text", #"{"input":"Hi"}"#),
        ] as [(HTTPMethod, String, String?)] {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
        }
        await group.triggerGracefulShutdown()
        try await running.value
        await simulator.shutdown()
        let all = lines.all
        #expect(all.contains { $0.hasPrefix("GET /no/such/route → 404 route_not_found: Cannot GET /no/such/route, ") }, "\(all)")
        #expect(all.contains { $0.hasPrefix("POST /api/responses/text → 400 validation_error: input is required, ") }, "\(all)")
        #expect(all.contains { $0.hasPrefix("POST /api/responses/text → 201 resp_") && $0.contains("gpt-4o") && $0.contains(" tokens") }, "\(all)")
        #expect(!all.contains { $0.contains("NotFound") })
        #expect(all.last?.hasPrefix("openai-gateway stopped") == true, "\(all)")
    }

    @Test("LOG_LEVEL=debug shows the gateway's own debug lines, not the libraries'; verbose shows all")
    func consoleHidesLibraryDebug() {
        #expect(ConsoleLogHandler.shows(level: .debug, source: "OpenAIGateway", loggerLevel: .debug))
        #expect(ConsoleLogHandler.shows(level: .debug, source: "OpenAIClient", loggerLevel: .debug))
        #expect(!ConsoleLogHandler.shows(level: .debug, source: "AsyncHTTPClient", loggerLevel: .debug))
        #expect(!ConsoleLogHandler.shows(level: .debug, source: "ServiceLifecycle", loggerLevel: .debug))
        #expect(!ConsoleLogHandler.shows(level: .trace, source: "NIOPosix", loggerLevel: .debug))
        #expect(ConsoleLogHandler.shows(level: .info, source: "Hummingbird", loggerLevel: .debug))
        #expect(ConsoleLogHandler.shows(level: .debug, source: "AsyncHTTPClient", loggerLevel: .trace))
        // Through a real Logger: the source is the calling module.
        let lines = CapturedLines()
        var logger = Logger(label: "test") { _ in ConsoleLogHandler(wrapping: CapturingHandler(lines: lines)) }
        logger.logLevel = .debug
        logger.debug("pool internals", source: "AsyncHTTPClient")
        logger.debug("a gateway line", source: "OpenAIGateway")
        #expect(lines.all == ["a gateway line"])
    }

    @Test("a port in use says so with a hint")
    func portInUse() async throws {
        try await GatewayHarness.run { gateway in
            var configuration = GatewayConfiguration()
            configuration.port = gateway.port
            configuration.baseURL = gateway.simulator.baseURL
            configuration.apiKey = "sk-test-0123456789"
            configuration.logDirectory = gateway.logDirectory + "-second"
            configuration.dataDirectory = gateway.logDirectory + "-second-data"
            var logger = Logger(label: "second")
            logger.logLevel = .critical
            let app = try await buildApplication(configuration: configuration, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            let failure: (any Error)?
            do {
                try await group.run()
                failure = nil
            } catch {
                failure = error
            }
            let error = try #require(failure)
            let message = try #require(StartupProblem.describe(error, host: "127.0.0.1", port: gateway.port), "\(error)")
            #expect(message.contains("Port \(gateway.port) on 127.0.0.1 is already in use"))
            #expect(message.contains("--port"))
        }
    }

    @Test("the shutdown line says what was drained")
    func shutdownLine() {
        let start = ContinuousClock.now
        let snapshot = ConnectionCounter.ShutdownSnapshot(connections: 3, requests: 2, at: start)
        let line = ShutdownReport.line((snapshot, 1), log: (queuedAtStop: 4, written: 120, late: 0), now: start + .milliseconds(410))
        #expect(
            line
                == "openai-gateway stopped in 0.41 s: 1 request in progress finished, 1 cut at SHUTDOWN_TIMEOUT_MS, 3 connections closed, 4 queued log entries written (120 in all)"
        )
        let idle = ShutdownReport.line((nil, 0), log: (queuedAtStop: 0, written: 1, late: 0), now: start)
        #expect(idle == "openai-gateway stopped: no connection was open, 0 queued log entries written (1 in all)")
    }

    @Test("the shutdown snapshot counts the connections and requests open when it began, and the cuts")
    func shutdownSnapshotCountsOpenRequests() {
        let counter = ConnectionCounter()
        _ = counter.open()
        _ = counter.open()
        counter.requestStarted()
        counter.shutdownBegan()
        counter.shutdownBegan()  // every connection gets the notice: the first one counts
        counter.requestCut()
        counter.requestsEnded()
        counter.close()
        let report = counter.shutdownReport
        #expect(report.snapshot?.connections == 2)
        #expect(report.snapshot?.requests == 1)
        #expect(report.cut == 1)
        #expect(ConnectionCounter().shutdownReport.snapshot == nil)
    }
}

/// The built executable (`swift build` makes it beside the tests): `--help`, `--version`, a port in use.
@Suite("First hour: the executable")
struct FirstHourExecutableTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var executable: String { repository.appendingPathComponent(".build/debug/openai-gateway").path }

    @Test("--help lists the subcommands, the flags and every environment key")
    func help() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build the executable first: swift build")
        let (status, output) = await ChildProcess.run(Self.executable, ["--help"], timeout: .seconds(30))
        #expect(status == 0, "\(output)")
        for word in ["serve", "simulator", "--port", "--host", "--log-dir", "--simulator", "ENVIRONMENT"] {
            #expect(output.contains(word), "no \(word) in:\n\(output)")
        }
        for key in GatewayConfiguration.environmentKeys {
            #expect(output.contains(key.name), "no \(key.name) in --help")
        }
    }

    @Test("--version is the one version")
    func version() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build the executable first: swift build")
        let (status, output) = await ChildProcess.run(Self.executable, ["--version"], timeout: .seconds(30))
        #expect(status == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == GatewayVersion.current)
    }

    @Test("a port in use: one line with a hint, exit status 69, no stack trace")
    func portInUse() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build the executable first: swift build")
        try await GatewayHarness.run { gateway in
            let directory = gateway.logDirectory + "-exe"
            let (status, output) = await ChildProcess.run(
                Self.executable,
                ["--simulator", "--port", String(gateway.port), "--log-dir", directory],
                environment: ["DATA_DIR": directory + "-data", "NODE_ENV": "production"],
                timeout: .seconds(60)
            )
            #expect(status == 69, "\(output)")
            #expect(output.contains("error: Port \(gateway.port) on 127.0.0.1 is already in use"), "\(output)")
            #expect(output.contains("--port N or PORT=N"))
            #expect(!output.contains("Fatal error"))
            #expect(!output.contains("Stack dump"))
            #expect(!output.contains("openai-gateway stopped"))  // nothing started, so nothing to report
        }
    }

    @Test("LOG_LEVEL=debug: no library internals on the console; SIGINT ends with the shutdown line")
    func debugConsoleAndShutdownLine() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build the executable first: swift build")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gw-exe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // timeout(1) sends SIGINT after 4 s, as Ctrl-C would.
        let (status, output) = await ChildProcess.run(
            "/usr/bin/timeout",
            ["-s", "INT", "4", Self.executable, "--simulator", "--port", "0", "--log-dir", directory + "/logs"],
            environment: ["LOG_LEVEL": "debug", "DATA_DIR": directory + "/data"],
            timeout: .seconds(30)
        )
        #expect(status == 124, "\(output)")  // timeout's status once it sent the signal
        #expect(output.contains("openai-gateway listening on http://127.0.0.1:"), "\(output)")
        for library in ["[AsyncHTTPClient]", "[ServiceLifecycle]", "[NIOPosix]", "[SQLiteNIO]"] {
            #expect(!output.contains(library), "library line \(library) on the console:\n\(output)")
        }
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("openai-gateway stopped"), "\(output)")
    }

    @Test("the environment keys: every key the loader reads is listed, and the README's table lists exactly them")
    func keysDoNotDrift() throws {
        let listed = Set(GatewayConfiguration.environmentKeys.flatMap { [$0.name] + $0.aliases })
        let loader = try String(
            contentsOf: Self.repository.appendingPathComponent("Sources/OpenAIGateway/Configuration/GatewayConfiguration.swift"),
            encoding: .utf8
        )
        let read = Self.matches(#"reader\.(?:string|integer)\("([A-Z0-9_]+)""#, in: loader)
        #expect(!read.isEmpty)
        #expect(read.subtracting(listed).isEmpty, "read but not in environmentKeys: \(read.subtracting(listed).sorted())")
        #expect(listed.subtracting(read).isEmpty, "in environmentKeys but never read: \(listed.subtracting(read).sorted())")

        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Configuration\n").dropFirst().first?.components(separatedBy: "\n### ").first)
        let tableRows = section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { row in
            String(row.split(separator: "|", omittingEmptySubsequences: true).first ?? "")
        }
        let documented = Self.matches(#"`([A-Z][A-Z0-9_]+)`"#, in: tableRows.joined(separator: "\n"))
        #expect(
            documented == listed,
            "README only: \(documented.subtracting(listed).sorted()); missing from the README: \(listed.subtracting(documented).sorted())"
        )
    }

    static func matches(_ pattern: String, in text: String) -> Set<String> {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return Set(regex.matches(in: text, range: range).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } })
    }
}

@Suite("First hour: test prerequisites")
struct FirstHourPrerequisiteTests {
    @Test("a missing Python package is named, with the command that installs it")
    func missingPythonPackageIsNamed() async {
        let problem = await PythonModules.problem(["json", "no_such_module_for_gateway_tests"])
        #expect(problem?.contains("no_such_module_for_gateway_tests") == true)
        #expect(problem?.contains("pip install") == true)
        #expect(await PythonModules.problem(["json"]) == nil)
        let yaml = await PythonModules.problem(["yaml_missing_alias_check"])
        #expect(yaml?.contains("is required by this test") == true)
    }
}

/// Lines a ``CapturingHandler`` received.
final class CapturedLines: Sendable {
    private let box = NIOLockedValueBox<[String]>([])
    func append(_ line: String) { box.withLockedValue { $0.append(line) } }
    var all: [String] { box.withLockedValue { $0 } }
}

struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.append(event.message.description) }
}
